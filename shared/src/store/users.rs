//! Users and their uniqueness guards (userName, externalId, NameID), always written together.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::audit::AuditEvent;
use super::keys::{self, Unique};
use super::{Failure, Store, classify, from_item, key, s, to_item};
use crate::error::Error;
use crate::types::{CompanyId, Email, Role, UserId, UserName};

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
    pub active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// The IdP identity (SAML NameID) this account is bound to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_id: Option<String>,
    pub source: Source,
    pub version: u64,
    pub created_at: String,
    pub last_modified: String,
}

impl User {
    pub fn formatted_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
            .trim()
            .to_owned()
    }
}

/// The guard item for one unique value, put only if absent.
fn guard_put(
    table: &str,
    org: &CompanyId,
    kind: Unique,
    value: &str,
    user: &UserId,
) -> Result<TransactWriteItem, Error> {
    let mut item = key(keys::unique_pk(org, kind, value), keys::UNIQUE_SK);
    item.insert("userId".into(), s(user.as_str()));
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .map_err(Error::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

impl Store {
    /// Writes a new user with its guards and an audit event in one transaction.
    /// A taken userName (any case) is `409 uniqueness`; so is a taken externalId or NameID.
    pub async fn create_user(&self, user: &User, event: &AuditEvent) -> Result<(), Error> {
        let org = &user.company_id;
        let item = to_item(user, keys::org_pk(org), &keys::user_sk(&user.id))?;
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(Error::internal)?;
        let mut guards = vec![(Unique::UserName, user.user_name.normalized())];
        guards.extend(
            user.external_id
                .iter()
                .map(|e| (Unique::ExternalId, e.clone())),
        );
        guards.extend(
            user.name_id
                .iter()
                .map(|n| (Unique::NameId, n.to_lowercase())),
        );
        let mut items = vec![TransactWriteItem::builder().put(put).build()];
        for (kind, value) in &guards {
            items.push(guard_put(self.table(), org, *kind, value, &user.id)?);
        }
        items.push(event.put(org, self.table())?);
        let result = self
            .client()
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await;
        match result.map_err(classify) {
            Ok(_) => Ok(()),
            Err(Failure::Condition(failed)) => Err(uniqueness_error(&guards, &failed)),
            Err(other) => Err(other.into()),
        }
    }

    pub async fn get_user(&self, org: &CompanyId, id: &UserId) -> Result<Option<User>, Error> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(key(keys::org_pk(org), &keys::user_sk(id))))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        out.item.map(from_item).transpose()
    }

    /// Every user of the org, in id order (all pages).
    pub async fn list_users(&self, org: &CompanyId) -> Result<Vec<User>, Error> {
        let mut users = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .client()
                .query()
                .table_name(self.table())
                .key_condition_expression("PK = :pk AND begins_with(SK, :user)")
                .expression_attribute_values(":pk", s(keys::org_pk(org)))
                .expression_attribute_values(":user", s(keys::USER_PREFIX))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| Error::from(classify(e)))?;
            for item in out.items.unwrap_or_default() {
                users.push(from_item(item)?);
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(users);
            }
        }
    }

    /// The id of the user holding a unique value (already normalized), if any.
    pub async fn find_unique(
        &self,
        org: &CompanyId,
        kind: Unique,
        value: &str,
    ) -> Result<Option<UserId>, Error> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(key(
                keys::unique_pk(org, kind, value),
                keys::UNIQUE_SK,
            )))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        Ok(out
            .item
            .and_then(|mut item| item.remove("userId"))
            .and_then(|v| match v {
                AttributeValue::S(id) => UserId::parse(&id).ok(),
                _ => None,
            }))
    }
}

/// Names the first guard whose condition failed (transaction item 1.. are the guards).
fn uniqueness_error(guards: &[(Unique, String)], failed: &[usize]) -> Error {
    let which = failed
        .iter()
        .find_map(|i| i.checked_sub(1).and_then(|g| guards.get(g)))
        .map(|(kind, _)| *kind);
    let detail = match which {
        Some(Unique::UserName) => "A user with this userName already exists.",
        Some(Unique::ExternalId) => "A user with this externalId already exists.",
        Some(Unique::NameId) => "This identity is already bound to another user.",
        None => "The user already exists.",
    };
    Error::conflict("uniqueness", detail)
}
