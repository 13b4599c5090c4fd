//! Lambda entry point of the scheduled metadata refresh: wiring only.

use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::logging::init();
    let app = std::sync::Arc::new(shared::App::from_env(shared::app::Needs::TABLE).await?);
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| {
        let app = std::sync::Arc::clone(&app);
        async move {
            let results = shared::idp::refresh_all(&app)
                .await
                .map_err(|e| lambda_runtime::Error::from(e.to_string()))?;
            Ok::<_, lambda_runtime::Error>(serde_json::json!({ "orgs": results.len() }))
        }
    }))
    .await
}
