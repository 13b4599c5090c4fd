//! Every error code of CONTRACT.md, each with its one HTTP status, its RFC 7644 `scimType`
//! where the RFC defines one, and (for refusals whose reason must stay in the log) the fixed
//! sentence the caller reads. The one place a code is spelled; nothing compares code strings.

use http::StatusCode;

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, $status:ident $(, scim $scim:literal)? $(, says $says:expr)? ;)*) => {
        /// A stable machine code (snake_case), as problem+json `code` and HTML pages show it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, for tests and documentation.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code as the caller sees it.
            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $text,)* }
            }

            /// The one HTTP status this code answers with.
            pub const fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::$status,)* }
            }

            /// RFC 7644 3.12 `scimType`, where the RFC defines one for this code.
            pub const fn scim_type(self) -> Option<&'static str> {
                match self { $(ErrorCode::$variant => codes!(@opt $($scim)?),)* }
            }

            /// The fixed sentence shown instead of the error's own text (which then stays in
            /// the log): for 401, 403 and 5xx codes, whose reasons are ours to keep.
            pub const fn fixed_detail(self) -> Option<&'static str> {
                match self { $(ErrorCode::$variant => codes!(@opt $($says)?),)* }
            }
        }
    };
    (@opt $value:expr) => { Some($value) };
    (@opt) => { None };
}

const SAML_REFUSED: &str = "The sign-in response from your identity provider was refused.";

codes! {
    // ---- 400: the request is malformed ----
    InvalidJson = "invalid_json", BAD_REQUEST;
    InvalidRequest = "invalid_request", BAD_REQUEST;
    InvalidValue = "invalid_value", BAD_REQUEST, scim "invalidValue";
    InvalidSyntax = "invalid_syntax", BAD_REQUEST, scim "invalidSyntax";
    InvalidFilter = "invalid_filter", BAD_REQUEST, scim "invalidFilter";
    InvalidPath = "invalid_path", BAD_REQUEST, scim "invalidPath";
    NoTarget = "no_target", BAD_REQUEST, scim "noTarget";
    InvalidVersion = "invalid_version", BAD_REQUEST, scim "invalidVers";
    TooMany = "too_many", BAD_REQUEST, scim "tooMany";
    BindingInvalid = "binding_invalid", BAD_REQUEST;
    /// A session code that is used, expired or unknown (`POST /session/exchange`).
    InvalidGrant = "invalid_grant", BAD_REQUEST;
    /// The ACS form has no `SAMLResponse`.
    SamlMissing = "saml_missing", BAD_REQUEST;
    /// The SAML response could not be read (base64, UTF-8, XML, required parts).
    SamlMalformed = "saml_malformed", BAD_REQUEST;
    /// An SP-built value was unusable (a relay state over 80 bytes, a bad request id).
    RelayStateTooLong = "relay_state_too_long", BAD_REQUEST;
    // ---- 401 ----
    Unauthorized = "unauthorized", UNAUTHORIZED, says "Missing or invalid credentials.";
    // ---- 403: authenticated, not allowed ----
    NotAdmin = "not_admin", FORBIDDEN, says "An admin token is required.";
    WrongOrg = "wrong_org", FORBIDDEN, says "This token belongs to another org.";
    CsrfFailed = "csrf_failed", FORBIDDEN, says "This change was not sent by the portal's own page. Reload the portal and try again.";
    UserNotBound = "user_not_bound", FORBIDDEN, says "Your account is not linked to your company's identity provider yet. Use the link in your binding email, or ask your admin to resend it.";
    UserInactive = "user_inactive", FORBIDDEN, says "Your account is inactive. Ask your admin.";
    SsoNotConfigured = "sso_not_configured", FORBIDDEN, says "Single sign-on is not set up for this company.";
    SamlNameIdUnnormalized = "saml_name_id_unnormalized", FORBIDDEN, says "Your identity provider sent a user name holding look-alike Unicode characters; ask your admin.";
    SamlMissingNameId = "saml_missing_name_id", FORBIDDEN, says SAML_REFUSED;
    SamlAssertionInvalid = "saml_assertion_invalid", FORBIDDEN, says SAML_REFUSED;
    SamlEncryptionInvalid = "saml_encryption_invalid", FORBIDDEN, says SAML_REFUSED;
    SamlDecryptionFailed = "saml_decryption_failed", FORBIDDEN, says SAML_REFUSED;
    SamlUnsigned = "saml_unsigned", FORBIDDEN, says SAML_REFUSED;
    SamlSignatureInvalid = "saml_signature_invalid", FORBIDDEN, says SAML_REFUSED;
    SamlAlgorithmNotAllowed = "saml_algorithm_not_allowed", FORBIDDEN, says SAML_REFUSED;
    SamlStatusNotSuccess = "saml_status_not_success", FORBIDDEN, says SAML_REFUSED;
    SamlWrongDestination = "saml_wrong_destination", FORBIDDEN, says SAML_REFUSED;
    SamlWrongIssuer = "saml_wrong_issuer", FORBIDDEN, says SAML_REFUSED;
    SamlSubjectConfirmationInvalid = "saml_subject_confirmation_invalid", FORBIDDEN, says SAML_REFUSED;
    SamlWrongRecipient = "saml_wrong_recipient", FORBIDDEN, says SAML_REFUSED;
    SamlExpired = "saml_expired", FORBIDDEN, says SAML_REFUSED;
    SamlNotYetValid = "saml_not_yet_valid", FORBIDDEN, says SAML_REFUSED;
    SamlInResponseToMismatch = "saml_in_response_to_mismatch", FORBIDDEN, says SAML_REFUSED;
    SamlWrongAudience = "saml_wrong_audience", FORBIDDEN, says SAML_REFUSED;
    SamlConditionsInvalid = "saml_conditions_invalid", FORBIDDEN, says SAML_REFUSED;
    SamlNoAuthnStatement = "saml_no_authn_statement", FORBIDDEN, says SAML_REFUSED;
    SamlUnknownRequest = "saml_unknown_request", FORBIDDEN, says SAML_REFUSED;
    SamlRequestExpired = "saml_request_expired", FORBIDDEN, says "This sign-in took too long. Start again from the app.";
    SamlReplay = "saml_replay", FORBIDDEN, says SAML_REFUSED;
    // ---- 404, 405 ----
    NotFound = "not_found", NOT_FOUND;
    MethodNotAllowed = "method_not_allowed", METHOD_NOT_ALLOWED;
    // ---- 409: the org's or the resource's state conflicts ----
    Uniqueness = "uniqueness", CONFLICT, scim "uniqueness";
    Mutability = "mutability", CONFLICT, scim "mutability";
    AlreadyBound = "already_bound", CONFLICT;
    IdentityAlreadyBound = "identity_already_bound", CONFLICT;
    SsoNotEnabled = "sso_not_enabled", CONFLICT, says "Single sign-on is not enabled for this company.";
    AlreadyEnabled = "already_enabled", CONFLICT;
    NotEnabled = "not_enabled", CONFLICT;
    NotConfigured = "not_configured", CONFLICT;
    NotVerified = "not_verified", CONFLICT;
    IdpChangeWhileEnabled = "idp_change_while_enabled", CONFLICT;
    OrgExists = "org_exists", CONFLICT;
    ConcurrentUpdate = "concurrent_update", CONFLICT;
    StatusChanged = "status_changed", CONFLICT;
    /// A write's condition failed for a reason no more precise code names.
    Conflict = "conflict", CONFLICT;
    // ---- 410 ----
    BindingExpired = "binding_expired", GONE;
    BindingUsed = "binding_used", GONE;
    // ---- 412, 413, 415 ----
    PreconditionFailed = "precondition_failed", PRECONDITION_FAILED;
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE;
    /// The SAML response is over 256 KiB (CONTRACT: `413`).
    SamlTooLarge = "saml_too_large", PAYLOAD_TOO_LARGE;
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE;
    // ---- 422: IdP metadata ingest ----
    MetadataUnreachable = "metadata_unreachable", UNPROCESSABLE_ENTITY;
    MetadataInvalid = "metadata_invalid", UNPROCESSABLE_ENTITY;
    NoSigningCertificate = "no_signing_certificate", UNPROCESSABLE_ENTITY;
    UrlNotAllowed = "url_not_allowed", UNPROCESSABLE_ENTITY;
    // ---- 429, 5xx ----
    Throttled = "throttled", TOO_MANY_REQUESTS, says "Too many requests; retry later.";
    InternalError = "internal_error", INTERNAL_SERVER_ERROR, says "Something went wrong on our side.";
    NotImplemented = "not_implemented", NOT_IMPLEMENTED, says "Not implemented.";
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lets tests (and only tests, in practice) compare a code to what the caller reads.
impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_snake_case_unique_and_private_where_it_must_be() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let text = code.as_str();
            assert!(
                text.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{text}"
            );
            assert!(seen.insert(text), "{text} twice");
            let status = code.status();
            if status == StatusCode::UNAUTHORIZED
                || status == StatusCode::FORBIDDEN
                || status.is_server_error()
            {
                assert!(
                    code.fixed_detail().is_some(),
                    "{text} would leak its reason"
                );
            }
        }
    }
}
