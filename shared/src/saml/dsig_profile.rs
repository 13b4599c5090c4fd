//! The signature profile checked before any crypto: every `ds:Signature` must be
//! exactly the enveloped, exclusive-c14n, single-`#id`-Reference shape SAML IdPs
//! emit. bergshamra alone accepts SHA-1, XPath, XSLT and relative file references
//! and runs them before it checks the signature value; this refuses them first.

use super::rejection::{Rejection, clip};
use super::xml::{DSIG, EXC_C14N_NS, attr, child_elements, is, is_blank_text};
use bergshamra::core::algorithm as alg;
use uppsala::{Document, NodeId, NodeKind};

/// SignatureMethod allow-list: RSA PKCS#1 v1.5 and ECDSA with SHA-2. SHA-1
/// (SHAttered, 2017) and MD5 are refused (CONTRACT: "SHA-1 signature or digest
/// algorithms" refused); HMAC would let anyone holding the key forge.
const SIGNATURE_METHODS: [&str; 6] = [
    alg::RSA_SHA256,
    alg::RSA_SHA384,
    alg::RSA_SHA512,
    alg::ECDSA_SHA256,
    alg::ECDSA_SHA384,
    alg::ECDSA_SHA512,
];
/// DigestMethod allow-list.
const DIGEST_METHODS: [&str; 3] = [alg::SHA256, alg::SHA384, alg::SHA512];

/// Check one `ds:Signature` element against the profile.
pub(crate) fn check_signature(doc: &Document<'_>, sig: NodeId) -> Result<(), Rejection> {
    let parts = elements_only(doc, sig)?;
    let [signed_info, signature_value, rest @ ..] = parts.as_slice() else {
        return Err(Rejection::SignatureProfile(
            "Signature lacks SignedInfo/SignatureValue",
        ));
    };
    // XML-DSig 4.1: SignedInfo, SignatureValue, KeyInfo?, Object*. No Object: it
    // is where XSW variants (SAML Raider XSW8) hide the original signed content.
    let key_info_ok = match rest {
        [] => true,
        [key_info] => is(doc, *key_info, DSIG, "KeyInfo"),
        _ => false,
    };
    if !is(doc, *signed_info, DSIG, "SignedInfo")
        || !is(doc, *signature_value, DSIG, "SignatureValue")
        || !key_info_ok
    {
        return Err(Rejection::SignatureProfile(
            "Signature must be SignedInfo, SignatureValue, optional KeyInfo, nothing else",
        ));
    }
    check_text_only(doc, *signature_value, "SignatureValue must be text only")?;
    check_signed_info(doc, *signed_info)
}

/// SignedInfo: exclusive c14n, an allowed SignatureMethod, exactly one Reference.
fn check_signed_info(doc: &Document<'_>, signed_info: NodeId) -> Result<(), Rejection> {
    let parts = elements_only(doc, signed_info)?;
    let [c14n, method, reference] = parts.as_slice() else {
        return Err(Rejection::SignatureProfile(
            "SignedInfo must hold CanonicalizationMethod, SignatureMethod and exactly one Reference",
        ));
    };
    if !is(doc, *c14n, DSIG, "CanonicalizationMethod")
        || !is(doc, *method, DSIG, "SignatureMethod")
        || !is(doc, *reference, DSIG, "Reference")
    {
        return Err(Rejection::SignatureProfile(
            "SignedInfo children out of order",
        ));
    }
    check_exc_c14n(doc, *c14n, "CanonicalizationMethod")?;
    let uri = algorithm(doc, *method)?;
    if !SIGNATURE_METHODS.contains(&uri) {
        return Err(not_allowed("SignatureMethod", uri));
    }
    // HMACOutputLength and friends: no SignatureMethod children at all.
    if !elements_only(doc, *method)?.is_empty() {
        return Err(Rejection::SignatureProfile("SignatureMethod has children"));
    }
    check_reference(doc, *reference)
}

/// Reference: bare `#id`, Transforms enveloped then exc-c14n, SHA-2 digest, and
/// one DigestValue (CVE-2024-45409: ruby-saml read "the" DigestValue with an
/// XPath that an attacker-planted second one could answer).
fn check_reference(doc: &Document<'_>, reference: NodeId) -> Result<(), Rejection> {
    check_reference_uri(attr(doc, reference, "URI"))?;
    let parts = elements_only(doc, reference)?;
    let [transforms, digest_method, digest_value] = parts.as_slice() else {
        return Err(Rejection::SignatureProfile(
            "Reference must hold Transforms, DigestMethod and one DigestValue",
        ));
    };
    if !is(doc, *transforms, DSIG, "Transforms")
        || !is(doc, *digest_method, DSIG, "DigestMethod")
        || !is(doc, *digest_value, DSIG, "DigestValue")
    {
        return Err(Rejection::SignatureProfile(
            "Reference children out of order",
        ));
    }
    check_transforms(doc, *transforms)?;
    let uri = algorithm(doc, *digest_method)?;
    if !DIGEST_METHODS.contains(&uri) || !elements_only(doc, *digest_method)?.is_empty() {
        return Err(not_allowed("DigestMethod", uri));
    }
    check_text_only(doc, *digest_value, "DigestValue must be text only")
}

/// A bare same-document `#id` whose id is an ASCII NCName: no empty URI (whole
/// document), no `#xpointer(...)`, no `http:`/`file:`/relative paths, which
/// bergshamra would try to resolve (relative files are read from the CWD).
fn check_reference_uri(uri: Option<&str>) -> Result<(), Rejection> {
    let uri = uri.ok_or(Rejection::SignatureProfile("Reference has no URI"))?;
    let id = uri.strip_prefix('#').unwrap_or("");
    let mut chars = id.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if first_ok && rest_ok {
        Ok(())
    } else {
        Err(Rejection::ReferenceUri(clip(uri)))
    }
}

/// Exactly two transforms: enveloped-signature, then exclusive c14n (SAML core 5.4.3, 5.4.4).
fn check_transforms(doc: &Document<'_>, transforms: NodeId) -> Result<(), Rejection> {
    let parts = elements_only(doc, transforms)?;
    if parts.iter().any(|&t| !is(doc, t, DSIG, "Transform")) {
        return Err(Rejection::SignatureProfile(
            "Transforms holds a non-Transform element",
        ));
    }
    let uris = parts
        .iter()
        .map(|&t| algorithm(doc, t))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(bad) = uris
        .iter()
        .find(|u| **u != alg::ENVELOPED_SIGNATURE && **u != alg::EXC_C14N)
    {
        return Err(not_allowed("Transform", bad));
    }
    let [enveloped, exc] = parts.as_slice() else {
        return Err(Rejection::SignatureProfile(
            "Transforms must be exactly enveloped-signature then exclusive c14n",
        ));
    };
    if uris != [alg::ENVELOPED_SIGNATURE, alg::EXC_C14N] {
        return Err(Rejection::SignatureProfile(
            "Transforms must be exactly enveloped-signature then exclusive c14n",
        ));
    }
    if !elements_only(doc, *enveloped)?.is_empty() {
        return Err(Rejection::SignatureProfile(
            "enveloped-signature Transform has children",
        ));
    }
    check_exc_c14n(doc, *exc, "Transform")
}

/// Exclusive c14n without comments, with at most an `InclusiveNamespaces PrefixList`.
fn check_exc_c14n(doc: &Document<'_>, node: NodeId, what: &'static str) -> Result<(), Rejection> {
    let uri = algorithm(doc, node)?;
    if uri != alg::EXC_C14N {
        return Err(not_allowed(what, uri));
    }
    match elements_only(doc, node)?.as_slice() {
        [] => Ok(()),
        [inc]
            if is(doc, *inc, EXC_C14N_NS, "InclusiveNamespaces")
                && attr(doc, *inc, "PrefixList").is_some()
                && elements_only(doc, *inc)?.is_empty() =>
        {
            Ok(())
        }
        _ => Err(Rejection::SignatureProfile(
            "exclusive c14n may hold only InclusiveNamespaces PrefixList",
        )),
    }
}

/// The `Algorithm` attribute of a method or transform.
fn algorithm<'d>(doc: &'d Document<'_>, node: NodeId) -> Result<&'d str, Rejection> {
    attr(doc, node, "Algorithm").ok_or(Rejection::SignatureProfile("missing Algorithm attribute"))
}

fn not_allowed(what: &'static str, uri: &str) -> Rejection {
    Rejection::AlgorithmNotAllowed {
        what,
        uri: clip(uri),
    }
}

/// The element children of a signature-structure node; besides them only
/// whitespace is allowed (no text, comments or PIs anywhere in SignedInfo).
fn elements_only(doc: &Document<'_>, node: NodeId) -> Result<Vec<NodeId>, Rejection> {
    let stray = doc
        .children_iter(node)
        .any(|c| doc.element(c).is_none() && !is_blank_text(doc, c));
    if stray {
        return Err(Rejection::SignatureProfile(
            "text, comment or processing instruction inside the signature structure",
        ));
    }
    Ok(child_elements(doc, node).collect())
}

/// A base64 value element: text only, no comment (bergshamra reads only the first
/// text node, so a comment would make it digest-compare a truncated value).
fn check_text_only(doc: &Document<'_>, node: NodeId, why: &'static str) -> Result<(), Rejection> {
    let ok = doc
        .children_iter(node)
        .all(|c| matches!(doc.node_kind(c), Some(NodeKind::Text(_))));
    if ok {
        Ok(())
    } else {
        Err(Rejection::SignatureProfile(why))
    }
}
