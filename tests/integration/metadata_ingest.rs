//! IdP metadata ingest: by URL and as XML, every refusal, SSRF, and the scheduled refresh.

use serde_json::{Value, json};
use shared::idp::{self, Refreshed};
use shared::types::CompanyId;

use crate::harness::{TestEnv, static_server};

fn okta_metadata() -> String {
    include_str!("../fixtures/metadata/okta-metadata.xml").to_owned()
}

fn pem_lines(pem: &str) -> Vec<&str> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && !l.trim().is_empty())
        .collect()
}

/// The Okta fixture with its expiring certificate replaced by another (a rotation).
fn rotated_metadata() -> String {
    let expiring: String = pem_lines(include_str!(
        "../fixtures/metadata/okta-signing-expiring.pem"
    ))
    .concat();
    let replacement: String = pem_lines(include_str!("../fixtures/saml/keys/idp.crt")).concat();
    let xml = okta_metadata();
    let (open, close) = ("<ds:X509Certificate>", "</ds:X509Certificate>");
    let mut out = String::new();
    let mut rest = xml.as_str();
    while let Some(start) = rest.find(open) {
        let body_start = start + open.len();
        let end = body_start + rest[body_start..].find(close).unwrap();
        let body: String = rest[body_start..end].split_whitespace().collect();
        out.push_str(&rest[..body_start]);
        out.push_str(if body == expiring {
            &replacement
        } else {
            &rest[body_start..end]
        });
        rest = &rest[end..];
    }
    out.push_str(rest);
    assert_ne!(out, xml, "the expiring certificate was not found");
    out
}

async fn put_idp(env: &TestEnv, token: &str, body: &Value) -> crate::harness::TestResponse {
    let auth = format!("Bearer {token}");
    let text = body.to_string();
    env.request(
        "PUT",
        "/admin/sso/idp",
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        Some(&text),
    )
    .await
}

#[tokio::test]
async fn okta_metadata_by_url_gives_the_idp_and_both_signing_certificates() {
    let env = TestEnv::local("http://127.0.0.1:3000").await;
    let org = env.seed_org(0).await;
    let (url, _) = static_server(okta_metadata()).await;
    let response = put_idp(&env, &org.admin_token, &json!({ "metadataUrl": url })).await;
    assert_eq!(response.status, 200, "{}", response.body);
    let body = response.json();
    assert_eq!(
        body["idpEntityId"],
        "http://www.okta.com/exk1fcia6d6EMsf331d8"
    );
    assert!(body["ssoUrl"].as_str().unwrap().starts_with("https://"));
    assert_eq!(body["metadataUrl"], url);
    assert_eq!(body["status"], "configured");
    let certs = body["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 2);
    assert!(
        certs
            .iter()
            .all(|c| c["sha256Fingerprint"].as_str().unwrap().len() == 95)
    );
    let expiries: Vec<&str> = certs
        .iter()
        .map(|c| c["notAfter"].as_str().unwrap())
        .collect();
    assert_ne!(expiries[0], expiries[1], "one of them expires soon");
    let view = env
        .admin("GET", "/admin/sso", &org.admin_token)
        .await
        .json();
    assert_eq!(view["status"], "configured");
    assert_eq!(
        view["idp"]["entityId"],
        "http://www.okta.com/exk1fcia6d6EMsf331d8"
    );
}

#[tokio::test]
async fn metadata_as_xml_is_accepted_too() {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    let response = put_idp(
        &env,
        &org.admin_token,
        &json!({ "metadataXml": okta_metadata() }),
    )
    .await;
    assert_eq!(response.status, 200, "{}", response.body);
    assert!(response.json()["metadataUrl"].is_null());
}

#[tokio::test]
async fn each_bad_document_is_422_with_its_code() {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    let good = okta_metadata();
    let no_entity_id = good.replace("entityID=\"http://www.okta.com/exk1fcia6d6EMsf331d8\"", "");
    let no_signing = good.replace("use=\"signing\"", "use=\"encryption\"");
    let javascript = good.replace(
        "https://dev-123.okta.com",
        "javascript:alert(1)//dev-123.okta.com",
    );
    let plain_http = good.replace("https://dev-123.okta.com", "http://dev-123.okta.com");
    let doctype = format!(
        "<!DOCTYPE x [<!ENTITY e \"boom\">]>{}",
        good.trim_start_matches("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
    );
    let cases = [
        (no_entity_id, "metadata_invalid"),
        (no_signing, "no_signing_certificate"),
        (javascript, "metadata_invalid"),
        (plain_http, "metadata_invalid"),
        (doctype, "metadata_invalid"),
        ("<md:EntityDescriptor".to_owned(), "metadata_invalid"),
        ("<html><body><h1>Sign in</h1></body></html>".to_owned(), "metadata_invalid"),
        ("<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\" entityID=\"x\"/>".to_owned(), "metadata_invalid"),
    ];
    for (xml, code) in cases {
        let response = put_idp(&env, &org.admin_token, &json!({ "metadataXml": xml })).await;
        assert_eq!(response.status, 422, "{code}: {}", response.body);
        assert_eq!(response.json()["code"], code, "{}", response.body);
    }
    assert!(
        good.contains("https://dev-123.okta.com"),
        "the fixture's SSO host changed"
    );
}

#[tokio::test]
async fn ssrf_targets_are_refused_outside_local_mode() {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    let (plain, _) = static_server(okta_metadata()).await;
    for url in [
        plain.clone(),
        plain.replace("http://", "https://"),
        "https://169.254.169.254/latest/meta-data/".to_owned(),
        "https://localhost/metadata".to_owned(),
        "https://10.0.0.1/metadata".to_owned(),
        "https://[::1]/metadata".to_owned(),
        "file:///etc/passwd".to_owned(),
    ] {
        let response = put_idp(&env, &org.admin_token, &json!({ "metadataUrl": url })).await;
        assert_eq!(response.status, 422, "{url}: {}", response.body);
        assert_eq!(response.json()["code"], "url_not_allowed", "{url}");
    }
}

#[tokio::test]
async fn a_redirect_to_a_private_address_is_refused_even_in_local_mode() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let env = TestEnv::local("http://127.0.0.1:3000").await;
    let org = env.seed_org(0).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/metadata", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 2048];
            let _ = stream.read(&mut buf).await;
            let _ = stream.write_all(b"HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/latest/meta-data/\r\ncontent-length: 0\r\n\r\n").await;
        }
    });
    let response = put_idp(&env, &org.admin_token, &json!({ "metadataUrl": url })).await;
    assert_eq!(response.status, 422, "{}", response.body);
    assert_eq!(response.json()["code"], "url_not_allowed");
}

#[tokio::test]
async fn bad_requests_are_400() {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    for body in [
        json!({}),
        json!({"metadataUrl": "https://a", "metadataXml": "<x/>"}),
        json!({"metadataUri": "https://a"}),
    ] {
        assert_eq!(
            put_idp(&env, &org.admin_token, &body).await.status,
            400,
            "{body}"
        );
    }
}

#[tokio::test]
async fn another_idp_while_sso_is_enabled_is_409_but_a_refresh_of_the_same_is_fine() {
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    assert_eq!(
        put_idp(
            &env,
            &org.admin_token,
            &json!({ "metadataXml": okta_metadata() })
        )
        .await
        .status,
        200
    );
    let company = CompanyId::parse(&org.company_id).unwrap();
    let mut config = env
        .app
        .store
        .get_sso_config(&company)
        .await
        .unwrap()
        .unwrap();
    let version = config.version;
    config.status = shared::model::SsoStatus::Enabled;
    config.version += 1;
    env.app
        .store
        .put_sso_config(
            &company,
            &config,
            Some(version),
            &env.app.audit(
                "test",
                "test.sso",
                company.as_str(),
                serde_json::Value::Null,
            ),
        )
        .await
        .unwrap();
    let same = put_idp(
        &env,
        &org.admin_token,
        &json!({ "metadataXml": okta_metadata() }),
    )
    .await;
    assert_eq!(same.status, 200, "{}", same.body);
    assert_eq!(same.json()["status"], "enabled");
    let other = okta_metadata().replace("exk1fcia6d6EMsf331d8", "exkOTHERIDP000000000");
    let response = put_idp(&env, &org.admin_token, &json!({ "metadataXml": other })).await;
    assert_eq!(response.status, 409);
    assert_eq!(response.json()["code"], "idp_change_while_enabled");
}

#[tokio::test]
async fn the_scheduled_refresh_picks_up_a_rotated_certificate() {
    let env = TestEnv::local("http://127.0.0.1:3000").await;
    let org = env.seed_org(0).await;
    let (url, body) = static_server(okta_metadata()).await;
    let first = put_idp(&env, &org.admin_token, &json!({ "metadataUrl": url }))
        .await
        .json();
    let before: Vec<String> = first["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha256Fingerprint"].as_str().unwrap().to_owned())
        .collect();
    let company = CompanyId::parse(&org.company_id).unwrap();
    assert_eq!(
        idp::refresh(&env.app, &company).await.unwrap(),
        Refreshed::Unchanged
    );

    *body.lock().unwrap() = rotated_metadata();
    let results = idp::refresh_all(&env.app).await.unwrap();
    let outcome = results
        .into_iter()
        .find(|(o, _)| *o == company)
        .map(|(_, r)| r)
        .unwrap();
    let Refreshed::Rotated { added, removed } = outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!((added.len(), removed.len()), (1, 1));
    assert!(before.contains(&removed[0]) && !before.contains(&added[0]));
    let view = env
        .admin("GET", "/admin/sso", &org.admin_token)
        .await
        .json();
    let now: Vec<&str> = view["idp"]["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha256Fingerprint"].as_str().unwrap())
        .collect();
    assert!(now.contains(&added[0].as_str()) && !now.contains(&removed[0].as_str()));

    // Unreachable metadata leaves the config as it was.
    *body.lock().unwrap() = "not xml".to_owned();
    assert!(matches!(
        idp::refresh(&env.app, &company).await.unwrap(),
        Refreshed::Failed(_)
    ));
    assert_eq!(
        env.app
            .store
            .get_sso_config(&company)
            .await
            .unwrap()
            .unwrap()
            .certificates
            .len(),
        2
    );
}
