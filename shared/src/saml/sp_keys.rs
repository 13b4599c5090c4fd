//! The SP's own keys (CONTRACT.md "SAML service provider"): RSA signing and encryption
//! keys with self-signed certificates, kept in Secrets Manager beside the JWT key, and the
//! HTTP-Redirect signature of AuthnRequests (SAML bindings 3.4.4.1, RSA-SHA256).
//!
//! Each use holds a list: one `active` key (signs, decrypts first), optionally a `next` one
//! (published in metadata before it is used) and a `previous` one (still published and
//! still decrypting until dropped). Rotation is a runbook in the README.

use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::decrypt::DecryptionKeys;
use crate::error::Error;

/// `http://www.w3.org/2001/04/xmldsig-more#rsa-sha256`: the only SigAlg sent.
pub const SIG_ALG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

/// Where a key is in its rotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyState {
    /// Published, not used yet.
    Next,
    /// Signs; decrypts first.
    Active,
    /// Published and decrypting until dropped.
    Previous,
}

/// One key: its certificate (DER) and its private key.
#[derive(Clone)]
pub struct SpKey {
    pub state: KeyState,
    pub cert_der: Vec<u8>,
    key: Arc<RsaKeyPair>,
    pkcs8: Arc<Vec<u8>>,
    /// The private key and the certificate as stored (PEM), for the XML signer.
    pems: Arc<(String, String)>,
}

impl std::fmt::Debug for SpKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpKey")
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl SpKey {
    /// The certificate as `<X509Certificate>` text (base64 of the DER).
    pub fn cert_base64(&self) -> String {
        STANDARD.encode(&self.cert_der)
    }

    /// The private key as PKCS#8 DER (for decryption).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The private key (PKCS#8) and the certificate, PEM.
    pub fn pems(&self) -> (&str, &str) {
        (&self.pems.0, &self.pems.1)
    }
}

/// Every SP key, by use.
#[derive(Debug, Clone, Default)]
pub struct SpKeys {
    pub signing: Vec<SpKey>,
    pub encryption: Vec<SpKey>,
    /// The encryption keys as bergshamra decrypts with them, active first.
    pub decryption: Arc<DecryptionKeys>,
}

/// The secret's `spKeys` field as stored.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct StoredKey {
    pub state: KeyState,
    /// PKCS#8 private key, PEM.
    pub key: String,
    /// X.509 certificate, PEM.
    pub cert: String,
}

#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
pub struct StoredKeys {
    #[serde(default)]
    pub signing: Vec<StoredKey>,
    #[serde(default)]
    pub encryption: Vec<StoredKey>,
}

impl SpKeys {
    pub fn parse(stored: &StoredKeys) -> Result<Self, Error> {
        let parse_all = |keys: &[StoredKey], what: &str| -> Result<Vec<SpKey>, Error> {
            let parsed: Vec<SpKey> = keys.iter().map(parse_key).collect::<Result<_, _>>()?;
            let active = parsed
                .iter()
                .filter(|k| k.state == KeyState::Active)
                .count();
            if !parsed.is_empty() && active != 1 {
                return Err(Error::internal(format!(
                    "spKeys.{what} must hold exactly one active key, holds {active}"
                )));
            }
            Ok(parsed)
        };
        let mut by_order: Vec<&StoredKey> = stored.encryption.iter().collect();
        by_order.sort_by_key(|k| k.state != KeyState::Active);
        let pems: Vec<&str> = by_order.iter().map(|k| k.key.as_str()).collect();
        let decryption = DecryptionKeys::from_pem(&pems).map_err(Error::internal)?;
        Ok(Self {
            signing: parse_all(&stored.signing, "signing")?,
            encryption: parse_all(&stored.encryption, "encryption")?,
            decryption: Arc::new(decryption),
        })
    }

    /// The key that signs AuthnRequests, if the deployment has one.
    pub fn active_signing(&self) -> Option<&SpKey> {
        self.signing.iter().find(|k| k.state == KeyState::Active)
    }

    /// The encryption certificate IdPs should encrypt for now.
    pub fn active_encryption(&self) -> Option<&SpKey> {
        self.encryption.iter().find(|k| k.state == KeyState::Active)
    }

    /// Decryption keys, the active one first.
    pub fn decryption_order(&self) -> Vec<&SpKey> {
        let mut keys: Vec<&SpKey> = self.encryption.iter().collect();
        keys.sort_by_key(|k| k.state != KeyState::Active);
        keys
    }
}

fn parse_key(stored: &StoredKey) -> Result<SpKey, Error> {
    let pkcs8 = pem_body(&stored.key, "PRIVATE KEY")
        .ok_or_else(|| Error::internal("an SP key is not a PKCS#8 PEM (BEGIN PRIVATE KEY)"))?;
    let key = RsaKeyPair::from_pkcs8(&pkcs8)
        .map_err(|e| Error::internal(format!("an SP key is not an RSA PKCS#8 key: {e}")))?;
    let cert_der = pem_body(&stored.cert, "CERTIFICATE")
        .ok_or_else(|| Error::internal("an SP certificate is not a PEM certificate"))?;
    Ok(SpKey {
        state: stored.state,
        cert_der,
        key: Arc::new(key),
        pkcs8: Arc::new(pkcs8),
        pems: Arc::new((stored.key.clone(), stored.cert.clone())),
    })
}

/// The DER inside `-----BEGIN {label}-----` ... `-----END {label}-----`.
fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = pem[start..].find(&end)? + start;
    let body: String = pem.get(start..stop)?.split_whitespace().collect();
    STANDARD.decode(body).ok()
}

/// The query string of a signed HTTP-Redirect message (SAML bindings 3.4.4.1):
/// `SAMLRequest=..[&RelayState=..]&SigAlg=..` signed byte for byte as it is sent, then
/// `&Signature=..`. Each value is form-urlencoded once, here, so what is signed is what the
/// IdP reads back from the URL.
pub fn signed_redirect_query(
    key: &SpKey,
    saml_request: &str,
    relay_state: Option<&str>,
) -> Result<String, Error> {
    let enc = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let mut query = format!("SAMLRequest={}", enc(saml_request));
    if let Some(relay) = relay_state.filter(|r| !r.is_empty()) {
        query.push_str(&format!("&RelayState={}", enc(relay)));
    }
    query.push_str(&format!("&SigAlg={}", enc(SIG_ALG_RSA_SHA256)));
    let mut signature = vec![0u8; key.key.public_modulus_len()];
    key.key
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            query.as_bytes(),
            &mut signature,
        )
        .map_err(|e| Error::internal(format!("signing the AuthnRequest: {e}")))?;
    query.push_str(&format!("&Signature={}", enc(&STANDARD.encode(signature))));
    Ok(query)
}
