//! The dev IdP against the real SP code: metadata ingest, AuthnRequest parsing, signed
//! responses the ACS accepts.

use super::*;
use shared::saml::metadata::{parse_idp_metadata, sha256_fingerprint};
use shared::saml::sp::authn_request_redirect_url;
use shared::saml::{AcsContext, Rejection, TrustedKeys, ValidatedAssertion, validate_form_value};

const BASE: &str = "http://127.0.0.1:3000/dev/idp";
const SP: &str = "http://127.0.0.1:3000/saml/acme-demo";
const ACS: &str = "http://127.0.0.1:3000/saml/acme-demo/acs";

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap()
}

fn params(in_response_to: Option<&str>) -> ResponseParams<'_> {
    ResponseParams {
        acs_url: ACS,
        audience: SP,
        name_id: "jane.doe@example.com",
        in_response_to,
        now: now(),
        attributes: default_attributes("jane.doe@example.com", "Jane Doe"),
    }
}

fn validate(idp: &DevIdp, b64: &str) -> Result<ValidatedAssertion, Rejection> {
    let der = STANDARD.decode(idp.cert_der_base64()).unwrap();
    let trusted = TrustedKeys::from_der(&[&der]).unwrap();
    let ctx = AcsContext {
        sp_entity_id: SP,
        acs_url: ACS,
        idp_entity_id: &idp.entity_id,
        trusted: &trusted,
        decryption: &shared::saml::DecryptionKeys::none(),
        want_assertions_signed: false,
        now: now().unix_timestamp(),
        skew_secs: 180,
    };
    validate_form_value(b64, &ctx)
}

fn query_value(url: &str, name: &str) -> String {
    let query = url.split_once('?').unwrap().1;
    let value = query
        .split('&')
        .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
        .unwrap()
        .replace('+', " ");
    percent_encoding::percent_decode_str(&value)
        .decode_utf8()
        .unwrap()
        .into_owned()
}

#[test]
fn the_post_only_metadata_offers_the_http_post_binding_alone() {
    let idp = DevIdp::new(BASE);
    let metadata = parse_idp_metadata(idp.metadata_xml(true).as_bytes(), true).unwrap();
    assert_eq!(metadata.sso_url_redirect, None);
    assert_eq!(
        metadata.sso_url_post.as_deref(),
        Some(&*format!("{BASE}/sso"))
    );
}

#[test]
fn the_metadata_is_accepted_in_local_mode_and_carries_the_dev_certificate() {
    let idp = DevIdp::new(BASE);

    let metadata = parse_idp_metadata(idp.metadata_xml(false).as_bytes(), true).unwrap();

    let der = STANDARD.decode(idp.cert_der_base64()).unwrap();
    assert_eq!(metadata.entity_id, BASE);
    assert_eq!(
        metadata.sso_url_redirect.as_deref(),
        Some(&*format!("{BASE}/sso"))
    );
    assert_eq!(
        metadata.sso_url_post.as_deref(),
        Some(&*format!("{BASE}/sso"))
    );
    assert_eq!(metadata.certificates.len(), 1);
    assert_eq!(metadata.certificates[0].der_base64, idp.cert_der_base64());
    assert_eq!(
        metadata.certificates[0].sha256_fingerprint,
        sha256_fingerprint(&der)
    );
}

#[test]
fn a_trailing_slash_on_the_base_is_dropped() {
    let idp = DevIdp::new(&format!("{BASE}/"));

    assert_eq!(idp.base, BASE);
    assert_eq!(idp.entity_id, BASE);
}

#[test]
fn a_request_built_by_the_sp_round_trips_through_parse_authn_request() {
    let url = authn_request_redirect_url(
        &format!("{BASE}/sso"),
        SP,
        ACS,
        "_0123456789abcdef",
        now(),
        Some("/after/login"),
    )
    .unwrap();

    let info = DevIdp::parse_authn_request(&query_value(&url, "SAMLRequest")).unwrap();

    assert_eq!(
        info,
        AuthnRequestInfo {
            id: "_0123456789abcdef".to_owned(),
            acs_url: ACS.to_owned(),
            issuer: SP.to_owned(),
        }
    );
}

#[test]
fn a_saml_request_that_is_not_a_deflated_authn_request_is_refused() {
    assert!(DevIdp::parse_authn_request("not base64!").is_err());
    assert!(DevIdp::parse_authn_request(&STANDARD.encode("<x/>")).is_err());
    assert!(DevIdp::parse_authn_request(&"A".repeat(MAX_REQUEST_B64 + 4)).is_err());
}

#[test]
fn the_signed_response_validates_and_yields_the_name_id_and_the_request_id() {
    let idp = DevIdp::new(BASE);

    let b64 = idp
        .signed_response(&params(Some("_0123456789abcdef")))
        .unwrap();
    let assertion = validate(&idp, &b64).unwrap();

    assert_eq!(assertion.name_id, "jane.doe@example.com");
    assert_eq!(
        assertion.in_response_to.as_deref(),
        Some("_0123456789abcdef")
    );
    assert_eq!(assertion.issuer, BASE);
    assert_eq!(assertion.not_on_or_after, now().unix_timestamp() + 300);
    assert!(
        assertion
            .attributes
            .contains(&("lastName".to_owned(), vec!["Doe".to_owned()]))
    );
}

#[test]
fn an_idp_initiated_response_validates_without_in_response_to() {
    let idp = DevIdp::new(BASE);

    let b64 = idp.signed_response(&params(None)).unwrap();

    assert_eq!(validate(&idp, &b64).unwrap().in_response_to, None);
}

#[test]
fn a_response_whose_name_id_was_changed_after_signing_does_not_validate() {
    let idp = DevIdp::new(BASE);
    let b64 = idp
        .signed_response(&params(Some("_0123456789abcdef")))
        .unwrap();
    let xml = String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap();

    let tampered = xml.replace(
        ">jane.doe@example.com</saml2:NameID>",
        ">mallory@example.com</saml2:NameID>",
    );
    assert_ne!(tampered, xml);

    let refused = validate(&idp, &STANDARD.encode(tampered));

    assert!(
        matches!(refused, Err(Rejection::SignatureInvalid(_))),
        "{refused:?}"
    );
}

#[test]
fn inserted_values_are_xml_escaped_and_still_validate() {
    let idp = DevIdp::new(BASE);
    let mut p = params(None);
    p.name_id = "o'brien&<x>@example.com";

    let b64 = idp.signed_response(&p).unwrap();

    assert_eq!(
        validate(&idp, &b64).unwrap().name_id,
        "o'brien&<x>@example.com"
    );
}

#[test]
fn a_non_http_acs_url_or_an_empty_name_id_is_refused() {
    let idp = DevIdp::new(BASE);
    let mut p = params(None);
    p.acs_url = "javascript:alert(1)";
    assert!(idp.signed_response(&p).is_err());

    let mut p = params(None);
    p.name_id = " ";
    assert!(idp.signed_response(&p).is_err());
}

#[test]
fn default_attributes_split_the_display_name_or_fall_back_to_the_email() {
    assert_eq!(
        default_attributes("a@x.com", "Ada King Lovelace"),
        vec![
            ("firstName", "Ada".to_owned()),
            ("lastName", "King Lovelace".to_owned()),
            ("email", "a@x.com".to_owned()),
        ]
    );
    assert_eq!(default_attributes("a@x.com", "")[0].1, "a");
}

#[test]
fn the_login_page_escapes_a_script_tag_in_a_user_name_and_in_every_field() {
    let idp = DevIdp::new(BASE);
    let form = LoginForm {
        sp_label: "<script>sp</script>",
        in_response_to: Some("\"><script>irt</script>"),
        relay_state: Some("/a?b=<script>"),
        acs_url: ACS,
        audience: SP,
    };
    let users = [("e@x.com".to_owned(), "<script>alert(1)</script>".to_owned())];

    let html = login_page(&idp, &form, &users);

    assert!(!html.contains("<script"));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains(&format!("action=\"{BASE}/respond\"")));
    assert!(html.contains("name=\"in_response_to\" value=\"&quot;&gt;&lt;script&gt;"));
}

#[test]
fn the_auto_post_form_escapes_its_values_and_keeps_a_continue_button() {
    let html = auto_post_form("http://x/acs?a=1&b=\"", "PHg+", Some("<script>"));

    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains("action=\"http://x/acs?a=1&amp;b=&quot;\""));
    assert!(html.contains("name=\"SAMLResponse\" value=\"PHg+\""));
    assert!(html.contains("name=\"RelayState\" value=\"&lt;script&gt;\""));
    assert!(html.contains("<button type=\"submit\">Continue</button>"));
}
