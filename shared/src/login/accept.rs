//! The ACS chain for one org, after the signature and protocol checks of `saml::acs`:
//! the stored request (consumed once), the replay cache, SSO status, who the assertion
//! reaches and the session.
//!
//! Which step covers which rule of CONTRACT.md "SAML service provider":
//! - signed by the org's metadata certificates, only the signed element read, Issuer,
//!   Audience, Recipient/Destination, time window with skew, one Assertion, no DOCTYPE,
//!   no SHA-1, no key from KeyInfo, size cap: `saml::acs::validate_form_value`.
//! - metadata without a signing certificate never validates: `KeyCache::get_or_parse`
//!   refuses zero certificates, and ingest refuses such metadata (samael's own xmlsec
//!   path fails open there; it is not used).
//! - InResponseTo, from signed content only (`saml::acs`), names a stored, unexpired
//!   request of this org, used once: `resolve_request` (a DeleteItem conditional on the
//!   org, returning the old item; SAML profiles 4.1.4.3). Another org's ID stays usable.
//! - IdP-initiated only for plain login: `resolve_request` answers `None`.
//! - the assertion ID never seen before: `Store::remember_assertion` until NotOnOrAfter
//!   (SAML profiles 4.1.4.5).
//! - SSO enabled (purpose verify aside): `require_enabled`; which account, active and
//!   bound: `identity::reach` (the one decision), carried out by `reached`.

use crate::app::App;
use crate::error::{Error, ErrorCode};
use crate::identity::reach::{self, Candidates, Reach, Refusal};
use crate::identity::{NameId, NameIdError};
use crate::model::{AuthnRequest, Purpose, SsoConfig, SsoStatus, User};
use crate::saml::{AcsContext, Rejection, ValidatedAssertion, validate_form_value};
use crate::store::saml::Consumed;
use crate::types::{CompanyId, UserId};

use super::{acs_url, org_config, session, sp_entity_id};

#[derive(Debug)]
pub enum Accepted {
    /// Logged in (possibly just bound): where to go, with the session cookie to set when
    /// the handoff is by cookie (by code, the redirect carries the code).
    Session {
        redirect: String,
        cookie: Option<String>,
        user: Box<User>,
    },
    /// The admin's test login succeeded: the configuration is verified.
    Verified { name_id: String },
}

/// Maps a validation rejection to what the caller sees; the precise reason is logged.
fn rejected(rejection: Rejection) -> Error {
    match rejection.code() {
        ErrorCode::SamlTooLarge => Error::PayloadTooLarge {
            limit: crate::saml::acs::MAX_SAML_RESPONSE_BYTES,
        },
        code @ ErrorCode::SamlMalformed => Error::new(code, "The SAML response could not be read."),
        code => Error::new(code, rejection.to_string()),
    }
}

/// The asserted NameID as an identity value: one with Unicode compatibility characters
/// reaches no account (CONTRACT.md "Tenancy and identity": ACS `403`, its own code).
fn asserted_name_id(raw: &str) -> Result<NameId, Error> {
    NameId::parse(raw).map_err(|e| match e {
        NameIdError::NotStable => Error::new(ErrorCode::SamlNameIdUnnormalized, e.to_string()),
        NameIdError::Malformed => Error::new(ErrorCode::SamlMissingNameId, e.to_string()),
    })
}

/// Maps a refusal of `identity::reach` to its code.
fn refused(refusal: Refusal) -> Error {
    match refusal {
        Refusal::NotBound(_) => Error::new(ErrorCode::UserNotBound, refusal.to_string()),
        Refusal::Inactive(_) => Error::new(ErrorCode::UserInactive, refusal.to_string()),
        Refusal::AccountBoundElsewhere => Error::new(
            ErrorCode::AlreadyBound,
            "This account is bound to another identity.",
        ),
        Refusal::IdentityTaken(_) => Error::new(
            ErrorCode::IdentityAlreadyBound,
            "This identity is already bound to another account. Ask your admin.",
        ),
    }
}

/// The ACS for one org. Every outcome, accepted or refused, writes an audit event naming
/// the rule applied (refusals once the org is known to have an IdP).
pub async fn accept(
    app: &App,
    org: &CompanyId,
    saml_response: &str,
    relay_state: Option<&str>,
) -> Result<Accepted, Error> {
    let config = org_config(app, org).await?;
    let result = accept_for(app, org, &config, saml_response, relay_state).await;
    if let Err(error) = &result {
        record_refusal(app, org, error).await;
    }
    result
}

/// The refusal's event: its code and internal reason, for the admin's audit trail. A
/// failure to write it is logged; the caller still gets the refusal.
async fn record_refusal(app: &App, org: &CompanyId, error: &Error) {
    if error.status().is_server_error() {
        return;
    }
    let event = app.audit(
        "idp",
        "saml.refused",
        org.as_str(),
        serde_json::json!({ "code": error.code().as_str(), "reason": error.to_string() }),
    );
    if let Err(e) = app.store.record_event(org, &event).await {
        tracing::warn!(error = %e, "could not record the refusal's audit event");
    }
}

async fn accept_for(
    app: &App,
    org: &CompanyId,
    config: &SsoConfig,
    saml_response: &str,
    relay_state: Option<&str>,
) -> Result<Accepted, Error> {
    let keys = app
        .idp_keys
        .get_or_parse(org.as_str(), config.version, &certs(config))?;
    let (sp_entity, acs) = (sp_entity_id(app, org), acs_url(app, org));
    let sp_keys = app.sp_keys().await?;
    let ctx = AcsContext {
        sp_entity_id: &sp_entity,
        acs_url: &acs,
        idp_entity_id: config.idp_entity_id.as_deref().unwrap_or_default(),
        trusted: &keys,
        decryption: &sp_keys.decryption,
        want_assertions_signed: app.config.want_assertions_signed,
        now: app.now().unix_timestamp(),
        skew_secs: app.config.clock_skew.as_secs() as i64,
    };
    let assertion = validate_form_value(saml_response, &ctx).map_err(rejected)?;
    let name_id = asserted_name_id(&assertion.name_id)?;
    let request = resolve_request(app, org, &assertion).await?;
    remember(app, &assertion).await?;
    let (purpose, relay) = match request {
        Some(r) => (r.purpose, r.relay),
        None => (Purpose::Login, relay_state.map(str::to_owned)),
    };
    match purpose {
        Purpose::Verify => verify(app, org, config, &name_id).await,
        Purpose::Login => {
            require_enabled(config)?;
            let found = candidates(app, org, &name_id, None).await?;
            let reach = reach::for_login(&name_id, found).map_err(refused)?;
            let user = reached(app, &reach, &name_id, None).await?;
            session(app, user, relay.as_deref()).await
        }
        Purpose::Bind {
            binding_user,
            binding_token,
        } => {
            require_enabled(config)?;
            let user = app
                .store
                .get_user(org, &binding_user)
                .await?
                .ok_or(Error::new(
                    ErrorCode::UserNotBound,
                    "the link's user is gone",
                ))?;
            let found = candidates(app, org, &name_id, Some(&user)).await?;
            let reach = reach::for_bind(&name_id, user, found).map_err(refused)?;
            let user = reached(app, &reach, &name_id, Some(&binding_token)).await?;
            session(app, user, relay.as_deref()).await
        }
    }
}

/// What the store holds for `name_id`: the holders of its key as a NameID binding and as
/// a userName (one BatchGetItem), then their users (`known` is not read again).
async fn candidates(
    app: &App,
    org: &CompanyId,
    name_id: &NameId,
    known: Option<&User>,
) -> Result<Candidates, Error> {
    let (bound, named) = app.store.identity_holders(org, &name_id.key()).await?;
    let read = |id: Option<UserId>| async move {
        match id {
            Some(id) if known.is_some_and(|k| k.id == id) => Ok(known.cloned()),
            Some(id) => app.store.get_user(org, &id).await,
            None => Ok(None),
        }
    };
    if bound.is_some() && bound == named {
        let user = read(bound).await?;
        return Ok(Candidates {
            bound: user.clone(),
            by_user_name: user,
        });
    }
    let (bound, by_user_name) = futures_util::join!(read(bound), read(named));
    Ok(Candidates {
        bound: bound?,
        by_user_name: by_user_name?,
    })
}

/// Carries out a reach: a binding one binds (user, NameID guard, event, and a link marked
/// used, in one transaction); a plain login records its event.
async fn reached(
    app: &App,
    reach: &Reach,
    name_id: &NameId,
    link: Option<&str>,
) -> Result<User, Error> {
    let user = reach.user();
    if reach.binds() {
        return crate::binding::bind(app, reach, name_id, link).await;
    }
    let event = app.audit(
        "idp",
        "saml.login",
        user.id.as_str(),
        serde_json::json!({ "rule": reach.rule() }),
    );
    app.store.record_event(&user.company_id, &event).await?;
    Ok(user.clone())
}

fn certs(config: &SsoConfig) -> Vec<String> {
    config
        .certificates
        .iter()
        .map(|c| c.der_base64.clone())
        .collect()
}

fn require_enabled(config: &SsoConfig) -> Result<(), Error> {
    crate::sso::require_enabled(Some(config.status), "login while SSO is not enabled")
}

/// SP-initiated: this org's stored request, consumed once, unexpired. Another org's
/// request ID is refused and left usable by its org (the delete is conditional on the
/// org). IdP-initiated (no InResponseTo in signed content): `None`, plain login only.
async fn resolve_request(
    app: &App,
    org: &CompanyId,
    assertion: &ValidatedAssertion,
) -> Result<Option<AuthnRequest>, Error> {
    let Some(id) = assertion.in_response_to.as_deref() else {
        return Ok(None);
    };
    let record = match app.store.consume_authn_request(id, org).await? {
        Consumed::Mine(record) => record,
        Consumed::Foreign => {
            return Err(Error::new(
                ErrorCode::SamlUnknownRequest,
                "InResponseTo names another org's request (left in place)",
            ));
        }
        Consumed::Unknown => {
            return Err(Error::new(
                ErrorCode::SamlUnknownRequest,
                "InResponseTo names no stored request (unknown or already used)",
            ));
        }
    };
    if record.expires_at <= app.now().unix_timestamp() {
        return Err(Error::new(
            ErrorCode::SamlRequestExpired,
            "the AuthnRequest expired",
        ));
    }
    Ok(Some(record))
}

/// The replay guard: each assertion ID once, kept until it could no longer validate.
async fn remember(app: &App, assertion: &ValidatedAssertion) -> Result<(), Error> {
    let keep_until = assertion.not_on_or_after + app.config.clock_skew.as_secs() as i64;
    let now = app.now().unix_timestamp();
    if app
        .store
        .remember_assertion(&assertion.issuer, &assertion.assertion_id, keep_until, now)
        .await?
    {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::SamlReplay,
            "assertion ID already used",
        ))
    }
}

async fn verify(
    app: &App,
    org: &CompanyId,
    config: &SsoConfig,
    name_id: &NameId,
) -> Result<Accepted, Error> {
    if config.status == SsoStatus::Configured {
        let event = app.audit(
            "idp",
            "sso.verified",
            org.as_str(),
            serde_json::json!({ "idpEntityId": config.idp_entity_id }),
        );
        app.store
            .transition_sso(
                org,
                SsoStatus::Configured,
                SsoStatus::Verified,
                app.timestamp(),
                &event,
                None,
            )
            .await?;
    }
    Ok(Accepted::Verified {
        name_id: name_id.to_string(),
    })
}
