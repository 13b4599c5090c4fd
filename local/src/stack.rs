//! The local AWS stack: clients for DynamoDB Local and moto, and provisioning of the table,
//! the secret (fresh keys) and the SES sender identity.

use std::path::PathBuf;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_dynamodb::config::Credentials;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::RngCore;
use shared::{App, Config};

use crate::template::Template;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Where the emulators listen (loopback only).
#[derive(Debug, Clone)]
pub struct Endpoints {
    pub dynamodb: String,
    pub moto: String,
}

impl Endpoints {
    /// From `DYNAMODB_PORT` (default 8000) and `MOTO_PORT` (default 5000).
    pub fn from_env() -> Self {
        let port = |name: &str, default: u16| {
            std::env::var(name)
                .ok()
                .and_then(|p| p.parse::<u16>().ok())
                .unwrap_or(default)
        };
        Self {
            dynamodb: format!("http://127.0.0.1:{}", port("DYNAMODB_PORT", 8000)),
            moto: format!("http://127.0.0.1:{}", port("MOTO_PORT", 5000)),
        }
    }
}

/// The repository root (for template.yaml, scripts/ and .local/).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub fn load_template() -> Result<Template, BoxError> {
    Ok(Template::load(&repo_root().join("template.yaml"))?)
}

async fn sdk_config(endpoint: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            "local",
            "local",
            None,
            None,
            "local-stack",
        ))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// AWS clients pointed at the emulators.
#[derive(Debug, Clone)]
pub struct Clients {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub ses: aws_sdk_sesv2::Client,
    pub secrets: aws_sdk_secretsmanager::Client,
}

impl Clients {
    pub async fn new(endpoints: &Endpoints) -> Self {
        let ddb = sdk_config(&endpoints.dynamodb).await;
        let moto = sdk_config(&endpoints.moto).await;
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(&ddb),
            ses: aws_sdk_sesv2::Client::new(&moto),
            secrets: aws_sdk_secretsmanager::Client::new(&moto),
        }
    }
}

/// Creates the secret with a freshly generated key unless it exists.
pub async fn ensure_secret(
    client: &aws_sdk_secretsmanager::Client,
    id: &str,
) -> Result<(), BoxError> {
    // Local only: the dev stack's own secret, made before any App exists.
    #[allow(clippy::disallowed_methods)]
    let fresh = |bytes: usize| {
        let mut key = vec![0u8; bytes];
        rand::rng().fill_bytes(&mut key);
        STANDARD.encode(key)
    };
    if let Ok(existing) = client.get_secret_value().secret_id(id).send().await {
        // A secret from before the session exchange or the SP keys gains what it lacks.
        let mut doc: serde_json::Value = existing
            .secret_string()
            .and_then(|s| serde_json::from_str(s).ok())
            .unwrap_or_default();
        if complete(&mut doc, &fresh)? {
            client
                .put_secret_value()
                .secret_id(id)
                .secret_string(doc.to_string())
                .send()
                .await?;
        }
        return Ok(());
    }
    let mut doc = serde_json::json!({ "jwtSigningKey": fresh(32) });
    complete(&mut doc, &fresh)?;
    client
        .create_secret()
        .name(id)
        .secret_string(doc.to_string())
        .send()
        .await?;
    Ok(())
}

/// Adds the local stack's `appClientSecret` and `spKeys` where the document has none;
/// whether it changed.
fn complete(
    doc: &mut serde_json::Value,
    fresh: &dyn Fn(usize) -> String,
) -> Result<bool, BoxError> {
    let Some(fields) = doc.as_object_mut() else {
        return Err("the local secret is not a JSON object".into());
    };
    let mut changed = false;
    if !fields.contains_key("appClientSecret") {
        fields.insert("appClientSecret".into(), fresh(32).into());
        changed = true;
    }
    let mut keys: shared::saml::sp_keys::StoredKeys = fields
        .get("spKeys")
        .cloned()
        .map(serde_json::from_value)
        .transpose()?
        .unwrap_or_default();
    if crate::sp_keys::init(&mut keys, "local SP")? {
        fields.insert("spKeys".into(), serde_json::to_value(&keys)?);
        changed = true;
    }
    Ok(changed)
}

/// moto refuses to send from an unverified sender: register it.
pub async fn ensure_sender(client: &aws_sdk_sesv2::Client, from: &str) -> Result<(), BoxError> {
    let exists = client
        .get_email_identity()
        .email_identity(from)
        .send()
        .await
        .is_ok();
    if !exists {
        client
            .create_email_identity()
            .email_identity(from)
            .send()
            .await?;
    }
    Ok(())
}

/// Table, secret and sender for `config`, then the App built over them.
pub async fn provision(
    config: Config,
    clients: &Clients,
    template: &Template,
) -> Result<App, BoxError> {
    crate::table::ensure_table(&clients.dynamodb, &config.table_name, &template.table).await?;
    ensure_secret(&clients.secrets, &config.secret_id).await?;
    ensure_sender(&clients.ses, &config.mail_from).await?;
    let store = shared::store::Store::new(clients.dynamodb.clone(), config.table_name.clone());
    Ok(App::connect(config, store, clients.ses.clone(), clients.secrets.clone()).await?)
}

/// The local stack's configuration: the environment, with local defaults for what is unset.
pub fn local_config(port: u16) -> Result<Config, shared::config::ConfigError> {
    let base = format!("http://127.0.0.1:{port}");
    Config::from_lookup(|name| {
        std::env::var(name).ok().or_else(|| match name {
            "TABLE_NAME" => Some("sso-local".into()),
            "SECRET_ID" => Some("sso-local-keys".into()),
            "PUBLIC_BASE_URL" => Some(base.clone()),
            "APP_URL" => Some(format!("{base}/dev/app")),
            "MAIL_FROM" => Some("app@qualified.com".into()),
            "LOCAL_MODE" => Some("true".into()),
            _ => None,
        })
    })
}
