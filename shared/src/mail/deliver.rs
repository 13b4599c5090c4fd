//! Delivering the outbox: each pending record is rendered, sent through SES v2, then
//! marked sent; a failure leaves it pending with a later retry time (backoff), never lost.
//!
//! The one window for a duplicate email: the mailer dies after SES accepted a message and
//! before `mark_outbox_sent` landed. The retry then sends it again (with the same link:
//! a binding link's `jti` is the record's id and its expiry is kept). Nothing else sends
//! a record twice: marking sent is conditional on the record still being pending.

use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use super::templates::{self, Email};
use crate::app::App;
use crate::error::Error;
use crate::model::BindingState;
use crate::model::{EmailKind, OutboxRecord};
use crate::tokens::{Audience, BindingClaims, PasswordSetupClaims};

/// A binding link's life (CONTRACT.md: 72 hours).
pub const BINDING_SECONDS: i64 = 72 * 3600;

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    pub sent: u32,
    pub skipped: u32,
    pub retry_later: u32,
}

/// Seconds before attempt `n + 1`: 30 s doubling, at most an hour.
pub fn backoff(attempts: u32) -> i64 {
    30_i64.saturating_mul(1 << attempts.min(7)).min(3600)
}

/// Sends everything due (the sweep, and the local stack's loop).
pub async fn deliver_due(app: &App, limit: i32) -> Result<Report, Error> {
    let due = app
        .store
        .due_outbox(app.now().unix_timestamp(), limit)
        .await?;
    deliver_records(app, &due).await
}

/// Sends records already read (pending and due).
pub async fn deliver_records(app: &App, due: &[OutboxRecord]) -> Result<Report, Error> {
    let mut report = Report::default();
    for record in due {
        tally(&mut report, deliver(app, record).await?);
    }
    Ok(report)
}

/// Sends the named records (a stream batch), if they are still pending.
pub async fn deliver_ids(app: &App, ids: &[String]) -> Result<Report, Error> {
    let mut report = Report::default();
    for id in ids {
        if let Some(record) = app.store.get_outbox(id).await?
            && record.state == crate::model::OutboxState::Pending
        {
            tally(&mut report, deliver(app, &record).await?);
        }
    }
    Ok(report)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    Skipped,
    RetryLater,
}

fn tally(report: &mut Report, outcome: Outcome) {
    match outcome {
        Outcome::Sent => report.sent += 1,
        Outcome::Skipped => report.skipped += 1,
        Outcome::RetryLater => report.retry_later += 1,
    }
}

/// One record: render (minting its link), send, mark sent; on an SES error, retry later.
pub async fn deliver(app: &App, record: &OutboxRecord) -> Result<Outcome, Error> {
    let Some(email) = render(app, record).await? else {
        app.store
            .mark_outbox_sent(&record.id, "skipped", app.timestamp())
            .await?;
        return Ok(Outcome::Skipped);
    };
    match send(app, &record.to, &email).await {
        Ok(message_id) => {
            app.store
                .mark_outbox_sent(&record.id, &message_id, app.timestamp())
                .await?;
            Ok(Outcome::Sent)
        }
        Err(reason) => {
            let next = app.now().unix_timestamp() + backoff(record.attempts);
            tracing::warn!(outbox = %record.id, attempts = record.attempts + 1, reason = %reason, "email not accepted; will retry");
            app.store.retry_outbox_later(record, next, &reason).await?;
            Ok(Outcome::RetryLater)
        }
    }
}

/// The email a record owes, or `None` when it no longer should go out (a newer binding
/// link replaced it, or the link was used already).
async fn render(app: &App, record: &OutboxRecord) -> Result<Option<Email>, Error> {
    let user = app
        .store
        .get_user(&record.company_id, &record.user_id)
        .await?;
    let given = user
        .as_ref()
        .map(|u| u.given_name.clone())
        .unwrap_or_default();
    match record.kind {
        EmailKind::Binding | EmailKind::Invitation => {
            if user
                .as_ref()
                .is_none_or(|u| u.name_id.is_some() || !u.active)
            {
                return Ok(None);
            }
            let Some(link) = binding_link(app, record).await? else {
                return Ok(None);
            };
            Ok(Some(if record.kind == EmailKind::Binding {
                templates::binding(&given, &link)
            } else {
                templates::invitation(&given, &link)
            }))
        }
        EmailKind::PasswordSetup => Ok(Some(templates::password_setup(
            &given,
            &password_link(app, record).await?,
        ))),
    }
}

fn created_unix(record: &OutboxRecord) -> i64 {
    record.created_at.unix_timestamp()
}

/// `{base}/bind/{token}`: the record's id is the link's `jti`, so a retry sends the same
/// link; an older record than the user's current link is skipped.
async fn binding_link(app: &App, record: &OutboxRecord) -> Result<Option<String>, Error> {
    let issued = created_unix(record);
    let expires = app.now().unix_timestamp() + BINDING_SECONDS;
    let binding = app
        .store
        .issue_binding(
            &record.company_id,
            &record.user_id,
            &record.id,
            issued,
            expires,
        )
        .await?;
    let Some(binding) = binding.filter(|b| b.state == BindingState::Pending) else {
        return Ok(None);
    };
    let claims = BindingClaims {
        sub: record.user_id.to_string(),
        org: record.company_id.to_string(),
        jti: record.id.clone(),
        aud: Audience::Binding.as_str().into(),
        // The link lives 72 hours from its first sending (retries keep that expiry).
        iat: binding.expires_at - BINDING_SECONDS,
        exp: binding.expires_at,
    };
    let token = app.jwt_key().await?.sign(&claims)?;
    Ok(Some(crate::urls::binding_link(&app.config, &token)))
}

/// `APP_URL/password/setup?token=<JWT, aud "password-setup">`.
async fn password_link(app: &App, record: &OutboxRecord) -> Result<String, Error> {
    let now = app.now().unix_timestamp();
    let claims = PasswordSetupClaims {
        sub: record.user_id.to_string(),
        org: record.company_id.to_string(),
        email: record.to.clone(),
        aud: Audience::PasswordSetup.as_str().into(),
        iat: now,
        exp: now + BINDING_SECONDS,
    };
    let token = app.jwt_key().await?.sign(&claims)?;
    Ok(app
        .config
        .app_url_with(&format!("/password/setup?token={token}")))
}

fn content(text: &str) -> Result<Content, String> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| e.to_string())
}

/// SES v2 `SendEmail`, text and HTML; the message id on acceptance.
async fn send(app: &App, to: &str, email: &Email) -> Result<String, String> {
    let message = Message::builder()
        .subject(content(&email.subject)?)
        .body(
            Body::builder()
                .text(content(&email.text)?)
                .html(content(&email.html)?)
                .build(),
        )
        .build();
    let ses = app.ses().map_err(|e| e.to_string())?;
    let out = ses
        .send_email()
        .from_email_address(&app.config.mail_from)
        .destination(Destination::builder().to_addresses(to).build())
        .content(EmailContent::builder().simple(message).build())
        .send()
        .await
        .map_err(|e| aws_sdk_sesv2::error::DisplayErrorContext(&e).to_string())?;
    Ok(out.message_id.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_to_an_hour() {
        assert_eq!(backoff(0), 30);
        assert_eq!(backoff(1), 60);
        assert_eq!(backoff(5), 960);
        assert_eq!(backoff(20), 3600);
    }
}
