//! SCIM bearer tokens: stored only as a hash, one current token per org, rotation atomic.

use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};

use super::audit::AuditEvent;
use super::{Item, Store, key, keys, s};
use crate::error::{Error, ErrorCode};
use crate::tokens::ScimCredential;
use crate::types::CompanyId;

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
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(token_item))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(Error::internal)?;
        let mut items = vec![
            TransactWriteItem::builder()
                .update(update.build().map_err(Error::internal)?)
                .build(),
            TransactWriteItem::builder().put(put).build(),
        ];
        if let Some(old) = current {
            items.push(self.delete_token_item(old)?);
        }
        items.push(event.put(org, self.table())?);
        self.write_token_change(items).await
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
        let items = vec![
            TransactWriteItem::builder().update(update).build(),
            self.delete_token_item(current)?,
            event.put(org, self.table())?,
        ];
        self.write_token_change(items).await
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

    fn delete_token_item(&self, hash: &str) -> Result<TransactWriteItem, Error> {
        let delete = Delete::builder()
            .table_name(self.table())
            .set_key(Some(key(keys::scim_token_pk(hash), keys::SCIM_TOKEN_SK)))
            .build()
            .map_err(Error::internal)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    async fn write_token_change(&self, items: Vec<TransactWriteItem>) -> Result<(), Error> {
        self.transact(items, |_| {
            Error::new(
                ErrorCode::ConcurrentUpdate,
                "The SCIM token changed meanwhile; reload and try again.",
            )
        })
        .await
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

    /// Checks the SCIM token and reads one more item in the same round trip
    /// (`BatchGetItem`). `401` unless the token is the org's current one.
    pub async fn get_with_scim_token(
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
                .is_some_and(|v| v.starts_with("SCIMTOKEN#"));
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
