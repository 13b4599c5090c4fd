//! Background jobs (`JOB#{id}` / `JOB`): work too large for one request, such as owing
//! 10,000 users a binding email. A job keeps a cursor, so a run that dies resumes where the
//! last checkpoint left it; pending jobs sit in the sparse GSI under `PENDING`.

use aws_sdk_dynamodb::types::AttributeValue;

use super::{Item, Store, classify, from_item, key, keys, s, to_item};
use crate::error::Error;
use crate::model::{Job, JobState};
use crate::types::UserId;

/// The job's item, indexed as pending while it is.
pub(crate) fn job_item(job: &Job) -> Result<Item, Error> {
    let mut item = to_item(job, keys::job_pk(&job.id), keys::JOB_SK)?;
    if job.state == JobState::Pending {
        item.insert("GSI1PK".into(), s(keys::PENDING));
        item.insert(
            "GSI1SK".into(),
            s(keys::pending_job_sk(&job.created_at, &job.id)),
        );
    }
    Ok(item)
}

impl Store {
    pub async fn get_job(&self, id: &str) -> Result<Option<Job>, Error> {
        self.get_as(keys::job_pk(id), keys::JOB_SK).await
    }

    /// Jobs not finished yet, oldest first.
    pub async fn pending_jobs(&self, limit: i32) -> Result<Vec<Job>, Error> {
        self.pending_between(keys::JOB_PREFIX, &keys::pending_jobs_last(), limit)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Items of the pending-work partition whose sort key lies in `first..=last`, in
    /// order: the one Query behind the sweep, pending jobs and due emails.
    pub(crate) async fn pending_between(
        &self,
        first: &str,
        last: &str,
        limit: i32,
    ) -> Result<Vec<Item>, Error> {
        let out = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(keys::GSI1)
            .key_condition_expression("GSI1PK = :p AND GSI1SK BETWEEN :first AND :last")
            .expression_attribute_values(":p", s(keys::PENDING))
            .expression_attribute_values(":first", s(first))
            .expression_attribute_values(":last", s(last))
            .limit(limit)
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        Ok(out.items.unwrap_or_default())
    }

    /// Saves progress: everything up to and including `cursor` is done.
    pub async fn checkpoint_job(
        &self,
        id: &str,
        cursor: &UserId,
        processed: u64,
    ) -> Result<(), Error> {
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(keys::job_pk(id), keys::JOB_SK)))
            .update_expression("SET #cursor = :c, #processed = :n")
            .condition_expression("#state = :pending")
            .expression_attribute_names("#cursor", "cursor")
            .expression_attribute_names("#processed", "processed")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":c", s(cursor.as_str()))
            .expression_attribute_values(":n", AttributeValue::N(processed.to_string()))
            .expression_attribute_values(":pending", s("pending"))
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        Ok(())
    }

    /// Marks the job done and drops it from the pending index.
    pub async fn finish_job(&self, id: &str, processed: u64) -> Result<(), Error> {
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(keys::job_pk(id), keys::JOB_SK)))
            .update_expression("SET #state = :done, #processed = :n REMOVE GSI1PK, GSI1SK")
            .expression_attribute_names("#state", "state")
            .expression_attribute_names("#processed", "processed")
            .expression_attribute_values(":done", s("done"))
            .expression_attribute_values(":n", AttributeValue::N(processed.to_string()))
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        Ok(())
    }
}
