//! Tokens: the JWT kinds (each with its own `aud`), and SCIM bearer token generation and hashing.
//!
//! JWTs are HS256 with a key from Secrets Manager. Expiry is checked against a `now` that
//! the caller passes in, so every expiry has a test; `jsonwebtoken`'s own clock is off.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::{Error, ErrorCode};
use crate::types::CompanyId;

/// The audiences: one kind of token can never be used as another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Admin,
    Binding,
    PasswordSetup,
    Portal,
    Session,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Admin => "admin",
            Audience::Binding => "binding",
            Audience::PasswordSetup => "password-setup",
            Audience::Portal => "portal",
            Audience::Session => "session",
        }
    }
}

/// Claims of an admin token, issued by the app (CONTRACT.md "Tokens").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct AdminClaims {
    pub sub: String,
    pub org: String,
    pub role: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// Claims of the admin portal's cookie (`portal`, CONTRACT "Admin portal"): the admin it
/// was made for, and `csrf`, which every write so authorized repeats in `X-CSRF-Token`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PortalClaims {
    pub sub: String,
    pub org: String,
    pub role: String,
    pub csrf: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// How long the portal cookie lasts.
pub const PORTAL_SECONDS: i64 = 8 * 3600;

/// Claims of the session token set as a cookie after a SAML login (CONTRACT.md "Tokens").
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionClaims {
    pub sub: String,
    pub org: String,
    pub email: String,
    pub role: String,
    pub amr: Vec<String>,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// Claims of a binding link (`{base}/bind/{token}`): single use; `jti` must still be the
/// user's current link.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct BindingClaims {
    pub sub: String,
    pub org: String,
    pub jti: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// Claims of the link the app uses to let a user set a password after SSO is disabled.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PasswordSetupClaims {
    pub sub: String,
    pub org: String,
    pub email: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// How long a session lasts.
pub const SESSION_SECONDS: i64 = 8 * 3600;

/// Why a token was refused; for the log only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("token is malformed or its signature does not verify")]
    Invalid,
    #[error("token is for another audience")]
    WrongAudience,
    #[error("token has expired")]
    Expired,
}

impl From<TokenError> for Error {
    fn from(value: TokenError) -> Self {
        Error::unauthorized(match value {
            TokenError::Invalid => "token invalid",
            TokenError::WrongAudience => "token audience mismatch",
            TokenError::Expired => "token expired",
        })
    }
}

/// The JWT signing key, parsed once per cold start.
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JwtKeys(..)")
    }
}

impl JwtKeys {
    /// At least 32 bytes of key material.
    pub fn from_secret(secret: &[u8]) -> Result<Self, Error> {
        if secret.len() < 32 {
            return Err(Error::internal("JWT key shorter than 32 bytes"));
        }
        Ok(Self {
            encoding: EncodingKey::from_secret(secret)
                .map_err(|e| Error::internal(format!("JWT key: {e}")))?,
            decoding: DecodingKey::from_secret(secret)
                .map_err(|e| Error::internal(format!("JWT key: {e}")))?,
        })
    }

    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| Error::internal(format!("JWT signing failed: {e}")))
    }

    /// Verifies signature, algorithm, audience and `exp` against `now` (unix seconds).
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        audience: Audience,
        now: i64,
    ) -> Result<T, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.validate_aud = false;
        validation.required_spec_claims.clear();
        let data = jsonwebtoken::decode::<serde_json::Value>(token, &self.decoding, &validation)
            .map_err(|_| TokenError::Invalid)?;
        let claims = data.claims;
        if claims.get("aud").and_then(|a| a.as_str()) != Some(audience.as_str()) {
            return Err(TokenError::WrongAudience);
        }
        match claims.get("exp").and_then(|e| e.as_i64()) {
            Some(exp) if now < exp => {}
            Some(_) => return Err(TokenError::Expired),
            None => return Err(TokenError::Invalid),
        }
        serde_json::from_value(claims).map_err(|_| TokenError::Invalid)
    }

    /// Checks an admin token: signature, `aud = admin`, expiry and `role = admin`.
    pub fn verify_admin(&self, token: &str, now: i64) -> Result<AdminClaims, Error> {
        let claims: AdminClaims = self.verify(token, Audience::Admin, now)?;
        if claims.role != "admin" {
            return Err(Error::new(
                ErrorCode::NotAdmin,
                format!("token role is {:?}", claims.role),
            ));
        }
        Ok(claims)
    }
}

/// A new SCIM bearer token: 256 random bits, and the hash that is all we store.
pub struct NewScimToken {
    pub token: String,
    pub hash: String,
}

impl std::fmt::Debug for NewScimToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewScimToken")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// `scim_{companyId}.{43 chars of base64url}`: the org is named in the clear so that the
/// token check can ride in the same DynamoDB round trip as the operation; the secret part
/// is the 256 random bits, and the whole token is hashed.
pub fn generate_scim_token(org: &CompanyId, rng: &mut dyn RngCore) -> NewScimToken {
    let mut raw = [0u8; 32];
    rng.fill_bytes(&mut raw);
    let token = format!("{SCIM_TOKEN_PREFIX}{org}.{}", URL_SAFE_NO_PAD.encode(raw));
    let hash = hash_scim_token(&token);
    NewScimToken { token, hash }
}

const SCIM_TOKEN_PREFIX: &str = "scim_";

/// A presented SCIM token, split into the org it names and its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScimCredential {
    pub org: CompanyId,
    pub hash: String,
}

impl ScimCredential {
    /// `None` for anything not shaped like one of our tokens (the caller answers 401).
    pub fn from_token(token: &str) -> Option<Self> {
        let rest = token.strip_prefix(SCIM_TOKEN_PREFIX)?;
        let (org, secret) = rest.rsplit_once('.')?;
        if secret.len() != 43 {
            return None;
        }
        Some(Self {
            org: CompanyId::parse(org).ok()?,
            hash: hash_scim_token(token),
        })
    }
}

/// SHA-256 of the token, hex: the only form that is stored.
pub fn hash_scim_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The app's client secret for `POST /session/exchange`, held only as its SHA-256.
#[derive(Clone)]
pub struct AppClientSecret(String);

impl std::fmt::Debug for AppClientSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AppClientSecret(..)")
    }
}

impl AppClientSecret {
    pub fn new(secret: &str) -> Self {
        Self(hash_scim_token(secret))
    }

    /// Whether `presented` is the secret: hashes compared in constant time, so neither
    /// the secret's bytes nor its length show in the timing.
    pub fn verifies(&self, presented: &str) -> bool {
        hashes_equal(&hash_scim_token(presented), &self.0)
    }
}

/// Constant-time equality of two hashes.
pub fn hashes_equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{SeedableRng, rngs::StdRng};

    const NOW: i64 = 1_800_000_000;

    fn keys() -> JwtKeys {
        JwtKeys::from_secret(&[7u8; 32]).unwrap()
    }

    fn admin(aud: &str, role: &str, exp: i64) -> AdminClaims {
        AdminClaims {
            sub: "u1".into(),
            org: "acme".into(),
            role: role.into(),
            aud: aud.into(),
            iat: NOW - 10,
            exp,
        }
    }

    #[test]
    fn a_valid_admin_token_verifies() {
        let token = keys().sign(&admin("admin", "admin", NOW + 60)).unwrap();
        assert_eq!(keys().verify_admin(&token, NOW).unwrap().org, "acme");
    }

    #[test]
    fn an_expired_token_is_refused_at_exactly_exp() {
        let token = keys().sign(&admin("admin", "admin", NOW)).unwrap();
        let err = keys()
            .verify::<AdminClaims>(&token, Audience::Admin, NOW)
            .unwrap_err();
        assert_eq!(err, TokenError::Expired);
    }

    #[test]
    fn a_token_for_another_audience_is_refused() {
        let token = keys().sign(&admin("session", "admin", NOW + 60)).unwrap();
        let err = keys()
            .verify::<AdminClaims>(&token, Audience::Admin, NOW)
            .unwrap_err();
        assert_eq!(err, TokenError::WrongAudience);
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let other = JwtKeys::from_secret(&[8u8; 32]).unwrap();
        let token = other.sign(&admin("admin", "admin", NOW + 60)).unwrap();
        assert_eq!(
            keys()
                .verify::<AdminClaims>(&token, Audience::Admin, NOW)
                .unwrap_err(),
            TokenError::Invalid
        );
    }

    #[test]
    fn a_non_admin_role_is_forbidden() {
        let token = keys().sign(&admin("admin", "rep", NOW + 60)).unwrap();
        let err = keys().verify_admin(&token, NOW).unwrap_err();
        assert_eq!(err.status(), 403);
    }

    #[test]
    fn an_alg_none_token_is_refused() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body =
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&admin("admin", "admin", NOW + 60)).unwrap());
        let token = format!("{header}.{body}.");
        assert!(
            keys()
                .verify::<AdminClaims>(&token, Audience::Admin, NOW)
                .is_err()
        );
    }

    #[test]
    fn scim_tokens_have_256_bits_and_only_their_hash_is_kept() {
        let mut rng = StdRng::seed_from_u64(3);
        let org = CompanyId::parse("acme").unwrap();
        let a = generate_scim_token(&org, &mut rng);
        let b = generate_scim_token(&org, &mut rng);
        let credential = ScimCredential::from_token(&a.token).unwrap();
        assert_eq!(credential.org, org);
        assert_eq!(credential.hash, a.hash);
        assert!(ScimCredential::from_token("scim_acme.short").is_none());
        assert!(ScimCredential::from_token("Bearer x").is_none());
        assert_ne!(a.token, b.token);
        assert!(a.token.len() >= 5 + 5 + 43);
        assert_eq!(a.hash, hash_scim_token(&a.token));
        assert_eq!(a.hash.len(), 64);
        assert!(!format!("{a:?}").contains(&a.token));
        assert!(hashes_equal(&a.hash, &hash_scim_token(&a.token)));
        assert!(!hashes_equal(&a.hash, &b.hash));
    }

    #[test]
    fn short_keys_are_refused() {
        assert!(JwtKeys::from_secret(&[1u8; 16]).is_err());
    }
}
