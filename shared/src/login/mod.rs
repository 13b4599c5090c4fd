//! SAML login: starting an SP-initiated login (HTTP-Redirect) and the session it ends in.
//! The ACS chain after the signature and protocol checks of `saml::acs` is `accept.rs`.

mod accept;

pub use accept::{Accepted, accept};

use crate::app::App;
use crate::error::{Error, ErrorCode};
use crate::model::{AuthnRequest, Purpose, SsoConfig, SsoStatus, User};
use crate::saml::sp;
use crate::tokens::{Audience, SESSION_SECONDS, SessionClaims};
use crate::types::CompanyId;

/// How long a started login may take at the IdP.
pub const REQUEST_SECONDS: i64 = 10 * 60;

pub fn sp_entity_id(app: &App, org: &CompanyId) -> String {
    crate::urls::sp_entity_id(&app.config, org)
}

pub fn acs_url(app: &App, org: &CompanyId) -> String {
    crate::urls::acs_url(&app.config, org)
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
            Error::new(
                ErrorCode::SsoNotConfigured,
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
) -> Result<String, Error> {
    let idp_url = config.sso_url_redirect.as_deref().ok_or_else(|| {
        Error::new(
            ErrorCode::SsoNotConfigured,
            "IdP has no HTTP-Redirect SSO URL",
        )
    })?;
    let now = app.now();
    let record = AuthnRequest {
        id: format!("_{}", app.ids.id(20)),
        company_id: org.clone(),
        purpose,
        relay,
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

/// The session for a reached (so active) user.
pub(crate) async fn session(app: &App, user: User, relay: Option<&str>) -> Result<Accepted, Error> {
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
    let token = app.jwt_key().await?.sign(&claims)?;
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
