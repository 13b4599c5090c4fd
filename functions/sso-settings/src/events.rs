//! `GET /admin/events?limit=50&cursor=...`: the org's audit trail, newest first, a page at
//! a time (CONTRACT "SSO settings"). The cursor is the last event's sort key, base64url:
//! opaque to the caller, and checked to be an event key before it reaches the table.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::App;
use shared::admin::AdminContext;
use shared::error::{Error, ErrorCode};
use shared::http::{json, query_param};

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 200;
/// Event sort keys are `EVENT#` + an RFC 3339 instant + `#` + a 40-character id.
const MAX_CURSOR_KEY: usize = 128;

pub async fn list(app: &App, ctx: &AdminContext, req: &Request) -> Result<Response<Body>, Error> {
    let limit = limit(query_param(req, "limit").as_deref())?;
    let after = query_param(req, "cursor")
        .map(|c| decode_cursor(&c))
        .transpose()?;
    let (events, next) = app
        .store
        .events_page(ctx.company_id(), limit, after.as_deref())
        .await?;
    let events: Vec<serde_json::Value> = events
        .iter()
        .map(|e| {
            json!({
                "id": e.id, "at": e.at, "actor": e.actor, "action": e.action,
                "target": e.target, "detail": e.detail,
            })
        })
        .collect();
    let next = next.map(|sk| URL_SAFE_NO_PAD.encode(sk));
    Ok(json(
        StatusCode::OK,
        &json!({ "events": events, "next": next }),
    ))
}

fn limit(raw: Option<&str>) -> Result<usize, Error> {
    match raw.map(str::trim) {
        None | Some("") => Ok(DEFAULT_LIMIT),
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            _ => Err(Error::new(
                ErrorCode::InvalidRequest,
                format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
            )),
        },
    }
}

fn decode_cursor(cursor: &str) -> Result<String, Error> {
    let bad = || Error::new(ErrorCode::InvalidRequest, "cursor is not one this API gave");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let key = String::from_utf8(bytes).map_err(|_| bad())?;
    let well_formed = key.starts_with(shared::store::keys::EVENT_PREFIX)
        && key.len() <= MAX_CURSOR_KEY
        && key.chars().all(|c| c.is_ascii_graphic());
    if well_formed { Ok(key) } else { Err(bad()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_cursors_are_checked_before_the_table() {
        assert_eq!(limit(None).ok(), Some(50));
        assert_eq!(limit(Some("200")).ok(), Some(200));
        for bad in ["0", "201", "-1", "ten"] {
            assert!(limit(Some(bad)).is_err(), "{bad}");
        }
        let good = URL_SAFE_NO_PAD.encode("EVENT#2026-01-01T00:00:00Z#abc");
        assert_eq!(
            decode_cursor(&good).ok().as_deref(),
            Some("EVENT#2026-01-01T00:00:00Z#abc")
        );
        for bad in [
            "!!".to_owned(),
            URL_SAFE_NO_PAD.encode("USER#u1"),
            URL_SAFE_NO_PAD.encode(format!("EVENT#{}", "x".repeat(200))),
        ] {
            assert!(decode_cursor(&bad).is_err(), "{bad}");
        }
    }
}
