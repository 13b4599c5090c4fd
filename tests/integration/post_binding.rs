//! The HTTP-POST binding for AuthnRequests, end to end against the dev IdP switched to
//! POST-only metadata (as JumpCloud exports it): the ingest keeps the POST location, the
//! verify flow's `loginUrl`, the login start and a binding link answer an auto-submitting
//! form, whose enveloped signature `xmlsec1` verifies with the SP metadata's certificate.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use serde_json::{Value, json};
use std::process::Command;

use crate::saml_flow::{Stack, hidden, stack};

/// Ingest the dev IdP's POST-only metadata.
async fn connect_post_only(s: &Stack) -> Value {
    let url = format!("{}/dev/idp/metadata?binding=post", s.base);
    let put = s
        .admin(
            Method::PUT,
            "/admin/sso/idp",
            Some(json!({ "metadataUrl": url })),
        )
        .await;
    let status = put.status();
    let body: Value = put.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

/// A GET that must answer the HTTP-POST form; checks the page's headers, returns its HTML.
async fn form_page(s: &Stack, url: &str) -> String {
    let page = s.http.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200, "{url}");
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'sha256-") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert!(csp.contains(&format!("form-action {}", s.base)), "{csp}");
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("action=\"{}/dev/idp/sso\"", s.base)),
        "{html}"
    );
    html
}

/// What the browser's auto-submit does: post the form to the dev IdP; its login page.
async fn post_to_idp(s: &Stack, form: &str) -> String {
    let page = s
        .http
        .post(format!("{}/dev/idp/sso", s.base))
        .form(&[("SAMLRequest", hidden(form, "SAMLRequest"))])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    page.text().await.unwrap()
}

/// At the dev IdP's login page: answer as `name_id`; the ACS's answer.
async fn answer(s: &Stack, login_page: &str, name_id: &str) -> reqwest::Response {
    let field = |name: &str| hidden(login_page, name);
    let auto_post = s
        .respond(&[
            ("name_id", name_id),
            ("acs_url", &field("acs_url")),
            ("audience", &field("audience")),
            ("in_response_to", &field("in_response_to")),
            ("relay_state", &field("relay_state")),
        ])
        .await;
    s.post_acs(&auto_post).await
}

/// The SP metadata's signing certificate as PEM.
async fn signing_cert_pem(s: &Stack) -> String {
    let metadata = crate::sp_keys::sp_metadata(s).await;
    let at = metadata.find("use=\"signing\"").unwrap();
    let rest = &metadata[at..];
    let start = rest.find("<ds:X509Certificate>").unwrap() + "<ds:X509Certificate>".len();
    let end = rest.find("</ds:X509Certificate>").unwrap();
    let body = &rest[start..end];
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

/// `xmlsec1 --verify` of the AuthnRequest's enveloped signature, pinned to `cert_pem`.
fn xmlsec1_verifies(xml: &str, cert_pem: &str, name: &str) -> bool {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/saml-post-binding");
    std::fs::create_dir_all(&dir).unwrap();
    let (file, cert) = (
        dir.join(format!("{name}-{}.xml", std::process::id())),
        dir.join(format!("{name}-{}.crt", std::process::id())),
    );
    std::fs::write(&file, xml).unwrap();
    std::fs::write(&cert, cert_pem).unwrap();
    let out = Command::new("xmlsec1")
        .args([
            "--verify",
            "--id-attr:ID",
            "urn:oasis:names:tc:SAML:2.0:protocol:AuthnRequest",
        ])
        .arg("--pubkey-cert-pem")
        .arg(&cert)
        .arg(&file)
        .output()
        .expect("xmlsec1 is installed (apt-get install xmlsec1)");
    out.status.success()
}

#[tokio::test]
async fn a_post_only_idp_gets_signed_post_requests_for_verify_login_and_binding() {
    let s = stack().await;
    let ingested = connect_post_only(&s).await;
    assert_eq!(ingested["ssoUrl"], format!("{}/dev/idp/sso", s.base));

    // Verify: the loginUrl is this SP's page holding the form of the stored request.
    let verify: Value = s
        .admin(Method::POST, "/admin/sso/verify", None)
        .await
        .json()
        .await
        .unwrap();
    let login_url = verify["loginUrl"].as_str().unwrap().to_owned();
    assert!(
        login_url.starts_with(&format!("{}/saml/{}/login?request=_", s.base, s.company)),
        "{login_url}"
    );
    let form = form_page(&s, &login_url).await;
    let request =
        String::from_utf8(STANDARD.decode(hidden(&form, "SAMLRequest")).unwrap()).unwrap();
    assert!(request.contains("<ds:Signature"), "{request}");
    let cert = signing_cert_pem(&s).await;
    assert!(xmlsec1_verifies(&request, &cert, "verify"), "{request}");
    let tampered = request.replacen(
        "AssertionConsumerServiceURL=\"",
        "AssertionConsumerServiceURL=\"x",
        1,
    );
    assert!(!xmlsec1_verifies(&tampered, &cert, "tampered"));

    let admin_email = format!("admin@{}.example.com", s.company);
    let done = answer(&s, &post_to_idp(&s, &form).await, &admin_email).await;
    assert_eq!(done.status(), 200);
    assert!(
        done.text()
            .await
            .unwrap()
            .contains("Configuration verified")
    );
    // The request is consumed: its page is gone with it.
    let again = s.http.get(&login_url).send().await.unwrap();
    assert_eq!(again.status(), 403);

    let enable = s.admin(Method::POST, "/admin/sso/enable", None).await;
    assert_eq!(enable.status(), 202);

    // Login: the start answers the form itself.
    let user_name = format!("post.user@{}.example.com", s.company);
    let id = s.scim_user(&user_name).await;
    let form = form_page(
        &s,
        &format!("{}/saml/{}/login?relay=/deals", s.base, s.company),
    )
    .await;
    let request =
        String::from_utf8(STANDARD.decode(hidden(&form, "SAMLRequest")).unwrap()).unwrap();
    assert!(xmlsec1_verifies(&request, &cert, "login"));
    let done = answer(&s, &post_to_idp(&s, &form).await, &user_name).await;
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "https://app.test/deals");
    assert_eq!(s.session_of(&done).sub, id);

    // A binding link answers the form as well.
    mailer::sweep(&s.env.app).await.unwrap();
    let email = format!("ada.lovelace1@{}.example.com", s.company);
    let link = local::mail_viewer::emails()
        .await
        .into_iter()
        .filter(|m| m["to"] == email.as_str())
        .flat_map(|m| m["links"].as_array().cloned().unwrap_or_default())
        .filter_map(|l| l.as_str().map(str::to_owned))
        .find(|l| l.contains("/bind/"))
        .unwrap();
    let form = form_page(&s, &link).await;
    let done = answer(&s, &post_to_idp(&s, &form).await, &email).await;
    assert_eq!(done.status(), 303);
}

#[tokio::test]
async fn a_resumed_request_must_be_this_orgs_and_well_formed() {
    let s = stack().await;
    connect_post_only(&s).await;
    let verify: Value = s
        .admin(Method::POST, "/admin/sso/verify", None)
        .await
        .json()
        .await
        .unwrap();
    let login_url = verify["loginUrl"].as_str().unwrap().to_owned();
    let other = s.another_org().await;
    connect_post_only(&other).await;
    let foreign = login_url.replace(
        &format!("/saml/{}/", s.company),
        &format!("/saml/{}/", other.company),
    );
    let answer = s.http.get(&foreign).send().await.unwrap();
    assert_eq!(answer.status(), 403);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("saml_unknown_request")
    );
    for bad in ["x", "_%00", &"_a".repeat(100)] {
        let url = format!("{}/saml/{}/login?request={bad}", s.base, s.company);
        let answer = s.http.get(&url).send().await.unwrap();
        assert_eq!(answer.status(), 403, "{bad}");
    }
    // The org's own request still works after the foreign attempt.
    assert_eq!(s.http.get(&login_url).send().await.unwrap().status(), 200);
}
