//! The session handoff to the app (CONTRACT.md "Session handoff to the app"): the default
//! cookie, `SESSION_COOKIE_DOMAIN`, and `SESSION_HANDOFF=code` with `POST /session/exchange`.

use serde_json::{Value, json};
use shared::model::SessionGrant;
use shared::tokens::Audience;

use crate::saml_flow::{Stack, stack, stack_with};

/// The app client secret the local stack put in the secret.
async fn client_secret(s: &Stack) -> String {
    let out = s
        .env
        .clients
        .secrets
        .get_secret_value()
        .secret_id(&s.env.app.config.secret_id)
        .send()
        .await
        .unwrap();
    let doc: Value = serde_json::from_str(out.secret_string().unwrap()).unwrap();
    doc["appClientSecret"].as_str().unwrap().to_owned()
}

async fn exchange(s: &Stack, secret: Option<&str>, body: Value) -> reqwest::Response {
    let mut req = s
        .http
        .post(format!("{}/session/exchange", s.base))
        .header("accept", "application/json")
        .json(&body);
    if let Some(secret) = secret {
        req = req.bearer_auth(secret);
    }
    req.send().await.unwrap()
}

/// The code and relay of a `303` to `APP_URL/sso/callback`.
fn callback(response: &reqwest::Response) -> (String, String) {
    let location = response.headers()["location"].to_str().unwrap();
    let url = url::Url::parse(location).unwrap();
    assert_eq!(
        url.as_str().split('?').next(),
        Some("https://app.test/sso/callback")
    );
    let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    (query["code"].clone(), query["relay"].clone())
}

async fn scim_login(s: &Stack, relay: &str) -> reqwest::Response {
    s.connect().await;
    s.scim_user("code.user@x.com").await;
    let start = s
        .http
        .get(format!("{}/saml/{}/login?relay={relay}", s.base, s.company))
        .send()
        .await
        .unwrap();
    let sso = start.headers()["location"].to_str().unwrap().to_owned();
    let page = s.through_idp(&sso, "code.user@x.com").await;
    s.post_acs(&page).await
}

#[tokio::test]
async fn by_code_the_app_gets_a_one_use_code_and_its_server_the_session() {
    let s = stack_with(&[("SESSION_HANDOFF", "code")]).await;
    let done = scim_login(&s, "/deals/42").await;
    assert_eq!(done.status(), 303);
    assert!(
        done.headers().get("set-cookie").is_none(),
        "no cookie by code"
    );
    let (code, relay) = callback(&done);
    assert_eq!(relay, "/deals/42");
    assert!(code.len() >= 43, "256 bits: {code}");
    let secret = client_secret(&s).await;
    let answer = exchange(&s, Some(&secret), json!({ "code": code })).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["cache-control"], "no-store");
    let body: Value = answer.json().await.unwrap();
    assert_eq!(body["user"]["email"], "code.user@x.com");
    assert_eq!(body["user"]["role"], "meetings");
    assert_eq!(body["user"]["companyId"], s.company.as_str());
    let claims: shared::tokens::SessionClaims = s
        .env
        .app
        .jwt()
        .unwrap()
        .verify(
            body["session"].as_str().unwrap(),
            Audience::Session,
            s.env.app.now().unix_timestamp(),
        )
        .unwrap();
    assert_eq!(claims.email, "code.user@x.com");
    assert_eq!(claims.amr, vec!["saml".to_owned()]);
    // Used: the same code again is refused, with the one code for every bad code.
    let again = exchange(&s, Some(&secret), json!({ "code": code })).await;
    assert_eq!(again.status(), 400);
    let problem: Value = again.json().await.unwrap();
    assert_eq!(problem["code"], "invalid_grant");
}

#[tokio::test]
async fn unknown_expired_and_raced_codes_are_invalid_grant_and_a_wrong_secret_is_401() {
    let s = stack_with(&[("SESSION_HANDOFF", "code")]).await;
    let done = scim_login(&s, "/").await;
    let (code, _) = callback(&done);
    let secret = client_secret(&s).await;
    for (presented, status) in [
        (None, 401),
        (Some("wrong"), 401),
        (Some(&secret[..secret.len() - 1]), 401),
    ] {
        let r = exchange(&s, presented, json!({ "code": code })).await;
        assert_eq!(r.status(), status, "{presented:?}");
    }
    for body in [
        json!({"code": "nope"}),
        json!({}),
        json!({"code": 7}),
        json!("x"),
    ] {
        let r = exchange(&s, Some(&secret), body.clone()).await;
        assert_eq!(r.status(), 400, "{body}");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], "invalid_grant");
    }
    // The wrong secrets did not burn the code; exchanges at once: never two winners.
    // (Exactly one, unless the SDK retried a delete whose answer it lost under load: then
    // the code is spent and all are refused, the safe side.)
    let racers = futures_util::future::join_all(
        (0..8).map(|_| exchange(&s, Some(&secret), json!({ "code": code }))),
    )
    .await;
    let winners = racers.iter().filter(|r| r.status() == 200).count();
    let refused = racers.iter().filter(|r| r.status() == 400).count();
    assert!(
        winners <= 1 && winners + refused == 8,
        "{winners} won, {refused} refused"
    );
    // A grant past its 60 seconds, still in the table (TTL deletes late), is refused.
    let user = s.scim_user("late@x.com").await;
    let expired = SessionGrant {
        user_id: shared::types::UserId::parse(&user).unwrap(),
        company_id: shared::types::CompanyId::parse(&s.company).unwrap(),
        email: "late@x.com".into(),
        role: shared::types::Role::Rep,
        expires_at: s.env.app.now().unix_timestamp() - 1,
    };
    let hash = shared::tokens::hash_scim_token("expired-code");
    s.env
        .app
        .store
        .put_session_code(&hash, &expired)
        .await
        .unwrap();
    let r = exchange(&s, Some(&secret), json!({ "code": "expired-code" })).await;
    assert_eq!(r.status(), 400);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "invalid_grant");
}

#[tokio::test]
async fn by_cookie_the_session_cookie_carries_the_configured_domain() {
    let plain = stack().await;
    let done = scim_login(&plain, "/").await;
    let cookie = done.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(!cookie.contains("Domain="), "{cookie}");
    plain.session_of(&done);
    let sibling = stack_with(&[("SESSION_COOKIE_DOMAIN", "example.com")]).await;
    let done = scim_login(&sibling, "/").await;
    assert_eq!(done.status(), 303);
    let cookie = done.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.ends_with("; Domain=example.com"), "{cookie}");
    let exchange_off = exchange(&sibling, Some("x"), json!({"code": "y"})).await;
    assert_eq!(exchange_off.status(), 401);
}
