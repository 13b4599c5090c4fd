//! HTTP plumbing shared by every function: the runtime wiring, request readers and response builders.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::{HeaderValue, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response, service_fn};
use tracing::Instrument;

use crate::app::{App, Needs};
use crate::error::{Error, ErrorCode};

pub type HandlerFuture = Pin<Box<dyn Future<Output = Response<Body>> + Send>>;

/// What every function exports: a request in, a response out; domain errors are responses.
pub type Handler = fn(Arc<App>, Request) -> HandlerFuture;

/// A function's whole `main`: JSON logs, the App built once, then the Lambda runtime.
pub async fn serve(handler: Handler, needs: Needs) -> Result<(), lambda_http::Error> {
    crate::logging::init();
    let app = match App::from_env(needs).await {
        Ok(app) => Arc::new(app),
        Err(error) => {
            tracing::error!(reason = %error, "cold start failed");
            return Err(error.to_string().into());
        }
    };
    lambda_http::run(service_fn(move |req: Request| {
        let app = Arc::clone(&app);
        async move { Ok::<_, Infallible>(dispatch(handler, app, req).await) }
    }))
    .await
}

/// Runs one request inside a span that carries its request id and route.
pub async fn dispatch(handler: Handler, app: Arc<App>, req: Request) -> Response<Body> {
    let span = tracing::info_span!(
        "request",
        request_id = %correlation_id(&req),
        route = %route_key(&req),
    );
    async move {
        let response = handler(app, req).await;
        tracing::info!(status = response.status().as_u16(), "answered");
        response
    }
    .instrument(span)
    .await
}

/// API Gateway's request id (the local gateway makes one too).
pub fn correlation_id(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.request_id.clone(),
        _ => None,
    }
    .unwrap_or_else(|| "-".to_owned())
}

/// `"GET /admin/sso"`: the route that matched, as API Gateway HTTP APIs name it.
pub fn route_key(req: &Request) -> String {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.route_key.clone(),
        _ => None,
    }
    .unwrap_or_else(|| format!("{} {}", req.method(), req.uri().path()))
}

/// A path parameter of the matched route, e.g. `companyId`.
pub fn path_param(req: &Request, name: &str) -> Option<String> {
    req.path_parameters_ref()
        .and_then(|p| p.first(name))
        .map(str::to_owned)
}

/// A query string parameter's first value, decoded the way HTTP clients encode it.
pub fn query_param(req: &Request, name: &str) -> Option<String> {
    Query::of(req).first(name).map(str::to_owned)
}

/// The request's query parameters, read from the raw query string with form-urlencoded
/// rules (WHATWG URL "application/x-www-form-urlencoded parsing"): `+` is a space, `%2B` a
/// plus, a name without `=` has an empty value. Every function reads its query here.
///
/// AWS: an HTTP API (payload format 2.0) passes the query as the client sent it in
/// `rawQueryString`, and a decoded `queryStringParameters` map whose duplicates are joined
/// with commas ("Working with AWS Lambda proxy integrations for HTTP APIs", payload format
/// differences); the map does not say how `+` was read. `lambda_http` builds the request URI
/// from `rawQueryString`, so reading `uri().query()` depends on neither the map nor on what
/// API Gateway did to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn of(req: &Request) -> Self {
        Self::parse(req.uri().query().unwrap_or_default())
    }

    pub fn parse(raw: &str) -> Self {
        Self(
            url::form_urlencoded::parse(raw.as_bytes())
                .into_owned()
                .collect(),
        )
    }

    /// The first value of `name` (names compare exactly, as in the WHATWG URL standard).
    pub fn first(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.first(name).is_some()
    }
}

/// Browsers get HTML pages; everything else problem+json.
pub fn wants_html(req: &Request) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

/// `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750 2.1).
pub fn bearer_token(req: &Request) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The value of cookie `name`. API Gateway (payload 2.0) passes cookies in the event's
/// `cookies` array, which `lambda_http` joins into one `Cookie` header ("Working with AWS
/// Lambda proxy integrations for HTTP APIs": "Duplicate headers are combined with
/// commas... the cookies field"); a browser may also send several `Cookie` headers.
pub fn cookie<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (key, value) = pair.trim().split_once('=')?;
            (key == name && !value.is_empty()).then_some(value)
        })
}

/// The request body, refused with `413` past `limit` bytes.
pub fn body_bytes(req: &Request, limit: usize) -> Result<&[u8], Error> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => &[],
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    };
    if bytes.len() > limit {
        return Err(Error::PayloadTooLarge { limit });
    }
    Ok(bytes)
}

/// Parses a JSON body (any JSON content type, or none), `400 invalid_json` when it is not.
pub fn json_body<T: serde::de::DeserializeOwned>(req: &Request, limit: usize) -> Result<T, Error> {
    let bytes = body_bytes(req, limit)?;
    serde_json::from_slice(bytes).map_err(|e| {
        Error::new(
            ErrorCode::InvalidJson,
            format!("Body is not valid JSON: {e}"),
        )
    })
}

pub fn response(status: StatusCode, content_type: &'static str, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    response(status, "application/json", Body::Text(value.to_string()))
}

pub fn html(status: StatusCode, page: String) -> Response<Body> {
    response(status, "text/html; charset=utf-8", Body::Text(page))
}

pub fn empty(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = status;
    response
}

/// Renders a handler's result for the admin, binding and SAML routes: problem+json or HTML.
/// A redirect (`302` to the IdP, `303` after a login) that no cache keeps, with an
/// optional `Set-Cookie`.
pub fn redirect(
    status: StatusCode,
    location: &str,
    cookie: Option<&str>,
) -> Result<Response<Body>, Error> {
    let mut response = empty(status);
    let headers = response.headers_mut();
    headers.insert(
        header::LOCATION,
        HeaderValue::from_str(location).map_err(Error::internal)?,
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(cookie) = cookie {
        headers.insert(
            header::SET_COOKIE,
            HeaderValue::from_str(cookie).map_err(Error::internal)?,
        );
    }
    Ok(response)
}

pub fn finish(req: &Request, result: Result<Response<Body>, Error>) -> Response<Body> {
    result.unwrap_or_else(|error| {
        error.log();
        error.render(!wants_html(req), &correlation_id(req))
    })
}
