//! Orgs and their SSO configuration items, and the one-round-trip read behind admin routes.

use super::tx::{Role, Tx};
use super::{Item, Store, classify, from_item, key, keys, to_item};
use crate::error::{Error, ErrorCode};
use crate::model::{AuditEvent, Job, Org, SsoConfig, SsoStatus, User};
use crate::types::{CompanyId, Timestamp, UserId};

/// What an admin request needs, read in one `BatchGetItem`.
#[derive(Debug, Clone)]
pub struct AdminView {
    pub org: Option<Org>,
    pub sso: Option<SsoConfig>,
    pub admin: Option<User>,
}

impl Store {
    /// Creates an org; fails with `409 org_exists` when the Company ID is taken.
    pub async fn create_org(&self, org: &Org) -> Result<(), Error> {
        let item = to_item(org, keys::org_pk(&org.company_id), keys::ORG_SK)?;
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| match classify(e) {
                super::Failure::Condition(_) => {
                    Error::new(ErrorCode::OrgExists, "Company ID taken.")
                }
                other => other.into(),
            })?;
        Ok(())
    }

    pub async fn get_org(&self, org: &CompanyId) -> Result<Option<Org>, Error> {
        self.get_as(keys::org_pk(org), keys::ORG_SK).await
    }

    /// The org, its SSO config and the acting admin's user item, in one round trip.
    pub async fn admin_view(&self, org: &CompanyId, admin: &UserId) -> Result<AdminView, Error> {
        let pk = keys::org_pk(org);
        let user_sk = keys::user_sk(admin);
        let items = self
            .batch_get(vec![
                key(pk.clone(), keys::ORG_SK),
                key(pk.clone(), keys::SSO_SK),
                key(pk, &user_sk),
            ])
            .await?;
        let mut view = AdminView {
            org: None,
            sso: None,
            admin: None,
        };
        for item in items {
            match sort_key(&item) {
                Some(keys::ORG_SK) => view.org = Some(from_item(item)?),
                Some(keys::SSO_SK) => view.sso = Some(from_item(item)?),
                Some(sk) if sk == user_sk => view.admin = Some(from_item(item)?),
                _ => {}
            }
        }
        Ok(view)
    }
}

fn sort_key(item: &Item) -> Option<&str> {
    item.get("SK")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

impl Store {
    /// Moves the SSO status `from` → `to` in one transaction with its audit event and, for
    /// enable and disable, the job that owes the org its emails. `409 status_changed` when
    /// the status was no longer `from`.
    pub async fn transition_sso(
        &self,
        org: &CompanyId,
        from: SsoStatus,
        to: SsoStatus,
        at: Timestamp,
        event: &AuditEvent,
        job: Option<&Job>,
    ) -> Result<(), Error> {
        use aws_sdk_dynamodb::types::Update;
        let name = |s: SsoStatus| {
            serde_json::to_value(s)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        };
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(key(keys::org_pk(org), keys::SSO_SK)))
            .update_expression("SET #status = :to, version = version + :one, updatedAt = :at")
            .condition_expression("#status = :from")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":to", super::s(name(to)))
            .expression_attribute_values(":from", super::s(name(from)))
            .expression_attribute_values(
                ":one",
                aws_sdk_dynamodb::types::AttributeValue::N("1".into()),
            )
            .expression_attribute_values(":at", super::s(at.to_string()))
            .build()
            .map_err(Error::internal)?;
        let mut tx = Tx::new();
        tx.update(Role::SsoStatus, update);
        if let Some(job) = job {
            tx.create(self.table(), super::jobs::job_item(job)?)?;
        }
        tx.create(self.table(), super::audit::event_item(org, event)?)?;
        tx.send(self).await
    }
}

impl Store {
    /// Writes the SSO config if it is still at `expected_version` (None: none exists yet),
    /// with its audit event; the stored version becomes `config.version`.
    /// `409 concurrent_update` otherwise.
    pub async fn put_sso_config(
        &self,
        org: &CompanyId,
        config: &SsoConfig,
        expected_version: Option<u64>,
        event: &AuditEvent,
    ) -> Result<(), Error> {
        use aws_sdk_dynamodb::types::{AttributeValue, Put};
        let mut item = to_item(config, keys::org_pk(org), keys::SSO_SK)?;
        if config.metadata_url.is_some() {
            // Sparse index of the configs the scheduled refresh re-fetches.
            item.insert("GSI1PK".into(), super::s(keys::METADATA_URLS));
            item.insert("GSI1SK".into(), super::s(org.as_str()));
        }
        let put = Put::builder().table_name(self.table()).set_item(Some(item));
        let put = match expected_version {
            None => put.condition_expression("attribute_not_exists(PK)"),
            Some(v) => put
                .condition_expression("version = :v")
                .expression_attribute_values(":v", AttributeValue::N(v.to_string())),
        }
        .build()
        .map_err(Error::internal)?;
        let mut tx = Tx::new();
        tx.put(Role::SsoVersion, put);
        tx.create(self.table(), super::audit::event_item(org, event)?)?;
        tx.send(self).await
    }

    /// Orgs whose IdP metadata came from a URL (the refresh schedule's work list).
    pub async fn orgs_with_metadata_url(&self) -> Result<Vec<CompanyId>, Error> {
        let query = self
            .client()
            .query()
            .table_name(self.table())
            .index_name(keys::GSI1)
            .key_condition_expression("GSI1PK = :p")
            .expression_attribute_values(":p", super::s(keys::METADATA_URLS));
        let items = self.query_all(query).await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                item.get("GSI1SK")
                    .and_then(|v| v.as_s().ok())
                    .and_then(|o| CompanyId::parse(o).ok())
            })
            .collect())
    }

    pub async fn get_sso_config(&self, org: &CompanyId) -> Result<Option<SsoConfig>, Error> {
        self.get_as(keys::org_pk(org), keys::SSO_SK).await
    }
}
