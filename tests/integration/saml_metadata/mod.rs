//! The SAML building blocks: IdP metadata, its safe fetch, SP metadata and AuthnRequest.

mod fetch;
mod metadata;
mod sp;

/// The Okta-shaped IdP metadata fixture (two signing certificates).
pub fn okta_metadata() -> String {
    include_str!("../../fixtures/metadata/okta-metadata.xml").to_owned()
}

/// The body of a PEM file: the base64 DER without armour or line breaks.
pub fn pem_body(pem: &str) -> String {
    pem.lines()
        .filter(|line| !line.starts_with("-----"))
        .collect()
}
