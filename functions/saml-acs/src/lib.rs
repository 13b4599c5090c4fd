//! `saml-acs`: the SAML service provider (CONTRACT.md "SAML service provider"): SP
//! metadata, SP-initiated login, the assertion consumer service, and the session code
//! exchange.

use std::sync::Arc;

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use shared::App;
use shared::error::{Error, ErrorCode};
use shared::html::message_page;
use shared::http::{
    HandlerFuture, body_bytes, correlation_id, finish, html, path_param, query_param, redirect,
    route_key,
};
use shared::login::{self, Accepted};
use shared::model::Purpose;
use shared::saml::sp;
use shared::types::CompanyId;

/// A form carrying a 256 KiB SAMLResponse, URL-encoded, stays under this.
const MAX_FORM: usize = 400 * 1024;

/// The function's handler, as the runtime and the local gateway call it.
pub fn handler(app: Arc<App>, req: Request) -> HandlerFuture {
    Box::pin(async move {
        let result = route(&app, &req).await;
        finish(&req, result)
    })
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>, Error> {
    if route_key(req) == "POST /session/exchange" {
        return exchange(app, req).await;
    }
    let org = path_param(req, "companyId")
        .and_then(|c| CompanyId::parse(&c).ok())
        .ok_or(Error::not_found("company"))?;
    match route_key(req).as_str() {
        "GET /saml/{companyId}/metadata" => metadata(app, &org).await,
        "GET /saml/{companyId}/login" => start(app, req, &org).await,
        "POST /saml/{companyId}/acs" => acs(app, req, &org).await,
        _ => Err(Error::not_found("route")),
    }
}

/// SP metadata: entity ID `{base}/saml/{companyId}`, ACS (HTTP-POST), NameID emailAddress,
/// the SP's signing and encryption certificates.
async fn metadata(app: &App, org: &CompanyId) -> Result<Response<Body>, Error> {
    let keys = app.sp_keys().await?;
    let xml = sp::sp_metadata_xml_with_keys(
        &login::sp_entity_id(app, org),
        &login::acs_url(app, org),
        keys,
        app.config.want_assertions_signed,
    )
    .map_err(|e| Error::internal(format!("SP metadata: {e}")))?;
    Ok(shared::http::response(
        StatusCode::OK,
        "application/samlmetadata+xml",
        Body::Text(xml),
    ))
}

/// `GET /saml/{companyId}/login?relay=/path`: 302 to the IdP with a stored request, or,
/// for an IdP that offers only HTTP-POST, the auto-submitting form. With `?request=` (the
/// verify flow's `loginUrl` for such an IdP), the form of that stored request again.
async fn start(app: &App, req: &Request, org: &CompanyId) -> Result<Response<Body>, Error> {
    let config = login::org_config(app, org).await?;
    if let Some(request) = query_param(req, "request") {
        return login::resume_login(app, org, &config, &request)
            .await?
            .into_response();
    }
    shared::sso::require_enabled(Some(config.status), "login started while SSO is off")?;
    let relay = Some(login::safe_relay(query_param(req, "relay").as_deref()));
    login::start_login(app, org, &config, Purpose::Login, relay)
        .await?
        .into_response()
}

/// `POST /session/exchange` `{"code"}`: the app's server trades a one-use code for the
/// session. The client secret is judged before the body, so a caller without it learns
/// nothing about codes.
async fn exchange(app: &App, req: &Request) -> Result<Response<Body>, Error> {
    let body: Result<serde_json::Value, Error> = shared::http::json_body(req, 4096);
    let code = body
        .as_ref()
        .ok()
        .and_then(|b| b.get("code"))
        .and_then(serde_json::Value::as_str);
    let answer = login::exchange(app, shared::http::bearer_token(req), code).await?;
    Ok(shared::http::json(StatusCode::OK, &answer))
}

/// `POST /saml/{companyId}/acs`: form `SAMLResponse`, `RelayState`.
async fn acs(app: &App, req: &Request, org: &CompanyId) -> Result<Response<Body>, Error> {
    let body = body_bytes(req, MAX_FORM)?;
    let (mut saml_response, mut relay_state) = (None, None);
    for (name, value) in url::form_urlencoded::parse(body) {
        match name.as_ref() {
            "SAMLResponse" => saml_response = Some(value.into_owned()),
            "RelayState" => relay_state = Some(value.into_owned()),
            _ => {}
        }
    }
    let saml_response = saml_response
        .ok_or_else(|| Error::new(ErrorCode::SamlMissing, "No SAMLResponse in the form."))?;
    match login::accept(app, org, &saml_response, relay_state.as_deref()).await? {
        Accepted::Session {
            redirect: to,
            cookie,
            user,
        } => {
            tracing::info!(user = %user.id, "login");
            redirect(StatusCode::SEE_OTHER, &to, cookie.as_deref())
        }
        Accepted::Verified { .. } => Ok(html(
            StatusCode::OK,
            message_page(
                "Configuration verified",
                "The test login worked: your identity provider is connected. Return to the app to enable single sign-on.",
                &[
                    ("Company ID", org.as_str()),
                    ("Correlation id", &correlation_id(req)),
                ],
            ),
        )),
    }
}
