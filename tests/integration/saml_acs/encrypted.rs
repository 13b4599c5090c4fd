//! Encrypted assertions: xmlsec1-encrypted (and, for RSA-OAEP-256, python3-cryptography)
//! golden fixtures for each allowed algorithm, then the refusals.

use super::common::*;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use shared::saml::{DecryptionKeys, Rejection, SignedElement, validate_xml};

const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";

/// Every combination an IdP may send, from the independent encryptors.
const ACCEPTED: [&str; 6] = [
    "encrypted-aes256-gcm-oaep.xml",
    "encrypted-aes128-gcm-oaep.xml",
    "encrypted-aes128-cbc-oaep.xml",
    "encrypted-aes256-cbc-oaep.xml",
    "encrypted-aes256-gcm-oaep-sha256.xml",
    "encrypted-signed-both.xml",
];

#[test]
fn each_allowed_algorithm_decrypts_to_the_same_values_as_the_plain_assertion() {
    let plain = validate(&fixture("okta-signed-assertion.xml")).unwrap();
    for name in ACCEPTED {
        let v = validate(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(v, plain, "{name}");
        assert_eq!(v.signed_element, SignedElement::Assertion, "{name}");
    }
}

#[test]
fn a_previous_key_still_decrypts_during_a_rotation_and_a_foreign_key_never_does() {
    let both = DecryptionKeys::from_pem(&[
        &fixture("keys/other-sp-enc.key"),
        &fixture("keys/sp-enc.key"),
    ])
    .unwrap();
    let mut ctx = ctx();
    ctx.decryption = &both;
    let xml = fixture("encrypted-aes256-gcm-oaep.xml");
    assert!(validate_xml(xml.as_bytes(), &ctx).is_ok());
    let other = DecryptionKeys::from_pem(&[&fixture("keys/other-sp-enc.key")]).unwrap();
    ctx.decryption = &other;
    let err = validate_xml(xml.as_bytes(), &ctx).unwrap_err();
    assert!(matches!(err, Rejection::DecryptionFailed(_)), "{err}");
    let none = DecryptionKeys::none();
    ctx.decryption = &none;
    let err = validate_xml(xml.as_bytes(), &ctx).unwrap_err();
    assert_eq!(err.code(), "saml_decryption_failed");
}

#[test]
fn rsa_pkcs1_v15_key_transport_is_refused_before_any_crypto() {
    let err = rejected(&fixture("encrypted-rsa-1_5.xml"));
    assert!(
        matches!(err, Rejection::AlgorithmNotAllowed { what: "key transport", ref uri } if uri.contains("rsa-1_5")),
        "{err}"
    );
    assert_eq!(err.code(), "saml_algorithm_not_allowed");
}

#[test]
fn triple_des_content_encryption_is_refused() {
    let err = rejected(&fixture("encrypted-tripledes-cbc.xml"));
    assert!(
        matches!(err, Rejection::AlgorithmNotAllowed { what: "EncryptionMethod", ref uri } if uri.contains("tripledes")),
        "{err}"
    );
}

#[test]
fn an_unknown_algorithm_is_refused() {
    let xml = replace_once(
        &fixture("encrypted-aes256-gcm-oaep.xml"),
        "http://www.w3.org/2009/xmlenc11#aes256-gcm",
        "http://www.w3.org/2001/04/xmlenc#kw-aes256",
    );
    assert!(matches!(
        rejected(&xml),
        Rejection::AlgorithmNotAllowed {
            what: "EncryptionMethod",
            ..
        }
    ));
}

#[test]
fn an_assertion_encrypted_for_another_sp_is_one_generic_decryption_failure() {
    let err = rejected(&fixture("encrypted-for-another-sp.xml"));
    assert!(matches!(err, Rejection::DecryptionFailed(_)), "{err}");
    assert_eq!(err.code(), "saml_decryption_failed");
}

/// Flip one bit of the content ciphertext at `at` bytes from its start (negative: from the
/// end) and re-encode.
fn tamper_content(xml: &str, at: isize) -> String {
    let value = element(xml, XENC, "CipherValue", 1);
    let open = xml[value.clone()].find('>').unwrap() + 1;
    let close = xml[value.clone()].rfind("</").unwrap();
    let b64: String = xml[value.start + open..value.start + close]
        .split_whitespace()
        .collect();
    let mut bytes = STANDARD.decode(b64).unwrap();
    let i = if at < 0 {
        bytes.len() - at.unsigned_abs()
    } else {
        at as usize
    };
    bytes[i] ^= 0x01;
    format!(
        "{}{}{}",
        &xml[..value.start + open],
        STANDARD.encode(bytes),
        &xml[value.start + close..]
    )
}

#[test]
fn tampered_ciphertext_is_the_same_refusal_whatever_broke_no_padding_oracle() {
    // CBC: the IV (first block: the clear text no longer parses) and the last block (the
    // padding breaks) must not be told apart; GCM: the tag fails.
    let cases = [
        ("encrypted-aes128-cbc-oaep.xml", 0),
        ("encrypted-aes128-cbc-oaep.xml", 20),
        ("encrypted-aes128-cbc-oaep.xml", -1),
        ("encrypted-aes256-cbc-oaep.xml", -17),
        ("encrypted-aes256-gcm-oaep.xml", 12),
        ("encrypted-aes256-gcm-oaep.xml", -1),
    ];
    for (name, at) in cases {
        let err = rejected(&tamper_content(&fixture(name), at));
        assert!(
            matches!(err, Rejection::DecryptionFailed(_)),
            "{name} at {at}: {err}"
        );
        assert_eq!(err.code(), "saml_decryption_failed", "{name} at {at}");
    }
}

#[test]
fn an_encrypted_assertion_beside_a_plain_one_is_refused() {
    let plain = fixture("okta-signed-assertion.xml");
    let assertion = &plain[element(&plain, SAML, "Assertion", 0)];
    let xml = fixture("encrypted-aes256-gcm-oaep.xml");
    let at = element(&xml, SAML, "EncryptedAssertion", 0).end;
    let err = rejected(&insert(&xml, at, assertion));
    assert_eq!(err, Rejection::EncryptedAndPlain);
    assert_eq!(err.code(), "saml_assertion_invalid");
}

#[test]
fn two_encrypted_assertions_are_refused() {
    let xml = fixture("encrypted-aes256-gcm-oaep.xml");
    let r = element(&xml, SAML, "EncryptedAssertion", 0);
    let twice = insert(&xml, r.end, &xml[r.clone()]);
    assert_eq!(rejected(&twice), Rejection::MultipleAssertions(2));
}

#[test]
fn a_response_signature_over_the_ciphertext_of_an_unsigned_assertion_is_refused() {
    // The Response's signature is valid, but encryption is not authentication: anyone
    // can encrypt to the SP, so the clear Assertion must be signed itself.
    let err = rejected(&fixture("encrypted-response-signed-only.xml"));
    assert_eq!(err, Rejection::CiphertextOnlySigned);
    assert_eq!(err.code(), "saml_unsigned");
}

#[test]
fn an_unsigned_encrypted_assertion_is_refused() {
    assert_eq!(
        rejected(&fixture("encrypted-unsigned.xml")),
        Rejection::Unsigned
    );
}

#[test]
fn the_response_signature_over_the_ciphertext_is_checked_not_ignored() {
    let xml = fixture("encrypted-signed-both.xml");
    let sig = child_signature(&xml, element(&xml, SAMLP, "Response", 0));
    let value = xml[sig.clone()].find("<ds:SignatureValue>").unwrap() + sig.start + 19;
    let flipped = if &xml[value..value + 1] == "A" {
        "B"
    } else {
        "A"
    };
    let xml = format!("{}{flipped}{}", &xml[..value], &xml[value + 1..]);
    assert!(matches!(rejected(&xml), Rejection::SignatureInvalid(_)));
}

#[test]
fn a_retrieval_method_to_a_sibling_encrypted_key_is_refused() {
    let xml = fixture("encrypted-aes256-gcm-oaep.xml");
    let key = element(&xml, XENC, "EncryptedKey", 0);
    // Out of EncryptedData, the key needs its own namespace declarations.
    let key_xml = xml[key.clone()].replacen(
        "<xenc:EncryptedKey>",
        &format!("<xenc:EncryptedKey xmlns:xenc=\"{XENC}\" xmlns:ds=\"{DSIG}\" Id=\"k\">"),
        1,
    );
    let retrieval =
        "<ds:RetrievalMethod URI=\"#k\" Type=\"http://www.w3.org/2001/04/xmlenc#EncryptedKey\"/>";
    let moved = format!("{}{retrieval}{}", &xml[..key.start], &xml[key.end..]);
    let data_end = element(&moved, XENC, "EncryptedData", 0).end;
    let moved = insert(&moved, data_end, &key_xml);
    let err = rejected(&moved);
    assert!(matches!(err, Rejection::EncryptionProfile(_)), "{err}");
}

#[test]
fn a_cipher_reference_is_refused_and_never_fetched() {
    let xml = fixture("encrypted-aes256-gcm-oaep.xml");
    let value = element(&xml, XENC, "CipherValue", 1);
    let xml = format!(
        "{}<xenc:CipherReference URI=\"file:///etc/passwd\"/>{}",
        &xml[..value.start],
        &xml[value.end..]
    );
    assert!(matches!(
        rejected(&xml),
        Rejection::EncryptionElement("CipherValue")
    ));
}

#[test]
fn a_comment_inside_the_encryption_structure_is_refused() {
    let xml = replace_once(
        &fixture("encrypted-aes256-gcm-oaep.xml"),
        "<xenc:EncryptedKey>",
        "<xenc:EncryptedKey><!-- x -->",
    );
    assert!(matches!(rejected(&xml), Rejection::EncryptionProfile(_)));
}

#[test]
fn want_assertions_signed_refuses_a_signature_of_the_response_only() {
    let mut ctx = ctx();
    ctx.want_assertions_signed = true;
    let response_only = fixture("okta-signed-response.xml");
    assert_eq!(
        validate_xml(response_only.as_bytes(), &ctx).unwrap_err(),
        Rejection::AssertionUnsigned
    );
    for name in ["okta-signed-assertion.xml", "okta-signed-both.xml"] {
        assert!(
            validate_xml(fixture(name).as_bytes(), &ctx).is_ok(),
            "{name}"
        );
    }
}
