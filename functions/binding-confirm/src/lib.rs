//! `binding-confirm`: `GET /bind/{token}`, the link in a binding email. A good link starts
//! an SP-initiated login with purpose `bind`; the ACS then binds the account.

use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use shared::App;
use shared::error::{Error, ErrorCode};
use shared::http::{HandlerFuture, finish, path_param};
use shared::model::Purpose;

/// The function's handler, as the runtime and the local gateway call it.
pub fn handler(app: Arc<App>, req: Request) -> HandlerFuture {
    Box::pin(async move {
        let result = confirm(&app, &req).await;
        finish(&req, result)
    })
}

async fn confirm(app: &App, req: &Request) -> Result<Response<Body>, Error> {
    let token = path_param(req, "token")
        .ok_or_else(|| Error::new(ErrorCode::BindingInvalid, "This link is not valid."))?;
    let (org, user, jti) = shared::binding::check_link(app, &token).await?;
    let config = shared::login::org_config(app, &org).await?;
    shared::sso::require_enabled(Some(config.status), "binding link used while SSO is off")?;
    let start = shared::login::start_login(
        app,
        &org,
        &config,
        Purpose::Bind {
            binding_user: user,
            binding_token: jti,
        },
        None,
    )
    .await?;
    start.into_response()
}
