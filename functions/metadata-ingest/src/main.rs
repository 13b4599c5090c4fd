//! Lambda entry point of `metadata-ingest`: wiring only.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::http::serve(metadata_ingest::handler, shared::app::Needs::JWT).await
}
