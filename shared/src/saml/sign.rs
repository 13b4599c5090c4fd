//! Enveloped, exclusive-c14n, RSA-SHA256 signatures placed right after the Issuer (the
//! schema position, SAML core 5.4.1), with the certificate in KeyInfo, made with
//! bergshamra's signing API: the SP's AuthnRequest for the HTTP-POST binding (SAML
//! bindings 3.5.4), and the local dev IdP's Responses.

use super::xml::{SAML, SAMLP, attr, is};
use bergshamra::DsigContext;
use bergshamra::core::algorithm as alg;
use bergshamra::dsig::sign::sign_document_node;
use bergshamra::keys::{Key, KeysManager, loader};
use uppsala::{Document, NodeId};

/// Which element(s) to sign. `Both` signs the Assertion first, then the Response
/// (whose digest then covers the Assertion's signature).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignWhat {
    Assertion,
    Response,
    Both,
}

/// Why the dev IdP could not sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("RSA private key PEM: {0}")]
    Key(String),
    #[error("certificate PEM: {0}")]
    Certificate(String),
    #[error("the private key does not match the certificate")]
    KeyCertificateMismatch,
    #[error("the unsigned XML does not parse: {0}")]
    Parse(String),
    #[error("no {0} element where expected")]
    Missing(&'static str),
    #[error("{0} has no usable ID")]
    BadId(&'static str),
    #[error("signing failed: {0}")]
    Sign(String),
}

/// Sign an unsigned `samlp:Response` as the dev IdP.
pub fn sign_response(
    unsigned_xml: &str,
    key_pem: &str,
    cert_pem: &str,
    sign: SignWhat,
) -> Result<String, SignError> {
    let mut manager = KeysManager::new();
    manager.add_key(signing_key(key_pem, cert_pem)?);
    let ctx = DsigContext::new(manager);
    let mut doc = uppsala::parse(unsigned_xml).map_err(|e| SignError::Parse(e.to_string()))?;
    let response = doc
        .document_element()
        .filter(|&r| is(&doc, r, SAMLP, "Response"))
        .ok_or(SignError::Missing("samlp:Response"))?;
    if matches!(sign, SignWhat::Assertion | SignWhat::Both) {
        let assertion = doc
            .first_child_element_by_name_ns(response, SAML, "Assertion")
            .ok_or(SignError::Missing("saml:Assertion"))?;
        sign_element(&ctx, &mut doc, assertion, "Assertion")?;
    }
    if matches!(sign, SignWhat::Response | SignWhat::Both) {
        sign_element(&ctx, &mut doc, response, "Response")?;
    }
    Ok(doc.to_xml())
}

/// Sign the SP's `samlp:AuthnRequest` (HTTP-POST binding: the signature travels inside).
pub fn sign_authn_request(
    unsigned_xml: &str,
    key_pem: &str,
    cert_pem: &str,
) -> Result<String, SignError> {
    let mut manager = KeysManager::new();
    manager.add_key(signing_key(key_pem, cert_pem)?);
    let ctx = DsigContext::new(manager);
    let mut doc = uppsala::parse(unsigned_xml).map_err(|e| SignError::Parse(e.to_string()))?;
    let request = doc
        .document_element()
        .filter(|&r| is(&doc, r, SAMLP, "AuthnRequest"))
        .ok_or(SignError::Missing("samlp:AuthnRequest"))?;
    sign_element(&ctx, &mut doc, request, "AuthnRequest")?;
    Ok(doc.to_xml())
}

/// The RSA private key with its certificate attached, so bergshamra fills
/// `X509Data` with it; a key that is not the certificate's is refused.
fn signing_key(key_pem: &str, cert_pem: &str) -> Result<Key, SignError> {
    let mut key = loader::load_rsa_private_pem(key_pem.as_bytes())
        .map_err(|e| SignError::Key(e.to_string()))?;
    let cert = loader::load_x509_cert_pem(cert_pem.as_bytes())
        .map_err(|e| SignError::Certificate(e.to_string()))?;
    if key.to_spki_der().is_none() || key.to_spki_der() != cert.to_spki_der() {
        return Err(SignError::KeyCertificateMismatch);
    }
    key.x509_chain = cert.x509_chain;
    Ok(key)
}

/// Insert a signature template after the element's Issuer and sign it in place.
fn sign_element(
    ctx: &DsigContext,
    doc: &mut Document<'_>,
    target: NodeId,
    what: &'static str,
) -> Result<(), SignError> {
    let id = attr(doc, target, "ID")
        .filter(|id| is_ncname(id))
        .ok_or(SignError::BadId(what))?
        .to_owned();
    let template = template(&id);
    let template_doc = uppsala::parse(&template).map_err(|e| SignError::Sign(e.to_string()))?;
    let template_root = template_doc
        .document_element()
        .ok_or(SignError::Sign("empty template".into()))?;
    let sig = doc
        .import_subtree(&template_doc, template_root)
        .ok_or(SignError::Sign("template import".into()))?;
    match doc.first_child_element_by_name_ns(target, SAML, "Issuer") {
        Some(issuer) => doc.insert_after(target, sig, issuer),
        None => match doc.first_child(target) {
            Some(first) => doc.insert_before(target, sig, first),
            None => doc.append_child(target, sig),
        },
    }
    sign_document_node(ctx, doc, sig).map_err(|e| SignError::Sign(e.to_string()))
}

/// The exact shape the verifier's profile accepts.
fn template(id: &str) -> String {
    format!(
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm=\"{exc}\"/><ds:SignatureMethod Algorithm=\"{rsa}\"/>\
<ds:Reference URI=\"#{id}\"><ds:Transforms><ds:Transform Algorithm=\"{env}\"/>\
<ds:Transform Algorithm=\"{exc}\"/></ds:Transforms><ds:DigestMethod Algorithm=\"{sha}\"/>\
<ds:DigestValue></ds:DigestValue></ds:Reference></ds:SignedInfo>\
<ds:SignatureValue></ds:SignatureValue><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>",
        exc = alg::EXC_C14N,
        rsa = alg::RSA_SHA256,
        env = alg::ENVELOPED_SIGNATURE,
        sha = alg::SHA256,
    )
}

/// SAML IDs are xs:ID (an NCName); only the ASCII subset is used by this IdP.
fn is_ncname(id: &str) -> bool {
    let mut chars = id.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}
