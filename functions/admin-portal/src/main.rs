//! Lambda entry point of `admin-portal`: wiring only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::serve(admin_portal::handler, shared::app::Needs::JWT).await
}
