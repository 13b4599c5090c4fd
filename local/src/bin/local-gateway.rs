//! `make run`: provisions the local stack, seeds the demo org, prints what a person needs
//! and serves every function on http://127.0.0.1:$PORT until Ctrl-C.

use std::sync::Arc;

use local::gateway::Router;
use local::stack::{self, BoxError, Clients, Endpoints};
use shared::types::CompanyId;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    shared::logging::init();
    let port: u16 = std::env::var("PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(3000);
    let config = stack::local_config(port)?;
    let template = stack::load_template()?;
    let router = Arc::new(Router::new(&template.routes)?);
    let clients = Clients::new(&Endpoints::from_env()).await;
    let app = Arc::new(stack::provision(config, &clients, &template).await?);
    let demo =
        local::seed::seed_org(&app, &CompanyId::parse("acme-demo")?, "Acme (demo)", 5).await?;
    let base = app.config.public_url("");
    let org = CompanyId::parse(&demo.company_id)?;
    let admin = shared::types::UserId::parse(&format!("{org}-admin"))?;
    let (portal, _) = admin_portal::issue_link(&app, &org, &admin, "system:make-run").await?;
    let summary = serde_json::json!({
        "companyId": demo.company_id,
        "adminToken": demo.admin_token,
        "users": demo.users,
        "baseUrl": base,
        "scimBaseUrl": format!("{base}/scim/v2"),
        "spMetadataUrl": format!("{base}/saml/{}/metadata", demo.company_id),
        "devIdpMetadataUrl": format!("{base}/dev/idp/metadata"),
        "mailViewer": format!("{base}/dev/mail"),
        "portalLink": portal,
    });
    let path = stack::repo_root().join(".local/demo.json");
    std::fs::create_dir_all(stack::repo_root().join(".local"))?;
    std::fs::write(&path, serde_json::to_string_pretty(&summary)?)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    // What the stream trigger and the sweep schedule do when deployed: run pending work.
    let worker = Arc::clone(&app);
    tokio::spawn(async move {
        loop {
            if let Err(error) = mailer::sweep(&worker).await {
                tracing::warn!(reason = %error, "local sweep failed");
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    });
    println!("{}", banner(&summary, &router));
    local::server::serve(listener, router, app, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await;
    println!("stopped");
    Ok(())
}

fn banner(summary: &serde_json::Value, router: &Router) -> String {
    let s = |k: &str| summary[k].as_str().unwrap_or_default().to_owned();
    let routes: Vec<String> = router
        .specs()
        .map(|r| format!("    {:<34} -> {}", r.route_key(), r.function))
        .collect();
    format!(
        "\nLocal stack ready (Ctrl-C stops everything).\n\
         \n  Gateway          {base}\
         \n  Company ID       {company}\
         \n  Admin token      {token}\
         \n  SCIM base URL    {scim}\
         \n  SP metadata      {sp}\
         \n  Dev IdP metadata {idp}\
         \n  Mail viewer      {mail}\
         \n  Admin portal     {portal}\
         \n                   (one use, 5 minutes; `make portal-link` for another)\
         \n  Same as JSON     .local/demo.json\
         \n\n  Try: curl -H \"Authorization: Bearer $(jq -r .adminToken .local/demo.json)\" {base}/admin/sso\
         \n\n  Routes (from template.yaml):\n{routes}\n",
        base = s("baseUrl"),
        company = s("companyId"),
        token = s("adminToken"),
        scim = s("scimBaseUrl"),
        sp = s("spMetadataUrl"),
        idp = s("devIdpMetadataUrl"),
        mail = s("mailViewer"),
        portal = s("portalLink"),
        routes = routes.join("\n"),
    )
}
