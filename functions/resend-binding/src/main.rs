//! Lambda entry point of `resend-binding`: wiring only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::serve(resend_binding::handler, shared::app::Needs::JWT).await
}
