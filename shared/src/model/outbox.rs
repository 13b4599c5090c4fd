//! One email the system owes: to whom, which, and how delivery stands.

use serde::{Deserialize, Serialize};

use crate::types::{CompanyId, Timestamp, UserId};

/// Which email a record is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum EmailKind {
    /// Link an existing account to the IdP identity (after SSO is enabled, or resent).
    Binding,
    /// An invited user's first link (same binding flow).
    Invitation,
    /// SSO was disabled: set a password in the app.
    PasswordSetup,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OutboxState {
    Pending,
    Sent,
}

/// One owed email (`OUTBOX#{id}` / `OUTBOX`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OutboxRecord {
    pub id: String,
    pub company_id: CompanyId,
    pub user_id: UserId,
    pub to: String,
    pub kind: EmailKind,
    pub state: OutboxState,
    pub attempts: u32,
    /// Unix seconds when the next attempt is due.
    pub next_attempt_at: i64,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}
