//! `sso-settings`: the admin's SSO page: status, SCIM token on/off, the users list, the
//! users list (`users.rs`), the audit trail (`events.rs`).

mod events;
mod users;

use std::sync::Arc;

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use shared::admin::{self, AdminContext};
use shared::error::{Error, ErrorCode};
use shared::http::{HandlerFuture, empty, finish, json, route_key};
use shared::model::Purpose;
use shared::model::SsoStatus;
use shared::model::{AuditEvent, IdpCertificate};
use shared::urls;
use shared::{App, tokens};

/// The function's handler, as the runtime and the local gateway call it.
pub fn handler(app: Arc<App>, req: Request) -> HandlerFuture {
    Box::pin(async move {
        let result = route(&app, &req).await;
        finish(&req, result)
    })
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>, Error> {
    let route = route_key(req);
    let ctx = admin::authenticate(app, req).await?;
    match route.as_str() {
        "GET /admin/sso" => Ok(json(StatusCode::OK, &sso_view(app, &ctx))),
        "POST /admin/scim/token" => rotate_scim_token(app, &ctx).await,
        "DELETE /admin/scim/token" => disable_scim(app, &ctx).await,
        "GET /admin/users" => users::list(app, &ctx, req).await,
        "GET /admin/events" => events::list(app, &ctx, req).await,
        "POST /admin/sso/enable" => {
            let (owed, _job) = shared::sso::enable(app, &ctx).await?;
            Ok(json(
                StatusCode::ACCEPTED,
                &json!({ "bindingEmails": owed }),
            ))
        }
        "POST /admin/sso/disable" => {
            let (owed, _job) = shared::sso::disable(app, &ctx).await?;
            Ok(json(
                StatusCode::ACCEPTED,
                &json!({ "passwordEmails": owed }),
            ))
        }
        "POST /admin/sso/verify" => verify(app, &ctx).await,
        _ => Err(Error::not_found("route")),
    }
}

/// `GET /admin/sso` (CONTRACT.md "SSO settings").
pub fn sso_view(app: &App, ctx: &AdminContext) -> Value {
    let config = &app.config;
    let org = ctx.company_id();
    let status = ctx.sso.as_ref().map(|s| s.status).unwrap_or_default();
    let idp = ctx
        .sso
        .as_ref()
        .filter(|s| s.status != SsoStatus::Unconfigured)
        .map(|s| {
            json!({
                "entityId": s.idp_entity_id,
                "ssoUrl": s.sso_url,
                "metadataUrl": s.metadata_url,
                "certificates": IdpCertificate::views(&s.certificates),
            })
        });
    json!({
        "companyId": org,
        "status": status,
        "sp": {
            "entityId": urls::sp_entity_id(config, org),
            "acsUrl": urls::acs_url(config, org),
            "metadataUrl": urls::sp_metadata_url(config, org),
        },
        "idp": idp,
        "scim": {
            "enabled": ctx.org.scim_token_hash.is_some(),
            "baseUrl": urls::scim_base(config),
        },
    })
}

fn event(app: &App, ctx: &AdminContext, action: &str) -> AuditEvent {
    app.audit(&ctx.actor(), action, ctx.company_id().as_str(), Value::Null)
}

/// `POST /admin/sso/verify`: the URL of a test login; its success at the ACS marks the
/// configuration verified.
async fn verify(app: &App, ctx: &AdminContext) -> Result<Response<Body>, Error> {
    let config = ctx
        .sso
        .as_ref()
        .filter(|c| c.status != SsoStatus::Unconfigured)
        .ok_or_else(|| Error::new(ErrorCode::NotConfigured, "Add the IdP metadata first."))?;
    let start =
        shared::login::start_login(app, ctx.company_id(), config, Purpose::Verify, None).await?;
    Ok(json(StatusCode::OK, &json!({ "loginUrl": start.url() })))
}

/// `POST /admin/scim/token`: turns SCIM on or rotates; the token is shown this once.
async fn rotate_scim_token(app: &App, ctx: &AdminContext) -> Result<Response<Body>, Error> {
    let new = app
        .ids
        .with(|rng| tokens::generate_scim_token(ctx.company_id(), rng));
    let current = ctx.org.scim_token_hash.as_deref();
    let action = if current.is_some() {
        "scim.token.rotated"
    } else {
        "scim.enabled"
    };
    app.store
        .rotate_scim_token(
            ctx.company_id(),
            current,
            &new.hash,
            &event(app, ctx, action),
        )
        .await?;
    Ok(json(StatusCode::CREATED, &json!({ "token": new.token })))
}

/// `DELETE /admin/scim/token`: SCIM off; idempotent.
async fn disable_scim(app: &App, ctx: &AdminContext) -> Result<Response<Body>, Error> {
    if let Some(current) = ctx.org.scim_token_hash.as_deref() {
        app.store
            .disable_scim(ctx.company_id(), current, &event(app, ctx, "scim.disabled"))
            .await?;
    }
    Ok(empty(StatusCode::NO_CONTENT))
}
