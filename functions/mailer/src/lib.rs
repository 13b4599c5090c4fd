//! `mailer`: the background worker. Woken by the table's stream (new jobs and outbox
//! records) and by a schedule that sweeps anything still pending, it runs jobs' fan-outs
//! and sends owed emails.

use std::sync::Arc;

use serde_json::Value;
use shared::App;
use shared::error::Error;
use shared::mail::deliver;

/// Handles a stream batch or a scheduled sweep; a failing job is reported, not lost: it
/// stays pending and the next sweep resumes it from its checkpoint.
pub async fn handle(app: Arc<App>, event: Value) -> Result<Value, Error> {
    let changed = shared::store::stream::changed(&event);
    if changed.is_empty() {
        sweep(&app).await?;
    }
    for id in &changed.jobs {
        run_logged(&app, id).await;
    }
    // A record that fails here stays pending with a retry time; the sweep takes it then.
    shared::mail::deliver::deliver_ids(&app, &changed.outbox).await?;
    Ok(serde_json::json!({ "batchItemFailures": [] }))
}

/// One pass of everything pending (what the schedule does, and the local stack's loop).
/// Pending jobs and due emails come in one Query; when a job ran, the emails it owed are
/// read again and sent in the same pass.
pub async fn sweep(app: &App) -> Result<(), Error> {
    let now = app.now().unix_timestamp();
    let (jobs, due) = app
        .store
        .pending_work(now, SWEEP_JOBS, SWEEP_EMAILS as usize)
        .await?;
    for job in &jobs {
        run_logged(app, &job.id).await;
    }
    if jobs.is_empty() {
        deliver::deliver_records(app, &due).await?;
    } else {
        deliver::deliver_due(app, SWEEP_EMAILS).await?;
    }
    Ok(())
}

/// Jobs and emails one sweep takes at most; the rest wait for the next.
const SWEEP_JOBS: usize = 25;
const SWEEP_EMAILS: i32 = 100;

async fn run_logged(app: &App, job_id: &str) {
    if let Err(error) = shared::sso::run_job(app, job_id, None).await {
        tracing::error!(job = %job_id, reason = %error, "job run failed; it stays pending");
    }
}
