//! Test harness: makes sure DynamoDB Local and moto run (starting them when they do not),
//! and gives each test its own table, secret and App, reached through the real router.

use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use lambda_http::Body;
use local::gateway::Router;
use local::seed::SeededOrg;
use local::stack::{self, Clients, Endpoints};
use serde_json::Value;
use shared::App;
use shared::types::{CompanyId, random_id};
use time::OffsetDateTime;
use tokio::sync::OnceCell;

static SERVICES: OnceCell<()> = OnceCell::const_new();

fn listening(url: &str) -> bool {
    let addr = url.trim_start_matches("http://");
    TcpStream::connect_timeout(
        &addr.parse().expect("loopback address"),
        Duration::from_millis(300),
    )
    .is_ok()
}

/// Starts the emulators through the project's own script when they are not up.
async fn ensure_services(endpoints: &Endpoints) {
    SERVICES
        .get_or_init(|| async {
            if listening(&endpoints.dynamodb) && listening(&endpoints.moto) {
                drop_old_test_tables(endpoints).await;
                return;
            }
            let script = stack::repo_root().join("scripts/services.sh");
            let status = tokio::task::spawn_blocking(move || {
                std::process::Command::new("bash")
                    .arg(script)
                    .arg("up")
                    .status()
            })
            .await
            .expect("join")
            .expect("run scripts/services.sh up");
            assert!(status.success(), "scripts/services.sh up failed");
        })
        .await;
}

/// Counts the DynamoDB operations a client sends (an SDK interceptor).
#[derive(Debug, Clone, Default)]
pub struct RequestCounter(Arc<AtomicUsize>);

impl aws_sdk_dynamodb::config::Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_execution(
        &self,
        _context: &aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef<
            '_,
        >,
        _cfg: &mut aws_sdk_dynamodb::config::ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

/// DynamoDB Local keeps every table in memory and slows down as they pile up: a run
/// starts by dropping the `test-*` tables earlier runs left behind.
async fn drop_old_test_tables(endpoints: &Endpoints) {
    let clients = Clients::new(endpoints).await;
    let mut start = None;
    loop {
        let Ok(out) = clients
            .dynamodb
            .list_tables()
            .set_exclusive_start_table_name(start)
            .send()
            .await
        else {
            return;
        };
        let now = OffsetDateTime::now_utc().unix_timestamp();
        // `test-{unix seconds}-{random}`: only tables over an hour old, so a test run going
        // on beside this one keeps its tables.
        let stale = |name: &&String| {
            name.strip_prefix("test-")
                .and_then(|rest| rest.split('-').next())
                .and_then(|secs| secs.parse::<i64>().ok())
                .is_some_and(|created| now - created > 3600)
        };
        for name in out.table_names().iter().filter(stale) {
            let _ = clients
                .dynamodb
                .delete_table()
                .table_name(name)
                .send()
                .await;
        }
        start = out.last_evaluated_table_name;
        if start.is_none() {
            return;
        }
    }
}

/// Serves whatever `body` holds, to any request, on a loopback port (an IdP's
/// metadata URL). Returns the URL and the handle to change the body.
pub async fn static_server(body: String) -> (String, Arc<std::sync::Mutex<String>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!(
        "http://{}/app/exk1/sso/saml/metadata",
        listener.local_addr().expect("addr")
    );
    let shared = Arc::new(std::sync::Mutex::new(body));
    let served = Arc::clone(&shared);
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let body = served.lock().map(|b| b.clone()).unwrap_or_default();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf).await;
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(body.as_bytes()).await;
            });
        }
    });
    (url, shared)
}

/// One test's world: a fresh table and secret on the shared emulators.
pub struct TestEnv {
    pub app: Arc<App>,
    pub router: Arc<Router>,
    pub clients: Clients,
    pub dynamodb_requests: RequestCounter,
}

/// An org with SCIM turned on.
pub struct SeededOrgWithToken {
    pub org: SeededOrg,
    pub token: String,
}

pub struct TestResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

impl TestEnv {
    pub async fn new() -> Self {
        Self::build(None, false, "https://sso.test").await
    }

    /// With these environment variables set on top of the test defaults.
    pub async fn with_env(vars: &[(&'static str, &str)]) -> Self {
        let vars: Vec<(&'static str, String)> =
            vars.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        Self::build_with(None, false, "https://sso.test", &vars).await
    }

    /// With the clock fixed at `now`.
    pub async fn at(now: OffsetDateTime) -> Self {
        Self::build(Some(now), false, "https://sso.test").await
    }

    /// As the local stack runs: `LOCAL_MODE=true`, public base `base`.
    pub async fn local(base: &str) -> Self {
        Self::build(None, true, base).await
    }

    /// As [`TestEnv::local`], with these environment variables too.
    pub async fn local_with(base: &str, vars: &[(&'static str, &str)]) -> Self {
        let vars: Vec<(&'static str, String)> =
            vars.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        Self::build_with(None, true, base, &vars).await
    }

    async fn build(now: Option<OffsetDateTime>, local_mode: bool, base: &str) -> Self {
        Self::build_with(now, local_mode, base, &[]).await
    }

    async fn build_with(
        now: Option<OffsetDateTime>,
        local_mode: bool,
        base: &str,
        vars: &[(&'static str, String)],
    ) -> Self {
        let endpoints = Endpoints::from_env();
        ensure_services(&endpoints).await;
        let suffix = random_id(&mut rand::rng(), 8);
        let config = shared::Config::from_lookup(|name| {
            if let Some((_, value)) = vars.iter().find(|(k, _)| *k == name) {
                return Some(value.clone());
            }
            Some(match name {
                "TABLE_NAME" => format!(
                    "test-{}-{suffix}",
                    OffsetDateTime::now_utc().unix_timestamp()
                ),
                "SECRET_ID" => format!("test-keys-{suffix}"),
                "PUBLIC_BASE_URL" => base.to_owned(),
                "LOCAL_MODE" => local_mode.to_string(),
                "APP_URL" => "https://app.test".into(),
                "MAIL_FROM" => "app@qualified.com".into(),
                _ => return None,
            })
        })
        .expect("test config");
        let template = stack::load_template().expect("template.yaml");
        let mut clients = Clients::new(&endpoints).await;
        let dynamodb_requests = RequestCounter::default();
        let counted = clients
            .dynamodb
            .config()
            .to_builder()
            .interceptor(dynamodb_requests.clone())
            .build();
        clients.dynamodb = aws_sdk_dynamodb::Client::from_conf(counted);
        let mut app = stack::provision(config, &clients, &template)
            .await
            .expect("provision");
        if let Some(now) = now {
            app.clock = Arc::new(move || now);
        }
        let router = Arc::new(Router::new(&template.routes).expect("router"));
        Self {
            app: Arc::new(app),
            router,
            clients,
            dynamodb_requests,
        }
    }

    pub async fn seed_org(&self, users: usize) -> SeededOrg {
        let org = CompanyId::generate(&mut rand::rng());
        local::seed::seed_org(&self.app, &org, "Test org", users)
            .await
            .expect("seed")
    }

    /// Sends a request through the template's routes, as API Gateway would.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&str>,
    ) -> TestResponse {
        let mut builder = http::Request::builder().method(method).uri(path);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let body = body.map_or(Body::Empty, |b| Body::Text(b.to_owned()));
        let req = builder.body(body).expect("request");
        let response = self
            .router
            .handle(Arc::clone(&self.app), req, "test-request")
            .await
            .unwrap_or_else(|| panic!("no route for {method} {path}"));
        let (parts, body) = response.into_parts();
        TestResponse {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: String::from_utf8_lossy(body.as_ref()).into_owned(),
        }
    }

    /// How many DynamoDB operations `action` sends.
    pub async fn count_dynamodb<T>(
        &self,
        action: impl std::future::Future<Output = T>,
    ) -> (T, usize) {
        let before = self.dynamodb_requests.0.load(Ordering::SeqCst);
        let out = action.await;
        (
            out,
            self.dynamodb_requests.0.load(Ordering::SeqCst) - before,
        )
    }

    /// Turns SCIM on for `org` and returns the token.
    pub async fn scim_token(&self, org: &SeededOrg) -> String {
        let response = self
            .admin("POST", "/admin/scim/token", &org.admin_token)
            .await;
        assert_eq!(response.status, 201, "{}", response.body);
        response.json()["token"].as_str().expect("token").to_owned()
    }

    /// A SCIM request with `Authorization: Bearer {token}` and a JSON body.
    pub async fn scim(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> TestResponse {
        let auth = format!("Bearer {token}");
        let text = body.map(Value::to_string);
        let headers = [
            ("authorization", auth.as_str()),
            ("content-type", "application/scim+json"),
        ];
        self.request(
            method,
            &format!("/scim/v2{path}"),
            &headers,
            text.as_deref(),
        )
        .await
    }

    /// A request carrying `Authorization: Bearer {token}`.
    pub async fn admin(&self, method: &str, path: &str, token: &str) -> TestResponse {
        let auth = format!("Bearer {token}");
        self.request(method, path, &[("authorization", &auth)], None)
            .await
    }
}
