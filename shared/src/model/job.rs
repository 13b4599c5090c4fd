//! A background job: work too large for one request (owing a whole org an email), with
//! the cursor that lets a run resume.

use serde::{Deserialize, Serialize};

use crate::types::{CompanyId, Timestamp, UserId};

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
    pub created_at: Timestamp,
    pub actor: String,
}
