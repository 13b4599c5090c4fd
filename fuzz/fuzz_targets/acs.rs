//! The ACS from the form value down: `validate_xml` on the bytes as posted (decoded), and
//! `validate_form_value` on them as the form field, with the fixtures' IdP certificate and
//! SP encryption key, at the fixtures' instant. Never a panic, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::saml::{AcsContext, DecryptionKeys, TrustedKeys, validate_form_value, validate_xml};
use std::sync::OnceLock;

const IDP_CERT: &str = include_str!("../../tests/fixtures/saml/keys/idp.crt");
const SP_KEY: &str = include_str!("../../tests/fixtures/saml/keys/sp-enc.key");

fn keys() -> &'static (TrustedKeys, DecryptionKeys) {
    static KEYS: OnceLock<(TrustedKeys, DecryptionKeys)> = OnceLock::new();
    KEYS.get_or_init(|| {
        (
            TrustedKeys::from_pem(&[IDP_CERT]).expect("fixture certificate"),
            DecryptionKeys::from_pem(&[SP_KEY]).expect("fixture key"),
        )
    })
}

fuzz_target!(|data: &[u8]| {
    let (trusted, decryption) = keys();
    for want_assertions_signed in [false, true] {
        let ctx = AcsContext {
            sp_entity_id: "https://sp.example.com/saml/acme",
            acs_url: "https://sp.example.com/saml/acme/acs",
            idp_entity_id: "http://www.okta.com/exk1fixture0000000",
            trusted,
            decryption,
            want_assertions_signed,
            now: 1_767_225_900,
            skew_secs: 60,
        };
        let _ = validate_xml(data, &ctx);
        if let Ok(text) = std::str::from_utf8(data) {
            let _ = validate_form_value(text, &ctx);
        }
    }
});
