//! The named steps of the ACS chain, one rule each, each with its own rejection.
//! Section numbers are SAML 2.0 core (saml-core-2.0-os) and profiles
//! (saml-profiles-2.0-os, 4.1 Web Browser SSO).

use super::acs::{AcsContext, MAX_SAML_RESPONSE_BYTES};
use super::rejection::{Rejection, clip};
use super::time::parse_instant;
use super::xml::{
    SAML, SAMLP, attr, child_elements, children_named, is, leaf_text, optional_child,
    required_attr, required_child,
};
use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use uppsala::{Document, NodeId};

const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const ENTITY_FORMAT: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// Standard alphabet; padding optional (some IdPs and proxies drop it).
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Size cap on the base64 text, checked before decoding so a huge post costs
/// nothing (CONTRACT: over 256 KiB is `413`); then base64 (bindings 3.5.4), with
/// the whitespace and line breaks IdPs and browsers insert removed.
pub(crate) fn decode_form_value(b64: &str) -> Result<Vec<u8>, Rejection> {
    check_size(b64.len())?;
    let compact: Vec<u8> = b64.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    B64.decode(compact).map_err(|_| Rejection::Base64)
}

/// The same cap on the XML itself, for callers of `validate_xml`.
pub(crate) fn check_size(len: usize) -> Result<(), Rejection> {
    if len > MAX_SAML_RESPONSE_BYTES {
        return Err(Rejection::TooLarge {
            len,
            max: MAX_SAML_RESPONSE_BYTES,
        });
    }
    Ok(())
}

/// UTF-8 only (what every IdP sends); a leading BOM is dropped.
pub(crate) fn utf8(xml: &[u8]) -> Result<&str, Rejection> {
    let text = std::str::from_utf8(xml).map_err(|_| Rejection::NotUtf8)?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// CONTRACT refuses any DOCTYPE: entity expansion (billion laughs), external
/// entities (XXE) and DTD-declared ID attributes have no place in SAML. The
/// parser forbids DTDs too; this byte scan refuses before any parsing.
pub(crate) fn refuse_doctype(text: &str) -> Result<(), Rejection> {
    if text.contains("<!DOCTYPE") {
        return Err(Rejection::Doctype);
    }
    Ok(())
}

/// `Version="2.0"` on the Response (core 3.2.2) and the Assertion (core 2.3.3).
pub(crate) fn check_version(
    doc: &Document<'_>,
    id: NodeId,
    element: &'static str,
) -> Result<(), Rejection> {
    match attr(doc, id, "Version") {
        Some("2.0") => Ok(()),
        other => Err(Rejection::WrongVersion {
            element,
            version: clip(other.unwrap_or("")),
        }),
    }
}

/// The top-level StatusCode must be Success (core 3.2.2.2); anything else is the
/// IdP declining, whatever else the Response holds.
pub(crate) fn check_status(doc: &Document<'_>, response: NodeId) -> Result<(), Rejection> {
    let status = required_child(doc, response, SAMLP, "Status")?;
    let code = required_child(doc, status, SAMLP, "StatusCode")?;
    match required_attr(doc, code, "Value")? {
        SUCCESS => Ok(()),
        other => Err(Rejection::StatusNotSuccess(clip(other))),
    }
}

/// Destination, when present, must be this ACS URL (core 3.2.2); a signed Response
/// must carry it (profiles 4.1.4.5, bindings 3.5.5.2): otherwise a Response signed
/// for another SP of the same IdP could be replayed here.
pub(crate) fn check_destination(
    doc: &Document<'_>,
    response: NodeId,
    acs_url: &str,
    response_signed: bool,
) -> Result<(), Rejection> {
    match attr(doc, response, "Destination") {
        Some(d) if d == acs_url => Ok(()),
        Some(d) => Err(Rejection::WrongDestination(clip(d))),
        None if response_signed => Err(Rejection::MissingDestination),
        None => Ok(()),
    }
}

/// Issuer of the Assertion (required, core 2.3.3) and of the Response (optional,
/// but required when the Response is signed, profiles 4.1.4.2) must be the org's
/// IdP entity ID, with Format absent or entity (profiles 4.1.4.2, core 8.3.6).
pub(crate) fn check_issuers(
    doc: &Document<'_>,
    response: NodeId,
    assertion: NodeId,
    idp_entity_id: &str,
    response_signed: bool,
) -> Result<String, Rejection> {
    match optional_child(doc, response, SAML, "Issuer")? {
        Some(issuer) => check_issuer(doc, issuer, "Response", idp_entity_id)?,
        None if response_signed => return Err(Rejection::MissingResponseIssuer),
        None => {}
    }
    let issuer = required_child(doc, assertion, SAML, "Issuer")?;
    check_issuer(doc, issuer, "Assertion", idp_entity_id)?;
    Ok(idp_entity_id.to_owned())
}

fn check_issuer(
    doc: &Document<'_>,
    issuer: NodeId,
    element: &'static str,
    idp_entity_id: &str,
) -> Result<(), Rejection> {
    if let Some(format) = attr(doc, issuer, "Format").filter(|f| *f != ENTITY_FORMAT) {
        return Err(Rejection::WrongIssuerFormat {
            element,
            value: clip(format),
        });
    }
    let value = leaf_text(doc, issuer, "Issuer")?;
    if value != idp_entity_id {
        return Err(Rejection::WrongIssuer {
            element,
            value: clip(&value),
        });
    }
    Ok(())
}

/// The Assertion's one Subject (profiles 4.1.4.2: required for SSO).
pub(crate) fn subject(doc: &Document<'_>, assertion: NodeId) -> Result<NodeId, Rejection> {
    required_child(doc, assertion, SAML, "Subject")
}

/// The NameID: present (EncryptedID/BaseID unsupported), non-empty, read in full
/// (every text child joined; a comment inside is refused, CVE-2017-11427 family).
pub(crate) fn read_name_id(
    doc: &Document<'_>,
    subject: NodeId,
) -> Result<(String, Option<String>), Rejection> {
    let name_id = optional_child(doc, subject, SAML, "NameID")?.ok_or(Rejection::MissingNameId)?;
    let value = leaf_text(doc, name_id, "NameID")?;
    if value.trim().is_empty() {
        return Err(Rejection::EmptyNameId);
    }
    Ok((value, attr(doc, name_id, "Format").map(str::to_owned)))
}

/// What the bearer confirmations say, for the caller and the replay cache.
pub(crate) struct Bearer {
    pub in_response_to: Vec<String>,
    pub not_on_or_after: i64,
}

/// At least one bearer SubjectConfirmation (profiles 4.1.4.2), and every bearer
/// one checked (profiles 4.1.4.3): data present, Recipient is this ACS URL,
/// NotOnOrAfter not passed, no NotBefore.
pub(crate) fn check_bearer(
    doc: &Document<'_>,
    subject: NodeId,
    ctx: &AcsContext,
) -> Result<Bearer, Rejection> {
    let bearers: Vec<NodeId> = children_named(doc, subject, SAML, "SubjectConfirmation")
        .into_iter()
        .filter(|&c| attr(doc, c, "Method") == Some(BEARER))
        .collect();
    if bearers.is_empty() {
        return Err(Rejection::NoBearerConfirmation);
    }
    let mut out = Bearer {
        in_response_to: Vec::new(),
        not_on_or_after: i64::MAX,
    };
    for confirmation in bearers {
        let data = optional_child(doc, confirmation, SAML, "SubjectConfirmationData")?
            .ok_or(Rejection::BearerWithoutData)?;
        let end = check_bearer_data(doc, data, ctx)?;
        out.not_on_or_after = out.not_on_or_after.min(end);
        if let Some(irt) = attr(doc, data, "InResponseTo") {
            out.in_response_to.push(irt.to_owned());
        }
    }
    Ok(out)
}

/// One bearer SubjectConfirmationData (profiles 4.1.4.2): NotBefore MUST NOT be
/// there, Recipient and NotOnOrAfter MUST. Returns NotOnOrAfter.
fn check_bearer_data(doc: &Document<'_>, data: NodeId, ctx: &AcsContext) -> Result<i64, Rejection> {
    if attr(doc, data, "NotBefore").is_some() {
        return Err(Rejection::BearerNotBefore);
    }
    let recipient = required_attr(doc, data, "Recipient")?;
    if recipient != ctx.acs_url {
        return Err(Rejection::WrongRecipient(clip(recipient)));
    }
    let end = parse_instant(
        required_attr(doc, data, "NotOnOrAfter")?,
        "SubjectConfirmationData NotOnOrAfter",
    )?;
    not_expired("SubjectConfirmationData", end, ctx)?;
    Ok(end)
}

/// Still valid: `now - skew < NotOnOrAfter` (core 2.4.1.2, 2.5.1.2).
pub(crate) fn not_expired(what: &'static str, end: i64, ctx: &AcsContext) -> Result<(), Rejection> {
    if end <= ctx.now.saturating_sub(ctx.skew_secs) {
        return Err(Rejection::Expired {
            what,
            not_on_or_after: end,
            now: ctx.now,
        });
    }
    Ok(())
}

/// Already valid: `NotBefore <= now + skew` (core 2.5.1.2).
fn not_before(what: &'static str, start: i64, ctx: &AcsContext) -> Result<(), Rejection> {
    if start > ctx.now.saturating_add(ctx.skew_secs) {
        return Err(Rejection::NotYetValid {
            what,
            not_before: start,
            now: ctx.now,
        });
    }
    Ok(())
}

/// Response InResponseTo and every SubjectConfirmationData InResponseTo must agree
/// where present (profiles 4.1.4.3); the agreed value goes back to the caller,
/// who must find it stored (or, when absent, allow IdP-initiated login).
///
/// Read from signed content only (CONTRACT): when the Response is not signed, its
/// `InResponseTo` is the attacker's to write, so only the Assertion's bearer
/// confirmations count; an unsigned envelope value that they do not carry is refused
/// rather than allowed to pick a stored request (and so its purpose: verify, bind).
pub(crate) fn agree_in_response_to(
    doc: &Document<'_>,
    response: NodeId,
    from_bearers: &[String],
    response_signed: bool,
) -> Result<Option<String>, Rejection> {
    let envelope = attr(doc, response, "InResponseTo");
    let signed_envelope = envelope.filter(|_| response_signed);
    let mut all = signed_envelope
        .into_iter()
        .chain(from_bearers.iter().map(String::as_str));
    let first = all.next();
    if all.any(|other| Some(other) != first) {
        return Err(Rejection::InResponseToMismatch);
    }
    if let Some(unsigned) = envelope.filter(|_| !response_signed)
        && first != Some(unsigned)
    {
        return Err(Rejection::UnsignedInResponseTo);
    }
    Ok(first.map(str::to_owned))
}

/// Conditions (core 2.5.1): NotBefore/NotOnOrAfter within the skew; every
/// AudienceRestriction names this SP (core 2.5.1.4: each must be satisfied) and
/// at least one exists (profiles 4.1.4.2); OneTimeUse is enforced by the caller's
/// replay cache, ProxyRestriction is moot (this SP issues no assertions); any
/// other condition is not understood, so the assertion is Indeterminate (2.5.1.6).
pub(crate) fn check_conditions(
    doc: &Document<'_>,
    assertion: NodeId,
    ctx: &AcsContext,
) -> Result<Option<i64>, Rejection> {
    let conditions = optional_child(doc, assertion, SAML, "Conditions")?
        .ok_or(Rejection::NoAudienceRestriction)?;
    if let Some(start) = attr(doc, conditions, "NotBefore") {
        not_before(
            "Conditions",
            parse_instant(start, "Conditions NotBefore")?,
            ctx,
        )?;
    }
    let end = match attr(doc, conditions, "NotOnOrAfter") {
        Some(end) => Some(parse_instant(end, "Conditions NotOnOrAfter")?),
        None => None,
    };
    if let Some(end) = end {
        not_expired("Conditions", end, ctx)?;
    }
    check_audiences(doc, conditions, ctx.sp_entity_id)?;
    Ok(end)
}

fn check_audiences(doc: &Document<'_>, conditions: NodeId, sp: &str) -> Result<(), Rejection> {
    let mut restrictions = 0;
    for condition in child_elements(doc, conditions).collect::<Vec<_>>() {
        if is(doc, condition, SAML, "AudienceRestriction") {
            restrictions += 1;
            let mut names_sp = false;
            for audience in children_named(doc, condition, SAML, "Audience") {
                // xs:anyURI collapses whitespace: surrounding blanks are not part of it.
                names_sp |= leaf_text(doc, audience, "Audience")?.trim() == sp;
            }
            if !names_sp {
                return Err(Rejection::WrongAudience);
            }
        } else if !is(doc, condition, SAML, "OneTimeUse")
            && !is(doc, condition, SAML, "ProxyRestriction")
        {
            return Err(Rejection::UnknownCondition);
        }
    }
    if restrictions == 0 {
        return Err(Rejection::NoAudienceRestriction);
    }
    Ok(())
}

/// At least one AuthnStatement (profiles 4.1.4.2); the earliest
/// SessionNotOnOrAfter (core 2.7.2), which must not have passed, is returned.
pub(crate) fn check_authn_statement(
    doc: &Document<'_>,
    assertion: NodeId,
    ctx: &AcsContext,
) -> Result<Option<i64>, Rejection> {
    let statements = children_named(doc, assertion, SAML, "AuthnStatement");
    if statements.is_empty() {
        return Err(Rejection::NoAuthnStatement);
    }
    let mut earliest: Option<i64> = None;
    for statement in statements {
        if let Some(end) = attr(doc, statement, "SessionNotOnOrAfter") {
            let end = parse_instant(end, "AuthnStatement SessionNotOnOrAfter")?;
            not_expired("AuthnStatement SessionNotOnOrAfter", end, ctx)?;
            earliest = Some(earliest.map_or(end, |e| e.min(end)));
        }
    }
    Ok(earliest)
}

/// Attributes of every AttributeStatement (core 2.7.3), text values read in full. A
/// value holding elements (eduPersonTargetedID holds a `saml:NameID`; core 2.7.3.1.1
/// allows any content) is valid but not text: it is skipped, so that the values kept
/// are only ever whole strings.
pub(crate) fn read_attributes(
    doc: &Document<'_>,
    assertion: NodeId,
) -> Result<Vec<(String, Vec<String>)>, Rejection> {
    let mut out = Vec::new();
    for statement in children_named(doc, assertion, SAML, "AttributeStatement") {
        for attribute in children_named(doc, statement, SAML, "Attribute") {
            let name = required_attr(doc, attribute, "Name")?.to_owned();
            let values = children_named(doc, attribute, SAML, "AttributeValue")
                .into_iter()
                .filter(|&v| child_elements(doc, v).next().is_none())
                .map(|v| leaf_text(doc, v, "AttributeValue"))
                .collect::<Result<Vec<_>, _>>()?;
            out.push((name, values));
        }
    }
    Ok(out)
}
