//! One line of the audit trail: who did what to whom, and by which rule.

use serde::{Deserialize, Serialize};

use crate::types::Timestamp;

/// One line of the audit trail (`ORG#{companyId}` / `EVENT#{at}#{id}`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub id: String,
    pub at: Timestamp,
    /// `admin:{userId}`, `scim`, `idp`, `system`.
    pub actor: String,
    pub action: String,
    pub target: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
}

impl AuditEvent {
    pub fn new(id: String, at: Timestamp, actor: &str, action: &str, target: &str) -> Self {
        Self {
            id,
            at,
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: serde_json::Value::Null,
        }
    }
}
