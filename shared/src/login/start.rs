//! Starting an SP-initiated login (login, verify or bind): the request stored with its
//! purpose, then the signed AuthnRequest by the binding the IdP's metadata offers:
//! HTTP-Redirect (a `302`) when it has it, else HTTP-POST (an auto-submitting form).

use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};

use super::{acs_url, sp_entity_id};
use crate::app::App;
use crate::error::{Error, ErrorCode};
use crate::model::{AuthnRequest, Purpose, SsoConfig};
use crate::saml::sp::{self, PostRequest};
use crate::types::CompanyId;

/// How long a started login may take at the IdP.
pub const REQUEST_SECONDS: i64 = 10 * 60;

/// Where a started login sends the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthnStart {
    /// HTTP-Redirect: the IdP URL with the signed query.
    Redirect(String),
    /// HTTP-POST: the form to post, and the URL of this SP that renders it again
    /// (`/saml/{companyId}/login?request=...`), for a caller that needs one URL.
    Post { form: PostRequest, page_url: String },
}

impl AuthnStart {
    /// A URL that starts this login in a browser (the verify flow's `loginUrl`).
    pub fn url(&self) -> &str {
        match self {
            AuthnStart::Redirect(url) => url,
            AuthnStart::Post { page_url, .. } => page_url,
        }
    }

    /// `302` to the IdP, or `200` with the auto-submitting form.
    pub fn into_response(self) -> Result<Response<Body>, Error> {
        match self {
            AuthnStart::Redirect(url) => crate::http::redirect(StatusCode::FOUND, &url, None),
            AuthnStart::Post { form, .. } => auto_post(&form),
        }
    }
}

/// Stores a request and builds the AuthnRequest that carries its ID.
pub async fn start_login(
    app: &App,
    org: &CompanyId,
    config: &SsoConfig,
    purpose: Purpose,
    relay: Option<String>,
) -> Result<AuthnStart, Error> {
    binding_of(config)?;
    let record = AuthnRequest {
        id: format!("_{}", app.ids.id(20)),
        company_id: org.clone(),
        purpose,
        relay,
        expires_at: app.now().unix_timestamp() + REQUEST_SECONDS,
    };
    let (stored, keys) = futures_util::join!(app.store.put_authn_request(&record), app.sp_keys());
    stored?;
    build(app, org, config, &record.id, keys?)
}

/// `GET /saml/{companyId}/login?request=...`: the form of a stored, unexpired request of
/// this org again (the verify flow's `loginUrl` for an IdP that offers only HTTP-POST).
/// Nothing is stored; the ACS still consumes the request once.
pub async fn resume_login(
    app: &App,
    org: &CompanyId,
    config: &SsoConfig,
    request_id: &str,
) -> Result<AuthnStart, Error> {
    let unknown = || Error::new(ErrorCode::SamlUnknownRequest, "no such sign-in request");
    // Ours are `_` and 40 hex digits; anything else never reaches the table.
    let well_formed = request_id.len() <= 64
        && request_id.starts_with('_')
        && request_id[1..].chars().all(|c| c.is_ascii_alphanumeric());
    if !well_formed {
        return Err(unknown());
    }
    let (stored, keys) =
        futures_util::join!(app.store.get_authn_request(request_id), app.sp_keys());
    let record = stored?.ok_or_else(unknown)?;
    if &record.company_id != org {
        return Err(unknown());
    }
    if record.expires_at <= app.now().unix_timestamp() {
        return Err(Error::new(
            ErrorCode::SamlRequestExpired,
            "the sign-in request has expired",
        ));
    }
    build(app, org, config, &record.id, keys?)
}

#[derive(Clone, Copy)]
enum Binding<'a> {
    Redirect(&'a str),
    Post(&'a str),
}

/// HTTP-Redirect when the metadata offers it (`sso_url_redirect`), else the POST location
/// (`sso_url` holds it when the IdP offers only POST: `idp::config_from`).
fn binding_of(config: &SsoConfig) -> Result<Binding<'_>, Error> {
    match (
        config.sso_url_redirect.as_deref(),
        config.sso_url.as_deref(),
    ) {
        (Some(url), _) => Ok(Binding::Redirect(url)),
        (None, Some(url)) => Ok(Binding::Post(url)),
        (None, None) => Err(Error::new(
            ErrorCode::SsoNotConfigured,
            "IdP has no SSO URL",
        )),
    }
}

fn build(
    app: &App,
    org: &CompanyId,
    config: &SsoConfig,
    request_id: &str,
    keys: &crate::saml::sp_keys::SpKeys,
) -> Result<AuthnStart, Error> {
    let (sp, acs, now) = (sp_entity_id(app, org), acs_url(app, org), app.now());
    let signer = keys.active_signing();
    let failed = |e: sp::SpError| Error::internal(format!("building the AuthnRequest: {e}"));
    match binding_of(config)? {
        Binding::Redirect(idp) => {
            sp::authn_request_redirect_url_signed(idp, &sp, &acs, request_id, now, None, signer)
                .map(AuthnStart::Redirect)
                .map_err(failed)
        }
        Binding::Post(idp) => {
            let form = sp::authn_request_post(idp, &sp, &acs, request_id, now, None, signer)
                .map_err(failed)?;
            let page_url = crate::urls::login_request_url(&app.config, org, request_id);
            Ok(AuthnStart::Post { form, page_url })
        }
    }
}

/// The one script of the form page; the CSP allows exactly it, by its hash.
const SUBMIT_SCRIPT: &str = "document.forms[0].submit();";

/// SAML bindings 3.5.4: a form that posts `SAMLRequest` (and `RelayState`) to the IdP,
/// submitted by a script the Content-Security-Policy names by hash, with a button for a
/// browser without scripts. `no-store`: the page holds a one-use request.
fn auto_post(form: &PostRequest) -> Result<Response<Body>, Error> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let hash = base64::engine::general_purpose::STANDARD
        .encode(sha2::Sha256::digest(SUBMIT_SCRIPT.as_bytes()));
    let origin = url::Url::parse(&form.action)
        .map(|u| u.origin().ascii_serialization())
        .map_err(Error::internal)?;
    let page = crate::html::auto_post_page(
        "Signing in",
        &form.action,
        &[
            ("SAMLRequest", Some(form.saml_request.as_str())),
            ("RelayState", form.relay_state.as_deref()),
        ],
        SUBMIT_SCRIPT,
    );
    let mut response = crate::http::html(StatusCode::OK, page);
    let csp = format!(
        "default-src 'none'; script-src 'sha256-{hash}'; style-src 'unsafe-inline'; \
form-action {origin}; frame-ancestors 'none'; base-uri 'none'"
    );
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_str(&csp).map_err(Error::internal)?,
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
