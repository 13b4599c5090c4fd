//! App: config, AWS clients and the cached secret, built once per cold start and shared.

use std::sync::Arc;

use aws_config::BehaviorVersion;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
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
}

/// The secret's JSON shape: `{"jwtSigningKey": "<base64, at least 32 bytes>"}`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SecretDocument {
    jwt_signing_key: String,
}

impl Secrets {
    pub fn parse(json: &str) -> Result<Self, Error> {
        let doc: SecretDocument = serde_json::from_str(json)
            .map_err(|e| Error::internal(format!("secret is not the expected JSON: {e}")))?;
        let key = STANDARD
            .decode(doc.jwt_signing_key.trim())
            .map_err(|_| Error::internal("secret jwtSigningKey is not base64"))?;
        Ok(Self {
            jwt: JwtKeys::from_secret(&key)?,
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

/// Everything a handler needs; one per cold start.
#[derive(Clone)]
pub struct App {
    pub config: Config,
    pub store: Store,
    pub ses: aws_sdk_sesv2::Client,
    pub secrets: Secrets,
    pub clock: Clock,
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
    /// Reads the environment, builds the clients (they honour `AWS_ENDPOINT_URL_*`) and
    /// reads the secret once.
    pub async fn from_env() -> Result<Self, Error> {
        let config = Config::from_env().map_err(|e| Error::internal(e.to_string()))?;
        let sdk = aws_config::load_defaults(BehaviorVersion::latest()).await;
        Self::connect(
            config,
            aws_sdk_dynamodb::Client::new(&sdk),
            aws_sdk_sesv2::Client::new(&sdk),
            aws_sdk_secretsmanager::Client::new(&sdk),
        )
        .await
    }

    /// Builds the app from ready clients (tests point them at the local emulators).
    pub async fn connect(
        config: Config,
        dynamodb: aws_sdk_dynamodb::Client,
        ses: aws_sdk_sesv2::Client,
        secrets: aws_sdk_secretsmanager::Client,
    ) -> Result<Self, Error> {
        let secrets = read_secret(&secrets, &config.secret_id).await?;
        Ok(Self {
            store: Store::new(dynamodb, config.table_name.clone()),
            config,
            ses,
            secrets,
            clock: Arc::new(OffsetDateTime::now_utc),
            idp_keys: KeyCache::default(),
        })
    }

    pub fn now(&self) -> OffsetDateTime {
        (self.clock)()
    }

    /// A new audit event, stamped now, with a fresh id.
    pub fn audit(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        detail: serde_json::Value,
    ) -> crate::model::AuditEvent {
        let mut event = crate::model::AuditEvent::new(
            crate::types::random_id(&mut rand::rng(), 10),
            rfc3339(self.now()),
            actor,
            action,
            target,
        );
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

/// RFC 3339 text of a time, as stored and shown.
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.unix_timestamp().to_string())
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
