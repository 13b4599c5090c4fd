//! Background jobs (`JOB#{id}` / `JOB`): work too large for one request, such as owing
//! 10,000 users a binding email. A job keeps a cursor, so a run that dies resumes where the
//! last checkpoint left it; pending jobs sit in the sparse GSI under `JOB#PENDING`.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::{Item, Store, classify, from_item, key, s, to_item};
use crate::error::Error;
use crate::types::{CompanyId, UserId};

pub const JOB_SK: &str = "JOB";
pub const PENDING: &str = "JOB#PENDING";

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum JobKind {
    /// SSO enabled: every active user not yet bound is owed a binding email.
    EnableSso,
    /// SSO disabled: bindings cleared, every active user owed a password email.
    DisableSso,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    Pending,
    Done,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: String,
    pub company_id: CompanyId,
    pub kind: JobKind,
    pub state: JobState,
    /// The last user id fully handled; the next run starts after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<UserId>,
    #[serde(default)]
    pub processed: u64,
    pub created_at: String,
    pub actor: String,
}

pub fn job_pk(id: &str) -> String {
    format!("JOB#{id}")
}

impl Job {
    fn item(&self) -> Result<Item, Error> {
        let mut item = to_item(self, job_pk(&self.id), JOB_SK)?;
        if self.state == JobState::Pending {
            item.insert("GSI1PK".into(), s(PENDING));
            item.insert(
                "GSI1SK".into(),
                s(format!("{}#{}", self.created_at, self.id)),
            );
        }
        Ok(item)
    }

    /// A transaction item creating the job.
    pub fn put(&self, table: &str) -> Result<TransactWriteItem, Error> {
        super::put_new(table, self.item()?)
    }
}

impl Store {
    pub async fn get_job(&self, id: &str) -> Result<Option<Job>, Error> {
        self.get_as(job_pk(id), JOB_SK).await
    }

    /// Jobs not finished yet, oldest first.
    pub async fn pending_jobs(&self, limit: i32) -> Result<Vec<Job>, Error> {
        let out = self
            .client()
            .query()
            .table_name(self.table())
            .index_name("GSI1")
            .key_condition_expression("GSI1PK = :p")
            .expression_attribute_values(":p", s(PENDING))
            .limit(limit)
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(from_item)
            .collect()
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
            .set_key(Some(key(job_pk(id), JOB_SK)))
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
            .set_key(Some(key(job_pk(id), JOB_SK)))
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
