//! The email outbox: every email the system owes is a record here, written in the same
//! transaction as the state change that owes it (or with a deterministic id and a
//! conditional put), sent by `mailer`, and marked sent once SES accepts it.
//!
//! Pending records sit in a sparse GSI (`GSI1PK = PENDING`, `GSI1SK = OUTBOX#{due}#{id}`) so
//! the sweep finds them without a scan; marking a record sent removes it from the index.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{Failure, Item, Store, classify, from_item, key, keys, s, to_item};
use crate::error::Error;
use crate::model::{Job, OutboxRecord, OutboxState};
use crate::types::Timestamp;

/// The record's item, indexed as pending while it is.
pub(crate) fn outbox_item(record: &OutboxRecord) -> Result<Item, Error> {
    let mut item = to_item(record, keys::outbox_pk(&record.id), keys::OUTBOX_SK)?;
    if record.state == OutboxState::Pending {
        item.insert("GSI1PK".into(), s(keys::PENDING));
        item.insert(
            "GSI1SK".into(),
            s(keys::pending_outbox_sk(record.next_attempt_at, &record.id)),
        );
    }
    Ok(item)
}

impl Store {
    /// Creates the record unless one with its id exists; `Ok(false)` when it already did.
    /// This is what makes a retried fan-out write each email once.
    pub async fn put_outbox_if_absent(&self, record: &OutboxRecord) -> Result<bool, Error> {
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(outbox_item(record)?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await;
        match result.map_err(classify) {
            Ok(_) => Ok(true),
            Err(Failure::Condition(_)) => Ok(false),
            Err(other) => Err(other.into()),
        }
    }

    pub async fn get_outbox(&self, id: &str) -> Result<Option<OutboxRecord>, Error> {
        self.get_as(keys::outbox_pk(id), keys::OUTBOX_SK).await
    }

    /// Pending jobs (up to `jobs`) and owed emails due by `now` (up to `emails`), oldest
    /// first: what one sweep needs, in one Query of the pending partition (jobs sort
    /// before emails; the sparse index is eventually consistent).
    pub async fn pending_work(
        &self,
        now: i64,
        jobs: usize,
        emails: usize,
    ) -> Result<(Vec<Job>, Vec<OutboxRecord>), Error> {
        let limit = i32::try_from(jobs + emails).unwrap_or(i32::MAX);
        let items = self
            .pending_between(keys::JOB_PREFIX, &keys::pending_outbox_due_by(now), limit)
            .await?;
        let (mut found_jobs, mut found_emails) = (Vec::new(), Vec::new());
        for item in items {
            let sort = item.get("GSI1SK").and_then(|v| v.as_s().ok());
            if sort.is_some_and(|k| k.starts_with(keys::JOB_PREFIX)) {
                if found_jobs.len() < jobs {
                    found_jobs.push(from_item(item)?);
                }
            } else if found_emails.len() < emails {
                found_emails.push(from_item(item)?);
            }
        }
        Ok((found_jobs, found_emails))
    }

    /// Pending records due by `now`, oldest first (the sparse index; eventually consistent).
    pub async fn due_outbox(&self, now: i64, limit: i32) -> Result<Vec<OutboxRecord>, Error> {
        let last = keys::pending_outbox_due_by(now);
        self.pending_between(keys::OUTBOX_PREFIX, &last, limit)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Marks a record sent (SES accepted it) and drops it from the pending index. Only a
    /// pending record changes, so a record is never marked twice.
    pub async fn mark_outbox_sent(
        &self,
        id: &str,
        message_id: &str,
        at: Timestamp,
    ) -> Result<(), Error> {
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(keys::outbox_pk(id), keys::OUTBOX_SK)))
            .update_expression(
                "SET #state = :sent, sentAt = :at, messageId = :mid REMOVE GSI1PK, GSI1SK",
            )
            .condition_expression("#state = :pending")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":sent", s("sent"))
            .expression_attribute_values(":pending", s("pending"))
            .expression_attribute_values(":at", s(at.to_string()))
            .expression_attribute_values(":mid", s(message_id))
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        Ok(())
    }

    /// Records a failed attempt and when to try again; the record stays pending.
    pub async fn retry_outbox_later(
        &self,
        record: &OutboxRecord,
        next_at: i64,
        error: &str,
    ) -> Result<(), Error> {
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(keys::outbox_pk(&record.id), keys::OUTBOX_SK)))
            .update_expression(
                "SET attempts = :a, nextAttemptAt = :n, GSI1SK = :sk, lastError = :e",
            )
            .condition_expression("#state = :pending")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":pending", s("pending"))
            .expression_attribute_values(":a", AttributeValue::N((record.attempts + 1).to_string()))
            .expression_attribute_values(":n", AttributeValue::N(next_at.to_string()))
            .expression_attribute_values(":sk", s(keys::pending_outbox_sk(next_at, &record.id)))
            .expression_attribute_values(":e", s(error.chars().take(300).collect::<String>()))
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        Ok(())
    }
}
