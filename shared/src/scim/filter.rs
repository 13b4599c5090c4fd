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
    string_op(&actual.to_lowercase(), op, &operand.to_lowercase())
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
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn jane() -> Value {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223-7f76-453a-919d-413861904646",
            "externalId": "00u1abc",
            "userName": "Jane+Test@X.com",
            "name": {"givenName": "Jane", "familyName": "Doe", "middleName": null},
            "displayName": "",
            "nickName": null,
            "title": "Senior \"Lead\" \\ Café",
            "emails": [
                {"value": "jane@x.com", "type": "work", "primary": true},
                {"value": "jane@home.org", "type": "home"}
            ],
            "phoneNumbers": [],
            "groups": [{"display": null}],
            "active": true,
            "loginCount": 42,
            "score": 2.5,
            "urn:ietf:params:scim:schemas:extension:qualified:2.0:User": {"role": "rep"},
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "employeeNumber": "701984",
                "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"}
            },
            "meta": {
                "resourceType": "User",
                "created": "2010-01-23T04:56:22Z",
                "lastModified": "2011-08-01T21:32:44Z"
            }
        })
    }

    fn id_is_case_exact(path: &AttrPath) -> bool {
        path.is("id")
    }

    fn check(filter: &str) -> bool {
        let parsed = parse(filter).unwrap_or_else(|e| panic!("{filter:?} did not parse: {e}"));
        parsed.matches(&jane(), &id_is_case_exact)
    }

    fn error(filter: &str) -> FilterError {
        match parse(filter) {
            Ok(parsed) => panic!("{filter:?} parsed as {parsed:?}"),
            Err(error) => error,
        }
    }

    fn path(attr: &str) -> AttrPath {
        AttrPath {
            schema: None,
            attr: attr.to_owned(),
            sub_attr: None,
        }
    }

    fn compare(attr: &str, op: CompareOp, value: CompValue) -> Filter {
        Filter::Compare {
            path: path(attr),
            op,
            value,
        }
    }

    fn num(n: i64) -> CompValue {
        CompValue::Num(n.into())
    }

    // --- parsing: structure ---

    #[test]
    fn a_comparison_parses_into_path_operator_and_value() {
        let expected = compare("userName", CompareOp::Eq, CompValue::Str("bjensen".into()));
        assert_eq!(parse(r#"userName eq "bjensen""#).unwrap(), expected);
    }

    #[test]
    fn every_operator_keyword_parses() {
        for op in CompareOp::ALL {
            let filter = format!("loginCount {} 1", op.as_str());
            assert_eq!(parse(&filter).unwrap(), compare("loginCount", op, num(1)));
        }
    }

    #[test]
    fn operators_and_keywords_are_case_insensitive() {
        let upper = parse(r#"NOT (userName EQ "x") AnD title Pr OR active eQ TRUE"#).unwrap();
        let lower = parse(r#"not (userName eq "x") and title pr or active eq true"#).unwrap();
        assert_eq!(upper, lower);
    }

    #[test]
    fn and_binds_tighter_than_or() {
        let (a, b, c) = (
            compare("a", CompareOp::Eq, num(1)),
            compare("b", CompareOp::Eq, num(2)),
            compare("c", CompareOp::Eq, num(3)),
        );
        let expected = Filter::Or(Box::new(a), Box::new(Filter::And(Box::new(b), Box::new(c))));
        assert_eq!(parse("a eq 1 or b eq 2 and c eq 3").unwrap(), expected);
    }

    #[test]
    fn parentheses_override_precedence() {
        let parsed = parse("(a eq 1 or b eq 2) and c eq 3").unwrap();
        assert!(matches!(&parsed, Filter::And(left, _) if matches!(**left, Filter::Or(..))));
    }

    #[test]
    fn logical_operators_associate_to_the_left() {
        let parsed = parse("a pr and b pr and c pr").unwrap();
        assert!(matches!(&parsed, Filter::And(left, _) if matches!(**left, Filter::And(..))));
    }

    #[test]
    fn not_wraps_its_parenthesized_filter() {
        let expected = Filter::Not(Box::new(Filter::Present(path("title"))));
        assert_eq!(parse("not (title pr)").unwrap(), expected);
        assert_eq!(parse("not(title pr)").unwrap(), expected);
    }

    #[test]
    fn an_attribute_named_not_is_still_an_attribute() {
        assert_eq!(parse("not pr").unwrap(), Filter::Present(path("not")));
    }

    #[test]
    fn extra_whitespace_is_tolerated() {
        let spaced = parse("  ( userName   eq\t\"x\" )  and\n active eq true  ").unwrap();
        assert_eq!(
            spaced,
            parse(r#"userName eq "x" and active eq true"#).unwrap()
        );
    }

    #[test]
    fn string_escapes_are_decoded() {
        let parsed = parse(r#"title eq "a\"b\\c\u00e9\n""#).unwrap();
        assert_eq!(
            parsed,
            compare("title", CompareOp::Eq, CompValue::Str("a\"b\\cé\n".into()))
        );
    }

    #[test]
    fn numbers_booleans_and_null_parse_as_json() {
        let value = |filter: &str| match parse(filter).unwrap() {
            Filter::Compare { value, .. } => value,
            other => panic!("not a comparison: {other:?}"),
        };
        assert_eq!(value("x eq -12"), num(-12));
        assert_eq!(
            value("x eq 2.5e1"),
            CompValue::Num(Number::from_f64(25.0).unwrap())
        );
        assert_eq!(value("x eq FALSE"), CompValue::Bool(false));
        assert_eq!(value("x eq null"), CompValue::Null);
    }

    #[test]
    fn core_schema_urn_prefix_is_split_from_the_attribute() {
        let parsed =
            parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:name.givenName sw "J""#).unwrap();
        let Filter::Compare { path, .. } = parsed else {
            panic!("not a comparison")
        };
        assert_eq!(path.schema.as_deref(), Some(CORE_USER_SCHEMA));
        assert_eq!(
            (path.attr.as_str(), path.sub_attr.as_deref()),
            ("name", Some("givenName"))
        );
    }

    #[test]
    fn ref_sub_attribute_is_a_valid_name() {
        let parsed = parse(r#"members.$ref pr"#).unwrap();
        let Filter::Present(path) = parsed else {
            panic!("not pr")
        };
        assert_eq!(path.sub_attr.as_deref(), Some("$ref"));
    }

    #[test]
    fn value_path_holds_its_element_filter() {
        let parsed = parse(r#"emails[type eq "work" and value co "@x.com"]"#).unwrap();
        let Filter::ValuePath {
            path: p,
            filter,
            sub_attr,
        } = parsed
        else {
            panic!("not a value path")
        };
        assert_eq!((p, sub_attr), (path("emails"), None));
        assert!(matches!(*filter, Filter::And(..)));
    }

    #[test]
    fn sub_attribute_comparison_after_value_path_folds_into_the_brackets() {
        let parsed = parse(r#"emails[type eq "work"].value eq "x""#).unwrap();
        let expected = parse(r#"emails[type eq "work" and value eq "x"]"#).unwrap();
        assert_eq!(parsed, expected);
    }

    #[test]
    fn bare_sub_attribute_after_value_path_is_kept_as_sub_attr() {
        let parsed = parse(r#"emails[type eq "work"].value"#).unwrap();
        let Filter::ValuePath { sub_attr, .. } = parsed else {
            panic!("not a value path")
        };
        assert_eq!(sub_attr.as_deref(), Some("value"));
    }

    #[test]
    fn display_reads_back_to_the_same_tree() {
        let filters = [
            r#"a eq 1 or b eq 2 and c eq 3"#,
            r#"(a eq 1 or b eq 2) and not (c ne "x\"y")"#,
            r#"a pr and (b pr and c pr)"#,
            r#"emails[type eq "work"].value ew ".com" or x.y le -2.5"#,
            r#"urn:ietf:params:scim:schemas:core:2.0:User:members[value eq "1"].display"#,
        ];
        for filter in filters {
            let parsed = parse(filter).unwrap();
            assert_eq!(parse(&parsed.to_string()).unwrap(), parsed, "{filter}");
        }
    }

    // --- matching: operators ---

    #[test]
    fn user_name_eq_is_case_insensitive() {
        assert!(check(r#"userName eq "jane+test@x.com""#));
        assert!(check(r#"USERNAME eq "JANE+TEST@X.COM""#));
        assert!(!check(r#"userName eq "jane@x.com""#));
    }

    #[test]
    fn case_exact_attributes_compare_case_sensitively() {
        assert!(check(r#"id eq "2819c223-7f76-453a-919d-413861904646""#));
        assert!(!check(r#"id eq "2819C223-7F76-453A-919D-413861904646""#));
    }

    #[test]
    fn case_exact_callback_sees_the_qualified_path_inside_a_value_path() {
        let seen = std::cell::RefCell::new(Vec::new());
        let record = |p: &AttrPath| {
            seen.borrow_mut().push(p.to_string());
            false
        };
        let filter = parse(r#"emails[value eq "JANE@X.COM"]"#).unwrap();
        assert!(filter.matches(&jane(), &record));
        assert!(seen.borrow().iter().all(|p| p == "emails.value"));
    }

    #[test]
    fn ne_is_the_negation_of_eq() {
        assert!(check(r#"userName ne "someone@else.com""#));
        assert!(!check(r#"userName ne "JANE+test@x.com""#));
    }

    #[test]
    fn ne_on_an_absent_attribute_matches() {
        assert!(check(r#"nickName ne "x""#));
        assert!(check(r#"doesNotExist ne "x""#));
    }

    #[test]
    fn ne_on_a_multi_valued_attribute_needs_every_value_to_differ() {
        assert!(!check(r#"emails.value ne "jane@home.org""#));
        assert!(check(r#"emails.value ne "other@x.com""#));
    }

    #[test]
    fn co_sw_and_ew_work_on_strings() {
        assert!(check(r#"userName co "TEST@""#));
        assert!(check(r#"userName sw "jane+""#));
        assert!(check(r#"userName ew "@X.COM""#));
        assert!(!check(r#"userName co "nope""#));
        assert!(!check(r#"userName sw "test""#));
        assert!(!check(r#"userName ew "jane""#));
    }

    #[test]
    fn ordering_operators_compare_strings_lexicographically() {
        assert!(check(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#));
        assert!(check(r#"meta.lastModified ge "2011-08-01T21:32:44Z""#));
        assert!(check(r#"meta.created lt "2011-05-13T04:42:34Z""#));
        assert!(check(r#"meta.created le "2010-01-23T04:56:22Z""#));
        assert!(!check(r#"meta.lastModified lt "2011-05-13T04:42:34Z""#));
    }

    #[test]
    fn ordering_operators_compare_numbers_numerically() {
        assert!(check("loginCount gt 9"));
        assert!(check("loginCount ge 42"));
        assert!(check("loginCount lt 100"));
        assert!(check("loginCount le 42.0"));
        assert!(check("score gt 2"));
        assert!(check("score eq 2.5"));
        assert!(!check("loginCount gt 42"));
    }

    #[test]
    fn co_sw_and_ew_never_match_numbers() {
        assert!(!check("loginCount co 4"));
        assert!(!check("loginCount sw 4"));
        assert!(!check("loginCount ew 2"));
    }

    #[test]
    fn booleans_support_only_equality() {
        assert!(check("active eq true"));
        assert!(!check("active eq false"));
        assert!(check("active ne false"));
        assert!(!check("active gt false"));
        assert!(!check("active le true"));
        assert!(!check("active co true"));
    }

    #[test]
    fn type_mismatches_never_match() {
        assert!(!check(r#"active eq "true""#));
        assert!(!check(r#"loginCount eq "42""#));
        assert!(!check("externalId eq 1"));
    }

    #[test]
    fn pr_needs_a_non_empty_value() {
        assert!(check("userName pr"));
        assert!(check("name pr"));
        assert!(check("emails pr"));
        assert!(!check("displayName pr"));
        assert!(!check("nickName pr"));
        assert!(!check("phoneNumbers pr"));
        assert!(!check("groups pr"));
        assert!(!check("name.middleName pr"));
        assert!(!check("doesNotExist pr"));
    }

    #[test]
    fn eq_null_matches_absent_or_null_attributes() {
        assert!(check("nickName eq null"));
        assert!(check("doesNotExist eq null"));
        assert!(!check("userName eq null"));
        assert!(!check("name eq null"));
    }

    #[test]
    fn ne_null_matches_present_attributes() {
        assert!(check("userName ne null"));
        assert!(!check("nickName ne null"));
    }

    #[test]
    fn ordering_against_null_never_matches() {
        assert!(!check("loginCount gt null"));
        assert!(!check("userName co null"));
    }

    #[test]
    fn escaped_quotes_in_strings_match_the_decoded_text() {
        assert!(check(r#"title eq "Senior \"Lead\" \\ Caf\u00e9""#));
        assert!(check(r#"title co "\"lead\"""#));
    }

    // --- matching: logic ---

    #[test]
    fn and_or_and_not_combine_results() {
        assert!(check(r#"active eq true and userName sw "jane""#));
        assert!(!check(r#"active eq false and userName sw "jane""#));
        assert!(check(r#"active eq false or userName sw "jane""#));
        assert!(check(r#"not (active eq false)"#));
        assert!(!check(r#"not (active eq true)"#));
    }

    #[test]
    fn precedence_decides_the_result() {
        // `true or (false and false)` is true; `(true or false) and false` is false.
        assert!(check("loginCount eq 42 or active eq false and score eq 1"));
        assert!(!check(
            "(loginCount eq 42 or active eq false) and score eq 1"
        ));
    }

    #[test]
    fn rfc_example_with_not_and_grouping_matches() {
        let filter = r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#;
        assert!(check(filter));
    }

    // --- matching: multi-valued attributes and value paths ---

    #[test]
    fn sub_attribute_of_a_multi_valued_attribute_matches_any_element() {
        assert!(check(r#"emails.value eq "jane@x.com""#));
        assert!(check(r#"emails.value eq "JANE@home.org""#));
        assert!(!check(r#"emails.value eq "x""#));
    }

    #[test]
    fn complex_attribute_without_sub_attribute_compares_its_value() {
        assert!(check(r#"emails co "home.org""#));
    }

    #[test]
    fn value_path_needs_one_element_to_satisfy_the_whole_filter() {
        assert!(check(r#"emails[type eq "work" and value co "@x.com"]"#));
        assert!(!check(r#"emails[type eq "work" and value co "home.org"]"#));
        assert!(check(r#"emails[type eq "home" or primary eq true]"#));
        assert!(check(r#"emails[not (type eq "work")]"#));
    }

    #[test]
    fn sub_attribute_after_value_path_applies_to_the_same_element() {
        assert!(check(r#"emails[type eq "work"].value eq "jane@x.com""#));
        assert!(!check(r#"emails[type eq "work"].value eq "jane@home.org""#));
        assert!(check(r#"emails[type eq "home"].value pr"#));
    }

    #[test]
    fn bare_value_path_sub_attribute_matches_when_present() {
        assert!(check(r#"emails[type eq "work"].primary"#));
        assert!(!check(r#"emails[type eq "home"].primary"#));
    }

    #[test]
    fn value_path_on_a_missing_attribute_does_not_match() {
        assert!(!check(r#"addresses[type eq "work"]"#));
    }

    // --- matching: schema URNs ---

    #[test]
    fn core_schema_urn_prefix_resolves_at_the_top_level() {
        assert!(check(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "jane+test@x.com""#
        ));
        assert!(check(
            r#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:name.givenName eq "jane""#
        ));
    }

    #[test]
    fn extension_urn_prefix_resolves_into_the_extension_object() {
        assert!(check(
            r#"urn:ietf:params:scim:schemas:extension:qualified:2.0:User:role eq "rep""#
        ));
        assert!(!check(
            r#"urn:ietf:params:scim:schemas:extension:qualified:2.0:User:role eq "admin""#
        ));
        assert!(check(&format!(
            r#"{ENTERPRISE}:employeeNumber eq "701984""#
        )));
        assert!(check(&format!(
            r#"{ENTERPRISE}:manager.value sw "26118915""#
        )));
    }

    #[test]
    fn extension_attributes_need_their_urn_prefix() {
        assert!(!check(r#"role eq "rep""#));
        assert!(!check(r#"urn:example:unknown:role eq "rep""#));
    }

    #[test]
    fn attribute_names_in_the_resource_match_case_insensitively() {
        let resource = json!({"UserName": "a", "Name": {"GivenName": "b"}});
        let filter = parse(r#"username eq "a" and name.givenname eq "B""#).unwrap();
        assert!(filter.matches(&resource, &|_| false));
    }

    // --- Okta's filters ---

    #[test]
    fn okta_user_name_filter_with_plus_sign_matches() {
        assert!(check(r#"userName eq "jane+test@x.com""#));
    }

    #[test]
    fn okta_external_id_filter_matches() {
        assert!(check(r#"externalId eq "00u1abc""#));
        assert!(!check(r#"externalId eq "00u1abd""#));
    }

    #[test]
    fn okta_emails_value_filter_matches() {
        assert!(check(r#"emails.value eq "jane@x.com""#));
    }

    #[test]
    fn okta_id_filter_matches() {
        assert!(check(r#"id eq "2819c223-7f76-453a-919d-413861904646""#));
    }

    #[test]
    fn okta_active_filter_matches() {
        assert!(check("active eq true"));
    }

    #[test]
    fn okta_last_modified_filter_matches() {
        assert!(check(r#"meta.lastModified gt "2011-05-13T04:42:34Z""#));
    }

    // --- errors ---

    #[test]
    fn empty_input_is_an_error_at_zero() {
        for input in ["", "   ", "\t\n"] {
            let error = error(input);
            assert_eq!(
                (error.position, error.message.as_str()),
                (0, "filter is empty at 0")
            );
        }
    }

    #[test]
    fn unterminated_string_points_at_its_opening_quote() {
        let error = error(r#"userName eq "jane"#);
        assert_eq!(error.position, 12);
        assert_eq!(error.message, "unterminated string starting at 12");
        assert_eq!(self::error(r#"userName eq "ja\"ne\""#).position, 12);
    }

    #[test]
    fn unknown_operator_is_named_with_its_position() {
        let error = error(r#"userName foo "x""#);
        assert_eq!(error.position, 9);
        assert_eq!(
            error.message,
            "unknown comparison operator 'foo' after 'userName' at 9"
        );
    }

    #[test]
    fn missing_operator_is_reported_after_the_path() {
        let error = error("userName");
        assert_eq!(error.position, 8);
        assert_eq!(
            error.message,
            "expected a comparison operator or 'pr' after 'userName' at 8"
        );
        assert_eq!(self::error(r#"userName "x""#).position, 9);
    }

    #[test]
    fn missing_value_is_reported_after_the_operator() {
        let error = error("userName eq ");
        assert_eq!(error.position, 12);
        assert!(error.message.starts_with("expected a value"), "{error}");
        let unquoted = self::error("userName eq jane");
        assert_eq!(unquoted.position, 12);
        assert!(unquoted.message.contains("found 'jane'"), "{unquoted}");
    }

    #[test]
    fn trailing_garbage_is_reported() {
        let error = error(r#"userName eq "x" extra"#);
        assert_eq!(error.position, 16);
        assert!(
            error
                .message
                .starts_with("unexpected 'extra' after a complete filter"),
            "{error}"
        );
        assert_eq!(self::error(r#"userName eq "x"y"#).position, 15);
    }

    #[test]
    fn missing_closing_parenthesis_is_reported_at_the_end() {
        let error = error("(a pr and (b pr)");
        assert_eq!(error.position, 16);
        assert_eq!(
            error.message,
            "expected ')' to close the '(' at 0, found end of filter at 16"
        );
    }

    #[test]
    fn extra_closing_parenthesis_is_reported() {
        let error = error("(a pr))");
        assert_eq!(error.position, 6);
        assert_eq!(error.message, "unexpected ')' without a matching '(' at 6");
    }

    #[test]
    fn unbalanced_brackets_are_reported() {
        assert_eq!(error(r#"emails[type eq "work""#).position, 21);
        assert_eq!(error(r#"emails[type eq "work")"#).position, 21);
        assert_eq!(error(r#"emails eq "x"]"#).position, 13);
    }

    #[test]
    fn dangling_logical_operator_is_reported() {
        let error = error("a pr and");
        assert_eq!(error.position, 8);
        assert!(error.message.contains("found end of filter"), "{error}");
        assert_eq!(self::error("a pr or ()").position, 9);
    }

    #[test]
    fn not_without_parenthesis_is_reported() {
        let error = error(r#"not userName eq "x""#);
        assert_eq!(error.position, 4);
        assert_eq!(
            error.message,
            "expected '(' after 'not', found 'userName' at 4"
        );
    }

    #[test]
    fn invalid_attribute_names_are_reported() {
        assert_eq!(error("1abc pr").position, 0);
        assert_eq!(error("a.b.c pr").position, 3);
        assert_eq!(error("foo:bar pr").position, 0);
        assert_eq!(error(r#"urn:x:y: pr"#).position, 8);
        assert_eq!(error(r#"eq "x""#).position, 3);
    }

    #[test]
    fn invalid_numbers_and_escapes_are_reported() {
        assert_eq!(error("a eq 01").position, 5);
        assert_eq!(error("a eq -").position, 5);
        assert_eq!(error("a eq 1.").position, 5);
        let escape = error(r#"a eq "bad \q escape""#);
        assert!(
            escape.message.starts_with("invalid string literal"),
            "{escape}"
        );
        assert_eq!(escape.position, 11);
    }

    #[test]
    fn nested_value_paths_are_rejected() {
        let error = error(r#"groups[members[value eq "x"]]"#);
        assert_eq!(error.position, 14);
        assert!(error.message.contains("cannot be nested"), "{error}");
    }

    #[test]
    fn overlong_input_is_rejected() {
        let input = format!(r#"userName eq "{}""#, "x".repeat(MAX_FILTER_LEN));
        let error = error(&input);
        assert_eq!(error.position, MAX_FILTER_LEN);
        assert!(error.message.contains("4096-byte limit"), "{error}");
    }

    #[test]
    fn nesting_deeper_than_the_limit_is_rejected() {
        let nested = |depth: usize| format!("{}a pr{}", "(".repeat(depth), ")".repeat(depth));
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        let error = error(&nested(MAX_DEPTH + 1));
        assert_eq!(error.position, MAX_DEPTH);
        assert!(error.message.contains("deeper than 32"), "{error}");
        assert!(parse(&"not (".repeat(500)).is_err());
        assert!(parse(&"(".repeat(MAX_FILTER_LEN)).is_err());
    }

    #[test]
    fn long_flat_chains_parse_and_match_without_overflow() {
        let chain = format!("{}userName pr", "userName pr and ".repeat(250));
        let filter = parse(&chain).unwrap();
        assert!(filter.matches(&jane(), &id_is_case_exact));
        let chain = format!("{}userName pr", "nickName pr or ".repeat(250));
        assert!(parse(&chain).unwrap().matches(&jane(), &id_is_case_exact));
    }

    #[test]
    fn error_display_is_the_message() {
        let error = error("userName");
        assert_eq!(error.to_string(), error.message);
        let boxed: Box<dyn std::error::Error> = Box::new(error);
        assert!(boxed.to_string().ends_with("at 8"));
    }

    // --- keyed look-up helpers ---

    #[test]
    fn equality_on_returns_the_value_of_a_lone_string_equality() {
        assert_eq!(
            parse(r#"userName eq "x""#).unwrap().equality_on("userName"),
            Some("x")
        );
        assert_eq!(
            parse(r#"id eq "abc""#).unwrap().equality_on("id"),
            Some("abc")
        );
        assert_eq!(
            parse(r#"externalId eq "00u1""#)
                .unwrap()
                .equality_on("externalId"),
            Some("00u1")
        );
        assert_eq!(
            parse(r#"(userName eq "x")"#)
                .unwrap()
                .equality_on("userName"),
            Some("x")
        );
    }

    #[test]
    fn equality_on_compares_names_case_insensitively_and_skips_the_core_urn() {
        assert_eq!(
            parse(r#"USERNAME EQ "x""#).unwrap().equality_on("userName"),
            Some("x")
        );
        let urn = parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#).unwrap();
        assert_eq!(urn.equality_on("username"), Some("x"));
    }

    #[test]
    fn equality_on_rejects_anything_but_exactly_attr_eq_string() {
        let none = |filter: &str| parse(filter).unwrap().equality_on("userName").is_none();
        assert!(none(r#"userName ne "x""#));
        assert!(none(r#"userName sw "x""#));
        assert!(none("userName eq 1"));
        assert!(none("userName eq null"));
        assert!(none(r#"userName eq "x" and active eq true"#));
        assert!(none(r#"userName eq "x" or userName eq "y""#));
        assert!(none(r#"not (userName eq "x")"#));
        assert!(none(r#"displayName eq "x""#));
        assert!(none(r#"userName.sub eq "x""#));
        assert!(none(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "x""#
        ));
        assert!(none(r#"emails[userName eq "x"]"#));
    }

    #[test]
    fn and_equalities_lists_the_eq_conjuncts() {
        let filter = parse(r#"userName eq "x" and (active eq true and title sw "a")"#).unwrap();
        let found = filter.and_equalities();
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].0, found[0].1),
            (&path("userName"), &CompValue::Str("x".into()))
        );
        assert_eq!(found[1].1, &CompValue::Bool(true));
        assert!(
            parse(r#"a eq 1 or b eq 2"#)
                .unwrap()
                .and_equalities()
                .is_empty()
        );
    }

    #[test]
    fn attr_path_is_compares_dotted_names() {
        let parsed = parse("urn:x:y:Name.GivenName pr").unwrap();
        let Filter::Present(p) = parsed else {
            panic!("not pr")
        };
        assert!(p.is("name.givenname"));
        assert!(!p.is("name"));
        assert!(!p.is("name.familyName"));
    }

    // --- robustness ---

    /// A tiny deterministic LCG (Numerical Recipes constants).
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    const VALID: [&str; 8] = [
        r#"userName eq "jane+test@x.com""#,
        r#"emails[type eq "work" and value co "@x.com"]"#,
        r#"emails[type eq "work"].value eq "x\"y\u00e9""#,
        r#"not (a eq 1 or b eq -2.5e3) and c pr"#,
        r#"urn:ietf:params:scim:schemas:extension:qualified:2.0:User:role eq "rep""#,
        r#"meta.lastModified gt "2011-05-13T04:42:34Z" and active eq true"#,
        r#"((x ne null)) or y le false"#,
        "title eq \"Caf\u{e9} \u{1F600}\"",
    ];

    /// Parses `input`; on success the tree must match without panicking and read back
    /// from its `Display` form unchanged.
    fn parse_and_exercise(input: &str) {
        if let Ok(filter) = parse(input) {
            filter.matches(&jane(), &id_is_case_exact);
            let shown = filter.to_string();
            assert_eq!(
                parse(&shown).as_ref(),
                Ok(&filter),
                "{input:?} shown as {shown:?}"
            );
        }
    }

    #[test]
    fn parse_never_panics_on_prefixes_of_valid_filters() {
        for filter in VALID {
            assert!(parse(filter).is_ok(), "{filter}");
            for (end, _) in filter.char_indices() {
                parse_and_exercise(&filter[..end]);
                parse_and_exercise(&filter[end..]);
            }
        }
    }

    #[test]
    fn parse_never_panics_on_random_bytes() {
        let mut rng = Lcg(0x5c1f_11e7);
        for _ in 0..500 {
            let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
            parse_and_exercise(&String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn parse_never_panics_on_random_token_soup() {
        let tokens: Vec<&str> =
            r#"userName emails value urn:ietf:params:scim:schemas:core:2.0:User:
            eq NE co pr gt and OR not ( ) [ ] . : "x" "a\"b" " \ 1 -2.5e3 true null é $ref"#
                .split_whitespace()
                .collect();
        let mut rng = Lcg(42);
        for _ in 0..3000 {
            let mut input = String::new();
            for _ in 0..1 + rng.below(14) {
                input.push_str(["", " ", " ", "  "][rng.below(4)]);
                input.push_str(tokens[rng.below(tokens.len())]);
            }
            parse_and_exercise(&input);
        }
    }

    #[test]
    fn parse_never_panics_on_mutated_valid_filters() {
        let inserts = [
            "(", ")", "[", "]", " and ", " or ", "not ", "\"", "\\", ".", ":", " pr", "é",
        ];
        let mut rng = Lcg(2024);
        let mut parsed = 0;
        for _ in 0..3000 {
            let mut input = VALID[rng.below(VALID.len())].to_owned();
            for _ in 0..1 + rng.below(3) {
                let cuts: Vec<usize> = input.char_indices().map(|(i, _)| i).collect();
                let (a, b) = (cuts[rng.below(cuts.len())], cuts[rng.below(cuts.len())]);
                let (from, to) = (a.min(b), a.max(b));
                match rng.below(3) {
                    0 => input.replace_range(from..to, ""),
                    1 => input.insert_str(from, inserts[rng.below(inserts.len())]),
                    _ => input = format!("{}{}", &input[to..], &input[..from]),
                }
            }
            parsed += usize::from(parse(&input).is_ok());
            parse_and_exercise(&input);
        }
        assert!(parsed > 100, "only {parsed} mutated inputs parsed");
    }

    #[test]
    fn random_well_formed_filters_round_trip() {
        let atoms = [
            "a pr",
            "b eq 1",
            "c ne \"x\"",
            "emails[type eq \"w\"]",
            "d.e le null",
        ];
        let mut rng = Lcg(7);
        for _ in 0..500 {
            let mut filter = atoms[rng.below(atoms.len())].to_owned();
            for _ in 0..rng.below(6) {
                let joiner = [" and ", " or "][rng.below(2)];
                let atom = atoms[rng.below(atoms.len())];
                filter = match rng.below(3) {
                    0 => format!("{filter}{joiner}{atom}"),
                    1 => format!("({filter}){joiner}{atom}"),
                    _ => format!("not ({filter}){joiner}{atom}"),
                };
            }
            assert!(parse(&filter).is_ok(), "{filter}");
            parse_and_exercise(&filter);
        }
    }
}
