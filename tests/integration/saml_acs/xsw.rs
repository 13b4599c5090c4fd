//! XML Signature Wrapping: SAML Raider's XSW1-XSW8, built by moving and cloning
//! elements of the xmlsec1-signed fixtures. The original signed element keeps a
//! valid digest in each; the forged content says `attacker@evil.example`.

use super::common::*;
use shared::saml::Rejection;

const EVIL_NAME: &str = "attacker@evil.example</saml2:NameID>";

fn forge(text: &str, id: Option<(&str, &str)>) -> String {
    let text = text.replace("jane.doe@example.com</saml2:NameID>", EVIL_NAME);
    match id {
        Some((from, to)) => text.replacen(&format!(" ID=\"{from}\""), &format!(" ID=\"{to}\""), 1),
        None => text,
    }
}

/// The signed-assertion fixture split into parts.
struct Parts {
    xml: String,
    assertion: std::ops::Range<usize>,
    signed: String,
    unsigned: String,
}

fn assertion_parts() -> Parts {
    let xml = fixture("okta-signed-assertion.xml");
    let assertion = element(&xml, SAML, "Assertion", 0);
    let sig = child_signature(&xml, assertion.clone());
    let signed = xml[assertion.clone()].to_owned();
    let rel = sig.start - assertion.start..sig.end - assertion.start;
    let unsigned = cut(&signed, rel);
    Parts {
        xml,
        assertion,
        signed,
        unsigned,
    }
}

fn with_assertion_replaced(p: &Parts, new: &str) -> String {
    format!(
        "{}{}{}",
        &p.xml[..p.assertion.start],
        new,
        &p.xml[p.assertion.end..]
    )
}

fn before_end_tag(element: &str, what: &str) -> String {
    let at = element.rfind("</").unwrap();
    insert(element, at, what)
}

fn inside_signature(element: &str, what: &str) -> String {
    let at = element.find("</ds:Signature>").unwrap();
    insert(element, at, what)
}

fn refused_as_wrapping(xml: &str) {
    let err = rejected(xml);
    assert_eq!(err, Rejection::MultipleAssertions(2), "{err}");
    assert_eq!(err.code(), "saml_assertion_invalid");
}

const EVIL_ID: Option<(&str, &str)> = Some((ASSERTION_ID, "_evil-assertion"));

#[test]
fn xsw1_original_response_inside_the_signature_of_a_forged_response_is_refused() {
    let xml = fixture("okta-signed-response.xml");
    let root = element(&xml, SAMLP, "Response", 0);
    let sig = child_signature(&xml, root.clone());
    let original = cut(
        &xml[root.clone()],
        sig.start - root.start..sig.end - root.start,
    );
    let forged = forge(&xml, Some((RESPONSE_ID, "_evil-response")));
    refused_as_wrapping(&inside_signature(&forged, &original));
}

#[test]
fn xsw2_original_response_beside_the_signature_of_a_forged_response_is_refused() {
    let xml = fixture("okta-signed-response.xml");
    let root = element(&xml, SAMLP, "Response", 0);
    let sig = child_signature(&xml, root.clone());
    let original = cut(
        &xml[root.clone()],
        sig.start - root.start..sig.end - root.start,
    );
    let forged = forge(&xml, Some((RESPONSE_ID, "_evil-response")));
    let at = forged.find("<ds:Signature").unwrap();
    refused_as_wrapping(&insert(&forged, at, &original));
}

#[test]
fn xsw3_forged_assertion_before_the_signed_one_is_refused() {
    let p = assertion_parts();
    let forged = forge(&p.unsigned, EVIL_ID);
    refused_as_wrapping(&with_assertion_replaced(
        &p,
        &format!("{forged}{}", p.signed),
    ));
}

#[test]
fn xsw4_forged_assertion_wrapping_the_signed_one_is_refused() {
    let p = assertion_parts();
    let forged = before_end_tag(&forge(&p.unsigned, EVIL_ID), &p.signed);
    refused_as_wrapping(&with_assertion_replaced(&p, &forged));
}

#[test]
fn xsw5_forged_assertion_keeping_the_signature_with_the_original_appended_is_refused() {
    let p = assertion_parts();
    let forged = forge(&p.signed, EVIL_ID);
    let xml = with_assertion_replaced(&p, &forged);
    let root = element(&xml, SAMLP, "Response", 0);
    refused_as_wrapping(&insert(&xml, end_tag_start(&xml, &root), &p.unsigned));
}

#[test]
fn xsw6_original_assertion_inside_the_signature_of_a_forged_one_is_refused() {
    let p = assertion_parts();
    let forged = inside_signature(&forge(&p.signed, EVIL_ID), &p.unsigned);
    refused_as_wrapping(&with_assertion_replaced(&p, &forged));
}

#[test]
fn xsw7_signed_assertion_hidden_in_extensions_is_refused() {
    let p = assertion_parts();
    let ext = format!("<saml2p:Extensions>{}</saml2p:Extensions>", p.signed);
    let xml = with_assertion_replaced(&p, &forge(&p.unsigned, None));
    let at = xml.find("<saml2p:Status").unwrap();
    refused_as_wrapping(&insert(&xml, at, &ext));
}

#[test]
fn xsw8_original_assertion_in_a_ds_object_of_the_forged_one_is_refused() {
    let p = assertion_parts();
    let object = format!("<ds:Object>{}</ds:Object>", p.unsigned);
    let forged = inside_signature(&forge(&p.signed, None), &object);
    refused_as_wrapping(&with_assertion_replaced(&p, &forged));
}

#[test]
fn a_second_assertion_beside_a_signed_response_is_refused() {
    let xml = fixture("okta-signed-response.xml");
    let a = element(&xml, SAML, "Assertion", 0);
    let second = forge(&xml[a.clone()], EVIL_ID);
    refused_as_wrapping(&insert(&xml, a.end, &second));
}

#[test]
fn an_assertion_moved_below_the_response_is_refused() {
    let p = assertion_parts();
    let xml = with_assertion_replaced(
        &p,
        &format!("<saml2p:Extensions>{}</saml2p:Extensions>", p.signed),
    );
    assert_eq!(rejected(&xml), Rejection::AssertionNotChild);
}
