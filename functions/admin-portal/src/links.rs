//! Portal sign-in: `POST /admin/portal/links` makes a one-use, 5-minute ticket for the
//! calling admin (stored as its SHA-256 only); `GET /portal/start?ticket=` consumes it and
//! sets the `portal` cookie (aud `portal`, 8 hours, with a `csrf` claim), on a page that
//! moves on to `/portal/` by itself: a same-site navigation, so the SameSite=Strict cookie
//! goes with it (a browser drops a Strict cookie on a redirect another site's link began).

use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::App;
use shared::admin::{self, PORTAL_COOKIE};
use shared::error::Error;
use shared::html::message_page;
use shared::http::{html, json, query_param};
use shared::model::PortalTicket;
use shared::model::session::PORTAL_TICKET_SECONDS;
use shared::tokens::{Audience, PORTAL_SECONDS, PortalClaims, hash_scim_token};
use shared::types::{CompanyId, UserId};

/// `201 {"url", "expiresAt"}`.
pub async fn create(app: &App, req: &Request) -> Result<Response<Body>, Error> {
    let ctx = admin::authenticate(app, req).await?;
    let (url, expires) = issue(app, ctx.company_id(), &ctx.admin.id, &ctx.actor()).await?;
    Ok(json(
        StatusCode::CREATED,
        &json!({ "url": url, "expiresAt": expires }),
    ))
}

/// A fresh link for `admin` of `org` (the caller checked who may have one), and when it
/// dies (RFC 3339); the audit trail records it.
pub async fn issue(
    app: &App,
    org: &CompanyId,
    admin: &UserId,
    actor: &str,
) -> Result<(String, String), Error> {
    let ticket = app.ids.id(32);
    let expires_at = app.now().unix_timestamp() + PORTAL_TICKET_SECONDS;
    let record = PortalTicket {
        user_id: admin.clone(),
        company_id: org.clone(),
        expires_at,
    };
    let event = app.audit(
        actor,
        "portal.link_created",
        admin.as_str(),
        serde_json::Value::Null,
    );
    let hash = hash_scim_token(&ticket);
    let (stored, logged) = futures_util::join!(
        app.store.put_portal_ticket(&hash, &record),
        app.store.record_event(org, &event)
    );
    stored?;
    logged?;
    let expires = time::OffsetDateTime::from_unix_timestamp(expires_at)
        .map_err(Error::internal)?
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(Error::internal)?;
    let url = app
        .config
        .public_url(&format!("/portal/start?ticket={ticket}"));
    Ok((url, expires))
}

/// The ticket's page: the cookie and a move to `/portal/`, or `400` (not one of ours) /
/// `410` (used or expired) in plain words.
pub async fn start(app: &App, req: &Request) -> Response<Body> {
    match sign_in(app, req).await {
        Ok(cookie) => signed_in(&cookie),
        Err((status, message)) => {
            let mut page = html(status, message_page("Admin portal", message, &[]));
            private(&mut page);
            page
        }
    }
}

type Refusal = (StatusCode, &'static str);

async fn sign_in(app: &App, req: &Request) -> Result<String, Refusal> {
    const OPEN_AGAIN: &str =
        "This portal link was already used or has expired. Open the portal from the app again.";
    let ticket = query_param(req, "ticket").unwrap_or_default();
    // Ours are 32 random bytes in `random_id`'s base32: 52 lower-case letters and digits.
    let well_formed = ticket.len() == 52
        && ticket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !well_formed {
        return Err((
            StatusCode::BAD_REQUEST,
            "This is not a portal link. Open the portal from the app.",
        ));
    }
    let unavailable = (
        StatusCode::SERVICE_UNAVAILABLE,
        "The portal could not be opened just now. Try again in a moment.",
    );
    let now = app.now().unix_timestamp();
    let taken = app
        .store
        .take_portal_ticket(&hash_scim_token(&ticket))
        .await
        .map_err(|e| {
            e.log();
            unavailable
        })?;
    let ticket = taken
        .filter(|t| t.expires_at > now)
        .ok_or((StatusCode::GONE, OPEN_AGAIN))?;
    let claims = PortalClaims {
        sub: ticket.user_id.to_string(),
        org: ticket.company_id.to_string(),
        role: "admin".into(),
        csrf: app.ids.id(32),
        aud: Audience::Portal.as_str().into(),
        iat: now,
        exp: now + PORTAL_SECONDS,
    };
    let keys = app.jwt_key().await.map_err(|e| {
        e.log();
        unavailable
    })?;
    let token = keys.sign(&claims).map_err(|e| {
        e.log();
        unavailable
    })?;
    let secure = if app.config.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    Ok(format!(
        "{PORTAL_COOKIE}={token}; HttpOnly{secure}; SameSite=Strict; Path=/; Max-Age={PORTAL_SECONDS}"
    ))
}

/// `200`, the cookie, and a page that moves on by itself (`<meta http-equiv="refresh">`:
/// no script, so the CSP stays `default-src 'none'`).
fn signed_in(cookie: &str) -> Response<Body> {
    let page = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta http-equiv=\"refresh\" content=\"0;url=/portal/\"><title>Admin portal</title></head>\
<body><p>Opening the admin portal\u{2026} <a href=\"/portal/\">Continue</a></p></body></html>";
    let mut response = html(StatusCode::OK, page.to_owned());
    private(&mut response);
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `no-store`, no referrer (the ticket is in this page's URL), nothing else loads.
fn private(response: &mut Response<Body>) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
    );
}
