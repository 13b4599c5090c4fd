//! Who logs in (issue 10): the identity rules of CONTRACT.md "Tenancy and identity" and
//! "SAML service provider", through HTTP against the local stack, with responses signed
//! by an independent signer (`xmlsec1`, with the dev IdP's committed key) so that our own
//! signer cannot hide a symmetric bug.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use local::dev_idp::{DevIdp, ResponseParams, default_attributes};
use proptest::prelude::*;
use reqwest::Method;
use serde_json::{Value, json};
use shared::identity::key;

use crate::saml_flow::{Stack, stack};

const DEV_KEY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../local/dev-idp/key.pem");
const DEV_CERT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../local/dev-idp/cert.pem");
const SAML_NS: &str = "urn:oasis:names:tc:SAML:2.0:assertion";

/// An enveloped exc-c14n RSA-SHA256 signature template for `#id` (Okta's shape).
fn signature_template(id: &str) -> String {
    format!(
        "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>\
<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>\
<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>\
<ds:Reference URI=\"#{id}\"><ds:Transforms>\
<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>\
<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>\
<ds:DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"/><ds:DigestValue/>\
</ds:Reference></ds:SignedInfo><ds:SignatureValue/></ds:Signature>"
    )
}

/// Signs the Assertion of an unsigned Response with `xmlsec1 --sign`: the template goes
/// right after the Assertion's Issuer (SAML core 5.4.1).
fn xmlsec1_sign_assertion(unsigned: &str) -> String {
    let start = unsigned.find("<saml2:Assertion ").unwrap();
    let id_at = start + unsigned[start..].find(" ID=\"").unwrap() + 5;
    let id = &unsigned[id_at..id_at + unsigned[id_at..].find('"').unwrap()];
    let issuer_end = start + unsigned[start..].find("</saml2:Issuer>").unwrap() + 15;
    let template = format!(
        "{}{}{}",
        &unsigned[..issuer_end],
        signature_template(id),
        &unsigned[issuer_end..]
    );
    let dir = std::env::temp_dir().join("scratch-saml-identity");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{id}.xml"));
    std::fs::write(&file, template).unwrap();
    let out = std::process::Command::new("xmlsec1")
        .args(["--sign", "--id-attr:ID", &format!("{SAML_NS}:Assertion")])
        .arg("--privkey-pem")
        .arg(format!("{DEV_KEY},{DEV_CERT}"))
        .arg(&file)
        .output()
        .expect("xmlsec1 is installed (scripts/bootstrap.sh)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// What one independently signed response says.
#[derive(Default)]
struct Asserted<'a> {
    name_id: &'a str,
    /// InResponseTo inside the signed Assertion (and on the envelope).
    in_response_to: Option<&'a str>,
    /// Extra XML inside the AttributeStatement.
    extra_attributes: &'a str,
}

impl Stack {
    fn dev_idp(&self) -> DevIdp {
        DevIdp::new(&format!("{}/dev/idp", self.base))
    }

    fn acs(&self) -> String {
        format!("{}/saml/{}/acs", self.base, self.company)
    }

    /// An unsigned Response for this org's ACS, as the dev IdP would write it.
    fn unsigned(&self, a: &Asserted) -> String {
        let (acs, audience) = (self.acs(), format!("{}/saml/{}", self.base, self.company));
        let xml = self
            .dev_idp()
            .unsigned_response(&ResponseParams {
                acs_url: &acs,
                audience: &audience,
                name_id: a.name_id,
                in_response_to: a.in_response_to,
                now: self.env.app.now(),
                attributes: default_attributes(a.name_id, ""),
            })
            .unwrap();
        xml.replacen(
            "</saml2:AttributeStatement>",
            &format!("{}</saml2:AttributeStatement>", a.extra_attributes),
            1,
        )
    }

    /// Posts a signed Response to the ACS, as the browser's auto-post form does.
    async fn post_signed(&self, xml: &str) -> reqwest::Response {
        self.http
            .post(self.acs())
            .header("accept", "application/json")
            .form(&[("SAMLResponse", STANDARD.encode(xml))])
            .send()
            .await
            .unwrap()
    }

    async fn login_as(&self, a: &Asserted<'_>) -> reqwest::Response {
        self.post_signed(&xmlsec1_sign_assertion(&self.unsigned(a)))
            .await
    }

    /// SP-initiated: the stored AuthnRequest's ID (read from the redirect to the IdP).
    async fn started_request(&self, path: &str) -> String {
        let start = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        assert_eq!(start.status(), 302, "{}", start.text().await.unwrap());
        request_id(start.headers()["location"].to_str().unwrap())
    }

    async fn scim(&self, method: Method, path: &str, body: Value) -> reqwest::Response {
        let token = self.scim_token().await;
        self.http
            .request(method, format!("{}/scim/v2{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn scim_token(&self) -> String {
        let token: Value = self
            .admin(Method::POST, "/admin/scim/token", None)
            .await
            .json()
            .await
            .unwrap();
        token["token"].as_str().unwrap().to_owned()
    }

    async fn events(&self) -> Vec<Value> {
        use shared::types::CompanyId;
        let org = CompanyId::parse(&self.company).unwrap();
        self.env
            .app
            .store
            .list_events(&org)
            .await
            .unwrap()
            .into_iter()
            .map(|e| serde_json::to_value(e).unwrap())
            .collect()
    }
}

/// The AuthnRequest ID inside an HTTP-Redirect SSO URL.
fn request_id(sso_url: &str) -> String {
    let url = url::Url::parse(sso_url).unwrap();
    let saml_request = url
        .query_pairs()
        .find(|(k, _)| k == "SAMLRequest")
        .unwrap()
        .1
        .into_owned();
    DevIdp::parse_authn_request(&saml_request).unwrap().id
}

async fn code_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or_default().to_owned())
}

fn session_sub(s: &Stack, response: &reqwest::Response) -> String {
    assert_eq!(response.status(), 303);
    s.session_of(response).sub
}

// ---- case 1: look-alike NameIDs -----------------------------------------------------

#[tokio::test]
async fn a_look_alike_name_id_never_reaches_another_account() {
    let s = stack().await;
    s.connect().await;
    let kate = format!("kate@{}.example.com", s.company);
    let id = s.scim_user(&kate).await;
    // The Kelvin sign lower-cases to `k` under full Unicode case mapping.
    let kelvin = kate.replacen('k', "\u{212A}", 1);
    let refused = s
        .login_as(&Asserted {
            name_id: &kelvin,
            ..Default::default()
        })
        .await;
    assert_eq!(
        code_of(refused).await,
        (403, "saml_name_id_unnormalized".into())
    );
    // A NameID that differs by a non-ASCII letter is another identity: nobody's.
    let accented = kate.replacen('a', "\u{E1}", 1);
    let refused = s
        .login_as(&Asserted {
            name_id: &accented,
            ..Default::default()
        })
        .await;
    assert_eq!(code_of(refused).await, (403, "user_not_bound".into()));
    // ASCII case alone is the same identity.
    let upper = kate.to_ascii_uppercase();
    let done = s
        .login_as(&Asserted {
            name_id: &upper,
            ..Default::default()
        })
        .await;
    assert_eq!(session_sub(&s, &done), id);
    // And the look-alike still does not reach Kate, now that she is bound.
    let refused = s
        .login_as(&Asserted {
            name_id: &kelvin,
            ..Default::default()
        })
        .await;
    assert_eq!(refused.status(), 403);
}

#[tokio::test]
async fn scim_refuses_identity_values_with_compatibility_characters() {
    let s = stack().await;
    for body in [
        json!({"userName": "\u{212A}ate@x.example.com", "emails": [{"value": "kate@x.example.com", "primary": true}]}),
        json!({"userName": "kate@x.example.com", "emails": [{"value": "\u{FF4B}ate@x.example.com", "primary": true}]}),
        json!({"userName": "kate@x.example.com", "externalId": "00u\u{FB01}", "emails": [{"value": "kate@x.example.com"}]}),
    ] {
        let r = s.scim(Method::POST, "/Users", body.clone()).await;
        assert_eq!(r.status(), 400, "{body}");
        let error: Value = r.json().await.unwrap();
        assert_eq!(error["scimType"], "invalidValue", "{body}");
    }
}

// ---- case 2: a rename moves the identity --------------------------------------------

#[tokio::test]
async fn after_a_rename_and_a_recycled_user_name_each_person_reaches_their_own_account() {
    let s = stack().await;
    s.connect().await;
    let old = format!("sam@{}.example.com", s.company);
    let new = format!("sam.new@{}.example.com", s.company);
    let a = s.scim_user(&old).await;
    // A's first login binds A by its userName.
    let done = s
        .login_as(&Asserted {
            name_id: &old,
            ..Default::default()
        })
        .await;
    assert_eq!(session_sub(&s, &done), a);
    // Okta renames A, then creates B with A's old username.
    let rename = json!({"Operations": [
        {"op": "replace", "path": "userName", "value": new},
        {"op": "replace", "path": "emails[type eq \"work\"].value", "value": new},
    ]});
    let r = s.scim(Method::PATCH, &format!("/Users/{a}"), rename).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let b = s.scim_user(&old).await;
    assert_ne!(a, b);
    // B logs in under the old name: B's account, never A's.
    let done = s
        .login_as(&Asserted {
            name_id: &old,
            ..Default::default()
        })
        .await;
    assert_eq!(session_sub(&s, &done), b);
    // A logs in under the new name: A's account.
    let done = s
        .login_as(&Asserted {
            name_id: &new,
            ..Default::default()
        })
        .await;
    assert_eq!(session_sub(&s, &done), a);
}

#[tokio::test]
async fn a_put_rename_of_a_user_bound_by_email_moves_its_binding_too() {
    let s = stack().await;
    s.connect().await;
    let old = format!("lee@{}.example.com", s.company);
    let new = format!("lee.renamed@{}.example.com", s.company);
    let id = s.scim_user(&old).await;
    let done = s
        .login_as(&Asserted {
            name_id: &old,
            ..Default::default()
        })
        .await;
    assert_eq!(session_sub(&s, &done), id);
    let put = json!({"userName": new, "emails": [{"value": new, "primary": true}], "active": true});
    let r = s.scim(Method::PUT, &format!("/Users/{id}"), put).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let refused = s
        .login_as(&Asserted {
            name_id: &old,
            ..Default::default()
        })
        .await;
    assert_eq!(code_of(refused).await, (403, "user_not_bound".into()));
    let done = s
        .login_as(&Asserted {
            name_id: &new,
            ..Default::default()
        })
        .await;
    assert_eq!(session_sub(&s, &done), id);
}

/// The first link of the binding email `to` was sent.
async fn binding_link(to: &str) -> String {
    local::mail_viewer::emails()
        .await
        .into_iter()
        .filter(|m| m["to"] == to)
        .flat_map(|m| m["links"].as_array().cloned().unwrap_or_default())
        .filter_map(|l| l.as_str().map(str::to_owned))
        .find(|l| l.contains("/bind/"))
        .unwrap()
}

#[tokio::test]
async fn a_user_bound_through_the_binding_email_keeps_its_account_when_okta_renames_it() {
    let s = stack().await;
    s.connect().await;
    mailer::sweep(&s.env.app).await.unwrap();
    let email = format!("ada.lovelace1@{}.example.com", s.company);
    let renamed = format!("ada.byron@{}.example.com", s.company);
    let link = binding_link(&email).await;
    let request = s.started_request(link.trim_start_matches(&s.base)).await;
    let done = s
        .login_as(&Asserted {
            name_id: &email,
            in_response_to: Some(&request),
            ..Default::default()
        })
        .await;
    let id = session_sub(&s, &done);
    // Okta matches the existing user by userName, then renames it.
    let found: Value = s
        .http
        .get(format!(
            "{}/scim/v2/Users?filter=userName%20eq%20%22{email}%22",
            s.base
        ))
        .bearer_auth(s.scim_token().await)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(found["Resources"][0]["id"], id.as_str());
    let rename = json!({"Operations": [{"op": "replace", "value": {
        "userName": renamed, "emails": [{"value": renamed, "primary": true}]}}]});
    let r = s.scim(Method::PATCH, &format!("/Users/{id}"), rename).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let done = s
        .login_as(&Asserted {
            name_id: &renamed,
            ..Default::default()
        })
        .await;
    assert_eq!(session_sub(&s, &done), id);
    let refused = s
        .login_as(&Asserted {
            name_id: &email,
            ..Default::default()
        })
        .await;
    assert_eq!(code_of(refused).await, (403, "user_not_bound".into()));
}

// ---- case 3: the unsigned envelope cannot choose a request --------------------------

#[tokio::test]
async fn an_unsigned_envelope_in_response_to_cannot_choose_a_bind_request() {
    let s = stack().await;
    s.connect().await;
    mailer::sweep(&s.env.app).await.unwrap();
    let victim = format!("ada.lovelace1@{}.example.com", s.company);
    let link = binding_link(&victim).await;
    // The victim opens the link: a bind request is stored. The attacker learns its ID.
    let path = link.trim_start_matches(&s.base).to_owned();
    let request = s.started_request(&path).await;
    // The attacker's own IdP-initiated assertion (signed, answering nothing), with the
    // victim's request ID written into the unsigned envelope.
    let unsigned = s.unsigned(&Asserted {
        name_id: "mallory@evil.example.com",
        ..Default::default()
    });
    let signed = xmlsec1_sign_assertion(&unsigned);
    let tampered = signed.replacen(
        " IssueInstant=",
        &format!(" InResponseTo=\"{request}\" IssueInstant="),
        1,
    );
    assert_ne!(tampered, signed);
    let refused = s.post_signed(&tampered).await;
    assert_eq!(
        code_of(refused).await,
        (403, "saml_in_response_to_mismatch".into())
    );
    // The victim's own answer to the request still binds the victim.
    let done = s
        .login_as(&Asserted {
            name_id: "ada@okta.example.com",
            in_response_to: Some(&request),
            ..Default::default()
        })
        .await;
    assert_eq!(s.session_of(&done).email, victim);
}

// ---- case 4: another org's request ID -----------------------------------------------

#[tokio::test]
async fn another_orgs_request_id_is_refused_and_stays_usable_by_its_org() {
    let a = stack().await;
    let b = a.another_org().await;
    a.connect().await;
    b.connect().await;
    let b_user = format!("bo@{}.example.com", b.company);
    let b_id = b.scim_user(&b_user).await;
    let request = b
        .started_request(&format!("/saml/{}/login?relay=/x", b.company))
        .await;
    // Posted to org A's ACS, signed for A, naming B's request.
    let a_user = format!("al@{}.example.com", a.company);
    a.scim_user(&a_user).await;
    let refused = a
        .login_as(&Asserted {
            name_id: &a_user,
            in_response_to: Some(&request),
            ..Default::default()
        })
        .await;
    assert_eq!(code_of(refused).await, (403, "saml_unknown_request".into()));
    // B's request was not consumed: B's login with it still works.
    let done = b
        .login_as(&Asserted {
            name_id: &b_user,
            in_response_to: Some(&request),
            ..Default::default()
        })
        .await;
    assert_eq!(session_sub(&b, &done), b_id);
    assert_eq!(done.headers()["location"], "https://app.test/x");
}

// ---- case 5: valid shapes that must not be refused ----------------------------------

#[tokio::test]
async fn attribute_values_with_elements_or_literal_whitespace_log_in() {
    let s = stack().await;
    s.connect().await;
    let user = format!("edu@{}.example.com", s.company);
    let id = s.scim_user(&user).await;
    let targeted = "<saml2:Attribute Name=\"urn:oid:1.3.6.1.4.1.5923.1.1.1.10\" \
FriendlyName=\"eduPersonTargetedID\"><saml2:AttributeValue><saml2:NameID \
Format=\"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent\">7a1f3c</saml2:NameID>\
</saml2:AttributeValue></saml2:Attribute>";
    let done = s
        .login_as(&Asserted {
            name_id: &user,
            extra_attributes: targeted,
            ..Default::default()
        })
        .await;
    assert_eq!(session_sub(&s, &done), id);
    // Signed over the normalized value (libxml2 makes the tab and newline spaces), then
    // sent with them literal, as an IdP serializing its own DOM may.
    let dept = "<saml2:Attribute Name=\"department\" FriendlyName=\"Sales and Marketing\">\
<saml2:AttributeValue>Sales</saml2:AttributeValue></saml2:Attribute>";
    let signed = xmlsec1_sign_assertion(&s.unsigned(&Asserted {
        name_id: &user,
        extra_attributes: dept,
        ..Default::default()
    }));
    let literal = signed.replacen("Sales and Marketing", "Sales\tand\nMarketing", 1);
    assert_ne!(literal, signed);
    let done = s.post_signed(&literal).await;
    assert_eq!(session_sub(&s, &done), id);
}

// ---- unbinding, and the audit trail -------------------------------------------------

#[tokio::test]
async fn unbinding_frees_the_identity_and_a_resend_then_works() {
    let s = stack().await;
    s.connect().await;
    let user = format!("una@{}.example.com", s.company);
    let id = s.scim_user(&user).await;
    let done = s
        .login_as(&Asserted {
            name_id: &user,
            ..Default::default()
        })
        .await;
    assert_eq!(session_sub(&s, &done), id);
    let resend = s
        .admin(Method::POST, &format!("/admin/users/{id}/binding"), None)
        .await;
    assert_eq!(code_of(resend).await, (409, "already_bound".into()));
    let unbind = s
        .admin(Method::DELETE, &format!("/admin/users/{id}/binding"), None)
        .await;
    assert_eq!(unbind.status(), 204);
    let resend = s
        .admin(Method::POST, &format!("/admin/users/{id}/binding"), None)
        .await;
    assert_eq!(resend.status(), 202);
    let missing = s
        .admin(Method::DELETE, "/admin/users/nobody/binding", None)
        .await;
    assert_eq!(missing.status(), 404);
    let actions: Vec<String> = s
        .events()
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for wanted in [
        "saml.first_login",
        "binding.unbound",
        "binding.resent",
        "sso.verified",
    ] {
        assert!(actions.iter().any(|a| a == wanted), "{wanted}: {actions:?}");
    }
}

#[tokio::test]
async fn every_login_and_refusal_writes_an_event_naming_its_rule() {
    let s = stack().await;
    s.connect().await;
    let user = format!("eve@{}.example.com", s.company);
    s.scim_user(&user).await;
    for name_id in [user.as_str(), user.as_str(), "nobody@x.example.com"] {
        s.login_as(&Asserted {
            name_id,
            ..Default::default()
        })
        .await;
    }
    let events = s.events().await;
    let find = |action: &str| {
        events
            .iter()
            .filter(|e| e["action"] == action)
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(
        find("saml.first_login")[0]["detail"]["rule"],
        "scim_user_name"
    );
    assert_eq!(find("saml.login")[0]["detail"]["rule"], "bound_name_id");
    let refused = find("saml.refused");
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0]["detail"]["code"], "user_not_bound");
}

// ---- the key: a property over random Unicode ----------------------------------------

/// The independent oracle: equal length in chars, and each pair equal or the same ASCII
/// letter in two cases.
fn differ_only_in_ascii_case(a: &str, b: &str) -> bool {
    a.chars().count() == b.chars().count()
        && a.chars().zip(b.chars()).all(|(x, y)| {
            x == y
                || (x.is_ascii_alphabetic()
                    && y.is_ascii_alphabetic()
                    && x.eq_ignore_ascii_case(&y))
        })
}

/// A string and a variant of it: ASCII case flipped, full Unicode case mapping, or
/// another random string.
fn pair() -> impl Strategy<Value = (String, String)> {
    (any::<String>(), any::<String>(), 0..4u8).prop_map(|(a, other, how)| {
        let b = match how {
            0 => a
                .chars()
                .enumerate()
                .map(|(i, c)| {
                    if i % 2 == 0 {
                        c.to_ascii_uppercase()
                    } else {
                        c
                    }
                })
                .collect(),
            1 => a.to_lowercase(),
            2 => a.to_uppercase(),
            _ => other,
        };
        (a, b)
    })
}

proptest! {
    #[test]
    fn two_values_share_a_key_exactly_when_they_differ_only_in_ascii_case((a, b) in pair()) {
        prop_assert_eq!(key(&a) == key(&b), differ_only_in_ascii_case(&a, &b));
    }

    #[test]
    fn look_alikes_made_by_unicode_case_mapping_never_share_a_key(s in "[a-zA-Z\u{212A}\u{17F}\u{130}\u{131}\u{DF}\u{1E9E}]{1,12}") {
        let lowered = s.to_lowercase();
        if !differ_only_in_ascii_case(&s, &lowered) {
            prop_assert_ne!(key(&s), key(&lowered));
        }
    }
}

#[test]
fn the_known_look_alikes_are_refused_or_kept_apart() {
    assert_eq!(key("Kate@X.com"), key("kate@x.com"));
    assert_ne!(key("\u{212A}ate@x.com"), key("kate@x.com"));
    assert!(!shared::identity::is_compatibility_stable(
        "\u{212A}ate@x.com"
    ));
    assert!(shared::identity::is_compatibility_stable("kate@x.com"));
}
