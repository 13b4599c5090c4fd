//! SCIM PATCH and PUT bodies (RFC 7644 3.5.1, 3.5.2) as JSON: never a panic, and the
//! changes that parse apply to a user.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::model::User;
use shared::scim::patch::{from_patch, from_put};
use std::sync::OnceLock;

fn user() -> &'static User {
    static USER: OnceLock<User> = OnceLock::new();
    USER.get_or_init(|| {
        serde_json::from_value(serde_json::json!({
            "id": "u1", "companyId": "acme", "userName": "jane@example.com",
            "email": "jane@example.com", "givenName": "Jane", "familyName": "Doe",
            "role": "rep", "active": true, "source": "scim", "version": 1,
            "createdAt": "2026-01-01T00:00:00Z", "lastModified": "2026-01-01T00:00:00Z"
        }))
        .expect("a fixture user")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let now = time::OffsetDateTime::UNIX_EPOCH;
    if let Ok(changes) = from_patch(&body) {
        let _ = changes.apply(user(), now);
    }
    if let Ok(changes) = from_put(&body) {
        let _ = changes.apply(user(), now);
    }
});
