//! Shared fixtures, context and small XML splicing helpers for the tests.

use shared::saml::{
    AcsContext, DecryptionKeys, Rejection, TrustedKeys, ValidatedAssertion, validate_xml,
};
use std::ops::Range;
use std::sync::OnceLock;

pub const SP: &str = "https://sp.example.com/saml/acme";
pub const ACS: &str = "https://sp.example.com/saml/acme/acs";
pub const IDP: &str = "http://www.okta.com/exk1fixture0000000";
/// 2026-01-01T00:05:00Z; the fixtures are valid 00:00 to 00:10.
pub const NOW: i64 = 1_767_225_900;
pub const REQ_ID: &str = "_req-7b1c2d3e4f5a";
pub const ASSERTION_ID: &str = "id-asrt-0000000000000000001";
pub const RESPONSE_ID: &str = "id-resp-0000000000000000001";
pub const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

pub fn path(name: &str) -> String {
    format!("{}/fixtures/saml/{name}", env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(path(name)).unwrap()
}

/// The IdP's certificate, parsed once for the whole test binary.
pub fn trusted() -> &'static TrustedKeys {
    static KEYS: OnceLock<TrustedKeys> = OnceLock::new();
    KEYS.get_or_init(|| TrustedKeys::from_pem(&[&fixture("keys/idp.crt")]).unwrap())
}

/// The SP's encryption key, parsed once for the whole test binary.
pub fn decryption() -> &'static DecryptionKeys {
    static KEYS: OnceLock<DecryptionKeys> = OnceLock::new();
    KEYS.get_or_init(|| DecryptionKeys::from_pem(&[&fixture("keys/sp-enc.key")]).unwrap())
}

pub fn ctx_with(trusted: &TrustedKeys) -> AcsContext<'_> {
    AcsContext {
        sp_entity_id: SP,
        acs_url: ACS,
        idp_entity_id: IDP,
        trusted,
        decryption: decryption(),
        want_assertions_signed: false,
        now: NOW,
        skew_secs: 60,
    }
}

pub fn ctx() -> AcsContext<'static> {
    ctx_with(trusted())
}

pub fn validate(xml: &str) -> Result<ValidatedAssertion, Rejection> {
    validate_xml(xml.as_bytes(), &ctx())
}

pub fn rejected(xml: &str) -> Rejection {
    match validate(xml) {
        Ok(v) => panic!("accepted a response that must be refused: {v:?}"),
        Err(r) => r,
    }
}

/// Byte range of the `nth` element `{ns}local` in document order.
pub fn element(xml: &str, ns: &str, local: &str, nth: usize) -> Range<usize> {
    let doc = uppsala::parse(xml).unwrap();
    let ids: Vec<_> = doc
        .descendants(doc.root())
        .into_iter()
        .filter(|&n| {
            doc.element(n)
                .is_some_and(|e| e.name.matches(Some(ns), local))
        })
        .collect();
    doc.node_range(ids[nth]).unwrap()
}

/// Byte range of the `nth` Signature inside the `nth` Assertion, etc.: the
/// Signature that is a direct child of the element at `parent`.
pub fn child_signature(xml: &str, parent: Range<usize>) -> Range<usize> {
    let doc = uppsala::parse(xml).unwrap();
    for n in doc.descendants(doc.root()) {
        let is_sig = doc
            .element(n)
            .is_some_and(|e| e.name.matches(Some(DSIG), "Signature"));
        let p = doc.parent(n).and_then(|p| doc.node_range(p));
        if is_sig && p == Some(parent.clone()) {
            return doc.node_range(n).unwrap();
        }
    }
    panic!("no signature child there")
}

pub fn cut(xml: &str, r: Range<usize>) -> String {
    format!("{}{}", &xml[..r.start], &xml[r.end..])
}

pub fn insert(xml: &str, at: usize, what: &str) -> String {
    format!("{}{}{}", &xml[..at], what, &xml[at..])
}

/// Replace exactly one occurrence (panics when the fixture changed shape).
pub fn replace_once(xml: &str, from: &str, to: &str) -> String {
    assert_eq!(xml.matches(from).count(), 1, "expected one {from:?}");
    xml.replacen(from, to, 1)
}

/// The offset just before the end tag of the element at `r`.
pub fn end_tag_start(xml: &str, r: &Range<usize>) -> usize {
    xml[..r.end].rfind("</").unwrap()
}
