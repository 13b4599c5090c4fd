//! The one Error enum, and its three renderings: problem+json, SCIM error and HTML page.
//!
//! A refusal carries an [`ErrorCode`] (`code.rs`: every code, its one status, its scimType,
//! and whether its text is public) and a text. The caller sees the code, a short public
//! detail and a correlation id; never XML, tokens, secrets or a stack trace.

use http::StatusCode;

mod code;
#[cfg(feature = "runtime")]
mod render;

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
}
