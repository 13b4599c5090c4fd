//! Refusals before the signature layer: size, base64, UTF-8, DOCTYPE, parse, root.

use super::common::*;
use base64::Engine;
use shared::saml::{Rejection, validate_form_value, validate_xml};

fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn a_form_value_over_256_kib_is_refused_before_decoding() {
    let huge = "A".repeat(256 * 1024 + 1);
    let err = validate_form_value(&huge, &ctx()).unwrap_err();
    assert!(matches!(err, Rejection::TooLarge { len: 262_145, .. }));
    assert_eq!(err.code(), "saml_too_large");
}

#[test]
fn a_form_value_of_exactly_256_kib_passes_the_size_step() {
    let at_cap = "A".repeat(256 * 1024);
    let err = validate_form_value(&at_cap, &ctx()).unwrap_err();
    assert_ne!(err.code(), "saml_too_large");
}

#[test]
fn decoded_xml_over_256_kib_is_refused() {
    let big = format!(
        "{}<!-- {} -->",
        fixture("okta-signed-assertion.xml"),
        "x".repeat(256 * 1024)
    );
    assert!(matches!(rejected(&big), Rejection::TooLarge { .. }));
}

#[test]
fn garbage_base64_is_refused() {
    let err = validate_form_value("%%% not base64 !!!", &ctx()).unwrap_err();
    assert_eq!(err, Rejection::Base64);
    assert_eq!(err.code(), "saml_malformed");
}

#[test]
fn bytes_that_are_not_utf8_are_refused() {
    let err = validate_form_value(&b64(b"<samlp:Response \xff\xfe>"), &ctx()).unwrap_err();
    assert_eq!(err, Rejection::NotUtf8);
}

#[test]
fn a_billion_laughs_doctype_is_refused_before_parsing() {
    let bomb = r#"<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>"#;
    let xml = fixture("okta-signed-assertion.xml").replacen("?>", &format!("?>{bomb}"), 1);
    let xml = xml.replacen(
        "jane.doe@example.com</saml2:NameID>",
        "&d;</saml2:NameID>",
        1,
    );
    assert_eq!(rejected(&xml), Rejection::Doctype);
}

#[test]
fn an_external_entity_doctype_is_refused() {
    let xxe = r#"<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>"#;
    let xml = fixture("okta-signed-assertion.xml").replacen("?>", &format!("?>{xxe}"), 1);
    let xml = xml.replacen(
        "jane.doe@example.com</saml2:NameID>",
        "&x;</saml2:NameID>",
        1,
    );
    let err = rejected(&xml);
    assert_eq!(err, Rejection::Doctype);
    assert_eq!(err.code(), "saml_malformed");
}

#[test]
fn xml_that_is_not_well_formed_is_refused_without_echoing_it() {
    let xml =
        "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"><secret-token-123";
    let err = rejected(xml);
    assert!(matches!(err, Rejection::XmlParse(_)));
    assert!(!err.to_string().contains("secret-token-123"), "{err}");
}

#[test]
fn a_document_that_is_not_a_samlp_response_is_refused() {
    let xml = r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x" Version="2.0"/>"#;
    assert_eq!(rejected(xml), Rejection::NotAResponse);
}

#[test]
fn a_response_of_another_saml_version_is_refused() {
    let xml = replace_once(
        &fixture("okta-signed-assertion.xml"),
        "IssueInstant=\"2026-01-01T00:00:00.000Z\" Version=\"2.0\"><saml2:Issuer xmlns",
        "IssueInstant=\"2026-01-01T00:00:00.000Z\" Version=\"1.1\"><saml2:Issuer xmlns",
    );
    assert!(matches!(
        rejected(&xml),
        Rejection::WrongVersion {
            element: "Response",
            ..
        }
    ));
}

#[test]
fn an_empty_encrypted_assertion_is_refused_by_the_encryption_profile() {
    let xml = fixture("okta-signed-assertion.xml");
    let a = element(&xml, SAML, "Assertion", 0);
    let enc = r#"<saml2:EncryptedAssertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml2:EncryptedAssertion>"#;
    let xml = insert(&cut(&xml, a.clone()), a.start, enc);
    let err = rejected(&xml);
    assert!(matches!(err, Rejection::EncryptionProfile(_)), "{err}");
    assert_eq!(err.code(), "saml_encryption_invalid");
}

#[test]
fn validate_xml_takes_raw_bytes_with_a_utf8_bom() {
    let mut bytes = vec![0xEF, 0xBB, 0xBF];
    bytes.extend_from_slice(fixture("okta-signed-assertion.xml").as_bytes());
    assert!(validate_xml(&bytes, &ctx()).is_ok());
}
