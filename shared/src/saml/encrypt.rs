//! The local dev IdP's encryptor: the signed Assertion of a Response replaced by an
//! `EncryptedAssertion` for the SP's encryption certificate (AES-256-GCM content, RSA-OAEP
//! key transport, the shape Okta sends), made with bergshamra's XML-Enc. Never deployed.

use super::xml::{SAML, SAMLP, is};
use bergshamra::EncContext;
use bergshamra::core::algorithm as alg;
use bergshamra::keys::{KeysManager, loader};

/// Replace the one Assertion of `signed_xml` by its encryption for `sp_cert_der`.
pub fn encrypt_assertion(signed_xml: &str, sp_cert_der: &[u8]) -> Result<String, String> {
    let doc = uppsala::parse(signed_xml).map_err(|e| format!("the Response: {e}"))?;
    let response = doc
        .document_element()
        .filter(|&r| is(&doc, r, SAMLP, "Response"))
        .ok_or("not a samlp:Response")?;
    let assertion = doc
        .first_child_element_by_name_ns(response, SAML, "Assertion")
        .ok_or("the Response holds no Assertion")?;
    let range = doc.node_range(assertion).ok_or("no source range")?;
    let key = loader::load_x509_cert_der(sp_cert_der)
        .map_err(|e| format!("the SP encryption certificate: {e}"))?;
    let mut manager = KeysManager::new();
    manager.add_key(key);
    let ctx = EncContext::new(manager);
    let data = bergshamra::encrypt(&ctx, &template(), signed_xml[range.clone()].as_bytes())
        .map_err(|e| format!("encrypting: {e}"))?;
    let data = data
        .strip_prefix("<?xml version=\"1.0\"?>")
        .unwrap_or(&data)
        .trim();
    Ok(format!(
        "{}<saml2:EncryptedAssertion xmlns:saml2=\"{SAML}\">{data}</saml2:EncryptedAssertion>{}",
        &signed_xml[..range.start],
        &signed_xml[range.end..]
    ))
}

fn template() -> String {
    format!(
        "<xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\" \
xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\" Type=\"http://www.w3.org/2001/04/xmlenc#Element\">\
<xenc:EncryptionMethod Algorithm=\"{gcm}\"/><ds:KeyInfo><xenc:EncryptedKey>\
<xenc:EncryptionMethod Algorithm=\"{oaep}\"><ds:DigestMethod Algorithm=\"{sha1}\"/>\
</xenc:EncryptionMethod><xenc:CipherData><xenc:CipherValue/></xenc:CipherData>\
</xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue/></xenc:CipherData>\
</xenc:EncryptedData>",
        gcm = alg::AES256_GCM,
        oaep = alg::RSA_OAEP,
        sha1 = alg::SHA1,
    )
}
