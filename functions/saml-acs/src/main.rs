//! Lambda entry point of `saml-acs`: wiring only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::serve(saml_acs::handler, shared::app::Needs::JWT).await
}
