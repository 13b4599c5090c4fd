//! The local gateway's own pages, never deployed: the dev IdP (metadata, login page for
//! SP- and IdP-initiated logins, signed responses) and a stand-in for the app that shows
//! the session cookie.

use std::collections::HashMap;

use http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Response};
use shared::App;
use shared::html::message_page;
use shared::http::html;
use shared::tokens::{Audience, SessionClaims};
use shared::types::CompanyId;

use crate::dev_idp::{
    AuthnRequestInfo, DevIdp, LoginForm, ResponseParams, auto_post_form, default_attributes,
    login_page,
};

fn text(status: StatusCode, content_type: &'static str, body: String) -> Response<Body> {
    shared::http::response(status, content_type, Body::Text(body))
}

fn bad(detail: &str) -> Response<Body> {
    html(
        StatusCode::BAD_REQUEST,
        message_page("Dev IdP", detail, &[]),
    )
}

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

fn query(req: &http::Request<Body>) -> HashMap<String, String> {
    url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

/// Answers `/dev/...`; `None` for any other path.
pub async fn handle(app: &App, req: &http::Request<Body>) -> Option<Response<Body>> {
    let idp = DevIdp::new(&app.config.public_url("/dev/idp"));
    let path = req.uri().path();
    Some(match (req.method(), path) {
        (&Method::GET, "/dev/idp/metadata") => text(
            StatusCode::OK,
            "application/samlmetadata+xml",
            idp.metadata_xml(query(req).get("binding").is_some_and(|b| b == "post")),
        ),
        (&Method::GET, "/dev/idp/sso") => sp_initiated(app, &idp, &query(req), false).await,
        (&Method::POST, "/dev/idp/sso") => {
            sp_initiated(app, &idp, &form(req.body().as_ref()), true).await
        }
        (&Method::GET, "/dev/idp/start") => idp_initiated(app, &idp, &query(req)).await,
        (&Method::POST, "/dev/idp/respond") => respond(app, &idp, &form(req.body().as_ref())).await,
        (&Method::GET, "/dev/app") | (&Method::GET, "/dev/app/") => app_page(app, req),
        (_, p) if p.starts_with("/dev/app/") => app_page(app, req),
        (&Method::GET, "/dev/mail") => crate::mail_viewer::page(app, req).await,
        _ => return None,
    })
}

/// Users of the org the ACS URL belongs to, for the login page's buttons.
async fn users_for(app: &App, acs_url: &str) -> Vec<(String, String)> {
    let org = acs_url
        .split("/saml/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|c| CompanyId::parse(c).ok());
    let Some(org) = org else { return vec![] };
    let users = app.store.list_users(&org).await.unwrap_or_default();
    users
        .into_iter()
        .filter(|u| u.active)
        .map(|u| (u.email.to_string(), u.formatted_name()))
        .collect()
}

/// An SP's AuthnRequest, by HTTP-Redirect (the query) or HTTP-POST (`posted`: the form).
async fn sp_initiated(
    app: &App,
    idp: &DevIdp,
    q: &HashMap<String, String>,
    posted: bool,
) -> Response<Body> {
    let Some(request) = q.get("SAMLRequest") else {
        return bad("No SAMLRequest.");
    };
    let parsed = if posted {
        DevIdp::parse_posted_authn_request(request)
    } else {
        DevIdp::parse_authn_request(request)
    };
    let info: AuthnRequestInfo = match parsed {
        Ok(info) => info,
        Err(e) => return bad(&format!("Unreadable AuthnRequest: {e}")),
    };
    let users = users_for(app, &info.acs_url).await;
    let form = LoginForm {
        sp_label: &info.issuer,
        in_response_to: Some(&info.id),
        relay_state: q.get("RelayState").map(String::as_str),
        acs_url: &info.acs_url,
        audience: &info.issuer,
    };
    html(StatusCode::OK, login_page(idp, &form, &users))
}

async fn idp_initiated(app: &App, idp: &DevIdp, q: &HashMap<String, String>) -> Response<Body> {
    let Some(org) = q.get("companyId").and_then(|c| CompanyId::parse(c).ok()) else {
        return bad("Pass ?companyId=...");
    };
    let acs = shared::login::acs_url(app, &org);
    let audience = shared::login::sp_entity_id(app, &org);
    let users = users_for(app, &acs).await;
    let form = LoginForm {
        sp_label: &audience,
        in_response_to: None,
        relay_state: q.get("relay").map(String::as_str),
        acs_url: &acs,
        audience: &audience,
    };
    html(StatusCode::OK, login_page(idp, &form, &users))
}

/// The login page's answer: `user` (a button: email, `|`, display name) or `name_id`
/// and `display_name`; signed, and encrypted when the switch is on.
async fn respond(app: &App, idp: &DevIdp, f: &HashMap<String, String>) -> Response<Body> {
    let field = |k: &str| f.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let picked = field("user").map(|u| u.split_once('|').unwrap_or((u, "")));
    let name_id = picked.map(|(email, _)| email).or(field("name_id"));
    let display_name = picked
        .map(|(_, name)| name)
        .filter(|n| !n.is_empty())
        .or(field("display_name"));
    let (Some(name_id), Some(acs_url), Some(audience)) =
        (name_id, field("acs_url"), field("audience"))
    else {
        return bad("name_id, acs_url and audience are required.");
    };
    if !acs_url.starts_with(&app.config.public_url("/saml/")) {
        return bad("The dev IdP only signs for this gateway's ACS URLs.");
    }
    let params = ResponseParams {
        acs_url,
        audience,
        name_id,
        in_response_to: field("in_response_to"),
        now: app.now(),
        attributes: default_attributes(name_id, display_name.unwrap_or(name_id)),
    };
    let answer = if field("encrypt").is_some() {
        match app
            .sp_keys()
            .await
            .map(|k| k.active_encryption().map(|k| k.cert_der.clone()))
        {
            Ok(Some(cert)) => idp.encrypted_response(&params, &cert),
            Ok(None) => Err("this stack has no SP encryption key".to_owned()),
            Err(e) => Err(e.to_string()),
        }
    } else {
        idp.signed_response(&params)
    };
    match answer {
        Ok(signed) => html(
            StatusCode::OK,
            auto_post_form(acs_url, &signed, field("relay_state")),
        ),
        Err(e) => bad(&format!("Signing failed: {e}")),
    }
}

/// What the app would do with the session cookie: verify it and show who is logged in.
fn app_page(app: &App, req: &http::Request<Body>) -> Response<Body> {
    let cookie = req
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("session=").map(str::to_owned));
    let now = app.now().unix_timestamp();
    let claims = cookie.and_then(|t| {
        app.jwt()
            .ok()?
            .verify::<SessionClaims>(&t, Audience::Session, now)
            .ok()
    });
    let page = match claims {
        Some(c) => message_page(
            "Logged in (stand-in for the app)",
            &format!("Session for {} at {}.", c.email, req.uri().path()),
            &[
                ("User id", &c.sub),
                ("Company ID", &c.org),
                ("Role", &c.role),
                ("amr", &c.amr.join(",")),
            ],
        ),
        None => message_page("Not logged in", "No valid session cookie.", &[]),
    };
    let mut response = html(StatusCode::OK, page);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
