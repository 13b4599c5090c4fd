//! SCIM as every real client sends it: queries encoded each client's way, and Microsoft
//! Entra ID's provisioning service with the requests its documentation shows.

use serde_json::{Value, json};

use crate::harness::TestEnv;

async fn setup() -> (TestEnv, String) {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    let token = env.scim_token(&org).await;
    (env, token)
}

async fn create(env: &TestEnv, token: &str, body: &Value) -> Value {
    let response = env.scim("POST", "/Users", token, Some(body)).await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json()
}

async fn total(env: &TestEnv, token: &str, path: &str) -> Value {
    let response = env.scim("GET", path, token, None).await;
    assert_eq!(response.status, 200, "{path}: {}", response.body);
    response.json()["totalResults"].clone()
}

fn okta_user(user_name: &str, external_id: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "externalId": external_id,
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "active": true
    })
}

/// One filter, as `%20` clients (curl, Okta), `+` clients (Python's requests, Java's
/// URLEncoder, Entra ID) and a mix of both send it.
#[tokio::test]
async fn the_same_filter_matches_with_percent_twenty_with_plus_and_mixed() {
    let (env, token) = setup().await;
    let user = create(&env, &token, &okta_user("jane@x.com", "00u-jane")).await;
    let filters = [
        ("userName", "jane%40x.com"),
        ("externalId", "00u-jane"),
        ("emails.value", "jane%40x.com"),
    ];
    for (attr, value) in filters {
        for path in [
            format!("/Users?filter={attr}%20eq%20%22{value}%22"),
            format!("/Users?filter={attr}+eq+%22{value}%22"),
            format!("/Users?filter={attr}+eq%20%22{value}%22&startIndex=1&count=100"),
            format!("/Users?count=10&filter={attr}%20eq+%22{value}%22"),
        ] {
            let body = env.scim("GET", &path, &token, None).await;
            assert_eq!(body.status, 200, "{path}: {}", body.body);
            let body = body.json();
            assert_eq!(body["totalResults"], 1, "{path}");
            assert_eq!(body["Resources"][0]["id"], user["id"], "{path}");
        }
    }
}

/// A literal plus arrives as `%2B`; a `+` in the query is a space (form-urlencoded), so a
/// userName holding a plus is found only by `%2B`, whatever else the query holds.
#[tokio::test]
async fn a_user_name_holding_a_plus_is_found_by_percent_2b_and_a_bare_plus_is_a_space() {
    let (env, token) = setup().await;
    let user = create(&env, &token, &okta_user("jane+sso@x.com", "00u+1")).await;
    for path in [
        "/Users?filter=userName%20eq%20%22jane%2Bsso%40x.com%22",
        "/Users?filter=userName+eq+%22jane%2Bsso%40x.com%22",
        "/Users?filter=userName+eq+%22JANE%2BSSO@X.COM%22",
        "/Users?filter=externalId+eq+%2200u%2B1%22",
    ] {
        let body = env.scim("GET", path, &token, None).await.json();
        assert_eq!(body["totalResults"], 1, "{path}");
        assert_eq!(body["Resources"][0]["id"], user["id"], "{path}");
    }
    for path in [
        "/Users?filter=userName+eq+%22jane+sso%40x.com%22",
        "/Users?filter=externalId%20eq%20%2200u+1%22",
    ] {
        assert_eq!(total(&env, &token, path).await, 0, "{path}");
    }
}

/// Paging parameters and projections are read the same way: `+`-encoded spaces around
/// list separators, and a flag parameter without a value (Entra's `?aadOptscim062020`).
#[tokio::test]
async fn every_query_parameter_is_form_decoded_and_a_bare_flag_is_harmless() {
    let (env, token) = setup().await;
    create(&env, &token, &okta_user("a@x.com", "1")).await;
    let body = env
        .scim(
            "GET",
            "/Users?aadOptscim062020&filter=userName+eq+%22a%40x.com%22&attributes=userName,+emails",
            &token,
            None,
        )
        .await
        .json();
    assert_eq!(body["totalResults"], 1);
    let resource = &body["Resources"][0];
    assert_eq!(resource["userName"], "a@x.com");
    assert!(resource.get("name").is_none(), "{resource}");
    assert!(resource.get("emails").is_some(), "{resource}");
    let page = env
        .scim("GET", "/Users?startIndex=+1&count=1+", &token, None)
        .await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert_eq!(page.json()["itemsPerPage"], 1);
}
