//! Lambda entry point of `scim-users`: wiring only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::serve(scim_users::handler, shared::app::Needs::TABLE).await
}
