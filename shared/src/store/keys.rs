//! Key shapes of the single table (DESIGN.md's table), in one place.

use crate::identity::IdentityKey;
use crate::types::{CompanyId, UserId};

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

pub fn scim_token_pk(hash: &str) -> String {
    format!("SCIMTOKEN#{hash}")
}

pub const EVENT_PREFIX: &str = "EVENT#";

pub fn event_sk(at: &str, id: &str) -> String {
    format!("{EVENT_PREFIX}{at}#{id}")
}
