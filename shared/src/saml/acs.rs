//! The ACS validation chain: a posted `SAMLResponse` in, a [`ValidatedAssertion`]
//! or one precise [`Rejection`] out. Pure: time and keys are passed in; the
//! InResponseTo lookup and the replay cache (database) are the caller's, fed by
//! the values returned here. Modelled on crewjam/saml's `service_provider.go`.

use super::acs_steps as step;
use super::decrypt::{self, DecryptionKeys};
use super::rejection::Rejection;
use super::verify::{self, SignedElement, TrustedKeys, Verified};
use super::xml::required_attr;
use uppsala::Document;

/// CONTRACT: a `SAMLResponse` over 256 KiB is refused (`413`).
pub const MAX_SAML_RESPONSE_BYTES: usize = 256 * 1024;

/// What the ACS must know about this org and this moment.
pub struct AcsContext<'a> {
    /// This SP's entity ID (`{base}/saml/{companyId}`), the required Audience.
    pub sp_entity_id: &'a str,
    /// This ACS URL (`{base}/saml/{companyId}/acs`): Destination and Recipient.
    pub acs_url: &'a str,
    /// The org's IdP entity ID from its metadata: the required Issuer.
    pub idp_entity_id: &'a str,
    /// The org's IdP signing keys, built once per cold start.
    pub trusted: &'a TrustedKeys,
    /// The SP's decryption keys, for an `EncryptedAssertion`.
    pub decryption: &'a DecryptionKeys,
    /// `WANT_ASSERTIONS_SIGNED`: the Assertion must be signed itself (a signed Response
    /// alone is not enough). An encrypted Assertion always must.
    pub want_assertions_signed: bool,
    /// Now, in unix seconds.
    pub now: i64,
    /// Allowed clock skew, in seconds, applied to every time check.
    pub skew_secs: i64,
}

/// Everything the caller needs from an accepted Response, read from the signed
/// element of the same parsed document that was verified.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidatedAssertion {
    pub response_id: String,
    pub assertion_id: String,
    pub issuer: String,
    pub name_id: String,
    pub name_id_format: Option<String>,
    /// The request this answers, from signed content only (the Response's when it is
    /// signed, SubjectConfirmationData's); the caller must find it stored and
    /// unexpired, or allow IdP-initiated login.
    pub in_response_to: Option<String>,
    pub session_not_on_or_after: Option<i64>,
    /// The earliest of Conditions/SubjectConfirmationData NotOnOrAfter: the
    /// replay-cache TTL for `ASSERTION#{issuer}#{assertion_id}`.
    pub not_on_or_after: i64,
    pub attributes: Vec<(String, Vec<String>)>,
    pub signed_element: SignedElement,
}

impl std::fmt::Debug for ValidatedAssertion {
    /// The NameID and attribute values are personal data: never in a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.attributes.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("ValidatedAssertion")
            .field("response_id", &self.response_id)
            .field("assertion_id", &self.assertion_id)
            .field("issuer", &self.issuer)
            .field(
                "name_id",
                &format_args!("<{} chars>", self.name_id.chars().count()),
            )
            .field("name_id_format", &self.name_id_format)
            .field("in_response_to", &self.in_response_to)
            .field("session_not_on_or_after", &self.session_not_on_or_after)
            .field("not_on_or_after", &self.not_on_or_after)
            .field("attribute_names", &names)
            .field("signed_element", &self.signed_element)
            .finish()
    }
}

/// The form field as posted: cap the base64 text at 256 KiB before decoding,
/// decode (whitespace and newlines tolerated), then [`validate_xml`].
pub fn validate_form_value(
    saml_response_b64: &str,
    ctx: &AcsContext,
) -> Result<ValidatedAssertion, Rejection> {
    let xml = step::decode_form_value(saml_response_b64)?;
    validate_xml(&xml, ctx)
}

/// Validate a decoded Response. The envelope is checked, then the signature
/// layer, then the protocol rules on the verified tree.
pub fn validate_xml(xml: &[u8], ctx: &AcsContext) -> Result<ValidatedAssertion, Rejection> {
    step::check_size(xml.len())?;
    let text = step::utf8(xml)?;
    step::refuse_doctype(text)?;
    let doc = verify::parse(text)?;
    let response = verify::response_root(&doc)?;
    step::check_version(&doc, response, "Response")?;
    // Before the signature layer, as crewjam does: an IdP error (Responder,
    // Requester...) usually has no assertion, and its status is the useful reason.
    // Reading an unsigned value only to refuse cannot help an attacker.
    step::check_status(&doc, response)?;
    if decrypt::is_encrypted(&doc) {
        let clear = decrypt::decrypted_response(&doc, text, response, ctx.decryption, ctx.trusted)?;
        return validate_clear(&clear, ctx);
    }
    let verified = verify::verify_signatures(&doc, text, ctx.trusted)?;
    read_verified(&doc, &verified, ctx, ctx.want_assertions_signed)
}

/// The decrypted Response, parsed again and held to every rule, its Assertion's own
/// signature required.
fn validate_clear(clear: &str, ctx: &AcsContext) -> Result<ValidatedAssertion, Rejection> {
    step::refuse_doctype(clear)?;
    let doc = verify::parse(clear)?;
    let verified = verify::verify_signatures(&doc, clear, ctx.trusted)?;
    read_verified(&doc, &verified, ctx, true)
}

/// The protocol rules of SAML profiles 4.1.4.2-4.1.4.3 on the verified tree.
fn read_verified(
    doc: &Document<'_>,
    v: &Verified,
    ctx: &AcsContext,
    assertion_signature_required: bool,
) -> Result<ValidatedAssertion, Rejection> {
    if assertion_signature_required && !v.assertion_signed {
        return Err(Rejection::AssertionUnsigned);
    }
    let (response, assertion) = (v.response, v.assertion);
    step::check_version(doc, assertion, "Assertion")?;
    step::check_destination(doc, response, ctx.acs_url, v.response_signed)?;
    let issuer = step::check_issuers(
        doc,
        response,
        assertion,
        ctx.idp_entity_id,
        v.response_signed,
    )?;
    let subject = step::subject(doc, assertion)?;
    let (name_id, name_id_format) = step::read_name_id(doc, subject)?;
    let bearer = step::check_bearer(doc, subject, ctx)?;
    let in_response_to =
        step::agree_in_response_to(doc, response, &bearer.in_response_to, v.response_signed)?;
    let conditions_end = step::check_conditions(doc, assertion, ctx)?;
    let session_not_on_or_after = step::check_authn_statement(doc, assertion, ctx)?;
    Ok(ValidatedAssertion {
        response_id: required_attr(doc, response, "ID")?.to_owned(),
        assertion_id: required_attr(doc, assertion, "ID")?.to_owned(),
        issuer,
        name_id,
        name_id_format,
        in_response_to,
        session_not_on_or_after,
        not_on_or_after: conditions_end
            .map_or(bearer.not_on_or_after, |c| c.min(bearer.not_on_or_after)),
        attributes: step::read_attributes(doc, assertion)?,
        signed_element: v.signed_element(),
    })
}
