//! The org's IdP: ingesting its metadata (by URL or as XML) into the SSO config, and the
//! scheduled refresh that picks up rotated certificates.

use serde::Deserialize;

use crate::admin::AdminContext;
use crate::app::App;
use crate::error::{Error, ErrorCode};
use crate::model::{IdpCertificate, SsoConfig, SsoStatus};
use crate::saml::fetch::fetch_metadata;
use crate::saml::metadata::{IdpMetadata, parse_idp_metadata};
use crate::types::{CompanyId, Timestamp};

/// `PUT /admin/sso/idp`: exactly one of the two.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IngestRequest {
    pub metadata_url: Option<String>,
    pub metadata_xml: Option<String>,
}

/// Where the metadata came from.
enum Source {
    Url(String),
    Xml(String),
}

impl IngestRequest {
    fn source(self) -> Result<Source, Error> {
        match (self.metadata_url, self.metadata_xml) {
            (Some(url), None) if !url.trim().is_empty() => Ok(Source::Url(url.trim().to_owned())),
            (None, Some(xml)) if !xml.trim().is_empty() => Ok(Source::Xml(xml)),
            _ => Err(Error::new(
                ErrorCode::InvalidRequest,
                "Send exactly one of metadataUrl or metadataXml.",
            )),
        }
    }
}

fn unprocessable(code: ErrorCode, detail: impl Into<String>) -> Error {
    Error::new(code, detail)
}

/// Fetches (safely) and parses the metadata; every refusal is `422` with the contract's code.
async fn load(app: &App, source: &Source) -> Result<IdpMetadata, Error> {
    let local = app.config.local_mode;
    let bytes = match source {
        Source::Url(url) => fetch_metadata(url, local)
            .await
            .map_err(|e| unprocessable(e.code(), e.to_string()))?,
        Source::Xml(xml) => xml.as_bytes().to_vec(),
    };
    // An IdP offering only HTTP-POST SSO (JumpCloud's export) is accepted: SP-initiated
    // login then posts the AuthnRequest (`login::start`).
    parse_idp_metadata(&bytes, local).map_err(|e| unprocessable(e.code(), e.to_string()))
}

fn certificates(metadata: &IdpMetadata) -> Vec<IdpCertificate> {
    metadata
        .certificates
        .iter()
        .map(|c| IdpCertificate {
            der_base64: c.der_base64.clone(),
            sha256_fingerprint: c.sha256_fingerprint.clone(),
            not_after: c.not_after_rfc3339.clone(),
        })
        .collect()
}

/// The config after new metadata: a different IdP starts over at `configured` (it must be
/// verified again); the same IdP (a refresh) keeps its status.
fn next_config(
    current: Option<&SsoConfig>,
    metadata: &IdpMetadata,
    url: Option<String>,
    at: Timestamp,
) -> Result<SsoConfig, Error> {
    let same_idp =
        current.and_then(|c| c.idp_entity_id.as_deref()) == Some(metadata.entity_id.as_str());
    let status = match current.map(|c| c.status) {
        Some(SsoStatus::Enabled) if !same_idp => {
            return Err(Error::new(
                ErrorCode::IdpChangeWhileEnabled,
                "Single sign-on is enabled with another IdP: disable it first.",
            ));
        }
        Some(status) if same_idp && status != SsoStatus::Unconfigured => status,
        _ => SsoStatus::Configured,
    };
    Ok(SsoConfig {
        status,
        idp_entity_id: Some(metadata.entity_id.clone()),
        sso_url: metadata
            .sso_url_redirect
            .clone()
            .or_else(|| metadata.sso_url_post.clone()),
        sso_url_redirect: metadata.sso_url_redirect.clone(),
        certificates: certificates(metadata),
        metadata_url: url,
        version: current.map_or(1, |c| c.version + 1),
        updated_at: Some(at),
    })
}

/// `PUT /admin/sso/idp`.
pub async fn ingest(
    app: &App,
    ctx: &AdminContext,
    request: IngestRequest,
) -> Result<SsoConfig, Error> {
    let source = request.source()?;
    let metadata = load(app, &source).await?;
    let url = match source {
        Source::Url(url) => Some(url),
        Source::Xml(_) => None,
    };
    let current = ctx.sso.as_ref();
    let next = next_config(current, &metadata, url, app.timestamp())?;
    let event = app.audit(
        &ctx.actor(),
        "sso.idp.configured",
        ctx.company_id().as_str(),
        serde_json::json!({
            "idpEntityId": next.idp_entity_id,
            "certificates": next.certificates.iter().map(|c| &c.sha256_fingerprint).collect::<Vec<_>>(),
            "status": next.status,
        }),
    );
    app.store
        .put_sso_config(ctx.company_id(), &next, current.map(|c| c.version), &event)
        .await?;
    Ok(next)
}

/// What a scheduled refresh did to one org.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refreshed {
    Unchanged,
    /// Certificates added and removed (by fingerprint).
    Rotated {
        added: Vec<String>,
        removed: Vec<String>,
    },
    /// The metadata could not be used; the stored config stays as it was.
    Failed(String),
}

/// Re-fetches one org's metadata URL. New certificates are added and vanished ones
/// removed exactly as the metadata says, so a rotation needs no downtime: Okta publishes
/// the new certificate before it signs with it. A different IdP entity ID is not applied.
pub async fn refresh(app: &App, org: &CompanyId) -> Result<Refreshed, Error> {
    let Some(current) = app.store.get_sso_config(org).await? else {
        return Ok(Refreshed::Unchanged);
    };
    let Some(url) = current.metadata_url.clone() else {
        return Ok(Refreshed::Unchanged);
    };
    let metadata = match load(app, &Source::Url(url.clone())).await {
        Ok(m) if Some(m.entity_id.as_str()) == current.idp_entity_id.as_deref() => m,
        Ok(_) => {
            return Ok(Refreshed::Failed(
                "the metadata now names another IdP".into(),
            ));
        }
        Err(e) => return Ok(Refreshed::Failed(e.to_string())),
    };
    let fresh = certificates(&metadata);
    let fingerprints = |certs: &[IdpCertificate]| {
        certs
            .iter()
            .map(|c| c.sha256_fingerprint.clone())
            .collect::<Vec<_>>()
    };
    let (old, new) = (fingerprints(&current.certificates), fingerprints(&fresh));
    let added: Vec<String> = new.iter().filter(|f| !old.contains(f)).cloned().collect();
    let removed: Vec<String> = old.iter().filter(|f| !new.contains(f)).cloned().collect();
    if added.is_empty() && removed.is_empty() {
        return Ok(Refreshed::Unchanged);
    }
    let at = app.timestamp();
    let mut next = current.clone();
    next.certificates = fresh;
    next.version += 1;
    next.updated_at = Some(at);
    let event = app.audit(
        "system",
        "sso.idp.certificates_rotated",
        org.as_str(),
        serde_json::json!({ "added": added, "removed": removed }),
    );
    app.store
        .put_sso_config(org, &next, Some(current.version), &event)
        .await?;
    Ok(Refreshed::Rotated { added, removed })
}

/// The schedule: every org with a metadata URL.
pub async fn refresh_all(app: &App) -> Result<Vec<(CompanyId, Refreshed)>, Error> {
    let mut results = Vec::new();
    for org in app.store.orgs_with_metadata_url().await? {
        let outcome = refresh(app, &org).await?;
        if let Refreshed::Failed(reason) = &outcome {
            tracing::warn!(org = %org, reason = %reason, "metadata refresh failed; config kept");
        }
        results.push((org, outcome));
    }
    Ok(results)
}
