//! Binding links' state (`ORG#{companyId}` / `BINDING#{userId}`): the one current token per
//! user (a newer one replaces it at once), its expiry, and whether it was used.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::{Failure, Store, classify, from_item, key, keys, s};
use crate::error::Error;
use crate::types::{CompanyId, UserId};

pub const BINDING_PREFIX: &str = "BINDING#";

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BindingState {
    Pending,
    Used,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Binding {
    pub user_id: UserId,
    /// The `jti` of the one valid link (the id of the outbox record that carries it).
    pub token_id: String,
    /// Unix seconds.
    pub issued_at: i64,
    pub expires_at: i64,
    pub state: BindingState,
}

pub fn binding_sk(user: &UserId) -> String {
    format!("{BINDING_PREFIX}{user}")
}

impl Store {
    /// Makes `token_id` the user's current link unless a newer one exists (`issued_at`
    /// later than this one's). `Ok(None)` when superseded; otherwise the binding in force
    /// (an earlier call for the same token keeps its expiry: retries send the same link).
    pub async fn issue_binding(
        &self,
        org: &CompanyId,
        user: &UserId,
        token_id: &str,
        issued_at: i64,
        expires_at: i64,
    ) -> Result<Option<Binding>, Error> {
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(keys::org_pk(org), &binding_sk(user))))
            .update_expression("SET userId = :u, tokenId = :t, issuedAt = :i, expiresAt = if_not_exists(expiresAt, :e), #state = :pending")
            .condition_expression("attribute_not_exists(tokenId) OR tokenId = :t OR issuedAt < :i")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":u", s(user.as_str()))
            .expression_attribute_values(":t", s(token_id))
            .expression_attribute_values(":i", AttributeValue::N(issued_at.to_string()))
            .expression_attribute_values(":e", AttributeValue::N(expires_at.to_string()))
            .expression_attribute_values(":pending", s("pending"))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        match result.map_err(classify) {
            Ok(out) => out.attributes.map(from_item).transpose(),
            Err(Failure::Condition(_)) => Ok(None),
            Err(other) => Err(other.into()),
        }
    }

    /// Replaces the user's link at once (resend, invitation): older links die now. Used in
    /// the same transaction as the outbox record that will carry the new one.
    pub fn replace_binding_item(
        &self,
        org: &CompanyId,
        user: &UserId,
        token_id: &str,
        issued_at: i64,
        expires_at: i64,
    ) -> Result<TransactWriteItem, Error> {
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(key(keys::org_pk(org), &binding_sk(user))))
            .update_expression(
                "SET userId = :u, tokenId = :t, issuedAt = :i, expiresAt = :e, #state = :pending",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":u", s(user.as_str()))
            .expression_attribute_values(":t", s(token_id))
            .expression_attribute_values(":i", AttributeValue::N(issued_at.to_string()))
            .expression_attribute_values(":e", AttributeValue::N(expires_at.to_string()))
            .expression_attribute_values(":pending", s("pending"))
            .build()
            .map_err(Error::internal)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// A transaction item marking `token_id` used; it fails (the link is no longer good)
    /// unless it is still the current, unused token.
    pub fn use_binding_item(
        &self,
        org: &CompanyId,
        user: &UserId,
        token_id: &str,
    ) -> Result<TransactWriteItem, Error> {
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(key(keys::org_pk(org), &binding_sk(user))))
            .update_expression("SET #state = :used")
            .condition_expression("tokenId = :t AND #state = :pending")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":t", s(token_id))
            .expression_attribute_values(":used", s("used"))
            .expression_attribute_values(":pending", s("pending"))
            .build()
            .map_err(Error::internal)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// A transaction item deleting the user's binding link state: every link dies (unbind).
    pub fn drop_binding_item(
        &self,
        org: &CompanyId,
        user: &UserId,
    ) -> Result<TransactWriteItem, Error> {
        let delete = Delete::builder()
            .table_name(self.table())
            .set_key(Some(key(keys::org_pk(org), &binding_sk(user))))
            .build()
            .map_err(Error::internal)?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    pub async fn get_binding(
        &self,
        org: &CompanyId,
        user: &UserId,
    ) -> Result<Option<Binding>, Error> {
        self.get_as(keys::org_pk(org), &binding_sk(user)).await
    }

    /// Every binding of the org (for the users list).
    pub async fn list_bindings(&self, org: &CompanyId) -> Result<Vec<Binding>, Error> {
        self.org_items(org, BINDING_PREFIX, None)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }
}
