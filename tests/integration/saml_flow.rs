//! The whole SAML flow through the local gateway over real HTTP: ingest the dev IdP's
//! metadata by URL, verify, enable, log in (SP- and IdP-initiated), see the session cookie;
//! and the ACS's refusals that need the database (unknown and reused requests, replay,
//! SSO off, unbound and inactive users).

use std::sync::Arc;

use reqwest::redirect::Policy;
use serde_json::{Value, json};
use shared::tokens::{Audience, SessionClaims};

use crate::harness::TestEnv;

pub(crate) struct Stack {
    pub(crate) env: Arc<TestEnv>,
    pub(crate) base: String,
    pub(crate) http: reqwest::Client,
    pub(crate) company: String,
    pub(crate) admin_token: String,
}

pub(crate) async fn stack() -> Stack {
    stack_with(&[]).await
}

/// The local stack with these environment variables on top of its defaults.
pub(crate) async fn stack_with(vars: &[(&'static str, &str)]) -> Stack {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let env = TestEnv::local_with(&base, vars).await;
    let (router, app) = (Arc::clone(&env.router), Arc::clone(&env.app));
    tokio::spawn(local::server::serve(
        listener,
        router,
        app,
        std::future::pending(),
    ));
    let org = env.seed_org(2).await;
    let http = reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap();
    Stack {
        env: Arc::new(env),
        base,
        http,
        company: org.company_id,
        admin_token: org.admin_token,
    }
}

impl Stack {
    /// Another org in the same table, behind the same gateway and dev IdP.
    pub(crate) async fn another_org(&self) -> Stack {
        let org = self.env.seed_org(2).await;
        Stack {
            env: Arc::clone(&self.env),
            base: self.base.clone(),
            http: self.http.clone(),
            company: org.company_id,
            admin_token: org.admin_token,
        }
    }

    pub(crate) async fn admin(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Response {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.admin_token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        req.send().await.unwrap()
    }

    /// Ingest the dev IdP by URL, run the test login, enable SSO.
    pub(crate) async fn connect(&self) {
        let url = format!("{}/dev/idp/metadata", self.base);
        let put = self
            .admin(
                reqwest::Method::PUT,
                "/admin/sso/idp",
                Some(json!({ "metadataUrl": url })),
            )
            .await;
        assert_eq!(put.status(), 200, "{}", put.text().await.unwrap());
        let verify: Value = self
            .admin(reqwest::Method::POST, "/admin/sso/verify", None)
            .await
            .json()
            .await
            .unwrap();
        let login_url = verify["loginUrl"].as_str().unwrap().to_owned();
        let admin_email = format!("admin@{}.example.com", self.company);
        let page = self.through_idp(&login_url, &admin_email).await;
        let done = self.post_acs(&page).await;
        assert_eq!(done.status(), 200);
        assert!(
            done.text()
                .await
                .unwrap()
                .contains("Configuration verified")
        );
        let view: Value = self
            .admin(reqwest::Method::GET, "/admin/sso", None)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(view["status"], "verified");
        let enable = self
            .admin(reqwest::Method::POST, "/admin/sso/enable", None)
            .await;
        assert_eq!(enable.status(), 202);
    }

    /// At the dev IdP's SSO URL (from an SP redirect): pick `name_id`; returns the auto-post page.
    pub(crate) async fn through_idp(&self, sso_url: &str, name_id: &str) -> String {
        let page = self
            .http
            .get(sso_url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Dev IdP"), "{page}");
        let field = |name: &str| hidden(&page, name);
        self.respond(&[
            ("name_id", name_id),
            ("acs_url", &field("acs_url")),
            ("audience", &field("audience")),
            ("in_response_to", &field("in_response_to")),
            ("relay_state", &field("relay_state")),
        ])
        .await
    }

    pub(crate) async fn respond(&self, form: &[(&str, &str)]) -> String {
        let response = self
            .http
            .post(format!("{}/dev/idp/respond", self.base))
            .form(form)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        response.text().await.unwrap()
    }

    /// An IdP-initiated login from the dev IdP's start page for this org, answered as
    /// `name_id` (plus `extra` form fields); returns the auto-post page.
    pub(crate) async fn idp_initiated(&self, name_id: &str, extra: &[(&str, &str)]) -> String {
        let start_url = format!("{}/dev/idp/start?companyId={}", self.base, self.company);
        let start = self
            .http
            .get(start_url)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let (acs, audience) = (hidden(&start, "acs_url"), hidden(&start, "audience"));
        let mut form = vec![
            ("name_id", name_id),
            ("acs_url", acs.as_str()),
            ("audience", audience.as_str()),
        ];
        form.extend_from_slice(extra);
        self.respond(&form).await
    }

    /// What the browser's auto-submitting form does.
    pub(crate) async fn post_acs(&self, auto_post: &str) -> reqwest::Response {
        let action = attr_after(auto_post, "action=\"");
        let mut form = vec![("SAMLResponse", hidden(auto_post, "SAMLResponse"))];
        if auto_post.contains("name=\"RelayState\"") {
            form.push(("RelayState", hidden(auto_post, "RelayState")));
        }
        self.http
            .post(action)
            .header("accept", "text/html")
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    pub(crate) fn session_of(&self, response: &reqwest::Response) -> SessionClaims {
        let cookie = response
            .headers()
            .get("set-cookie")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            cookie.contains("HttpOnly")
                && cookie.contains("SameSite=Lax")
                && cookie.contains("Path=/"),
            "{cookie}"
        );
        assert!(
            !cookie.contains("Secure"),
            "plain-http base drops Secure: {cookie}"
        );
        let token = cookie
            .trim_start_matches("session=")
            .split(';')
            .next()
            .unwrap();
        self.env
            .app
            .jwt()
            .unwrap()
            .verify(
                token,
                Audience::Session,
                self.env.app.now().unix_timestamp(),
            )
            .unwrap()
    }

    pub(crate) async fn scim_user(&self, user_name: &str) -> String {
        let token: Value = self
            .admin(reqwest::Method::POST, "/admin/scim/token", None)
            .await
            .json()
            .await
            .unwrap();
        let body = json!({"userName": user_name, "emails": [{"value": user_name, "primary": true}], "role": "meetings"});
        let created: Value = self
            .http
            .post(format!("{}/scim/v2/Users", self.base))
            .bearer_auth(token["token"].as_str().unwrap())
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        created["id"].as_str().unwrap().to_owned()
    }
}

/// The `value` of a hidden input named `name` (HTML-unescaped).
pub(crate) fn hidden(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let Some(start) = page.find(&marker) else {
        return String::new();
    };
    let rest = &page[start + marker.len()..];
    let value = &rest[..rest.find('"').unwrap()];
    value
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn attr_after(page: &str, marker: &str) -> String {
    let start = page.find(marker).unwrap() + marker.len();
    let rest = &page[start..];
    rest[..rest.find('"').unwrap()].replace("&amp;", "&")
}

#[tokio::test]
async fn the_whole_flow_ingest_verify_enable_and_log_in_both_ways() {
    let s = stack().await;
    s.connect().await;
    let user_name = format!("scim.user@{}.example.com", s.company);
    let id = s.scim_user(&user_name).await;

    // SP-initiated, with a relay path.
    let start = s
        .http
        .get(format!(
            "{}/saml/{}/login?relay=/dashboard",
            s.base, s.company
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(start.status(), 302);
    let sso_url = start.headers()["location"].to_str().unwrap().to_owned();
    assert!(sso_url.starts_with(&format!("{}/dev/idp/sso?SAMLRequest=", s.base)));
    let page = s.through_idp(&sso_url, &user_name).await;
    let done = s.post_acs(&page).await;
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "https://app.test/dashboard");
    let claims = s.session_of(&done);
    assert_eq!(
        (
            claims.sub.as_str(),
            claims.org.as_str(),
            claims.role.as_str()
        ),
        (id.as_str(), s.company.as_str(), "meetings")
    );
    assert_eq!(claims.amr, vec!["saml".to_owned()]);
    assert_eq!(claims.aud, "session");

    // Replaying the same response fails: its request is used and its ID seen.
    let replay = s.post_acs(&page).await;
    assert_eq!(replay.status(), 403);
    assert!(
        replay
            .text()
            .await
            .unwrap()
            .contains("saml_unknown_request")
    );

    // IdP-initiated (no InResponseTo), from the dev IdP's own start page.
    let page = s
        .idp_initiated(&user_name, &[("relay_state", "/reports")])
        .await;
    let done = s.post_acs(&page).await;
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "https://app.test/reports");
    assert_eq!(s.session_of(&done).sub, id);
    let again = s.post_acs(&page).await;
    assert_eq!(again.status(), 403);
    assert!(again.text().await.unwrap().contains("saml_replay"));
}

#[tokio::test]
async fn an_existing_user_not_yet_bound_is_403_user_not_bound_with_a_helpful_page() {
    let s = stack().await;
    s.connect().await;
    let existing = format!("admin@{}.example.com", s.company);
    let page = s.idp_initiated(&existing, &[]).await;
    let response = s.post_acs(&page).await;
    assert_eq!(response.status(), 403);
    let text = response.text().await.unwrap();
    assert!(
        text.contains("user_not_bound")
            && text.contains("binding email")
            && text.contains("Correlation id")
    );
    assert!(
        !text.contains("Assertion") && !text.contains("<saml"),
        "no XML shown"
    );
}

#[tokio::test]
async fn an_inactive_user_is_403_user_inactive() {
    let s = stack().await;
    s.connect().await;
    let user_name = format!("leaver@{}.example.com", s.company);
    let id = s.scim_user(&user_name).await;
    let token: Value = s
        .admin(reqwest::Method::POST, "/admin/scim/token", None)
        .await
        .json()
        .await
        .unwrap();
    let patch = json!({"Operations": [{"op": "replace", "value": {"active": false}}]});
    let r = s
        .http
        .patch(format!("{}/scim/v2/Users/{id}", s.base))
        .bearer_auth(token["token"].as_str().unwrap())
        .json(&patch)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let page = s.idp_initiated(&user_name, &[]).await;
    let response = s.post_acs(&page).await;
    assert_eq!(response.status(), 403);
    assert!(response.text().await.unwrap().contains("user_inactive"));
}

#[tokio::test]
async fn logins_before_sso_is_enabled_are_refused() {
    let s = stack().await;
    let url = format!("{}/dev/idp/metadata", s.base);
    assert_eq!(
        s.admin(
            reqwest::Method::PUT,
            "/admin/sso/idp",
            Some(json!({ "metadataUrl": url }))
        )
        .await
        .status(),
        200
    );
    let start = s
        .http
        .get(format!("{}/saml/{}/login", s.base, s.company))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    // One code, one status: `sso_not_enabled` is 409 wherever it is answered (CONTRACT
    // gives it 409 for resends; the org's state, not the caller, is what conflicts).
    assert_eq!(start.status(), 409);
    let body: Value = start.json().await.unwrap();
    assert_eq!(body["code"], "sso_not_enabled");
    let name = format!("admin@{}.example.com", s.company);
    let page = s.idp_initiated(&name, &[]).await;
    let response = s.post_acs(&page).await;
    assert_eq!(response.status(), 409);
    assert!(response.text().await.unwrap().contains("sso_not_enabled"));
}

#[tokio::test]
async fn an_in_response_to_that_names_no_stored_request_is_refused() {
    let s = stack().await;
    s.connect().await;
    let name = format!("admin@{}.example.com", s.company);
    let page = s
        .idp_initiated(&name, &[("in_response_to", "_never_issued")])
        .await;
    let response = s.post_acs(&page).await;
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("saml_unknown_request")
    );
}

#[tokio::test]
async fn sp_metadata_names_the_entity_id_and_acs() {
    let s = stack().await;
    let xml = s
        .http
        .get(format!("{}/saml/{}/metadata", s.base, s.company))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(xml.contains(&format!("entityID=\"{}/saml/{}\"", s.base, s.company)));
    assert!(xml.contains(&format!("Location=\"{}/saml/{}/acs\"", s.base, s.company)));
    assert!(xml.contains("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"));
}

#[tokio::test]
async fn an_oversize_or_garbage_form_is_refused_cleanly() {
    let s = stack().await;
    s.connect().await;
    let acs = format!("{}/saml/{}/acs", s.base, s.company);
    let big = "A".repeat(300 * 1024);
    let r = s
        .http
        .post(&acs)
        .header("accept", "application/json")
        .form(&[("SAMLResponse", big.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let r = s
        .http
        .post(&acs)
        .header("accept", "application/json")
        .form(&[("SAMLResponse", "%%%not base64")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = s
        .http
        .post(&acs)
        .header("accept", "application/json")
        .form(&[("RelayState", "/x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn an_expired_request_and_another_orgs_request_are_refused() {
    use shared::model::{AuthnRequest, Purpose};
    use shared::types::CompanyId;
    let s = stack().await;
    s.connect().await;
    let now = s.env.app.now().unix_timestamp();
    let org = CompanyId::parse(&s.company).unwrap();
    let other = CompanyId::parse("some-other-org").unwrap();
    for (id, company, expires_at, code) in [
        (
            "_expired_request",
            org.clone(),
            now - 1,
            "saml_request_expired",
        ),
        (
            "_other_org_request",
            other,
            now + 600,
            "saml_unknown_request",
        ),
    ] {
        let record = AuthnRequest {
            id: id.into(),
            company_id: company,
            purpose: Purpose::Login,
            relay: None,
            expires_at,
        };
        s.env.app.store.put_authn_request(&record).await.unwrap();
        let name = format!("admin@{}.example.com", s.company);
        let page = s.idp_initiated(&name, &[("in_response_to", id)]).await;
        let response = s.post_acs(&page).await;
        assert_eq!(response.status(), 403, "{code}");
        assert!(response.text().await.unwrap().contains(code), "{code}");
    }
}
