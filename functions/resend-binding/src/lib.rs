//! `resend-binding`: an admin resends a binding email (older links die at once), unbinds a
//! user, or invites a user (orgs without SCIM), who then links through the same binding flow.

use std::sync::Arc;

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::App;
use shared::admin;
use shared::binding::{self, Invitation};
use shared::error::Error;
use shared::http::{HandlerFuture, finish, json, json_body, path_param, route_key};
use shared::types::UserId;

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
        "POST /admin/users/{userId}/binding" => {
            binding::resend(app, &ctx, &user_id(req)?).await?;
            Ok(json(StatusCode::ACCEPTED, &json!({ "queued": true })))
        }
        "DELETE /admin/users/{userId}/binding" => {
            binding::unbind(app, &ctx, &user_id(req)?).await?;
            Ok(shared::http::empty(StatusCode::NO_CONTENT))
        }
        "POST /admin/invitations" => {
            let invitation: Invitation = json_body(req, 16 * 1024)?;
            let user = binding::invite(app, &ctx, invitation).await?;
            Ok(json(StatusCode::CREATED, &json!({ "id": user.id })))
        }
        _ => Err(Error::not_found("route")),
    }
}

fn user_id(req: &Request) -> Result<UserId, Error> {
    path_param(req, "userId")
        .and_then(|id| UserId::parse(&id).ok())
        .ok_or(Error::not_found("user"))
}
