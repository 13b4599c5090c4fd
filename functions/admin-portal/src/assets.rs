//! The portal's page and assets, embedded at build time (no third-party origin, no CDN),
//! each behind the `portal` cookie, with a strict Content-Security-Policy (no inline
//! script or style), `no-store`, and the CSRF token handed to the page's script as JSON
//! (`/portal/api/session`), never written into the HTML.

use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::App;
use shared::admin;
use shared::html::message_page;
use shared::http::{html, response};

/// `(path under /portal/, content type, body)`.
const ASSETS: [(&str, &str, &str); 3] = [
    (
        "",
        "text/html; charset=utf-8",
        include_str!("../assets/index.html"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/app.js"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../assets/app.css"),
    ),
];

/// `GET /portal`, `GET /portal/{proxy+}`. API Gateway: `/portal/` may reach either route
/// (a trailing slash); both end here and `/portal` and `/portal/` are the same page.
pub async fn serve(app: &App, req: &Request) -> Response<Body> {
    let path = req
        .uri()
        .path()
        .trim_start_matches("/portal")
        .trim_matches('/')
        .to_owned();
    let ctx = match admin::authenticate(app, req).await {
        Ok(ctx) => ctx,
        Err(e) => {
            e.log();
            let message = if e.status() == StatusCode::UNAUTHORIZED {
                "Your admin portal session has ended, or was never started here. Open the portal from the app again."
                    .to_owned()
            } else {
                e.public_detail()
            };
            let mut page = html(
                e.status(),
                message_page("Admin portal", &message, &[("Code", e.code().as_str())]),
            );
            secure(app, &mut page);
            return page;
        }
    };
    let mut answer = if path == "api/session" {
        shared::http::json(
            StatusCode::OK,
            &json!({
                "csrf": ctx.portal_csrf,
                "companyId": ctx.company_id(),
                "admin": { "email": ctx.admin.email, "name": ctx.admin.formatted_name() },
            }),
        )
    } else {
        match ASSETS.iter().find(|(p, _, _)| *p == path) {
            Some((_, content_type, body)) => {
                response(StatusCode::OK, content_type, Body::Text((*body).to_owned()))
            }
            None => {
                let page =
                    message_page("Admin portal", "There is no such page in the portal.", &[]);
                html(StatusCode::NOT_FOUND, page)
            }
        }
    };
    secure(app, &mut answer);
    answer
}

/// The headers of every portal answer.
fn secure(app: &App, response: &mut Response<Body>) {
    let csp = format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors {}",
        app.config.portal_frame_ancestors
    );
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&csp) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
}

/// Every asset's size, for the 150 KB budget (tested).
pub fn total_bytes() -> usize {
    ASSETS.iter().map(|(_, _, body)| body.len()).sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_assets_weigh_at_most_150_kb() {
        let total = super::total_bytes();
        assert!(total <= 150 * 1024, "{total} bytes");
    }
}
