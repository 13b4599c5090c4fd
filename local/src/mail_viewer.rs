//! `GET /dev/mail`: every email moto's SES has accepted, newest first, as JSON or a page.

use http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{Value, json};
use shared::App;
use shared::html::{escape, message_page};

use crate::stack::Endpoints;

/// The emails as CONTRACT.md gives them: `[{"to", "subject", "text", "html", "links"}]`.
pub async fn emails() -> Vec<Value> {
    let url = format!("{}/moto-api/data.json", Endpoints::from_env().moto);
    let Ok(response) = reqwest::get(&url).await else {
        return vec![];
    };
    let Ok(bytes) = response.bytes().await else {
        return vec![];
    };
    let Ok(data) = serde_json::from_slice::<Value>(&bytes) else {
        return vec![];
    };
    let messages = data
        .pointer("/ses/Message")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    messages.iter().rev().map(to_email).collect()
}

fn to_email(message: &Value) -> Value {
    let body = message["body"].as_str().unwrap_or_default();
    let is_html = body.trim_start().starts_with('<');
    json!({
        "to": recipients(message),
        "subject": message["subject"],
        "text": if is_html { Value::Null } else { json!(body) },
        "html": if is_html { json!(body) } else { Value::Null },
        "links": links(body),
    })
}

/// The To addresses, comma-separated (ours have one).
fn recipients(message: &Value) -> String {
    let to = message
        .pointer("/destinations/ToAddresses")
        .and_then(Value::as_array);
    to.into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every http(s) URL in the body.
pub fn links(body: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for start in body.match_indices("http").map(|(i, _)| i) {
        let rest = &body[start..];
        if !(rest.starts_with("http://") || rest.starts_with("https://")) {
            continue;
        }
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '<' | '>' | '\''))
            .unwrap_or(rest.len());
        let link = rest[..end].replace("&amp;", "&");
        if !found.contains(&link) {
            found.push(link);
        }
    }
    found
}

pub async fn page(_app: &App, req: &http::Request<Body>) -> Response<Body> {
    let mail = emails().await;
    let wants_html = req
        .headers()
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if !wants_html {
        return shared::http::json(StatusCode::OK, &Value::Array(mail));
    }
    let items: String = mail
        .iter()
        .map(|m| {
            let links: String = m["links"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|l| format!("<li><a href=\"{0}\">{0}</a></li>", escape(l)))
                .collect();
            format!(
                "<h2>{}</h2><p>To: {}</p><ul>{links}</ul>",
                escape(m["subject"].as_str().unwrap_or_default()),
                escape(m["to"].as_str().unwrap_or_default())
            )
        })
        .collect();
    let page = message_page(
        "Mail (local)",
        &format!("{} emails, newest first.", mail.len()),
        &[],
    );
    shared::http::html(
        StatusCode::OK,
        page.replace("</body>", &format!("{items}</body>")),
    )
}
