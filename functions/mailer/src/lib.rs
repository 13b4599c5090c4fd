//! `mailer`: drains the email outbox (table stream and a sweeping schedule). The sending
//! itself comes with the binding issue; for now each invocation only logs what woke it.

use std::sync::Arc;

use serde_json::Value;
use shared::App;

/// Handles a stream batch or a scheduled sweep.
pub async fn handle(_app: Arc<App>, event: Value) -> Result<Value, shared::Error> {
    let records = event
        .get("Records")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    tracing::info!(records, "mailer woke; outbox sending not implemented yet");
    Ok(serde_json::json!({ "batchItemFailures": [] }))
}
