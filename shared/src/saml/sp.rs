//! The SP's own SAML documents: its metadata (an EntityDescriptor with an SPSSODescriptor)
//! and the AuthnRequest of SP-initiated login, sent by the HTTP-Redirect binding (signed
//! over the query) or the HTTP-POST binding (an enveloped signature). Both are built with
//! samael's types; text samael writes unescaped is escaped here.

use std::io::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::write::DeflateEncoder;
use samael::key_info::{KeyInfo, X509Data};
use samael::metadata::KeyDescriptor;
use samael::metadata::{
    EntityDescriptor, HTTP_POST_BINDING, IndexedEndpoint, NameIdFormat, SpSsoDescriptor,
};
use samael::schema::{AuthnRequest, Issuer};

use super::sp_keys::{SpKey, SpKeys, signed_redirect_query};
use samael::traits::ToXml as _;
use time::OffsetDateTime;
use url::Url;

/// SAML metadata 2.4.1: the protocol our SPSSODescriptor supports.
const SAML2_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML core 8.3.6: the Format of an Issuer that names an entity.
const ENTITY_FORMAT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
/// SAML bindings 3.4.3: RelayState must not exceed 80 bytes.
pub const MAX_RELAY_STATE_BYTES: usize = 80;
/// Our own cap on a request ID, far above `_` + 32 hex characters.
const MAX_REQUEST_ID_LEN: usize = 256;

/// Why an SP document could not be built. These are our configuration's or caller's
/// faults, not the IdP's; none of them is a contract code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpError {
    #[error("{what} is not an absolute URL: {reason}")]
    InvalidUrl { what: &'static str, reason: String },
    #[error("{what} is empty")]
    Empty { what: &'static str },
    #[error(
        "request ID {id:?} is not an xs:ID (a letter or '_', then letters, digits, '.', '-', '_')"
    )]
    InvalidRequestId { id: String },
    #[error("RelayState is {len} bytes, over the 80 of SAML bindings 3.4.3")]
    RelayStateTooLong { len: usize },
    #[error("samael could not write the document: {reason}")]
    Xml { reason: String },
}

impl SpError {
    /// What the caller sees: a relay state too long is theirs; the rest are ours (500).
    pub fn code(&self) -> crate::error::ErrorCode {
        use crate::error::ErrorCode;
        match self {
            SpError::RelayStateTooLong { .. } => ErrorCode::RelayStateTooLong,
            SpError::InvalidRequestId { .. }
            | SpError::InvalidUrl { .. }
            | SpError::Empty { .. }
            | SpError::Xml { .. } => ErrorCode::InternalError,
        }
    }
}

/// SP metadata (SAML metadata 2.4.4): entityID, one AssertionConsumerService with the
/// HTTP-POST binding, NameIDFormat emailAddress; without keys, AuthnRequestsSigned false
/// and WantAssertionsSigned false.
pub fn sp_metadata_xml(entity_id: &str, acs_url: &str) -> Result<String, SpError> {
    sp_metadata_xml_with_keys(entity_id, acs_url, &SpKeys::default(), false)
}

/// The SP metadata with its keys: a `KeyDescriptor use="signing"` for every signing
/// certificate and `use="encryption"` for every encryption one (next, active and previous
/// during a rotation), `AuthnRequestsSigned="true"` when a signing key is active, and
/// `WantAssertionsSigned` as configured (`WANT_ASSERTIONS_SIGNED`).
pub fn sp_metadata_xml_with_keys(
    entity_id: &str,
    acs_url: &str,
    keys: &SpKeys,
    want_assertions_signed: bool,
) -> Result<String, SpError> {
    non_empty("SP entity ID", entity_id)?;
    let acs_url = absolute_url("ACS URL", acs_url)?;
    let descriptor_of = |key: &SpKey, key_use: &str| KeyDescriptor {
        key_use: Some(key_use.to_owned()),
        key_info: KeyInfo {
            id: None,
            x509_data: Some(X509Data {
                certificates: vec![key.cert_base64()],
            }),
        },
        encryption_methods: None,
    };
    let descriptors: Vec<KeyDescriptor> = keys
        .signing
        .iter()
        .map(|k| descriptor_of(k, "signing"))
        .chain(
            keys.encryption
                .iter()
                .map(|k| descriptor_of(k, "encryption")),
        )
        .collect();
    let descriptor = SpSsoDescriptor {
        protocol_support_enumeration: Some(SAML2_PROTOCOL.to_owned()),
        authn_requests_signed: Some(keys.active_signing().is_some()),
        key_descriptors: (!descriptors.is_empty()).then_some(descriptors),
        want_assertions_signed: Some(want_assertions_signed),
        name_id_formats: Some(vec![
            NameIdFormat::EmailAddressNameIDFormat.value().to_owned(),
        ]),
        assertion_consumer_services: vec![IndexedEndpoint {
            binding: HTTP_POST_BINDING.to_owned(),
            location: acs_url.into(),
            response_location: None,
            index: 0,
            is_default: Some(true),
        }],
        ..SpSsoDescriptor::default()
    };
    let entity = EntityDescriptor {
        entity_id: Some(entity_id.to_owned()),
        sp_sso_descriptors: Some(vec![descriptor]),
        ..EntityDescriptor::default()
    };
    entity.to_string().map_err(|err| SpError::Xml {
        reason: err.to_string(),
    })
}

/// The IdP URL a browser is sent to for SP-initiated login: SAML bindings 3.4.4.1, the
/// AuthnRequest deflated (raw DEFLATE, RFC 1951), base64, URL-encoded as `SAMLRequest`,
/// then `RelayState` when given. Unsigned: our metadata says AuthnRequestsSigned false.
/// `request_id` comes from the caller (e.g. `_` + random hex), who stores it.
pub fn authn_request_redirect_url(
    idp_sso_url: &str,
    sp_entity_id: &str,
    acs_url: &str,
    request_id: &str,
    issue_instant: OffsetDateTime,
    relay_state: Option<&str>,
) -> Result<String, SpError> {
    authn_request_redirect_url_signed(
        idp_sso_url,
        sp_entity_id,
        acs_url,
        request_id,
        issue_instant,
        relay_state,
        None,
    )
}

/// As [`authn_request_redirect_url`], signed with `signer` when given: `SigAlg` and
/// `Signature` over the exact query octets (SAML bindings 3.4.4.1).
pub fn authn_request_redirect_url_signed(
    idp_sso_url: &str,
    sp_entity_id: &str,
    acs_url: &str,
    request_id: &str,
    issue_instant: OffsetDateTime,
    relay_state: Option<&str>,
    signer: Option<&SpKey>,
) -> Result<String, SpError> {
    let mut url = absolute_url("IdP SSO URL", idp_sso_url)?;
    let relay_state = relay_state.unwrap_or_default();
    if relay_state.len() > MAX_RELAY_STATE_BYTES {
        return Err(SpError::RelayStateTooLong {
            len: relay_state.len(),
        });
    }
    let request = authn_request(&url, sp_entity_id, acs_url, request_id, issue_instant)?;
    let xml = request.to_string().map_err(|err| SpError::Xml {
        reason: err.to_string(),
    })?;
    let encoded = deflate_base64(xml.as_bytes())?;
    if let Some(key) = signer {
        let signed =
            signed_redirect_query(key, &encoded, Some(relay_state)).map_err(|e| SpError::Xml {
                reason: e.to_string(),
            })?;
        let query = match url.query().filter(|q| !q.is_empty()) {
            Some(existing) => format!("{existing}&{signed}"),
            None => signed,
        };
        url.set_query(Some(&query));
        return Ok(url.into());
    }
    url.query_pairs_mut().append_pair("SAMLRequest", &encoded);
    if !relay_state.is_empty() {
        url.query_pairs_mut().append_pair("RelayState", relay_state);
    }
    Ok(url.into())
}

/// What the HTTP-POST binding's auto-submitting form sends (SAML bindings 3.5.4): to
/// `action`, the base64 `SAMLRequest` (not deflated) and the `RelayState`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostRequest {
    pub action: String,
    pub saml_request: String,
    pub relay_state: Option<String>,
}

/// The AuthnRequest for an IdP that offers only the HTTP-POST binding (JumpCloud's
/// export): signed with `signer` when given, the signature inside the document right
/// after the Issuer (SAML bindings 3.5.4.1, core 5.4.1).
pub fn authn_request_post(
    idp_sso_url: &str,
    sp_entity_id: &str,
    acs_url: &str,
    request_id: &str,
    issue_instant: OffsetDateTime,
    relay_state: Option<&str>,
    signer: Option<&SpKey>,
) -> Result<PostRequest, SpError> {
    let url = absolute_url("IdP SSO URL", idp_sso_url)?;
    let relay_state = relay_state.filter(|r| !r.is_empty());
    if let Some(len) = relay_state
        .map(str::len)
        .filter(|&l| l > MAX_RELAY_STATE_BYTES)
    {
        return Err(SpError::RelayStateTooLong { len });
    }
    let request = authn_request(&url, sp_entity_id, acs_url, request_id, issue_instant)?;
    let xml = request.to_string().map_err(|err| SpError::Xml {
        reason: err.to_string(),
    })?;
    let xml = match signer {
        Some(key) => {
            let (key_pem, cert_pem) = key.pems();
            super::sign::sign_authn_request(&xml, key_pem, cert_pem).map_err(|e| SpError::Xml {
                reason: e.to_string(),
            })?
        }
        None => xml,
    };
    Ok(PostRequest {
        action: url.into(),
        saml_request: STANDARD.encode(xml),
        relay_state: relay_state.map(str::to_owned),
    })
}

/// SAML core 3.4.1: ID, Version 2.0, IssueInstant, Destination, the ACS URL and its
/// binding, and our Issuer. No NameIDPolicy: the IdP app's configured format applies
/// (asking for one it is not set to makes some IdPs answer InvalidNameIDPolicy).
fn authn_request(
    destination: &Url,
    sp_entity_id: &str,
    acs_url: &str,
    request_id: &str,
    issue_instant: OffsetDateTime,
) -> Result<AuthnRequest, SpError> {
    non_empty("SP entity ID", sp_entity_id)?;
    let acs_url = absolute_url("ACS URL", acs_url)?;
    check_request_id(request_id)?;
    Ok(AuthnRequest {
        id: request_id.to_owned(),
        version: "2.0".to_owned(),
        issue_instant: to_chrono(issue_instant)?,
        destination: Some(destination.as_str().to_owned()),
        assertion_consumer_service_url: Some(acs_url.into()),
        protocol_binding: Some(HTTP_POST_BINDING.to_owned()),
        issuer: Some(Issuer {
            format: Some(ENTITY_FORMAT.to_owned()),
            // samael writes Issuer text as already escaped.
            value: Some(escape_text(sp_entity_id)),
            ..Issuer::default()
        }),
        ..AuthnRequest::default()
    })
}

/// SAML bindings 3.4.4.1: DEFLATE (RFC 1951, no zlib header), then base64. samael's own
/// `AuthnRequest::redirect` lives in its `service_provider` module, which is compiled only
/// with the `xmlsec` feature, so the encoding is done here.
fn deflate_base64(xml: &[u8]) -> Result<String, SpError> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    let compressed = encoder
        .write_all(xml)
        .and_then(|()| encoder.finish())
        .map_err(|err| SpError::Xml {
            reason: format!("deflate: {err}"),
        })?;
    Ok(STANDARD.encode(compressed))
}

fn non_empty(what: &'static str, value: &str) -> Result<(), SpError> {
    if value.trim().is_empty() {
        return Err(SpError::Empty { what });
    }
    Ok(())
}

fn absolute_url(what: &'static str, value: &str) -> Result<Url, SpError> {
    let url = Url::parse(value).map_err(|err| SpError::InvalidUrl {
        what,
        reason: err.to_string(),
    })?;
    if url.cannot_be_a_base() {
        return Err(SpError::InvalidUrl {
            what,
            reason: "not a hierarchical URL".to_owned(),
        });
    }
    Ok(url)
}

/// SAML core 1.3.4: an ID is an xs:ID, i.e. an XML NCName (ASCII subset here).
fn check_request_id(id: &str) -> Result<(), SpError> {
    let mut chars = id.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    let rest_ok = chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if first_ok && rest_ok && id.len() <= MAX_REQUEST_ID_LEN {
        return Ok(());
    }
    Err(SpError::InvalidRequestId { id: id.to_owned() })
}

fn to_chrono(instant: OffsetDateTime) -> Result<chrono::DateTime<chrono::Utc>, SpError> {
    chrono::DateTime::from_timestamp(instant.unix_timestamp(), instant.nanosecond()).ok_or(
        SpError::Xml {
            reason: "IssueInstant out of range".to_owned(),
        },
    )
}

/// XML 1.0 2.4: `&` and `<` must be escaped in character data (`>` too, after `]]`).
fn escape_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
