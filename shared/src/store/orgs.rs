//! Orgs and their SSO configuration items, and the one-round-trip read behind admin routes.

use serde::{Deserialize, Serialize};

use super::{Item, Store, classify, from_item, key, keys, to_item};
use crate::error::{Error, ErrorCode};
use crate::store::users::User;
use crate::types::{CompanyId, UserId};

/// GSI1 partition of SSO configs that have a metadata URL.
const METADATA_URLS: &str = "SSO#METADATA_URL";

/// An org (`ORG#{companyId}` / `ORG`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Org {
    pub company_id: CompanyId,
    pub name: String,
    pub created_at: String,
    /// SHA-256 of the current SCIM token; absent while SCIM is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scim_token_hash: Option<String>,
}

/// Where an org stands in connecting to its IdP.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum SsoStatus {
    #[default]
    Unconfigured,
    Configured,
    Verified,
    Enabled,
}

/// A signing certificate from the IdP metadata.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct IdpCertificate {
    /// DER, base64 (as in the metadata).
    pub der_base64: String,
    pub sha256_fingerprint: String,
    pub not_after: String,
}

/// The org's SSO configuration (`ORG#{companyId}` / `SSO`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
#[serde(rename_all = "camelCase")]
pub struct SsoConfig {
    pub status: SsoStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_entity_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sso_url_redirect: Option<String>,
    #[serde(default)]
    pub certificates: Vec<IdpCertificate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata_url: Option<String>,
    #[serde(default)]
    pub version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

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
    /// Moves the SSO status `from` → `to` in one transaction with `also` (a job, an audit
    /// event...). `409 status_changed` when the status was no longer `from`.
    pub async fn transition_sso(
        &self,
        org: &CompanyId,
        from: SsoStatus,
        to: SsoStatus,
        at: &str,
        also: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
    ) -> Result<(), Error> {
        use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
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
            .expression_attribute_values(":at", super::s(at))
            .build()
            .map_err(Error::internal)?;
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        items.extend(also);
        self.transact(items, |_| {
            Error::new(
                ErrorCode::StatusChanged,
                "The SSO status changed meanwhile; reload.",
            )
        })
        .await
    }
}

impl Store {
    /// Writes the SSO config if it is still at `expected_version` (None: none exists yet);
    /// the stored version becomes `config.version`. `409 concurrent_update` otherwise.
    pub async fn put_sso_config(
        &self,
        org: &CompanyId,
        config: &SsoConfig,
        expected_version: Option<u64>,
        also: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
    ) -> Result<(), Error> {
        use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
        let mut item = to_item(config, keys::org_pk(org), keys::SSO_SK)?;
        if config.metadata_url.is_some() {
            // Sparse index of the configs the scheduled refresh re-fetches.
            item.insert("GSI1PK".into(), super::s(METADATA_URLS));
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
        let mut items = vec![TransactWriteItem::builder().put(put).build()];
        items.extend(also);
        self.transact(items, |_| {
            Error::new(
                ErrorCode::ConcurrentUpdate,
                "The SSO configuration changed meanwhile; reload.",
            )
        })
        .await
    }

    /// Orgs whose IdP metadata came from a URL (the refresh schedule's work list).
    pub async fn orgs_with_metadata_url(&self) -> Result<Vec<CompanyId>, Error> {
        let query = self
            .client()
            .query()
            .table_name(self.table())
            .index_name("GSI1")
            .key_condition_expression("GSI1PK = :p")
            .expression_attribute_values(":p", super::s(METADATA_URLS));
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
