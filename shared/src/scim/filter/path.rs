//! Lexical helpers of the filter grammar and attribute paths (`[URI ":"] ATTRNAME *1subAttr`).

use super::{AttrPath, CORE_GROUP_SCHEMA, CORE_USER_SCHEMA, QUOTE_LIMIT};

pub(super) fn is_ws(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// Bytes of an attribute path token: names, `.` sub-attributes and `urn:` schema prefixes.
pub(super) fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b':' | b'.' | b'_' | b'-' | b'$')
}

/// `'text'`, shortened for error messages.
pub(super) fn quoted(text: &str) -> String {
    if text.chars().count() <= QUOTE_LIMIT {
        return format!("'{text}'");
    }
    let head: String = text.chars().take(QUOTE_LIMIT).collect();
    format!("'{head}...'")
}

pub(super) fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

pub(super) fn is_core_schema(urn: &str) -> bool {
    urn.eq_ignore_ascii_case(CORE_USER_SCHEMA) || urn.eq_ignore_ascii_case(CORE_GROUP_SCHEMA)
}

/// Splits `[URI ":"] ATTRNAME ["." ATTRNAME]` (RFC 7644 §3.10); errors carry a token offset.
pub(super) fn split_attr_path(token: &str) -> Result<AttrPath, (usize, String)> {
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
pub(super) fn check_attr_name(name: &str, written: &str) -> Result<(), (usize, String)> {
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
