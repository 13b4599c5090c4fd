//! Admin authentication: a valid admin JWT whose `sub` is an active admin of its `org`.

use lambda_http::Request;

use crate::app::App;
use crate::error::{Error, ErrorCode};
use crate::http::bearer_token;
use crate::model::User;
use crate::model::{Org, SsoConfig};
use crate::tokens::AdminClaims;
use crate::types::{CompanyId, Role, UserId};

/// The caller of an admin route, with the org state read alongside (one round trip).
#[derive(Debug, Clone)]
pub struct AdminContext {
    pub claims: AdminClaims,
    pub org: Org,
    pub sso: Option<SsoConfig>,
    pub admin: User,
}

impl AdminContext {
    pub fn company_id(&self) -> &CompanyId {
        &self.org.company_id
    }

    /// How audit events name this caller.
    pub fn actor(&self) -> String {
        format!("admin:{}", self.admin.id)
    }
}

/// `401` without or with a bad token; `403` for a non-admin, or a token whose org is not
/// the admin's (or does not exist).
pub async fn authenticate(app: &App, req: &Request) -> Result<AdminContext, Error> {
    let token = bearer_token(req).ok_or(Error::unauthorized("no bearer token"))?;
    let claims = app
        .jwt_key()
        .await?
        .verify_admin(token, app.now().unix_timestamp())?;
    let org_id = CompanyId::parse(&claims.org)
        .map_err(|_| Error::new(ErrorCode::WrongOrg, "token org is not a Company ID"))?;
    let admin_id = UserId::parse(&claims.sub)
        .map_err(|_| Error::new(ErrorCode::WrongOrg, "token sub is not a user id"))?;
    let view = app.store.admin_view(&org_id, &admin_id).await?;
    let org = view
        .org
        .ok_or_else(|| Error::new(ErrorCode::WrongOrg, format!("org {org_id} does not exist")))?;
    let admin = view.admin.ok_or_else(|| {
        Error::new(
            ErrorCode::WrongOrg,
            format!("user {admin_id} is not a member of org {org_id}"),
        )
    })?;
    if admin.role != Role::Admin || !admin.active {
        return Err(Error::new(
            ErrorCode::NotAdmin,
            format!("user {admin_id} is not an active admin"),
        ));
    }
    Ok(AdminContext {
        claims,
        org,
        sso: view.sso,
        admin,
    })
}
