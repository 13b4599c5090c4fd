//! The dev-IdP signer (sign.rs): its output verifies here and with xmlsec1.

use super::common::*;
use shared::saml::{SignError, SignWhat, SignedElement, sign_response};
use std::process::Command;

fn sign(what: SignWhat) -> String {
    sign_response(
        &fixture("okta-unsigned.xml"),
        &fixture("keys/idp.key"),
        &fixture("keys/idp.crt"),
        what,
    )
    .unwrap()
}

/// `xmlsec1 --verify` of the first signature in document order (that is all
/// the command checks), pinned to the IdP certificate.
fn xmlsec1_verifies(xml: &str, name: &str) -> bool {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/saml-test-signed");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}-{}.xml", std::process::id()));
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmlsec1")
        .args([
            "--verify",
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
        ])
        .args([
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:protocol:Response",
        ])
        .arg("--pubkey-cert-pem")
        .arg(path("keys/idp.crt"))
        .arg(&file)
        .output()
        .expect("xmlsec1 is installed (apt-get install xmlsec1)");
    out.status.success()
}

#[test]
fn a_dev_idp_signed_assertion_verifies_here_and_with_xmlsec1() {
    let xml = sign(SignWhat::Assertion);
    let v = validate(&xml).unwrap();
    assert_eq!(v.signed_element, SignedElement::Assertion);
    assert!(xmlsec1_verifies(&xml, "assertion"));
}

#[test]
fn a_dev_idp_signed_response_verifies_here_and_with_xmlsec1() {
    let xml = sign(SignWhat::Response);
    assert_eq!(
        validate(&xml).unwrap().signed_element,
        SignedElement::Response
    );
    assert!(xmlsec1_verifies(&xml, "response"));
}

#[test]
fn a_dev_idp_response_signed_twice_verifies_here_and_with_xmlsec1_for_each_signature() {
    let xml = sign(SignWhat::Both);
    assert_eq!(
        validate(&xml).unwrap().signed_element,
        SignedElement::Response
    );
    assert!(xmlsec1_verifies(&xml, "both-response"));
    // xmlsec1 checks only the first signature: check the Assertion's on its own.
    let only_assertion = cut(
        &xml,
        child_signature(&xml, element(&xml, SAMLP, "Response", 0)),
    );
    assert!(xmlsec1_verifies(&only_assertion, "both-assertion"));
}

#[test]
fn the_signature_is_placed_right_after_the_issuer_with_the_certificate() {
    let xml = sign(SignWhat::Assertion);
    assert!(xml.contains("</saml2:Issuer><ds:Signature"));
    let cert_line = fixture("keys/idp.crt").lines().nth(1).unwrap().to_owned();
    let key_info = &xml[xml.find("<ds:X509Certificate>").unwrap()..];
    assert!(key_info.replace(['\n', '\r'], "").contains(&cert_line));
}

#[test]
fn xmlsec1_refuses_the_dev_idp_output_once_tampered() {
    let xml =
        sign(SignWhat::Assertion).replacen("jane.doe@example.com<", "mallory@example.com<", 1);
    assert!(!xmlsec1_verifies(&xml, "tampered"));
}

#[test]
fn a_key_that_is_not_the_certificates_is_refused() {
    let err = sign_response(
        &fixture("okta-unsigned.xml"),
        &fixture("keys/attacker.key"),
        &fixture("keys/idp.crt"),
        SignWhat::Assertion,
    );
    assert_eq!(err.unwrap_err(), SignError::KeyCertificateMismatch);
}
