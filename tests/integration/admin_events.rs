//! `GET /admin/events`: the audit trail, newest first, paged by an opaque cursor; a refused
//! login is there with its code, so an admin can see why a user could not get in.

use reqwest::Method;
use serde_json::Value;

use crate::saml_flow::stack;

async fn page(s: &crate::saml_flow::Stack, query: &str) -> (u16, Value) {
    let r = s
        .admin(Method::GET, &format!("/admin/events{query}"), None)
        .await;
    (r.status().as_u16(), r.json().await.unwrap())
}

#[tokio::test]
async fn events_come_newest_first_a_page_at_a_time_with_refusals_and_their_codes() {
    let s = stack().await;
    s.connect().await;
    // A refusal: an existing user not yet bound.
    let existing = format!("admin@{}.example.com", s.company);
    let refused = s.post_acs(&s.idp_initiated(&existing, &[]).await).await;
    assert_eq!(refused.status(), 403);

    let (status, first) = page(&s, "?limit=2").await;
    assert_eq!(status, 200, "{first}");
    let events = first["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["action"], "saml.refused");
    assert_eq!(events[0]["detail"]["code"], "user_not_bound");
    assert_eq!(events[0]["actor"], "idp");

    let mut all: Vec<Value> = events.clone();
    let mut next = first["next"].as_str().map(str::to_owned);
    while let Some(cursor) = next {
        let (status, body) = page(&s, &format!("?limit=2&cursor={cursor}")).await;
        assert_eq!(status, 200, "{body}");
        all.extend(body["events"].as_array().unwrap().iter().cloned());
        next = body["next"].as_str().map(str::to_owned);
    }
    let (_, everything) = page(&s, "?limit=200").await;
    assert_eq!(everything["next"], Value::Null);
    assert_eq!(&all, everything["events"].as_array().unwrap());
    let at: Vec<&str> = all.iter().map(|e| e["at"].as_str().unwrap()).collect();
    let mut sorted = at.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(at, sorted, "newest first");
    let actions: Vec<&str> = all.iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in ["sso.enabled", "sso.verified"] {
        assert!(actions.contains(&expected), "{actions:?}");
    }
}

#[tokio::test]
async fn a_bad_limit_or_a_foreign_cursor_is_400_and_another_org_sees_none_of_it() {
    let s = stack().await;
    s.connect().await;
    for bad in [
        "?limit=0",
        "?limit=201",
        "?limit=x",
        "?cursor=%21%21",
        "?cursor=VVNFUiN1MQ",
    ] {
        let (status, body) = page(&s, bad).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["code"], "invalid_request");
    }
    let other = s.another_org().await;
    let (status, body) = page(&other, "").await;
    assert_eq!(status, 200);
    assert!(
        body["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"] != "sso.enabled"),
        "{body}"
    );
}
