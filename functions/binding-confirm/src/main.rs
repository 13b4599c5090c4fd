//! Lambda entry point of `binding-confirm`: wiring only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::serve(binding_confirm::handler, shared::app::Needs::JWT).await
}
