//! The one Error enum, and its three renderings: problem+json, SCIM error and HTML page.
//!
//! A refusal carries an [`ErrorCode`] (`code.rs`: every code, its one status, its scimType,
//! and whether its text is public) and a text. The caller sees the code, a short public
//! detail and a correlation id; never XML, tokens, secrets or a stack trace.

use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::json;

mod code;

pub use code::ErrorCode;

/// Everything that can go wrong in a request. A refusal carries its [`ErrorCode`], which
/// alone decides the status, the `scimType` and whether its text may be shown.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Refused with `code`. `text` is the detail the caller reads, except for codes with a
    /// fixed sentence (401, 403, 5xx): then it is the reason, for the log only.
    #[error("{code}: {text}")]
    Coded { code: ErrorCode, text: String },
    /// 413.
    #[error("payload too large (limit {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    /// 429: a dependency throttled us; the caller may retry after `retry_after` seconds.
    #[error("throttled")]
    Throttled { retry_after: u32 },
    /// 500: our fault. The message is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A refusal with its code and text (see [`Error::Coded`]).
    pub fn new(code: ErrorCode, text: impl Into<String>) -> Self {
        Error::Coded {
            code,
            text: text.into(),
        }
    }

    /// `401 unauthorized`; the reason is for the log only.
    pub fn unauthorized(reason: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, reason)
    }

    /// `404 not_found`: "{what} not found."
    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found."))
    }

    pub fn internal(what: impl std::fmt::Display) -> Self {
        Error::Internal(what.to_string())
    }

    pub fn status(&self) -> StatusCode {
        self.code().status()
    }

    /// The stable machine code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Coded { code, .. } => *code,
            Error::PayloadTooLarge { .. } => ErrorCode::PayloadTooLarge,
            Error::Throttled { .. } => ErrorCode::Throttled,
            Error::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// What the caller may read. Internal reasons of 401/403/5xx stay in the log.
    pub fn public_detail(&self) -> String {
        if let Some(fixed) = self.code().fixed_detail() {
            return fixed.into();
        }
        match self {
            Error::Coded { text, .. } => text.clone(),
            Error::PayloadTooLarge { limit } => format!("Request body over {limit} bytes."),
            Error::Throttled { .. } | Error::Internal(_) => String::new(),
        }
    }

    /// RFC 7644 3.12 `scimType`, where the RFC defines one for this error.
    pub fn scim_type(&self) -> Option<&'static str> {
        self.code().scim_type()
    }

    /// Writes the precise reason to the log: 5xx as errors, the rest as warnings.
    pub fn log(&self) {
        if self.status().is_server_error() {
            tracing::error!(code = %self.code(), reason = %self, "request failed");
        } else {
            tracing::warn!(code = %self.code(), status = self.status().as_u16(), reason = %self, "request refused");
        }
    }

    /// RFC 9457 problem+json.
    pub fn to_problem(&self, correlation_id: &str) -> Response<Body> {
        let status = self.status();
        let body = json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "code": self.code().as_str(),
            "detail": self.public_detail(),
            "correlationId": correlation_id,
        });
        self.response(status, "application/problem+json", body.to_string())
    }

    /// RFC 7644 3.12 error.
    pub fn to_scim(&self) -> Response<Body> {
        let status = self.status();
        let mut body = json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": status.as_u16().to_string(),
            "detail": self.public_detail(),
        });
        if let Some(scim_type) = self.scim_type()
            && let Some(object) = body.as_object_mut()
        {
            object.insert("scimType".into(), json!(scim_type));
        }
        self.response(status, "application/scim+json", body.to_string())
    }

    /// A short page for browsers: the code, a sentence and the correlation id.
    pub fn to_html(&self, correlation_id: &str) -> Response<Body> {
        let page = crate::html::message_page(
            self.status().canonical_reason().unwrap_or("Error"),
            &self.public_detail(),
            &[
                ("Code", self.code().as_str()),
                ("Correlation id", correlation_id),
            ],
        );
        self.response(self.status(), "text/html; charset=utf-8", page)
    }

    /// problem+json when the caller accepts JSON, else the HTML page.
    pub fn render(&self, wants_json: bool, correlation_id: &str) -> Response<Body> {
        if wants_json {
            self.to_problem(correlation_id)
        } else {
            self.to_html(correlation_id)
        }
    }

    fn response(
        &self,
        status: StatusCode,
        content_type: &'static str,
        body: String,
    ) -> Response<Body> {
        let mut response = Response::new(Body::Text(body));
        *response.status_mut() = status;
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Error::Throttled { retry_after } = self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        if self.code() == ErrorCode::Unauthorized {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_json(response: &Response<Body>) -> serde_json::Value {
        serde_json::from_slice(response.body().as_ref()).unwrap()
    }

    #[test]
    fn problem_json_carries_code_status_and_correlation_id() {
        let response = Error::new(ErrorCode::NotVerified, "Verify first.").to_problem("req-1");
        assert_eq!(response.status(), 409);
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let body = body_json(&response);
        assert_eq!(body["code"], "not_verified");
        assert_eq!(body["status"], 409);
        assert_eq!(body["correlationId"], "req-1");
    }

    #[test]
    fn scim_errors_have_string_status_and_scim_type() {
        let response = Error::new(ErrorCode::Uniqueness, "userName taken").to_scim();
        let body = body_json(&response);
        assert_eq!(body["status"], "409");
        assert_eq!(body["scimType"], "uniqueness");
        assert_eq!(
            body["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
    }

    #[test]
    fn internal_reasons_never_reach_the_caller() {
        let error = Error::internal("secret token abc123 in dynamo");
        for response in [error.to_problem("c"), error.to_scim(), error.to_html("c")] {
            let text = String::from_utf8_lossy(response.body().as_ref()).to_string();
            assert!(!text.contains("abc123"), "{text}");
            assert_eq!(response.status(), 500);
        }
        let unauthorized = Error::unauthorized("jwt signature mismatch").to_problem("c");
        assert!(!String::from_utf8_lossy(unauthorized.body().as_ref()).contains("mismatch"));
    }

    #[test]
    fn html_pages_escape_what_they_show() {
        let response = Error::new(ErrorCode::InvalidValue, "<script>x</script>").to_html("c");
        let text = String::from_utf8_lossy(response.body().as_ref()).to_string();
        assert!(!text.contains("<script>x"));
        assert!(text.contains("&lt;script&gt;"));
    }

    #[test]
    fn throttling_says_when_to_retry() {
        let response = Error::Throttled { retry_after: 2 }.to_scim();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "2");
    }
}
