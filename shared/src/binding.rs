//! Account binding: tying a user to one IdP identity (the SAML NameID), unique in the org.

use serde::Deserialize;

use crate::admin::AdminContext;
use crate::app::App;
use crate::error::{Error, ErrorCode};
use crate::identity::NameId;
use crate::identity::reach::Reach;
use crate::mail::deliver::BINDING_SECONDS;
use crate::model::{Binding, BindingState, EmailKind, OutboxRecord, OutboxState, Source, User};
use crate::tokens::{Audience, BindingClaims, TokenError};
use crate::types::CompanyId;
use crate::types::{Email, Role, Timestamp, UserId, UserName};

/// Carries out a binding reach (`identity::reach`): the user gets `name_id`, the NameID
/// guard makes it unique in the org, an audit event names the rule, and for a binding
/// link the link is marked used; one transaction. A NameID bound meanwhile to someone
/// else is `409 identity_already_bound`; a link used meanwhile is `410 binding_used`.
pub async fn bind(
    app: &App,
    reach: &Reach,
    name_id: &NameId,
    link: Option<&str>,
) -> Result<User, Error> {
    let user = reach.user();
    let mut next = user.clone();
    next.name_id = Some(name_id.clone());
    next.version += 1;
    next.last_modified = app.timestamp();
    let action = match reach {
        Reach::Bind(_) => "binding.completed",
        _ => "saml.first_login",
    };
    let event = app.audit(
        "idp",
        action,
        user.id.as_str(),
        serde_json::json!({ "rule": reach.rule() }),
    );
    let link = match reach {
        Reach::Bind(_) => link,
        _ => None,
    };
    match app.store.complete_binding(user, &next, &event, link).await {
        Ok(()) => Ok(next),
        Err(e) if e.code() == ErrorCode::Uniqueness => Err(Error::new(
            ErrorCode::IdentityAlreadyBound,
            "This identity is already bound to another account. Ask your admin.",
        )),
        Err(e) => Err(e),
    }
}

/// `DELETE /admin/users/{userId}/binding`: the user's NameID and its guard go, the
/// current link (if any) dies, and an audit event is written, in one transaction. A
/// resend works afterwards. Unbinding an unbound user still kills its links.
pub async fn unbind(app: &App, ctx: &AdminContext, user_id: &UserId) -> Result<(), Error> {
    let user = app
        .store
        .get_user(ctx.company_id(), user_id)
        .await?
        .ok_or(Error::not_found("user"))?;
    let mut next = user.clone();
    next.name_id = None;
    next.version += 1;
    next.last_modified = app.timestamp();
    let event = app.audit(
        &ctx.actor(),
        "binding.unbound",
        user.id.as_str(),
        serde_json::json!({ "wasBound": user.name_id.is_some() }),
    );
    app.store.unbind_user(&user, &next, &event).await
}

/// `GET /bind/{token}`: the checks before the bind login starts. Forged or malformed:
/// `400 binding_invalid`; expired: `410 binding_expired`; used, replaced, or the account
/// bound already: `410 binding_used`.
pub async fn check_link(app: &App, token: &str) -> Result<(CompanyId, UserId, String), Error> {
    let now = app.now().unix_timestamp();
    let claims: BindingClaims = match app.jwt_key().await?.verify(token, Audience::Binding, now) {
        Ok(claims) => claims,
        Err(TokenError::Expired) => {
            return Err(gone(
                ErrorCode::BindingExpired,
                "This link has expired. Ask your admin to resend it.",
            ));
        }
        Err(_) => {
            return Err(Error::new(
                ErrorCode::BindingInvalid,
                "This link is not valid.",
            ));
        }
    };
    let org = CompanyId::parse(&claims.org)
        .map_err(|_| Error::new(ErrorCode::BindingInvalid, "This link is not valid."))?;
    let user = UserId::parse(&claims.sub)
        .map_err(|_| Error::new(ErrorCode::BindingInvalid, "This link is not valid."))?;
    let binding = app.store.get_binding(&org, &user).await?;
    let current = binding.is_some_and(|b| {
        b.token_id == claims.jti && b.state == BindingState::Pending && b.expires_at > now
    });
    if !current {
        return Err(gone(
            ErrorCode::BindingUsed,
            "This link was already used or replaced by a newer one.",
        ));
    }
    Ok((org, user, claims.jti))
}

fn gone(code: ErrorCode, detail: &str) -> Error {
    Error::new(code, detail)
}

/// When an admin may (re)send a binding link to `user`.
fn check_can_link(ctx: &AdminContext, user: &User) -> Result<(), Error> {
    crate::sso::require_enabled(
        ctx.sso.as_ref().map(|s| s.status),
        "binding link asked for while SSO is off",
    )?;
    if user.name_id.is_some() {
        return Err(Error::new(
            ErrorCode::AlreadyBound,
            "This account is already bound.",
        ));
    }
    if !user.active {
        return Err(Error::new(
            ErrorCode::UserInactive,
            "This account is inactive.",
        ));
    }
    Ok(())
}

/// A new binding outbox record for `user`, and the link it carries: once written, that
/// link is the only valid one (older links die now, before the email even goes out).
fn new_link(app: &App, user: &User, kind: EmailKind) -> (OutboxRecord, Binding) {
    let now = app.now();
    let record = OutboxRecord {
        id: app.ids.id(16),
        company_id: user.company_id.clone(),
        user_id: user.id.clone(),
        to: user.email.to_string(),
        kind,
        state: OutboxState::Pending,
        attempts: 0,
        next_attempt_at: now.unix_timestamp(),
        created_at: Timestamp::at(now),
        sent_at: None,
        message_id: None,
        last_error: None,
    };
    let issued = now.unix_timestamp();
    let link = Binding {
        user_id: user.id.clone(),
        token_id: record.id.clone(),
        issued_at: issued,
        expires_at: issued + BINDING_SECONDS,
        state: BindingState::Pending,
    };
    (record, link)
}

/// `POST /admin/users/{userId}/binding`.
pub async fn resend(
    app: &App,
    ctx: &AdminContext,
    user_id: &UserId,
) -> Result<OutboxRecord, Error> {
    let user = app
        .store
        .get_user(ctx.company_id(), user_id)
        .await?
        .ok_or(Error::not_found("user"))?;
    check_can_link(ctx, &user)?;
    let (record, link) = new_link(app, &user, EmailKind::Binding);
    let event = app.audit(
        &ctx.actor(),
        "binding.resent",
        user.id.as_str(),
        serde_json::Value::Null,
    );
    app.store
        .resend_binding(ctx.company_id(), &record, &link, &event)
        .await?;
    Ok(record)
}

/// `POST /admin/invitations` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invitation {
    pub email: String,
    pub name: String,
    pub role: String,
}

/// Creates the invited user and owes them a binding link, in one transaction.
pub async fn invite(app: &App, ctx: &AdminContext, invitation: Invitation) -> Result<User, Error> {
    let email =
        Email::parse(&invitation.email).map_err(|e| Error::new(ErrorCode::InvalidValue, e.0))?;
    let role =
        Role::parse(&invitation.role).map_err(|e| Error::new(ErrorCode::InvalidValue, e.0))?;
    let name = invitation.name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(Error::new(
            ErrorCode::InvalidValue,
            "name must be 1 to 200 characters.",
        ));
    }
    let (given, family) = name.split_once(' ').unwrap_or((name, ""));
    let now = app.timestamp();
    let user = User {
        id: app.ids.user_id(),
        company_id: ctx.company_id().clone(),
        user_name: UserName::parse(email.as_str())
            .map_err(|e| Error::new(ErrorCode::InvalidValue, e.0))?,
        email,
        given_name: given.trim().to_owned(),
        family_name: family.trim().to_owned(),
        phone_number: None,
        timezone: None,
        role,
        role_source: Default::default(),
        active: true,
        external_id: None,
        name_id: None,
        source: Source::Invite,
        version: 1,
        created_at: now,
        last_modified: now,
    };
    check_can_link(ctx, &user)?;
    let (record, link) = new_link(app, &user, EmailKind::Invitation);
    let event = app.audit(
        &ctx.actor(),
        "user.invited",
        user.id.as_str(),
        serde_json::Value::Null,
    );
    app.store
        .create_invited_user(&user, &event, &record, &link)
        .await?;
    Ok(user)
}
