//! Admin routes: who may call them.

use shared::tokens::AdminClaims;

use crate::harness::TestEnv;

fn claims(env: &TestEnv, sub: &str, org: &str, aud: &str, role: &str, exp_in: i64) -> AdminClaims {
    let now = env.app.now().unix_timestamp();
    AdminClaims {
        sub: sub.into(),
        org: org.into(),
        role: role.into(),
        aud: aud.into(),
        iat: now,
        exp: now + exp_in,
    }
}

#[tokio::test]
async fn a_valid_admin_token_reads_the_sso_settings() {
    let env = TestEnv::new().await;
    let org = env.seed_org(1).await;
    let response = env.admin("GET", "/admin/sso", &org.admin_token).await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["companyId"], org.company_id);
}

#[tokio::test]
async fn no_token_is_401_problem_json() {
    let env = TestEnv::new().await;
    let response = env.request("GET", "/admin/sso", &[], None).await;
    assert_eq!(response.status, 401);
    assert_eq!(response.content_type(), "application/problem+json");
    assert_eq!(response.json()["code"], "unauthorized");
}

#[tokio::test]
async fn a_browser_without_a_token_gets_an_html_page() {
    let env = TestEnv::new().await;
    let response = env
        .request("GET", "/admin/sso", &[("accept", "text/html")], None)
        .await;
    assert_eq!(response.status, 401);
    assert!(response.content_type().starts_with("text/html"));
    assert!(response.body.contains("unauthorized"));
}

#[tokio::test]
async fn an_expired_token_is_401() {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    let admin = &org.users[0].id;
    let token = env
        .app
        .jwt()
        .unwrap()
        .sign(&claims(&env, admin, &org.company_id, "admin", "admin", -1))
        .unwrap();
    assert_eq!(env.admin("GET", "/admin/sso", &token).await.status, 401);
}

#[tokio::test]
async fn a_token_for_another_audience_is_401() {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    let admin = &org.users[0].id;
    let token = env
        .app
        .jwt()
        .unwrap()
        .sign(&claims(
            &env,
            admin,
            &org.company_id,
            "session",
            "admin",
            600,
        ))
        .unwrap();
    assert_eq!(env.admin("GET", "/admin/sso", &token).await.status, 401);
}

#[tokio::test]
async fn a_tampered_signature_is_401() {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    let mut token = org.admin_token.clone();
    let last = token.pop().unwrap();
    token.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(env.admin("GET", "/admin/sso", &token).await.status, 401);
    // A payload swapped in under the original signature is refused too.
    let other = env.seed_org(0).await;
    let parts: Vec<&str> = org.admin_token.split('.').collect();
    let other_parts: Vec<&str> = other.admin_token.split('.').collect();
    let spliced = format!("{}.{}.{}", parts[0], other_parts[1], parts[2]);
    assert_eq!(env.admin("GET", "/admin/sso", &spliced).await.status, 401);
}

#[tokio::test]
async fn another_orgs_token_is_403() {
    let env = TestEnv::new().await;
    let mine = env.seed_org(0).await;
    let theirs = env.seed_org(0).await;
    // Admin of `theirs`, claiming `mine`.
    let token = env
        .app
        .jwt()
        .unwrap()
        .sign(&claims(
            &env,
            &theirs.users[0].id,
            &mine.company_id,
            "admin",
            "admin",
            600,
        ))
        .unwrap();
    let response = env.admin("GET", "/admin/sso", &token).await;
    assert_eq!(response.status, 403);
    assert_eq!(response.json()["code"], "wrong_org");
}

#[tokio::test]
async fn a_token_for_an_org_that_does_not_exist_is_403() {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    let token = env
        .app
        .jwt()
        .unwrap()
        .sign(&claims(
            &env,
            &org.users[0].id,
            "no-such-org",
            "admin",
            "admin",
            600,
        ))
        .unwrap();
    assert_eq!(env.admin("GET", "/admin/sso", &token).await.status, 403);
}

#[tokio::test]
async fn a_non_admin_is_403() {
    let env = TestEnv::new().await;
    let org = env.seed_org(1).await;
    let rep = &org.users[1].id;
    // Role claim says rep.
    let token = env
        .app
        .jwt()
        .unwrap()
        .sign(&claims(&env, rep, &org.company_id, "admin", "rep", 600))
        .unwrap();
    let response = env.admin("GET", "/admin/sso", &token).await;
    assert_eq!(response.status, 403);
    assert_eq!(response.json()["code"], "not_admin");
    // Role claim says admin, but the user is a rep.
    let token = env
        .app
        .jwt()
        .unwrap()
        .sign(&claims(&env, rep, &org.company_id, "admin", "admin", 600))
        .unwrap();
    let response = env.admin("GET", "/admin/sso", &token).await;
    assert_eq!(response.status, 403);
    assert_eq!(response.json()["code"], "not_admin");
}

#[tokio::test]
async fn expiry_is_judged_by_the_clock_passed_in() {
    let now = time::macros::datetime!(2030-01-01 12:00 UTC);
    let env = TestEnv::at(now).await;
    let org = env.seed_org(0).await;
    let admin = &org.users[0].id;
    let live = env
        .app
        .jwt()
        .unwrap()
        .sign(&claims(&env, admin, &org.company_id, "admin", "admin", 1))
        .unwrap();
    assert_eq!(env.admin("GET", "/admin/sso", &live).await.status, 200);
    let at_exp = env
        .app
        .jwt()
        .unwrap()
        .sign(&claims(&env, admin, &org.company_id, "admin", "admin", 0))
        .unwrap();
    assert_eq!(env.admin("GET", "/admin/sso", &at_exp).await.status, 401);
}
