//! App: config, AWS clients and the cached secret, built once per cold start and shared.

use std::sync::Arc;

use aws_config::BehaviorVersion;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::config::Config;
use crate::error::{Error, ErrorCode};
use crate::store::Store;
use crate::tokens::JwtKeys;

/// Where time comes from; tests fix it.
pub type Clock = Arc<dyn Fn() -> OffsetDateTime + Send + Sync>;

/// The keys read from Secrets Manager, parsed once.
#[derive(Debug, Clone)]
pub struct Secrets {
    pub jwt: JwtKeys,
    /// For `POST /session/exchange` (`SESSION_HANDOFF=code`); absent otherwise.
    pub app_client: Option<crate::tokens::AppClientSecret>,
    /// The SP's signing and encryption keys (`spKeys`); empty when none were made.
    pub sp: crate::saml::sp_keys::SpKeys,
}

/// The secret's JSON shape: `{"jwtSigningKey": "<base64, at least 32 bytes>",
/// "appClientSecret": "<what the app's server presents, optional>"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SecretDocument {
    jwt_signing_key: String,
    #[serde(default)]
    app_client_secret: Option<String>,
    #[serde(default)]
    sp_keys: crate::saml::sp_keys::StoredKeys,
}

impl Secrets {
    pub fn parse(json: &str) -> Result<Self, Error> {
        let doc: SecretDocument = serde_json::from_str(json)
            .map_err(|e| Error::internal(format!("secret is not the expected JSON: {e}")))?;
        let key = STANDARD
            .decode(doc.jwt_signing_key.trim())
            .map_err(|_| Error::internal("secret jwtSigningKey is not base64"))?;
        let app_client = doc
            .app_client_secret
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(crate::tokens::AppClientSecret::new);
        Ok(Self {
            jwt: JwtKeys::from_secret(&key)?,
            app_client,
            sp: crate::saml::sp_keys::SpKeys::parse(&doc.sp_keys)?,
        })
    }
}

/// Each org's trusted IdP keys, parsed once per cold start (and again only when the SSO
/// config's version changes), never per request.
#[derive(Clone, Default)]
pub struct KeyCache(Arc<std::sync::Mutex<std::collections::HashMap<String, CachedKeys>>>);

/// An org's keys and the SSO config version they were parsed from.
type CachedKeys = (u64, Arc<crate::saml::TrustedKeys>);

impl KeyCache {
    /// The keys of `org` at config `version`, parsing `certs` (DER, base64) on a miss.
    pub fn get_or_parse(
        &self,
        org: &str,
        version: u64,
        certs: &[String],
    ) -> Result<Arc<crate::saml::TrustedKeys>, Error> {
        if let Ok(map) = self.0.lock()
            && let Some((v, keys)) = map.get(org)
            && *v == version
        {
            return Ok(Arc::clone(keys));
        }
        let ders: Vec<Vec<u8>> = certs
            .iter()
            .map(|c| STANDARD.decode(c.split_whitespace().collect::<String>()))
            .collect::<Result<_, _>>()
            .map_err(|_| Error::internal("stored IdP certificate is not base64"))?;
        let refs: Vec<&[u8]> = ders.iter().map(Vec::as_slice).collect();
        // Zero certificates is an error here: an org without one can never log anyone in.
        let keys = Arc::new(crate::saml::TrustedKeys::from_der(&refs).map_err(|e| {
            Error::new(
                ErrorCode::SsoNotConfigured,
                format!("IdP keys unusable: {e}"),
            )
        })?);
        if let Ok(mut map) = self.0.lock() {
            map.insert(org.to_owned(), (version, Arc::clone(&keys)));
        }
        Ok(keys)
    }
}

/// What a function uses, so that its cold start builds and reads only that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    /// The JWT key (admin auth, binding links, sessions): one Secrets Manager read.
    pub jwt: bool,
    /// The SES client (only the mailer sends).
    pub ses: bool,
}

impl Needs {
    /// Everything (the local gateway, tests).
    pub const ALL: Needs = Needs {
        jwt: true,
        ses: true,
    };
    /// Only the table (SCIM, whose bearer tokens are hashes in the table; the refresh).
    pub const TABLE: Needs = Needs {
        jwt: false,
        ses: false,
    };
    /// The table and the JWT key (admin routes, SAML, binding).
    pub const JWT: Needs = Needs {
        jwt: true,
        ses: false,
    };
}

/// Where ids and secrets' randomness come from: the OS-seeded CSPRNG (`StdRng`, ChaCha12)
/// in production, a seeded one in a test that wants repeatable ids. The one home of
/// `rand::rng`-like calls (clippy's `disallowed-methods` keeps it so).
#[derive(Clone)]
pub struct Ids(Arc<std::sync::Mutex<StdRng>>);

impl Ids {
    pub fn from_os() -> Self {
        Self(Arc::new(std::sync::Mutex::new(StdRng::from_os_rng())))
    }

    pub fn seeded(seed: u64) -> Self {
        Self(Arc::new(std::sync::Mutex::new(StdRng::seed_from_u64(seed))))
    }

    /// Runs `f` with the generator (never across an await).
    pub fn with<R>(&self, f: impl FnOnce(&mut dyn RngCore) -> R) -> R {
        let mut rng = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut *rng)
    }

    /// A URL-safe random id of `bytes` random bytes.
    pub fn id(&self, bytes: usize) -> String {
        self.with(|rng| crate::types::random_id(rng, bytes))
    }

    pub fn user_id(&self) -> crate::types::UserId {
        self.with(crate::types::UserId::generate)
    }
}

/// The JWT key, read from Secrets Manager at most once per cold start, when first used
/// (`App::jwt_key`): a request that never needs it (a SCIM call, a refused SAML post, an
/// empty mail sweep) never waits for it. Measured on this machine against the emulators
/// (`make bench-cold-start`), reading it during init, or in a background task there, made
/// every cold start slower, not faster: on 2 cores the read competes with the init it was
/// meant to overlap.
#[derive(Clone)]
struct SecretLoader {
    cell: Arc<tokio::sync::OnceCell<Secrets>>,
    client: aws_sdk_secretsmanager::Client,
    id: String,
}

impl SecretLoader {
    fn new(client: aws_sdk_secretsmanager::Client, id: String) -> Self {
        Self {
            cell: Arc::new(tokio::sync::OnceCell::new()),
            client,
            id,
        }
    }

    async fn get(&self) -> Result<&Secrets, Error> {
        self.cell
            .get_or_try_init(|| read_secret(&self.client, &self.id))
            .await
    }
}

/// Everything a handler needs; one per cold start.
#[derive(Clone)]
pub struct App {
    pub config: Config,
    pub store: Store,
    ses: Option<aws_sdk_sesv2::Client>,
    secrets: Option<SecretLoader>,
    pub clock: Clock,
    pub ids: Ids,
    pub idp_keys: KeyCache,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl App {
    /// Reads the environment and builds what `needs` asks for: the table's client always,
    /// the SES client and the secret only when used (the secret is read on first use, once).
    /// The clients honour `AWS_ENDPOINT_URL_*`.
    pub async fn from_env(needs: Needs) -> Result<Self, Error> {
        let config = Config::from_env().map_err(|e| Error::internal(e.to_string()))?;
        let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
        let store = Store::from_sdk(&sdk, config.table_name.clone());
        let secrets = needs.jwt.then(|| {
            SecretLoader::new(
                aws_sdk_secretsmanager::Client::new(&sdk),
                config.secret_id.clone(),
            )
        });
        let ses = needs.ses.then(|| aws_sdk_sesv2::Client::new(&sdk));
        Ok(Self::assemble(config, store, ses, secrets))
    }

    /// Builds the app with everything, from ready clients (the local stack and tests point
    /// them at the emulators).
    pub async fn connect(
        config: Config,
        store: Store,
        ses: aws_sdk_sesv2::Client,
        secrets: aws_sdk_secretsmanager::Client,
    ) -> Result<Self, Error> {
        let loader = SecretLoader::new(secrets, config.secret_id.clone());
        loader.get().await?;
        Ok(Self::assemble(config, store, Some(ses), Some(loader)))
    }

    fn assemble(
        config: Config,
        store: Store,
        ses: Option<aws_sdk_sesv2::Client>,
        secrets: Option<SecretLoader>,
    ) -> Self {
        Self {
            store,
            config,
            ses,
            secrets,
            // The one home of the wall clock; everything else asks `App::now`.
            #[allow(clippy::disallowed_methods)]
            clock: Arc::new(OffsetDateTime::now_utc),
            ids: Ids::from_os(),
            idp_keys: KeyCache::default(),
        }
    }

    /// The JWT keys, waiting for the secret read if it is still on its way; an internal
    /// error in a function built without them, or when the secret cannot be read.
    pub async fn jwt_key(&self) -> Result<&JwtKeys, Error> {
        let loader = self
            .secrets
            .as_ref()
            .ok_or_else(|| Error::internal("this function was built without the JWT key"))?;
        Ok(&loader.get().await?.jwt)
    }

    /// The SP's keys (read with the JWT key, once per cold start); empty when the
    /// deployment has none yet (then AuthnRequests go unsigned and metadata has no keys).
    pub async fn sp_keys(&self) -> Result<&crate::saml::sp_keys::SpKeys, Error> {
        let loader = self
            .secrets
            .as_ref()
            .ok_or_else(|| Error::internal("this function was built without its secret"))?;
        Ok(&loader.get().await?.sp)
    }

    /// The app's client secret (read with the JWT key); `500` when the secret has none,
    /// which only a `SESSION_HANDOFF=code` deployment needs.
    pub async fn app_client_secret(&self) -> Result<&crate::tokens::AppClientSecret, Error> {
        let loader = self
            .secrets
            .as_ref()
            .ok_or_else(|| Error::internal("this function was built without its secret"))?;
        loader
            .get()
            .await?
            .app_client
            .as_ref()
            .ok_or_else(|| Error::internal("the secret has no appClientSecret"))
    }

    /// The JWT keys when already read (always, for an app made by [`App::connect`]: the
    /// local stack and tests).
    pub fn jwt(&self) -> Result<&JwtKeys, Error> {
        self.secrets
            .as_ref()
            .and_then(|loader| loader.cell.get())
            .map(|s| &s.jwt)
            .ok_or_else(|| Error::internal("the JWT key is not read yet"))
    }

    /// The SES client; an internal error in a function built without it.
    pub fn ses(&self) -> Result<&aws_sdk_sesv2::Client, Error> {
        self.ses
            .as_ref()
            .ok_or_else(|| Error::internal("this function was built without SES"))
    }

    /// The same app sending through another SES client (a test's unreachable one).
    pub fn with_ses(mut self, ses: aws_sdk_sesv2::Client) -> Self {
        self.ses = Some(ses);
        self
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }

    /// Now, as the stored and shown instant.
    pub fn timestamp(&self) -> crate::types::Timestamp {
        crate::types::Timestamp::at(self.now())
    }

    /// A new audit event, stamped now, with a fresh id.
    pub fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> crate::model::AuditEvent {
        let mut event =
            crate::model::AuditEvent::new(self.ids.id(10), self.timestamp(), actor, action, target);
        event.detail = detail;
        event
    }
}

async fn read_secret(client: &aws_sdk_secretsmanager::Client, id: &str) -> Result<Secrets, Error> {
    let out = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .map_err(|e| {
            Error::internal(format!(
                "reading secret {id}: {}",
                aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
            ))
        })?;
    let text = out
        .secret_string()
        .ok_or_else(|| Error::internal(format!("secret {id} has no string value")))?;
    Secrets::parse(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_needs_a_base64_key_of_32_bytes() {
        let good = format!(r#"{{"jwtSigningKey":"{}"}}"#, STANDARD.encode([1u8; 32]));
        assert!(Secrets::parse(&good).is_ok());
        let short = format!(r#"{{"jwtSigningKey":"{}"}}"#, STANDARD.encode([1u8; 8]));
        assert!(Secrets::parse(&short).is_err());
        assert!(Secrets::parse("{}").is_err());
        assert!(Secrets::parse(r#"{"jwtSigningKey":"%%%"}"#).is_err());
    }
}
