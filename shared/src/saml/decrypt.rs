//! Encrypted assertions (CONTRACT "Encrypted assertions"): the XML-Enc profile checked
//! before any crypto, the decryption by bergshamra with the SP's keys, and the Response as
//! it reads in clear, which the ACS chain then holds to every rule.
//!
//! Encryption gives no authenticity (anyone can encrypt to the SP's public certificate), so
//! the decrypted Assertion must carry its own valid signature: a Response signature covers
//! only the ciphertext (XML-Enc and XML-DSig composed: Somorovsky et al., "On Breaking
//! SAML", 2012) and is checked, then set aside.

use super::dsig_profile::check_signature;
use super::rejection::{Rejection, clip, clip_long};
use super::verify::{self, TrustedKeys};
use super::xml::{DSIG, SAML, attr, child_elements, descendants_named, is, is_blank_text};
use bergshamra::EncContext;
use bergshamra::core::algorithm as alg;
use bergshamra::keys::{KeysManager, loader};
use std::ops::Range;
use uppsala::{Document, NodeId, NodeKind};

/// XML-Enc 1.0 namespace (`xenc:`).
const XENC: &str = "http://www.w3.org/2001/04/xmlenc#";
/// XML-Enc 1.1 namespace (`xenc11:`), home of `MGF`.
const XENC11: &str = "http://www.w3.org/2009/xmlenc11#";
/// `Type` of an EncryptedData holding one element (XML-Enc 3.5.1).
const TYPE_ELEMENT: &str = "http://www.w3.org/2001/04/xmlenc#Element";

/// Content encryption the SP accepts: AES-GCM (authenticated) and AES-CBC (what Okta
/// offers besides). Triple DES and AES-192 are refused.
const CONTENT_METHODS: [&str; 4] = [
    alg::AES128_GCM,
    alg::AES256_GCM,
    alg::AES128_CBC,
    alg::AES256_CBC,
];
/// Key transport: RSA-OAEP only. RSA PKCS#1 v1.5 (`rsa-1_5`) is a Bleichenbacher oracle.
const TRANSPORT_METHODS: [&str; 2] = [alg::RSA_OAEP, alg::RSA_OAEP_ENC11];
/// OAEP digests: SHA-1 is sound inside OAEP (no collision resistance needed), and it is
/// what `rsa-oaep-mgf1p` means by default.
const OAEP_DIGESTS: [&str; 2] = [alg::SHA1, alg::SHA256];
/// OAEP mask generation functions of XML-Enc 1.1 `rsa-oaep`.
const OAEP_MGFS: [&str; 2] = [alg::MGF1_SHA1, alg::MGF1_SHA256];

/// The SP's decryption keys (active first, then next and previous), one bergshamra
/// context each, built once per cold start from the secret.
pub struct DecryptionKeys {
    contexts: Vec<EncContext>,
}

impl std::fmt::Debug for DecryptionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DecryptionKeys({} key(s))", self.contexts.len())
    }
}

impl Default for DecryptionKeys {
    fn default() -> Self {
        Self::none()
    }
}

impl DecryptionKeys {
    /// No key: every encrypted assertion is refused (a deployment without SP keys).
    pub fn none() -> Self {
        Self {
            contexts: Vec::new(),
        }
    }

    /// From PKCS#8 PEM RSA private keys, in the order they are tried.
    pub fn from_pem(keys: &[&str]) -> Result<Self, String> {
        let contexts = keys
            .iter()
            .map(|pem| {
                let key = loader::load_rsa_private_pem(pem.as_bytes())
                    .map_err(|e| format!("an SP encryption key: {e}"))?;
                let mut manager = KeysManager::new();
                manager.add_key(key);
                // No CipherReference is ever followed (the profile refuses one as well).
                Ok(EncContext::new(manager).with_disable_cipher_reference(true))
            })
            .collect::<Result<_, String>>()?;
        Ok(Self { contexts })
    }

    pub fn len(&self) -> usize {
        self.contexts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.contexts.is_empty()
    }
}

/// Whether the Response carries an `EncryptedAssertion` anywhere.
pub(crate) fn is_encrypted(doc: &Document<'_>) -> bool {
    !descendants_named(doc, SAML, "EncryptedAssertion").is_empty()
}

/// The Response as it reads in clear: the `EncryptedAssertion` replaced by the Assertion
/// it holds, the Response's own signature (checked here, over the ciphertext) removed.
pub(crate) fn decrypted_response(
    doc: &Document<'_>,
    text: &str,
    response: NodeId,
    keys: &DecryptionKeys,
    trusted: &TrustedKeys,
) -> Result<String, Rejection> {
    let encrypted = the_encrypted_assertion(doc, response)?;
    check_encrypted_assertion(doc, encrypted)?;
    let response_signed = verify_envelope_signature(doc, text, response, trusted)?;
    let plain = decrypt(text, keys)?;
    let clear = unwrap_assertion(&plain).map_err(Rejection::DecryptionFailed)?;
    if response_signed && !assertion_has_signature(&clear)? {
        return Err(Rejection::CiphertextOnlySigned);
    }
    Ok(clear)
}

/// Exactly one `EncryptedAssertion`, a child of the Response, and no plain Assertion
/// beside it: one response, one assertion (CONTRACT: "more than one Assertion").
fn the_encrypted_assertion(doc: &Document<'_>, response: NodeId) -> Result<NodeId, Rejection> {
    if !descendants_named(doc, SAML, "Assertion").is_empty() {
        return Err(Rejection::EncryptedAndPlain);
    }
    match descendants_named(doc, SAML, "EncryptedAssertion").as_slice() {
        [one] if doc.parent(*one) == Some(response) => Ok(*one),
        [_] => Err(Rejection::AssertionNotChild),
        many => Err(Rejection::MultipleAssertions(many.len())),
    }
}

/// The shape Okta, Entra ID and AD FS send: `EncryptedAssertion` holds one
/// `EncryptedData` (Type Element) whose `KeyInfo` holds one `EncryptedKey`; values inline.
/// No `RetrievalMethod`, no `CipherReference`, no `EncryptedKey` beside the data, no
/// second `EncryptedData` anywhere; allowed algorithms only.
fn check_encrypted_assertion(doc: &Document<'_>, encrypted: NodeId) -> Result<(), Rejection> {
    if descendants_named(doc, XENC, "EncryptedData").len() != 1 {
        return Err(profile("exactly one EncryptedData in the response"));
    }
    let [data] = exactly(
        elements(doc, encrypted)?,
        "EncryptedAssertion must hold one EncryptedData and nothing else",
    )?;
    if !is(doc, data, XENC, "EncryptedData") {
        return Err(profile("EncryptedAssertion must hold an EncryptedData"));
    }
    if attr(doc, data, "Type").is_some_and(|t| t != TYPE_ELEMENT) {
        return Err(profile("EncryptedData Type must be Element"));
    }
    let [method, key_info, cipher_data] = exactly(
        elements(doc, data)?,
        "EncryptedData must be EncryptionMethod, KeyInfo, CipherData",
    )?;
    expect(doc, method, XENC, "EncryptionMethod")?;
    expect(doc, key_info, DSIG, "KeyInfo")?;
    check_method(doc, method, "EncryptionMethod", &CONTENT_METHODS)?;
    if !elements(doc, method)?.is_empty() {
        return Err(profile("content EncryptionMethod has children"));
    }
    let [key] = exactly(
        elements(doc, key_info)?,
        "KeyInfo must hold exactly one EncryptedKey",
    )?;
    expect(doc, key, XENC, "EncryptedKey")?;
    check_encrypted_key(doc, key)?;
    check_cipher_data(doc, cipher_data)
}

/// `EncryptedKey`: an RSA-OAEP EncryptionMethod, an optional KeyInfo naming the SP's
/// certificate (never used to pick a key), the inline CipherData, an optional ReferenceList.
fn check_encrypted_key(doc: &Document<'_>, key: NodeId) -> Result<(), Rejection> {
    let parts = elements(doc, key)?;
    let [method, rest @ ..] = parts.as_slice() else {
        return Err(profile("EncryptedKey has no EncryptionMethod"));
    };
    expect(doc, *method, XENC, "EncryptionMethod")?;
    let uri = check_method(doc, *method, "key transport", &TRANSPORT_METHODS)?;
    check_oaep_params(doc, *method, uri)?;
    let rest = match rest {
        [key_info, more @ ..] if is(doc, *key_info, DSIG, "KeyInfo") => {
            let certificate_only = elements(doc, *key_info)?
                .iter()
                .all(|&c| is(doc, c, DSIG, "X509Data") || is(doc, c, DSIG, "KeyName"));
            if !certificate_only {
                return Err(profile(
                    "EncryptedKey KeyInfo may only name a certificate or a key",
                ));
            }
            more
        }
        more => more,
    };
    match rest {
        [cipher_data] => check_cipher_data(doc, *cipher_data),
        [cipher_data, list] if is(doc, *list, XENC, "ReferenceList") => {
            check_cipher_data(doc, *cipher_data)
        }
        _ => Err(profile(
            "EncryptedKey must be EncryptionMethod, KeyInfo?, CipherData, ReferenceList?",
        )),
    }
}

/// OAEP's DigestMethod and MGF: from the allow-lists; no `OAEPparams` (a label nobody sends).
fn check_oaep_params(doc: &Document<'_>, method: NodeId, uri: &str) -> Result<(), Rejection> {
    for param in elements(doc, method)? {
        let allowed: &[&str] = if is(doc, param, DSIG, "DigestMethod") {
            &OAEP_DIGESTS
        } else if uri == alg::RSA_OAEP_ENC11 && is(doc, param, XENC11, "MGF") {
            &OAEP_MGFS
        } else {
            return Err(profile(
                "key transport EncryptionMethod may hold only DigestMethod and MGF",
            ));
        };
        check_method(doc, param, "OAEP parameter", allowed)?;
    }
    Ok(())
}

/// `CipherData` holding one inline `CipherValue` of text: never a `CipherReference`.
fn check_cipher_data(doc: &Document<'_>, cipher_data: NodeId) -> Result<(), Rejection> {
    expect(doc, cipher_data, XENC, "CipherData")?;
    let [value] = exactly(
        elements(doc, cipher_data)?,
        "CipherData must hold one CipherValue",
    )?;
    expect(doc, value, XENC, "CipherValue")?;
    let text_only = doc
        .children_iter(value)
        .all(|c| matches!(doc.node_kind(c), Some(NodeKind::Text(_))));
    if text_only {
        Ok(())
    } else {
        Err(profile("CipherValue must be text only"))
    }
}

/// The `Algorithm` of a method element, from `allowed`.
fn check_method<'d>(
    doc: &'d Document<'_>,
    method: NodeId,
    what: &'static str,
    allowed: &[&str],
) -> Result<&'d str, Rejection> {
    let uri = attr(doc, method, "Algorithm").ok_or(profile("missing Algorithm attribute"))?;
    if allowed.contains(&uri) {
        Ok(uri)
    } else {
        Err(Rejection::AlgorithmNotAllowed {
            what,
            uri: clip(uri),
        })
    }
}

/// A Response signature over the ciphertext, when there is one: it must be the Response's
/// own, in the signature profile, and valid. Returns whether there was one.
fn verify_envelope_signature(
    doc: &Document<'_>,
    text: &str,
    response: NodeId,
    trusted: &TrustedKeys,
) -> Result<bool, Rejection> {
    let signatures = descendants_named(doc, DSIG, "Signature");
    if signatures.is_empty() {
        return Ok(false);
    }
    for &sig in &signatures {
        if doc.parent(sig) != Some(response) {
            return Err(Rejection::NotCovered);
        }
        check_signature(doc, sig)?;
    }
    verify::verify_covering(doc, text, trusted, &signatures, response)?;
    Ok(true)
}

/// Try each SP key, active first. Every failure (a wrong key, bad padding, a broken tag,
/// plaintext that is not UTF-8) is one and the same refusal: no padding oracle.
fn decrypt(text: &str, keys: &DecryptionKeys) -> Result<String, Rejection> {
    let mut last = String::from("no SP encryption key is configured");
    for ctx in &keys.contexts {
        match bergshamra::enc::decrypt::decrypt(ctx, text) {
            Ok(plain) => return Ok(plain),
            Err(e) => last = clip_long(&e.to_string()),
        }
    }
    Err(Rejection::DecryptionFailed(last))
}

/// bergshamra put the clear text in place of the EncryptedData; the wrapper must now hold
/// one `saml:Assertion` and nothing else. Cut the wrapper and the Response's signature.
/// Every failure here is a decryption failure to the caller: a CBC ciphertext altered by
/// an attacker decrypts to garbage, and telling "bad padding" from "bad XML" apart is the
/// oracle of Jager and Somorovsky ("How to Break XML Encryption", CCS 2011).
fn unwrap_assertion(plain: &str) -> Result<String, String> {
    let doc = verify::parse(plain).map_err(|e| format!("the clear text: {e}"))?;
    let response = verify::response_root(&doc).map_err(|e| e.to_string())?;
    let wrapper = descendants_named(&doc, SAML, "EncryptedAssertion");
    let [wrapper] = wrapper.as_slice() else {
        return Err("the clear text holds another EncryptedAssertion".into());
    };
    let stray = doc
        .children_iter(*wrapper)
        .any(|c| doc.element(c).is_none() && !is_blank_text(&doc, c));
    let inner: Vec<NodeId> = child_elements(&doc, *wrapper).collect();
    match inner.as_slice() {
        [assertion] if !stray && is(&doc, *assertion, SAML, "Assertion") => {
            let mut cuts = vec![(range(&doc, *wrapper)?, range(&doc, *assertion)?)];
            for sig in child_elements(&doc, response).filter(|&c| is(&doc, c, DSIG, "Signature")) {
                cuts.push((range(&doc, sig)?, 0..0));
            }
            cuts.sort_by_key(|(outer, _)| std::cmp::Reverse(outer.start));
            let mut clear = plain.to_owned();
            for (outer, keep) in cuts {
                clear.replace_range(outer, &plain[keep]);
            }
            Ok(clear)
        }
        _ => Err("the clear text is not exactly one saml:Assertion".into()),
    }
}

/// Whether the clear Assertion has a `ds:Signature` child (its validity is the chain's).
fn assertion_has_signature(clear: &str) -> Result<bool, Rejection> {
    let doc = verify::parse(clear)?;
    Ok(descendants_named(&doc, SAML, "Assertion")
        .iter()
        .any(|&a| child_elements(&doc, a).any(|c| is(&doc, c, DSIG, "Signature"))))
}

fn range(doc: &Document<'_>, node: NodeId) -> Result<Range<usize>, String> {
    doc.node_range(node).ok_or_else(|| "no source range".into())
}

fn expect(
    doc: &Document<'_>,
    node: NodeId,
    ns: &str,
    local: &'static str,
) -> Result<(), Rejection> {
    if is(doc, node, ns, local) {
        Ok(())
    } else {
        Err(Rejection::EncryptionElement(local))
    }
}

/// Exactly `N` elements, else the profile's `why`.
fn exactly<const N: usize>(
    nodes: Vec<NodeId>,
    why: &'static str,
) -> Result<[NodeId; N], Rejection> {
    nodes.try_into().map_err(|_| profile(why))
}

fn profile(why: &'static str) -> Rejection {
    Rejection::EncryptionProfile(why)
}

/// The element children; besides them only whitespace (no text, comment or PI).
fn elements(doc: &Document<'_>, node: NodeId) -> Result<Vec<NodeId>, Rejection> {
    let stray = doc
        .children_iter(node)
        .any(|c| doc.element(c).is_none() && !is_blank_text(doc, c));
    if stray {
        return Err(profile(
            "text, comment or processing instruction inside the encryption structure",
        ));
    }
    Ok(child_elements(doc, node).collect())
}
