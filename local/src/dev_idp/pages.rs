//! The dev IdP's pages: the login page (one button per user, or a free-text NameID) and
//! the HTTP-POST binding's auto-submitting form.

use shared::html::escape;

use super::DevIdp;

/// Where the login page's forms go, and what they carry.
pub struct LoginForm<'a> {
    /// Shown to the person: which SP asked (e.g. the company ID).
    pub sp_label: &'a str,
    /// The AuthnRequest's ID; `None` for IdP-initiated login.
    pub in_response_to: Option<&'a str>,
    pub relay_state: Option<&'a str>,
    pub acs_url: &'a str,
    /// The SP's entity ID.
    pub audience: &'a str,
}

/// The dev IdP's login page: one form posting to `{base}/respond` with hidden `acs_url`,
/// `audience`, `in_response_to`, `relay_state` (empty when absent), the "encrypt" switch (a
/// checkbox: the assertion is then encrypted for the SP's encryption certificate) and one
/// submit button per user (`user` = email, `|`, display name: a form submission turns a
/// newline into CR LF); then a form with a
/// free-text NameID and its own switch. Every value is HTML-escaped.
pub fn login_page(idp: &DevIdp, form: &LoginForm, users: &[(String, String)]) -> String {
    let action = escape(&format!("{}/respond", idp.base));
    let hidden = hidden_fields(form);
    let buttons: String = users
        .iter()
        .map(|(email, name)| {
            format!(
                "<p><button type=\"submit\" name=\"user\" value=\"{value}\">{name} &lt;{email}&gt;</button></p>",
                value = escape(&format!("{email}|{name}")),
                email = escape(email),
                name = escape(name),
            )
        })
        .collect();
    let switch = |id: &str| {
        format!(
            "<p><label><input type=\"checkbox\" id=\"{id}\" name=\"encrypt\" value=\"1\"> \
Encrypt the assertion for the SP (RSA-OAEP, AES-256-GCM: Okta's \u{201c}Assertion \
Encryption\u{201d})</label></p>"
        )
    };
    let users_form = format!(
        "<form method=\"post\" action=\"{action}\">{hidden}{encrypt}{buttons}</form>",
        encrypt = switch("encrypt"),
    );
    let free_text = format!(
        "<form method=\"post\" action=\"{action}\">{hidden}{encrypt}\
<label>NameID <input type=\"text\" name=\"name_id\" placeholder=\"someone@example.com\" required></label>\
<input type=\"hidden\" name=\"display_name\" value=\"\"> <button type=\"submit\">Sign in</button></form>",
        encrypt = switch("encrypt-other"),
    );
    page(
        "Dev IdP \u{2014} local only",
        &format!(
            "<h1>Dev IdP \u{2014} local only</h1><p>A stand-in for Okta on the local stack, \
never deployed. It signs an assertion for whoever you pick, with a key committed to \
the repository.</p><p>Signing in to <b>{sp}</b><br>ACS <code>{acs}</code></p>\
<h2>Users</h2>{users_form}<h2>Someone else</h2>{free_text}",
            sp = escape(form.sp_label),
            acs = escape(form.acs_url),
        ),
    )
}

fn hidden_fields(form: &LoginForm) -> String {
    [
        ("acs_url", form.acs_url),
        ("audience", form.audience),
        ("in_response_to", form.in_response_to.unwrap_or_default()),
        ("relay_state", form.relay_state.unwrap_or_default()),
    ]
    .iter()
    .map(|(name, value)| hidden(name, value))
    .collect()
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        escape(name),
        escape(value)
    )
}

/// SAML bindings 3.5.4, the HTTP-POST binding: a form with `SAMLResponse` (and
/// `RelayState`) that a tiny script submits, with a visible button when scripts are off.
pub fn auto_post_form(acs_url: &str, saml_response_b64: &str, relay_state: Option<&str>) -> String {
    let relay = relay_state
        .map(|r| hidden("RelayState", r))
        .unwrap_or_default();
    page(
        "Dev IdP \u{2014} posting to the SP",
        &format!(
            "<form id=\"saml\" method=\"post\" action=\"{acs}\">{response}{relay}\
<p>Posting the signed assertion to <code>{acs}</code>.</p>\
<button type=\"submit\">Continue</button></form>\
<script>document.getElementById(\"saml\").submit();</script>",
            acs = escape(acs_url),
            response = hidden("SAMLResponse", saml_response_b64),
        ),
    )
}

/// The page around `body` (already escaped); `title` is escaped here.
fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;\
color:#222}}form{{margin:.5rem 0}}button{{padding:.4rem .8rem}}</style></head>\
<body>{body}</body></html>",
        title = escape(title),
    )
}
