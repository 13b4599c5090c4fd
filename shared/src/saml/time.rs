//! xs:dateTime timestamps as SAML uses them (core 1.3.3: UTC, `Z`, fractional
//! seconds allowed) to unix seconds.

use super::rejection::{Rejection, clip};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Parse a SAML time instant to unix seconds (fraction truncated toward the past).
///
/// SAML core 1.3.3 requires UTC "with no time zone component" other than `Z`,
/// so an offset such as `+02:00` is refused rather than converted.
pub(crate) fn parse_instant(value: &str, what: &'static str) -> Result<i64, Rejection> {
    let bad = || Rejection::BadTime {
        what,
        value: clip(value),
    };
    if !value.ends_with('Z') {
        return Err(bad());
    }
    OffsetDateTime::parse(value, &Rfc3339)
        .map(OffsetDateTime::unix_timestamp)
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn a_utc_instant_with_milliseconds_parses_to_unix_seconds() {
        assert_eq!(
            parse_instant("2026-01-01T00:10:00.000Z", "t").unwrap(),
            1_767_226_200
        );
    }

    #[test]
    fn an_instant_without_fraction_parses() {
        assert_eq!(
            parse_instant("2026-01-01T00:00:00Z", "t").unwrap(),
            1_767_225_600
        );
    }

    #[test]
    fn an_offset_or_a_missing_zone_is_refused() {
        assert!(parse_instant("2026-01-01T00:00:00+02:00", "t").is_err());
        assert!(parse_instant("2026-01-01T00:00:00", "t").is_err());
        assert!(parse_instant("tomorrow", "t").is_err());
    }
}
