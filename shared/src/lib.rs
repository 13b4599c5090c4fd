//! The whole domain, shared by every function: config, store, tokens, errors, SAML, SCIM, binding, mail.

pub mod admin;
pub mod app;
pub mod binding;
pub mod config;
pub mod error;
pub mod html;
pub mod http;
pub mod identity;
pub mod idp;
pub mod logging;
pub mod login;
pub mod mail;
pub mod model;
pub mod saml;
pub mod scim;
pub mod sso;
pub mod store;
pub mod tokens;
pub mod types;
pub mod urls;

pub use app::App;
pub use config::Config;
pub use error::{Error, Result};
