//! The three renderings of an [`Error`]: problem+json, SCIM error and HTML page, as
//! Lambda HTTP responses.

use http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::json;

use super::{Error, ErrorCode};

impl Error {
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
    use crate::error::ErrorCode;

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
