//! SCIM bearer tokens: stored only as a hash, one current token per org, rotation atomic.

use aws_sdk_dynamodb::types::{ConditionCheck, Delete, TransactWriteItem, Update};

use super::audit::event_item;
use super::keys::Unique;
use super::tx::{Role, Tx};
use super::{Item, Store, from_item, key, keys, s};
use crate::error::Error;
use crate::identity::IdentityKey;
use crate::model::{AuditEvent, User};
use crate::tokens::ScimCredential;
use crate::types::{CompanyId, UserId};

impl Store {
    /// Makes `new_hash` the org's only SCIM token. `current` is the hash the caller read
    /// (None when SCIM was off); if another request changed it meanwhile, nothing is written
    /// and the answer is `409 concurrent_update`. The old token stops working at once.
    pub async fn rotate_scim_token(
        &self,
        org: &CompanyId,
        current: Option<&str>,
        new_hash: &str,
        event: &AuditEvent,
    ) -> Result<(), Error> {
        let mut update = Update::builder()
            .table_name(self.table())
            .set_key(Some(key(keys::org_pk(org), keys::ORG_SK)))
            .update_expression("SET scimTokenHash = :new")
            .expression_attribute_values(":new", s(new_hash));
        update = match current {
            Some(old) => update
                .condition_expression("scimTokenHash = :old")
                .expression_attribute_values(":old", s(old)),
            None => update.condition_expression(
                "attribute_exists(PK) AND attribute_not_exists(scimTokenHash)",
            ),
        };
        let mut token_item = key(keys::scim_token_pk(new_hash), keys::SCIM_TOKEN_SK);
        token_item.insert("companyId".into(), s(org.as_str()));
        let mut tx = Tx::new();
        tx.update(Role::OrgToken, update.build().map_err(Error::internal)?);
        tx.create(self.table(), token_item)?;
        if let Some(old) = current {
            tx.delete(Role::Plain, self.delete_token(old)?);
        }
        tx.create(self.table(), event_item(org, event)?)?;
        tx.send(self).await
    }

    /// Turns SCIM off: the current token stops working at once.
    pub async fn disable_scim(
        &self,
        org: &CompanyId,
        current: &str,
        event: &AuditEvent,
    ) -> Result<(), Error> {
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(key(keys::org_pk(org), keys::ORG_SK)))
            .update_expression("REMOVE scimTokenHash")
            .condition_expression("scimTokenHash = :old")
            .expression_attribute_values(":old", s(current))
            .build()
            .map_err(Error::internal)?;
        let mut tx = Tx::new();
        tx.update(Role::OrgToken, update);
        tx.delete(Role::Plain, self.delete_token(current)?);
        tx.create(self.table(), event_item(org, event)?)?;
        tx.send(self).await
    }

    /// The org a SCIM token hash belongs to: one `GetItem`.
    pub async fn org_for_scim_token(&self, hash: &str) -> Result<Option<CompanyId>, Error> {
        let item = self
            .get_raw(keys::scim_token_pk(hash), keys::SCIM_TOKEN_SK)
            .await?;
        Ok(item
            .and_then(|item| item.get("companyId").and_then(|v| v.as_s().ok()).cloned())
            .and_then(|id| CompanyId::parse(&id).ok()))
    }

    fn delete_token(&self, hash: &str) -> Result<Delete, Error> {
        Delete::builder()
            .table_name(self.table())
            .set_key(Some(key(keys::scim_token_pk(hash), keys::SCIM_TOKEN_SK)))
            .build()
            .map_err(Error::internal)
    }
}

impl Store {
    /// A transaction item that holds only while `credential` is the org's current token.
    pub(crate) fn token_condition(
        &self,
        credential: &ScimCredential,
    ) -> Result<TransactWriteItem, Error> {
        let check = ConditionCheck::builder()
            .table_name(self.table())
            .set_key(Some(key(
                keys::scim_token_pk(&credential.hash),
                keys::SCIM_TOKEN_SK,
            )))
            .condition_expression("companyId = :org")
            .expression_attribute_values(":org", s(credential.org.as_str()))
            .build()
            .map_err(Error::internal)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// The user `id` of the token's org, with the token checked in the same round trip.
    /// `401` unless the token is the org's current one; `None` for no such user.
    pub async fn user_with_scim_token(
        &self,
        credential: &ScimCredential,
        id: &UserId,
    ) -> Result<Option<User>, Error> {
        self.get_with_scim_token(
            credential,
            keys::org_pk(&credential.org),
            &keys::user_sk(id),
        )
        .await?
        .map(from_item)
        .transpose()
    }

    /// The user holding an identity `key` as its `kind` (userName, externalId) in the
    /// token's org: the guard read with the token checked (one round trip), then the user.
    pub async fn user_by_identity_with_scim_token(
        &self,
        credential: &ScimCredential,
        kind: Unique,
        key: &IdentityKey,
    ) -> Result<Option<User>, Error> {
        let guard = self
            .get_with_scim_token(
                credential,
                keys::unique_pk(&credential.org, kind, key),
                keys::UNIQUE_SK,
            )
            .await?;
        let id = guard.and_then(|g| {
            g.get("userId")
                .and_then(|v| v.as_s().ok())
                .and_then(|id| UserId::parse(id).ok())
        });
        match id {
            Some(id) => self.get_user(&credential.org, &id).await,
            None => Ok(None),
        }
    }

    /// Checks the SCIM token and reads one more item in the same round trip
    /// (`BatchGetItem`). `401` unless the token is the org's current one.
    async fn get_with_scim_token(
        &self,
        credential: &ScimCredential,
        pk: String,
        sk: &str,
    ) -> Result<Option<Item>, Error> {
        let token_key = key(keys::scim_token_pk(&credential.hash), keys::SCIM_TOKEN_SK);
        let items = self.batch_get(vec![token_key, key(pk.clone(), sk)]).await?;
        let (mut token, mut other) = (None, None);
        for item in items {
            let is_token = item
                .get("PK")
                .and_then(|v| v.as_s().ok())
                .is_some_and(|v| v.starts_with(keys::SCIM_TOKEN_PREFIX));
            if is_token {
                token = Some(item)
            } else {
                other = Some(item)
            }
        }
        check_token_item(token.as_ref(), credential)?;
        Ok(other.filter(|item| item.get("PK").and_then(|v| v.as_s().ok()) == Some(&pk)))
    }

    /// Checks the SCIM token alone (one `GetItem`).
    pub async fn check_scim_token(&self, credential: &ScimCredential) -> Result<(), Error> {
        let item = self
            .get_raw(keys::scim_token_pk(&credential.hash), keys::SCIM_TOKEN_SK)
            .await?;
        check_token_item(item.as_ref(), credential)
    }
}

fn check_token_item(item: Option<&Item>, credential: &ScimCredential) -> Result<(), Error> {
    let org = item
        .and_then(|i| i.get("companyId"))
        .and_then(|v| v.as_s().ok())
        .ok_or(Error::unauthorized(
            "SCIM token unknown, rotated or SCIM off",
        ))?;
    if org != credential.org.as_str() {
        return Err(Error::unauthorized("SCIM token names another org"));
    }
    Ok(())
}
