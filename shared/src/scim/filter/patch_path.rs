//! The PATCH `path` grammar (RFC 7644 §3.5.2): `PATH = attrPath / valuePath [subAttr]`.

use super::path::split_attr_path;
use super::{AttrPath, Filter, FilterError, parse};

/// Where a PATCH operation points: an attribute (`path.sub_attr` is the `subAttr`, also
/// after a value filter) and, for `emails[type eq "work"].value`, the filter that selects
/// among its values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchPath {
    pub path: AttrPath,
    pub filter: Option<Filter>,
}

impl PatchPath {
    /// Whether the path is in the core User schema (no URN, or the core URN).
    pub fn in_core_schema(&self) -> bool {
        self.path.in_core_schema()
    }
}

/// Parses a PATCH path; anything the grammar does not produce is an error with its offset
/// (`400 invalidPath` for the caller).
pub fn parse_patch_path(input: &str) -> Result<PatchPath, FilterError> {
    let trimmed = input.trim();
    if !trimmed.contains('[') {
        let path = split_attr_path(trimmed).map_err(|(at, what)| FilterError::new(at, what))?;
        return Ok(PatchPath { path, filter: None });
    }
    // A value path parses as a filter; a path must end at `]` or at its subAttr, so
    // `emails[type eq "work"].value eq "x"` (a filter, not a path) is refused.
    let ends_as_a_path = trimmed.ends_with(']')
        || trimmed
            .rsplit_once("].")
            .is_some_and(|(_, sub)| !sub.is_empty() && !sub.contains([' ', '"']));
    match parse(trimmed)? {
        Filter::ValuePath {
            path,
            filter,
            sub_attr,
        } if ends_as_a_path => Ok(PatchPath {
            path: AttrPath { sub_attr, ..path },
            filter: Some(*filter),
        }),
        _ => Err(FilterError::new(0, "not a PATCH path (RFC 7644 §3.5.2)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_dotted_and_schema_qualified_paths() {
        let p = parse_patch_path("name.givenName").unwrap();
        assert!(p.path.is("name.givenName") && p.filter.is_none());
        let p =
            parse_patch_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager")
                .unwrap();
        assert!(p.path.is("manager") && !p.in_core_schema());
        let p = parse_patch_path("urn:ietf:params:scim:schemas:core:2.0:User:active").unwrap();
        assert!(p.path.is("active") && p.in_core_schema());
    }

    #[test]
    fn value_paths_with_and_without_a_sub_attribute() {
        let p = parse_patch_path(r#"emails[type eq "work"].value"#).unwrap();
        assert!(p.path.is("emails.value"));
        assert!(p.filter.is_some());
        let p = parse_patch_path(r#"members[value eq "7f4b"]"#).unwrap();
        assert!(p.path.is("members") && p.filter.is_some());
    }

    #[test]
    fn malformed_paths_are_errors() {
        for bad in [
            r#"emails[type eq "work".value"#,
            "emails[type eq].value",
            r#"emails[type eq "work"]."#,
            r#"emails[type eq "work"].value eq "x""#,
            "name..givenName",
            "1active",
            "",
            "a b",
        ] {
            assert!(parse_patch_path(bad).is_err(), "{bad}");
        }
    }
}
