//! The signature layer over bergshamra: trusted IdP keys (parsed once per cold
//! start), the one conforming parse, and the verification of every `ds:Signature`
//! in the order DESIGN.md ("SAML: who does what") prescribes.

use super::dsig_profile::check_signature;
use super::rejection::{Rejection, clip, clip_long};
use super::xml::{DSIG, SAML, SAMLP, attr, descendants_named, is};
use bergshamra::keys::{Key, KeysManager, loader};
use bergshamra::{DsigContext, VerifyResult};
use uppsala::{Document, NodeId, Parser};

/// The org's IdP signing keys, from its metadata certificates, built once per cold
/// start and shared by every request. Only these keys can make a signature valid:
/// a key or certificate inside the response's own KeyInfo is never a candidate.
pub struct TrustedKeys {
    ctx: DsigContext,
}

impl std::fmt::Debug for TrustedKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TrustedKeys({} key(s))", self.len())
    }
}

/// Why the IdP certificates could not become trusted keys.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Metadata with no signing certificate can never validate anything.
    #[error("no signing certificate")]
    NoCertificates,
    /// A certificate did not parse or holds an unsupported key.
    #[error("certificate {index} could not be used: {detail}")]
    BadCertificate { index: usize, detail: String },
}

impl TrustedKeys {
    /// From PEM certificates (`-----BEGIN CERTIFICATE-----`), one per string.
    pub fn from_pem(certs: &[&str]) -> Result<Self, KeyError> {
        let keys = certs
            .iter()
            .enumerate()
            .map(|(index, pem)| loaded(index, loader::load_x509_cert_pem(pem.as_bytes())))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_keys(keys)
    }

    /// From DER certificates, e.g. the decoded `ds:X509Certificate` of IdP metadata.
    pub fn from_der(certs: &[&[u8]]) -> Result<Self, KeyError> {
        let keys = certs
            .iter()
            .enumerate()
            .map(|(index, der)| loaded(index, loader::load_x509_cert_der(der)))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_keys(keys)
    }

    /// How many keys are trusted.
    pub fn len(&self) -> usize {
        self.ctx.keys_manager.len()
    }

    /// Always false: an empty set cannot be built.
    pub fn is_empty(&self) -> bool {
        self.ctx.keys_manager.is_empty()
    }

    /// `DsigContext::new` is bergshamra's secure default: `trusted_keys_only`
    /// (KeyInfo is only an ordering hint) and `strict_verification` (reference
    /// targets must be the root, an ancestor or a sibling of the Signature); both
    /// are restated so a changed default cannot loosen them. No trust anchors are
    /// added: metadata pins keys, so certificate chains and dates are not checked
    /// (as with Okta, Entra ID and crewjam/saml); rotation is a metadata refresh.
    fn from_keys(keys: Vec<Key>) -> Result<Self, KeyError> {
        if keys.is_empty() {
            return Err(KeyError::NoCertificates);
        }
        for (index, key) in keys.iter().enumerate() {
            // Imports the key into the crypto provider now; bergshamra caches it.
            key.to_signing_key()
                .map_err(|e| bad_certificate(index, &e))?;
        }
        let mut manager = KeysManager::new();
        manager.add_keys(keys);
        let ctx = DsigContext::new(manager)
            .with_trusted_keys_only(true)
            .with_strict_verification(true)
            .with_require_reference_digests(true);
        Ok(Self { ctx })
    }
}

fn loaded(index: usize, key: Result<Key, bergshamra::Error>) -> Result<Key, KeyError> {
    key.map_err(|e| bad_certificate(index, &e))
}

fn bad_certificate(index: usize, e: &bergshamra::Error) -> KeyError {
    KeyError::BadCertificate {
        index,
        detail: clip_long(&e.to_string()),
    }
}

/// Which element a valid signature covers, as its parent and its reference.
/// `Response` wins when both are signed: it covers the Assertion too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedElement {
    Response,
    Assertion,
}

/// The outcome of the signature layer: the nodes of the one parsed document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Verified {
    pub response: NodeId,
    pub assertion: NodeId,
    pub response_signed: bool,
    pub assertion_signed: bool,
}

impl Verified {
    pub fn signed_element(&self) -> SignedElement {
        if self.response_signed {
            SignedElement::Response
        } else {
            SignedElement::Assertion
        }
    }
}

/// Parse once, with a conforming parser and DTDs forbidden (no entity expansion,
/// no external entities: XXE, billion laughs). Every later read uses this tree.
pub(crate) fn parse(xml: &str) -> Result<Document<'_>, Rejection> {
    Parser::new()
        .with_forbid_dtd(true)
        .parse(xml)
        .map_err(|e| Rejection::XmlParse(clip(&e.to_string())))
}

/// The document element, which must be `samlp:Response` (SAML core 3.2.2).
pub(crate) fn response_root(doc: &Document<'_>) -> Result<NodeId, Rejection> {
    doc.document_element()
        .filter(|&r| is(doc, r, SAMLP, "Response"))
        .ok_or(Rejection::NotAResponse)
}

/// The signature layer, in DESIGN.md's order; crypto runs only after the shape of
/// the document and of every signature passed.
pub(crate) fn verify_signatures(
    doc: &Document<'_>,
    xml: &str,
    trusted: &TrustedKeys,
) -> Result<Verified, Rejection> {
    let response = response_root(doc)?;
    let assertion = the_assertion(doc, response)?;
    let signatures = descendants_named(doc, DSIG, "Signature");
    if signatures.is_empty() {
        return Err(Rejection::Unsigned);
    }
    for &sig in &signatures {
        check_signature(doc, sig)?;
    }
    let targets = [response, assertion];
    if !signatures
        .iter()
        .any(|&s| covered_target(doc, s, &targets).is_some())
    {
        return Err(Rejection::NotCovered);
    }
    let results =
        bergshamra::dsig::verify::verify_all_document_with_source(&trusted.ctx, doc, Some(xml))
            .map_err(|e| Rejection::SignatureInvalid(clip_long(&e.to_string())))?;
    let covered = all_valid_and_covered(doc, &results, signatures.len(), &targets)?;
    Ok(Verified {
        response,
        assertion,
        response_signed: covered.contains(&response),
        assertion_signed: covered.contains(&assertion),
    })
}

/// Crypto for signatures whose shape already passed the profile, all of which must be
/// valid and cover `target` (the Response over an EncryptedAssertion).
pub(crate) fn verify_covering(
    doc: &Document<'_>,
    xml: &str,
    trusted: &TrustedKeys,
    signatures: &[NodeId],
    target: NodeId,
) -> Result<(), Rejection> {
    if signatures
        .iter()
        .any(|&s| covered_target(doc, s, &[target]).is_none())
    {
        return Err(Rejection::NotCovered);
    }
    let results =
        bergshamra::dsig::verify::verify_all_document_with_source(&trusted.ctx, doc, Some(xml))
            .map_err(|e| Rejection::SignatureInvalid(clip_long(&e.to_string())))?;
    let covered = all_valid_and_covered(doc, &results, signatures.len(), &[target])?;
    if covered.len() == signatures.len() {
        Ok(())
    } else {
        Err(Rejection::NotCovered)
    }
}

/// Exactly one `saml:Assertion` in the whole document, a direct child of the
/// Response. Counting every descendant (not only children) is what defeats the
/// SAML Raider XSW variants that hide the original assertion in Extensions, in a
/// ds:Object or inside the forged assertion.
fn the_assertion(doc: &Document<'_>, response: NodeId) -> Result<NodeId, Rejection> {
    if !descendants_named(doc, SAML, "EncryptedAssertion").is_empty() {
        return Err(Rejection::EncryptedAndPlain);
    }
    match descendants_named(doc, SAML, "Assertion").as_slice() {
        [] => Err(Rejection::NoAssertion),
        [one] if doc.parent(*one) == Some(response) => Ok(*one),
        [_] => Err(Rejection::AssertionNotChild),
        many => Err(Rejection::MultipleAssertions(many.len())),
    }
}

/// The target a signature covers structurally: its parent, when the parent is
/// the Response or the Assertion and the one Reference names the parent's `ID`.
fn covered_target(doc: &Document<'_>, sig: NodeId, targets: &[NodeId]) -> Option<NodeId> {
    let parent = doc.parent(sig).filter(|p| targets.contains(p))?;
    let id = attr(doc, parent, "ID")?;
    let signed_info = doc.first_child_element_by_name_ns(sig, DSIG, "SignedInfo")?;
    let reference = doc.first_child_element_by_name_ns(signed_info, DSIG, "Reference")?;
    let uri = attr(doc, reference, "URI")?;
    (uri.strip_prefix('#') == Some(id)).then_some(parent)
}

/// Every signature must be valid (one bad signature is a forged or broken
/// document, never something to skip), and the covering ones must have resolved
/// their Reference to their own parent. Returns the covered elements.
fn all_valid_and_covered(
    doc: &Document<'_>,
    results: &[VerifyResult],
    expected: usize,
    targets: &[NodeId],
) -> Result<Vec<NodeId>, Rejection> {
    if results.len() != expected {
        return Err(Rejection::SignatureInvalid(
            "signature count changed".into(),
        ));
    }
    let mut covered = Vec::new();
    for result in results {
        match result {
            VerifyResult::Valid {
                signature_node,
                references,
                ..
            } => {
                let target = covered_target(doc, *signature_node, targets);
                let resolved = references.first().and_then(|r| r.resolved_node);
                if let Some(t) = target.filter(|t| references.len() == 1 && resolved == Some(*t)) {
                    covered.push(t);
                }
            }
            VerifyResult::Invalid { reason } => {
                return Err(Rejection::SignatureInvalid(clip_long(reason)));
            }
        }
    }
    if covered.is_empty() {
        return Err(Rejection::NotCovered);
    }
    Ok(covered)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn the_parser_itself_refuses_a_doctype_even_past_the_byte_scan() {
        let err = parse("<!DOCTYPE r [<!ENTITY e \"x\">]><r>&e;</r>").unwrap_err();
        assert!(matches!(err, Rejection::XmlParse(_)));
    }

    #[test]
    fn the_parser_refuses_duplicate_attributes() {
        assert!(parse("<r a=\"1\" a=\"2\"/>").is_err());
    }
}
