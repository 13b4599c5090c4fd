//! The one Error enum, and its three renderings: problem+json, SCIM error and HTML page.
//!
//! Each variant carries a stable machine `code` (snake_case) and an internal reason that
//! goes to the log only. The caller sees the code, a short public detail and a correlation
//! id; never XML, tokens, secrets or a stack trace.

use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::json;

/// Everything that can go wrong in a request, with the status it maps to.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401: no credentials, or bad ones. The reason is for the log only.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    /// 403: authenticated, but not allowed.
    #[error("forbidden ({code}): {reason}")]
    Forbidden { code: &'static str, reason: String },
    /// 404.
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// 405.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409.
    #[error("conflict ({code}): {detail}")]
    Conflict { code: &'static str, detail: String },
    /// 400: the request is malformed; `detail` is safe to show.
    #[error("bad request ({code}): {detail}")]
    BadRequest { code: &'static str, detail: String },
    /// 410: e.g. an expired or used link.
    #[error("gone ({code}): {detail}")]
    Gone { code: &'static str, detail: String },
    /// 412: `If-Match` did not match.
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    /// 413.
    #[error("payload too large (limit {limit} bytes)")]
    PayloadTooLarge { limit: usize },
    /// 415.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 422: well-formed but unusable, e.g. IdP metadata without a signing certificate.
    #[error("unprocessable ({code}): {detail}")]
    Unprocessable { code: &'static str, detail: String },
    /// 429: a dependency throttled us; the caller may retry after `retry_after` seconds.
    #[error("throttled")]
    Throttled { retry_after: u32 },
    /// 501.
    #[error("not implemented")]
    NotImplemented,
    /// 500: our fault. The message is logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Error::BadRequest {
            code,
            detail: detail.into(),
        }
    }

    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Error::Conflict {
            code,
            detail: detail.into(),
        }
    }

    pub fn forbidden(code: &'static str, reason: impl Into<String>) -> Self {
        Error::Forbidden {
            code,
            reason: reason.into(),
        }
    }

    pub fn internal(what: impl std::fmt::Display) -> Self {
        Error::Internal(what.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden { .. } => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::Conflict { .. } => StatusCode::CONFLICT,
            Error::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Error::Gone { .. } => StatusCode::GONE,
            Error::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Error::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::NotImplemented => StatusCode::NOT_IMPLEMENTED,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable machine code (snake_case).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthorized(_) => "unauthorized",
            Error::Forbidden { code, .. }
            | Error::Conflict { code, .. }
            | Error::BadRequest { code, .. }
            | Error::Gone { code, .. }
            | Error::Unprocessable { code, .. } => code,
            Error::NotFound(_) => "not_found",
            Error::MethodNotAllowed => "method_not_allowed",
            Error::PreconditionFailed(_) => "precondition_failed",
            Error::PayloadTooLarge { .. } => "payload_too_large",
            Error::UnsupportedMediaType(_) => "unsupported_media_type",
            Error::Throttled { .. } => "throttled",
            Error::NotImplemented => "not_implemented",
            Error::Internal(_) => "internal_error",
        }
    }

    /// What the caller may read. Internal reasons of 401/403/5xx stay in the log.
    pub fn public_detail(&self) -> String {
        match self {
            Error::Unauthorized(_) => "Missing or invalid credentials.".into(),
            Error::Forbidden { code, .. } => forbidden_detail(code).into(),
            Error::NotFound(what) => format!("{what} not found."),
            Error::MethodNotAllowed => "Method not allowed on this resource.".into(),
            Error::Conflict { detail, .. }
            | Error::BadRequest { detail, .. }
            | Error::Gone { detail, .. }
            | Error::Unprocessable { detail, .. } => detail.clone(),
            Error::PreconditionFailed(detail) => detail.clone(),
            Error::PayloadTooLarge { limit } => format!("Request body over {limit} bytes."),
            Error::UnsupportedMediaType(detail) => detail.clone(),
            Error::Throttled { .. } => "Too many requests; retry later.".into(),
            Error::NotImplemented => "Not implemented.".into(),
            Error::Internal(_) => "Something went wrong on our side.".into(),
        }
    }

    /// RFC 7644 3.12 `scimType`, where the RFC defines one for this error.
    pub fn scim_type(&self) -> Option<&'static str> {
        match self.code() {
            "invalid_filter" => Some("invalidFilter"),
            "too_many" => Some("tooMany"),
            "uniqueness" => Some("uniqueness"),
            "mutability" => Some("mutability"),
            "invalid_syntax" => Some("invalidSyntax"),
            "invalid_path" => Some("invalidPath"),
            "no_target" => Some("noTarget"),
            "invalid_value" => Some("invalidValue"),
            "invalid_version" => Some("invalidVers"),
            _ => None,
        }
    }

    /// Writes the precise reason to the log: 5xx as errors, the rest as warnings.
    pub fn log(&self) {
        if self.status().is_server_error() {
            tracing::error!(code = self.code(), reason = %self, "request failed");
        } else {
            tracing::warn!(code = self.code(), status = self.status().as_u16(), reason = %self, "request refused");
        }
    }

    /// RFC 9457 problem+json.
    pub fn to_problem(&self, correlation_id: &str) -> Response<Body> {
        let status = self.status();
        let body = json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "code": self.code(),
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
        if let Some(scim_type) = self.scim_type() {
            body["scimType"] = json!(scim_type);
        }
        self.response(status, "application/scim+json", body.to_string())
    }

    /// A short page for browsers: the code, a sentence and the correlation id.
    pub fn to_html(&self, correlation_id: &str) -> Response<Body> {
        let page = crate::html::message_page(
            self.status().canonical_reason().unwrap_or("Error"),
            &self.public_detail(),
            &[("Code", self.code()), ("Correlation id", correlation_id)],
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
        if let Error::Unauthorized(_) = self {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

fn forbidden_detail(code: &str) -> &'static str {
    match code {
        "not_admin" => "An admin token is required.",
        "wrong_org" => "This token belongs to another org.",
        "user_not_bound" => {
            "Your account is not linked to your company's identity provider yet. Use the link in your binding email, or ask your admin to resend it."
        }
        "user_inactive" => "Your account is inactive. Ask your admin.",
        "sso_not_enabled" => "Single sign-on is not enabled for this company.",
        _ => "You are not allowed to do this.",
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
        let response = Error::conflict("not_verified", "Verify first.").to_problem("req-1");
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
        let response = Error::conflict("uniqueness", "userName taken").to_scim();
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
        let unauthorized = Error::Unauthorized("jwt signature mismatch").to_problem("c");
        assert!(!String::from_utf8_lossy(unauthorized.body().as_ref()).contains("mismatch"));
    }

    #[test]
    fn html_pages_escape_what_they_show() {
        let response = Error::bad_request("bad", "<script>x</script>").to_html("c");
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
