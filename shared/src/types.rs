//! Newtypes for values with rules: an invalid CompanyId, Email, Role, UserName or UserId cannot
//! be built. Identity values (NameID, externalId) live in `identity`.

use std::fmt;

use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::identity::{self, IdentityKey};

/// Why a value was refused; the text is safe to show to the caller.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

fn invalid(msg: impl Into<String>) -> InvalidValue {
    InvalidValue(msg.into())
}

/// The base32 character of the low 5 bits of `bits`.
fn base32_char(bits: u32) -> char {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    // `& 31` keeps the index below 32: `get` never misses.
    char::from(ALPHABET.get((bits & 31) as usize).copied().unwrap_or(b'a'))
}

/// URL-safe random identifier of `bytes` random bytes, lowercase base32 without padding.
pub fn random_id(rng: &mut dyn RngCore, bytes: usize) -> String {
    let mut raw = vec![0u8; bytes];
    rng.fill_bytes(&mut raw);
    let mut out = String::with_capacity(bytes * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for byte in raw {
        acc = (acc << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(base32_char(acc >> bits));
        }
    }
    if bits > 0 {
        out.push(base32_char(acc << (5 - bits)));
    }
    out
}

macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = InvalidValue;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }
        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }
    };
}

/// For identity values (`identity`) that follow the same shape.
pub(crate) use string_newtype;

/// An org's Company ID: opaque, URL-safe (`[A-Za-z0-9_-]`, 3..=64).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CompanyId(String);
string_newtype!(CompanyId);

impl CompanyId {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let ok = (3..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(invalid(
                "companyId must be 3 to 64 characters of A-Z a-z 0-9 - _",
            ))
        }
    }

    pub fn generate(rng: &mut dyn RngCore) -> Self {
        Self(random_id(rng, 10))
    }
}

/// A server-made user id: opaque, URL-safe.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserId(String);
string_newtype!(UserId);

impl UserId {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(invalid("not a user id"))
        }
    }

    pub fn generate(rng: &mut dyn RngCore) -> Self {
        Self(random_id(rng, 15))
    }
}

/// An email address: one `@`, a non-empty local part, a dotted domain, no spaces, at most 254 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);
string_newtype!(Email);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let raw = raw.trim();
        let Some((local, domain)) = raw.split_once('@') else {
            return Err(invalid("email must contain @"));
        };
        let ok = raw.len() <= 254
            && !local.is_empty()
            && local.len() <= 64
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !raw
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        if !ok {
            return Err(invalid(format!("'{raw}' is not an email address")));
        }
        crate::identity::check_stable("email", raw)?;
        Ok(Self(raw.to_owned()))
    }

    /// The lookup key (ASCII case folded only: `crate::identity::key`).
    pub fn key(&self) -> IdentityKey {
        identity::key(&self.0)
    }
}

/// The Okta username as sent (usually an email); compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UserName(String);
string_newtype!(UserName);

impl UserName {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let ok = !raw.trim().is_empty()
            && raw.len() <= 256
            && !raw.chars().any(char::is_control)
            && raw.trim() == raw;
        if !ok {
            return Err(invalid(
                "userName must be 1 to 256 characters without surrounding spaces",
            ));
        }
        identity::check_stable("userName", raw)?;
        Ok(Self(raw.to_owned()))
    }

    /// Key for uniqueness: userName compares case-insensitively (RFC 7643 4.1.1
    /// caseExact=false), for ASCII letters only (CONTRACT.md "Tenancy and identity").
    pub fn key(&self) -> IdentityKey {
        identity::key(&self.0)
    }
}

/// An instant, stored and shown as RFC 3339 text in UTC (`2026-01-01T00:00:00Z`, with
/// the sub-second digits the clock gave). Ordered as time is; its text is what SCIM's
/// `meta.created`/`lastModified`, the audit trail and the stored items carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(time::OffsetDateTime);

impl Timestamp {
    pub fn at(instant: time::OffsetDateTime) -> Self {
        Self(instant.to_offset(time::UtcOffset::UTC))
    }

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
            .map(Self::at)
            .map_err(|_| invalid(format!("'{raw}' is not an RFC 3339 time")))
    }

    pub fn instant(self) -> time::OffsetDateTime {
        self.0
    }

    pub fn unix_timestamp(self) -> i64 {
        self.0.unix_timestamp()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self
            .0
            .format(&time::format_description::well_known::Rfc3339)
        {
            Ok(text) => f.write_str(&text),
            Err(_) => write!(f, "{}", self.0.unix_timestamp()),
        }
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A user's role in the app; exact and case-sensitive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Rep,
    Meetings,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Rep, Role::Meetings];

    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        match raw {
            "admin" => Ok(Role::Admin),
            "rep" => Ok(Role::Rep),
            "meetings" => Ok(Role::Meetings),
            other => Err(invalid(format!(
                "role '{other}' is not one of admin, rep, meetings (exact case)"
            ))),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Rep => "rep",
            Role::Meetings => "meetings",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{SeedableRng, rngs::StdRng};

    #[test]
    fn company_ids_are_url_safe() {
        assert!(CompanyId::parse("acme-co_1").is_ok());
        assert!(CompanyId::parse("a/b").is_err());
        assert!(CompanyId::parse("ab").is_err());
        let generated = CompanyId::generate(&mut StdRng::seed_from_u64(1));
        assert!(CompanyId::parse(generated.as_str()).is_ok());
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(Email::parse("jane+test@x.com").is_ok());
        for bad in [
            "jane",
            "@x.com",
            "jane@x",
            "jane@.x.com",
            "a b@x.com",
            "j@x.com>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn roles_are_exact_case() {
        assert_eq!(Role::parse("meetings").unwrap(), Role::Meetings);
        assert!(Role::parse("Admin").is_err());
        assert!(Role::parse("").is_err());
    }

    #[test]
    fn user_names_compare_case_insensitively_but_keep_their_case() {
        let name = UserName::parse("Jane@X.com").unwrap();
        assert_eq!(name.as_str(), "Jane@X.com");
        assert_eq!(name.key(), identity::key("jane@x.com"));
        assert!(UserName::parse(" jane").is_err());
    }

    #[test]
    fn random_ids_differ_and_have_the_expected_length() {
        let mut rng = StdRng::seed_from_u64(7);
        let a = random_id(&mut rng, 15);
        let b = random_id(&mut rng, 15);
        assert_ne!(a, b);
        assert_eq!(a.len(), 24);
    }
}
