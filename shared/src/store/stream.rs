//! What a batch of the table's stream names: the ids of the jobs and outbox records that
//! were written (the stream trigger's filter in template.yaml lets only those through).

use serde_json::Value;

use super::keys;

/// The ids a stream batch names, by kind.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changed {
    pub jobs: Vec<String>,
    pub outbox: Vec<String>,
}

impl Changed {
    pub fn is_empty(&self) -> bool {
        self.jobs.is_empty() && self.outbox.is_empty()
    }
}

/// Reads `Records[].dynamodb.Keys.PK.S` of a DynamoDB stream event (Lambda's event shape
/// for DynamoDB Streams); anything else (a scheduled event) names nothing.
pub fn changed(event: &Value) -> Changed {
    let keys = event
        .get("Records")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|r| r.pointer("/dynamodb/Keys/PK/S").and_then(Value::as_str));
    let mut out = Changed::default();
    for pk in keys {
        if let Some(id) = pk.strip_prefix(keys::JOB_PREFIX) {
            out.jobs.push(id.to_owned());
        } else if let Some(id) = pk.strip_prefix(keys::OUTBOX_PREFIX) {
            out.outbox.push(id.to_owned());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_batch_names_its_jobs_and_outbox_records() {
        let event = serde_json::json!({"Records": [
            {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": "JOB#abc"}, "SK": {"S": "JOB"}}}},
            {"eventName": "INSERT", "dynamodb": {"Keys": {"PK": {"S": "OUTBOX#x"}, "SK": {"S": "OUTBOX"}}}}
        ]});
        let found = changed(&event);
        assert_eq!(found.jobs, vec!["abc".to_owned()]);
        assert_eq!(found.outbox, vec!["x".to_owned()]);
        assert!(changed(&serde_json::json!({"source": "aws.events"})).is_empty());
    }
}
