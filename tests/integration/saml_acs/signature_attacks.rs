//! Signature-layer attacks: stripped, forged, tampered, comment injection,
//! CVE-2024-45409, weak algorithms, dangerous transforms and Reference URIs.

use super::common::*;
use shared::saml::{Rejection, TrustedKeys, validate_xml};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

const SIGNED: &str = "okta-signed-assertion.xml";
const NAME_ID: &str = "jane.doe@example.com</saml2:NameID>";

fn assertion_signature(xml: &str) -> std::ops::Range<usize> {
    child_signature(xml, element(xml, SAML, "Assertion", 0))
}

#[test]
fn a_response_whose_signature_was_stripped_is_refused() {
    let xml = fixture(SIGNED);
    let err = rejected(&cut(&xml, assertion_signature(&xml)));
    assert_eq!(err, Rejection::Unsigned);
    assert_eq!(err.code(), "saml_unsigned");
}

#[test]
fn a_signature_by_a_self_signed_key_carried_in_key_info_is_refused() {
    let err = rejected(&fixture("attacker-signed-assertion.xml"));
    assert!(matches!(err, Rejection::SignatureInvalid(_)), "{err}");
    assert_eq!(err.code(), "saml_signature_invalid");
}

#[test]
fn the_genuine_response_is_refused_when_only_another_key_is_trusted() {
    let keys = TrustedKeys::from_pem(&[&fixture("keys/attacker.crt")]).unwrap();
    let xml = fixture(SIGNED);
    let err = validate_xml(xml.as_bytes(), &ctx_with(&keys)).unwrap_err();
    assert!(matches!(err, Rejection::SignatureInvalid(_)), "{err}");
}

#[test]
fn a_name_id_altered_after_signing_is_refused() {
    let xml = replace_once(
        &fixture(SIGNED),
        NAME_ID,
        "mallory@example.com</saml2:NameID>",
    );
    assert!(matches!(rejected(&xml), Rejection::SignatureInvalid(_)));
}

#[test]
fn a_comment_spliced_into_a_signed_name_id_after_signing_is_refused() {
    let xml = replace_once(
        &fixture(SIGNED),
        NAME_ID,
        "victim@x.com<!---->.evil.com</saml2:NameID>",
    );
    assert_eq!(rejected(&xml).code(), "saml_signature_invalid");
}

#[test]
fn a_comment_inserted_into_a_signed_name_id_keeps_the_signature_but_is_refused() {
    // CVE-2017-11427 family: the IdP signed "victim@x.com.evil.com"; exclusive
    // c14n drops comments, so the digest still matches after the insertion.
    let signed = fixture("name-id-evil-domain.xml");
    assert_eq!(validate(&signed).unwrap().name_id, "victim@x.com.evil.com");
    let xml = replace_once(
        &signed,
        "victim@x.com.evil.com<",
        "victim@x.com<!---->.evil.com<",
    );
    let err = rejected(&xml);
    assert_eq!(err, Rejection::CommentInValue("NameID"));
    assert!(!err.to_string().contains("victim"), "{err}");
}

#[test]
fn a_name_id_signed_with_a_comment_inside_never_reads_as_the_truncated_value() {
    let err = rejected(&fixture("comment-in-name-id.xml"));
    assert_eq!(err, Rejection::CommentInValue("NameID"));
}

#[test]
fn a_planted_digest_value_of_a_tampered_assertion_is_refused_cve_2024_45409() {
    let err = rejected(&fixture("cve-2024-45409-planted-digest.xml"));
    assert!(matches!(err, Rejection::SignatureInvalid(_)), "{err}");
}

#[test]
fn a_second_digest_value_inside_the_reference_is_refused_before_crypto() {
    let xml = fixture(SIGNED);
    let at = xml.find("</ds:Reference>").unwrap();
    let xml = insert(&xml, at, "<ds:DigestValue>AAAA</ds:DigestValue>");
    assert!(matches!(rejected(&xml), Rejection::SignatureProfile(_)));
}

#[test]
fn a_comment_inside_the_digest_value_is_refused() {
    let xml = fixture(SIGNED);
    let at = xml.find("</ds:DigestValue>").unwrap() - 4;
    let xml = insert(&xml, at, "<!---->");
    assert!(matches!(rejected(&xml), Rejection::SignatureProfile(_)));
}

#[test]
fn an_rsa_sha1_signature_is_refused() {
    let err = rejected(&fixture("sha1-signature-method.xml"));
    assert!(
        matches!(
            err,
            Rejection::AlgorithmNotAllowed {
                what: "SignatureMethod",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.code(), "saml_algorithm_not_allowed");
}

#[test]
fn a_sha1_digest_is_refused() {
    let err = rejected(&fixture("sha1-digest-method.xml"));
    assert!(
        matches!(
            err,
            Rejection::AlgorithmNotAllowed {
                what: "DigestMethod",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn an_xpath_transform_excluding_the_attributes_from_the_signature_is_refused() {
    let err = rejected(&fixture("xpath-transform.xml"));
    assert!(
        matches!(
            err,
            Rejection::AlgorithmNotAllowed {
                what: "Transform",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn an_xslt_transform_is_refused() {
    let err = rejected(&fixture("xslt-transform.xml"));
    assert!(
        matches!(
            err,
            Rejection::AlgorithmNotAllowed {
                what: "Transform",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn a_signature_with_two_references_is_refused() {
    let xml = fixture(SIGNED);
    let r = element(&xml, DSIG, "Reference", 0);
    let dup = xml[r.clone()].replace(ASSERTION_ID, RESPONSE_ID);
    let xml = insert(&xml, r.end, &dup);
    assert!(matches!(rejected(&xml), Rejection::SignatureProfile(_)));
}

#[test]
fn a_signature_holding_a_ds_object_is_refused() {
    let xml = fixture(SIGNED);
    let sig = assertion_signature(&xml);
    let xml = insert(&xml, end_tag_start(&xml, &sig), "<ds:Object>x</ds:Object>");
    assert!(matches!(rejected(&xml), Rejection::SignatureProfile(_)));
}

#[test]
fn a_valid_signature_moved_next_to_the_assertion_does_not_count() {
    // bergshamra's strict mode accepts a sibling target; the profile wants the
    // signature inside what it signs, so nothing covers Response or Assertion.
    let xml = fixture(SIGNED);
    let sig = assertion_signature(&xml);
    let moved = xml[sig.clone()].to_owned();
    let xml = cut(&xml, sig);
    let a = element(&xml, SAML, "Assertion", 0);
    assert_eq!(
        rejected(&insert(&xml, a.end, &moved)),
        Rejection::NotCovered
    );
}

#[test]
fn an_invalid_signature_after_a_valid_one_is_refused() {
    // verify() would check only the first signature in document order.
    let xml = fixture(SIGNED);
    let sig = xml[assertion_signature(&xml)].replace(ASSERTION_ID, RESPONSE_ID);
    let r = element(&xml, SAMLP, "Response", 0);
    let xml = insert(&xml, end_tag_start(&xml, &r), &sig);
    assert!(matches!(rejected(&xml), Rejection::SignatureInvalid(_)));
}

/// The both-signed fixture with the Assertion's Reference URI replaced: the
/// Response signature still covers the Response structurally, so without the
/// profile bergshamra would go on to resolve this URI.
fn with_reference_uri(uri: &str) -> String {
    let both = fixture("okta-signed-both.xml");
    replace_once(
        &both,
        &format!("URI=\"#{ASSERTION_ID}\""),
        &format!("URI=\"{uri}\""),
    )
}

#[test]
fn an_empty_or_xpointer_reference_uri_is_refused() {
    for uri in [
        "",
        "#xpointer(/)",
        &format!("#xpointer(id('{ASSERTION_ID}'))"),
    ] {
        assert!(
            matches!(
                rejected(&with_reference_uri(uri)),
                Rejection::ReferenceUri(_)
            ),
            "{uri}"
        );
    }
}

#[test]
fn an_http_reference_uri_is_refused_without_any_connection() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let err = rejected(&with_reference_uri(&format!("http://127.0.0.1:{port}/")));
    assert!(matches!(err, Rejection::ReferenceUri(_)), "{err}");
    let accepted = listener.accept();
    assert_eq!(accepted.unwrap_err().kind(), std::io::ErrorKind::WouldBlock);
}

/// A FIFO: opening it to read blocks until a writer comes, and a non-blocking
/// open to write fails with ENXIO unless a reader has it open. So "never opened"
/// is observable, and nothing depends on atime.
fn fifo(name: &str) -> (PathBuf, String) {
    let rel = format!("target/saml-test-fifos/{name}-{}", std::process::id());
    let abs = Path::new(env!("CARGO_MANIFEST_DIR")).join(&rel);
    std::fs::create_dir_all(abs.parent().unwrap()).unwrap();
    let _ = std::fs::remove_file(&abs);
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&abs)
            .status()
            .unwrap()
            .success()
    );
    (abs, rel)
}

fn refused_without_opening(xml: String, fifo: &Path) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(validate(&xml));
    });
    let outcome = rx.recv_timeout(Duration::from_secs(10));
    use std::os::unix::fs::OpenOptionsExt;
    const O_NONBLOCK: i32 = 0o4000; // Linux
    let writer = std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(O_NONBLOCK)
        .open(fifo);
    assert_eq!(
        writer.unwrap_err().raw_os_error(),
        Some(6),
        "the FIFO was opened (ENXIO expected)"
    );
    let err = outcome.expect("validation blocked").unwrap_err();
    assert!(matches!(err, Rejection::ReferenceUri(_)), "{err}");
    let _ = std::fs::remove_file(fifo);
}

#[test]
fn a_file_scheme_reference_uri_is_refused_without_opening_the_file() {
    let (abs, _) = fifo("file-scheme");
    refused_without_opening(
        with_reference_uri(&format!("file://{}", abs.display())),
        &abs,
    );
}

#[test]
fn a_relative_file_reference_uri_is_refused_without_opening_the_file() {
    // bergshamra would read a relative Reference URI from the current directory.
    assert_eq!(
        std::env::current_dir().unwrap(),
        Path::new(env!("CARGO_MANIFEST_DIR"))
    );
    let (abs, rel) = fifo("relative");
    refused_without_opening(with_reference_uri(&rel), &abs);
}

#[test]
fn an_absolute_path_reference_uri_is_refused() {
    assert!(matches!(
        rejected(&with_reference_uri("/etc/passwd")),
        Rejection::ReferenceUri(_)
    ));
}
