//! The foundation: config, the SSO settings view, SCIM token rotation, users, uniqueness.

use futures_util::future::join_all;
use shared::model::AuditEvent;
use shared::tokens::hash_scim_token;
use shared::types::{CompanyId, Role, UserId};

use crate::harness::TestEnv;

#[test]
fn a_missing_config_variable_stops_start_up_naming_it() {
    let err = shared::Config::from_lookup(|name| match name {
        "TABLE_NAME" => Some("t".into()),
        "PUBLIC_BASE_URL" => Some("https://sso.test".into()),
        "APP_URL" => Some("https://app.test".into()),
        "MAIL_FROM" => Some("app@qualified.com".into()),
        _ => None,
    })
    .unwrap_err();
    assert_eq!(err.to_string(), "missing environment variable SECRET_ID");
}

#[tokio::test]
async fn the_sso_view_matches_the_contract() {
    let env = TestEnv::new().await;
    let org = env.seed_org(2).await;
    let body = env
        .admin("GET", "/admin/sso", &org.admin_token)
        .await
        .json();
    let c = &org.company_id;
    assert_eq!(body["status"], "unconfigured");
    assert_eq!(body["sp"]["entityId"], format!("https://sso.test/saml/{c}"));
    assert_eq!(
        body["sp"]["acsUrl"],
        format!("https://sso.test/saml/{c}/acs")
    );
    assert_eq!(
        body["sp"]["metadataUrl"],
        format!("https://sso.test/saml/{c}/metadata")
    );
    assert!(body["idp"].is_null());
    assert_eq!(body["scim"]["enabled"], false);
    assert_eq!(body["scim"]["baseUrl"], "https://sso.test/scim/v2");
}

#[tokio::test]
async fn rotating_the_scim_token_invalidates_the_old_one_at_once() {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    let company = CompanyId::parse(&org.company_id).unwrap();

    let first = env
        .admin("POST", "/admin/scim/token", &org.admin_token)
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let first = first.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(
        env.app
            .store
            .org_for_scim_token(&hash_scim_token(&first))
            .await
            .unwrap(),
        Some(company.clone())
    );
    let view = env
        .admin("GET", "/admin/sso", &org.admin_token)
        .await
        .json();
    assert_eq!(view["scim"]["enabled"], true);

    let second = env
        .admin("POST", "/admin/scim/token", &org.admin_token)
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(
        env.app
            .store
            .org_for_scim_token(&hash_scim_token(&first))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        env.app
            .store
            .org_for_scim_token(&hash_scim_token(&second))
            .await
            .unwrap(),
        Some(company.clone())
    );

    let off = env
        .admin("DELETE", "/admin/scim/token", &org.admin_token)
        .await;
    assert_eq!(off.status, 204);
    assert_eq!(
        env.app
            .store
            .org_for_scim_token(&hash_scim_token(&second))
            .await
            .unwrap(),
        None
    );
    let view = env
        .admin("GET", "/admin/sso", &org.admin_token)
        .await
        .json();
    assert_eq!(view["scim"]["enabled"], false);
}

#[tokio::test]
async fn the_plaintext_scim_token_is_never_stored() {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    let token = env
        .admin("POST", "/admin/scim/token", &org.admin_token)
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let scan = env
        .clients
        .dynamodb
        .scan()
        .table_name(env.app.store.table())
        .send()
        .await
        .unwrap();
    let dump = format!("{:?}", scan.items());
    assert!(!dump.contains(&token));
    assert!(dump.contains(&hash_scim_token(&token)));
}

#[tokio::test]
async fn the_users_list_shows_every_user_with_its_binding_state() {
    let env = TestEnv::new().await;
    let org = env.seed_org(4).await;
    let response = env.admin("GET", "/admin/users", &org.admin_token).await;
    assert_eq!(response.status, 200);
    let body = response.json();
    let users = body["users"].as_array().unwrap();
    assert_eq!(users.len(), 5);
    assert!(users.iter().all(|u| u["binding"] == "none"));
    let emails: Vec<&str> = users.iter().map(|u| u["email"].as_str().unwrap()).collect();
    for seeded in &org.users {
        assert!(emails.contains(&seeded.email.as_str()));
    }
}

#[tokio::test]
async fn concurrent_creates_of_one_user_name_leave_exactly_one() {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    let company = CompanyId::parse(&org.company_id).unwrap();
    let now = env.app.timestamp();
    let attempts = (0..10).map(|i| {
        let email = if i % 2 == 0 {
            "Jane@Race.example.com"
        } else {
            "jane@race.example.com"
        };
        let user = local::seed::app_user(
            &company,
            UserId::generate(&mut rand::rng()),
            email,
            ("Jane", "Race"),
            Role::Rep,
            now,
        )
        .unwrap();
        let event = AuditEvent::new(
            format!("e{i}"),
            now,
            "test",
            "user.created",
            user.id.as_str(),
        );
        let store = env.app.store.clone();
        async move { store.create_user(&user, &event, None).await }
    });
    let results = join_all(attempts).await;
    let created = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(created, 1, "{results:?}");
    for err in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(err.code(), "uniqueness");
    }
    let users = env.app.store.list_users(&company).await.unwrap();
    assert_eq!(
        users
            .iter()
            .filter(|u| u.user_name.key() == shared::identity::key("jane@race.example.com"))
            .count(),
        1
    );
}
