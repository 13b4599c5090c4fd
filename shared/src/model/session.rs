//! One-use grants: what a session code (`SESSION_HANDOFF=code`) stands for until the app's
//! server exchanges it, and what an admin-portal ticket stands for until its link is opened.

use serde::{Deserialize, Serialize};

use crate::types::{CompanyId, Role, UserId};

/// How long a session code may wait for its exchange (CONTRACT.md: one use, 60 s).
pub const CODE_SECONDS: i64 = 60;

/// The logged-in user a code names, and when the code dies (epoch seconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionGrant {
    pub user_id: UserId,
    pub company_id: CompanyId,
    pub email: String,
    pub role: Role,
    /// Also the item's TTL attribute; DynamoDB deletes late, so it is checked on exchange.
    pub expires_at: i64,
}

impl SessionGrant {
    pub fn is_live(&self, now: i64) -> bool {
        now < self.expires_at
    }
}

/// How long a portal link may wait to be opened (CONTRACT.md: one use, 5 minutes).
pub const PORTAL_TICKET_SECONDS: i64 = 5 * 60;

/// The admin a portal link was made for, and when it dies (epoch seconds; the TTL too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalTicket {
    pub user_id: UserId,
    pub company_id: CompanyId,
    pub expires_at: i64,
}
