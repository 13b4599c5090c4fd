//! Users and their uniqueness guards (userName, externalId, NameID), always written together.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::audit::AuditEvent;
use super::keys::{self, Unique};
use super::{Store, classify, from_item, key, s, to_item};
use crate::error::{Error, ErrorCode};
use crate::identity::{ExternalId, IdentityKey, NameId};
use crate::tokens::ScimCredential;
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
    value: &IdentityKey,
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

/// What counting owed emails needs of a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserFlags {
    pub active: bool,
    pub bound: bool,
}

/// The unique values a user holds, each with its guard item.
fn unique_values(user: &User) -> Vec<(Unique, IdentityKey)> {
    let mut values = vec![(Unique::UserName, user.user_name.key())];
    values.extend(
        user.external_id
            .iter()
            .map(|e| (Unique::ExternalId, e.key())),
    );
    values.extend(user.name_id.iter().map(|n| (Unique::NameId, n.key())));
    values
}

fn guard_delete(
    table: &str,
    org: &CompanyId,
    kind: Unique,
    value: &IdentityKey,
    user: &UserId,
) -> Result<TransactWriteItem, Error> {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key(
            keys::unique_pk(org, kind, value),
            keys::UNIQUE_SK,
        )))
        .condition_expression("userId = :id")
        .expression_attribute_values(":id", s(user.as_str()))
        .build()
        .map_err(Error::internal)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// One atomic change to a user: the item, its guards, an audit event, and optionally the
/// SCIM token check riding along (so a revoked token cannot write).
struct UserWrite {
    items: Vec<TransactWriteItem>,
    /// Transaction index → which guard it is.
    guards: Vec<(usize, Unique)>,
    /// Transaction index of the SCIM token check.
    token_check: Option<usize>,
    /// Transaction index of the user item's version condition.
    user_index: usize,
    /// Transaction index of an extra conditional item, if any.
    extra_index: Option<usize>,
}

impl UserWrite {
    fn new(store: &Store, auth: Option<&ScimCredential>) -> Result<Self, Error> {
        let mut items = Vec::new();
        let token_check = match auth {
            Some(credential) => {
                items.push(store.token_condition(credential)?);
                Some(0)
            }
            None => None,
        };
        Ok(Self {
            items,
            guards: Vec::new(),
            token_check,
            user_index: 0,
            extra_index: None,
        })
    }

    fn user(&mut self, item: TransactWriteItem) {
        self.user_index = self.items.len();
        self.items.push(item);
    }

    fn guard(&mut self, kind: Unique, item: TransactWriteItem) {
        self.guards.push((self.items.len(), kind));
        self.items.push(item);
    }

    fn extra(&mut self, item: Option<TransactWriteItem>) {
        if let Some(item) = item {
            self.extra_index = Some(self.items.len());
            self.items.push(item);
        }
    }

    fn failure(&self, failed: &[usize]) -> Error {
        if self.extra_index.is_some_and(|i| failed.contains(&i)) {
            return Error::new(
                ErrorCode::BindingUsed,
                "This link was already used or replaced by a newer one.",
            );
        }
        if self.token_check.is_some_and(|i| failed.contains(&i)) {
            return Error::unauthorized("SCIM token revoked during the request");
        }
        if let Some((_, kind)) = self.guards.iter().find(|(i, _)| failed.contains(i)) {
            return uniqueness_error(*kind);
        }
        if failed.contains(&self.user_index) {
            return Error::new(
                ErrorCode::PreconditionFailed,
                "The user changed meanwhile; read it again.",
            );
        }
        Error::new(
            ErrorCode::Conflict,
            format!("condition failed on item(s) {failed:?}"),
        )
    }

    async fn send(mut self, store: &Store) -> Result<(), Error> {
        let items = std::mem::take(&mut self.items);
        store.transact(items, |failed| self.failure(failed)).await
    }
}

impl Store {
    /// Writes a new user with its guards and an audit event in one transaction.
    /// A taken userName (any case) is `409 uniqueness`; so is a taken externalId or NameID.
    pub async fn create_user(&self, user: &User, event: &AuditEvent) -> Result<(), Error> {
        self.create_user_as(user, event, None).await
    }

    /// `create_user`, with the SCIM token checked in the same transaction when given.
    pub async fn create_user_as(
        &self,
        user: &User,
        event: &AuditEvent,
        auth: Option<&ScimCredential>,
    ) -> Result<(), Error> {
        self.create_user_with(user, event, auth, vec![]).await
    }

    /// `create_user_as` plus more items in the same transaction (an invitation's outbox
    /// record and binding link).
    pub async fn create_user_with(
        &self,
        user: &User,
        event: &AuditEvent,
        auth: Option<&ScimCredential>,
        also: Vec<TransactWriteItem>,
    ) -> Result<(), Error> {
        let org = &user.company_id;
        let item = to_item(user, keys::org_pk(org), &keys::user_sk(&user.id))?;
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(Error::internal)?;
        let mut write = UserWrite::new(self, auth)?;
        write.user(TransactWriteItem::builder().put(put).build());
        for (kind, value) in unique_values(user) {
            write.guard(kind, guard_put(self.table(), org, kind, &value, &user.id)?);
        }
        write.items.push(event.put(org, self.table())?);
        write.items.extend(also);
        write.send(self).await
    }

    /// Replaces `old` by `new` (same id) if `old.version` is still current; guards follow
    /// every unique value that changed. `new.version` must be `old.version + 1`.
    pub async fn update_user(
        &self,
        old: &User,
        new: &User,
        event: &AuditEvent,
        auth: Option<&ScimCredential>,
    ) -> Result<(), Error> {
        self.update_user_with(old, new, event, auth, None).await
    }

    /// `update_user` plus one more conditional item in the same transaction (marking a
    /// binding link used); if its condition fails the answer is `410 binding_used`.
    pub async fn update_user_with(
        &self,
        old: &User,
        new: &User,
        event: &AuditEvent,
        auth: Option<&ScimCredential>,
        also: Option<TransactWriteItem>,
    ) -> Result<(), Error> {
        let org = &new.company_id;
        let item = to_item(new, keys::org_pk(org), &keys::user_sk(&new.id))?;
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", AttributeValue::N(old.version.to_string()))
            .build()
            .map_err(Error::internal)?;
        let mut write = UserWrite::new(self, auth)?;
        write.user(TransactWriteItem::builder().put(put).build());
        let (before, after) = (unique_values(old), unique_values(new));
        for (kind, value) in before.iter().filter(|v| !after.contains(v)) {
            write
                .items
                .push(guard_delete(self.table(), org, *kind, value, &old.id)?);
        }
        for (kind, value) in after.iter().filter(|v| !before.contains(v)) {
            write.guard(*kind, guard_put(self.table(), org, *kind, value, &new.id)?);
        }
        write.items.push(event.put(org, self.table())?);
        write.extra(also);
        write.send(self).await
    }

    /// Deletes a user and its guards, keeping a tombstone (`DELETED#{id}`) for the audit trail.
    pub async fn delete_user(
        &self,
        user: &User,
        event: &AuditEvent,
        auth: Option<&ScimCredential>,
    ) -> Result<(), Error> {
        let org = &user.company_id;
        let delete = Delete::builder()
            .table_name(self.table())
            .set_key(Some(key(keys::org_pk(org), &keys::user_sk(&user.id))))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", AttributeValue::N(user.version.to_string()))
            .build()
            .map_err(Error::internal)?;
        let tombstone = Put::builder()
            .table_name(self.table())
            .set_item(Some(to_item(
                user,
                keys::org_pk(org),
                &format!("DELETED#{}", user.id),
            )?))
            .build()
            .map_err(Error::internal)?;
        let mut write = UserWrite::new(self, auth)?;
        write.user(TransactWriteItem::builder().delete(delete).build());
        for (kind, value) in unique_values(user) {
            write
                .items
                .push(guard_delete(self.table(), org, kind, &value, &user.id)?);
        }
        write
            .items
            .push(TransactWriteItem::builder().put(tombstone).build());
        write.items.push(event.put(org, self.table())?);
        write.send(self).await
    }

    pub async fn get_user(&self, org: &CompanyId, id: &UserId) -> Result<Option<User>, Error> {
        self.get_as(keys::org_pk(org), &keys::user_sk(id)).await
    }

    /// Up to `limit` users of the org after `after` (id order), and whether more follow.
    pub async fn users_page(
        &self,
        org: &CompanyId,
        after: Option<&UserId>,
        limit: i32,
    ) -> Result<(Vec<User>, bool), Error> {
        let start = after.map(|id| key(keys::org_pk(org), &keys::user_sk(id)));
        let out = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("PK = :pk AND begins_with(SK, :user)")
            .expression_attribute_values(":pk", s(keys::org_pk(org)))
            .expression_attribute_values(":user", s(keys::USER_PREFIX))
            .set_exclusive_start_key(start)
            .limit(limit)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        let more = out.last_evaluated_key.is_some();
        let users = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(from_item)
            .collect::<Result<_, _>>()?;
        Ok((users, more))
    }

    /// `active` and bound-or-not of every user, read with a projection (small pages even
    /// for 10,000 users): what enabling or disabling SSO needs to count who is owed email.
    pub async fn user_flags(&self, org: &CompanyId) -> Result<Vec<UserFlags>, Error> {
        let items = self
            .org_items(org, keys::USER_PREFIX, Some("active, nameId"))
            .await?;
        Ok(items
            .iter()
            .map(|item| UserFlags {
                active: item
                    .get("active")
                    .and_then(|v| v.as_bool().ok())
                    .copied()
                    .unwrap_or(false),
                bound: item.contains_key("nameId"),
            })
            .collect())
    }

    /// Every user of the org, in id order (all pages).
    pub async fn list_users(&self, org: &CompanyId) -> Result<Vec<User>, Error> {
        self.org_items(org, keys::USER_PREFIX, None)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// The id of the user holding a unique value, if any.
    pub async fn find_unique(
        &self,
        org: &CompanyId,
        kind: Unique,
        value: &IdentityKey,
    ) -> Result<Option<UserId>, Error> {
        let item = self
            .get_raw(keys::unique_pk(org, kind, value), keys::UNIQUE_SK)
            .await?;
        Ok(item
            .and_then(|mut item| item.remove("userId"))
            .and_then(|v| match v {
                AttributeValue::S(id) => UserId::parse(&id).ok(),
                _ => None,
            }))
    }
}

impl Store {
    /// Who holds `key` as a NameID binding and who as a userName, in one BatchGetItem
    /// (strongly consistent): what deciding an assertion's account needs first.
    pub async fn identity_holders(
        &self,
        org: &CompanyId,
        key: &IdentityKey,
    ) -> Result<(Option<UserId>, Option<UserId>), Error> {
        let (by_name_id, by_user_name) = (
            keys::unique_pk(org, Unique::NameId, key),
            keys::unique_pk(org, Unique::UserName, key),
        );
        let wanted = vec![
            super::key(by_name_id.clone(), keys::UNIQUE_SK),
            super::key(by_user_name.clone(), keys::UNIQUE_SK),
        ];
        let (mut bound, mut named) = (None, None);
        for mut item in self.batch_get(wanted).await? {
            let pk = item.remove("PK").and_then(|v| v.as_s().ok().cloned());
            let id = item
                .remove("userId")
                .and_then(|v| v.as_s().ok().and_then(|id| UserId::parse(id).ok()));
            match pk {
                Some(pk) if pk == by_name_id => bound = id,
                Some(pk) if pk == by_user_name => named = id,
                _ => {}
            }
        }
        Ok((bound, named))
    }
}

fn uniqueness_error(kind: Unique) -> Error {
    let detail = match kind {
        Unique::UserName => "A user with this userName already exists.",
        Unique::ExternalId => "A user with this externalId already exists.",
        Unique::NameId => "This identity is already bound to another user.",
    };
    Error::new(ErrorCode::Uniqueness, detail)
}
