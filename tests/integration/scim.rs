//! SCIM 2.0 Users as Okta's client drives them.

use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::harness::TestEnv;

const EXT: &str = "urn:ietf:params:scim:schemas:extension:qualified:2.0:User";

fn okta_user(user_name: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "phoneNumbers": [{"value": "+1 555 0100", "type": "mobile"}],
        "timezone": "Europe/Stockholm",
        "displayName": "Jane Doe",
        "locale": "en-US",
        "externalId": format!("00u-{}", user_name.to_lowercase()),
        "groups": [],
        "password": "1mP0ssible!",
        "active": true,
        "role": "rep"
    })
}

async fn setup() -> (TestEnv, crate::harness::SeededOrgWithToken) {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    let token = env.scim_token(&org).await;
    (env, crate::harness::SeededOrgWithToken { org, token })
}

async fn create(env: &TestEnv, token: &str, body: &Value) -> Value {
    let response = env.scim("POST", "/Users", token, Some(body)).await;
    assert_eq!(response.status, 201, "{}", response.body);
    response.json()
}

#[tokio::test]
async fn the_existence_check_before_a_create_finds_nothing_with_200() {
    let (env, o) = setup().await;
    let path = "/Users?filter=userName%20eq%20%22jane%40x.com%22&startIndex=1&count=100";
    let response = env.scim("GET", path, &o.token, None).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.content_type(), "application/scim+json");
    let body = response.json();
    assert_eq!(body["totalResults"], 0);
    assert_eq!(body["Resources"], json!([]));
    assert_eq!(
        body["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:ListResponse"
    );
}

#[tokio::test]
async fn a_create_answers_201_with_the_resource_and_its_meta() {
    let (env, o) = setup().await;
    let response = env
        .scim("POST", "/Users", &o.token, Some(&okta_user("jane@x.com")))
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
    let user = response.json();
    let id = user["id"].as_str().unwrap();
    assert_eq!(user["meta"]["resourceType"], "User");
    assert_eq!(
        user["meta"]["location"],
        format!("https://sso.test/scim/v2/Users/{id}")
    );
    assert_eq!(user["meta"]["version"], "W/\"1\"");
    assert!(user["meta"]["created"].is_string() && user["meta"]["lastModified"].is_string());
    assert_eq!(
        response.headers["location"],
        format!("https://sso.test/scim/v2/Users/{id}")
    );
    assert_eq!(response.headers["etag"], "W/\"1\"");
    assert_eq!(user["name"]["givenName"], "Jane");
    assert_eq!(user["phoneNumbers"][0]["value"], "+1 555 0100");
    assert_eq!(user["timezone"], "Europe/Stockholm");
    assert_eq!(user["role"], "rep");
    assert!(user.get("password").is_none());
}

#[tokio::test]
async fn a_create_in_plain_application_json_works_too() {
    let (env, o) = setup().await;
    let auth = format!("Bearer {}", o.token);
    let body = okta_user("json@x.com").to_string();
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
    ];
    let response = env
        .request("POST", "/scim/v2/Users", &headers, Some(&body))
        .await;
    assert_eq!(response.status, 201, "{}", response.body);
}

#[tokio::test]
async fn the_same_user_name_in_any_case_is_409_uniqueness() {
    let (env, o) = setup().await;
    create(&env, &o.token, &okta_user("Jane@X.com")).await;
    let response = env
        .scim("POST", "/Users", &o.token, Some(&okta_user("jane@x.COM")))
        .await;
    assert_eq!(response.status, 409);
    let body = response.json();
    assert_eq!(body["scimType"], "uniqueness");
    assert_eq!(body["status"], "409");
}

#[tokio::test]
async fn user_names_keep_their_case_and_a_percent_encoded_plus_survives_filters() {
    let (env, o) = setup().await;
    let created = create(&env, &o.token, &okta_user("Jane+Test@X.com")).await;
    assert_eq!(created["userName"], "Jane+Test@X.com");
    for path in [
        "/Users?filter=userName%20eq%20%22jane%2Btest%40x.com%22",
        "/Users?filter=emails.value%20eq%20%22JANE%2BTEST%40X.COM%22",
    ] {
        let body = env.scim("GET", path, &o.token, None).await.json();
        assert_eq!(body["totalResults"], 1, "{path}");
        assert_eq!(body["Resources"][0]["id"], created["id"]);
    }
}

#[tokio::test]
async fn an_aiw_put_of_the_full_resource_changes_only_email_role_and_active() {
    let (env, o) = setup().await;
    let created = create(&env, &o.token, &okta_user("put@x.com")).await;
    let id = created["id"].as_str().unwrap();
    let mut full = env
        .scim("GET", &format!("/Users/{id}"), &o.token, None)
        .await
        .json();
    full["userName"] = json!("moved@x.com");
    full["emails"] = json!([{"value": "moved@x.com", "primary": true, "type": "work"}]);
    full["role"] = json!("admin");
    full["name"]["givenName"] = json!("Changed");
    full["phoneNumbers"] = json!([{"value": "+46 000"}]);
    full["password"] = json!("secret-pass");
    let response = env
        .scim("PUT", &format!("/Users/{id}"), &o.token, Some(&full))
        .await;
    assert_eq!(response.status, 200, "{}", response.body);
    let user = response.json();
    assert_eq!(user["userName"], "moved@x.com");
    assert_eq!(user["emails"][0]["value"], "moved@x.com");
    assert_eq!(user["role"], "admin");
    assert_eq!(user["name"]["givenName"], "Jane");
    assert_eq!(user["phoneNumbers"][0]["value"], "+1 555 0100");
    assert_eq!(user["meta"]["version"], "W/\"2\"");
    assert!(user.get("password").is_none());
    let dump = format!(
        "{:?}",
        env.clients
            .dynamodb
            .scan()
            .table_name(env.app.store.table())
            .send()
            .await
            .unwrap()
            .items()
    );
    assert!(!dump.contains("secret-pass") && !dump.contains("1mP0ssible"));
    // The old userName is free again, the new one is taken.
    let old = env
        .scim(
            "GET",
            "/Users?filter=userName%20eq%20%22put%40x.com%22",
            &o.token,
            None,
        )
        .await
        .json();
    assert_eq!(old["totalResults"], 0);
    assert_eq!(
        env.scim("POST", "/Users", &o.token, Some(&okta_user("moved@x.com")))
            .await
            .status,
        409
    );
}

#[tokio::test]
async fn deactivation_and_reactivation_through_patch_in_every_shape() {
    let (env, o) = setup().await;
    let id = create(&env, &o.token, &okta_user("patch@x.com")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/Users/{id}");
    let patch = |ops: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let off = env
        .scim(
            "PATCH",
            &path,
            &o.token,
            Some(&patch(
                json!([{"op": "replace", "value": {"active": false}}]),
            )),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(off.json()["active"], false);
    let stored = env.scim("GET", &path, &o.token, None).await.json();
    assert_eq!(stored["active"], false, "deactivation keeps the user");
    let on = env
        .scim(
            "PATCH",
            &path,
            &o.token,
            Some(&patch(
                json!([{"op": "replace", "path": "active", "value": "True"}]),
            )),
        )
        .await;
    assert_eq!(on.json()["active"], true);
    let off = env
        .scim(
            "PATCH",
            &path,
            &o.token,
            Some(&patch(
                json!([{"op": "Replace", "path": "active", "value": "False"}]),
            )),
        )
        .await;
    assert_eq!(off.json()["active"], false);
}

#[tokio::test]
async fn delete_answers_204_then_404_and_keeps_a_tombstone() {
    let (env, o) = setup().await;
    let id = create(&env, &o.token, &okta_user("gone@x.com")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        env.scim("DELETE", &format!("/Users/{id}"), &o.token, None)
            .await
            .status,
        204
    );
    assert_eq!(
        env.scim("GET", &format!("/Users/{id}"), &o.token, None)
            .await
            .status,
        404
    );
    assert_eq!(
        env.scim("DELETE", &format!("/Users/{id}"), &o.token, None)
            .await
            .status,
        404
    );
    let tombstone = env
        .clients
        .dynamodb
        .get_item()
        .table_name(env.app.store.table())
        .key(
            "PK",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("ORG#{}", o.org.company_id)),
        )
        .key(
            "SK",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("DELETED#{id}")),
        )
        .send()
        .await
        .unwrap();
    assert!(tombstone.item.is_some());
    // The userName can be provisioned again.
    create(&env, &o.token, &okta_user("gone@x.com")).await;
}

#[tokio::test]
async fn the_role_is_written_back_where_it_came_from() {
    let (env, o) = setup().await;
    let mut ext = okta_user("ext@x.com");
    ext.as_object_mut().unwrap().remove("role");
    ext[EXT] = json!({"role": "meetings"});
    let user = create(&env, &o.token, &ext).await;
    assert_eq!(user[EXT]["role"], "meetings");
    assert!(user["schemas"].as_array().unwrap().contains(&json!(EXT)));
    assert!(user.get("role").is_none());

    let mut roles = okta_user("roles@x.com");
    roles.as_object_mut().unwrap().remove("role");
    roles["roles"] = json!([{"value": "admin", "primary": true}]);
    let user = create(&env, &o.token, &roles).await;
    assert_eq!(user["roles"][0]["value"], "admin");

    let mut none = okta_user("none@x.com");
    none.as_object_mut().unwrap().remove("role");
    assert_eq!(create(&env, &o.token, &none).await["role"], "rep");
}

#[tokio::test]
async fn a_role_outside_admin_rep_meetings_is_400_invalid_value() {
    let (env, o) = setup().await;
    for bad in ["Admin", "owner", ""] {
        let mut body = okta_user("bad@x.com");
        body["role"] = json!(bad);
        let response = env.scim("POST", "/Users", &o.token, Some(&body)).await;
        assert_eq!(response.status, 400, "{bad}");
        assert_eq!(response.json()["scimType"], "invalidValue");
    }
}

#[tokio::test]
async fn groups_are_an_empty_list_and_writes_are_501() {
    let (env, o) = setup().await;
    let started = std::time::Instant::now();
    let list = env.scim("GET", "/Groups", &o.token, None).await;
    assert!(
        started.elapsed() < std::time::Duration::from_millis(600),
        "Okta's spec test wants 200 within 600 ms"
    );
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["totalResults"], 0);
    let write = env
        .scim(
            "POST",
            "/Groups",
            &o.token,
            Some(&json!({"displayName": "x"})),
        )
        .await;
    assert_eq!(write.status, 501);
    assert_eq!(
        write.json()["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
}

#[tokio::test]
async fn no_token_a_wrong_token_and_scim_off_are_401() {
    let (env, o) = setup().await;
    let none = env.request("GET", "/scim/v2/Users", &[], None).await;
    assert_eq!(none.status, 401);
    let body = none.json();
    assert_eq!(body["status"], "401");
    assert!(body["detail"].is_string());
    let forged = format!("scim_{}.{}", o.org.company_id, "A".repeat(43));
    assert_eq!(env.scim("GET", "/Users", &forged, None).await.status, 401);
    assert_eq!(
        env.scim("POST", "/Users", &forged, Some(&okta_user("x@x.com")))
            .await
            .status,
        401
    );
    assert_eq!(
        env.scim("POST", "/Users", &forged, Some(&json!({"bad": 1})))
            .await
            .status,
        401
    );
    assert_eq!(
        env.admin("DELETE", "/admin/scim/token", &o.org.admin_token)
            .await
            .status,
        204
    );
    assert_eq!(env.scim("GET", "/Users", &o.token, None).await.status, 401);
    assert_eq!(
        env.scim("POST", "/Users", &o.token, Some(&okta_user("y@x.com")))
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn another_orgs_users_are_invisible() {
    let (env, mine) = setup().await;
    let theirs = env.seed_org(0).await;
    let their_token = env.scim_token(&theirs).await;
    let id = create(&env, &their_token, &okta_user("their@x.com")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        env.scim("GET", &format!("/Users/{id}"), &mine.token, None)
            .await
            .status,
        404
    );
    let path = format!("/Users?filter=id%20eq%20%22{id}%22");
    assert_eq!(
        env.scim("GET", &path, &mine.token, None).await.json()["totalResults"],
        0
    );
    let listed = env.scim("GET", "/Users", &mine.token, None).await.json();
    assert_eq!(listed["totalResults"], 1, "only this org's own admin");
    assert_ne!(listed["Resources"][0]["id"], json!(id));
    // A token naming the other org but carrying this org's secret is refused.
    let spliced = mine.token.replace(&mine.org.company_id, &theirs.company_id);
    assert_eq!(env.scim("GET", "/Users", &spliced, None).await.status, 401);
}

#[tokio::test]
async fn oversize_and_malformed_bodies_are_413_and_400() {
    let (env, o) = setup().await;
    let big = json!({"userName": "big@x.com", "padding": "x".repeat(1024 * 1024)});
    assert_eq!(
        env.scim("POST", "/Users", &o.token, Some(&big))
            .await
            .status,
        413
    );
    let auth = format!("Bearer {}", o.token);
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/scim+json"),
    ];
    for bad in ["{not json", "", "[]", "\"str\""] {
        let response = env
            .request("POST", "/scim/v2/Users", &headers, Some(bad))
            .await;
        assert_eq!(response.status, 400, "{bad:?}: {}", response.body);
    }
}

#[tokio::test]
async fn the_filter_grammar_works_end_to_end_and_bad_filters_are_invalid_filter() {
    let (env, o) = setup().await;
    create(&env, &o.token, &okta_user("a@corp.com")).await;
    create(&env, &o.token, &okta_user("b@corp.com")).await;
    let off = create(&env, &o.token, &okta_user("c@other.com")).await;
    let patch = json!({"Operations": [{"op": "replace", "value": {"active": false}}]});
    env.scim(
        "PATCH",
        &format!("/Users/{}", off["id"].as_str().unwrap()),
        &o.token,
        Some(&patch),
    )
    .await;
    let count = |filter: &str| {
        let path = format!(
            "/Users?filter={}",
            filter.replace(' ', "%20").replace('"', "%22")
        );
        let env = &env;
        let token = o.token.clone();
        async move { env.scim("GET", &path, &token, None).await.json()["totalResults"].clone() }
    };
    assert_eq!(
        count(r#"emails[type eq "work"].value ew "corp.com""#).await,
        2
    );
    assert_eq!(count(r#"active eq true and userName sw "a@""#).await, 1);
    assert_eq!(
        count(r#"not (active eq true) or userName eq "b@corp.com""#).await,
        2
    );
    // The seeded org admin counts too.
    assert_eq!(count(r#"name.familyName pr"#).await, 4);
    for bad in [r#"userName eq"#, r#"userName xx "a""#, r#"(active eq true"#] {
        let path = format!(
            "/Users?filter={}",
            bad.replace(' ', "%20").replace('"', "%22")
        );
        let response = env.scim("GET", &path, &o.token, None).await;
        assert_eq!(response.status, 400, "{bad}");
        assert_eq!(response.json()["scimType"], "invalidFilter");
    }
}

#[tokio::test]
async fn pagination_is_stable_and_complete() {
    let (env, o) = setup().await;
    for i in 0..5 {
        create(&env, &o.token, &okta_user(&format!("p{i}@x.com"))).await;
    }
    // Five provisioned users plus the org's seeded admin.
    let mut seen = Vec::new();
    for start in [1, 3, 5] {
        let page = env
            .scim(
                "GET",
                &format!("/Users?startIndex={start}&count=2"),
                &o.token,
                None,
            )
            .await
            .json();
        assert_eq!(page["totalResults"], 6);
        assert_eq!(page["startIndex"], start);
        for r in page["Resources"].as_array().unwrap() {
            seen.push(r["id"].as_str().unwrap().to_owned());
        }
    }
    let again = env
        .scim("GET", "/Users?startIndex=1&count=2", &o.token, None)
        .await
        .json();
    assert_eq!(again["Resources"][0]["id"].as_str().unwrap(), seen[0]);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 6);
}

#[tokio::test]
async fn if_match_is_honoured_with_412_on_a_stale_version() {
    let (env, o) = setup().await;
    let id = create(&env, &o.token, &okta_user("etag@x.com")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let auth = format!("Bearer {}", o.token);
    let patch =
        json!({"Operations": [{"op": "replace", "path": "role", "value": "admin"}]}).to_string();
    let path = format!("/scim/v2/Users/{id}");
    let ok = env
        .request(
            "PATCH",
            &path,
            &[("authorization", &auth), ("if-match", "W/\"1\"")],
            Some(&patch),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.json()["meta"]["version"], "W/\"2\"");
    let stale = env
        .request(
            "PATCH",
            &path,
            &[("authorization", &auth), ("if-match", "W/\"1\"")],
            Some(&patch),
        )
        .await;
    assert_eq!(stale.status, 412);
}

#[tokio::test]
async fn discovery_documents_are_true_to_what_is_built() {
    let (env, o) = setup().await;
    let config = env
        .scim("GET", "/ServiceProviderConfig", &o.token, None)
        .await
        .json();
    assert_eq!(config["patch"]["supported"], true);
    assert_eq!(config["bulk"]["supported"], false);
    assert_eq!(config["filter"]["supported"], true);
    assert_eq!(config["filter"]["maxResults"], 200);
    assert_eq!(config["changePassword"]["supported"], false);
    assert_eq!(config["sort"]["supported"], false);
    assert_eq!(config["etag"]["supported"], true);
    let types = env
        .scim("GET", "/ResourceTypes", &o.token, None)
        .await
        .json();
    assert_eq!(types["Resources"][0]["schemaExtensions"][0]["schema"], EXT);
    let ext = env
        .scim("GET", &format!("/Schemas/{EXT}"), &o.token, None)
        .await
        .json();
    assert_eq!(
        ext["attributes"][0]["canonicalValues"],
        json!(["admin", "rep", "meetings"])
    );
    // The product's rules, as a generic client reads them: an email is required, and what
    // cannot change after creation says so.
    let core = env
        .scim(
            "GET",
            "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
            &o.token,
            None,
        )
        .await
        .json();
    let attribute = |name: &str| {
        core["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap_or_else(|| panic!("{name} is not in the schema"))
            .clone()
    };
    assert_eq!(attribute("emails")["required"], true);
    assert_eq!(attribute("emails")["subAttributes"][0]["name"], "value");
    assert_eq!(attribute("emails")["subAttributes"][0]["required"], true);
    for fixed in ["name", "phoneNumbers", "timezone", "externalId"] {
        assert_eq!(attribute(fixed)["mutability"], "immutable", "{fixed}");
    }
    for changing in ["userName", "emails", "active", "role", "roles"] {
        assert_eq!(attribute(changing)["mutability"], "readWrite", "{changing}");
    }
}

#[tokio::test]
async fn forty_concurrent_creates_of_one_user_name_give_exactly_one_201() {
    let (env, o) = setup().await;
    let body = okta_user("race@x.com");
    let statuses =
        join_all((0..40).map(|_| env.scim("POST", "/Users", &o.token, Some(&body)))).await;
    let created = statuses.iter().filter(|r| r.status == 201).count();
    let conflicts = statuses.iter().filter(|r| r.status == 409).count();
    assert_eq!(
        (created, conflicts),
        (1, 39),
        "{:?}",
        statuses.iter().map(|r| r.status).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn each_operation_costs_the_promised_dynamodb_requests() {
    let (env, o) = setup().await;
    let (created, creates) = env
        .count_dynamodb(env.scim("POST", "/Users", &o.token, Some(&okta_user("count@x.com"))))
        .await;
    assert_eq!(creates, 1);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let (_, gets) = env
        .count_dynamodb(env.scim("GET", &format!("/Users/{id}"), &o.token, None))
        .await;
    assert_eq!(gets, 1);
    let path = "/Users?filter=userName%20eq%20%22count%40x.com%22";
    let (found, lookups) = env
        .count_dynamodb(env.scim("GET", path, &o.token, None))
        .await;
    assert_eq!(found.json()["totalResults"], 1);
    assert!(lookups <= 2, "{lookups}");
    let (_, misses) = env
        .count_dynamodb(env.scim(
            "GET",
            "/Users?filter=userName%20eq%20%22nobody%40x.com%22",
            &o.token,
            None,
        ))
        .await;
    assert_eq!(misses, 1);
}

#[tokio::test]
async fn attributes_and_excluded_attributes_shape_responses_and_search_works_by_post() {
    let (env, o) = setup().await;
    let id = create(&env, &o.token, &okta_user("shape@x.com")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let slim = env
        .scim(
            "GET",
            &format!("/Users/{id}?excludedAttributes=name,phoneNumbers"),
            &o.token,
            None,
        )
        .await
        .json();
    assert!(slim.get("name").is_none() && slim.get("phoneNumbers").is_none());
    assert_eq!(slim["id"], json!(id));
    let only = env
        .scim(
            "GET",
            "/Users?attributes=userName&filter=userName%20eq%20%22shape%40x.com%22",
            &o.token,
            None,
        )
        .await
        .json();
    let resource = only["Resources"][0].as_object().unwrap();
    assert!(
        resource.contains_key("userName")
            && resource.contains_key("id")
            && !resource.contains_key("emails")
    );
    let search = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
        "filter": "userName eq \"shape@x.com\"", "attributes": ["userName"], "startIndex": 1, "count": 10
    });
    for path in ["/Users/.search", "/.search"] {
        let found = env.scim("POST", path, &o.token, Some(&search)).await;
        assert_eq!(found.status, 200, "{}", found.body);
        let body = found.json();
        assert_eq!(body["totalResults"], 1);
        assert!(body["Resources"][0].get("name").is_none());
    }
}

#[tokio::test]
async fn discovery_endpoints_refuse_writes_with_405() {
    let (env, o) = setup().await;
    for path in ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"] {
        assert_eq!(
            env.scim("POST", path, &o.token, Some(&json!({})))
                .await
                .status,
            405,
            "{path}"
        );
    }
}
