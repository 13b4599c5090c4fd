//! Email templates: pure functions from what an email says to its subject, text and HTML.

use crate::html::escape;

/// A rendered email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub subject: String,
    pub text: String,
    pub html: String,
}

fn html_page(heading: &str, paragraphs: &[String], button: (&str, &str)) -> String {
    let body: String = paragraphs
        .iter()
        .map(|p| format!("<p>{}</p>", escape(p)))
        .collect();
    format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#222\">\
<h1 style=\"font-size:1.3rem\">{}</h1>{body}\
<p><a href=\"{href}\" style=\"display:inline-block;padding:.6rem 1rem;background:#1f5fbf;color:#fff;\
text-decoration:none;border-radius:4px\">{label}</a></p>\
<p style=\"font-size:.85rem;color:#555\">Or open this link: {href}</p></body></html>",
        escape(heading),
        href = escape(button.1),
        label = escape(button.0),
    )
}

fn greeting(given_name: &str) -> String {
    match given_name.trim() {
        "" => "Hello,".to_owned(),
        name => format!("Hello {name},"),
    }
}

/// The plain-text part: each line as a paragraph, then the link.
fn text_body(lines: &[String], link: &str) -> String {
    let mut text = lines.join("\n\n");
    text.push_str(&format!("\n\n{link}\n"));
    text
}

/// After SSO is enabled (or an admin resends): bind the existing account within 72 hours.
pub fn binding(given_name: &str, link: &str) -> Email {
    let greeting = greeting(given_name);
    let lines = [
        greeting,
        "Your company now signs in to Qualified with Okta. Link your Qualified account to your Okta account to keep access.".to_owned(),
        "The link works once and expires in 72 hours. If it has expired, ask your Qualified admin to resend it.".to_owned(),
    ];
    Email {
        subject: "Link your Qualified account to Okta".into(),
        text: text_body(&lines, link),
        html: html_page("Link your account", &lines, ("Link my account", link)),
    }
}

/// An invited user (orgs without SCIM): same binding flow, different words.
pub fn invitation(given_name: &str, link: &str) -> Email {
    let greeting = greeting(given_name);
    let lines = [
        greeting,
        "You have been invited to Qualified. Sign in with your company's Okta account to accept."
            .to_owned(),
        "The link works once and expires in 72 hours.".to_owned(),
    ];
    Email {
        subject: "You're invited to Qualified".into(),
        text: text_body(&lines, link),
        html: html_page(
            "Accept your invitation",
            &lines,
            ("Accept invitation", link),
        ),
    }
}

/// After SSO is disabled: set a password to keep signing in with your email address.
pub fn password_setup(given_name: &str, link: &str) -> Email {
    let greeting = greeting(given_name);
    let lines = [
        greeting,
        "Your company no longer signs in to Qualified with Okta. Create a password to keep signing in with your email address.".to_owned(),
    ];
    Email {
        subject: "Create your Qualified password".into(),
        text: text_body(&lines, link),
        html: html_page("Create your password", &lines, ("Create password", link)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_binding_email_carries_the_link_in_both_parts_and_says_72_hours() {
        let email = binding("Ada", "https://sso.example.com/bind/abc.def.ghi");
        assert!(
            email
                .text
                .contains("https://sso.example.com/bind/abc.def.ghi")
        );
        assert!(
            email
                .html
                .contains("href=\"https://sso.example.com/bind/abc.def.ghi\"")
        );
        assert!(email.text.contains("72 hours") && email.text.starts_with("Hello Ada,"));
    }

    #[test]
    fn names_and_links_are_escaped_in_html() {
        let email = password_setup("<b>x</b>", "https://app/p?token=a&b=\"c\"");
        assert!(!email.html.contains("<b>x</b>"));
        assert!(email.html.contains("&lt;b&gt;x&lt;/b&gt;"));
        assert!(email.html.contains("token=a&amp;b=&quot;c&quot;"));
    }

    #[test]
    fn an_invitation_reads_differently_from_a_binding() {
        let invite = invitation("", "https://x/bind/t");
        assert_ne!(invite.subject, binding("", "https://x/bind/t").subject);
        assert!(invite.text.starts_with("Hello,"));
    }
}
