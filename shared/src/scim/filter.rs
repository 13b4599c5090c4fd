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

use std::cmp::Ordering;
use std::fmt;

use serde_json::{Number, Value};

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

/// Parses a SCIM filter (RFC 7644 §3.4.2.2). Never panics; see the module docs for limits.
pub fn parse(input: &str) -> Result<Filter, FilterError> {
    if input.len() > MAX_FILTER_LEN {
        let what = format!("filter is longer than the {MAX_FILTER_LEN}-byte limit");
        return Err(FilterError::new(MAX_FILTER_LEN, what));
    }
    if input.trim().is_empty() {
        return Err(FilterError::new(0, "filter is empty"));
    }
    let mut parser = Parser {
        src: input,
        pos: 0,
        depth: 0,
        in_brackets: false,
    };
    let filter = parser.parse_or()?;
    parser.expect_end()?;
    Ok(filter)
}

/// Recursive-descent parser over `src`; `pos` is always on a char boundary.
struct Parser<'a> {
    src: &'a str,
    pos: usize,
    depth: usize,
    in_brackets: bool,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.src.as_bytes().get(self.pos).copied()
    }

    fn rest(&self, from: usize) -> &'a str {
        self.src.get(from..).unwrap_or("")
    }

    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or("")
    }

    /// Offset of the first non-whitespace byte at or after `from`.
    fn ws_end(&self, from: usize) -> usize {
        from + self.rest(from).bytes().take_while(|b| is_ws(*b)).count()
    }

    fn skip_ws(&mut self) {
        self.pos = self.ws_end(self.pos);
    }

    /// The run of attribute-path characters starting at `from` (may be empty).
    fn word_at(&self, from: usize) -> &'a str {
        let rest = self.rest(from);
        let len = rest.bytes().take_while(|b| is_word_byte(*b)).count();
        rest.get(..len).unwrap_or("")
    }

    /// Consumes `keyword` (case-insensitive, whole word) after optional whitespace.
    fn eat_keyword(&mut self, keyword: &str) -> bool {
        self.skip_ws();
        let word = self.word_at(self.pos);
        let found = word.eq_ignore_ascii_case(keyword);
        if found {
            self.pos += word.len();
        }
        found
    }

    /// What the input holds at `at`, for error messages.
    fn describe(&self, at: usize) -> String {
        let word = self.word_at(at);
        if !word.is_empty() {
            return quoted(word);
        }
        match self.rest(at).chars().next() {
            Some(c) => format!("'{c}'"),
            None => "end of filter".to_owned(),
        }
    }

    fn enter(&mut self, at: usize) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let what = format!("filter nests '(', 'not (' or '[' deeper than {MAX_DEPTH} levels");
            return Err(FilterError::new(at, what));
        }
        Ok(())
    }

    /// `or` binds loosest (RFC 7644 §3.4.2.2 precedence); left-associative.
    fn parse_or(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.parse_and()?;
        while self.eat_keyword("or") {
            let right = self.parse_and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_and(&mut self) -> Result<Filter, FilterError> {
        let mut left = self.parse_unary()?;
        while self.eat_keyword("and") {
            let right = self.parse_unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `"(" FILTER ")"`, `"not" "(" FILTER ")"` or an attribute expression.
    fn parse_unary(&mut self) -> Result<Filter, FilterError> {
        self.skip_ws();
        if self.peek() == Some(b'(') {
            return self.parse_group();
        }
        if !self.at_not() {
            return self.parse_attr_expr();
        }
        self.pos += "not".len();
        self.skip_ws();
        if self.peek() != Some(b'(') {
            let what = format!(
                "expected '(' after 'not', found {}",
                self.describe(self.pos)
            );
            return Err(FilterError::new(self.pos, what));
        }
        Ok(Filter::Not(Box::new(self.parse_group()?)))
    }

    /// `not` is the keyword unless an operator follows (then it names an attribute).
    fn at_not(&self) -> bool {
        let word = self.word_at(self.pos);
        let next = self.word_at(self.ws_end(self.pos + word.len()));
        let operator_follows =
            next.eq_ignore_ascii_case("pr") || CompareOp::from_keyword(next).is_some();
        word.eq_ignore_ascii_case("not") && !operator_follows
    }

    fn parse_group(&mut self) -> Result<Filter, FilterError> {
        let open = self.pos;
        self.enter(open)?;
        self.pos += 1;
        let inner = self.parse_or()?;
        self.skip_ws();
        if self.peek() != Some(b')') {
            let found = self.describe(self.pos);
            let what = format!("expected ')' to close the '(' at {open}, found {found}");
            return Err(FilterError::new(self.pos, what));
        }
        self.pos += 1;
        self.depth -= 1;
        Ok(inner)
    }

    fn parse_attr_expr(&mut self) -> Result<Filter, FilterError> {
        let start = self.pos;
        let path = self.parse_attr_path()?;
        let written = self.slice(start, self.pos);
        self.skip_ws();
        if self.peek() == Some(b'[') {
            return self.parse_value_path(start, path);
        }
        self.parse_operation(path, written)
    }

    fn parse_attr_path(&mut self) -> Result<AttrPath, FilterError> {
        let start = self.pos;
        let token = self.word_at(start);
        if token.is_empty() {
            let found = self.describe(start);
            let what = format!("expected an attribute path, 'not' or '(', found {found}");
            return Err(FilterError::new(start, what));
        }
        self.pos += token.len();
        split_attr_path(token).map_err(|(offset, what)| FilterError::new(start + offset, what))
    }

    /// `SP "pr"` or `SP compareOp SP compValue` after the path written as `written`.
    fn parse_operation(&mut self, path: AttrPath, written: &str) -> Result<Filter, FilterError> {
        self.skip_ws();
        let at = self.pos;
        let word = self.word_at(at);
        if word.eq_ignore_ascii_case("pr") {
            self.pos += word.len();
            return Ok(Filter::Present(path));
        }
        let Some(op) = CompareOp::from_keyword(word) else {
            return Err(self.operator_error(at, word, written));
        };
        self.pos += word.len();
        let value = self.parse_comp_value(word)?;
        Ok(Filter::Compare { path, op, value })
    }

    fn operator_error(&self, at: usize, word: &str, written: &str) -> FilterError {
        let after = quoted(written);
        let what = if !word.is_empty() {
            format!("unknown comparison operator {} after {after}", quoted(word))
        } else if self.peek().is_none() {
            format!("expected a comparison operator or 'pr' after {after}")
        } else {
            let found = self.describe(at);
            format!("expected a comparison operator or 'pr' after {after}, found {found}")
        };
        FilterError::new(at, what)
    }

    fn parse_comp_value(&mut self, op_word: &str) -> Result<CompValue, FilterError> {
        self.skip_ws();
        match self.peek() {
            Some(b'"') => self.parse_string().map(CompValue::Str),
            Some(b'-' | b'0'..=b'9') => self.parse_number().map(CompValue::Num),
            _ => self.parse_literal(op_word),
        }
    }

    /// `true` / `false` / `null` (RFC 7159 literals, accepted here in any case).
    fn parse_literal(&mut self, op_word: &str) -> Result<CompValue, FilterError> {
        let at = self.pos;
        let word = self.word_at(at);
        let value = match word.to_ascii_lowercase().as_str() {
            "true" => CompValue::Bool(true),
            "false" => CompValue::Bool(false),
            "null" => CompValue::Null,
            _ => {
                let found = match self.peek() {
                    None => String::new(),
                    Some(_) => format!(", found {}", self.describe(at)),
                };
                let expected = "expected a value (quoted string, number, true, false or null)";
                return Err(FilterError::new(
                    at,
                    format!("{expected} after '{op_word}'{found}"),
                ));
            }
        };
        self.pos += word.len();
        Ok(value)
    }

    /// A JSON string (RFC 7159 §7); escapes are decoded by `serde_json`.
    fn parse_string(&mut self) -> Result<String, FilterError> {
        let start = self.pos;
        let Some(close) = self.closing_quote(start) else {
            return Err(FilterError::new(start, "unterminated string starting"));
        };
        let literal = self.slice(start, close + 1);
        let text = serde_json::from_str::<String>(literal).map_err(|error| {
            let at = start + error.column().saturating_sub(1);
            let reason = error.to_string();
            let reason = reason.split(" at line ").next().unwrap_or_default();
            FilterError::new(at, format!("invalid string literal ({reason})"))
        })?;
        self.pos = close + 1;
        Ok(text)
    }

    /// Offset of the unescaped `"` closing the string that opens at `start`.
    fn closing_quote(&self, start: usize) -> Option<usize> {
        let bytes = self.src.as_bytes();
        let mut i = start + 1;
        while let Some(&byte) = bytes.get(i) {
            match byte {
                b'\\' => i += 2,
                b'"' => return Some(i),
                _ => i += 1,
            }
        }
        None
    }

    /// A JSON number (RFC 7159 §6), validated by `serde_json`.
    fn parse_number(&mut self) -> Result<Number, FilterError> {
        let start = self.pos;
        let len = self
            .rest(start)
            .bytes()
            .take_while(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
            .count();
        let text = self.slice(start, start + len);
        let number = serde_json::from_str::<Number>(text)
            .map_err(|_| FilterError::new(start, format!("invalid number {}", quoted(text))))?;
        self.pos += len;
        Ok(number)
    }

    /// `attrPath "[" valFilter "]"`, then an optional `.subAttr` (RFC 7644 §3.4.2.2, §3.5.2).
    fn parse_value_path(&mut self, start: usize, path: AttrPath) -> Result<Filter, FilterError> {
        let open = self.pos;
        if self.in_brackets {
            let what = "value paths cannot be nested inside '[...]' (RFC 7644 §3.4.2.2 valFilter)";
            return Err(FilterError::new(open, what));
        }
        self.enter(open)?;
        self.pos += 1;
        self.in_brackets = true;
        let inner = self.parse_or()?;
        self.skip_ws();
        if self.peek() != Some(b']') {
            let found = self.describe(self.pos);
            let what = format!("expected ']' to close the '[' at {open}, found {found}");
            return Err(FilterError::new(self.pos, what));
        }
        self.pos += 1;
        self.in_brackets = false;
        self.depth -= 1;
        self.finish_value_path(start, path, inner)
    }

    /// Handles `].sub` (bare) and `].sub op value`, folding the latter into the brackets.
    fn finish_value_path(
        &mut self,
        start: usize,
        path: AttrPath,
        inner: Filter,
    ) -> Result<Filter, FilterError> {
        let mut filter = inner;
        let mut sub_attr = None;
        if self.peek() == Some(b'.') {
            let (name, written) = self.parse_trailing_sub_attr(start)?;
            if self.operation_follows() {
                let element_path = AttrPath {
                    schema: None,
                    attr: name.to_owned(),
                    sub_attr: None,
                };
                let condition = self.parse_operation(element_path, written)?;
                filter = Filter::And(Box::new(filter), Box::new(condition));
            } else {
                sub_attr = Some(name.to_owned());
            }
        }
        let filter = Box::new(filter);
        Ok(Filter::ValuePath {
            path,
            filter,
            sub_attr,
        })
    }

    /// `"." ATTRNAME` after `]`; returns the name and the whole path as written.
    fn parse_trailing_sub_attr(&mut self, start: usize) -> Result<(&'a str, &'a str), FilterError> {
        self.pos += 1;
        let name_at = self.pos;
        let name = self.word_at(name_at);
        self.pos += name.len();
        let written = self.slice(start, self.pos);
        check_attr_name(name, written)
            .map_err(|(offset, what)| FilterError::new(name_at + offset, what))?;
        Ok((name, written))
    }

    /// After `].sub`, anything but the end, a closer, `and` or `or` must be an operator.
    fn operation_follows(&self) -> bool {
        let next = self.word_at(self.ws_end(self.pos));
        !(next.is_empty() || next.eq_ignore_ascii_case("and") || next.eq_ignore_ascii_case("or"))
    }

    fn expect_end(&mut self) -> Result<(), FilterError> {
        self.skip_ws();
        let what = match self.peek() {
            None => return Ok(()),
            Some(b')') => "unexpected ')' without a matching '('".to_owned(),
            Some(b']') => "unexpected ']' without a matching '['".to_owned(),
            Some(_) => {
                let found = self.describe(self.pos);
                format!("unexpected {found} after a complete filter (expected 'and' or 'or')")
            }
        };
        Err(FilterError::new(self.pos, what))
    }
}

fn is_ws(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// Bytes of an attribute path token: names, `.` sub-attributes and `urn:` schema prefixes.
fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b':' | b'.' | b'_' | b'-' | b'$')
}

/// `'text'`, shortened for error messages.
fn quoted(text: &str) -> String {
    if text.chars().count() <= QUOTE_LIMIT {
        return format!("'{text}'");
    }
    let head: String = text.chars().take(QUOTE_LIMIT).collect();
    format!("'{head}...'")
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

fn is_core_schema(urn: &str) -> bool {
    urn.eq_ignore_ascii_case(CORE_USER_SCHEMA) || urn.eq_ignore_ascii_case(CORE_GROUP_SCHEMA)
}

/// Splits `[URI ":"] ATTRNAME ["." ATTRNAME]` (RFC 7644 §3.10); errors carry a token offset.
fn split_attr_path(token: &str) -> Result<AttrPath, (usize, String)> {
    let (schema, rest) = match token.rsplit_once(':') {
        Some((urn, rest)) => (Some(urn), rest),
        None => (None, token),
    };
    if schema.is_some_and(|urn| !starts_with_ignore_case(urn, "urn:")) {
        let what = format!(
            "attribute path {} has a schema prefix that is not a 'urn:'",
            quoted(token)
        );
        return Err((0, what));
    }
    let rest_at = schema.map_or(0, |urn| urn.len() + 1);
    let (attr, sub_attr) = match rest.split_once('.') {
        Some((attr, sub)) => (attr, Some(sub)),
        None => (rest, None),
    };
    check_attr_name(attr, token).map_err(|(offset, what)| (rest_at + offset, what))?;
    if let Some(sub) = sub_attr {
        let sub_at = rest_at + attr.len() + 1;
        check_attr_name(sub, token).map_err(|(offset, what)| (sub_at + offset, what))?;
    }
    Ok(AttrPath {
        schema: schema.map(str::to_owned),
        attr: attr.to_owned(),
        sub_attr: sub_attr.map(str::to_owned),
    })
}

/// `ATTRNAME = ALPHA *(nameChar)` (RFC 7644 §3.4.2.2), plus a leading `$` for `$ref`.
fn check_attr_name(name: &str, written: &str) -> Result<(), (usize, String)> {
    let path = quoted(written);
    let valid = |(i, byte): &(usize, u8)| {
        byte.is_ascii_alphabetic()
            || (*i == 0 && *byte == b'$')
            || (*i > 0 && (byte.is_ascii_digit() || matches!(byte, b'-' | b'_')))
    };
    match name.bytes().enumerate().find(|entry| !valid(entry)) {
        _ if name.is_empty() => Err((0, format!("missing attribute name in {path}"))),
        None => Ok(()),
        Some((0, _)) => Err((
            0,
            format!("attribute name in {path} must start with a letter"),
        )),
        Some((i, byte)) => {
            let what = format!(
                "invalid character '{}' in attribute name of {path}",
                char::from(byte)
            );
            Err((i, what))
        }
    }
}

impl Filter {
    /// Whether `resource` (a SCIM resource as JSON) satisfies this filter; see the module docs
    /// for the rules. `case_exact(path)` says which string attributes compare case-sensitively.
    pub fn matches(&self, resource: &Value, case_exact: &dyn Fn(&AttrPath) -> bool) -> bool {
        match self {
            Filter::Compare { path, op, value } => {
                compare_all(&lookup(resource, path), *op, value, &|| case_exact(path))
            }
            Filter::Present(path) => lookup(resource, path).into_iter().any(is_present),
            Filter::And(left, right) => {
                left.matches(resource, case_exact) && right.matches(resource, case_exact)
            }
            Filter::Or(left, right) => {
                left.matches(resource, case_exact) || right.matches(resource, case_exact)
            }
            Filter::Not(inner) => !inner.matches(resource, case_exact),
            Filter::ValuePath {
                path,
                filter,
                sub_attr,
            } => value_path_matches(resource, path, filter, sub_attr.as_deref(), case_exact),
        }
    }

    /// The string `s` when the WHOLE filter is `<attr> eq "s"` (attr compared ignoring ASCII
    /// case; a core User/Group schema URN prefix is ignored), for keyed look-ups such as
    /// `userName eq "x"`, `id eq "x"` or `externalId eq "x"`. `attr` may be dotted.
    pub fn equality_on(&self, attr: &str) -> Option<&str> {
        match self {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value: CompValue::Str(text),
            } if path.in_core_schema() && path.is(attr) => Some(text),
            _ => None,
        }
    }

    /// Every `path eq value` conjunct of the top-level `and` chain: each is implied by the
    /// whole filter, so any of them can narrow a look-up, which must then still be checked
    /// with [`Filter::matches`].
    pub fn and_equalities(&self) -> Vec<(&AttrPath, &CompValue)> {
        let mut found = Vec::new();
        self.collect_equalities(&mut found);
        found
    }

    fn collect_equalities<'a>(&'a self, found: &mut Vec<(&'a AttrPath, &'a CompValue)>) {
        match self {
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value,
            } => found.push((path, value)),
            Filter::And(left, right) => {
                left.collect_equalities(found);
                right.collect_equalities(found);
            }
            _ => {}
        }
    }
}

/// The values `path` names in `root`, with multi-valued attributes flattened.
fn lookup<'a>(root: &'a Value, path: &AttrPath) -> Vec<&'a Value> {
    let scope = schema_scope(root, path.schema.as_deref());
    let Some(top) = scope.and_then(|scope| member(scope, &path.attr)) else {
        return Vec::new();
    };
    let Some(sub) = path.sub_attr.as_deref() else {
        return elements(top).iter().collect();
    };
    elements(top)
        .iter()
        .filter_map(|item| member(item, sub))
        .flat_map(elements)
        .collect()
}

/// The object a schema URN prefix points into (RFC 7644 §3.10): the extension keyed by the
/// URN, or the resource itself for a core schema.
fn schema_scope<'a>(root: &'a Value, schema: Option<&str>) -> Option<&'a Value> {
    let Some(urn) = schema else {
        return Some(root);
    };
    member(root, urn).or_else(|| is_core_schema(urn).then_some(root))
}

/// Case-insensitive member look-up (RFC 7643 §2.1: attribute names are case-insensitive).
fn member<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    object.get(name).or_else(|| {
        object
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, member)| member)
    })
}

fn elements(value: &Value) -> &[Value] {
    match value {
        Value::Array(items) => items,
        other => std::slice::from_ref(other),
    }
}

/// RFC 7644 §3.4.2.2 `pr`: a non-empty value, or a complex value with a non-empty node.
fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(members) => members.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

fn compare_all(
    values: &[&Value],
    op: CompareOp,
    operand: &CompValue,
    case_exact: &dyn Fn() -> bool,
) -> bool {
    let any_present = || values.iter().any(|value| is_present(value));
    let any_is = |op| {
        values
            .iter()
            .any(|value| compare_one(comparable(value), op, operand, case_exact))
    };
    match (op, operand) {
        (CompareOp::Eq, CompValue::Null) => !any_present(),
        (CompareOp::Ne, CompValue::Null) => any_present(),
        (CompareOp::Ne, _) => !any_is(CompareOp::Eq),
        _ => any_is(op),
    }
}

/// A complex value compares through its `value` sub-attribute (`emails co "x"`).
fn comparable(value: &Value) -> &Value {
    match value {
        Value::Object(_) => member(value, "value").unwrap_or(value),
        _ => value,
    }
}

fn compare_one(
    actual: &Value,
    op: CompareOp,
    operand: &CompValue,
    case_exact: &dyn Fn() -> bool,
) -> bool {
    match (actual, operand) {
        (Value::String(actual), CompValue::Str(operand)) => {
            compare_strings(actual, op, operand, case_exact())
        }
        (Value::Number(actual), CompValue::Num(operand)) => {
            compare_numbers(actual, operand).is_some_and(|ordering| op.accepts(ordering))
        }
        (Value::Bool(actual), CompValue::Bool(operand)) => op == CompareOp::Eq && actual == operand,
        _ => false,
    }
}

fn compare_strings(actual: &str, op: CompareOp, operand: &str, case_exact: bool) -> bool {
    if case_exact {
        return string_op(actual, op, operand);
    }
    // caseExact=false compares ASCII letters case-insensitively and nothing else: the
    // one identity rule (`identity::key`), so a filter never matches what a key would not.
    let (actual, operand) = (crate::identity::key(actual), crate::identity::key(operand));
    string_op(actual.as_str(), op, operand.as_str())
}

fn string_op(actual: &str, op: CompareOp, operand: &str) -> bool {
    match op {
        CompareOp::Co => actual.contains(operand),
        CompareOp::Sw => actual.starts_with(operand),
        CompareOp::Ew => actual.ends_with(operand),
        _ => op.accepts(actual.cmp(operand)),
    }
}

fn compare_numbers(actual: &Number, operand: &Number) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (actual.as_i64(), operand.as_i64()) {
        return Some(a.cmp(&b));
    }
    if let (Some(a), Some(b)) = (actual.as_u64(), operand.as_u64()) {
        return Some(a.cmp(&b));
    }
    actual.as_f64()?.partial_cmp(&operand.as_f64()?)
}

/// Some element of `path` satisfies `filter` (and has `sub_attr` present, when given).
fn value_path_matches(
    root: &Value,
    path: &AttrPath,
    filter: &Filter,
    sub_attr: Option<&str>,
    case_exact: &dyn Fn(&AttrPath) -> bool,
) -> bool {
    let qualified = |inner: &AttrPath| case_exact(&qualify(path, inner));
    lookup(root, path).into_iter().any(|element| {
        filter.matches(element, &qualified)
            && sub_attr.is_none_or(|name| member(element, name).is_some_and(is_present))
    })
}

/// `emails` + `value` → `emails.value`, so `case_exact` sees the full path.
fn qualify(parent: &AttrPath, inner: &AttrPath) -> AttrPath {
    AttrPath {
        schema: parent.schema.clone(),
        attr: parent.attr.clone(),
        sub_attr: Some(inner.attr.clone()),
    }
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.schema {
            write!(f, "{schema}:")?;
        }
        f.write_str(&self.attr)?;
        if let Some(sub) = &self.sub_attr {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Str(text) => write!(f, "{}", Value::String(text.clone())),
            CompValue::Num(number) => write!(f, "{number}"),
            CompValue::Bool(flag) => write!(f, "{flag}"),
            CompValue::Null => f.write_str("null"),
        }
    }
}

/// Renders filter syntax that [`parse`] reads back to an equal tree, with only the
/// parentheses precedence needs.
impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Compare { path, op, value } => write!(f, "{path} {op} {value}"),
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::And(left, right) => {
                write_operand(f, left, matches!(**left, Filter::Or(..)))?;
                f.write_str(" and ")?;
                write_operand(
                    f,
                    right,
                    matches!(**right, Filter::Or(..) | Filter::And(..)),
                )
            }
            Filter::Or(left, right) => {
                write!(f, "{left} or ")?;
                write_operand(f, right, matches!(**right, Filter::Or(..)))
            }
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::ValuePath {
                path,
                filter,
                sub_attr,
            } => {
                write!(f, "{path}[{filter}]")?;
                sub_attr.as_ref().map_or(Ok(()), |sub| write!(f, ".{sub}"))
            }
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, operand: &Filter, parenthesize: bool) -> fmt::Result {
    if parenthesize {
        write!(f, "({operand})")
    } else {
        write!(f, "{operand}")
    }
}

#[cfg(test)]
#[path = "filter_tests.rs"]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
