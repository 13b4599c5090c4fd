//! Who an accepted assertion reaches: the one decision, pure, over what the store read
//! for the asserted NameID. Each rule is one arm, cited to CONTRACT.md "SAML service
//! provider" ("the user is active and bound to this NameID (a SCIM-made user is bound by
//! its `userName`)"; "purpose `bind` binds the binding token's user to the NameID").

use super::{NameId, same};
use crate::model::{Source, User};

/// What the store holds for one asserted NameID, read before deciding.
#[derive(Debug, Default)]
pub struct Candidates {
    /// The user whose NameID guard holds the NameID's key.
    pub bound: Option<User>,
    /// The user whose userName guard holds the NameID's key.
    pub by_user_name: Option<User>,
}

/// The account an assertion reaches, and by which rule.
#[derive(Debug, Clone, PartialEq)]
pub enum Reach {
    /// Rule 1: the active user bound to this NameID.
    Bound(User),
    /// Rule 2: an active SCIM-made user, not bound yet, whose `userName` is the NameID:
    /// bound by it now, on first login.
    FirstLogin(User),
    /// Rule 3 (purpose `bind`): the binding link's active, unbound user, bound now to a
    /// NameID that no other account holds as its binding or its `userName`.
    Bind(User),
}

impl Reach {
    /// The rule's name, as the audit trail records it.
    pub fn rule(&self) -> &'static str {
        match self {
            Reach::Bound(_) => "bound_name_id",
            Reach::FirstLogin(_) => "scim_user_name",
            Reach::Bind(_) => "binding_link",
        }
    }

    pub fn user(&self) -> &User {
        match self {
            Reach::Bound(user) | Reach::FirstLogin(user) | Reach::Bind(user) => user,
        }
    }

    /// Whether reaching the account binds it (a write is needed).
    pub fn binds(&self) -> bool {
        !matches!(self, Reach::Bound(_))
    }
}

/// Why no account is reached; each maps to one code (`login::refused`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// `403 user_not_bound`: no account is bound to this NameID, nor may be by login.
    #[error("not bound: {0}")]
    NotBound(&'static str),
    /// `403 user_inactive`.
    #[error("user {0} is inactive")]
    Inactive(String),
    /// `409 already_bound`: the link's user is bound to another identity.
    #[error("the account is bound to another identity")]
    AccountBoundElsewhere,
    /// `409 identity_already_bound`: the NameID belongs to another account.
    #[error("the NameID belongs to another account: {0}")]
    IdentityTaken(&'static str),
}

fn active(user: User) -> Result<User, Refusal> {
    if user.active {
        Ok(user)
    } else {
        Err(Refusal::Inactive(user.id.to_string()))
    }
}

/// Purpose `login` (SP- or IdP-initiated).
pub fn for_login(name_id: &NameId, found: Candidates) -> Result<Reach, Refusal> {
    if let Some(user) = found.bound {
        // The guard and the user item are written in one transaction; a mismatch would
        // be a bug, and must not let anyone in.
        if !user
            .name_id
            .as_ref()
            .is_some_and(|n| same(n.as_str(), name_id.as_str()))
        {
            return Err(Refusal::NotBound("the NameID guard and its user disagree"));
        }
        return active(user).map(Reach::Bound);
    }
    match found.by_user_name {
        Some(user) if user.source == Source::Scim && user.name_id.is_none() => {
            active(user).map(Reach::FirstLogin)
        }
        Some(user) if user.name_id.is_some() => Err(Refusal::NotBound(
            "the user with this userName is bound to another identity",
        )),
        Some(_) => Err(Refusal::NotBound(
            "existing user not bound yet: the binding email binds it",
        )),
        None => Err(Refusal::NotBound("no user for this NameID")),
    }
}

/// Purpose `bind`: `user` is the binding link's user (as read now).
pub fn for_bind(name_id: &NameId, user: User, found: Candidates) -> Result<Reach, Refusal> {
    let user = active(user)?;
    match &user.name_id {
        Some(current) if same(current.as_str(), name_id.as_str()) => {
            return Ok(Reach::Bound(user));
        }
        Some(_) => return Err(Refusal::AccountBoundElsewhere),
        None => {}
    }
    if found.bound.is_some_and(|other| other.id != user.id) {
        return Err(Refusal::IdentityTaken("bound to another account"));
    }
    // A NameID that is another user's userName is that user's identity: binding it here
    // would let that person into this account and lock them out of their own.
    if found.by_user_name.is_some_and(|other| other.id != user.id) {
        return Err(Refusal::IdentityTaken("another account's userName"));
    }
    Ok(Reach::Bind(user))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{CompanyId, Email, Role, Timestamp, UserId, UserName};

    fn user(id: &str, user_name: &str, source: Source, bound: Option<&str>) -> User {
        User {
            id: UserId::parse(id).unwrap(),
            company_id: CompanyId::parse("acme").unwrap(),
            user_name: UserName::parse(user_name).unwrap(),
            email: Email::parse(user_name).unwrap(),
            given_name: String::new(),
            family_name: String::new(),
            phone_number: None,
            timezone: None,
            role: Role::Rep,
            role_source: Default::default(),
            active: true,
            external_id: None,
            name_id: bound.map(|n| NameId::parse(n).unwrap()),
            source,
            version: 1,
            created_at: Timestamp::at(time::OffsetDateTime::UNIX_EPOCH),
            last_modified: Timestamp::at(time::OffsetDateTime::UNIX_EPOCH),
        }
    }

    fn name_id(value: &str) -> NameId {
        NameId::parse(value).unwrap()
    }

    #[test]
    fn login_reaches_the_bound_user_first_then_an_unbound_scim_user_by_user_name() {
        let bound = user("u1", "a@x.com", Source::App, Some("A@x.com"));
        let found = Candidates {
            bound: Some(bound.clone()),
            by_user_name: Some(user("u2", "a@x.com", Source::Scim, None)),
        };
        assert_eq!(
            for_login(&name_id("a@x.com"), found),
            Ok(Reach::Bound(bound))
        );
        let scim = user("u2", "b@x.com", Source::Scim, None);
        let found = Candidates {
            bound: None,
            by_user_name: Some(scim.clone()),
        };
        assert_eq!(
            for_login(&name_id("B@X.com"), found),
            Ok(Reach::FirstLogin(scim))
        );
    }

    #[test]
    fn login_refuses_app_users_users_bound_elsewhere_inactive_users_and_strangers() {
        let name = name_id("c@x.com");
        let app = user("u3", "c@x.com", Source::App, None);
        let elsewhere = user("u4", "c@x.com", Source::Scim, Some("other@x.com"));
        let mut inactive = user("u5", "c@x.com", Source::Scim, None);
        inactive.active = false;
        for (by_user_name, code) in [
            (Some(app), "not bound"),
            (Some(elsewhere), "not bound"),
            (Some(inactive), "inactive"),
            (None, "not bound"),
        ] {
            let refusal = for_login(
                &name,
                Candidates {
                    bound: None,
                    by_user_name,
                },
            )
            .unwrap_err();
            assert!(refusal.to_string().contains(code), "{refusal}");
        }
    }

    #[test]
    fn a_binding_link_cannot_take_another_accounts_identity() {
        let me = user("u6", "me@x.com", Source::App, None);
        let other = user("u7", "you@x.com", Source::Scim, None);
        let taken = for_bind(
            &name_id("you@x.com"),
            me.clone(),
            Candidates {
                bound: None,
                by_user_name: Some(other),
            },
        );
        assert!(matches!(taken, Err(Refusal::IdentityTaken(_))));
        assert_eq!(
            for_bind(&name_id("me@idp.com"), me.clone(), Candidates::default()),
            Ok(Reach::Bind(me))
        );
        let bound = user("u8", "z@x.com", Source::App, Some("z@idp.com"));
        assert_eq!(
            for_bind(&name_id("y@idp.com"), bound, Candidates::default()),
            Err(Refusal::AccountBoundElsewhere)
        );
    }
}
