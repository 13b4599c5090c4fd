//! The SAML ACS core: golden fixtures signed by
//! xmlsec1 (tests/fixtures/saml/make-fixtures.py), `now` fixed at 2026-01-01T00:05:00Z.

mod common;
mod encrypted;
mod envelope;
mod protocol;
mod signature_attacks;
mod signer;
mod valid;
mod xsw;
