//! One `validate_form_value` of an Okta-style response (signed Assertion), with
//! the IdP certificate parsed once, as on a warm Lambda.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use base64::Engine;
use criterion::{Criterion, criterion_group, criterion_main};
use shared::saml::{AcsContext, DecryptionKeys, TrustedKeys, validate_form_value};
use std::hint::black_box;

fn fixture(name: &str) -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/saml/");
    std::fs::read_to_string(format!("{dir}{name}")).unwrap()
}

fn bench(c: &mut Criterion) {
    let trusted = TrustedKeys::from_pem(&[&fixture("keys/idp.crt")]).unwrap();
    let decryption = DecryptionKeys::from_pem(&[&fixture("keys/sp-enc.key")]).unwrap();
    let ctx = AcsContext {
        sp_entity_id: "https://sp.example.com/saml/acme",
        acs_url: "https://sp.example.com/saml/acme/acs",
        idp_entity_id: "http://www.okta.com/exk1fixture0000000",
        trusted: &trusted,
        decryption: &decryption,
        want_assertions_signed: false,
        now: 1_767_225_900,
        skew_secs: 60,
    };
    let form =
        base64::engine::general_purpose::STANDARD.encode(fixture("okta-signed-assertion.xml"));
    validate_form_value(&form, &ctx).unwrap();
    c.bench_function("validate_form_value okta signed assertion", |b| {
        b.iter(|| validate_form_value(black_box(&form), &ctx).unwrap())
    });
    let both = base64::engine::general_purpose::STANDARD.encode(fixture("okta-signed-both.xml"));
    c.bench_function(
        "validate_form_value okta signed response and assertion",
        |b| b.iter(|| validate_form_value(black_box(&both), &ctx).unwrap()),
    );
    // Beside the plain one: the same signed assertion, encrypted (RSA-OAEP, AES-256-GCM).
    let encrypted =
        base64::engine::general_purpose::STANDARD.encode(fixture("encrypted-aes256-gcm-oaep.xml"));
    c.bench_function(
        "validate_form_value okta signed assertion, encrypted aes256-gcm",
        |b| b.iter(|| validate_form_value(black_box(&encrypted), &ctx).unwrap()),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
