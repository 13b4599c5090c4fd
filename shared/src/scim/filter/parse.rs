//! The recursive-descent parser of the RFC 7644 §3.4.2.2 grammar (see the module docs).

use serde_json::Number;

use super::path::{check_attr_name, is_word_byte, is_ws, quoted, split_attr_path};
use super::{AttrPath, CompValue, CompareOp, Filter, FilterError, MAX_DEPTH, MAX_FILTER_LEN};

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
