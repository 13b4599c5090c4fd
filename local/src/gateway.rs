//! The local gateway: matches requests to template.yaml's routes and calls each function's
//! handler with the same `lambda_http` request API Gateway would build.

use std::collections::HashMap;
use std::sync::Arc;

use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
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
        let req = lambda_request(req, matched.spec, matched.params, request_id);
        Some(dispatch(matched.handler, app, req).await)
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

/// Percent-decoding only: like API Gateway, `+` stays `+`.
fn decode(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

fn query_map(query: Option<&str>) -> HashMap<String, Vec<String>> {
    let mut map: HashMap<String, Vec<String>> = HashMap::new();
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        map.entry(decode(k)).or_default().push(decode(v));
    }
    map
}

/// Builds the `lambda_http` request API Gateway (HTTP API, payload 2.0) would deliver.
pub fn lambda_request(
    req: http::Request<Body>,
    spec: &RouteSpec,
    params: HashMap<String, String>,
    request_id: &str,
) -> Request {
    let query = query_map(req.uri().query());
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(spec.route_key());
    context.request_id = Some(request_id.to_owned());
    context.stage = Some("$default".to_owned());
    req.with_path_parameters(params)
        .with_query_string_parameters(query)
        .with_request_context(RequestContext::ApiGatewayV2(context))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn queries_keep_plus_signs() {
        let map = query_map(Some("filter=userName%20eq%20%22jane+x%40y.com%22&count=1"));
        assert_eq!(
            map["filter"],
            vec!["userName eq \"jane+x@y.com\"".to_owned()]
        );
    }
}
