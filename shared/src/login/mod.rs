//! SAML login: starting an SP-initiated login (`start.rs`) and the session it ends in,
//! handed to the app as a cookie or a one-use code (CONTRACT.md "Session handoff").
//! The ACS chain after the signature and protocol checks of `saml::acs` is `accept.rs`.

mod accept;
mod start;

pub use accept::{Accepted, accept};
pub use start::{AuthnStart, resume_login, start_login};

use crate::app::App;
use crate::config::SessionHandoff;
use crate::error::{Error, ErrorCode};
use crate::model::session::CODE_SECONDS;
use crate::model::{SessionGrant, SsoConfig, SsoStatus, User};
use crate::tokens::{Audience, SESSION_SECONDS, SessionClaims};
use crate::types::CompanyId;

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

/// The session for a reached (so active) user, handed off as `SESSION_HANDOFF` says.
pub(crate) async fn session(app: &App, user: User, relay: Option<&str>) -> Result<Accepted, Error> {
    let relay = safe_relay(relay);
    let (redirect, cookie) = match app.config.session_handoff {
        SessionHandoff::Cookie => {
            let token = session_token(app, &user).await?;
            (
                app.config.app_url_with(&relay),
                Some(session_cookie(app, &token)),
            )
        }
        SessionHandoff::Code => (code_redirect(app, &user, &relay).await?, None),
    };
    Ok(Accepted::Session {
        redirect,
        cookie,
        user: Box::new(user),
    })
}

/// A session JWT (`aud = "session"`) for `user`, from now.
async fn session_token(app: &App, user: &User) -> Result<String, Error> {
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
    app.jwt_key().await?.sign(&claims)
}

/// `APP_URL/sso/callback?code=...&relay=...`: a fresh one-use code (256 random bits,
/// stored only as its hash) for this user, valid [`CODE_SECONDS`].
async fn code_redirect(app: &App, user: &User, relay: &str) -> Result<String, Error> {
    let code = app.ids.id(32);
    let grant = SessionGrant {
        user_id: user.id.clone(),
        company_id: user.company_id.clone(),
        email: user.email.to_string(),
        role: user.role,
        expires_at: app.now().unix_timestamp() + CODE_SECONDS,
    };
    app.store
        .put_session_code(&crate::tokens::hash_scim_token(&code), &grant)
        .await?;
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("code", &code)
        .append_pair("relay", relay)
        .finish();
    Ok(app.config.app_url_with(&format!("/sso/callback?{query}")))
}

/// What `POST /session/exchange` answers for a code: the session and its user. The app
/// client secret is checked first (constant time); a used, expired or unknown code is
/// `400 invalid_grant`, one answer for all three.
pub async fn exchange(
    app: &App,
    client_secret: Option<&str>,
    code: Option<&str>,
) -> Result<serde_json::Value, Error> {
    let secret = app.app_client_secret().await?;
    if !client_secret.is_some_and(|presented| secret.verifies(presented)) {
        return Err(Error::unauthorized("app client secret missing or wrong"));
    }
    let invalid = |why: &str| Error::new(ErrorCode::InvalidGrant, format!("The code is {why}."));
    let code = code
        .map(str::trim)
        .filter(|c| !c.is_empty() && c.len() <= 128)
        .ok_or_else(|| invalid("missing"))?;
    let grant = app
        .store
        .take_session_code(&crate::tokens::hash_scim_token(code))
        .await?
        .ok_or_else(|| invalid("used or unknown"))?;
    if !grant.is_live(app.now().unix_timestamp()) {
        return Err(invalid("expired"));
    }
    let user = app
        .store
        .get_user(&grant.company_id, &grant.user_id)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| invalid("for a user who can no longer sign in"))?;
    let session = session_token(app, &user).await?;
    Ok(serde_json::json!({
        "session": session,
        "user": {
            "id": user.id,
            "email": user.email,
            "role": user.role,
            "companyId": user.company_id,
        },
    }))
}

/// `Set-Cookie` for the session (`Secure` dropped only when the public base is plain http;
/// `Domain=` only with `SESSION_COOKIE_DOMAIN`).
pub fn session_cookie(app: &App, token: &str) -> String {
    let secure = if app.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    let domain = app
        .config
        .session_cookie_domain
        .as_deref()
        .map(|d| format!("; Domain={d}"))
        .unwrap_or_default();
    format!("session={token}; HttpOnly{secure}; SameSite=Lax; Path=/{domain}")
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
