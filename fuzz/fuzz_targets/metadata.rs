//! IdP metadata ingest: `parse_idp_metadata` on any bytes, in both modes. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::saml::metadata::parse_idp_metadata;

fuzz_target!(|data: &[u8]| {
    let _ = parse_idp_metadata(data, false);
    let _ = parse_idp_metadata(data, true);
});
