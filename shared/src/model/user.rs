//! A user of an org: profile, role, state, where it came from, and the IdP identity it is
//! bound to.

use serde::{Deserialize, Serialize};

use crate::identity::{ExternalId, NameId};
use crate::types::{CompanyId, Email, Role, Timestamp, UserId, UserName};

/// Where a user came from.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Existed in the app before SSO.
    App,
    /// Provisioned by the IdP over SCIM.
    Scim,
    /// Invited by an admin (orgs without SCIM).
    Invite,
}

/// Where a SCIM client put the role (CONTRACT.md "SCIM 2.0": written back the way it came).
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum RoleSource {
    /// Top-level `role` (Okta's default external namespace is the core schema).
    #[default]
    Core,
    /// `urn:ietf:params:scim:schemas:extension:qualified:2.0:User` → `role`.
    Extension,
    /// The primary `roles[].value`.
    Roles,
}

/// A user (`ORG#{companyId}` / `USER#{id}`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: UserId,
    pub company_id: CompanyId,
    pub user_name: UserName,
    pub email: Email,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub family_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    pub role: Role,
    /// Where the IdP sends the role, so it is written back the same way.
    #[serde(default)]
    pub role_source: RoleSource,
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<ExternalId>,
    /// The IdP identity (SAML NameID) this account is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_id: Option<NameId>,
    pub source: Source,
    pub version: u64,
    pub created_at: Timestamp,
    pub last_modified: Timestamp,
}

impl User {
    /// What counting owed emails needs of this user.
    pub fn flags(&self) -> UserFlags {
        UserFlags {
            active: self.active,
            bound: self.name_id.is_some(),
        }
    }

    pub fn formatted_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
            .trim()
            .to_owned()
    }
}

/// What counting owed emails needs of a user (read with a projection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserFlags {
    pub active: bool,
    pub bound: bool,
}
