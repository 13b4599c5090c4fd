//! Every reason a SAML Response is refused: a precise `Display` for the log (never
//! raw XML, values clipped) and a short stable `code()` for the browser.

use crate::error::ErrorCode;

/// Why a SAML Response was refused. One variant per reason; several share a code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Rejection {
    /// The form value (or the XML) is over the cap (CONTRACT: 256 KiB, `413`).
    #[error("SAMLResponse is {len} bytes, over the {max}-byte cap")]
    TooLarge { len: usize, max: usize },
    /// The form value is not base64.
    #[error("SAMLResponse is not valid base64")]
    Base64,
    /// The decoded bytes are not UTF-8.
    #[error("SAMLResponse is not UTF-8")]
    NotUtf8,
    /// A DOCTYPE was found (entity expansion, XXE: CONTRACT refuses any DOCTYPE).
    #[error("document carries a DOCTYPE; DTDs are refused")]
    Doctype,
    /// The conforming parser refused the document; only its position and a clipped message.
    #[error("XML is not well-formed: {0}")]
    XmlParse(String),
    /// The document element is not `samlp:Response`.
    #[error("document element is not samlp:Response")]
    NotAResponse,
    /// `Version` is not "2.0" (SAML core 3.2.2, 2.3.3).
    #[error("{element} Version is {version}, expected 2.0")]
    WrongVersion {
        element: &'static str,
        version: String,
    },
    /// A required element is missing.
    #[error("missing required element {0}")]
    MissingElement(&'static str),
    /// An element the schema allows once appears more than once.
    #[error("more than one {0} element")]
    DuplicateElement(&'static str),
    /// A required attribute is missing.
    #[error("missing required attribute {0}")]
    MissingAttribute(&'static str),
    /// A value element holds a comment or PI (CVE-2017-11427 family).
    #[error("{0} holds a comment or processing instruction")]
    CommentInValue(&'static str),
    /// A value element holds child elements.
    #[error("{0} holds unexpected child elements")]
    UnexpectedContent(&'static str),
    /// A timestamp is not an xs:dateTime in UTC.
    #[error("{what} is not an xs:dateTime in UTC: {value}")]
    BadTime { what: &'static str, value: String },
    /// An `EncryptedAssertion` beside (or inside) a plain Assertion: one response, one
    /// assertion.
    #[error("response holds an EncryptedAssertion and a plain Assertion")]
    EncryptedAndPlain,
    /// The encryption structure outside the profile (checked before any crypto).
    #[error("encryption profile: {0}")]
    EncryptionProfile(&'static str),
    /// An element of the encryption structure is not the one its place requires.
    #[error("encryption profile: expected {0} here")]
    EncryptionElement(&'static str),
    /// Decryption failed, for whatever reason (key, padding, tag, clear text): one refusal.
    #[error("the EncryptedAssertion could not be decrypted: {0}")]
    DecryptionFailed(String),
    /// The Response's signature covered the ciphertext; the clear Assertion is unsigned.
    #[error("only the ciphertext is signed: the decrypted Assertion carries no signature")]
    CiphertextOnlySigned,
    /// `WANT_ASSERTIONS_SIGNED`: the Assertion itself must be signed, the Response's
    /// signature is not enough.
    #[error("the Assertion is not signed itself (WantAssertionsSigned)")]
    AssertionUnsigned,
    /// No `saml:Assertion` at all.
    #[error("response holds no Assertion")]
    NoAssertion,
    /// More than one `saml:Assertion` anywhere in the document.
    #[error("response holds {0} Assertion elements; exactly one is allowed")]
    MultipleAssertions(usize),
    /// The one Assertion is not a direct child of the Response (XSW).
    #[error("the Assertion is not a direct child of the Response")]
    AssertionNotChild,
    /// No `ds:Signature` at all.
    #[error("response carries no ds:Signature")]
    Unsigned,
    /// A `ds:Signature` outside the allowed shape (checked before any crypto).
    #[error("signature profile: {0}")]
    SignatureProfile(&'static str),
    /// A Reference URI that is not a bare `#id` (external, file, XPointer).
    #[error("signature profile: Reference URI {0} is not a bare same-document #id")]
    ReferenceUri(String),
    /// A c14n, signature, digest or transform algorithm outside the allow-list.
    #[error("{what} algorithm not allowed: {uri}")]
    AlgorithmNotAllowed { what: &'static str, uri: String },
    /// No signature sits directly in, and references, the Response or the Assertion.
    #[error("no signature is a direct child of, and references, the Response or the Assertion")]
    NotCovered,
    /// bergshamra refused a signature (digest, value, key, position).
    #[error("signature verification failed: {0}")]
    SignatureInvalid(String),
    /// Top-level StatusCode is not Success (SAML core 3.2.2.2).
    #[error("Status is {0}, not Success")]
    StatusNotSuccess(String),
    /// `Destination` differs from this ACS URL (SAML core 3.2.2, profiles 4.1.4.5).
    #[error("Destination {0} is not this ACS URL")]
    WrongDestination(String),
    /// A signed Response without `Destination` (profiles 4.1.4.5).
    #[error("signed Response has no Destination")]
    MissingDestination,
    /// An Issuer is not the org's IdP entity ID.
    #[error("{element} Issuer {value} is not the IdP entity ID")]
    WrongIssuer {
        element: &'static str,
        value: String,
    },
    /// An Issuer `Format` other than entity (profiles 4.1.4.2).
    #[error("{element} Issuer Format {value} is not entity")]
    WrongIssuerFormat {
        element: &'static str,
        value: String,
    },
    /// A signed Response without an Issuer (profiles 4.1.4.2).
    #[error("signed Response has no Issuer")]
    MissingResponseIssuer,
    /// Subject without `NameID` (EncryptedID and BaseID are not supported).
    #[error("Subject has no NameID")]
    MissingNameId,
    /// `NameID` is empty or whitespace.
    #[error("NameID is empty")]
    EmptyNameId,
    /// No bearer `SubjectConfirmation` (profiles 4.1.4.2).
    #[error("no bearer SubjectConfirmation")]
    NoBearerConfirmation,
    /// A bearer confirmation without `SubjectConfirmationData`.
    #[error("bearer SubjectConfirmation has no SubjectConfirmationData")]
    BearerWithoutData,
    /// `Recipient` differs from this ACS URL (profiles 4.1.4.3).
    #[error("Recipient {0} is not this ACS URL")]
    WrongRecipient(String),
    /// Bearer `SubjectConfirmationData` carries `NotBefore` (profiles 4.1.4.2).
    #[error("bearer SubjectConfirmationData has NotBefore")]
    BearerNotBefore,
    /// A NotOnOrAfter has passed (core 2.4.1.2, 2.5.1.2).
    #[error("{what} NotOnOrAfter {not_on_or_after} has passed (now {now})")]
    Expired {
        what: &'static str,
        not_on_or_after: i64,
        now: i64,
    },
    /// A NotBefore is still in the future (core 2.5.1.2).
    #[error("{what} NotBefore {not_before} is in the future (now {now})")]
    NotYetValid {
        what: &'static str,
        not_before: i64,
        now: i64,
    },
    /// Response and SubjectConfirmationData `InResponseTo` differ.
    #[error("InResponseTo of the Response and of SubjectConfirmationData differ")]
    InResponseToMismatch,
    /// Only the Assertion is signed and the unsigned Response envelope names a request
    /// the signed content does not: the envelope must not choose which request this
    /// answers (CONTRACT: "InResponseTo, read from signed content only").
    #[error("the unsigned Response's InResponseTo is not what the signed Assertion says")]
    UnsignedInResponseTo,
    /// No `AudienceRestriction` (profiles 4.1.4.2 requires one).
    #[error("no AudienceRestriction")]
    NoAudienceRestriction,
    /// An `AudienceRestriction` without this SP (core 2.5.1.4).
    #[error("an AudienceRestriction does not name this SP")]
    WrongAudience,
    /// A condition this SP does not understand (core 2.5.1.6: Indeterminate).
    #[error("unknown Condition")]
    UnknownCondition,
    /// No `AuthnStatement` (profiles 4.1.4.2).
    #[error("no AuthnStatement")]
    NoAuthnStatement,
}

impl Rejection {
    /// The short code shown to the user (with a correlation id); stable, snake_case.
    pub fn code(&self) -> ErrorCode {
        use Rejection::*;
        match self {
            TooLarge { .. } => ErrorCode::SamlTooLarge,
            Base64 | NotUtf8 | Doctype | XmlParse(_) | NotAResponse | WrongVersion { .. } => {
                ErrorCode::SamlMalformed
            }
            MissingElement(_) | DuplicateElement(_) | MissingAttribute(_) | BadTime { .. } => {
                ErrorCode::SamlMalformed
            }
            CommentInValue(_) | UnexpectedContent(_) => ErrorCode::SamlMalformed,
            NoAssertion | MultipleAssertions(_) | AssertionNotChild => {
                ErrorCode::SamlAssertionInvalid
            }
            EncryptedAndPlain => ErrorCode::SamlAssertionInvalid,
            EncryptionProfile(_) | EncryptionElement(_) => ErrorCode::SamlEncryptionInvalid,
            DecryptionFailed(_) => ErrorCode::SamlDecryptionFailed,
            Unsigned | NotCovered | CiphertextOnlySigned | AssertionUnsigned => {
                ErrorCode::SamlUnsigned
            }
            SignatureProfile(_) | ReferenceUri(_) | SignatureInvalid(_) => {
                ErrorCode::SamlSignatureInvalid
            }
            AlgorithmNotAllowed { .. } => ErrorCode::SamlAlgorithmNotAllowed,
            StatusNotSuccess(_) => ErrorCode::SamlStatusNotSuccess,
            WrongDestination(_) | MissingDestination => ErrorCode::SamlWrongDestination,
            WrongIssuer { .. } | WrongIssuerFormat { .. } | MissingResponseIssuer => {
                ErrorCode::SamlWrongIssuer
            }
            MissingNameId | EmptyNameId => ErrorCode::SamlMissingNameId,
            NoBearerConfirmation | BearerWithoutData | BearerNotBefore => {
                ErrorCode::SamlSubjectConfirmationInvalid
            }
            WrongRecipient(_) => ErrorCode::SamlWrongRecipient,
            Expired { .. } => ErrorCode::SamlExpired,
            NotYetValid { .. } => ErrorCode::SamlNotYetValid,
            InResponseToMismatch | UnsignedInResponseTo => ErrorCode::SamlInResponseToMismatch,
            NoAudienceRestriction | WrongAudience => ErrorCode::SamlWrongAudience,
            UnknownCondition => ErrorCode::SamlConditionsInvalid,
            NoAuthnStatement => ErrorCode::SamlNoAuthnStatement,
        }
    }
}

/// A value fit for a log line: at most 48 characters, control characters and
/// quotes escaped, marked when cut. Attacker-controlled text never goes out raw.
pub(crate) fn clip(value: &str) -> String {
    clip_to(value, 48)
}

/// Like [`clip`], for library error messages (which may quote an ID or a URI).
pub(crate) fn clip_long(value: &str) -> String {
    clip_to(value, 160)
}

fn clip_to(value: &str, max: usize) -> String {
    let mut out: String = value
        .chars()
        .take(max)
        .flat_map(char::escape_debug)
        .collect();
    if value.chars().nth(max).is_some() {
        out.push('…');
    }
    format!("\"{out}\"")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn a_long_value_is_cut_and_marked_in_log_output() {
        let shown = clip(&"victim@example.com".repeat(10));
        assert!(shown.ends_with("…\""), "{shown}");
        assert!(shown.chars().count() <= 48 + 3);
    }

    #[test]
    fn control_characters_and_quotes_are_escaped_so_a_value_cannot_forge_log_lines() {
        assert_eq!(clip("a\"b\nc"), "\"a\\\"b\\nc\"");
    }

    #[test]
    fn several_reasons_share_one_user_code_and_every_code_is_saml_snake_case() {
        let samples = [
            Rejection::Base64,
            Rejection::Doctype,
            Rejection::MissingElement("Subject"),
            Rejection::Unsigned,
            Rejection::NotCovered,
            Rejection::WrongAudience,
            Rejection::NoAudienceRestriction,
        ];
        assert_eq!(Rejection::Base64.code(), Rejection::Doctype.code());
        assert_eq!(Rejection::Unsigned.code(), Rejection::NotCovered.code());
        for r in samples {
            let code = r.code();
            assert!(code.as_str().starts_with("saml_"), "{code}");
        }
    }
}
