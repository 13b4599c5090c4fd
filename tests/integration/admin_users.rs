//! `GET /admin/users` a page at a time (`limit`, `cursor`) and by email (`q`): what the
//! portal's Users screen asks, so a large org costs one page.

use std::collections::HashSet;

use crate::harness::TestEnv;

#[tokio::test]
async fn users_come_a_page_at_a_time_with_the_orgs_total_and_by_email() {
    let env = TestEnv::new().await;
    let org = env.seed_org(7).await;
    let all = env
        .admin("GET", "/admin/users", &org.admin_token)
        .await
        .json();
    assert_eq!(all["total"], 8, "7 users and the admin");

    let mut seen = HashSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/admin/users?limit=3&cursor={c}"),
            None => "/admin/users?limit=3".to_owned(),
        };
        let page = env.admin("GET", &path, &org.admin_token).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let body = page.json();
        assert_eq!(body["total"], 8);
        let users = body["users"].as_array().unwrap();
        assert!(users.len() <= 3);
        for u in users {
            assert!(
                seen.insert(u["id"].as_str().unwrap().to_owned()),
                "no user twice"
            );
            assert_eq!(u["binding"], "none");
        }
        match body["next"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 8);

    let email = org.users[0].email.clone();
    let found = env
        .admin(
            "GET",
            &format!("/admin/users?q={}", email.to_uppercase()),
            &org.admin_token,
        )
        .await
        .json();
    assert_eq!(found["users"].as_array().unwrap().len(), 1);
    assert_eq!(found["users"][0]["email"], email.as_str());
    let none = env
        .admin(
            "GET",
            "/admin/users?q=nobody%40example.com",
            &org.admin_token,
        )
        .await
        .json();
    assert_eq!(none["total"], 0);

    for bad in [
        "?limit=0",
        "?limit=101",
        "?limit=3&cursor=%21",
        "?limit=3&cursor=Pz8_",
    ] {
        let r = env
            .admin("GET", &format!("/admin/users{bad}"), &org.admin_token)
            .await;
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
}
