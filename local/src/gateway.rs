//! The local gateway: matches requests to template.yaml's routes and calls each function's
//! handler with the same `lambda_http` request API Gateway would build.

use std::collections::HashMap;
use std::sync::Arc;

use base64::Engine;
use lambda_http::{Body, Request, Response};
use percent_encoding::percent_decode_str;
use shared::App;
use shared::http::{Handler, dispatch};

use crate::template::RouteSpec;

/// The handler each function binary exports.
pub fn handler_for(function: &str) -> Option<Handler> {
    Some(match function {
        "saml-acs" => saml_acs::handler,
        "metadata-ingest" => metadata_ingest::handler,
        "sso-settings" => sso_settings::handler,
        "scim-users" => scim_users::handler,
        "binding-confirm" => binding_confirm::handler,
        "resend-binding" => resend_binding::handler,
        "admin-portal" => admin_portal::handler,
        _ => return None,
    })
}

/// A compiled route: its pattern split into segments, and its handler.
#[derive(Clone)]
struct Route {
    spec: RouteSpec,
    segments: Vec<String>,
    handler: Handler,
}

/// Every route of the template, matched as API Gateway HTTP APIs match them.
#[derive(Clone)]
pub struct Router {
    routes: Vec<Route>,
}

/// The outcome of matching a method and path.
pub struct Matched<'a> {
    pub spec: &'a RouteSpec,
    pub params: HashMap<String, String>,
    handler: Handler,
}

impl Router {
    pub fn new(specs: &[RouteSpec]) -> Result<Self, String> {
        let mut routes = Vec::new();
        for spec in specs {
            let handler = handler_for(&spec.function)
                .ok_or_else(|| format!("no handler for function {}", spec.function))?;
            let segments = spec
                .path
                .trim_matches('/')
                .split('/')
                .map(str::to_owned)
                .collect();
            routes.push(Route {
                spec: spec.clone(),
                segments,
                handler,
            });
        }
        // Literal segments win over parameters, as in API Gateway.
        routes.sort_by_key(|r| {
            std::cmp::Reverse(r.segments.iter().filter(|s| !s.starts_with('{')).count())
        });
        Ok(Self { routes })
    }

    pub fn specs(&self) -> impl Iterator<Item = &RouteSpec> {
        self.routes.iter().map(|r| &r.spec)
    }

    pub fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        self.routes.iter().find_map(|route| {
            let method_ok = route.spec.method == "ANY" || route.spec.method == method;
            let params = match_segments(&route.segments, &parts)?;
            method_ok.then_some(Matched {
                spec: &route.spec,
                params,
                handler: route.handler,
            })
        })
    }

    /// Answers one request the way API Gateway plus Lambda would; `None` when no route matches.
    pub async fn handle(
        &self,
        app: Arc<App>,
        req: http::Request<Body>,
        request_id: &str,
    ) -> Option<Response<Body>> {
        let path = req.uri().path().to_owned();
        let matched = self.find(req.method().as_str(), &path)?;
        match lambda_request(req, matched.spec, matched.params, request_id) {
            Ok(req) => Some(dispatch(matched.handler, app, req).await),
            // What the Lambda runtime does with an event it cannot read: the call fails.
            Err(reason) => {
                tracing::error!(%reason, "the gateway built an unreadable event");
                let mut response = Response::new(Body::Text("bad gateway".into()));
                *response.status_mut() = http::StatusCode::BAD_GATEWAY;
                Some(response)
            }
        }
    }
}

fn match_segments(pattern: &[String], parts: &[&str]) -> Option<HashMap<String, String>> {
    let mut params = HashMap::new();
    for (i, segment) in pattern.iter().enumerate() {
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix("+}")) {
            let rest = parts.get(i..).filter(|r| !r.is_empty())?;
            params.insert(name.to_owned(), decode(&rest.join("/")));
            return Some(params);
        }
        let part = parts.get(i)?;
        if let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if part.is_empty() {
                return None;
            }
            params.insert(name.to_owned(), decode(part));
        } else if segment != part {
            return None;
        }
    }
    (pattern.len() == parts.len()).then_some(params)
}

/// Path parameters arrive percent-decoded, `+` kept (a `+` in a path is a plus).
fn decode(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

/// `queryStringParameters` as AWS documents it for payload 2.0: values percent-decoded,
/// duplicates joined with commas. No handler reads it (they read `rawQueryString`, through
/// `shared::http::Query`); it is here so the event is the one API Gateway sends.
fn query_map(query: &str) -> serde_json::Map<String, serde_json::Value> {
    let mut map = serde_json::Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let value = decode(v);
        match map.get_mut(&decode(k)) {
            Some(serde_json::Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                map.insert(decode(k), value.into());
            }
        }
    }
    map
}

/// The payload format 2.0 event API Gateway (HTTP API) sends to Lambda, as AWS documents it
/// ("Create AWS Lambda proxy integrations for HTTP APIs", payload format version): header
/// names lower-cased and duplicates joined with commas, the `Cookie` header moved into
/// `cookies`, the path and query exactly as the client sent them in `rawPath` and
/// `rawQueryString`, a body that is not UTF-8 text base64-encoded with `isBase64Encoded`.
pub fn event(
    req: &http::Request<Body>,
    spec: &RouteSpec,
    params: &HashMap<String, String>,
    request_id: &str,
) -> serde_json::Value {
    let mut headers = serde_json::Map::new();
    let mut cookies = Vec::new();
    for (name, value) in req.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        if name == http::header::COOKIE {
            cookies.extend(
                value
                    .split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
            );
            continue;
        }
        match headers.get_mut(name.as_str()) {
            Some(serde_json::Value::String(joined)) => {
                joined.push(',');
                joined.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), value.into());
            }
        }
    }
    let raw_query = req.uri().query().unwrap_or_default();
    let (body, base64) = match req.body() {
        Body::Empty => (None, false),
        Body::Text(text) => (Some(text.clone()), false),
        Body::Binary(bytes) => (
            Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
            true,
        ),
        _ => (None, false),
    };
    let mut event = serde_json::json!({
        "version": "2.0",
        "routeKey": spec.route_key(),
        "rawPath": req.uri().path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": req.headers().get(http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1"),
            "http": {
                "method": req.method().as_str(),
                "path": req.uri().path(),
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": req.headers().get(http::header::USER_AGENT).and_then(|h| h.to_str().ok()).unwrap_or_default(),
            },
            "requestId": request_id,
            "routeKey": spec.route_key(),
            "stage": "$default",
        },
        "isBase64Encoded": base64,
    });
    if let Some(obj) = event.as_object_mut() {
        if !cookies.is_empty() {
            obj.insert("cookies".into(), cookies.into());
        }
        let query = query_map(raw_query);
        if !query.is_empty() {
            obj.insert("queryStringParameters".into(), query.into());
        }
        if !params.is_empty() {
            obj.insert("pathParameters".into(), serde_json::json!(params));
        }
        if let Some(body) = body {
            obj.insert("body".into(), body.into());
        }
    }
    event
}

/// The `lambda_http` request a function receives: the event above, read by `lambda_http`
/// exactly as the Lambda runtime reads what API Gateway sends.
pub fn lambda_request(
    req: http::Request<Body>,
    spec: &RouteSpec,
    params: HashMap<String, String>,
    request_id: &str,
) -> Result<Request, String> {
    let event = event(&req, spec, &params, request_id);
    lambda_http::request::from_str(&event.to_string())
        .map_err(|e| format!("lambda_http refused the event: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::RequestExt;
    use lambda_http::request::RequestContext;

    fn router() -> Router {
        let template = crate::stack::load_template().unwrap();
        Router::new(&template.routes).unwrap()
    }

    #[test]
    fn paths_match_their_route_with_parameters() {
        let router = router();
        let m = router.find("POST", "/saml/acme/acs").unwrap();
        assert_eq!(m.spec.function, "saml-acs");
        assert_eq!(m.params["companyId"], "acme");
        let m = router.find("GET", "/scim/v2/Users/abc").unwrap();
        assert_eq!(m.spec.function, "scim-users");
        assert_eq!(m.params["proxy"], "Users/abc");
        assert!(router.find("GET", "/saml/acme").is_none());
        assert!(router.find("DELETE", "/admin/sso").is_none());
    }

    #[test]
    fn literal_routes_win_over_parameters() {
        let router = router();
        assert_eq!(
            router
                .find("POST", "/admin/invitations")
                .unwrap()
                .spec
                .function,
            "resend-binding"
        );
        assert_eq!(
            router.find("GET", "/admin/users").unwrap().spec.function,
            "sso-settings"
        );
    }

    fn spec() -> RouteSpec {
        RouteSpec {
            method: "ANY".into(),
            path: "/scim/v2/{proxy+}".into(),
            function: "scim-users".into(),
        }
    }

    fn built(uri: &str, headers: &[(&str, &str)]) -> (serde_json::Value, Request) {
        let mut builder = http::Request::builder().method("GET").uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let req = builder.body(Body::Empty).unwrap();
        let params = HashMap::from([("proxy".to_owned(), "Users".to_owned())]);
        let event = event(&req, &spec(), &params, "rid");
        (event, lambda_request(req, &spec(), params, "rid").unwrap())
    }

    #[test]
    fn the_event_carries_the_query_as_the_client_sent_it() {
        let raw = "filter=userName+eq+%22a%2Bb%40x.com%22&aadOptscim062020&count=1&count=2";
        let (event, req) = built(&format!("/scim/v2/Users?{raw}"), &[]);
        assert_eq!(event["version"], "2.0");
        assert_eq!(event["rawQueryString"], raw);
        assert_eq!(event["queryStringParameters"]["count"], "1,2");
        assert_eq!(req.uri().query(), Some(raw));
        let query = shared::http::Query::of(&req);
        assert_eq!(query.first("filter"), Some("userName eq \"a+b@x.com\""));
        assert!(query.has("aadOptscim062020"));
        assert_eq!(query.first("count"), Some("1"));
    }

    #[test]
    fn headers_are_lower_case_joined_and_cookies_move_to_their_field() {
        let (event, req) = built(
            "/scim/v2/Users",
            &[
                ("X-Thing", "a"),
                ("x-thing", "b"),
                ("Cookie", "portal=1; other=2"),
            ],
        );
        assert_eq!(event["headers"]["x-thing"], "a,b");
        assert!(event["headers"].get("cookie").is_none());
        assert_eq!(event["cookies"], serde_json::json!(["portal=1", "other=2"]));
        assert_eq!(req.headers()["cookie"], "portal=1; other=2");
        assert_eq!(
            req.path_parameters_ref().and_then(|p| p.first("proxy")),
            Some("Users")
        );
        match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => {
                assert_eq!(ctx.route_key.as_deref(), Some("ANY /scim/v2/{proxy+}"));
                assert_eq!(ctx.request_id.as_deref(), Some("rid"));
            }
            _ => panic!("not an HTTP API request"),
        }
    }

    #[test]
    fn a_binary_body_is_base64_in_the_event_and_bytes_again_in_the_request() {
        let req = http::Request::builder()
            .method("POST")
            .uri("/saml/acme/acs")
            .body(Body::Binary(vec![0xff, 0x00, 0x41]))
            .unwrap();
        let event = event(&req, &spec(), &HashMap::new(), "rid");
        assert_eq!(event["isBase64Encoded"], true);
        let req = lambda_request(req, &spec(), HashMap::new(), "rid").unwrap();
        assert_eq!(req.body().as_ref(), &[0xff, 0x00, 0x41]);
    }
}
