//! Admin authentication: a valid admin JWT (the bearer token, or the admin portal's
//! `portal` cookie with its CSRF header on writes) whose `sub` is an active admin of its
//! `org`.

use http::Method;
use lambda_http::Request;

use crate::app::App;
use crate::error::{Error, ErrorCode};
use crate::http::{bearer_token, cookie};
use crate::model::User;
use crate::model::{Org, SsoConfig};
use crate::tokens::{AdminClaims, Audience, PortalClaims, hashes_equal};
use crate::types::{CompanyId, Role, UserId};

/// The portal cookie's name, and the header a write so authorized must carry.
pub const PORTAL_COOKIE: &str = "portal";
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The caller of an admin route, with the org state read alongside (one round trip).
#[derive(Debug, Clone)]
pub struct AdminContext {
    pub claims: AdminClaims,
    /// The portal cookie's `csrf` claim, when that is how the caller came.
    pub portal_csrf: Option<String>,
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
/// the admin's (or does not exist), or a portal write without the right CSRF header.
pub async fn authenticate(app: &App, req: &Request) -> Result<AdminContext, Error> {
    let (claims, portal_csrf) = credentials(app, req).await?;
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
        portal_csrf,
        org,
        sso: view.sso,
        admin,
    })
}

/// The bearer token when there is one; else the `portal` cookie, whose writes (any method
/// but GET and HEAD) must repeat its `csrf` claim in `X-CSRF-Token` (compared in constant
/// time): a cross-site form can send the cookie (were SameSite ever lax) but never a header.
async fn credentials(app: &App, req: &Request) -> Result<(AdminClaims, Option<String>), Error> {
    let now = app.now().unix_timestamp();
    let keys = app.jwt_key().await?;
    if let Some(token) = bearer_token(req) {
        return Ok((keys.verify_admin(token, now)?, None));
    }
    let token = cookie(req, PORTAL_COOKIE)
        .ok_or(Error::unauthorized("no bearer token and no portal cookie"))?;
    let claims: PortalClaims = keys.verify(token, Audience::Portal, now)?;
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        let sent = req
            .headers()
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if sent.is_empty() || !hashes_equal(sent, &claims.csrf) {
            return Err(Error::new(
                ErrorCode::CsrfFailed,
                "a portal write without the X-CSRF-Token of its cookie",
            ));
        }
    }
    if claims.role != "admin" {
        return Err(Error::new(
            ErrorCode::NotAdmin,
            "portal cookie role is not admin",
        ));
    }
    let admin = AdminClaims {
        sub: claims.sub,
        org: claims.org,
        role: claims.role,
        aud: Audience::Admin.as_str().to_owned(),
        iat: claims.iat,
        exp: claims.exp,
    };
    Ok((admin, Some(claims.csrf)))
}
