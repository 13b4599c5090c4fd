//! Lambda entry point of `sso-settings`: wiring only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::serve(sso_settings::handler, shared::app::Needs::JWT).await
}
