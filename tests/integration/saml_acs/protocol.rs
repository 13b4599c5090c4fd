//! Protocol rules on validly signed responses: status, destination, issuer,
//! subject, bearer confirmation, InResponseTo, time windows, audience, AuthnStatement.

use super::common::*;
use shared::saml::{AcsContext, Rejection, validate_xml};

const SIGNED: &str = "okta-signed-assertion.xml";

fn validate_with(
    xml: &str,
    change: impl FnOnce(&mut AcsContext<'static>),
) -> Result<(), Rejection> {
    let mut c = ctx();
    change(&mut c);
    validate_xml(xml.as_bytes(), &c).map(|_| ())
}

#[test]
fn a_signed_response_with_status_responder_is_refused() {
    let err = rejected(&fixture("status-responder.xml"));
    assert!(matches!(err, Rejection::StatusNotSuccess(_)), "{err}");
    assert_eq!(err.code(), "saml_status_not_success");
}

#[test]
fn an_unsigned_status_changed_on_a_signed_assertion_response_is_refused() {
    let xml = replace_once(&fixture(SIGNED), "status:Success", "status:Requester");
    assert!(matches!(rejected(&xml), Rejection::StatusNotSuccess(_)));
}

#[test]
fn a_destination_other_than_this_acs_is_refused() {
    // The Response is unsigned here, so changing it keeps the signature valid.
    let xml = replace_once(
        &fixture(SIGNED),
        &format!("Destination=\"{ACS}\""),
        "Destination=\"https://other.example.com/acs\"",
    );
    let err = rejected(&xml);
    assert!(matches!(err, Rejection::WrongDestination(_)), "{err}");
    assert_eq!(err.code(), "saml_wrong_destination");
}

#[test]
fn a_response_for_another_acs_url_is_refused() {
    let err = validate_with(&fixture("okta-signed-response.xml"), |c| {
        c.acs_url = "https://sp.example.com/saml/other/acs"
    });
    assert!(
        matches!(err, Err(Rejection::WrongDestination(_))),
        "{err:?}"
    );
}

#[test]
fn a_signed_response_without_destination_is_refused() {
    assert_eq!(
        rejected(&fixture("signed-response-no-destination.xml")),
        Rejection::MissingDestination
    );
}

#[test]
fn an_unsigned_response_may_omit_destination() {
    let xml = replace_once(&fixture(SIGNED), &format!(" Destination=\"{ACS}\""), "");
    assert!(validate(&xml).is_ok());
}

#[test]
fn a_recipient_other_than_this_acs_is_refused() {
    let err = rejected(&fixture("wrong-recipient.xml"));
    assert!(matches!(err, Rejection::WrongRecipient(_)), "{err}");
    assert_eq!(err.code(), "saml_wrong_recipient");
}

#[test]
fn an_issuer_other_than_the_orgs_idp_is_refused() {
    let err = validate_with(&fixture(SIGNED), |c| {
        c.idp_entity_id = "http://www.okta.com/exkOTHER"
    })
    .unwrap_err();
    assert!(
        matches!(
            err,
            Rejection::WrongIssuer {
                element: "Response",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.code(), "saml_wrong_issuer");
}

#[test]
fn an_unsigned_response_issuer_that_differs_is_refused() {
    let xml = replace_once(
        &fixture(SIGNED),
        &format!("nameid-format:entity\">{IDP}</saml2:Issuer><saml2p:Status"),
        "nameid-format:entity\">http://evil.example</saml2:Issuer><saml2p:Status",
    );
    assert!(matches!(
        rejected(&xml),
        Rejection::WrongIssuer {
            element: "Response",
            ..
        }
    ));
}

#[test]
fn an_issuer_with_a_non_entity_format_is_refused() {
    let xml = replacen_first_issuer_format(&fixture(SIGNED));
    assert!(matches!(
        rejected(&xml),
        Rejection::WrongIssuerFormat { .. }
    ));
}

fn replacen_first_issuer_format(xml: &str) -> String {
    xml.replacen("nameid-format:entity", "nameid-format:unspecified", 1)
}

#[test]
fn an_audience_other_than_this_sp_is_refused() {
    let err = validate_with(&fixture(SIGNED), |c| {
        c.sp_entity_id = "https://sp.example.com/saml/other"
    })
    .unwrap_err();
    assert_eq!(err, Rejection::WrongAudience);
    assert_eq!(err.code(), "saml_wrong_audience");
}

#[test]
fn a_second_audience_restriction_without_this_sp_is_refused() {
    assert_eq!(
        rejected(&fixture("second-audience-restriction.xml")),
        Rejection::WrongAudience
    );
}

#[test]
fn an_expired_assertion_is_refused() {
    let err = validate_with(&fixture(SIGNED), |c| c.now = NOW + 10 * 60).unwrap_err();
    assert!(matches!(err, Rejection::Expired { .. }), "{err}");
    assert_eq!(err.code(), "saml_expired");
}

#[test]
fn an_assertion_just_past_not_on_or_after_is_still_accepted_within_the_skew() {
    assert!(validate_with(&fixture(SIGNED), |c| c.now = NOW + 5 * 60 + 59).is_ok());
    assert!(validate_with(&fixture(SIGNED), |c| c.now = NOW + 5 * 60 + 60).is_err());
}

#[test]
fn an_assertion_not_yet_valid_is_refused() {
    let err = validate_with(&fixture(SIGNED), |c| c.now = NOW - 5 * 60 - 61).unwrap_err();
    assert!(
        matches!(
            err,
            Rejection::NotYetValid {
                what: "Conditions",
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(err.code(), "saml_not_yet_valid");
    assert!(validate_with(&fixture(SIGNED), |c| c.now = NOW - 5 * 60 - 60).is_ok());
}

#[test]
fn a_bearer_confirmation_data_with_not_before_is_refused() {
    assert_eq!(
        rejected(&fixture("scd-not-before.xml")),
        Rejection::BearerNotBefore
    );
}

#[test]
fn a_subject_without_a_bearer_confirmation_is_refused() {
    let err = rejected(&fixture("no-bearer-confirmation.xml"));
    assert_eq!(err, Rejection::NoBearerConfirmation);
    assert_eq!(err.code(), "saml_subject_confirmation_invalid");
}

#[test]
fn an_empty_name_id_is_refused() {
    let err = rejected(&fixture("empty-name-id.xml"));
    assert_eq!(err, Rejection::EmptyNameId);
    assert_eq!(err.code(), "saml_missing_name_id");
}

#[test]
fn an_assertion_without_authn_statement_is_refused() {
    let err = rejected(&fixture("no-authn-statement.xml"));
    assert_eq!(err, Rejection::NoAuthnStatement);
    assert_eq!(err.code(), "saml_no_authn_statement");
}

#[test]
fn an_unsigned_envelope_in_response_to_that_differs_from_the_signed_one_is_refused() {
    let xml = replace_once(
        &fixture(SIGNED),
        &format!(" InResponseTo=\"{REQ_ID}\" IssueInstant"),
        " InResponseTo=\"_other\" IssueInstant",
    );
    let refused = rejected(&xml);
    assert_eq!(refused, Rejection::UnsignedInResponseTo);
    assert_eq!(refused.code(), "saml_in_response_to_mismatch");
}

/// Issue 10, case 3: only the Assertion is signed, and it answers no request; an
/// InResponseTo written into the unsigned envelope must not choose a stored request
/// (and so its purpose: verify, bind).
#[test]
fn an_in_response_to_only_on_the_unsigned_envelope_is_refused() {
    let xml = fixture("idp-initiated.xml").replacen(
        " IssueInstant",
        " InResponseTo=\"_only-here\" IssueInstant",
        1,
    );
    assert_eq!(rejected(&xml), Rejection::UnsignedInResponseTo);
}

#[test]
fn a_signed_response_reads_in_response_to_from_the_envelope_and_the_assertion() {
    let v = validate(&fixture("okta-signed-response.xml")).unwrap();
    assert_eq!(v.in_response_to.as_deref(), Some(REQ_ID));
    let v = validate(&fixture("okta-signed-assertion.xml")).unwrap();
    assert_eq!(v.in_response_to.as_deref(), Some(REQ_ID));
}
