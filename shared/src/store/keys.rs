//! Key shapes of the single table (DESIGN.md's table), in one place.

use crate::identity::IdentityKey;
use crate::types::{CompanyId, Timestamp, UserId};

pub const ORG_SK: &str = "ORG";
pub const SSO_SK: &str = "SSO";
pub const UNIQUE_SK: &str = "UNIQUE";
pub const SCIM_TOKEN_SK: &str = "SCIMTOKEN";
pub const USER_PREFIX: &str = "USER#";

pub fn org_pk(org: &CompanyId) -> String {
    format!("ORG#{org}")
}

pub fn user_sk(id: &UserId) -> String {
    format!("{USER_PREFIX}{id}")
}

/// The org's exact number of users (`ORG#{companyId}` / `USER`, attribute `users`),
/// changed in the transactions that create and delete them. `USER` sorts just before every
/// `USER#{id}`, so one Query (`begins_with(SK, "USER")`) reads the count and a first page.
pub const USER_COUNT_SK: &str = "USER";

/// The keys-only index of an org's users in id order (hash `GSI2PK` = `ORG#{companyId}`,
/// range `SK`), set on user items only: what a page at `startIndex=50001` skips through.
pub const USERS_INDEX: &str = "GSI2";

/// A deleted user's copy, kept for the audit trail.
pub fn tombstone_sk(id: &UserId) -> String {
    format!("DELETED#{id}")
}

/// Which uniqueness a guard item enforces within an org.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique {
    UserName,
    ExternalId,
    NameId,
}

impl Unique {
    fn tag(self) -> &'static str {
        match self {
            Unique::UserName => "USERNAME",
            Unique::ExternalId => "EXTID",
            Unique::NameId => "NAMEID",
        }
    }
}

/// `ORG#{companyId}#USERNAME#{key}` and friends: only an identity key (ASCII case
/// folded by `identity::key`, nothing else) can name a guard.
pub fn unique_pk(org: &CompanyId, kind: Unique, value: &IdentityKey) -> String {
    format!("ORG#{org}#{}#{value}", kind.tag())
}

pub const SCIM_TOKEN_PREFIX: &str = "SCIMTOKEN#";

pub fn scim_token_pk(hash: &str) -> String {
    format!("{SCIM_TOKEN_PREFIX}{hash}")
}

pub const EVENT_PREFIX: &str = "EVENT#";
pub const BINDING_PREFIX: &str = "BINDING#";

/// A user's binding link state (`ORG#{companyId}` / `BINDING#{userId}`).
pub fn binding_sk(user: &UserId) -> String {
    format!("{BINDING_PREFIX}{user}")
}

pub fn event_sk(at: &Timestamp, id: &str) -> String {
    format!("{EVENT_PREFIX}{at}#{id}")
}

/// GSI1 partition of SSO configs that have a metadata URL (the refresh's work list).
pub const METADATA_URLS: &str = "SSO#METADATA_URL";

/// A stored AuthnRequest (`AUTHNREQ#{id}` / `REQ`).
pub const REQUEST_SK: &str = "REQ";

pub fn request_pk(id: &str) -> String {
    format!("AUTHNREQ#{id}")
}

/// A session code's grant (`SESSIONCODE#{sha256 of the code}` / `CODE`).
pub const SESSION_CODE_SK: &str = "CODE";

pub fn session_code_pk(hash: &str) -> String {
    format!("SESSIONCODE#{hash}")
}

/// An admin-portal ticket (`PORTALTICKET#{sha256 of the ticket}` / `TICKET`).
pub const PORTAL_TICKET_SK: &str = "TICKET";

pub fn portal_ticket_pk(hash: &str) -> String {
    format!("PORTALTICKET#{hash}")
}

/// A seen assertion (`ASSERTION#{issuer}#{id}` / `SEEN`): the replay cache.
pub const SEEN_SK: &str = "SEEN";

pub fn assertion_pk(issuer: &str, id: &str) -> String {
    format!("ASSERTION#{issuer}#{id}")
}

/// An owed email (`OUTBOX#{id}` / `OUTBOX`).
pub const OUTBOX_SK: &str = "OUTBOX";
pub const OUTBOX_PREFIX: &str = "OUTBOX#";

pub fn outbox_pk(id: &str) -> String {
    format!("{OUTBOX_PREFIX}{id}")
}

/// A background job (`JOB#{id}` / `JOB`).
pub const JOB_SK: &str = "JOB";
pub const JOB_PREFIX: &str = "JOB#";

/// GSI1 partition of all pending work, so one Query finds what a sweep needs: jobs sort
/// as `JOB#{createdAt}#{id}`, owed emails as `OUTBOX#{due, 12 digits}#{id}`, and
/// `JOB#` sorts before `OUTBOX#`.
pub const PENDING: &str = "PENDING";

pub fn pending_job_sk(created_at: &Timestamp, id: &str) -> String {
    format!("{JOB_PREFIX}{created_at}#{id}")
}

pub fn pending_outbox_sk(due: i64, id: &str) -> String {
    format!("{OUTBOX_PREFIX}{due:012}#{id}")
}

/// The highest pending-job sort key (`~` sorts after every character a job key holds).
pub fn pending_jobs_last() -> String {
    format!("{JOB_PREFIX}~")
}

/// The highest pending-outbox sort key due by `now` (`~` sorts after every id character).
pub fn pending_outbox_due_by(now: i64) -> String {
    format!("{OUTBOX_PREFIX}{now:012}#~")
}

pub fn job_pk(id: &str) -> String {
    format!("{JOB_PREFIX}{id}")
}

/// The sparse GSI's name and key attributes.
pub const GSI1: &str = "GSI1";
