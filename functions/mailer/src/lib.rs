//! `mailer`: the background worker. Woken by the table's stream (new jobs and outbox
//! records) and by a schedule that sweeps anything still pending, it runs jobs' fan-outs
//! and sends owed emails.

use std::sync::Arc;

use serde_json::Value;
use shared::App;
use shared::error::Error;

/// Handles a stream batch or a scheduled sweep; a failing job is reported, not lost: it
/// stays pending and the next sweep resumes it from its checkpoint.
pub async fn handle(app: Arc<App>, event: Value) -> Result<Value, Error> {
    let (job_ids, outbox_ids) = (stream_ids(&event, "JOB#"), stream_ids(&event, "OUTBOX#"));
    if job_ids.is_empty() && outbox_ids.is_empty() {
        sweep(&app).await?;
    }
    for id in &job_ids {
        run_logged(&app, id).await;
    }
    // A record that fails here stays pending with a retry time; the sweep takes it then.
    shared::mail::deliver::deliver_ids(&app, &outbox_ids).await?;
    Ok(serde_json::json!({ "batchItemFailures": [] }))
}

/// Ids of the items with key prefix `prefix` (`JOB#`, `OUTBOX#`) in a DynamoDB stream event.
fn stream_ids(event: &Value, prefix: &str) -> Vec<String> {
    event
        .get("Records")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.pointer("/dynamodb/Keys/PK/S").and_then(Value::as_str))
        .filter_map(|pk| pk.strip_prefix(prefix))
        .map(str::to_owned)
        .collect()
}

/// One pass of everything pending (what the schedule does, and the local stack's loop).
pub async fn sweep(app: &App) -> Result<(), Error> {
    for job in app.store.pending_jobs(25).await? {
        run_logged(app, &job.id).await;
    }
    shared::mail::deliver::deliver_due(app, 100).await?;
    Ok(())
}

async fn run_logged(app: &App, job_id: &str) {
    if let Err(error) = shared::sso::run_job(app, job_id, None).await {
        tracing::error!(job = %job_id, reason = %error, "job run failed; it stays pending");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_are_read_from_stream_keys() {
        let event = serde_json::json!({"Records": [
            {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": "JOB#abc"}, "SK": {"S": "JOB"}}}},
            {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": "OUTBOX#x"}, "SK": {"S": "OUTBOX"}}}}
        ]});
        assert_eq!(stream_ids(&event, "JOB#"), vec!["abc".to_owned()]);
        assert_eq!(stream_ids(&event, "OUTBOX#"), vec!["x".to_owned()]);
    }
}
