//! A dev IdP for the local stack only: never deployed.
//!
//! It owns the dev IdP's documents: its metadata, the reading of an SP's AuthnRequest
//! (HTTP-Redirect binding), an Okta-shaped Response whose Assertion is signed with the
//! committed dev key (`local/dev-idp/`), the login page and the HTTP-POST binding page.
//! Pure functions: the gateway does the I/O and wires the routes (`{base}/metadata`,
//! `{base}/sso`, `{base}/respond`). It signs for whoever is picked, by design.

use std::io::Read as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::read::DeflateDecoder;
use shared::html::escape;
use shared::saml::{SignWhat, sign_response};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, UtcOffset};

const KEY_PEM: &str = include_str!("../../dev-idp/key.pem");
const CERT_PEM: &str = include_str!("../../dev-idp/cert.pem");

const SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const ENTITY_FORMAT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
const EMAIL_FORMAT: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
const HTTP_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const HTTP_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// The SAMLRequest as sent is a few hundred bytes; these caps stop a deflate bomb.
const MAX_REQUEST_B64: usize = 64 * 1024;
const MAX_REQUEST_XML: u64 = 256 * 1024;
/// Okta's lifetimes: Conditions start a minute back, everything ends 5 minutes on.
const NOT_BEFORE_BACK: Duration = Duration::minutes(1);
const VALID_FOR: Duration = Duration::minutes(5);
/// SAML core 1.3.3: xs:dateTime in UTC with `Z`; milliseconds as Okta writes them.
const INSTANT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// The dev IdP at `base` (e.g. `http://127.0.0.1:3000/dev/idp`); its entity ID is `base`.
#[derive(Clone)]
pub struct DevIdp {
    pub entity_id: String,
    pub base: String,
    key_pem: String,
    cert_pem: String,
}

/// What the dev IdP needs from an SP's AuthnRequest (SAML core 3.4.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequestInfo {
    /// The request's ID: the Response's InResponseTo.
    pub id: String,
    /// AssertionConsumerServiceURL: where the Response is posted (required here).
    pub acs_url: String,
    /// The SP's entity ID: the Audience.
    pub issuer: String,
}

/// What goes into one Response.
pub struct ResponseParams<'a> {
    pub acs_url: &'a str,
    /// The SP's entity ID.
    pub audience: &'a str,
    /// An email address (NameID Format emailAddress).
    pub name_id: &'a str,
    /// The AuthnRequest's ID; `None` for IdP-initiated login.
    pub in_response_to: Option<&'a str>,
    pub now: OffsetDateTime,
    /// Attribute name and value, e.g. from [`default_attributes`].
    pub attributes: Vec<(&'a str, String)>,
}

impl DevIdp {
    /// The dev IdP with the committed dev key and certificate.
    pub fn new(base: &str) -> Self {
        let base = base.trim_end_matches('/').to_owned();
        Self {
            entity_id: base.clone(),
            base,
            key_pem: KEY_PEM.to_owned(),
            cert_pem: CERT_PEM.to_owned(),
        }
    }

    /// SAML metadata 2.4.3: one IDPSSODescriptor for SAML 2.0, the signing certificate,
    /// NameIDFormat emailAddress, SingleSignOnService `{base}/sso` in both bindings, or
    /// (`post_only`, as JumpCloud's export) in HTTP-POST alone.
    pub fn metadata_xml(&self, post_only: bool) -> String {
        let sso = escape(&format!("{}/sso", self.base));
        let redirect = if post_only {
            String::new()
        } else {
            format!("<md:SingleSignOnService Binding=\"{HTTP_REDIRECT}\" Location=\"{sso}\"/>")
        };
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"{entity}\">\
<md:IDPSSODescriptor WantAuthnRequestsSigned=\"false\" protocolSupportEnumeration=\"{SAMLP}\">\
<md:KeyDescriptor use=\"signing\"><ds:KeyInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">\
<ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>\
</md:KeyDescriptor><md:NameIDFormat>{EMAIL_FORMAT}</md:NameIDFormat>\
{redirect}<md:SingleSignOnService Binding=\"{HTTP_POST}\" Location=\"{sso}\"/>\
</md:IDPSSODescriptor></md:EntityDescriptor>",
            entity = escape(&self.entity_id),
            cert = self.cert_der_base64(),
        )
    }

    /// The certificate's DER, standard base64 on one line (the PEM body).
    pub fn cert_der_base64(&self) -> String {
        self.cert_pem
            .lines()
            .map(str::trim)
            .filter(|line| !line.starts_with("-----"))
            .collect()
    }

    /// The SAMLRequest query value (already percent-decoded) of the HTTP-Redirect
    /// binding (SAML bindings 3.4.4.1): base64, raw DEFLATE, then an AuthnRequest.
    pub fn parse_authn_request(saml_request: &str) -> Result<AuthnRequestInfo, String> {
        Self::read_authn_request(&inflate(saml_request)?)
    }

    /// The SAMLRequest form value of the HTTP-POST binding (SAML bindings 3.5.4): base64
    /// of the AuthnRequest, not deflated.
    pub fn parse_posted_authn_request(saml_request: &str) -> Result<AuthnRequestInfo, String> {
        if saml_request.len() > MAX_REQUEST_B64 {
            return Err("the SAMLRequest is too large".to_owned());
        }
        let compact: String = saml_request.split_ascii_whitespace().collect();
        let bytes = STANDARD
            .decode(compact)
            .map_err(|e| format!("the SAMLRequest is not base64: {e}"))?;
        let xml = String::from_utf8(bytes).map_err(|_| "the SAMLRequest is not UTF-8")?;
        Self::read_authn_request(&xml)
    }

    fn read_authn_request(xml: &str) -> Result<AuthnRequestInfo, String> {
        let doc = uppsala::Parser::new()
            .with_forbid_dtd(true)
            .parse(xml)
            .map_err(|e| format!("the AuthnRequest is not XML: {e}"))?;
        let root = doc
            .document_element()
            .filter(|&r| {
                doc.element(r)
                    .is_some_and(|e| e.matches_name_ns(SAMLP, "AuthnRequest"))
            })
            .ok_or("the SAMLRequest is not a samlp:AuthnRequest")?;
        let id = doc
            .get_attribute(root, "ID")
            .filter(|id| !id.is_empty())
            .ok_or("the AuthnRequest has no ID")?;
        let acs_url = doc
            .get_attribute(root, "AssertionConsumerServiceURL")
            .ok_or("the AuthnRequest has no AssertionConsumerServiceURL")?;
        check_http_url(acs_url)?;
        let issuer = doc
            .first_child_element_by_name_ns(root, SAML, "Issuer")
            .map(|i| doc.text_content_deep(i).trim().to_owned())
            .filter(|issuer| !issuer.is_empty())
            .ok_or("the AuthnRequest has no Issuer")?;
        Ok(AuthnRequestInfo {
            id: id.to_owned(),
            acs_url: acs_url.to_owned(),
            issuer,
        })
    }

    /// The same Response, unsigned (XML text): for a test to sign with an independent
    /// signer (`xmlsec1`), or to tamper with first.
    pub fn unsigned_response(&self, r: &ResponseParams) -> Result<String, String> {
        check_http_url(r.acs_url)?;
        Ok(response_xml(&self.entity_id, r, &Instants::at(r.now)?))
    }

    /// An Okta-shaped `saml2p:Response` with its Assertion signed (RSA-SHA256, exclusive
    /// c14n) by the dev key, as the base64 `SAMLResponse` form value.
    pub fn signed_response(&self, r: &ResponseParams) -> Result<String, String> {
        self.signed_xml(r).map(|xml| STANDARD.encode(xml))
    }

    /// The same, its signed Assertion then encrypted for the SP's encryption certificate
    /// (Okta's "Assertion Encryption": RSA-OAEP, AES-256-GCM), as the form value.
    pub fn encrypted_response(
        &self,
        r: &ResponseParams,
        sp_cert_der: &[u8],
    ) -> Result<String, String> {
        let signed = self.signed_xml(r)?;
        let encrypted = shared::saml::encrypt::encrypt_assertion(&signed, sp_cert_der)?;
        Ok(STANDARD.encode(encrypted))
    }

    fn signed_xml(&self, r: &ResponseParams) -> Result<String, String> {
        check_http_url(r.acs_url)?;
        if r.name_id.trim().is_empty() {
            return Err("the NameID is empty".to_owned());
        }
        let unsigned = response_xml(&self.entity_id, r, &Instants::at(r.now)?);
        sign_response(
            &unsigned,
            &self.key_pem,
            &self.cert_pem,
            SignWhat::Assertion,
        )
        .map_err(|e| e.to_string())
    }
}

/// Okta's attributes for a user: firstName and lastName (the display name split at its
/// first space, or the email's local part) and email.
pub fn default_attributes(email: &str, display_name: &str) -> Vec<(&'static str, String)> {
    let name = display_name.trim();
    let name = if name.is_empty() {
        email.split('@').next().unwrap_or_default()
    } else {
        name
    };
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    vec![
        ("firstName", first.to_owned()),
        ("lastName", last.trim().to_owned()),
        ("email", email.to_owned()),
    ]
}

/// Base64 (whitespace tolerated), then raw DEFLATE (RFC 1951), both size-capped.
fn inflate(saml_request: &str) -> Result<String, String> {
    if saml_request.len() > MAX_REQUEST_B64 {
        return Err("the SAMLRequest is too large".to_owned());
    }
    let compact: String = saml_request.split_ascii_whitespace().collect();
    let deflated = STANDARD
        .decode(compact)
        .map_err(|e| format!("the SAMLRequest is not base64: {e}"))?;
    let mut xml = String::new();
    DeflateDecoder::new(deflated.as_slice())
        .take(MAX_REQUEST_XML)
        .read_to_string(&mut xml)
        .map_err(|e| format!("the SAMLRequest is not raw DEFLATE of UTF-8: {e}"))?;
    Ok(xml)
}

/// Where a browser will be made to post: plain http(s) only, never `javascript:`.
fn check_http_url(url: &str) -> Result<(), String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        return Ok(());
    }
    Err(format!("the ACS URL {url:?} is not an http(s) URL"))
}

/// The Response's times and fresh IDs.
struct Instants {
    now: String,
    not_before: String,
    not_on_or_after: String,
    response_id: String,
    assertion_id: String,
}

impl Instants {
    fn at(now: OffsetDateTime) -> Result<Self, String> {
        let at = |t: Option<OffsetDateTime>| -> Result<String, String> {
            t.ok_or("time out of range")?
                .to_offset(UtcOffset::UTC)
                .format(INSTANT)
                .map_err(|e| e.to_string())
        };
        Ok(Self {
            now: at(Some(now))?,
            not_before: at(now.checked_sub(NOT_BEFORE_BACK))?,
            not_on_or_after: at(now.checked_add(VALID_FOR))?,
            response_id: random_id(),
            assertion_id: random_id(),
        })
    }
}

/// An xs:ID: `_` and 128 random bits in hex.
fn random_id() -> String {
    // The dev IdP is another party: its ids are its own, not the App's.
    #[allow(clippy::disallowed_methods)]
    let id = rand::random::<u128>();
    format!("_{id:032x}")
}

/// The envelope (SAML core 3.2.2): Destination, InResponseTo, Issuer, Status Success.
fn response_xml(idp: &str, r: &ResponseParams, t: &Instants) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
<saml2p:Response xmlns:saml2p=\"{SAMLP}\" Destination=\"{acs}\" ID=\"{id}\"{irt} \
IssueInstant=\"{now}\" Version=\"2.0\">\
<saml2:Issuer xmlns:saml2=\"{SAML}\" Format=\"{ENTITY_FORMAT}\">{idp}</saml2:Issuer>\
<saml2p:Status><saml2p:StatusCode Value=\"urn:oasis:names:tc:SAML:2.0:status:Success\"/>\
</saml2p:Status>{assertion}</saml2p:Response>",
        acs = escape(r.acs_url),
        id = t.response_id,
        irt = in_response_to_attr(r.in_response_to),
        now = t.now,
        idp = escape(idp),
        assertion = assertion_xml(idp, r, t),
    )
}

fn in_response_to_attr(in_response_to: Option<&str>) -> String {
    in_response_to
        .map(|id| format!(" InResponseTo=\"{}\"", escape(id)))
        .unwrap_or_default()
}

/// The Assertion (SAML core 2.3.3, profiles 4.1.4.2): Issuer, Subject with a bearer
/// confirmation, Conditions with the Audience, AuthnStatement, attributes.
fn assertion_xml(idp: &str, r: &ResponseParams, t: &Instants) -> String {
    format!(
        "<saml2:Assertion xmlns:saml2=\"{SAML}\" ID=\"{id}\" IssueInstant=\"{now}\" Version=\"2.0\" \
xmlns:xs=\"http://www.w3.org/2001/XMLSchema\">\
<saml2:Issuer Format=\"{ENTITY_FORMAT}\">{idp}</saml2:Issuer>\
<saml2:Subject><saml2:NameID Format=\"{EMAIL_FORMAT}\">{name_id}</saml2:NameID>\
<saml2:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">\
<saml2:SubjectConfirmationData{irt} NotOnOrAfter=\"{end}\" Recipient=\"{acs}\"/>\
</saml2:SubjectConfirmation></saml2:Subject>\
<saml2:Conditions NotBefore=\"{start}\" NotOnOrAfter=\"{end}\"><saml2:AudienceRestriction>\
<saml2:Audience>{audience}</saml2:Audience></saml2:AudienceRestriction></saml2:Conditions>\
<saml2:AuthnStatement AuthnInstant=\"{now}\" SessionIndex=\"{id}\"><saml2:AuthnContext>\
<saml2:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport\
</saml2:AuthnContextClassRef></saml2:AuthnContext></saml2:AuthnStatement>{attributes}\
</saml2:Assertion>",
        id = t.assertion_id,
        now = t.now,
        idp = escape(idp),
        name_id = escape(r.name_id),
        irt = in_response_to_attr(r.in_response_to),
        start = t.not_before,
        end = t.not_on_or_after,
        acs = escape(r.acs_url),
        audience = escape(r.audience),
        attributes = attribute_statement(&r.attributes),
    )
}

/// SAML core 2.7.3, Okta's way: unspecified NameFormat, xs:string values. Absent
/// when there is no attribute (the schema wants at least one inside).
fn attribute_statement(attributes: &[(&str, String)]) -> String {
    if attributes.is_empty() {
        return String::new();
    }
    let inner: String = attributes
        .iter()
        .map(|(name, value)| {
            format!(
                "<saml2:Attribute Name=\"{}\" \
NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified\">\
<saml2:AttributeValue xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
xsi:type=\"xs:string\">{}</saml2:AttributeValue></saml2:Attribute>",
                escape(name),
                escape(value)
            )
        })
        .collect();
    format!("<saml2:AttributeStatement>{inner}</saml2:AttributeStatement>")
}

mod pages;
pub use pages::{LoginForm, auto_post_form, login_page};

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
