//! `make sp-keys CMD=init|add-next|promote|drop-previous SECRET_ID=...`: makes or rotates
//! the SP's signing and encryption keys inside a deployment's Secrets Manager secret, with
//! the caller's AWS credentials. The private keys go from this process to Secrets Manager
//! and nowhere else (not into CloudFormation, not into logs).

use aws_sdk_secretsmanager::Client;
use local::sp_keys::{self, BoxError};
use shared::saml::sp_keys::StoredKeys;

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let mut args = std::env::args().skip(1);
    let command = args.next().unwrap_or_default();
    let secret_id =
        std::env::var("SECRET_ID").map_err(|_| "set SECRET_ID to the stack's Keys secret")?;
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let client = Client::new(&config);
    let current = client
        .get_secret_value()
        .secret_id(&secret_id)
        .send()
        .await?;
    let mut doc: serde_json::Value = serde_json::from_str(current.secret_string().unwrap_or("{}"))?;
    let fields = doc
        .as_object_mut()
        .ok_or("the secret is not a JSON object")?;
    let mut keys: StoredKeys = fields
        .get("spKeys")
        .cloned()
        .map(serde_json::from_value)
        .transpose()?
        .unwrap_or_default();
    let entity = std::env::var("SP_NAME").unwrap_or_else(|_| "SSO service provider".into());
    match command.as_str() {
        "init" => {
            if !sp_keys::init(&mut keys, &entity)? {
                println!("sp-keys: the secret already holds SP keys; nothing to do");
                return Ok(());
            }
        }
        "add-next" => sp_keys::add_next(&mut keys, &entity)?,
        "promote" => sp_keys::promote(&mut keys)?,
        "drop-previous" => sp_keys::drop_previous(&mut keys),
        _ => return Err("usage: sp-keys init|add-next|promote|drop-previous".into()),
    }
    fields.insert("spKeys".into(), serde_json::to_value(&keys)?);
    client
        .put_secret_value()
        .secret_id(&secret_id)
        .secret_string(doc.to_string())
        .send()
        .await?;
    let states: Vec<String> = keys
        .signing
        .iter()
        .map(|k| format!("{:?}", k.state))
        .collect();
    println!(
        "sp-keys: {command} done; signing keys now {states:?}. Functions read it at their next cold start."
    );
    Ok(())
}
