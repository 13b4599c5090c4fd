//! Audit events: who did what to whom, written in the same transaction as the change.

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};

use super::{Store, classify, keys, to_item};
use crate::error::Error;
use crate::types::CompanyId;

/// One line of the audit trail (`ORG#{companyId}` / `EVENT#{at}#{id}`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    pub id: String,
    pub at: String,
    /// `admin:{userId}`, `scim`, `idp`, `system`.
    pub actor: String,
    pub action: String,
    pub target: String,
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub detail: serde_json::Value,
}

impl AuditEvent {
    pub fn new(id: String, at: String, actor: &str, action: &str, target: &str) -> Self {
        Self {
            id,
            at,
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            detail: serde_json::Value::Null,
        }
    }

    /// The transaction item that records this event for `org`.
    pub(crate) fn put(&self, org: &CompanyId, table: &str) -> Result<TransactWriteItem, Error> {
        let item = to_item(self, keys::org_pk(org), &keys::event_sk(&self.at, &self.id))?;
        super::put_new(table, item)
    }
}

impl Store {
    /// Every event of the org, oldest first (all pages).
    pub async fn list_events(&self, org: &CompanyId) -> Result<Vec<AuditEvent>, Error> {
        self.org_items(org, keys::EVENT_PREFIX, None)
            .await?
            .into_iter()
            .map(super::from_item)
            .collect()
    }

    /// Records one event on its own (a login, a refusal): one PutItem.
    pub async fn record_event(&self, org: &CompanyId, event: &AuditEvent) -> Result<(), Error> {
        let item = to_item(
            event,
            keys::org_pk(org),
            &keys::event_sk(&event.at, &event.id),
        )?;
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        Ok(())
    }
}
