//! `saml-acs`: SAML service provider: SP metadata, SP-initiated login and the ACS. Its capability comes with its own issue; until then it answers 501.

use std::sync::Arc;

use lambda_http::Request;
use shared::App;
use shared::http::HandlerFuture;

/// The function's handler, as the runtime and the local gateway call it.
pub fn handler(_app: Arc<App>, req: Request) -> HandlerFuture {
    shared::http::not_implemented(req)
}
