//! Seeding: an org with an admin and existing users, and an admin token to act as that admin.

use serde::Serialize;
use shared::App;
use shared::model::Org;
use shared::model::{Source, User};
use shared::tokens::AdminClaims;
use shared::types::{CompanyId, Email, Role, Timestamp, UserId, UserName};

use crate::stack::BoxError;

/// What `make seed` prints and `.local/demo.json` holds (plus URLs for the demo).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeededOrg {
    pub company_id: String,
    pub admin_token: String,
    pub users: Vec<SeededUser>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SeededUser {
    pub id: String,
    pub email: String,
}

const NAMES: &[(&str, &str)] = &[
    ("Ada", "Lovelace"),
    ("Grace", "Hopper"),
    ("Alan", "Turing"),
    ("Katherine", "Johnson"),
    ("Edsger", "Dijkstra"),
    ("Barbara", "Liskov"),
];

/// A user of `org` that existed in the app before SSO.
pub fn app_user(
    org: &CompanyId,
    id: UserId,
    email: &str,
    name: (&str, &str),
    role: Role,
    now: Timestamp,
) -> Result<User, BoxError> {
    Ok(User {
        id,
        company_id: org.clone(),
        user_name: UserName::parse(email)?,
        email: Email::parse(email)?,
        given_name: name.0.to_owned(),
        family_name: name.1.to_owned(),
        phone_number: None,
        timezone: Some("America/New_York".to_owned()),
        role,
        role_source: Default::default(),
        active: true,
        external_id: None,
        name_id: None,
        source: Source::App,
        version: 1,
        created_at: now,
        last_modified: now,
    })
}

/// An admin token for `admin` of `org`, valid for `days`.
pub fn admin_token(
    app: &App,
    org: &CompanyId,
    admin: &UserId,
    days: i64,
) -> Result<String, BoxError> {
    let now = app.now().unix_timestamp();
    let claims = AdminClaims {
        sub: admin.to_string(),
        org: org.to_string(),
        role: "admin".into(),
        aud: "admin".into(),
        iat: now,
        exp: now + days * 86_400,
    };
    Ok(app.jwt()?.sign(&claims)?)
}

/// Creates `org` (if new) with an admin `admin@{domain}` and `users` more existing users.
pub async fn seed_org(
    app: &App,
    org: &CompanyId,
    name: &str,
    users: usize,
) -> Result<SeededOrg, BoxError> {
    let now = app.timestamp();
    let domain = format!("{org}.example.com");
    let event = |what: &str| app.audit("system", what, org.as_str(), serde_json::Value::Null);
    let created = app
        .store
        .create_org(&Org {
            company_id: org.clone(),
            name: name.into(),
            created_at: now,
            scim_token_hash: None,
        })
        .await;
    let admin_id = UserId::parse(&format!("{org}-admin"))?;
    let mut seeded = Vec::new();
    if let Err(error) = &created
        && error.code() != shared::error::ErrorCode::OrgExists
    {
        return Err(error.to_string().into());
    }
    if created.is_ok() {
        let admin = app_user(
            org,
            admin_id.clone(),
            &format!("admin@{domain}"),
            ("Pat", "Admin"),
            Role::Admin,
            now,
        )?;
        app.store
            .create_user(&admin, &event("user.seeded"), None)
            .await?;
        seeded.push(SeededUser {
            id: admin.id.to_string(),
            email: admin.email.to_string(),
        });
        for i in 0..users {
            let (given, family) = NAMES
                .iter()
                .cycle()
                .nth(i)
                .copied()
                .unwrap_or(("Ada", "Lovelace"));
            let email = format!(
                "{}.{}{}@{domain}",
                given.to_lowercase(),
                family.to_lowercase(),
                i / NAMES.len() + 1
            );
            let role = if i % 5 == 4 {
                Role::Meetings
            } else {
                Role::Rep
            };
            let user = app_user(org, app.ids.user_id(), &email, (given, family), role, now)?;
            app.store
                .create_user(&user, &event("user.seeded"), None)
                .await?;
            seeded.push(SeededUser {
                id: user.id.to_string(),
                email: user.email.to_string(),
            });
        }
    } else {
        seeded = app
            .store
            .list_users(org)
            .await?
            .into_iter()
            .map(|u| SeededUser {
                id: u.id.to_string(),
                email: u.email.to_string(),
            })
            .collect();
    }
    Ok(SeededOrg {
        company_id: org.to_string(),
        admin_token: admin_token(app, org, &admin_id, 30)?,
        users: seeded,
    })
}
