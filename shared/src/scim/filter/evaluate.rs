//! Matching a parsed filter against a SCIM resource held as JSON (see the module docs).

use std::cmp::Ordering;

use serde_json::{Number, Value};

use super::path::is_core_schema;
use super::{AttrPath, CompValue, CompareOp, Filter};

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
