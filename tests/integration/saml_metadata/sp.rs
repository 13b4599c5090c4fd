//! SP metadata and the HTTP-Redirect AuthnRequest, each parsed back by the conforming
//! parser and by samael.

use std::io::Read as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::read::DeflateDecoder;
use samael::metadata::EntityDescriptor;
use samael::schema::AuthnRequest;
use shared::saml::sp::{SpError, authn_request_redirect_url, sp_metadata_xml};
use time::macros::datetime;
use url::Url;

const SP_ENTITY_ID: &str = "https://sp.example.com/saml/acme";
const ACS_URL: &str = "https://sp.example.com/saml/acme/acs";
const IDP_SSO_URL: &str =
    "https://dev-123.okta.com/app/dev-123_scratchsp_1/exk1fcia6d6EMsf331d8/sso/saml";
const MD_NS: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
const SAMLP_NS: &str = "urn:oasis:names:tc:SAML:2.0:protocol";

fn redirect_url(relay_state: Option<&str>) -> Result<String, SpError> {
    authn_request_redirect_url(
        IDP_SSO_URL,
        SP_ENTITY_ID,
        ACS_URL,
        "_0123456789abcdef0123456789abcdef",
        datetime!(2026-11-28 16:30:05.250 UTC),
        relay_state,
    )
}

/// Undoes SAML bindings 3.4.4.1: query parameter, base64, raw DEFLATE.
fn saml_request_xml(url: &str) -> String {
    let url = Url::parse(url).unwrap();
    let (_, encoded) = url.query_pairs().find(|(k, _)| k == "SAMLRequest").unwrap();
    let deflated = STANDARD.decode(encoded.as_bytes()).unwrap();
    let mut xml = String::new();
    DeflateDecoder::new(deflated.as_slice())
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

fn query_value(url: &str, key: &str) -> Option<String> {
    let url = Url::parse(url).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[test]
fn sp_metadata_has_the_entity_id_post_acs_email_name_id_and_signing_flags() {
    let xml = sp_metadata_xml(SP_ENTITY_ID, ACS_URL).unwrap();

    let doc = uppsala::Parser::new()
        .with_forbid_dtd(true)
        .parse(&xml)
        .unwrap();
    let root = doc.document_element().unwrap();
    assert!(
        doc.element(root)
            .unwrap()
            .matches_name_ns(MD_NS, "EntityDescriptor")
    );
    assert_eq!(doc.get_attribute(root, "entityID"), Some(SP_ENTITY_ID));
    let sp = doc.get_elements_by_tag_name_ns(MD_NS, "SPSSODescriptor")[0];
    assert_eq!(doc.get_attribute(sp, "AuthnRequestsSigned"), Some("false"));
    assert_eq!(doc.get_attribute(sp, "WantAssertionsSigned"), Some("false"));
    assert_eq!(
        doc.get_attribute(sp, "protocolSupportEnumeration"),
        Some(SAMLP_NS)
    );
    let acs = doc.get_elements_by_tag_name_ns(MD_NS, "AssertionConsumerService")[0];
    assert_eq!(doc.get_attribute(acs, "Location"), Some(ACS_URL));
    assert_eq!(
        doc.get_attribute(acs, "Binding"),
        Some("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
    );
    let format = doc.get_elements_by_tag_name_ns(MD_NS, "NameIDFormat")[0];
    assert_eq!(
        doc.text_content_deep(format),
        "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
    );
}

#[test]
fn sp_metadata_parses_back_with_samael() {
    let xml = sp_metadata_xml(SP_ENTITY_ID, ACS_URL).unwrap();

    let parsed: EntityDescriptor = xml.parse().unwrap();

    assert_eq!(parsed.entity_id.as_deref(), Some(SP_ENTITY_ID));
    let sp = &parsed.sp_sso_descriptors.unwrap()[0];
    assert_eq!(sp.assertion_consumer_services[0].location, ACS_URL);
    assert_eq!(sp.want_assertions_signed, Some(false));
    assert_eq!(sp.authn_requests_signed, Some(false));
}

#[test]
fn sp_metadata_escapes_an_ampersand_in_the_acs_url() {
    let acs = "https://sp.example.com/saml/acs?org=acme&x=1";

    let xml = sp_metadata_xml(SP_ENTITY_ID, acs).unwrap();

    let doc = uppsala::Parser::new().parse(&xml).unwrap();
    let node = doc.get_elements_by_tag_name_ns(MD_NS, "AssertionConsumerService")[0];
    assert_eq!(doc.get_attribute(node, "Location"), Some(acs));
}

#[test]
fn sp_metadata_refuses_an_acs_url_that_is_not_absolute() {
    let err = sp_metadata_xml(SP_ENTITY_ID, "/saml/acme/acs").unwrap_err();

    assert!(
        matches!(
            err,
            SpError::InvalidUrl {
                what: "ACS URL",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn the_redirect_url_goes_to_the_idp_sso_url_with_saml_request_and_relay_state() {
    let url = redirect_url(Some("/dashboard?tab=1")).unwrap();

    assert!(
        url.starts_with(&format!("{IDP_SSO_URL}?SAMLRequest=")),
        "{url}"
    );
    assert_eq!(
        query_value(&url, "RelayState").as_deref(),
        Some("/dashboard?tab=1")
    );
    assert!(query_value(&url, "Signature").is_none());
    assert!(query_value(&url, "SigAlg").is_none());
}

#[test]
fn the_redirect_url_has_no_relay_state_when_none_is_given() {
    let url = redirect_url(None).unwrap();

    assert!(query_value(&url, "SAMLRequest").is_some());
    assert!(query_value(&url, "RelayState").is_none());
}

#[test]
fn the_saml_request_inflates_to_an_authn_request_with_every_field() {
    let xml = saml_request_xml(&redirect_url(None).unwrap());

    let doc = uppsala::Parser::new()
        .with_forbid_dtd(true)
        .parse(&xml)
        .unwrap();
    let root = doc.document_element().unwrap();
    assert!(
        doc.element(root)
            .unwrap()
            .matches_name_ns(SAMLP_NS, "AuthnRequest")
    );
    let attr = |name| doc.get_attribute(root, name);
    assert_eq!(attr("ID"), Some("_0123456789abcdef0123456789abcdef"));
    assert_eq!(attr("Version"), Some("2.0"));
    assert_eq!(attr("IssueInstant"), Some("2026-11-28T16:30:05.250Z"));
    assert_eq!(attr("Destination"), Some(IDP_SSO_URL));
    assert_eq!(attr("AssertionConsumerServiceURL"), Some(ACS_URL));
    assert_eq!(
        attr("ProtocolBinding"),
        Some("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
    );
    let issuer = doc.get_elements_by_tag_name_ns("urn:oasis:names:tc:SAML:2.0:assertion", "Issuer");
    assert_eq!(doc.text_content_deep(issuer[0]), SP_ENTITY_ID);
}

#[test]
fn the_saml_request_parses_back_with_samael() {
    let xml = saml_request_xml(&redirect_url(None).unwrap());

    let parsed: AuthnRequest = xml.parse().unwrap();

    assert_eq!(parsed.id, "_0123456789abcdef0123456789abcdef");
    assert_eq!(parsed.issuer_value().as_deref(), Some(SP_ENTITY_ID));
    assert_eq!(parsed.issue_instant.timestamp_millis(), 1_795_883_405_250);
}

#[test]
fn an_issuer_with_xml_special_characters_is_escaped() {
    // samael writes Issuer text unescaped; the module escapes it first.
    let entity_id = "https://sp.example.com/saml?org=a&b=<c>";
    let url = authn_request_redirect_url(
        IDP_SSO_URL,
        entity_id,
        ACS_URL,
        "_abc",
        datetime!(2026-11-28 16:30:05 UTC),
        None,
    )
    .unwrap();

    let xml = saml_request_xml(&url);
    let doc = uppsala::Parser::new()
        .with_forbid_dtd(true)
        .parse(&xml)
        .unwrap();
    let issuer = doc.get_elements_by_tag_name_ns("urn:oasis:names:tc:SAML:2.0:assertion", "Issuer");
    assert_eq!(doc.text_content_deep(issuer[0]), entity_id);
}

#[test]
fn an_idp_sso_url_with_its_own_query_keeps_it() {
    let url = authn_request_redirect_url(
        "https://idp.example.com/sso?tenant=7",
        SP_ENTITY_ID,
        ACS_URL,
        "_abc",
        datetime!(2026-11-28 16:30:05 UTC),
        None,
    )
    .unwrap();

    assert!(
        url.starts_with("https://idp.example.com/sso?tenant=7&SAMLRequest="),
        "{url}"
    );
}

#[test]
fn a_request_id_starting_with_a_digit_is_refused() {
    for id in ["0abc", "", "-abc", "_a b", "_a<b", "id\u{e9}"] {
        let err = authn_request_redirect_url(
            IDP_SSO_URL,
            SP_ENTITY_ID,
            ACS_URL,
            id,
            datetime!(2026-11-28 16:30:05 UTC),
            None,
        )
        .unwrap_err();

        assert!(
            matches!(err, SpError::InvalidRequestId { .. }),
            "{id:?}: {err:?}"
        );
    }
}

#[test]
fn a_relay_state_over_80_bytes_is_refused() {
    let long = format!("/{}", "a".repeat(80));

    let err = redirect_url(Some(&long)).unwrap_err();

    assert_eq!(err, SpError::RelayStateTooLong { len: 81 });
    assert_eq!(err.code(), "relay_state_too_long");
}

#[test]
fn a_relay_state_of_exactly_80_bytes_is_accepted() {
    let exact = format!("/{}", "a".repeat(79));

    let url = redirect_url(Some(&exact)).unwrap();

    assert_eq!(query_value(&url, "RelayState"), Some(exact));
}
