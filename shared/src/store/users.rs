//! Users and their uniqueness guards (userName, externalId, NameID), always written together.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put};

use super::keys::{self, Unique};
use super::tx::{Role, Tx};
use super::{Store, classify, from_item, key, s, to_item};
use crate::error::Error;
use crate::identity::IdentityKey;
use crate::model::{AuditEvent, Binding, OutboxRecord, User, UserFlags};
use crate::store::audit::event_item;
use crate::tokens::ScimCredential;
use crate::types::{CompanyId, UserId};

/// The unique values a user holds, each with its guard item.
pub(super) fn unique_values(user: &User) -> Vec<(Unique, IdentityKey)> {
    let mut values = vec![(Unique::UserName, user.user_name.key())];
    values.extend(
        user.external_id
            .iter()
            .map(|e| (Unique::ExternalId, e.key())),
    );
    values.extend(user.name_id.iter().map(|n| (Unique::NameId, n.key())));
    values
}

/// The guard item for one unique value, put only if absent.
fn guard_put(
    table: &str,
    org: &CompanyId,
    kind: Unique,
    value: &IdentityKey,
    user: &UserId,
) -> Result<Put, Error> {
    let mut item = key(keys::unique_pk(org, kind, value), keys::UNIQUE_SK);
    item.insert("userId".into(), s(user.as_str()));
    Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .map_err(Error::internal)
}

/// The guard item for one unique value, deleted only while it is still this user's.
fn guard_delete(
    table: &str,
    org: &CompanyId,
    kind: Unique,
    value: &IdentityKey,
    user: &UserId,
) -> Result<Delete, Error> {
    Delete::builder()
        .table_name(table)
        .set_key(Some(key(
            keys::unique_pk(org, kind, value),
            keys::UNIQUE_SK,
        )))
        .condition_expression("userId = :id")
        .expression_attribute_values(":id", s(user.as_str()))
        .build()
        .map_err(Error::internal)
}

/// The user item: the user, its keys, and its place in the keys-only users index.
pub(super) fn user_item(user: &User) -> Result<super::Item, Error> {
    let pk = keys::org_pk(&user.company_id);
    let mut item = to_item(user, pk.clone(), &keys::user_sk(&user.id))?;
    item.insert("GSI2PK".into(), s(pk));
    Ok(item)
}

/// The user count's update, shared by the transactions and the bulk load.
pub(super) const COUNT_ADD: &str = "ADD #users :by";

/// `ADD users :by` on the org's user count (created at 0 by the first create).
pub(super) fn count_change(
    table: &str,
    org: &CompanyId,
    by: i64,
) -> Result<aws_sdk_dynamodb::types::Update, Error> {
    aws_sdk_dynamodb::types::Update::builder()
        .table_name(table)
        .set_key(Some(key(keys::org_pk(org), keys::USER_COUNT_SK)))
        .update_expression(COUNT_ADD)
        .expression_attribute_names("#users", "users")
        .expression_attribute_values(":by", AttributeValue::N(by.to_string()))
        .build()
        .map_err(Error::internal)
}

/// The `users` number of the count item (0 when absent or unreadable).
pub(super) fn count_of(item: &super::Item) -> u64 {
    item.get("users")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0)
}

/// What else a user write does to the user's binding link, in the same transaction.
#[derive(Debug, Clone, Copy)]
enum LinkChange<'a> {
    None,
    /// Mark the link with this token id used (it must still be current and unused).
    Use(&'a str),
    /// Drop the link state: every link dies.
    Drop,
    /// Make this link the only valid one.
    Replace(&'a Binding),
}

impl Store {
    /// The start of every user transaction: the SCIM token check when one is given.
    fn user_tx(&self, auth: Option<&ScimCredential>) -> Result<Tx, Error> {
        let mut tx = Tx::new();
        if let Some(credential) = auth {
            tx.item(Role::TokenCheck, self.token_condition(credential)?);
        }
        Ok(tx)
    }

    fn link_change(&self, tx: &mut Tx, user: &User, link: LinkChange) -> Result<(), Error> {
        let org = &user.company_id;
        match link {
            LinkChange::None => {}
            LinkChange::Use(token) => {
                tx.update(Role::BindingLink, self.use_binding(org, &user.id, token)?);
            }
            LinkChange::Drop => {
                tx.delete(Role::Plain, self.drop_binding(org, &user.id)?);
            }
            LinkChange::Replace(binding) => {
                tx.update(Role::Plain, self.replace_binding(org, binding)?);
            }
        }
        Ok(())
    }

    /// A new user, its guards, an audit event and optionally the SCIM token check.
    fn create_tx(
        &self,
        user: &User,
        event: &AuditEvent,
        auth: Option<&ScimCredential>,
    ) -> Result<Tx, Error> {
        let org = &user.company_id;
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(user_item(user)?))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(Error::internal)?;
        let mut tx = self.user_tx(auth)?;
        tx.put(Role::UserVersion, put);
        tx.update(Role::Plain, count_change(self.table(), org, 1)?);
        for (kind, value) in unique_values(user) {
            tx.put(
                Role::Guard(kind),
                guard_put(self.table(), org, kind, &value, &user.id)?,
            );
        }
        tx.create(self.table(), event_item(org, event)?)?;
        Ok(tx)
    }

    /// Writes a new user with its guards, the org's user count and an audit event in one
    /// transaction, the SCIM token checked in it when given. A taken userName, externalId or NameID (by its
    /// identity key) is `409 uniqueness`; a revoked token `401`.
    pub async fn create_user(
        &self,
        user: &User,
        event: &AuditEvent,
        auth: Option<&ScimCredential>,
    ) -> Result<(), Error> {
        self.create_tx(user, event, auth)?.send(self).await
    }

    /// An invited user, owed its first binding link: the user, its guards, the event, the
    /// outbox record and the link, in one transaction.
    pub async fn create_invited_user(
        &self,
        user: &User,
        event: &AuditEvent,
        email: &OutboxRecord,
        link: &Binding,
    ) -> Result<(), Error> {
        let mut tx = self.create_tx(user, event, None)?;
        tx.create(self.table(), super::outbox::outbox_item(email)?)?;
        self.link_change(&mut tx, user, LinkChange::Replace(link))?;
        tx.send(self).await
    }

    /// Replaces `old` by `new` (same id) if `old.version` is still current: the guards
    /// follow every unique value that changed, the event is recorded, and the link changes
    /// as asked, all in one transaction. `new.version` must be `old.version + 1`.
    async fn write_user(
        &self,
        old: &User,
        new: &User,
        event: &AuditEvent,
        auth: Option<&ScimCredential>,
        link: LinkChange<'_>,
    ) -> Result<(), Error> {
        let org = &new.company_id;
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(user_item(new)?))
            .condition_expression("version = :v")
            .expression_attribute_values(":v", AttributeValue::N(old.version.to_string()))
            .build()
            .map_err(Error::internal)?;
        let mut tx = self.user_tx(auth)?;
        tx.put(Role::UserVersion, put);
        let (before, after) = (unique_values(old), unique_values(new));
        for (kind, value) in before.iter().filter(|v| !after.contains(v)) {
            tx.delete(
                Role::Plain,
                guard_delete(self.table(), org, *kind, value, &old.id)?,
            );
        }
        for (kind, value) in after.iter().filter(|v| !before.contains(v)) {
            tx.put(
                Role::Guard(*kind),
                guard_put(self.table(), org, *kind, value, &new.id)?,
            );
        }
        tx.create(self.table(), event_item(org, event)?)?;
        self.link_change(&mut tx, new, link)?;
        tx.send(self).await
    }

    /// A profile or state change (SCIM, or clearing a binding), guards following.
    pub async fn update_user(
        &self,
        old: &User,
        new: &User,
        event: &AuditEvent,
        auth: Option<&ScimCredential>,
    ) -> Result<(), Error> {
        self.write_user(old, new, event, auth, LinkChange::None)
            .await
    }

    /// Binds `new` (it now holds its NameID) and, for a binding link, marks the link
    /// `token` used: `410 binding_used` when it no longer is the current, unused one.
    pub async fn complete_binding(
        &self,
        old: &User,
        new: &User,
        event: &AuditEvent,
        link_token: Option<&str>,
    ) -> Result<(), Error> {
        let link = link_token.map_or(LinkChange::None, LinkChange::Use);
        self.write_user(old, new, event, None, link).await
    }

    /// Unbinds: `new` without its NameID (the guard goes), and every link dies.
    pub async fn unbind_user(
        &self,
        old: &User,
        new: &User,
        event: &AuditEvent,
    ) -> Result<(), Error> {
        self.write_user(old, new, event, None, LinkChange::Drop)
            .await
    }

    /// Deletes a user and its guards, keeping a tombstone for the audit trail; the org's
    /// user count goes down in the same transaction.
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
                &keys::tombstone_sk(&user.id),
            )?))
            .build()
            .map_err(Error::internal)?;
        let mut tx = self.user_tx(auth)?;
        tx.delete(Role::UserVersion, delete);
        for (kind, value) in unique_values(user) {
            tx.delete(
                Role::Plain,
                guard_delete(self.table(), org, kind, &value, &user.id)?,
            );
        }
        tx.put(Role::Plain, tombstone);
        tx.update(Role::Plain, count_change(self.table(), org, -1)?);
        tx.create(self.table(), event_item(org, event)?)?;
        tx.send(self).await
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
