//! The binding link's token: any string through the JWT check with the binding audience,
//! and (first byte odd) the input as claims, signed with the key, so the claims' own
//! parsing is reached too. Never a panic, never an accepted token with another audience.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::tokens::{Audience, BindingClaims, JwtKeys};
use shared::types::{CompanyId, UserId};
use std::sync::OnceLock;

fn keys() -> &'static JwtKeys {
    static KEYS: OnceLock<JwtKeys> = OnceLock::new();
    KEYS.get_or_init(|| JwtKeys::from_secret(&[7u8; 32]).expect("a 32-byte key"))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let token = if mode & 1 == 1 {
        let Ok(claims) = serde_json::from_str::<serde_json::Value>(text) else {
            return;
        };
        let Ok(token) = keys().sign(&claims) else {
            return;
        };
        token
    } else {
        text.to_owned()
    };
    if let Ok(claims) = keys().verify::<BindingClaims>(&token, Audience::Binding, 1_767_225_900)
    {
        let _ = CompanyId::parse(&claims.org);
        let _ = UserId::parse(&claims.sub);
        assert!(keys()
            .verify::<serde_json::Value>(&token, Audience::Admin, 1_767_225_900)
            .is_err());
    }
});
