//! The one integration-test binary: every test talks to DynamoDB Local and moto through
//! the real AWS SDK clients, and to the functions through template.yaml's routes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::disallowed_methods
)]

mod harness;

mod admin_auth;
mod admin_events;
mod admin_portal;
mod admin_users;
mod binding;
mod foundation;
mod identity;
mod lifecycle;
mod metadata_ingest;
mod portal_browser;
mod post_binding;
mod saml_acs;
mod saml_flow;
mod saml_metadata;
mod scim;
mod scim_clients;
mod scim_scale;
mod session_handoff;
mod sp_keys;
