//! IdP metadata parsing: what is kept from Okta's metadata and every refusal.

use shared::saml::metadata::{IdpMetadata, MAX_METADATA_BYTES, MetadataError, parse_idp_metadata};
use shared::saml::sp::sp_metadata_xml;

use super::{okta_metadata, pem_body};

const OKTA_ENTITY_ID: &str = "http://www.okta.com/exk1fcia6d6EMsf331d8";
const OKTA_SSO_URL: &str =
    "https://dev-123.okta.com/app/dev-123_scratchsp_1/exk1fcia6d6EMsf331d8/sso/saml";
const CURRENT_FINGERPRINT: &str = "9E:65:AE:9D:40:0C:64:6E:AC:9B:AB:B7:7D:ED:F8:F5:B4:85:39:6E:66:DA:23:03:32:FB:03:27:27:04:18:18";
const EXPIRING_FINGERPRINT: &str = "4A:27:6A:82:82:5B:EB:9E:4E:45:0F:F9:88:49:A0:97:8F:55:B3:B4:11:CF:53:47:90:44:32:CB:DF:35:D3:14";

fn parse(xml: &str) -> Result<IdpMetadata, MetadataError> {
    parse_idp_metadata(xml.as_bytes(), false)
}

fn refusal(xml: &str) -> MetadataError {
    match parse(xml) {
        Ok(found) => panic!("expected a refusal, parsed {found:?}"),
        Err(err) => err,
    }
}

/// The Okta fixture with its SSO URLs replaced.
fn okta_with_sso_url(url: &str) -> String {
    okta_metadata().replace(OKTA_SSO_URL, url)
}

#[test]
fn okta_metadata_yields_its_entity_id_and_both_sso_urls() {
    let parsed = parse(&okta_metadata()).unwrap();

    assert_eq!(parsed.entity_id, OKTA_ENTITY_ID);
    assert_eq!(parsed.sso_url_post.as_deref(), Some(OKTA_SSO_URL));
    assert_eq!(parsed.sso_url_redirect.as_deref(), Some(OKTA_SSO_URL));
}

#[test]
fn okta_metadata_yields_both_signing_certificates_with_fingerprints_and_expiry() {
    let parsed = parse(&okta_metadata()).unwrap();

    let certs = &parsed.certificates;
    assert_eq!(certs.len(), 2);
    assert_eq!(certs[0].sha256_fingerprint, CURRENT_FINGERPRINT);
    assert_eq!(certs[0].not_after_rfc3339, "2036-11-25T16:24:19Z");
    assert_eq!(certs[1].sha256_fingerprint, EXPIRING_FINGERPRINT);
    assert_eq!(certs[1].not_after_rfc3339, "2026-12-12T16:24:20Z");
    assert_eq!(certs[1].not_after.unix_timestamp(), 1_797_092_660);
}

#[test]
fn certificates_come_back_as_compact_base64_of_the_der_even_when_wrapped_in_the_xml() {
    let parsed = parse(&okta_metadata()).unwrap();

    let current = pem_body(include_str!(
        "../../fixtures/metadata/okta-signing-current.pem"
    ));
    let expiring = pem_body(include_str!(
        "../../fixtures/metadata/okta-signing-expiring.pem"
    ));
    assert_eq!(parsed.certificates[0].der_base64, current);
    assert_eq!(parsed.certificates[1].der_base64, expiring);
}

#[test]
fn a_key_descriptor_without_use_counts_as_signing() {
    // SAML metadata 2.4.1.1: no `use` means the key serves both purposes.
    let xml = okta_metadata().replace(r#"<md:KeyDescriptor use="signing">"#, "<md:KeyDescriptor>");

    let parsed = parse(&xml).unwrap();

    assert_eq!(parsed.certificates.len(), 2);
}

#[test]
fn encryption_only_keys_are_refused_as_no_signing_certificate() {
    let xml = okta_metadata().replace(r#"use="signing""#, r#"use="encryption""#);

    let err = refusal(&xml);

    assert_eq!(err, MetadataError::NoSigningCertificate);
    assert_eq!(err.code(), "no_signing_certificate");
}

#[test]
fn an_encryption_key_beside_a_signing_key_is_not_taken() {
    let xml = okta_metadata().replacen(r#"use="signing""#, r#"use="encryption""#, 1);

    let parsed = parse(&xml).unwrap();

    assert_eq!(parsed.certificates.len(), 1);
    assert_eq!(
        parsed.certificates[0].sha256_fingerprint,
        EXPIRING_FINGERPRINT
    );
}

#[test]
fn a_certificate_listed_twice_is_reported_once() {
    let okta = okta_metadata();
    let current = pem_body(include_str!(
        "../../fixtures/metadata/okta-signing-current.pem"
    ));
    let second = okta
        .split("<ds:X509Certificate>")
        .nth(2)
        .and_then(|rest| rest.split("</ds:X509Certificate>").next())
        .unwrap();
    let xml = okta.replace(second, &current);

    let parsed = parse(&xml).unwrap();

    assert_eq!(parsed.certificates.len(), 1);
    assert_eq!(
        parsed.certificates[0].sha256_fingerprint,
        CURRENT_FINGERPRINT
    );
}

#[test]
fn a_missing_entity_id_is_refused() {
    let xml = okta_metadata().replace(&format!(r#" entityID="{OKTA_ENTITY_ID}""#), "");

    let err = refusal(&xml);

    assert_eq!(err, MetadataError::NoEntityId);
    assert_eq!(err.code(), "metadata_invalid");
}

#[test]
fn a_blank_entity_id_is_refused() {
    let xml = okta_metadata().replace(OKTA_ENTITY_ID, "  ");

    assert_eq!(refusal(&xml), MetadataError::NoEntityId);
}

#[test]
fn an_entity_id_over_1024_characters_is_refused() {
    let long = format!("https://idp.example.com/{}", "a".repeat(1024));
    let xml = okta_metadata().replace(OKTA_ENTITY_ID, &long);

    assert!(matches!(
        refusal(&xml),
        MetadataError::EntityIdTooLong { len: 1048 }
    ));
}

#[test]
fn sp_metadata_pasted_by_mistake_is_refused_as_having_no_idpssodescriptor() {
    let xml = sp_metadata_xml(
        "https://sp.example.com/saml/acme",
        "https://sp.example.com/saml/acme/acs",
    )
    .unwrap();

    let err = refusal(&xml);

    assert_eq!(err, MetadataError::NoIdpDescriptor);
    assert_eq!(err.code(), "metadata_invalid");
}

#[test]
fn an_idpssodescriptor_that_does_not_list_saml_2_is_refused() {
    let xml = okta_metadata().replace(
        r#"protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol""#,
        r#"protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol""#,
    );

    assert_eq!(refusal(&xml), MetadataError::NoSaml2IdpDescriptor);
}

#[test]
fn a_javascript_sso_url_is_refused() {
    let err = refusal(&okta_with_sso_url("javascript:alert(document.cookie)"));

    assert!(
        matches!(&err, MetadataError::SsoUrlNotAllowed { scheme, .. } if scheme == "javascript"),
        "{err:?}"
    );
    assert_eq!(err.code(), "metadata_invalid");
}

#[test]
fn a_data_url_in_only_the_redirect_binding_is_still_refused() {
    let xml = okta_metadata().replacen(
        &format!(r#"HTTP-Redirect" Location="{OKTA_SSO_URL}""#),
        r#"HTTP-Redirect" Location="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;""#,
        1,
    );

    assert!(matches!(
        refusal(&xml),
        MetadataError::SsoUrlNotAllowed { scheme, .. } if scheme == "data"
    ));
}

#[test]
fn an_http_sso_url_is_refused_outside_local_mode() {
    let xml = okta_with_sso_url("http://dev-123.okta.com/app/x/sso/saml");

    let err = refusal(&xml);

    assert!(matches!(&err, MetadataError::SsoUrlNotAllowed { scheme, .. } if scheme == "http"));
}

#[test]
fn an_http_sso_url_is_accepted_in_local_mode() {
    let xml = okta_with_sso_url("http://127.0.0.1:3000/dev/idp/sso");

    let parsed = parse_idp_metadata(xml.as_bytes(), true).unwrap();

    assert_eq!(
        parsed.sso_url_redirect.as_deref(),
        Some("http://127.0.0.1:3000/dev/idp/sso")
    );
}

#[test]
fn local_mode_still_refuses_a_javascript_sso_url() {
    let xml = okta_with_sso_url("javascript:alert(1)");

    let err = parse_idp_metadata(xml.as_bytes(), true).unwrap_err();

    assert!(matches!(err, MetadataError::SsoUrlNotAllowed { .. }));
}

#[test]
fn an_sso_url_that_is_not_a_url_is_refused() {
    let err = refusal(&okta_with_sso_url("not a url"));

    assert!(
        matches!(err, MetadataError::InvalidSsoUrl { .. }),
        "{err:?}"
    );
}

#[test]
fn metadata_with_only_soap_sso_is_refused_as_having_no_sso_url() {
    let xml = okta_metadata()
        .replace("bindings:HTTP-POST", "bindings:SOAP")
        .replace("bindings:HTTP-Redirect", "bindings:PAOS");

    assert_eq!(refusal(&xml), MetadataError::NoSsoUrl);
}

#[test]
fn a_doctype_with_an_external_entity_is_refused() {
    let xml = okta_metadata().replace(
        r#"<?xml version="1.0" encoding="UTF-8"?>"#,
        r#"<?xml version="1.0"?><!DOCTYPE md:EntityDescriptor [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#,
    );

    let err = refusal(&xml);

    assert_eq!(err, MetadataError::Doctype);
    assert_eq!(err.code(), "metadata_invalid");
}

#[test]
fn a_billion_laughs_doctype_is_refused() {
    let xml = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol2;"/>"#;

    assert_eq!(refusal(xml), MetadataError::Doctype);
}

#[test]
fn a_plain_doctype_without_entities_is_refused_too() {
    let xml = format!(
        "<!DOCTYPE md:EntityDescriptor>{}",
        okta_metadata().split_once("?>").unwrap().1
    );

    assert_eq!(refusal(&xml), MetadataError::Doctype);
}

#[test]
fn malformed_xml_is_refused() {
    let xml = okta_metadata();
    let truncated = &xml[..xml.len() - 30];

    let err = refusal(truncated);

    assert!(matches!(err, MetadataError::Malformed { .. }), "{err:?}");
    assert_eq!(err.code(), "metadata_invalid");
}

#[test]
fn a_duplicate_attribute_is_refused_by_the_conforming_parser() {
    let xml = okta_metadata().replace(" entityID=", r#" entityID="x" entityID="#);

    assert!(matches!(refusal(&xml), MetadataError::Malformed { .. }));
}

#[test]
fn an_html_login_page_with_a_doctype_is_refused() {
    let html =
        "<!DOCTYPE html><html><head><title>Sign In</title></head><body><form></form></body></html>";

    assert_eq!(refusal(html), MetadataError::Doctype);
}

#[test]
fn an_html5_page_that_is_not_xml_is_refused_as_malformed() {
    let html = "<!doctype html><html><head><meta charset=utf-8><title>Okta</title></head><body><p>Hi</body></html>";

    assert!(matches!(refusal(html), MetadataError::Malformed { .. }));
}

#[test]
fn a_well_formed_xhtml_page_is_refused_by_its_root_element() {
    // samael alone parses this as an EntityDescriptor with no entity ID and no certificates.
    let html = r#"<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Okta</title></head><body><p>Sign in</p></body></html>"#;

    let err = refusal(html);

    assert_eq!(
        err,
        MetadataError::NotMetadata {
            root: "{http://www.w3.org/1999/xhtml}html".to_owned()
        }
    );
}

#[test]
fn an_entity_descriptor_outside_the_metadata_namespace_is_refused() {
    let xml = okta_metadata().replace(
        r#"xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata""#,
        r#"xmlns:md="urn:example:not-saml""#,
    );

    assert!(matches!(refusal(&xml), MetadataError::NotMetadata { .. }));
}

#[test]
fn metadata_over_1_mib_is_refused_before_parsing() {
    let mut xml = okta_metadata();
    xml.push_str(&" ".repeat(MAX_METADATA_BYTES + 1 - xml.len()));

    let err = refusal(&xml);

    assert_eq!(
        err,
        MetadataError::TooLarge {
            size: MAX_METADATA_BYTES + 1,
            max: MAX_METADATA_BYTES
        }
    );
    assert_eq!(err.code(), "metadata_invalid");
}

#[test]
fn metadata_of_exactly_1_mib_is_accepted() {
    let mut xml = okta_metadata();
    xml.push_str(&" ".repeat(MAX_METADATA_BYTES - xml.len()));

    assert!(parse(&xml).is_ok());
}

#[test]
fn metadata_that_is_not_utf8_is_refused() {
    let mut bytes = okta_metadata().into_bytes();
    bytes.push(0xff);

    let err = parse_idp_metadata(&bytes, false).unwrap_err();

    assert_eq!(err, MetadataError::NotUtf8);
}

#[test]
fn a_certificate_that_is_not_base64_is_refused() {
    let current = pem_body(include_str!(
        "../../fixtures/metadata/okta-signing-current.pem"
    ));
    let xml = okta_metadata().replace(&current, "not*base64*at*all");

    let err = refusal(&xml);

    assert!(
        matches!(&err, MetadataError::BadCertificate { index: 1, .. }),
        "{err:?}"
    );
    assert_eq!(err.code(), "metadata_invalid");
}

#[test]
fn a_certificate_that_is_base64_but_not_x509_is_refused() {
    let current = pem_body(include_str!(
        "../../fixtures/metadata/okta-signing-current.pem"
    ));
    let xml = okta_metadata().replace(&current, "SGVsbG8sIHdvcmxkIQ==");

    let err = refusal(&xml);

    assert!(
        matches!(&err, MetadataError::BadCertificate { index: 1, reason } if reason.contains("DER"))
    );
}

#[test]
fn a_certificate_with_trailing_bytes_is_refused() {
    let current = pem_body(include_str!(
        "../../fixtures/metadata/okta-signing-current.pem"
    ));
    let padded = current.trim_end_matches('=').to_owned() + "AAAA";
    let xml = okta_metadata().replace(&current, &padded);

    assert!(matches!(
        refusal(&xml),
        MetadataError::BadCertificate { .. }
    ));
}

#[test]
fn an_entities_descriptor_wrapping_one_idp_yields_that_idp() {
    let sp = sp_metadata_xml(
        "https://sp.example.com/saml/acme",
        "https://sp.example.com/saml/acme/acs",
    )
    .unwrap();
    let xml = format!(
        r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">{}{}</md:EntitiesDescriptor>"#,
        sp.split_once("?>").unwrap().1,
        okta_metadata().split_once("?>").unwrap().1,
    );

    let parsed = parse(&xml).unwrap();

    assert_eq!(parsed.entity_id, OKTA_ENTITY_ID);
    assert_eq!(parsed.certificates.len(), 2);
}

#[test]
fn an_entities_descriptor_with_two_idps_is_refused_as_ambiguous() {
    let okta = okta_metadata();
    let body = okta.split_once("?>").unwrap().1;
    let other = body.replace(OKTA_ENTITY_ID, "http://www.okta.com/exkOTHER");
    let xml = format!(
        r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">{body}{other}</md:EntitiesDescriptor>"#
    );

    assert_eq!(refusal(&xml), MetadataError::AmbiguousEntities { count: 2 });
}

#[test]
fn an_entities_descriptor_without_any_idp_is_refused() {
    let sp = sp_metadata_xml(
        "https://sp.example.com/saml/acme",
        "https://sp.example.com/saml/acme/acs",
    )
    .unwrap();
    let xml = format!(
        r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">{}</md:EntitiesDescriptor>"#,
        sp.split_once("?>").unwrap().1,
    );

    assert_eq!(refusal(&xml), MetadataError::NoIdpDescriptor);
}

#[test]
fn metadata_with_a_default_namespace_instead_of_the_md_prefix_is_accepted() {
    let xml = okta_metadata()
        .replace("md:", "")
        .replace("xmlns:md=", "xmlns=");

    let parsed = parse(&xml).unwrap();

    assert_eq!(parsed.entity_id, OKTA_ENTITY_ID);
}

#[test]
fn a_leading_byte_order_mark_is_accepted() {
    let xml = format!("\u{feff}{}", okta_metadata());

    assert!(parse(&xml).is_ok());
}

#[test]
fn escaped_characters_in_the_entity_id_and_sso_url_are_unescaped() {
    let xml = okta_metadata()
        .replace(
            OKTA_ENTITY_ID,
            "https://idp.example.com/?tenant=1&amp;x=&#x41;",
        )
        .replace(OKTA_SSO_URL, "https://idp.example.com/sso?tenant=1&amp;x=2");

    let parsed = parse(&xml).unwrap();

    assert_eq!(parsed.entity_id, "https://idp.example.com/?tenant=1&x=A");
    assert_eq!(
        parsed.sso_url_redirect.as_deref(),
        Some("https://idp.example.com/sso?tenant=1&x=2")
    );
}
