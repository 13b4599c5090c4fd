//! Identity values (NameID, userName, email, externalId): the one rule for comparing them,
//! the one function that turns one into a lookup key, and the refusal of values that
//! Unicode compatibility normalization would change (CONTRACT.md "Tenancy and identity").
//! Which account an accepted assertion reaches is decided in [`reach`].
//!
//! Why ASCII only: full Unicode case mapping is many-to-one (the Kelvin sign `K` and
//! `k` both lower-case to `k`; `ſ` upper-cases to `S`), so two different IdP identities
//! could reach one account. Folding ASCII letters only, and refusing NFKC-unstable
//! input where it enters, keeps "same key" equal to "differ only in ASCII case".

use std::fmt;

use icu_normalizer::ComposingNormalizerBorrowed;
use serde::{Deserialize, Serialize};

use crate::types::InvalidValue;

pub mod reach;

/// The lookup form of an identity value: ASCII letters folded to lower case, every
/// other character kept as it is. Only [`key`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdentityKey(String);

impl IdentityKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdentityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The one function that turns an identity value into its key. Every guard key, every
/// look-up and every comparison of identity values goes through it (or [`same`]).
pub fn key(value: &str) -> IdentityKey {
    IdentityKey(value.to_ascii_lowercase())
}

/// Whether two identity values are the same identity: equal up to ASCII case.
pub fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Whether NFKC leaves `value` as it is. A value it would change (Kelvin sign, fullwidth
/// letters, ligatures, superscripts...) is refused where identity values enter.
pub fn is_compatibility_stable(value: &str) -> bool {
    ComposingNormalizerBorrowed::new_nfkc().is_normalized(value)
}

/// Refuses an identity value holding Unicode compatibility characters.
pub fn check_stable(what: &str, value: &str) -> Result<(), InvalidValue> {
    if is_compatibility_stable(value) {
        Ok(())
    } else {
        Err(InvalidValue(format!(
            "{what} holds Unicode compatibility characters (NFKC would change it)"
        )))
    }
}

/// A rename moves the identity (CONTRACT.md "Tenancy and identity": "the new value (and
/// a NameID equal to it) reaches the user, the old one reaches nobody"): when `next`
/// changes the userName, or the email, and the NameID binding equals the old value, the
/// binding follows to the new value. The store then moves both guards in the user's own
/// transaction. Returns whether the binding moved.
pub fn follow_rename(old: &crate::model::User, next: &mut crate::model::User) -> bool {
    let Some(bound) = old.name_id.as_ref() else {
        return false;
    };
    let renamed = [
        (old.user_name.as_str(), next.user_name.as_str()),
        (old.email.as_str(), next.email.as_str()),
    ];
    for (before, after) in renamed {
        if same(bound.as_str(), before) && !same(before, after) {
            // An accepted userName or email is a valid NameID (both are NFKC-checked
            // and shorter); if one ever were not, the binding goes rather than stays.
            next.name_id = NameId::parse(after).ok();
            return true;
        }
    }
    false
}

/// The SAML NameID an assertion names: non-empty, at most 1024 bytes, no control
/// characters, NFKC-stable. Kept as the IdP sent it; compared through [`key`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NameId(String);

/// Why an asserted NameID cannot name an account.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameIdError {
    #[error("the NameID is empty, over 1024 bytes, or holds control characters")]
    Malformed,
    #[error("the NameID holds Unicode compatibility characters")]
    NotStable,
}

impl NameId {
    pub fn parse(raw: &str) -> Result<Self, NameIdError> {
        if raw.trim().is_empty() || raw.len() > 1024 || raw.chars().any(char::is_control) {
            return Err(NameIdError::Malformed);
        }
        if !is_compatibility_stable(raw) {
            return Err(NameIdError::NotStable);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> IdentityKey {
        key(&self.0)
    }
}

impl fmt::Display for NameId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for NameId {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).map_err(|e| InvalidValue(e.to_string()))
    }
}

impl From<NameId> for String {
    fn from(value: NameId) -> String {
        value.0
    }
}

/// Okta's (or Entra ID's) id for the user: 1 to 256 characters, no control characters,
/// NFKC-stable; compared through [`key`] like every identity value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ExternalId(String);

impl ExternalId {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        if raw.is_empty() || raw.len() > 256 || raw.chars().any(char::is_control) {
            return Err(InvalidValue(
                "externalId must be 1 to 256 characters without control characters".into(),
            ));
        }
        check_stable("externalId", raw)?;
        Ok(Self(raw.to_owned()))
    }

    pub fn key(&self) -> IdentityKey {
        key(&self.0)
    }
}

crate::types::string_newtype!(ExternalId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_case_is_folded_and_nothing_else() {
        assert_eq!(key("Jane@X.com"), key("jane@x.COM"));
        // Kelvin sign, dotted capital I, long s: full case mapping would merge these.
        assert_ne!(key("\u{212A}ate@x.com"), key("kate@x.com"));
        assert_ne!(key("\u{130}van@x.com"), key("ivan@x.com"));
        assert_ne!(key("\u{17F}am@x.com"), key("sam@x.com"));
        assert_ne!(key("\u{C9}lise@x.com"), key("\u{E9}lise@x.com"));
    }

    #[test]
    fn compatibility_characters_are_refused_where_they_enter() {
        assert!(check_stable("userName", "jane@x.com").is_ok());
        assert!(check_stable("userName", "\u{E9}lise@x.com").is_ok());
        for bad in ["\u{212A}ate@x.com", "\u{FF4A}ane@x.com", "\u{FB01}n@x.com"] {
            assert!(check_stable("userName", bad).is_err(), "{bad:?}");
            assert_eq!(NameId::parse(bad), Err(NameIdError::NotStable));
        }
        assert_eq!(NameId::parse(" "), Err(NameIdError::Malformed));
        assert_eq!(NameId::parse("a\u{0}b"), Err(NameIdError::Malformed));
    }
}
