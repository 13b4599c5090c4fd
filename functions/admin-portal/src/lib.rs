//! `admin-portal`: the product guide's screens for the org's admin in a browser
//! (CONTRACT "Admin portal"): one-use links (`links.rs`) exchanged for the `portal`
//! cookie, and the portal's pages and assets, embedded at build time (`assets.rs`).

mod assets;
mod links;

use std::sync::Arc;

use lambda_http::{Body, Request, Response};
use shared::App;
use shared::error::Error;
use shared::http::{HandlerFuture, finish, route_key};

pub use links::issue as issue_link;

/// What the portal's embedded assets weigh, in bytes (the budget is 150 KB).
pub fn assets_total_bytes() -> usize {
    assets::total_bytes()
}

/// The function's handler, as the runtime and the local gateway call it.
pub fn handler(app: Arc<App>, req: Request) -> HandlerFuture {
    Box::pin(async move {
        let result = route(&app, &req).await;
        finish(&req, result)
    })
}

async fn route(app: &App, req: &Request) -> Result<Response<Body>, Error> {
    match route_key(req).as_str() {
        "POST /admin/portal/links" => links::create(app, req).await,
        "GET /portal/start" => Ok(links::start(app, req).await),
        "GET /portal" | "GET /portal/{proxy+}" => Ok(assets::serve(app, req).await),
        _ => Err(Error::not_found("route")),
    }
}
