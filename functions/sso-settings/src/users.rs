//! `GET /admin/users`: the org's users with their binding state (`bound`, `pending`,
//! `expired`, `none`). With `limit` (1 to 100), one page in id order after `cursor`, its
//! bindings in one BatchGetItem and the org's count from its count item: the cost of the
//! page, not of the org. With `q`, the one user whose userName (the email) is `q`, found by
//! its uniqueness guard. Without either, every user (what the contract has always said).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use shared::App;
use shared::admin::AdminContext;
use shared::error::{Error, ErrorCode};
use shared::http::{json, query_param};
use shared::model::{Binding, BindingState, User};
use shared::store::keys::Unique;
use shared::types::UserId;

/// BatchGetItem reads at most 100 keys (DynamoDB API Reference, BatchGetItem).
const MAX_LIMIT: usize = 100;

pub async fn list(app: &App, ctx: &AdminContext, req: &Request) -> Result<Response<Body>, Error> {
    let org = ctx.company_id();
    if let Some(q) = query_param(req, "q").filter(|q| !q.trim().is_empty()) {
        let id = app
            .store
            .find_unique(org, Unique::UserName, &shared::identity::key(q.trim()))
            .await?;
        let user = match id {
            Some(id) => app.store.get_user(org, &id).await?,
            None => None,
        };
        let users: Vec<User> = user.into_iter().collect();
        let ids: Vec<UserId> = users.iter().map(|u| u.id.clone()).collect();
        let bindings = app.store.bindings_of(org, &ids).await?;
        let total = users.len();
        return Ok(answer(app, &users, &bindings, total as u64, None));
    }
    let Some(limit) = query_param(req, "limit") else {
        let (users, bindings) =
            futures_util::join!(app.store.list_users(org), app.store.list_bindings(org));
        let users = users?;
        let total = users.len() as u64;
        return Ok(answer(app, &users, &bindings?, total, None));
    };
    let limit = match limit.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
        _ => {
            return Err(Error::new(
                ErrorCode::InvalidRequest,
                format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
            ));
        }
    };
    let after = query_param(req, "cursor")
        .map(|c| decode_cursor(&c))
        .transpose()?;
    let (page, total) = futures_util::join!(
        app.store.users_page(org, after.as_ref(), limit as i32),
        app.store.user_count(org)
    );
    let ((users, more), total) = (page?, total?);
    let ids: Vec<UserId> = users.iter().map(|u| u.id.clone()).collect();
    let bindings = app.store.bindings_of(org, &ids).await?;
    let next = more
        .then(|| users.last().map(|u| URL_SAFE_NO_PAD.encode(u.id.as_str())))
        .flatten();
    Ok(answer(app, &users, &bindings, total, next))
}

fn decode_cursor(cursor: &str) -> Result<UserId, Error> {
    let bad = || Error::new(ErrorCode::InvalidRequest, "cursor is not one this API gave");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let id = String::from_utf8(bytes).map_err(|_| bad())?;
    UserId::parse(&id).map_err(|_| bad())
}

fn answer(
    app: &App,
    users: &[User],
    bindings: &[Binding],
    total: u64,
    next: Option<String>,
) -> Response<Body> {
    let now = app.now().unix_timestamp();
    let state = |u: &User| {
        if u.name_id.is_some() {
            return "bound";
        }
        match bindings.iter().find(|b| b.user_id == u.id) {
            Some(b) if b.state == BindingState::Pending && b.expires_at > now => "pending",
            Some(b) if b.state == BindingState::Pending => "expired",
            _ => "none",
        }
    };
    let users: Vec<Value> = users
        .iter()
        .map(|u| {
            json!({
                "id": u.id,
                "userName": u.user_name,
                "email": u.email,
                "name": { "givenName": u.given_name, "familyName": u.family_name, "formatted": u.formatted_name() },
                "role": u.role,
                "active": u.active,
                "source": u.source,
                "binding": state(u),
            })
        })
        .collect();
    json(
        StatusCode::OK,
        &json!({ "users": users, "total": total, "next": next }),
    )
}
