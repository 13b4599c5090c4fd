//! The User operations: list with filters, create, read, replace, patch, delete.
//! Each checks the SCIM token in the same DynamoDB round trip as its own read or write.

use http::{StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::Value;
use shared::App;
use shared::error::{Error, ErrorCode};
use shared::http::Query;
use shared::identity;
use shared::model::AuditEvent;
use shared::model::{Source, User};
use shared::scim::filter::{self, AttrPath, Filter};
use shared::scim::list::{Page, list_response};
use shared::scim::patch::{self, Changes};
use shared::scim::projection::Projection;
use shared::scim::resource::{self, etag, render_user};
use shared::store::keys::Unique;
use shared::tokens::ScimCredential;
use shared::types::{Role, UserId};

use crate::{body_json, scim_json};

fn base(app: &App) -> String {
    shared::urls::scim_base(&app.config)
}

fn event(app: &App, action: &str, user: &User, detail: Value) -> AuditEvent {
    app.audit("scim", action, user.id.as_str(), detail)
}

/// `id` is caseExact (RFC 7643 3.1); the rest compare case-insensitively, ASCII letters
/// only. `externalId` too: CONTRACT.md "Tenancy and identity" makes every identity value
/// (userName, email, NameID, externalId) compare so, whatever RFC 7643 defaults to.
fn case_exact(path: &AttrPath) -> bool {
    path.is("id")
}

/// What a list asks for, from the query string (`GET /Users`) or a SearchRequest body
/// (`POST /Users/.search`, RFC 7644 3.4.3).
pub struct ListQuery {
    filter: Option<String>,
    page: Page,
    projection: Projection,
}

impl ListQuery {
    pub fn from_query(req: &Request) -> Result<Self, Error> {
        let query = Query::of(req);
        Ok(Self {
            filter: query.first("filter").map(str::to_owned),
            page: Page::parse(query.first("startIndex"), query.first("count"))?,
            projection: projection_in(&query),
        })
    }

    pub fn from_search(body: &Value) -> Result<Self, Error> {
        let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_owned);
        let number = |key: &str| {
            body.get(key)
                .map(|v| v.to_string().trim_matches('"').to_owned())
        };
        let list = |key: &str| match body.get(key) {
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        Ok(Self {
            filter: text("filter"),
            page: Page::parse(number("startIndex").as_deref(), number("count").as_deref())?,
            projection: Projection::parse(
                list("attributes").as_deref(),
                list("excludedAttributes").as_deref(),
            ),
        })
    }
}

/// `attributes` / `excludedAttributes` query parameters.
pub fn projection_of(req: &Request) -> Projection {
    projection_in(&Query::of(req))
}

fn projection_in(query: &Query) -> Projection {
    Projection::parse(query.first("attributes"), query.first("excludedAttributes"))
}

/// `GET /Users` and `POST /Users/.search`. What a page costs follows what it asks:
/// - no filter: the org's user count and the page alone (keys skipped on the users index),
///   beside the token check; a first page is one Query beside it;
/// - `id`, `userName` or `externalId` equality: one keyed read with the token check;
/// - any other filter: every user examined, when the org has at most
///   `SCIM_FILTER_MAX_USERS` of them; otherwise `400 tooMany` (RFC 7644 3.4.2.2 and 3.12).
pub async fn list(
    app: &App,
    credential: &ScimCredential,
    query: ListQuery,
) -> Result<Response<Body>, Error> {
    let filter = match query.filter.filter(|f| !f.trim().is_empty()) {
        Some(raw) => Some(
            filter::parse(&raw).map_err(|e| Error::new(ErrorCode::InvalidFilter, e.to_string()))?,
        ),
        None => None,
    };
    let page = query.page;
    let base = base(app);
    let Some(filter) = filter else {
        let org = &credential.org;
        let (check, listed) = futures_util::join!(
            app.store.check_scim_token(credential),
            app.store
                .users_with_count(org, page.start_index - 1, page.count)
        );
        check?;
        let (total, users) = listed?;
        let resources = users
            .iter()
            .map(|u| query.projection.apply(render_user(u, &base)))
            .collect();
        let total = usize::try_from(total).unwrap_or(usize::MAX);
        return Ok(scim_json(
            StatusCode::OK,
            &list_response(resources, total, page.start_index),
        ));
    };
    let users = match keyed_candidates(app, credential, &filter).await? {
        Some(users) => users,
        None => examined(app, credential, &filter).await?,
    };
    let matching: Vec<Value> = users
        .iter()
        .map(|u| render_user(u, &base))
        .filter(|r| filter.matches(r, &case_exact))
        .collect();
    let total = matching.len();
    let range = page.slice(&matching);
    let resources = matching
        .into_iter()
        .skip(range.start)
        .take(range.len())
        .map(|r| query.projection.apply(r))
        .collect();
    Ok(scim_json(
        StatusCode::OK,
        &list_response(resources, total, page.start_index),
    ))
}

/// Every user of the org, for a filter no key answers: refused with `400 tooMany` before
/// anything is read when the org has more than the configured number.
async fn examined(
    app: &App,
    credential: &ScimCredential,
    filter: &Filter,
) -> Result<Vec<User>, Error> {
    let cap = app.config.scim_filter_max_users;
    let org = &credential.org;
    let (check, count) = futures_util::join!(
        app.store.check_scim_token(credential),
        app.store.user_count(org)
    );
    check?;
    let too_many = |count: u64| {
        Error::new(
            ErrorCode::TooMany,
            format!(
                "The filter '{filter}' can only be answered by examining every user, and this \
                 org has {count}; the server examines at most {cap}. Filter by userName, \
                 externalId or id with eq, or page without a filter."
            ),
        )
    };
    let count = count?;
    if count > cap as u64 {
        return Err(too_many(count));
    }
    app.store
        .users_up_to(org, cap)
        .await?
        .ok_or_else(|| too_many(cap as u64 + 1))
}

/// `POST /Users/.search`.
pub async fn search(
    app: &App,
    req: &Request,
    credential: &ScimCredential,
) -> Result<Response<Body>, Error> {
    let query = parse_body(app, req, credential, ListQuery::from_search).await?;
    list(app, credential, query).await
}

/// For `attr eq "value"` on a keyed attribute: the (at most one) candidate, found by key.
async fn keyed_candidates(
    app: &App,
    credential: &ScimCredential,
    filter: &Filter,
) -> Result<Option<Vec<User>>, Error> {
    if let Some(id) = filter.equality_on("id") {
        let Ok(id) = UserId::parse(id) else {
            return Ok(Some(vec![]));
        };
        return Ok(Some(
            read_user(app, credential, &id).await?.into_iter().collect(),
        ));
    }
    let keyed = [
        ("userName", Unique::UserName),
        ("externalId", Unique::ExternalId),
    ];
    for (attr, kind) in keyed {
        if let Some(value) = filter.equality_on(attr) {
            let user = app
                .store
                .user_by_identity_with_scim_token(credential, kind, &identity::key(value))
                .await?;
            return Ok(Some(user.into_iter().collect()));
        }
    }
    Ok(None)
}

/// The user, with the token checked in the same round trip.
async fn read_user(
    app: &App,
    credential: &ScimCredential,
    id: &UserId,
) -> Result<Option<User>, Error> {
    app.store.user_with_scim_token(credential, id).await
}

async fn existing(app: &App, credential: &ScimCredential, raw_id: &str) -> Result<User, Error> {
    let Ok(id) = UserId::parse(raw_id) else {
        app.store.check_scim_token(credential).await?;
        return Err(Error::not_found("User"));
    };
    read_user(app, credential, &id)
        .await?
        .ok_or(Error::not_found("User"))
}

/// Parses a write's body; when it is invalid, the token is still checked first, so a
/// caller without a valid token always gets `401`.
async fn parse_body<T>(
    app: &App,
    req: &Request,
    credential: &ScimCredential,
    parse: impl Fn(&Value) -> Result<T, Error>,
) -> Result<T, Error> {
    match body_json(req).and_then(|body| parse(&body)) {
        Ok(parsed) => Ok(parsed),
        Err(error) => {
            app.store.check_scim_token(credential).await?;
            Err(error)
        }
    }
}

/// `POST /Users`: one transaction (user, guards, audit event, token check).
pub async fn create(
    app: &App,
    req: &Request,
    credential: &ScimCredential,
) -> Result<Response<Body>, Error> {
    let input = parse_body(app, req, credential, resource::parse_user).await?;
    let now = app.timestamp();
    let (role, role_source) = input.role.unwrap_or((Role::Rep, Default::default()));
    let user = User {
        id: app.ids.user_id(),
        company_id: credential.org.clone(),
        user_name: input.user_name,
        email: input.email,
        given_name: input.given_name,
        family_name: input.family_name,
        phone_number: input.phone_number,
        timezone: input.timezone,
        role,
        role_source,
        active: input.active,
        external_id: input.external_id,
        name_id: None,
        source: Source::Scim,
        version: 1,
        created_at: now,
        last_modified: now,
    };
    let audit = event(
        app,
        "scim.user.created",
        &user,
        serde_json::json!({ "role": user.role, "active": user.active }),
    );
    app.store
        .create_user(&user, &audit, Some(credential))
        .await?;
    Ok(scim_json(
        StatusCode::CREATED,
        &render_user(&user, &base(app)),
    ))
}

pub async fn get(
    app: &App,
    req: &Request,
    credential: &ScimCredential,
    id: &str,
) -> Result<Response<Body>, Error> {
    let user = existing(app, credential, id).await?;
    let resource = projection_of(req).apply(render_user(&user, &base(app)));
    Ok(scim_json(StatusCode::OK, &resource))
}

/// `If-Match` (RFC 7644 3.14): `*` or the current weak ETag, else `412`.
fn check_if_match(req: &Request, user: &User) -> Result<(), Error> {
    let Some(raw) = req
        .headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(());
    };
    let current = etag(user);
    let strip = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    if raw
        .split(',')
        .any(|t| t.trim() == "*" || strip(t) == strip(&current))
    {
        Ok(())
    } else {
        Err(Error::new(
            ErrorCode::PreconditionFailed,
            format!("The user is at version {current}."),
        ))
    }
}

async fn update(
    app: &App,
    req: &Request,
    credential: &ScimCredential,
    id: &str,
    changes: Changes,
) -> Result<Response<Body>, Error> {
    let user = existing(app, credential, id).await?;
    check_if_match(req, &user)?;
    let Some(next) = changes.apply(&user, app.now()) else {
        return Ok(scim_json(StatusCode::OK, &render_user(&user, &base(app))));
    };
    let action = match (user.active, next.active) {
        (true, false) => "scim.user.deactivated",
        (false, true) => "scim.user.reactivated",
        _ => "scim.user.updated",
    };
    let audit = event(
        app,
        action,
        &next,
        serde_json::json!({ "changed": changes.summary() }),
    );
    app.store
        .update_user(&user, &next, &audit, Some(credential))
        .await?;
    Ok(scim_json(StatusCode::OK, &render_user(&next, &base(app))))
}

/// `PUT /Users/{id}`: the full resource; only the mutable attributes are kept.
pub async fn replace(
    app: &App,
    req: &Request,
    credential: &ScimCredential,
    id: &str,
) -> Result<Response<Body>, Error> {
    let changes = parse_body(app, req, credential, patch::from_put).await?;
    update(app, req, credential, id, changes).await
}

/// `PATCH /Users/{id}`: a PatchOp, with or without `path`.
pub async fn patch(
    app: &App,
    req: &Request,
    credential: &ScimCredential,
    id: &str,
) -> Result<Response<Body>, Error> {
    let changes = parse_body(app, req, credential, patch::from_patch).await?;
    update(app, req, credential, id, changes).await
}

/// `DELETE /Users/{id}`: `204`, then `404`; a tombstone stays for the audit trail.
pub async fn delete(
    app: &App,
    req: &Request,
    credential: &ScimCredential,
    id: &str,
) -> Result<Response<Body>, Error> {
    let user = existing(app, credential, id).await?;
    check_if_match(req, &user)?;
    let audit = event(app, "scim.user.deleted", &user, Value::Null);
    app.store
        .delete_user(&user, &audit, Some(credential))
        .await?;
    Ok(shared::http::empty(StatusCode::NO_CONTENT))
}
