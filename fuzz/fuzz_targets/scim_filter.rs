//! The SCIM filter parser (RFC 7644 3.4.2.2) and the PATCH path parser (3.5.2): never a
//! panic; a filter that parses prints as text that parses back to the same filter (when
//! the print is within the length cap), and evaluates against a user resource.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::scim::filter::{MAX_FILTER_LEN, parse, parse_patch_path};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(filter) = parse(text) {
        let printed = filter.to_string();
        // Printing adds parentheses and spaces: a filter near the length cap may print
        // past it, which the parser then rightly refuses.
        if printed.len() <= MAX_FILTER_LEN {
            let again =
                parse(&printed).unwrap_or_else(|e| panic!("{printed:?} does not parse: {e}"));
            assert_eq!(again, filter, "{printed:?}");
        }
        let user = serde_json::json!({
            "userName": "jane@example.com",
            "externalId": "00u1",
            "active": true,
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "emails": [{"value": "jane@example.com", "primary": true, "type": "work"}],
            "meta": {"lastModified": "2026-01-01T00:00:00Z"}
        });
        let _ = filter.matches(&user, &|_| false);
    }
    let _ = parse_patch_path(text);
});
