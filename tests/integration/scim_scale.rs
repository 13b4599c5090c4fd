//! SCIM for large orgs: an exact `totalResults` without reading the org, pages that read
//! what they return, and `400 tooMany` for filters no key can answer past the cap.

use serde_json::{Value, json};

use crate::harness::TestEnv;

fn user(user_name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "active": true
    })
}

async fn create(env: &TestEnv, token: &str, user_name: &str) -> String {
    let response = env
        .scim("POST", "/Users", token, Some(&user(user_name)))
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json()["id"].as_str().unwrap().to_owned()
}

async fn page(env: &TestEnv, token: &str, start: usize, count: usize) -> Value {
    let path = format!("/Users?startIndex={start}&count={count}");
    let response = env.scim("GET", &path, token, None).await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()
}

/// Creates, deletes, a refused duplicate and concurrent creates each leave `totalResults`
/// exact (the org's seeded admin counts as one).
#[tokio::test]
async fn total_results_stay_exact_through_creates_deletes_and_refusals() {
    let env = TestEnv::new().await;
    let org = env.seed_org(2).await;
    let token = env.scim_token(&org).await;
    assert_eq!(page(&env, &token, 1, 2).await["totalResults"], 3);
    let a = create(&env, &token, "a@x.com").await;
    create(&env, &token, "b@x.com").await;
    let again = env
        .scim("POST", "/Users", &token, Some(&user("A@x.com")))
        .await;
    assert_eq!(again.status, 409);
    assert_eq!(page(&env, &token, 1, 2).await["totalResults"], 5);
    assert_eq!(
        env.scim("DELETE", &format!("/Users/{a}"), &token, None)
            .await
            .status,
        204
    );
    assert_eq!(
        env.scim("DELETE", &format!("/Users/{a}"), &token, None)
            .await
            .status,
        404
    );
    assert_eq!(page(&env, &token, 1, 2).await["totalResults"], 4);
    let bodies: Vec<Value> = (0..12).map(|i| user(&format!("c{i}@x.com"))).collect();
    let made = futures_util::future::join_all(
        bodies
            .iter()
            .map(|b| env.scim("POST", "/Users", &token, Some(b))),
    )
    .await;
    assert!(
        made.iter().all(|r| r.status == 201),
        "{:?}",
        made.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(page(&env, &token, 1, 2).await["totalResults"], 16);
}

/// Every page, wherever it starts, is the slice of the whole list in id order; past the
/// end it is empty with the total still exact.
#[tokio::test]
async fn pages_at_any_start_index_are_slices_of_one_order() {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    let token = env.scim_token(&org).await;
    for i in 0..11 {
        create(&env, &token, &format!("u{i:02}@x.com")).await;
    }
    let all: Vec<Value> = page(&env, &token, 1, 100).await["Resources"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(all.len(), 12);
    for (start, count) in [(1, 2), (2, 5), (7, 3), (12, 4), (13, 2), (40, 1), (5, 0)] {
        let body = page(&env, &token, start, count).await;
        let want: Vec<&Value> = all.iter().skip(start - 1).take(count).collect();
        let got: Vec<&Value> = body["Resources"].as_array().unwrap().iter().collect();
        assert_eq!(
            got.iter().map(|r| &r["id"]).collect::<Vec<_>>(),
            want.iter().map(|r| &r["id"]).collect::<Vec<_>>(),
            "startIndex={start} count={count}"
        );
        assert_eq!(body["totalResults"], 12);
        assert_eq!(body["startIndex"], start);
    }
}

/// Okta's Test API Credentials page (`startIndex=1&count=2`): the count and the page in one
/// Query beside the token check; two requests, whatever the org holds.
#[tokio::test]
async fn a_first_page_costs_two_requests_at_once() {
    let env = TestEnv::new().await;
    let org = env.seed_org(30).await;
    let token = env.scim_token(&org).await;
    let (body, requests) = env
        .count_dynamodb(env.scim("GET", "/Users?startIndex=1&count=2", &token, None))
        .await;
    assert_eq!(body.json()["totalResults"], 31);
    assert_eq!(body.json()["itemsPerPage"], 2);
    assert_eq!(requests, 2);
}

/// A filter no key answers examines at most `SCIM_FILTER_MAX_USERS` users; past that it is
/// `400 tooMany` (RFC 7644 3.12), while keyed look-ups and plain pages still work.
#[tokio::test]
async fn a_filter_no_key_answers_is_too_many_past_the_cap() {
    let env = TestEnv::with_env(&[("SCIM_FILTER_MAX_USERS", "4")]).await;
    let org = env.seed_org(0).await;
    let token = env.scim_token(&org).await;
    for i in 0..3 {
        create(&env, &token, &format!("f{i}@x.com")).await;
    }
    let filtered = "/Users?filter=active+eq+true";
    let body = env.scim("GET", filtered, &token, None).await;
    assert_eq!(body.status, 200, "{}", body.body);
    assert_eq!(body.json()["totalResults"], 4);
    create(&env, &token, "f3@x.com").await;
    let refused = env.scim("GET", filtered, &token, None).await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    let error = refused.json();
    assert_eq!(error["scimType"], "tooMany");
    assert!(
        error["detail"].as_str().unwrap().contains("at most 4"),
        "{error}"
    );
    let emails = env
        .scim(
            "GET",
            "/Users?filter=emails.value+eq+%22f1%40x.com%22",
            &token,
            None,
        )
        .await;
    assert_eq!(emails.json()["scimType"], "tooMany");
    let keyed = env
        .scim(
            "GET",
            "/Users?filter=userName+eq+%22f1%40x.com%22",
            &token,
            None,
        )
        .await
        .json();
    assert_eq!(keyed["totalResults"], 1);
    assert_eq!(page(&env, &token, 2, 2).await["totalResults"], 5);
}
