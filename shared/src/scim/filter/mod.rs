//! SCIM 2.0 filter expressions: parses the RFC 7644 §3.4.2.2 filter grammar into a [`Filter`]
//! tree and evaluates that tree against a SCIM resource held as JSON.
//!
//! # Grammar (RFC 7644 §3.4.2.2, Figure 1)
//!
//! ```text
//! FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
//! valuePath = attrPath "[" valFilter "]"
//! valFilter = attrExp / logExp / *1"not" "(" valFilter ")"
//! attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
//! logExp    = FILTER SP ("and" / "or") SP FILTER
//! compValue = false / null / true / number / string      ; JSON (RFC 7159)
//! compareOp = "eq" / "ne" / "co" / "sw" / "ew" / "gt" / "lt" / "ge" / "le"
//! attrPath  = [URI ":"] ATTRNAME *1subAttr
//! ```
//!
//! Precedence (RFC 7644 §3.4.2.2): grouping, then `not`, then `and`, then `or`; `and` and `or`
//! associate to the left. Keywords, operators and attribute names are case-insensitive
//! (RFC 7644 §3.4.2.2, RFC 7643 §2.1).
//!
//! Leniencies, all harmless for well-formed input:
//! - any run of spaces, tabs or newlines stands for `SP`, and `SP` may be left out where the
//!   tokens are still unambiguous (`not(`, `eq"x"`);
//! - `true`, `false` and `null` are accepted in any case;
//! - attribute names may also start with `$` (RFC 7643 `$ref`);
//! - `emails[type eq "work"].value eq "x"` (a sub-attribute after a value path followed by an
//!   operator, as Okta and others send) is read as `emails[type eq "work" and value eq "x"]`;
//! - a bare `emails[type eq "work"].value` (the RFC 7644 §3.5.2 PATCH path form) parses to
//!   [`Filter::ValuePath`] with `sub_attr` set; as a filter it matches when some selected
//!   element has that sub-attribute present.
//!
//! Limits against hostile input: at most [`MAX_FILTER_LEN`] bytes and [`MAX_DEPTH`] nested
//! `(`, `not (` or `[`; value paths cannot nest (RFC 7644 §3.4.2.2 `valFilter`).
//!
//! # Matching semantics
//!
//! - A path resolves case-insensitively. A schema URN prefix selects the extension object
//!   keyed by that URN; a core schema URN (`…:core:2.0:User` / `Group`) with no such key
//!   resolves at the top level (RFC 7644 §3.10).
//! - Multi-valued attributes match if ANY value matches (RFC 7644 §3.4.2.2); a comparison on a
//!   complex value with no sub-attribute uses its `value` sub-attribute (`emails co "x.com"`).
//! - Strings compare case-insensitively unless the caller's `case_exact(path)` says otherwise
//!   (RFC 7643 §2.2 `caseExact`); inside a value path the callback gets the qualified path
//!   (`emails.value`). `gt`/`ge`/`lt`/`le` on strings are lexicographic, so ISO 8601 UTC
//!   timestamps of one format compare chronologically; on numbers they are numeric.
//! - Booleans support only `eq`/`ne`; `gt` etc. on booleans or `null` never match (RFC 7644
//!   would reject them with `invalidFilter`; this module only reports "no match").
//! - `pr`: present and not `null`, not `""`, not `[]`, not a complex value with nothing
//!   present in it (RFC 7644 §3.4.2.2).
//! - `eq null` matches when the attribute is absent or not present in the `pr` sense;
//!   `ne null` is exactly `pr`.
//! - `ne x` is `not (eq x)`: it matches when NO value equals `x`, so it matches an absent
//!   attribute, and on a multi-valued attribute only when none of the values equals `x`.
//! - Type mismatches (string attribute vs number operand, …) never match.

//!
//! The parser is `parse.rs` (with the lexical helpers and attribute paths of `path.rs`),
//! matching is `evaluate.rs`, rendering back to filter syntax `display.rs`, PATCH paths
//! (RFC 7644 §3.5.2) `patch_path.rs`.

mod display;
mod evaluate;
mod parse;
mod patch_path;
mod path;

use std::cmp::Ordering;
use std::fmt;

use serde_json::Number;

pub use parse::parse;
pub use patch_path::{PatchPath, parse_patch_path};
use path::is_core_schema;

/// Longest filter [`parse`] accepts, in bytes.
pub const MAX_FILTER_LEN: usize = 4096;
/// Deepest nesting of `(`, `not (` and `[` that [`parse`] accepts.
pub const MAX_DEPTH: usize = 32;

const CORE_USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const CORE_GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Longest piece of input quoted back in an error message.
const QUOTE_LIMIT: usize = 40;

/// A parsed SCIM filter (RFC 7644 §3.4.2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// `attrPath compareOp compValue`.
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    /// `attrPath pr`.
    Present(AttrPath),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `attrPath "[" valFilter "]"`; paths inside `filter` are relative to each element.
    /// `sub_attr` is set only for the bare PATCH-style `emails[type eq "work"].value`.
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
        sub_attr: Option<String>,
    },
}

/// `[URI ":"] ATTRNAME *1subAttr` (RFC 7644 §3.10), with names as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AttrPath {
    pub schema: Option<String>,
    pub attr: String,
    pub sub_attr: Option<String>,
}

/// `compareOp` (RFC 7644 §3.4.2.2, Table 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Lt,
    Ge,
    Le,
}

/// `compValue`: a JSON literal (RFC 7644 §3.4.2.2, RFC 7159).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompValue {
    Str(String),
    Num(Number),
    Bool(bool),
    Null,
}

/// Why a filter did not parse: `position` is the 0-based byte offset of the problem and
/// `message` says what was expected there, ending in `at <position>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    pub position: usize,
    pub message: String,
}

impl FilterError {
    fn new(position: usize, what: impl fmt::Display) -> Self {
        Self {
            position,
            message: format!("{what} at {position}"),
        }
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FilterError {}

impl AttrPath {
    /// Whether this path names `dotted` (`"attr"` or `"attr.sub"`), ignoring ASCII case and
    /// any schema URN; handy in a `case_exact` callback: `|p| p.is("id")`.
    pub fn is(&self, dotted: &str) -> bool {
        let (attr, sub) = match dotted.split_once('.') {
            Some((attr, sub)) => (attr, Some(sub)),
            None => (dotted, None),
        };
        let sub_matches = match (self.sub_attr.as_deref(), sub) {
            (None, None) => true,
            (Some(mine), Some(theirs)) => mine.eq_ignore_ascii_case(theirs),
            _ => false,
        };
        self.attr.eq_ignore_ascii_case(attr) && sub_matches
    }

    fn in_core_schema(&self) -> bool {
        self.schema.as_deref().is_none_or(is_core_schema)
    }
}

impl CompareOp {
    const ALL: [CompareOp; 9] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Lt,
        CompareOp::Ge,
        CompareOp::Le,
    ];

    /// The operator as written in a filter, lower case.
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Co => "co",
            CompareOp::Sw => "sw",
            CompareOp::Ew => "ew",
            CompareOp::Gt => "gt",
            CompareOp::Lt => "lt",
            CompareOp::Ge => "ge",
            CompareOp::Le => "le",
        }
    }

    fn from_keyword(word: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|op| op.as_str().eq_ignore_ascii_case(word))
    }

    /// Whether `actual.cmp(operand)` satisfies this operator; `co`/`sw`/`ew` never do.
    fn accepts(self, ordering: Ordering) -> bool {
        match self {
            CompareOp::Eq => ordering.is_eq(),
            CompareOp::Ne => ordering.is_ne(),
            CompareOp::Gt => ordering.is_gt(),
            CompareOp::Ge => ordering.is_ge(),
            CompareOp::Lt => ordering.is_lt(),
            CompareOp::Le => ordering.is_le(),
            CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
