//! SCIM in an org of 100,000 users (`SCALE_USERS` to change), against DynamoDB Local: what
//! Okta's calls cost beside the floor of one bare `GetItem`, in time (criterion) and in
//! DynamoDB requests and items read (an SDK interceptor on the same client).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

use std::hint::black_box;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use criterion::{Criterion, criterion_group, criterion_main};
use lambda_http::Body;
use local::gateway::Router;
use local::stack::{self, Clients, Endpoints};
use shared::types::{CompanyId, Role};

/// DynamoDB requests sent and what they read: items returned by GetItem, BatchGetItem
/// and Query, and index keys counted by a `Select=COUNT` Query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Tally {
    requests: usize,
    items: usize,
    index_keys: usize,
}

#[derive(Debug, Clone, Default)]
struct Counter(Arc<Mutex<Tally>>);

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "ScaleCounter"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        self.0.lock().unwrap().requests += 1;
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), aws_sdk_dynamodb::error::BoxError> {
        use aws_sdk_dynamodb::operation::{
            batch_get_item::BatchGetItemOutput, get_item::GetItemOutput, query::QueryOutput,
        };
        let Some(Ok(output)) = context.output_or_error() else {
            return Ok(());
        };
        let mut tally = self.0.lock().unwrap();
        if let Some(q) = output.downcast_ref::<QueryOutput>() {
            match &q.items {
                Some(items) => tally.items += items.len(),
                None => tally.index_keys += usize::try_from(q.scanned_count).unwrap_or(0),
            }
        } else if let Some(g) = output.downcast_ref::<GetItemOutput>() {
            tally.items += usize::from(g.item.is_some());
        } else if let Some(b) = output.downcast_ref::<BatchGetItemOutput>() {
            tally.items += b
                .responses
                .as_ref()
                .map_or(0, |r| r.values().map(Vec::len).sum());
        }
        Ok(())
    }
}

impl Counter {
    fn take(&self) -> Tally {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

struct World {
    router: Arc<Router>,
    app: Arc<shared::App>,
    client: aws_sdk_dynamodb::Client,
    counter: Counter,
    org: CompanyId,
    scim_token: String,
    middle_user_name: String,
}

async fn world(users: usize) -> World {
    // A table of its own, so the demo table of `make run` stays small.
    let suffix = shared::types::random_id(&mut rand::rng(), 6);
    let mut config = stack::local_config(3000).unwrap();
    config.table_name = format!("bench-scale-{suffix}");
    let template = stack::load_template().unwrap();
    let mut clients = Clients::new(&Endpoints::from_env()).await;
    let counter = Counter::default();
    let counted = clients
        .dynamodb
        .config()
        .to_builder()
        .interceptor(counter.clone())
        .build();
    clients.dynamodb = aws_sdk_dynamodb::Client::from_conf(counted);
    let app = Arc::new(stack::provision(config, &clients, &template).await.unwrap());
    let router = Arc::new(Router::new(&template.routes).unwrap());
    let org = CompanyId::generate(&mut rand::rng());
    let seeded = local::seed::seed_org(&app, &org, "Scale org", 0)
        .await
        .unwrap();
    let now = app.timestamp();
    let started = std::time::Instant::now();
    let mut middle_user_name = String::new();
    for chunk in 0..users.div_ceil(5_000) {
        let batch: Vec<_> = (chunk * 5_000..((chunk + 1) * 5_000).min(users))
            .map(|i| {
                let email = format!("user{i:06}@scale.example.com");
                if i == users / 2 {
                    middle_user_name = email.clone();
                }
                local::seed::app_user(
                    &org,
                    app.ids.user_id(),
                    &email,
                    ("Scale", "User"),
                    Role::Rep,
                    now,
                )
                .unwrap()
            })
            .collect();
        app.store.import_users(&org, &batch).await.unwrap();
    }
    eprintln!(
        "seeded {users} users in {:.1} s",
        started.elapsed().as_secs_f64()
    );
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
        client: clients.dynamodb,
        counter,
        org,
        scim_token,
        middle_user_name,
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

fn create_body(n: u64) -> String {
    format!(
        r#"{{"userName":"new{n}-{}@scale.example.com","emails":[{{"value":"n{n}@scale.example.com"}}],"role":"rep"}}"#,
        rand::random::<u32>()
    )
}

fn scale(c: &mut Criterion) {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this binary once to
    // see that it works, so there a small org is enough.
    let benching = std::env::args().any(|a| a == "--bench");
    let users: usize = std::env::var("SCALE_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if benching { 100_000 } else { 300 });
    let rt = tokio::runtime::Runtime::new().unwrap();
    let w = rt.block_on(world(users));
    let table = w.app.store.table().to_owned();
    let org_key = || {
        std::collections::HashMap::from([
            (
                "PK".to_owned(),
                aws_sdk_dynamodb::types::AttributeValue::S(format!("ORG#{}", w.org)),
            ),
            (
                "SK".to_owned(),
                aws_sdk_dynamodb::types::AttributeValue::S("ORG".into()),
            ),
        ])
    };
    let get_item = || async {
        w.client
            .get_item()
            .table_name(&table)
            .set_key(Some(org_key()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
    };
    let middle = users / 2 + 1;
    let calls: Vec<(&str, String)> = vec![
        (
            "first_page_count_2",
            "/scim/v2/Users?startIndex=1&count=2".to_owned(),
        ),
        (
            "page_of_100_at_middle",
            format!("/scim/v2/Users?startIndex={middle}&count=100"),
        ),
        (
            "user_name_eq",
            format!(
                "/scim/v2/Users?filter=userName+eq+%22{}%22",
                w.middle_user_name.replace('@', "%40")
            ),
        ),
    ];

    // What each call costs in DynamoDB, measured once before the timings.
    let mut report = Vec::new();
    w.counter.take();
    rt.block_on(get_item());
    report.push(("bare_get_item".to_owned(), w.counter.take(), String::new()));
    for (name, path) in &calls {
        let body = rt.block_on(call(&w.router, &w.app, "GET", path, &w.scim_token, None));
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let summary = format!(
            "totalResults={} itemsPerPage={}",
            v["totalResults"], v["itemsPerPage"]
        );
        report.push(((*name).to_owned(), w.counter.take(), summary));
    }
    rt.block_on(call(
        &w.router,
        &w.app,
        "POST",
        "/scim/v2/Users",
        &w.scim_token,
        Some(create_body(0)),
    ));
    report.push(("create".to_owned(), w.counter.take(), String::new()));
    eprintln!("\nDynamoDB per call, org of {users} users:");
    eprintln!(
        "  {:<24} {:>8} {:>10} {:>11}  result",
        "call", "requests", "items read", "index keys"
    );
    for (name, t, summary) in &report {
        eprintln!(
            "  {name:<24} {:>8} {:>10} {:>11}  {summary}",
            t.requests, t.items, t.index_keys
        );
    }
    eprintln!();

    c.bench_function("scale/bare_get_item_floor", |b| {
        b.iter(|| black_box(rt.block_on(get_item())))
    });
    // What the first page's two requests cost bare, sent at once as the handler sends them.
    let first_page = || async {
        w.client
            .query()
            .table_name(&table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :user)")
            .expression_attribute_values(
                ":pk",
                aws_sdk_dynamodb::types::AttributeValue::S(format!("ORG#{}", w.org)),
            )
            .expression_attribute_values(
                ":user",
                aws_sdk_dynamodb::types::AttributeValue::S("USER".into()),
            )
            .limit(3)
            .consistent_read(true)
            .send()
            .await
            .unwrap()
    };
    c.bench_function("scale/bare_get_item_beside_query_floor", |b| {
        b.iter(|| black_box(rt.block_on(async { futures_util::join!(get_item(), first_page()) })))
    });
    for (name, path) in &calls {
        c.bench_function(&format!("scale/{name}"), |b| {
            b.iter(|| {
                black_box(rt.block_on(call(&w.router, &w.app, "GET", path, &w.scim_token, None)))
            })
        });
    }
    let mut n = 0u64;
    c.bench_function("scale/create_user", |b| {
        b.iter(|| {
            n += 1;
            black_box(rt.block_on(call(
                &w.router,
                &w.app,
                "POST",
                "/scim/v2/Users",
                &w.scim_token,
                Some(create_body(n)),
            )))
        })
    });
    let _ = rt.block_on(w.client.delete_table().table_name(&table).send());
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = scale
}
criterion_main!(benches);
