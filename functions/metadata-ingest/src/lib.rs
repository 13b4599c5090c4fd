//! `metadata-ingest`: `PUT /admin/sso/idp` (the admin pastes Okta's metadata URL or XML),
//! and the scheduled refresh of every stored metadata URL (`metadata-refresh` binary).

use std::sync::Arc;

use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::App;
use shared::admin;
use shared::error::Error;
use shared::http::{HandlerFuture, finish, json, json_body, route_key};
use shared::idp::{self, IngestRequest};
use shared::saml::metadata::MAX_METADATA_BYTES;

/// The function's handler, as the runtime and the local gateway call it.
pub fn handler(app: Arc<App>, req: Request) -> HandlerFuture {
    Box::pin(async move {
        let result = route(&app, &req).await;
        finish(&req, result)
    })
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>, Error> {
    if route_key(req) != "PUT /admin/sso/idp" {
        return Err(Error::not_found("route"));
    }
    let ctx = admin::authenticate(app, req).await?;
    // The XML travels inside JSON: allow for escaping on top of the metadata's own cap.
    let request: IngestRequest = json_body(req, 2 * MAX_METADATA_BYTES)?;
    let config = idp::ingest(app, &ctx, request).await?;
    Ok(json(
        StatusCode::OK,
        &json!({
            "idpEntityId": config.idp_entity_id,
            "ssoUrl": config.sso_url,
            "certificates": shared::model::IdpCertificate::views(&config.certificates),
            "metadataUrl": config.metadata_url,
            "status": config.status,
        }),
    ))
}
