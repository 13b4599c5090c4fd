//! `make seed USERS=n`: one more org with n existing users; prints one JSON line.

use local::stack::{self, BoxError, Clients, Endpoints};
use shared::types::CompanyId;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let users: usize = std::env::var("USERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let config = stack::local_config(port)?;
    let template = stack::load_template()?;
    let clients = Clients::new(&Endpoints::from_env()).await;
    let app = stack::provision(config, &clients, &template).await?;
    #[allow(clippy::disallowed_methods)]
    let org = CompanyId::generate(&mut rand::rng());
    let seeded = local::seed::seed_org(&app, &org, &format!("Org {org}"), users).await?;
    println!("{}", serde_json::to_string(&seeded)?);
    Ok(())
}
