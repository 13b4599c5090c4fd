//! SAML login, end to end: starting an SP-initiated login (HTTP-Redirect), and the ACS
//! chain after the signature and protocol checks of `saml::acs`: the stored request
//! (consumed once), the replay cache, SSO status, user resolution and the session.
//!
//! Which step covers which rule of CONTRACT.md "SAML service provider":
//! - signed by the org's metadata certificates, only the signed element read, Issuer,
//!   Audience, Recipient/Destination, time window with skew, one Assertion, no DOCTYPE,
//!   no SHA-1, no key from KeyInfo, size cap: `saml::acs::validate_form_value`.
//! - metadata without a signing certificate never validates: `KeyCache::get_or_parse`
//!   refuses zero certificates, and ingest refuses such metadata (samael's own xmlsec
//!   path fails open there; it is not used).
//! - InResponseTo names a stored, unexpired request of this org, used once:
//!   `consume_request` (DeleteItem returning the old item, SAML profiles 4.1.4.3).
//! - IdP-initiated only for plain login: `resolve_request`.
//! - the assertion ID never seen before: `Store::remember_assertion` until NotOnOrAfter
//!   (SAML profiles 4.1.4.5).
//! - SSO enabled (purpose verify aside), user active and bound: `resolve_user`.

use crate::app::{App, rfc3339};
use crate::error::Error;
use crate::saml::{AcsContext, Rejection, ValidatedAssertion, sp, validate_form_value};
use crate::store::audit::AuditEvent;
use crate::store::keys::Unique;
use crate::store::orgs::{SsoConfig, SsoStatus};
use crate::store::saml::{AuthnRequestRecord, Purpose};
use crate::store::users::{Source, User};
use crate::tokens::{Audience, SESSION_SECONDS, SessionClaims};
use crate::types::{CompanyId, UserId, random_id};

/// How long a started login may take at the IdP.
pub const REQUEST_SECONDS: i64 = 10 * 60;

pub fn sp_entity_id(app: &App, org: &CompanyId) -> String {
    app.config.public_url(&format!("/saml/{org}"))
}

pub fn acs_url(app: &App, org: &CompanyId) -> String {
    app.config.public_url(&format!("/saml/{org}/acs"))
}

/// A same-origin path to land on after login; anything else (absolute URLs,
/// protocol-relative `//host`, backslashes, control characters) becomes `/`: no open redirect.
pub fn safe_relay(raw: Option<&str>) -> String {
    let Some(path) = raw.map(str::trim) else {
        return "/".into();
    };
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && path.len() <= 2048
        && !path.chars().any(|c| c.is_control() || c.is_whitespace());
    if ok { path.to_owned() } else { "/".into() }
}

/// Everything the ACS needs to know about the org, or `403 sso_not_configured`.
pub async fn org_config(app: &App, org: &CompanyId) -> Result<SsoConfig, Error> {
    let config = app.store.get_sso_config(org).await?;
    config
        .filter(|c| c.status != SsoStatus::Unconfigured && c.idp_entity_id.is_some())
        .ok_or_else(|| {
            Error::forbidden(
                "sso_not_configured",
                format!("org {org} has no IdP configured"),
            )
        })
}

/// Stores a request and answers the IdP URL to send the browser to (HTTP-Redirect).
pub async fn start_login(
    app: &App,
    org: &CompanyId,
    config: &SsoConfig,
    purpose: Purpose,
    relay: Option<String>,
    binding: Option<(UserId, String)>,
) -> Result<String, Error> {
    let idp_url = config.sso_url_redirect.as_deref().ok_or_else(|| {
        Error::forbidden("sso_not_configured", "IdP has no HTTP-Redirect SSO URL")
    })?;
    let now = app.now();
    let (binding_user, binding_token) = binding.map_or((None, None), |(u, t)| (Some(u), Some(t)));
    let record = AuthnRequestRecord {
        id: format!("_{}", random_id(&mut rand::rng(), 20)),
        company_id: org.clone(),
        purpose,
        relay,
        binding_user,
        binding_token,
        expires_at: now.unix_timestamp() + REQUEST_SECONDS,
    };
    app.store.put_authn_request(&record).await?;
    sp::authn_request_redirect_url(
        idp_url,
        &sp_entity_id(app, org),
        &acs_url(app, org),
        &record.id,
        now,
        None,
    )
    .map_err(|e| Error::internal(format!("building the AuthnRequest: {e}")))
}

/// The outcome of a valid POST to the ACS.
#[derive(Debug)]
pub enum Accepted {
    /// Logged in (possibly just bound): the session token and where to go.
    Session {
        token: String,
        redirect: String,
        user: Box<User>,
    },
    /// The admin's test login succeeded: the configuration is verified.
    Verified { name_id: String },
}

/// Maps a validation rejection to what the caller sees; the precise reason is logged.
fn rejected(rejection: Rejection) -> Error {
    match rejection.code() {
        "saml_too_large" => Error::PayloadTooLarge {
            limit: crate::saml::acs::MAX_SAML_RESPONSE_BYTES,
        },
        code @ "saml_malformed" => Error::bad_request(code, "The SAML response could not be read."),
        code => Error::forbidden(code, rejection.to_string()),
    }
}

/// The ACS chain for one org. `relay_state` only matters for IdP-initiated logins.
pub async fn accept(
    app: &App,
    org: &CompanyId,
    saml_response: &str,
    relay_state: Option<&str>,
) -> Result<Accepted, Error> {
    let config = org_config(app, org).await?;
    let keys = app
        .idp_keys
        .get_or_parse(org.as_str(), config.version, &certs(&config))?;
    let (sp_entity, acs) = (sp_entity_id(app, org), acs_url(app, org));
    let ctx = AcsContext {
        sp_entity_id: &sp_entity,
        acs_url: &acs,
        idp_entity_id: config.idp_entity_id.as_deref().unwrap_or_default(),
        trusted: &keys,
        now: app.now().unix_timestamp(),
        skew_secs: app.config.clock_skew.as_secs() as i64,
    };
    let assertion = validate_form_value(saml_response, &ctx).map_err(rejected)?;
    let request = resolve_request(app, org, &assertion).await?;
    remember(app, &assertion).await?;
    match request.purpose {
        Purpose::Verify => verify(app, org, &config, &assertion).await,
        Purpose::Login => {
            require_enabled(&config)?;
            let user = resolve_user(app, org, &assertion.name_id).await?;
            let relay = request.relay.or_else(|| relay_state.map(str::to_owned));
            session(app, user, relay.as_deref())
        }
        Purpose::Bind => {
            require_enabled(&config)?;
            let user = crate::binding::complete(app, org, &request, &assertion.name_id).await?;
            session(app, user, request.relay.as_deref())
        }
    }
}

fn certs(config: &SsoConfig) -> Vec<String> {
    config
        .certificates
        .iter()
        .map(|c| c.der_base64.clone())
        .collect()
}

fn require_enabled(config: &SsoConfig) -> Result<(), Error> {
    if config.status == SsoStatus::Enabled {
        Ok(())
    } else {
        Err(Error::forbidden(
            "sso_not_enabled",
            "login while SSO is not enabled",
        ))
    }
}

/// SP-initiated: the stored request, consumed once, of this org and unexpired.
/// IdP-initiated (no InResponseTo): allowed for plain login only.
async fn resolve_request(
    app: &App,
    org: &CompanyId,
    assertion: &ValidatedAssertion,
) -> Result<AuthnRequestRecord, Error> {
    let Some(id) = assertion.in_response_to.as_deref() else {
        return Ok(AuthnRequestRecord {
            id: String::new(),
            company_id: org.clone(),
            purpose: Purpose::Login,
            relay: None,
            binding_user: None,
            binding_token: None,
            expires_at: 0,
        });
    };
    let record = app.store.consume_authn_request(id).await?.ok_or_else(|| {
        Error::forbidden(
            "saml_unknown_request",
            "InResponseTo names no stored request (unknown or already used)",
        )
    })?;
    if record.company_id != *org {
        return Err(Error::forbidden(
            "saml_unknown_request",
            "InResponseTo names another org's request",
        ));
    }
    if record.expires_at <= app.now().unix_timestamp() {
        return Err(Error::forbidden(
            "saml_request_expired",
            "the AuthnRequest expired",
        ));
    }
    Ok(record)
}

/// The replay guard: each assertion ID once, kept until it could no longer validate.
async fn remember(app: &App, assertion: &ValidatedAssertion) -> Result<(), Error> {
    let keep_until = assertion.not_on_or_after + app.config.clock_skew.as_secs() as i64;
    let now = app.now().unix_timestamp();
    if app
        .store
        .remember_assertion(&assertion.issuer, &assertion.assertion_id, keep_until, now)
        .await?
    {
        Ok(())
    } else {
        Err(Error::forbidden("saml_replay", "assertion ID already used"))
    }
}

async fn verify(
    app: &App,
    org: &CompanyId,
    config: &SsoConfig,
    assertion: &ValidatedAssertion,
) -> Result<Accepted, Error> {
    if config.status == SsoStatus::Configured {
        let at = rfc3339(app.now());
        let mut event = AuditEvent::new(
            random_id(&mut rand::rng(), 10),
            at.clone(),
            "idp",
            "sso.verified",
            org.as_str(),
        );
        event.detail = serde_json::json!({ "idpEntityId": config.idp_entity_id });
        let also = vec![event.put(org, app.store.table())?];
        app.store
            .transition_sso(org, SsoStatus::Configured, SsoStatus::Verified, &at, also)
            .await?;
    }
    Ok(Accepted::Verified {
        name_id: assertion.name_id.clone(),
    })
}

/// NameID → the bound user; a SCIM-made user not yet bound is bound by its `userName` on
/// first login; anyone else must use their binding email.
async fn resolve_user(app: &App, org: &CompanyId, name_id: &str) -> Result<User, Error> {
    let key = name_id.to_lowercase();
    if let Some(id) = app.store.find_unique(org, Unique::NameId, &key).await? {
        let user = app
            .store
            .get_user(org, &id)
            .await?
            .ok_or(Error::forbidden("user_not_bound", "bound user vanished"))?;
        return active(user);
    }
    let by_name = match app.store.find_unique(org, Unique::UserName, &key).await? {
        Some(id) => app.store.get_user(org, &id).await?,
        None => None,
    };
    match by_name {
        Some(user) if user.source == Source::Scim && user.name_id.is_none() => {
            let user = active(user)?;
            crate::binding::bind(app, &user, name_id, "scim.first_login").await
        }
        Some(_) => Err(Error::forbidden(
            "user_not_bound",
            "existing user not bound yet",
        )),
        None => Err(Error::forbidden(
            "user_not_bound",
            "no user for this NameID",
        )),
    }
}

fn active(user: User) -> Result<User, Error> {
    if user.active {
        Ok(user)
    } else {
        Err(Error::forbidden(
            "user_inactive",
            format!("user {} is inactive", user.id),
        ))
    }
}

fn session(app: &App, user: User, relay: Option<&str>) -> Result<Accepted, Error> {
    let user = active(user)?;
    let now = app.now().unix_timestamp();
    let claims = SessionClaims {
        sub: user.id.to_string(),
        org: user.company_id.to_string(),
        email: user.email.to_string(),
        role: user.role.to_string(),
        amr: vec!["saml".into()],
        aud: Audience::Session.as_str().into(),
        iat: now,
        exp: now + SESSION_SECONDS,
    };
    let token = app.secrets.jwt.sign(&claims)?;
    let redirect = app.config.app_url_with(&safe_relay(relay));
    Ok(Accepted::Session {
        token,
        redirect,
        user: Box::new(user),
    })
}

/// `Set-Cookie` for the session (`Secure` dropped only when the public base is plain http).
pub fn session_cookie(app: &App, token: &str) -> String {
    let secure = if app.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    format!("session={token}; HttpOnly{secure}; SameSite=Lax; Path=/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_origin_paths_are_relayed() {
        assert_eq!(safe_relay(Some("/dashboard?x=1")), "/dashboard?x=1");
        for bad in [
            "https://evil.com",
            "//evil.com",
            "/\\\\evil.com",
            "javascript:alert(1)",
            "/a b",
            "dashboard",
        ] {
            assert_eq!(safe_relay(Some(bad)), "/", "{bad}");
        }
        assert_eq!(safe_relay(None), "/");
    }
}
