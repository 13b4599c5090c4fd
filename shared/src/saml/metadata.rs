//! IdP metadata ingest: owns turning an admin-supplied SAML 2.0 metadata document into the
//! facts the ACS trusts (IdP entity ID, SSO URLs, signing certificates) and every refusal.
//!
//! Order, as DESIGN.md ("SAML: who does what") requires: size cap, then the conforming
//! parser the ACS uses (`uppsala`, DTDs forbidden), then a root-element check, and only
//! then `samael` (quick-xml) reads the EntityDescriptor. samael's quick-xml deserializer
//! matches element names by local name and ignores the root's name, so an HTML page parses
//! as an empty EntityDescriptor: every fact below is checked here, none is taken on trust.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use samael::metadata::{
    EntityDescriptor, EntityDescriptorType, HTTP_POST_BINDING, HTTP_REDIRECT_BINDING,
    IdpSsoDescriptor, KeyDescriptor,
};
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use x509_cert::Certificate;
use x509_cert::der::Decode as _;

/// Largest metadata document accepted, in bytes (1 MiB), before any parsing.
pub const MAX_METADATA_BYTES: usize = 1024 * 1024;

/// SAML metadata 2.2: the namespace of EntityDescriptor and EntitiesDescriptor.
const MD_NS: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// SAML metadata 2.4.1: protocolSupportEnumeration must list this for SAML 2.0.
const SAML2_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML core 8.3.6: an entity identifier is at most 1024 characters.
const MAX_ENTITY_ID_LEN: usize = 1024;
/// How much of an offending value an error message repeats.
const SHOWN_CHARS: usize = 200;

/// What the ACS and the login route need from the IdP's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpMetadata {
    /// The IdP's entityID: the Issuer every Response and Assertion must carry.
    pub entity_id: String,
    /// SingleSignOnService with the HTTP-POST binding, if the IdP offers one.
    pub sso_url_post: Option<String>,
    /// SingleSignOnService with the HTTP-Redirect binding (what our AuthnRequest uses).
    pub sso_url_redirect: Option<String>,
    /// Every distinct signing certificate, in document order (at least one).
    pub certificates: Vec<IdpCert>,
}

/// One signing certificate from a KeyDescriptor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdpCert {
    /// The DER certificate, standard base64 without whitespace.
    pub der_base64: String,
    /// SHA-256 of the DER, uppercase hex pairs joined by colons, as Okta's admin shows it.
    pub sha256_fingerprint: String,
    /// The certificate's notAfter (RFC 5280 4.1.2.5), UTC.
    pub not_after: OffsetDateTime,
    /// `not_after` as RFC 3339 in UTC (`2036-11-25T16:24:19Z`): fixed width, sorts as text.
    pub not_after_rfc3339: String,
}

/// Why a metadata document was refused. `Display` is the precise reason, for the log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetadataError {
    #[error("metadata is {size} bytes, over the {max}-byte cap")]
    TooLarge { size: usize, max: usize },
    #[error("metadata is not UTF-8")]
    NotUtf8,
    #[error("metadata contains a DOCTYPE declaration; DTDs are refused")]
    Doctype,
    #[error("metadata is not well-formed XML: {reason}")]
    Malformed { reason: String },
    #[error("root element is {root}, not a SAML metadata EntityDescriptor or EntitiesDescriptor")]
    NotMetadata { root: String },
    #[error("metadata does not match the SAML metadata schema: {reason}")]
    Unreadable { reason: String },
    #[error(
        "EntitiesDescriptor holds {count} EntityDescriptors with an IDPSSODescriptor; expected one"
    )]
    AmbiguousEntities { count: usize },
    #[error("EntityDescriptor has no entityID")]
    NoEntityId,
    #[error("entityID is {len} characters, over the 1024 of SAML core 8.3.6")]
    EntityIdTooLong { len: usize },
    #[error("EntityDescriptor has no IDPSSODescriptor")]
    NoIdpDescriptor,
    #[error("no IDPSSODescriptor lists the SAML 2.0 protocol in protocolSupportEnumeration")]
    NoSaml2IdpDescriptor,
    #[error(
        "IDPSSODescriptor has no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding"
    )]
    NoSsoUrl,
    #[error("SingleSignOnService Location {url:?} is not a URL: {reason}")]
    InvalidSsoUrl { url: String, reason: String },
    #[error("SingleSignOnService Location {url:?} uses scheme {scheme:?}; only https is allowed")]
    SsoUrlNotAllowed { url: String, scheme: String },
    #[error(
        "no signing certificate: no KeyDescriptor with use=\"signing\" or no use holds an X509Certificate"
    )]
    NoSigningCertificate,
    #[error("signing certificate #{index} does not parse: {reason}")]
    BadCertificate { index: usize, reason: String },
}

impl MetadataError {
    /// The contract's machine code (CONTRACT.md, "IdP metadata ingest"; HTTP 422).
    pub fn code(&self) -> crate::error::ErrorCode {
        use crate::error::ErrorCode;
        match self {
            MetadataError::NoSigningCertificate => ErrorCode::NoSigningCertificate,
            _ => ErrorCode::MetadataInvalid,
        }
    }
}

/// Parses IdP metadata: an EntityDescriptor, or an EntitiesDescriptor holding exactly one
/// EntityDescriptor with an IDPSSODescriptor. `local_mode` also allows `http` SSO URLs.
pub fn parse_idp_metadata(xml: &[u8], local_mode: bool) -> Result<IdpMetadata, MetadataError> {
    let text = check_conforming(xml)?;
    let entity = select_idp_entity(text)?;
    let entity_id = check_entity_id(entity.entity_id.as_deref())?;
    let idp = saml2_idp_descriptor(&entity)?;
    let (sso_url_post, sso_url_redirect) = sso_urls(idp, local_mode)?;
    let certificates = signing_certificates(idp)?;
    Ok(IdpMetadata {
        entity_id,
        sso_url_post,
        sso_url_redirect,
        certificates,
    })
}

/// Size cap, UTF-8, then the ACS's conforming parser with DTDs forbidden, then the root
/// element: it must be md:EntityDescriptor or md:EntitiesDescriptor (SAML metadata 2.3).
fn check_conforming(xml: &[u8]) -> Result<&str, MetadataError> {
    if xml.len() > MAX_METADATA_BYTES {
        return Err(MetadataError::TooLarge {
            size: xml.len(),
            max: MAX_METADATA_BYTES,
        });
    }
    let text = std::str::from_utf8(xml).map_err(|_| MetadataError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let doc = uppsala::Parser::new()
        .with_forbid_dtd(true)
        .parse(text)
        .map_err(xml_error)?;
    let root = doc
        .document_element()
        .and_then(|id| doc.element(id))
        .ok_or_else(|| MetadataError::Malformed {
            reason: "no root element".to_owned(),
        })?;
    let ns = root.name.namespace_uri.as_deref();
    let local = root.name.local_name.as_ref();
    if ns == Some(MD_NS) && matches!(local, "EntityDescriptor" | "EntitiesDescriptor") {
        return Ok(text);
    }
    Err(MetadataError::NotMetadata {
        root: format!("{{{}}}{}", ns.unwrap_or(""), shown(local)),
    })
}

/// uppsala reports a forbidden DOCTYPE as a parse error naming it; keep that apart.
fn xml_error(err: uppsala::XmlError) -> MetadataError {
    let reason = err.to_string();
    if reason.contains("DOCTYPE") {
        MetadataError::Doctype
    } else {
        MetadataError::Malformed { reason }
    }
}

/// samael reads the document; an EntitiesDescriptor (SAML metadata 2.3.1) must hold
/// exactly one EntityDescriptor with an IDPSSODescriptor, which is the one taken.
fn select_idp_entity(text: &str) -> Result<EntityDescriptor, MetadataError> {
    let parsed = text
        .parse::<EntityDescriptorType>()
        .map_err(|err| MetadataError::Unreadable {
            reason: shown(&err.to_string()),
        })?;
    match parsed {
        EntityDescriptorType::EntityDescriptor(entity) => Ok(entity),
        EntityDescriptorType::EntitiesDescriptor(_) => {
            let with_idp: Vec<&EntityDescriptor> =
                parsed.iter().filter(|e| has_idp_descriptor(e)).collect();
            match with_idp.as_slice() {
                [] => Err(MetadataError::NoIdpDescriptor),
                [one] => Ok((*one).clone()),
                many => Err(MetadataError::AmbiguousEntities { count: many.len() }),
            }
        }
    }
}

fn has_idp_descriptor(entity: &EntityDescriptor) -> bool {
    entity
        .idp_sso_descriptors
        .as_ref()
        .is_some_and(|list| !list.is_empty())
}

/// SAML metadata 2.3.2: entityID is required; SAML core 8.3.6 caps it at 1024 characters.
/// It is an xs:anyURI, whose whiteSpace facet is "collapse", so surrounding space goes.
fn check_entity_id(entity_id: Option<&str>) -> Result<String, MetadataError> {
    let entity_id = entity_id.map(str::trim).unwrap_or_default();
    if entity_id.is_empty() {
        return Err(MetadataError::NoEntityId);
    }
    let len = entity_id.chars().count();
    if len > MAX_ENTITY_ID_LEN {
        return Err(MetadataError::EntityIdTooLong { len });
    }
    Ok(entity_id.to_owned())
}

/// The first IDPSSODescriptor whose protocolSupportEnumeration (SAML metadata 2.4.1)
/// lists SAML 2.0.
fn saml2_idp_descriptor(entity: &EntityDescriptor) -> Result<&IdpSsoDescriptor, MetadataError> {
    let all = match entity.idp_sso_descriptors.as_deref() {
        None | Some([]) => return Err(MetadataError::NoIdpDescriptor),
        Some(all) => all,
    };
    all.iter()
        .find(|idp| {
            idp.protocol_support_enumeration
                .as_deref()
                .is_some_and(|list| list.split_whitespace().any(|p| p == SAML2_PROTOCOL))
        })
        .ok_or(MetadataError::NoSaml2IdpDescriptor)
}

/// The first SingleSignOnService (SAML metadata 2.4.3) of each binding we speak; every one
/// of those bindings is checked, not only the first.
fn sso_urls(
    idp: &IdpSsoDescriptor,
    local_mode: bool,
) -> Result<(Option<String>, Option<String>), MetadataError> {
    let mut post = None;
    let mut redirect = None;
    for service in &idp.single_sign_on_services {
        let slot = match service.binding.as_str() {
            HTTP_POST_BINDING => &mut post,
            HTTP_REDIRECT_BINDING => &mut redirect,
            _ => continue,
        };
        let url = check_sso_url(&service.location, local_mode)?;
        slot.get_or_insert(url);
    }
    if post.is_none() && redirect.is_none() {
        return Err(MetadataError::NoSsoUrl);
    }
    Ok((post, redirect))
}

/// An SSO URL is where browsers are sent: https only (`javascript:`, `data:`, `file:` and
/// the rest are refused); plain http only in local mode, for a dev IdP.
fn check_sso_url(location: &str, local_mode: bool) -> Result<String, MetadataError> {
    let url = url::Url::parse(location.trim()).map_err(|err| MetadataError::InvalidSsoUrl {
        url: shown(location),
        reason: err.to_string(),
    })?;
    let allowed = match url.scheme() {
        "https" => true,
        "http" => local_mode,
        _ => false,
    };
    if !allowed {
        return Err(MetadataError::SsoUrlNotAllowed {
            url: shown(location),
            scheme: url.scheme().to_owned(),
        });
    }
    Ok(url.into())
}

/// SAML metadata 2.4.1.1: a KeyDescriptor without `use` serves both signing and
/// encryption, so it counts. (samael's `KeyDescriptor::is_signing` says false for it.)
fn is_signing_key(key: &KeyDescriptor) -> bool {
    key.key_use.as_deref().is_none_or(|u| u.trim() == "signing")
}

/// Every X509Certificate of every signing KeyDescriptor, de-duplicated by fingerprint.
fn signing_certificates(idp: &IdpSsoDescriptor) -> Result<Vec<IdpCert>, MetadataError> {
    let texts = idp
        .key_descriptors
        .iter()
        .filter(|key| is_signing_key(key))
        .filter_map(|key| key.key_info.x509_data.as_ref())
        .flat_map(|data| data.certificates.iter());
    let mut certs: Vec<IdpCert> = Vec::new();
    for (index, text) in texts.enumerate() {
        let cert = parse_certificate(index + 1, text)?;
        if !certs
            .iter()
            .any(|c| c.sha256_fingerprint == cert.sha256_fingerprint)
        {
            certs.push(cert);
        }
    }
    if certs.is_empty() {
        return Err(MetadataError::NoSigningCertificate);
    }
    Ok(certs)
}

/// ds:X509Certificate is base64Binary (XML-DSig 4.4.4), so whitespace inside is allowed.
fn parse_certificate(index: usize, text: &str) -> Result<IdpCert, MetadataError> {
    let bad = |reason: String| MetadataError::BadCertificate { index, reason };
    let compact: String = text.split_ascii_whitespace().collect();
    let der = STANDARD
        .decode(compact.as_bytes())
        .map_err(|err| bad(format!("not base64: {err}")))?;
    let cert = Certificate::from_der(&der).map_err(|err| bad(format!("not X.509 DER: {err}")))?;
    let seconds = cert
        .tbs_certificate
        .validity
        .not_after
        .to_unix_duration()
        .as_secs();
    let not_after = i64::try_from(seconds)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .ok_or_else(|| bad("notAfter out of range".to_owned()))?;
    let not_after_rfc3339 = not_after
        .format(&Rfc3339)
        .map_err(|err| bad(format!("notAfter not representable: {err}")))?;
    Ok(IdpCert {
        der_base64: STANDARD.encode(&der),
        sha256_fingerprint: sha256_fingerprint(&der),
        not_after,
        not_after_rfc3339,
    })
}

/// Uppercase hex pairs joined by colons (`9E:65:…`), the form Okta's admin console shows.
pub fn sha256_fingerprint(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    let pairs: Vec<String> = digest.iter().map(|b| format!("{b:02X}")).collect();
    pairs.join(":")
}

/// A value repeated in an error message, cut to a readable length.
fn shown(value: &str) -> String {
    value.chars().take(SHOWN_CHARS).collect()
}
