//! `scim-users`: SCIM 2.0 for Okta provisioning (CONTRACT.md "SCIM 2.0"). Routing,
//! authentication and rendering live here; the User operations in `users`.

mod users;

use std::sync::Arc;

use http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::Value;
use shared::App;
use shared::error::{Error, ErrorCode};
use shared::http::{HandlerFuture, bearer_token, path_param};
use shared::scim::{self, discovery, list};
use shared::tokens::ScimCredential;

/// The function's handler, as the runtime and the local gateway call it.
pub fn handler(app: Arc<App>, req: Request) -> HandlerFuture {
    Box::pin(async move {
        route(&app, &req).await.unwrap_or_else(|error| {
            error.log();
            error.to_scim()
        })
    })
}

/// A SCIM response: `application/scim+json`, never cached.
pub(crate) fn scim_json(status: StatusCode, value: &Value) -> Response<Body> {
    let mut response = shared::http::response(
        status,
        "application/scim+json",
        Body::Text(value.to_string()),
    );
    let header_from = |pointer: &str| {
        value
            .pointer(pointer)
            .and_then(Value::as_str)
            .and_then(|v| HeaderValue::from_str(v).ok())
    };
    if status == StatusCode::CREATED
        && let Some(location) = header_from("/meta/location")
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    if let Some(etag) = header_from("/meta/version") {
        response.headers_mut().insert(header::ETAG, etag);
    }
    response
}

/// The caller's credential: `401` without a bearer token or with one not shaped like ours.
fn credential(req: &Request) -> Result<ScimCredential, Error> {
    let token = bearer_token(req).ok_or(Error::unauthorized("no bearer token"))?;
    ScimCredential::from_token(token).ok_or(Error::unauthorized("not a SCIM token"))
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>, Error> {
    let credential = credential(req)?;
    let proxy = path_param(req, "proxy").unwrap_or_default();
    let segments: Vec<&str> = proxy.split('/').filter(|s| !s.is_empty()).collect();
    let method = req.method().clone();
    let base = app.config.public_url("/scim/v2");
    match (segments.as_slice(), method) {
        (["Users"], Method::GET) => {
            users::list(app, &credential, users::ListQuery::from_query(req)?).await
        }
        // Root search spans every resource type; Users are the only one with members.
        (["Users", ".search"] | [".search"], Method::POST) => {
            users::search(app, req, &credential).await
        }
        (["Users"], Method::POST) => users::create(app, req, &credential).await,
        (["Users", id], Method::GET) => users::get(app, req, &credential, id).await,
        (["Users", id], Method::PUT) => users::replace(app, req, &credential, id).await,
        (["Users", id], Method::PATCH) => users::patch(app, req, &credential, id).await,
        (["Users", id], Method::DELETE) => users::delete(app, req, &credential, id).await,
        (["Users", ..], _) => Err(Error::new(
            ErrorCode::MethodNotAllowed,
            "Method not allowed on this resource.",
        )),
        (["Groups"], Method::GET) => {
            app.store.check_scim_token(&credential).await?;
            Ok(scim_json(
                StatusCode::OK,
                &list::list_response(vec![], 0, 1),
            ))
        }
        (["Groups", _], Method::GET) => {
            app.store.check_scim_token(&credential).await?;
            Err(Error::not_found("Group"))
        }
        (["Groups", ..], _) => Err(Error::new(ErrorCode::NotImplemented, "Not implemented.")),
        (["ServiceProviderConfig"], Method::GET) => {
            discovery_doc(app, &credential, discovery::service_provider_config(&base)).await
        }
        (["ResourceTypes"], Method::GET) => {
            let types = vec![discovery::user_resource_type(&base)];
            discovery_doc(app, &credential, list::list_response(types, 1, 1)).await
        }
        (["ResourceTypes", "User"], Method::GET) => {
            discovery_doc(app, &credential, discovery::user_resource_type(&base)).await
        }
        (["Schemas"], Method::GET) => {
            let schemas = discovery::schemas(&base);
            let total = schemas.len();
            discovery_doc(app, &credential, list::list_response(schemas, total, 1)).await
        }
        (["Schemas", id], Method::GET) => {
            let schema = discovery::schemas(&base)
                .into_iter()
                .find(|s| s["id"] == *id)
                .ok_or(Error::not_found("Schema"))?;
            discovery_doc(app, &credential, schema).await
        }
        (["ServiceProviderConfig" | "ResourceTypes" | "Schemas", ..], m) if m != Method::GET => {
            Err(Error::new(
                ErrorCode::MethodNotAllowed,
                "Method not allowed on this resource.",
            ))
        }
        _ => Err(Error::not_found("Resource")),
    }
}

async fn discovery_doc(
    app: &App,
    credential: &ScimCredential,
    doc: Value,
) -> Result<Response<Body>, Error> {
    app.store.check_scim_token(credential).await?;
    Ok(scim_json(StatusCode::OK, &doc))
}

/// The request body as JSON, `413` over 1 MiB, `400 invalidSyntax` when it is not JSON.
pub(crate) fn body_json(req: &Request) -> Result<Value, Error> {
    let bytes = shared::http::body_bytes(req, scim::MAX_BODY)?;
    serde_json::from_slice(bytes).map_err(|e| {
        Error::new(
            ErrorCode::InvalidSyntax,
            format!("The body is not valid JSON: {e}"),
        )
    })
}
