//! The whole domain, shared by every function: config, store, tokens, errors, SAML, SCIM, binding, mail.

#[cfg(feature = "runtime")]
pub mod admin;
#[cfg(feature = "runtime")]
pub mod app;
#[cfg(feature = "runtime")]
pub mod binding;
pub mod config;
pub mod error;
pub mod html;
#[cfg(feature = "runtime")]
pub mod http;
pub mod identity;
#[cfg(feature = "runtime")]
pub mod idp;
#[cfg(feature = "runtime")]
pub mod logging;
#[cfg(feature = "runtime")]
pub mod login;
#[cfg(feature = "runtime")]
pub mod mail;
pub mod model;
pub mod saml;
pub mod scim;
#[cfg(feature = "runtime")]
pub mod sso;
#[cfg(feature = "runtime")]
pub mod store;
pub mod tokens;
pub mod types;
pub mod urls;

#[cfg(feature = "runtime")]
pub use app::App;
pub use config::Config;
pub use error::{Error, Result};
