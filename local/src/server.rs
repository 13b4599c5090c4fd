//! The HTTP server of the local gateway: template routes, plus the dev-only pages.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_http::Body;
use shared::App;
use shared::types::random_id;
use tokio::net::TcpListener;

use crate::gateway::Router;

/// Lambda's own payload limit; the functions enforce their smaller ones.
const MAX_BODY: usize = 6 * 1024 * 1024;

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: TcpListener,
    router: Arc<Router>,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let (router, app) = (Arc::clone(&router), Arc::clone(&app));
        tokio::spawn(async move {
            let service = service_fn(move |req| answer(Arc::clone(&router), Arc::clone(&app), req));
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn answer(
    router: Arc<Router>,
    app: Arc<App>,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let bytes = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => return Ok(plain(413, "request body too large")),
    };
    let body = if bytes.is_empty() {
        Body::Empty
    } else {
        match String::from_utf8(bytes.to_vec()) {
            Ok(text) => Body::Text(text),
            Err(e) => Body::Binary(e.into_bytes()),
        }
    };
    let req = http::Request::from_parts(parts, body);
    // The gateway's own request id (API Gateway makes one per request), local only.
    #[allow(clippy::disallowed_methods)]
    let request_id = random_id(&mut rand::rng(), 10);
    if let Some(response) = crate::dev_routes::handle(&app, &req).await {
        return Ok(into_hyper(response));
    }
    let response = match router.handle(app, req, &request_id).await {
        Some(response) => response,
        None => return Ok(plain(404, "no route")),
    };
    Ok(into_hyper(response))
}

fn into_hyper(response: lambda_http::Response<Body>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = response.into_parts();
    let bytes = match body {
        Body::Empty => Bytes::new(),
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}

fn plain(status: u16, text: &'static str) -> hyper::Response<Full<Bytes>> {
    let mut response = hyper::Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() =
        http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::NOT_FOUND);
    response
}
