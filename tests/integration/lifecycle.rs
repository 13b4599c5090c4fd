//! The SSO lifecycle: enable and disable owe emails to whole orgs, durably and once.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use futures_util::future::join_all;
use shared::model::EmailKind;
use shared::model::JobState;
use shared::model::{SsoConfig, SsoStatus};
use shared::sso::{self, RunOutcome};
use shared::types::{CompanyId, Role, UserId};

use crate::harness::TestEnv;

async fn set_status(env: &TestEnv, org: &str, status: SsoStatus) {
    let org = CompanyId::parse(org).unwrap();
    let current = env.app.store.get_sso_config(&org).await.unwrap();
    let version = current.as_ref().map(|c| c.version);
    let config = SsoConfig {
        status,
        idp_entity_id: Some("http://www.okta.com/exk1".into()),
        sso_url: Some("https://dev-1.okta.com/app/x/sso/saml".into()),
        version: version.map_or(1, |v| v + 1),
        ..Default::default()
    };
    env.app
        .store
        .put_sso_config(
            &org,
            &config,
            version,
            &env.app
                .audit("test", "test.sso", org.as_str(), serde_json::Value::Null),
        )
        .await
        .unwrap();
}

/// Writes `n` existing users straight into the table (25 per BatchWriteItem, 8 in flight).
async fn bulk_users(env: &TestEnv, org: &str, n: usize) {
    let company = CompanyId::parse(org).unwrap();
    let now = env.app.timestamp();
    let items: Vec<WriteRequest> = (0..n)
        .map(|i| {
            let id = UserId::parse(&format!("bulk{i:06}")).unwrap();
            let user = local::seed::app_user(
                &company,
                id.clone(),
                &format!("bulk{i}@{org}.example.com"),
                ("Bulk", "User"),
                Role::Rep,
                now,
            )
            .unwrap();
            let mut item: std::collections::HashMap<String, AttributeValue> =
                serde_dynamo::to_item(&user).unwrap();
            item.insert("PK".into(), AttributeValue::S(format!("ORG#{org}")));
            item.insert("SK".into(), AttributeValue::S(format!("USER#{id}")));
            WriteRequest::builder()
                .put_request(PutRequest::builder().set_item(Some(item)).build().unwrap())
                .build()
        })
        .collect();
    let batches: Vec<Vec<WriteRequest>> = items.chunks(25).map(<[WriteRequest]>::to_vec).collect();
    for group in batches.chunks(8) {
        join_all(group.iter().map(|batch| {
            env.clients
                .dynamodb
                .batch_write_item()
                .request_items(env.app.store.table(), batch.clone())
                .send()
        }))
        .await
        .into_iter()
        .for_each(|r| assert!(r.unwrap().unprocessed_items().is_none_or(|u| u.is_empty())));
    }
}

/// Outbox records of a job, by a consistent scan.
async fn outbox_of(env: &TestEnv, job: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut start = None;
    loop {
        let out = env
            .clients
            .dynamodb
            .scan()
            .table_name(env.app.store.table())
            .filter_expression("begins_with(PK, :p)")
            .expression_attribute_values(":p", AttributeValue::S(format!("OUTBOX#{job}-")))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        for item in out.items() {
            let get = |k: &str| {
                item.get(k)
                    .and_then(|v| v.as_s().ok())
                    .cloned()
                    .unwrap_or_default()
            };
            found.push((get("userId"), get("kind")));
        }
        start = out.last_evaluated_key;
        if start.is_none() {
            return found;
        }
    }
}

async fn latest_job(env: &TestEnv) -> String {
    env.app
        .store
        .pending_jobs(10)
        .await
        .unwrap()
        .last()
        .expect("a pending job")
        .id
        .clone()
}

#[tokio::test]
async fn enabling_an_unverified_configuration_is_409_not_verified() {
    let env = TestEnv::new().await;
    let org = env.seed_org(2).await;
    let response = env
        .admin("POST", "/admin/sso/enable", &org.admin_token)
        .await;
    assert_eq!(response.status, 409);
    assert_eq!(response.json()["code"], "not_verified");
    set_status(&env, &org.company_id, SsoStatus::Configured).await;
    assert_eq!(
        env.admin("POST", "/admin/sso/enable", &org.admin_token)
            .await
            .json()["code"],
        "not_verified"
    );
}

#[tokio::test]
async fn enabling_owes_every_active_unbound_user_one_binding_email() {
    let env = TestEnv::new().await;
    let org = env.seed_org(4).await;
    set_status(&env, &org.company_id, SsoStatus::Verified).await;
    let response = env
        .admin("POST", "/admin/sso/enable", &org.admin_token)
        .await;
    assert_eq!(response.status, 202, "{}", response.body);
    assert_eq!(response.json()["bindingEmails"], 5);
    assert_eq!(
        env.admin("GET", "/admin/sso", &org.admin_token)
            .await
            .json()["status"],
        "enabled"
    );
    let job = latest_job(&env).await;
    assert_eq!(
        sso::run_job(&env.app, &job, None).await.unwrap(),
        RunOutcome::Done { written: 5 }
    );
    let records = outbox_of(&env, &job).await;
    assert_eq!(records.len(), 5);
    assert!(records.iter().all(|(_, kind)| kind == "binding"));
    assert_eq!(
        env.app.store.get_job(&job).await.unwrap().unwrap().state,
        JobState::Done
    );
    // Enabling twice is refused; the job reruns to no effect.
    assert_eq!(
        env.admin("POST", "/admin/sso/enable", &org.admin_token)
            .await
            .status,
        409
    );
    assert_eq!(
        sso::run_job(&env.app, &job, None).await.unwrap(),
        RunOutcome::Done { written: 0 }
    );
}

#[tokio::test]
async fn disabling_owes_every_active_user_a_password_email_and_clears_bindings() {
    let env = TestEnv::new().await;
    let org = env.seed_org(3).await;
    let company = CompanyId::parse(&org.company_id).unwrap();
    // Bind one user to an IdP identity.
    let user = env
        .app
        .store
        .get_user(&company, &UserId::parse(&org.users[1].id).unwrap())
        .await
        .unwrap()
        .unwrap();
    let mut bound = user.clone();
    bound.name_id = Some(shared::identity::NameId::parse("bound@idp.example.com").unwrap());
    bound.version += 1;
    let event = shared::model::AuditEvent::new(
        "b1".into(),
        shared::types::Timestamp::parse("2026-01-01T00:00:00Z").unwrap(),
        "test",
        "bind",
        "x",
    );
    env.app
        .store
        .update_user(&user, &bound, &event, None)
        .await
        .unwrap();
    set_status(&env, &org.company_id, SsoStatus::Enabled).await;

    let response = env
        .admin("POST", "/admin/sso/disable", &org.admin_token)
        .await;
    assert_eq!(response.status, 202, "{}", response.body);
    assert_eq!(response.json()["passwordEmails"], 4);
    assert_eq!(
        env.admin("GET", "/admin/sso", &org.admin_token)
            .await
            .json()["status"],
        "verified"
    );
    let job = latest_job(&env).await;
    sso::run_job(&env.app, &job, None).await.unwrap();
    let records = outbox_of(&env, &job).await;
    assert_eq!(records.len(), 4);
    assert!(records.iter().all(|(_, kind)| kind == "password-setup"));
    let after = env
        .app
        .store
        .get_user(&company, &user.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.name_id, None);
    assert_eq!(after.email, user.email);
    let _ = EmailKind::PasswordSetup;
    assert_eq!(
        env.admin("POST", "/admin/sso/disable", &org.admin_token)
            .await
            .json()["code"],
        "not_enabled"
    );
}

/// Org size for the fan-out test: 1,000 in `make test`, 10,000 in `make bench`
/// (`ENABLE_USERS=10000`), where the timings are printed.
fn org_size() -> usize {
    std::env::var("ENABLE_USERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000)
}

#[tokio::test]
async fn enabling_for_a_large_org_answers_fast_and_a_fan_out_killed_halfway_writes_each_email_once()
{
    let size = org_size();
    let env = TestEnv::new().await;
    let org = env.seed_org(0).await;
    bulk_users(&env, &org.company_id, size - 1).await;
    set_status(&env, &org.company_id, SsoStatus::Verified).await;

    let started = Instant::now();
    let response = env
        .admin("POST", "/admin/sso/enable", &org.admin_token)
        .await;
    let answered_in = started.elapsed();
    assert_eq!(response.status, 202, "{}", response.body);
    assert_eq!(response.json()["bindingEmails"], size);
    assert!(
        answered_in < Duration::from_secs(3),
        "enable took {answered_in:?}"
    );

    // The first run dies halfway, after a checkpoint ...
    let pages = size / sso::PAGE as usize / 2;
    let job = latest_job(&env).await;
    let started = Instant::now();
    let first = sso::run_job(&env.app, &job, Some(pages)).await.unwrap();
    let first_took = started.elapsed();
    let done_first = (pages * sso::PAGE as usize) as u64;
    assert_eq!(
        first,
        RunOutcome::Stopped {
            written: done_first
        }
    );
    // ... and, worse, after writing part of the next page without checkpointing it.
    let company = CompanyId::parse(&org.company_id).unwrap();
    let cursor = env.app.store.get_job(&job).await.unwrap().unwrap().cursor;
    let (next_page, _) = env
        .app
        .store
        .users_page(&company, cursor.as_ref(), 100)
        .await
        .unwrap();
    let job_item = env.app.store.get_job(&job).await.unwrap().unwrap();
    assert_eq!(
        sso::handle_page(&env.app, &job_item, &next_page)
            .await
            .unwrap(),
        100
    );

    // The rerun resumes from the checkpoint and leaves exactly one record per user.
    let started = Instant::now();
    let rest = sso::run_job(&env.app, &job, None).await.unwrap();
    let rest_took = started.elapsed();
    assert_eq!(
        rest,
        RunOutcome::Done {
            written: size as u64 - done_first - 100
        }
    );
    let records = outbox_of(&env, &job).await;
    assert_eq!(records.len(), size);
    let mut users: Vec<&String> = records.iter().map(|(u, _)| u).collect();
    users.sort();
    users.dedup();
    assert_eq!(users.len(), size);
    eprintln!(
        "enable for {size} users answered in {answered_in:?}; fan-out: {done_first} in {first_took:?}, the rest in {rest_took:?}"
    );
}
