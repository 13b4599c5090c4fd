//! Email: the templates (pure functions) and delivery of the outbox through SES v2.

pub mod deliver;
pub mod templates;
