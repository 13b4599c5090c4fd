//! The SP's keys from the outside: SP metadata publishes a signing and an encryption
//! certificate and `AuthnRequestsSigned="true"`, and each HTTP-Redirect AuthnRequest is
//! signed (RSA-SHA256, SAML bindings 3.4.4.1) so that an independent verifier (the
//! `openssl` command line, given only the metadata's certificate) accepts it, and refuses
//! it once a byte of the signed query changes; WantAssertionsSigned as configured; and the
//! dev IdP's "encrypt" switch, whose encrypted assertion logs a user in.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;

use crate::saml_flow::stack;

/// The `<ds:X509Certificate>` texts of the metadata's KeyDescriptors of `use_`.
fn certificates(metadata: &str, use_: &str) -> Vec<String> {
    key_descriptors(metadata)
        .into_iter()
        .filter(|(u, _)| u == use_)
        .map(|(_, c)| c)
        .collect()
}

/// (use, certificate) of each KeyDescriptor, by plain text scanning.
fn key_descriptors(xml: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for part in xml.split("KeyDescriptor").skip(1) {
        let Some(use_at) = part.find("use=\"") else {
            continue;
        };
        let rest = &part[use_at + 5..];
        let use_ = rest[..rest.find('"').unwrap()].to_owned();
        if let Some(start) = part.find("X509Certificate>") {
            let body = &part[start + 16..];
            let cert = body[..body.find('<').unwrap()].trim().to_owned();
            found.push((use_, cert));
        }
    }
    found
}

/// `openssl dgst -sha256 -verify` of `data` and `signature` with the certificate's key.
fn openssl_verifies(cert_b64: &str, data: &[u8], signature: &[u8]) -> bool {
    let dir = tempfile_dir();
    let pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        cert_b64
    );
    std::fs::write(dir.join("cert.pem"), pem).unwrap();
    std::fs::write(dir.join("data"), data).unwrap();
    std::fs::write(dir.join("sig"), signature).unwrap();
    let pubkey = std::process::Command::new("openssl")
        .args(["x509", "-pubkey", "-noout", "-in"])
        .arg(dir.join("cert.pem"))
        .output()
        .unwrap();
    assert!(pubkey.status.success());
    std::fs::write(dir.join("pub.pem"), pubkey.stdout).unwrap();
    let status = std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-verify"])
        .arg(dir.join("pub.pem"))
        .arg("-signature")
        .arg(dir.join("sig"))
        .arg(dir.join("data"))
        .output()
        .unwrap();
    status.status.success()
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sp-keys-{}",
        shared::types::random_id(&mut rand::rng(), 8)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) async fn sp_metadata(s: &crate::saml_flow::Stack) -> String {
    s.http
        .get(format!("{}/saml/{}/metadata", s.base, s.company))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn sp_metadata_publishes_both_certificates_and_says_requests_are_signed() {
    let s = stack().await;
    let metadata = sp_metadata(&s).await;
    assert!(
        metadata.contains("AuthnRequestsSigned=\"true\""),
        "{metadata}"
    );
    let signing = certificates(&metadata, "signing");
    let encryption = certificates(&metadata, "encryption");
    assert_eq!((signing.len(), encryption.len()), (1, 1), "{metadata}");
    assert_ne!(signing[0], encryption[0], "one key per use");
    assert!(STANDARD.decode(&signing[0]).is_ok());
}

#[tokio::test]
async fn each_redirect_authn_request_is_signed_and_an_independent_verifier_agrees() {
    let s = stack().await;
    s.connect().await;
    let metadata = sp_metadata(&s).await;
    let cert = certificates(&metadata, "signing").remove(0);
    for (method, path) in [
        (
            Method::GET,
            format!("/saml/{}/login?relay=/deals", s.company),
        ),
        (Method::POST, "/admin/sso/verify".to_owned()),
    ] {
        let url = if method == Method::GET {
            let r = s
                .http
                .get(format!("{}{path}", s.base))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 302);
            r.headers()["location"].to_str().unwrap().to_owned()
        } else {
            let r: serde_json::Value = s
                .admin(Method::POST, &path, None)
                .await
                .json()
                .await
                .unwrap();
            r["loginUrl"].as_str().unwrap().to_owned()
        };
        let query = url.split_once('?').unwrap().1;
        let at = query.find("SAMLRequest=").unwrap();
        let (signed, signature) = query[at..].split_once("&Signature=").unwrap();
        assert!(
            signed.contains(
                "&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256"
            ),
            "{signed}"
        );
        let signature: String = url::form_urlencoded::parse(format!("s={signature}").as_bytes())
            .next()
            .unwrap()
            .1
            .into_owned();
        let signature = STANDARD.decode(signature).unwrap();
        assert!(
            openssl_verifies(&cert, signed.as_bytes(), &signature),
            "{path}"
        );
        let tampered = signed.replacen("SAMLRequest=", "SAMLRequest=A", 1);
        assert!(!openssl_verifies(&cert, tampered.as_bytes(), &signature));
    }
    // The dev IdP still signs the user in from a signed request.
    let start = s
        .http
        .get(format!("{}/saml/{}/login", s.base, s.company))
        .send()
        .await
        .unwrap();
    let sso = start.headers()["location"].to_str().unwrap().to_owned();
    let page = s
        .through_idp(&sso, &format!("admin@{}.example.com", s.company))
        .await;
    assert!(page.contains("SAMLResponse"));
}

#[tokio::test]
async fn want_assertions_signed_is_published_as_configured() {
    let default = sp_metadata(&stack().await).await;
    assert!(
        default.contains("WantAssertionsSigned=\"false\""),
        "{default}"
    );
    let on = crate::saml_flow::stack_with(&[("WANT_ASSERTIONS_SIGNED", "true")]).await;
    let metadata = sp_metadata(&on).await;
    assert!(
        metadata.contains("WantAssertionsSigned=\"true\""),
        "{metadata}"
    );
}

#[tokio::test]
async fn the_dev_idp_encrypt_switch_logs_in_through_an_encrypted_assertion() {
    let s = stack().await;
    s.connect().await;
    let user_name = format!("sealed@{}.example.com", s.company);
    let id = s.scim_user(&user_name).await;
    let start = s
        .http
        .get(format!("{}/dev/idp/start?companyId={}", s.base, s.company))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(start.contains("name=\"encrypt\""), "{start}");

    let page = s.idp_initiated(&user_name, &[("encrypt", "1")]).await;
    let posted = STANDARD
        .decode(crate::saml_flow::hidden(&page, "SAMLResponse"))
        .unwrap();
    let posted = String::from_utf8(posted).unwrap();
    assert!(posted.contains("<saml2:EncryptedAssertion"), "{posted}");
    assert!(!posted.contains("<saml2:Assertion"), "{posted}");
    assert!(!posted.contains(&user_name), "the NameID travels encrypted");

    let done = s.post_acs(&page).await;
    assert_eq!(done.status(), 303);
    assert_eq!(s.session_of(&done).sub, id);
}
