//! List responses and their paging (RFC 7644 3.4.2): 1-based `startIndex`, `count` capped.

use serde_json::{Value, json};

use super::{LIST_SCHEMA, MAX_RESULTS};
use crate::error::{Error, ErrorCode};

/// A requested page, already clamped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub start_index: usize,
    pub count: usize,
}

impl Page {
    /// `startIndex` below 1 counts as 1; `count` below 0 as 0 and above the cap as the cap
    /// (RFC 7644 3.4.2.4); anything not an integer is `400 invalidValue`.
    pub fn parse(start_index: Option<&str>, count: Option<&str>) -> Result<Self, Error> {
        let number = |raw: Option<&str>, default: i64, name: &str| -> Result<i64, Error> {
            raw.map(str::trim)
                .filter(|r| !r.is_empty())
                .map_or(Ok(default), |r| {
                    r.parse::<i64>().map_err(|_| {
                        Error::new(
                            ErrorCode::InvalidValue,
                            format!("{name} must be an integer."),
                        )
                    })
                })
        };
        let start = number(start_index, 1, "startIndex")?.max(1);
        let count = number(count, 100, "count")?.clamp(0, MAX_RESULTS as i64);
        Ok(Self {
            start_index: usize::try_from(start).unwrap_or(1),
            count: usize::try_from(count).unwrap_or(0),
        })
    }

    /// This page's slice of `all`.
    pub fn slice<T>(&self, all: &[T]) -> std::ops::Range<usize> {
        let start = (self.start_index - 1).min(all.len());
        let end = start.saturating_add(self.count).min(all.len());
        start..end
    }
}

/// A ListResponse; `resources` is the page, `total` the number of matches.
pub fn list_response(resources: Vec<Value>, total: usize, start_index: usize) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "itemsPerPage": resources.len(),
        "startIndex": start_index,
        "Resources": resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_defaults_and_clamps() {
        assert_eq!(
            Page::parse(None, None).unwrap(),
            Page {
                start_index: 1,
                count: 100
            }
        );
        assert_eq!(
            Page::parse(Some("0"), Some("-5")).unwrap(),
            Page {
                start_index: 1,
                count: 0
            }
        );
        assert_eq!(
            Page::parse(Some("3"), Some("100000")).unwrap().count,
            MAX_RESULTS
        );
        assert!(Page::parse(Some("x"), None).is_err());
    }

    #[test]
    fn a_page_past_the_end_is_empty() {
        let all = [1, 2, 3];
        assert_eq!(
            Page {
                start_index: 2,
                count: 5
            }
            .slice(&all),
            1..3
        );
        assert_eq!(
            Page {
                start_index: 9,
                count: 5
            }
            .slice(&all),
            3..3
        );
    }

    #[test]
    fn no_match_is_an_empty_list_not_an_error() {
        let body = list_response(vec![], 0, 1);
        assert_eq!(body["totalResults"], 0);
        assert_eq!(body["Resources"], json!([]));
    }
}
