//! SAML 2.0 service provider: IdP metadata ingest and its safe fetch, the SP's metadata and
//! AuthnRequest, the ACS validation (signature and encryption profiles, protocol rules),
//! and a signer and an encryptor for the local dev IdP.

pub mod acs;
mod acs_steps;
pub mod decrypt;
mod dsig_profile;
pub mod encrypt;
#[cfg(feature = "runtime")]
pub mod fetch;
pub mod metadata;
pub mod rejection;
pub mod sign;
pub mod sp;
pub mod sp_keys;
mod time;
pub mod verify;
mod xml;

pub use acs::{AcsContext, ValidatedAssertion, validate_form_value, validate_xml};
pub use decrypt::DecryptionKeys;
pub use rejection::Rejection;
pub use sign::{SignError, SignWhat, sign_response};
pub use verify::{KeyError, SignedElement, TrustedKeys};
