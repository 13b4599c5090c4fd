//! Binding links' state (`ORG#{companyId}` / `BINDING#{userId}`): the one current token per
//! user (a newer one replaces it at once), its expiry, and whether it was used.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Update};

use super::tx::{Role, Tx};
use super::{Failure, Store, classify, from_item, key, keys, s};
use crate::error::Error;
use crate::model::{AuditEvent, Binding, OutboxRecord};
use crate::types::{CompanyId, UserId};

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
            .set_key(Some(key(keys::org_pk(org), &keys::binding_sk(user))))
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

    /// Makes `binding` the user's only valid link at once (resend, invitation): older
    /// links die now, before the email that carries the new one even goes out.
    pub(crate) fn replace_binding(
        &self,
        org: &CompanyId,
        binding: &Binding,
    ) -> Result<Update, Error> {
        Update::builder()
            .table_name(self.table())
            .set_key(Some(key(
                keys::org_pk(org),
                &keys::binding_sk(&binding.user_id),
            )))
            .update_expression(
                "SET userId = :u, tokenId = :t, issuedAt = :i, expiresAt = :e, #state = :pending",
            )
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":u", s(binding.user_id.as_str()))
            .expression_attribute_values(":t", s(&binding.token_id))
            .expression_attribute_values(":i", AttributeValue::N(binding.issued_at.to_string()))
            .expression_attribute_values(":e", AttributeValue::N(binding.expires_at.to_string()))
            .expression_attribute_values(":pending", s("pending"))
            .build()
            .map_err(Error::internal)
    }

    /// Marks `token_id` used; its condition fails (the link is no longer good) unless it is
    /// still the current, unused token.
    pub(crate) fn use_binding(
        &self,
        org: &CompanyId,
        user: &UserId,
        token_id: &str,
    ) -> Result<Update, Error> {
        Update::builder()
            .table_name(self.table())
            .set_key(Some(key(keys::org_pk(org), &keys::binding_sk(user))))
            .update_expression("SET #state = :used")
            .condition_expression("tokenId = :t AND #state = :pending")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":t", s(token_id))
            .expression_attribute_values(":used", s("used"))
            .expression_attribute_values(":pending", s("pending"))
            .build()
            .map_err(Error::internal)
    }

    /// Deletes the user's link state: every link dies (unbind).
    pub(crate) fn drop_binding(&self, org: &CompanyId, user: &UserId) -> Result<Delete, Error> {
        Delete::builder()
            .table_name(self.table())
            .set_key(Some(key(keys::org_pk(org), &keys::binding_sk(user))))
            .build()
            .map_err(Error::internal)
    }

    /// A resend: the new link replaces the old at once, its outbox record and the audit
    /// event are written, in one transaction.
    pub async fn resend_binding(
        &self,
        org: &CompanyId,
        email: &OutboxRecord,
        link: &Binding,
        event: &AuditEvent,
    ) -> Result<(), Error> {
        let mut tx = Tx::new();
        tx.create(self.table(), super::outbox::outbox_item(email)?)?;
        tx.update(Role::Plain, self.replace_binding(org, link)?);
        tx.create(self.table(), super::audit::event_item(org, event)?)?;
        tx.send(self).await
    }

    pub async fn get_binding(
        &self,
        org: &CompanyId,
        user: &UserId,
    ) -> Result<Option<Binding>, Error> {
        self.get_as(keys::org_pk(org), &keys::binding_sk(user))
            .await
    }

    /// The bindings of these users, in one BatchGetItem (at most 100 users, its limit):
    /// a page of the users list.
    pub async fn bindings_of(
        &self,
        org: &CompanyId,
        users: &[UserId],
    ) -> Result<Vec<Binding>, Error> {
        if users.is_empty() {
            return Ok(Vec::new());
        }
        let wanted = users
            .iter()
            .map(|u| key(keys::org_pk(org), &keys::binding_sk(u)))
            .collect();
        self.batch_get(wanted)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Every binding of the org (for the users list).
    pub async fn list_bindings(&self, org: &CompanyId) -> Result<Vec<Binding>, Error> {
        self.org_items(org, keys::BINDING_PREFIX, None)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }
}
