//! SCIM handler time as Okta sees it, minus the network: a request through the gateway's
//! router into the real `scim-users` handler, against DynamoDB Local and moto (`make bench`
//! starts them). Each iteration is the whole handler, DynamoDB round trips included.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use lambda_http::Body;
use local::gateway::Router;
use local::stack::{self, Clients, Endpoints};
use shared::types::CompanyId;

struct World {
    router: Arc<Router>,
    app: Arc<shared::App>,
    scim_token: String,
    user_id: String,
}

async fn world() -> World {
    let config = stack::local_config(3000).unwrap();
    let template = stack::load_template().unwrap();
    let clients = Clients::new(&Endpoints::from_env()).await;
    let app = Arc::new(stack::provision(config, &clients, &template).await.unwrap());
    let router = Arc::new(Router::new(&template.routes).unwrap());
    let org = CompanyId::generate(&mut rand::rng());
    let seeded = local::seed::seed_org(&app, &org, "Bench org", 50)
        .await
        .unwrap();
    let token = call(
        &router,
        &app,
        "POST",
        "/admin/scim/token",
        &seeded.admin_token,
        None,
    )
    .await;
    let scim_token = serde_json::from_str::<serde_json::Value>(&token).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    World {
        router,
        app,
        scim_token,
        user_id: seeded.users[1].id.clone(),
    }
}

async fn call(
    router: &Router,
    app: &Arc<shared::App>,
    method: &str,
    path: &str,
    token: &str,
    body: Option<String>,
) -> String {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/scim+json")
        .body(body.map_or(Body::Empty, Body::Text))
        .unwrap();
    let response = router.handle(Arc::clone(app), req, "bench").await.unwrap();
    String::from_utf8_lossy(response.body().as_ref()).into_owned()
}

fn scim(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = rt.block_on(world());
    // The floor: one bare GetItem to DynamoDB Local through the same SDK client.
    let org = CompanyId::parse("acme-demo").unwrap();
    c.bench_function("dynamodb_local/get_item_floor", |b| {
        b.iter(|| rt.block_on(w.app.store.get_org(black_box(&org))).unwrap())
    });
    let get = format!("/scim/v2/Users/{}", w.user_id);
    c.bench_function("scim/get_user_by_id", |b| {
        b.iter(|| rt.block_on(call(&w.router, &w.app, "GET", &get, &w.scim_token, None)))
    });
    let filter =
        "/scim/v2/Users?filter=userName%20eq%20%22nobody%40example.com%22&startIndex=1&count=100";
    c.bench_function("scim/exists_check_user_name_eq", |b| {
        b.iter(|| rt.block_on(call(&w.router, &w.app, "GET", filter, &w.scim_token, None)))
    });
    let mut n = 0u64;
    c.bench_function("scim/create_user", |b| {
        b.iter(|| {
            n += 1;
            let body = format!(r#"{{"userName":"bench{n}-{}@example.com","emails":[{{"value":"b{n}@example.com"}}],"role":"rep"}}"#, rand::random::<u32>());
            black_box(rt.block_on(call(&w.router, &w.app, "POST", "/scim/v2/Users", &w.scim_token, Some(body))))
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = scim
}
criterion_main!(benches);
