//! Audit events: who did what to whom, written in the same transaction as the change.

use super::{Item, Store, classify, keys, to_item};
use crate::error::Error;
use crate::model::AuditEvent;
use crate::types::CompanyId;

/// The item of one event of `org` (`ORG#{companyId}` / `EVENT#{at}#{id}`).
pub(crate) fn event_item(org: &CompanyId, event: &AuditEvent) -> Result<Item, Error> {
    to_item(
        event,
        keys::org_pk(org),
        &keys::event_sk(&event.at, &event.id),
    )
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
