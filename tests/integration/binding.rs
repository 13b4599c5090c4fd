//! Account binding, invitations and the email outbox, through the real HTTP stack, moto's
//! SES and the dev IdP.

use std::sync::Arc;

use reqwest::Method;
use serde_json::{Value, json};
use shared::model::OutboxState;
use shared::tokens::{Audience, BindingClaims, PasswordSetupClaims};
use time::Duration;

use crate::saml_flow::{Stack, stack};

/// Every link in the emails moto accepted for `to`, newest email first.
async fn links_for(to: &str) -> Vec<String> {
    local::mail_viewer::emails()
        .await
        .into_iter()
        .filter(|m| m["to"] == to)
        .flat_map(|m| m["links"].as_array().cloned().unwrap_or_default())
        .filter_map(|l| l.as_str().map(str::to_owned))
        .collect()
}

fn bind_links(links: &[String]) -> Vec<String> {
    links
        .iter()
        .filter(|l| l.contains("/bind/"))
        .cloned()
        .collect()
}

async fn sweep(s: &Stack) {
    mailer::sweep(&s.env.app).await.unwrap();
}

async fn users(s: &Stack) -> Vec<Value> {
    let body: Value = s
        .admin(Method::GET, "/admin/users", None)
        .await
        .json()
        .await
        .unwrap();
    body["users"].as_array().unwrap().clone()
}

fn user_by_email<'a>(users: &'a [Value], email: &str) -> &'a Value {
    users.iter().find(|u| u["email"] == email).unwrap()
}

/// Follows a binding link through the dev IdP as `name_id`; the ACS's answer.
async fn bind_through(s: &Stack, link: &str, name_id: &str) -> reqwest::Response {
    let start = s.http.get(link).send().await.unwrap();
    assert_eq!(start.status(), 302, "{}", start.text().await.unwrap());
    let sso = start.headers()["location"].to_str().unwrap().to_owned();
    let page = s.through_idp(&sso, name_id).await;
    s.post_acs(&page).await
}

fn claims_of(s: &Stack, link: &str) -> BindingClaims {
    let token = link.rsplit('/').next().unwrap();
    s.env
        .app
        .jwt()
        .unwrap()
        .verify(token, Audience::Binding, s.env.app.now().unix_timestamp())
        .unwrap()
}

#[tokio::test]
async fn enable_email_link_idp_acs_bound_and_logged_in() {
    let s = stack().await;
    s.connect().await;
    sweep(&s).await;
    let email = format!("ada.lovelace1@{}.example.com", s.company);
    let links = bind_links(&links_for(&email).await);
    assert_eq!(links.len(), 1, "one binding email for {email}");
    let claims = claims_of(&s, &links[0]);
    assert_eq!(claims.exp - claims.iat, 72 * 3600);
    let listed = users(&s).await;
    assert_eq!(user_by_email(&listed, &email)["binding"], "pending");
    // The mail viewer shows it, as JSON and as a page with the link clickable.
    let mail: Value = s
        .http
        .get(format!("{}/dev/mail", s.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        mail.as_array()
            .unwrap()
            .iter()
            .any(|m| m["to"] == email && m["links"][0] == links[0].as_str())
    );
    let page = s
        .http
        .get(format!("{}/dev/mail", s.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("href=\"{}\"", links[0])));

    let done = bind_through(&s, &links[0], "ada@okta.example.com").await;
    assert_eq!(done.status(), 303);
    let session = s.session_of(&done);
    assert_eq!(session.email, email);
    assert_eq!(user_by_email(&users(&s).await, &email)["binding"], "bound");

    // The link works once.
    let again = s
        .http
        .get(&links[0])
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 410);
    assert_eq!(again.json::<Value>().await.unwrap()["code"], "binding_used");

    // From now on plain logins with that NameID work.
    let page = s.idp_initiated("ada@okta.example.com", &[]).await;
    assert_eq!(s.post_acs(&page).await.status(), 303);
}

#[tokio::test]
async fn links_expire_after_72_hours_by_the_clock_passed_in() {
    let s = stack().await;
    s.connect().await;
    sweep(&s).await;
    let email = format!("grace.hopper1@{}.example.com", s.company);
    let link = bind_links(&links_for(&email).await).remove(0);
    let token = link.rsplit('/').next().unwrap().to_owned();
    let claims = claims_of(&s, &link);
    let issued = time::OffsetDateTime::from_unix_timestamp(claims.iat).unwrap();
    assert_eq!(claims.exp, claims.iat + 72 * 3600);
    let mut later = (*s.env.app).clone();
    later.clock = Arc::new(move || issued + Duration::hours(72) - Duration::seconds(1));
    assert!(shared::binding::check_link(&later, &token).await.is_ok());
    later.clock = Arc::new(move || issued + Duration::hours(72));
    let err = shared::binding::check_link(&later, &token)
        .await
        .unwrap_err();
    assert_eq!(
        (err.status().as_u16(), err.code().as_str()),
        (410, "binding_expired")
    );
    // The users list says so too.
    let listed = sso_settings::handler(Arc::new(later), admin_request(&s)).await;
    let body: Value = serde_json::from_slice(listed.body().as_ref()).unwrap();
    let user = body["users"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == email)
        .unwrap()
        .clone();
    assert_eq!(user["binding"], "expired");
}

/// `GET /admin/users` as the gateway would hand it to the function.
fn admin_request(s: &Stack) -> lambda_http::Request {
    let spec = local::template::RouteSpec {
        method: "GET".into(),
        path: "/admin/users".into(),
        function: "sso-settings".into(),
    };
    let req = http::Request::builder()
        .uri("/admin/users")
        .header("authorization", format!("Bearer {}", s.admin_token))
        .body(lambda_http::Body::Empty)
        .unwrap();
    local::gateway::lambda_request(req, &spec, Default::default(), "test").unwrap()
}

#[tokio::test]
async fn a_resend_kills_the_old_link_at_once_and_the_new_one_works() {
    let s = stack().await;
    s.connect().await;
    sweep(&s).await;
    let email = format!("ada.lovelace1@{}.example.com", s.company);
    let old = bind_links(&links_for(&email).await).remove(0);
    let id = claims_of(&s, &old).sub;
    let resend = s
        .admin(Method::POST, &format!("/admin/users/{id}/binding"), None)
        .await;
    assert_eq!(resend.status(), 202);
    let dead = s
        .http
        .get(&old)
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        dead.status(),
        410,
        "the old link dies before the new email is even sent"
    );
    sweep(&s).await;
    let links = bind_links(&links_for(&email).await);
    assert_eq!(links.len(), 2);
    let new = links.iter().find(|l| **l != old).unwrap();
    assert_eq!(
        bind_through(&s, new, "ada2@okta.example.com")
            .await
            .status(),
        303
    );
    // Resending to a bound user is 409.
    let bound = s
        .admin(Method::POST, &format!("/admin/users/{id}/binding"), None)
        .await;
    assert_eq!(bound.status(), 409);
    assert_eq!(
        bound.json::<Value>().await.unwrap()["code"],
        "already_bound"
    );
}

#[tokio::test]
async fn one_identity_cannot_be_bound_to_two_accounts() {
    let s = stack().await;
    s.connect().await;
    sweep(&s).await;
    let first =
        bind_links(&links_for(&format!("ada.lovelace1@{}.example.com", s.company)).await).remove(0);
    let second =
        bind_links(&links_for(&format!("grace.hopper1@{}.example.com", s.company)).await).remove(0);
    assert_eq!(
        bind_through(&s, &first, "shared@okta.example.com")
            .await
            .status(),
        303
    );
    let refused = bind_through(&s, &second, "SHARED@okta.example.com").await;
    assert_eq!(refused.status(), 409);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("identity_already_bound")
    );
}

#[tokio::test]
async fn forged_or_malformed_links_are_400_binding_invalid() {
    let s = stack().await;
    for token in ["garbage", "a.b.c"] {
        let r = s
            .http
            .get(format!("{}/bind/{token}", s.base))
            .header("accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "binding_invalid");
    }
    let other = shared::tokens::JwtKeys::from_secret(&[9u8; 32]).unwrap();
    let now = s.env.app.now().unix_timestamp();
    let forged = other
        .sign(&BindingClaims {
            sub: "u".into(),
            org: s.company.clone(),
            jti: "j".into(),
            aud: "binding".into(),
            iat: now,
            exp: now + 60,
        })
        .unwrap();
    let r = s
        .http
        .get(format!("{}/bind/{forged}", s.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("binding_invalid"));
}

#[tokio::test]
async fn an_invited_user_links_through_the_same_flow() {
    let s = stack().await;
    s.connect().await;
    let email = format!("new.hire@{}.example.com", s.company);
    let created = s
        .admin(
            Method::POST,
            "/admin/invitations",
            Some(json!({"email": email, "name": "New Hire", "role": "meetings"})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        user_by_email(&users(&s).await, &email)["binding"],
        "pending"
    );
    sweep(&s).await;
    let link = bind_links(&links_for(&email).await).remove(0);
    let done = bind_through(&s, &link, "new.hire@okta.example.com").await;
    assert_eq!(done.status(), 303);
    assert_eq!(s.session_of(&done).sub, id);
    let dup = s
        .admin(
            Method::POST,
            "/admin/invitations",
            Some(json!({"email": email, "name": "Again", "role": "rep"})),
        )
        .await;
    assert_eq!(dup.status(), 409);
    let bad = s
        .admin(
            Method::POST,
            "/admin/invitations",
            Some(json!({"email": "x@y.com", "name": "X", "role": "Admin"})),
        )
        .await;
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn disabling_sends_password_emails_linking_to_the_app() {
    let s = stack().await;
    s.connect().await;
    sweep(&s).await;
    let email = format!("ada.lovelace1@{}.example.com", s.company);
    let link = bind_links(&links_for(&email).await).remove(0);
    assert_eq!(
        bind_through(&s, &link, "ada@okta.example.com")
            .await
            .status(),
        303
    );
    let disabled = s.admin(Method::POST, "/admin/sso/disable", None).await;
    assert_eq!(disabled.status(), 202);
    assert_eq!(disabled.json::<Value>().await.unwrap()["passwordEmails"], 3);
    sweep(&s).await;
    let links = links_for(&email).await;
    let setup = links
        .iter()
        .find(|l| l.starts_with("https://app.test/password/setup?token="))
        .expect("password link");
    let token = setup.split("token=").nth(1).unwrap();
    let claims: PasswordSetupClaims = s
        .env
        .app
        .jwt()
        .unwrap()
        .verify(
            token,
            Audience::PasswordSetup,
            s.env.app.now().unix_timestamp(),
        )
        .unwrap();
    assert_eq!(claims.email, email);
    assert_eq!(
        user_by_email(&users(&s).await, &email)["binding"],
        "none",
        "bindings cleared"
    );
}

#[tokio::test]
async fn when_ses_fails_records_stay_pending_and_a_later_sweep_sends_them() {
    let s = stack().await;
    s.connect().await;
    // The fan-out runs; SES is unreachable for this mailer.
    let dead_ses = {
        let config = s
            .env
            .app
            .ses()
            .unwrap()
            .config()
            .to_builder()
            .endpoint_url("http://127.0.0.1:9")
            .build();
        aws_sdk_sesv2::Client::from_conf(config)
    };
    let broken = (*s.env.app).clone().with_ses(dead_ses);
    mailer::sweep(&broken).await.unwrap();
    let pending = s
        .env
        .app
        .store
        .due_outbox(s.env.app.now().unix_timestamp() + 3600, 100)
        .await
        .unwrap();
    let ours: Vec<_> = pending
        .iter()
        .filter(|r| r.company_id.as_str() == s.company)
        .collect();
    assert_eq!(ours.len(), 3, "all three still pending");
    assert!(
        ours.iter()
            .all(|r| r.attempts == 1 && r.state == OutboxState::Pending && r.last_error.is_some())
    );
    let email = format!("ada.lovelace1@{}.example.com", s.company);
    assert!(links_for(&email).await.is_empty());

    // Not due yet: a sweep now leaves them alone; after the backoff they go out, once.
    mailer::sweep(&s.env.app).await.unwrap();
    assert!(links_for(&email).await.is_empty());
    let mut later = (*s.env.app).clone();
    let start = s.env.app.now();
    later.clock = Arc::new(move || start + Duration::minutes(2));
    mailer::sweep(&later).await.unwrap();
    mailer::sweep(&later).await.unwrap();
    assert_eq!(bind_links(&links_for(&email).await).len(), 1);
}
