//! Account binding: tying a user to one IdP identity (the SAML NameID), unique in the org.

use crate::app::{App, rfc3339};
use crate::error::Error;
use crate::store::audit::AuditEvent;
use crate::store::saml::AuthnRequestRecord;
use crate::store::users::User;
use crate::types::{CompanyId, random_id};

/// Binds `user` to `name_id` (the NameID guard makes it unique in the org: a NameID bound
/// to someone else is `409 identity_already_bound`). Returns the updated user.
pub async fn bind(app: &App, user: &User, name_id: &str, action: &str) -> Result<User, Error> {
    match user.name_id.as_deref() {
        Some(current) if current.eq_ignore_ascii_case(name_id) => return Ok(user.clone()),
        Some(_) => {
            return Err(Error::conflict(
                "already_bound",
                "This account is bound to another identity.",
            ));
        }
        None => {}
    }
    let at = rfc3339(app.now());
    let mut next = user.clone();
    next.name_id = Some(name_id.to_owned());
    next.version += 1;
    next.last_modified = at.clone();
    let event = AuditEvent::new(
        random_id(&mut rand::rng(), 10),
        at,
        "idp",
        action,
        user.id.as_str(),
    );
    match app.store.update_user(user, &next, &event, None).await {
        Ok(()) => Ok(next),
        Err(e) if e.code() == "uniqueness" => Err(Error::conflict(
            "identity_already_bound",
            "This identity is already bound to another account. Ask your admin.",
        )),
        Err(e) => Err(e),
    }
}

/// Purpose `bind` at the ACS: the request names the user whose binding link started it.
pub async fn complete(
    app: &App,
    org: &CompanyId,
    request: &AuthnRequestRecord,
    name_id: &str,
) -> Result<User, Error> {
    let user_id = request
        .binding_user
        .as_ref()
        .ok_or_else(|| Error::internal("bind request without a user"))?;
    let user = app
        .store
        .get_user(org, user_id)
        .await?
        .ok_or(Error::NotFound("user"))?;
    if !user.active {
        return Err(Error::forbidden(
            "user_inactive",
            format!("user {} is inactive", user.id),
        ));
    }
    bind(app, &user, name_id, "binding.completed").await
}
