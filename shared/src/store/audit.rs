//! Audit events: who did what to whom, written in the same transaction as the change.

use super::{Item, Store, classify, from_item, key, keys, s, to_item};
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

    /// One page of the org's events, newest first: at most `limit` events after the one
    /// whose sort key is `after` (the previous page's cursor), and the cursor of the next
    /// page when there is one. One Query of `limit + 1` items (the extra one says whether a
    /// next page exists), so a page costs what it holds, not what the org has logged.
    pub async fn events_page(
        &self,
        org: &CompanyId,
        limit: usize,
        after: Option<&str>,
    ) -> Result<(Vec<AuditEvent>, Option<String>), Error> {
        let pk = keys::org_pk(org);
        let mut query = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":prefix", s(keys::EVENT_PREFIX))
            .scan_index_forward(false)
            .limit(i32::try_from(limit + 1).unwrap_or(i32::MAX));
        if let Some(after) = after {
            query = query.set_exclusive_start_key(Some(key(pk.clone(), after)));
        }
        let out = query.send().await.map_err(|e| Error::from(classify(e)))?;
        let mut items = out.items.unwrap_or_default();
        let more = items.len() > limit;
        items.truncate(limit);
        let next = if more {
            items
                .last()
                .and_then(|i| i.get("SK"))
                .and_then(|v| v.as_s().ok())
                .cloned()
        } else {
            None
        };
        let events = items
            .into_iter()
            .map(from_item)
            .collect::<Result<Vec<AuditEvent>, Error>>()?;
        Ok((events, next))
    }
}
