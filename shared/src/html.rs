//! Small HTML pages for browsers (errors, confirmations), with every value escaped.

/// Escapes text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A page with a title, one message and a few labelled facts (e.g. code, correlation id).
pub fn message_page(title: &str, message: &str, facts: &[(&str, &str)]) -> String {
    let facts: String = facts
        .iter()
        .map(|(label, value)| {
            format!(
                "<dt>{}</dt><dd><code>{}</code></dd>",
                escape(label),
                escape(value)
            )
        })
        .collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}}\
dt{{font-weight:600;margin-top:.5rem}}dd{{margin:0}}</style></head>\
<body><h1>{title}</h1><p>{message}</p><dl>{facts}</dl></body></html>",
        title = escape(title),
        message = escape(message),
    )
}

/// The HTTP-POST binding's page (SAML bindings 3.5.4): a form posting `fields` (the absent
/// ones left out) to `action`, submitted by `script` (which the caller's CSP allows by
/// hash), with a visible button when scripts are off.
pub fn auto_post_page(
    title: &str,
    action: &str,
    fields: &[(&str, Option<&str>)],
    script: &str,
) -> String {
    let inputs: String = fields
        .iter()
        .filter_map(|(name, value)| {
            value.map(|v| {
                format!(
                    "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
                    escape(name),
                    escape(v)
                )
            })
        })
        .collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}}</style>\
</head><body><h1>{title}</h1><form method=\"post\" action=\"{action}\">{inputs}\
<p>Taking you to your identity provider\u{2026}</p><button type=\"submit\">Continue</button></form>\
<script>{script}</script></body></html>",
        title = escape(title),
        action = escape(action),
    )
}
