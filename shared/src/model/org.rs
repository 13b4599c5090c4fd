//! An org and its SSO configuration: where it stands in connecting to its IdP.

use serde::{Deserialize, Serialize};

use crate::types::{CompanyId, Timestamp};

/// An org (`ORG#{companyId}` / `ORG`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Org {
    pub company_id: CompanyId,
    pub name: String,
    pub created_at: Timestamp,
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

impl IdpCertificate {
    /// What the admin routes show of certificates (CONTRACT.md: `sha256Fingerprint`,
    /// `notAfter`), never the DER itself.
    pub fn views(certificates: &[IdpCertificate]) -> Vec<serde_json::Value> {
        certificates
            .iter()
            .map(|c| {
                serde_json::json!({
                    "sha256Fingerprint": c.sha256_fingerprint,
                    "notAfter": c.not_after,
                })
            })
            .collect()
    }
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
    pub updated_at: Option<Timestamp>,
}
