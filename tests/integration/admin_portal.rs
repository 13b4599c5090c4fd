//! The admin portal over HTTP (CONTRACT "Admin portal"): a one-use 5-minute link, the
//! `portal` cookie it sets, the portal's pages behind it, and the `/admin/...` routes
//! accepting the cookie in place of the bearer token, writes only with `X-CSRF-Token`.

use reqwest::Method;
use serde_json::Value;
use shared::model::PortalTicket;

use crate::saml_flow::{Stack, stack};

/// A fresh portal link for the stack's admin.
pub(crate) async fn portal_link(s: &Stack) -> String {
    let made = s.admin(Method::POST, "/admin/portal/links", None).await;
    assert_eq!(made.status(), 201);
    let body: Value = made.json().await.unwrap();
    assert!(body["expiresAt"].as_str().unwrap().ends_with('Z'), "{body}");
    body["url"].as_str().unwrap().to_owned()
}

/// Opens the link; returns the `portal=...` pair of its Set-Cookie.
async fn open(s: &Stack, link: &str) -> String {
    let page = s.http.get(link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=28800"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(
        !cookie.contains("Secure"),
        "plain http drops Secure: {cookie}"
    );
    assert_eq!(page.headers()["cache-control"], "no-store");
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    let html = page.text().await.unwrap();
    assert!(html.contains("url=/portal/"), "{html}");
    assert!(!html.contains("portal="), "the token is never in the page");
    cookie.split(';').next().unwrap().to_owned()
}

async fn with_cookie(
    s: &Stack,
    method: Method,
    path: &str,
    cookie: &str,
    csrf: Option<&str>,
) -> reqwest::Response {
    let mut req = s
        .http
        .request(method, format!("{}{path}", s.base))
        .header("cookie", cookie)
        .header("accept", "application/json");
    if let Some(csrf) = csrf {
        req = req.header("x-csrf-token", csrf);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn a_link_opens_the_portal_once_and_its_cookie_stands_in_for_the_admin_token() {
    let s = stack().await;
    let link = portal_link(&s).await;
    assert!(link.starts_with(&format!("{}/portal/start?ticket=", s.base)));
    let cookie = open(&s, &link).await;

    let again = s.http.get(&link).send().await.unwrap();
    assert_eq!(again.status(), 410, "one use");
    assert!(
        again
            .text()
            .await
            .unwrap()
            .contains("Open the portal from the app again")
    );

    let index = with_cookie(&s, Method::GET, "/portal/", &cookie, None).await;
    assert_eq!(index.status(), 200);
    let csp = index.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let html = index.text().await.unwrap();
    assert!(
        html.contains("Single Sign-On") && !html.contains("<script>"),
        "no inline script"
    );
    let js = with_cookie(&s, Method::GET, "/portal/app.js", &cookie, None).await;
    assert_eq!(js.status(), 200);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );

    let session: Value = with_cookie(&s, Method::GET, "/portal/api/session", &cookie, None)
        .await
        .json()
        .await
        .unwrap();
    let csrf = session["csrf"].as_str().unwrap().to_owned();
    assert_eq!(session["companyId"], s.company.as_str());

    let view = with_cookie(&s, Method::GET, "/admin/sso", &cookie, None).await;
    assert_eq!(view.status(), 200);

    for csrf_sent in [None, Some("wrong"), Some("")] {
        let write = with_cookie(&s, Method::POST, "/admin/scim/token", &cookie, csrf_sent).await;
        assert_eq!(write.status(), 403, "{csrf_sent:?}");
        let body: Value = write.json().await.unwrap();
        assert_eq!(body["code"], "csrf_failed");
    }
    let write = with_cookie(&s, Method::POST, "/admin/scim/token", &cookie, Some(&csrf)).await;
    assert_eq!(write.status(), 201);
}

#[tokio::test]
async fn without_a_valid_cookie_the_portal_says_to_open_it_from_the_app_again() {
    let s = stack().await;
    for cookie in ["", "portal=forged.token.value"] {
        let page = with_cookie(&s, Method::GET, "/portal/", cookie, None).await;
        assert_eq!(page.status(), 401, "{cookie}");
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("Open the portal from the app again")
        );
    }
    // A session cookie (another audience) is not a portal cookie.
    let api = with_cookie(&s, Method::GET, "/admin/sso", "portal=x", None).await;
    assert_eq!(api.status(), 401);
}

#[tokio::test]
async fn a_malformed_link_is_400_and_an_expired_one_410() {
    let s = stack().await;
    for bad in ["", "short", &"A".repeat(52), &"a".repeat(53)] {
        let page = s
            .http
            .get(format!("{}/portal/start?ticket={bad}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), 400, "{bad}");
    }
    let ticket = "b".repeat(52);
    let org = shared::types::CompanyId::parse(&s.company).unwrap();
    let admin = s.env.app.store.list_users(&org).await.unwrap()[0]
        .id
        .clone();
    let expired = PortalTicket {
        user_id: admin,
        company_id: org,
        expires_at: s.env.app.now().unix_timestamp() - 1,
    };
    s.env
        .app
        .store
        .put_portal_ticket(&shared::tokens::hash_scim_token(&ticket), &expired)
        .await
        .unwrap();
    let page = s
        .http
        .get(format!("{}/portal/start?ticket={ticket}", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 410);
}
