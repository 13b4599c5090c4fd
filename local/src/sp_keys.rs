//! Making and rotating the SP's keys (`spKeys` in the Secrets Manager secret): what
//! `make run` does for the local stack and `make sp-keys` for a deployment. Each key is RSA
//! 2048 with a self-signed certificate valid ten years; IdPs pin the certificate from the
//! SP metadata, they do not check a chain.

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};
use shared::saml::sp_keys::{KeyState, StoredKey, StoredKeys};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A fresh key and certificate for `use_` (`signing` or `encryption`) of `entity`.
pub fn generate(entity: &str, use_: &str, state: KeyState) -> Result<StoredKey, BoxError> {
    let rsa = Rsa::generate(2048)?;
    let key = PKey::from_rsa(rsa)?;
    let mut name = X509NameBuilder::new()?;
    let cn: String = format!("{entity} SAML {use_}").chars().take(64).collect();
    name.append_entry_by_text("CN", &cn)?;
    let name = name.build();
    let mut cert = X509::builder()?;
    cert.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, openssl::bn::MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    cert.set_serial_number(&serial)?;
    cert.set_subject_name(&name)?;
    cert.set_issuer_name(&name)?;
    cert.set_pubkey(&key)?;
    let (from, until) = (Asn1Time::days_from_now(0)?, Asn1Time::days_from_now(3650)?);
    cert.set_not_before(&from)?;
    cert.set_not_after(&until)?;
    cert.sign(&key, MessageDigest::sha256())?;
    Ok(StoredKey {
        state,
        key: String::from_utf8(key.private_key_to_pem_pkcs8()?)?,
        cert: String::from_utf8(cert.build().to_pem()?)?,
    })
}

/// One active signing and one active encryption key where there are none.
pub fn init(keys: &mut StoredKeys, entity: &str) -> Result<bool, BoxError> {
    let mut changed = false;
    if keys.signing.is_empty() {
        keys.signing
            .push(generate(entity, "signing", KeyState::Active)?);
        changed = true;
    }
    if keys.encryption.is_empty() {
        keys.encryption
            .push(generate(entity, "encryption", KeyState::Active)?);
        changed = true;
    }
    Ok(changed)
}

/// Rotation step 1: a `next` key for each use, published in metadata, not used yet.
pub fn add_next(keys: &mut StoredKeys, entity: &str) -> Result<(), BoxError> {
    for (list, use_) in [
        (&mut keys.signing, "signing"),
        (&mut keys.encryption, "encryption"),
    ] {
        if list.iter().any(|k| k.state == KeyState::Next) {
            return Err(format!("a next {use_} key already exists: promote it first").into());
        }
        list.push(generate(entity, use_, KeyState::Next)?);
    }
    Ok(())
}

/// Rotation step 2, once the IdPs have the new certificates: next becomes active, active
/// becomes previous (still published, still decrypting).
pub fn promote(keys: &mut StoredKeys) -> Result<(), BoxError> {
    for list in [&mut keys.signing, &mut keys.encryption] {
        if !list.iter().any(|k| k.state == KeyState::Next) {
            return Err("no next key to promote: run add-next first".into());
        }
        list.retain(|k| k.state != KeyState::Previous);
        for key in list.iter_mut() {
            key.state = match key.state {
                KeyState::Next => KeyState::Active,
                KeyState::Active | KeyState::Previous => KeyState::Previous,
            };
        }
    }
    Ok(())
}

/// Rotation step 3: the previous keys are dropped from metadata and decryption.
pub fn drop_previous(keys: &mut StoredKeys) {
    for list in [&mut keys.signing, &mut keys.encryption] {
        list.retain(|k| k.state != KeyState::Previous);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::saml::sp_keys::SpKeys;

    fn states(keys: &[StoredKey]) -> Vec<KeyState> {
        keys.iter().map(|k| k.state).collect()
    }

    #[test]
    fn a_rotation_publishes_the_next_key_before_it_signs_and_drops_the_old_after() {
        let mut keys = StoredKeys::default();
        assert!(init(&mut keys, "https://sso.test").unwrap());
        assert!(!init(&mut keys, "https://sso.test").unwrap());
        let first = SpKeys::parse(&keys)
            .unwrap()
            .active_signing()
            .unwrap()
            .cert_der
            .clone();
        add_next(&mut keys, "https://sso.test").unwrap();
        assert_eq!(states(&keys.signing), [KeyState::Active, KeyState::Next]);
        let parsed = SpKeys::parse(&keys).unwrap();
        assert_eq!(
            parsed.active_signing().unwrap().cert_der,
            first,
            "next is not used yet"
        );
        assert_eq!(parsed.signing.len(), 2, "both published");
        assert!(add_next(&mut keys, "https://sso.test").is_err());
        promote(&mut keys).unwrap();
        assert_eq!(
            states(&keys.signing),
            [KeyState::Previous, KeyState::Active]
        );
        let parsed = SpKeys::parse(&keys).unwrap();
        assert_ne!(parsed.active_signing().unwrap().cert_der, first);
        assert_eq!(parsed.decryption_order().len(), 2);
        assert!(promote(&mut keys).is_err());
        drop_previous(&mut keys);
        assert_eq!(states(&keys.encryption), [KeyState::Active]);
    }
}
