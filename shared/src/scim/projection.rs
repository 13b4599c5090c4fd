//! `attributes` and `excludedAttributes` (RFC 7644 3.4.2.5, 3.9): which attributes a
//! response carries. `id` and `schemas` are always returned (RFC 7643 7, "returned: always").

use serde_json::{Map, Value};

use super::{EXTENSION_SCHEMA, USER_SCHEMA};

/// A parsed `attributes` or `excludedAttributes` list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    only: Vec<(String, Option<String>)>,
    except: Vec<(String, Option<String>)>,
}

/// `name.givenName` → (`name`, `givenName`); URN prefixes resolve to the core or extension.
fn parse_list(raw: Option<&str>) -> Vec<(String, Option<String>)> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|attr| {
            let core = format!("{USER_SCHEMA}:");
            let ext = format!("{EXTENSION_SCHEMA}:");
            let lower = attr.to_ascii_lowercase();
            if lower.starts_with(&ext.to_ascii_lowercase()) {
                return (
                    EXTENSION_SCHEMA.to_owned(),
                    Some(attr[ext.len()..].to_owned()),
                );
            }
            let attr = if lower.starts_with(&core.to_ascii_lowercase()) {
                &attr[core.len()..]
            } else {
                attr
            };
            match attr.split_once('.') {
                Some((top, sub)) => (top.to_owned(), Some(sub.to_owned())),
                None => (attr.to_owned(), None),
            }
        })
        .collect()
}

impl Projection {
    pub fn parse(attributes: Option<&str>, excluded: Option<&str>) -> Self {
        Self {
            only: parse_list(attributes),
            except: parse_list(excluded),
        }
    }

    pub fn is_identity(&self) -> bool {
        self.only.is_empty() && self.except.is_empty()
    }

    /// Applies the projection to one resource.
    pub fn apply(&self, resource: Value) -> Value {
        let Value::Object(obj) = resource else {
            return resource;
        };
        let obj = if self.only.is_empty() {
            obj
        } else {
            keep(obj, &self.only)
        };
        Value::Object(drop_listed(obj, &self.except))
    }
}

fn always(name: &str) -> bool {
    name.eq_ignore_ascii_case("id") || name.eq_ignore_ascii_case("schemas")
}

fn keep(obj: Map<String, Value>, only: &[(String, Option<String>)]) -> Map<String, Value> {
    obj.into_iter()
        .filter_map(|(name, value)| {
            if always(&name) {
                return Some((name, value));
            }
            let wanted: Vec<&Option<String>> = only
                .iter()
                .filter(|(top, _)| top.eq_ignore_ascii_case(&name))
                .map(|(_, sub)| sub)
                .collect();
            if wanted.is_empty() {
                return None;
            }
            if wanted.iter().any(|s| s.is_none()) {
                return Some((name, value));
            }
            let subs: Vec<&str> = wanted.iter().filter_map(|s| s.as_deref()).collect();
            Some((name, keep_subs(value, &subs)))
        })
        .collect()
}

fn keep_subs(value: Value, subs: &[&str]) -> Value {
    let pick = |o: Map<String, Value>| -> Value {
        Value::Object(
            o.into_iter()
                .filter(|(k, _)| subs.iter().any(|s| s.eq_ignore_ascii_case(k)))
                .collect(),
        )
    };
    match value {
        Value::Object(o) => pick(o),
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|v| match v {
                    Value::Object(o) => pick(o),
                    other => other,
                })
                .collect(),
        ),
        other => other,
    }
}

fn drop_listed(
    mut obj: Map<String, Value>,
    except: &[(String, Option<String>)],
) -> Map<String, Value> {
    for (top, sub) in except {
        let Some(key) = obj
            .keys()
            .find(|k| k.eq_ignore_ascii_case(top) && !always(k))
            .cloned()
        else {
            continue;
        };
        match sub {
            None => {
                obj.remove(&key);
            }
            Some(sub) => {
                if let Some(value) = obj.get_mut(&key) {
                    drop_sub(value, sub);
                }
            }
        }
    }
    obj
}

fn drop_sub(value: &mut Value, sub: &str) {
    let drop = |o: &mut Map<String, Value>| o.retain(|k, _| !k.eq_ignore_ascii_case(sub));
    match value {
        Value::Object(o) => drop(o),
        Value::Array(items) => items
            .iter_mut()
            .filter_map(Value::as_object_mut)
            .for_each(drop),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user() -> Value {
        json!({"schemas": [USER_SCHEMA], "id": "1", "userName": "a@x.com",
               "name": {"givenName": "A", "familyName": "B"}, "emails": [{"value": "a@x.com", "type": "work"}],
               "meta": {"version": "W/\"1\""}})
    }

    #[test]
    fn attributes_keep_only_what_is_asked_plus_id_and_schemas() {
        let p = Projection::parse(Some("userName,name.givenName,emails.value"), None);
        assert_eq!(
            p.apply(user()),
            json!({"schemas": [USER_SCHEMA], "id": "1", "userName": "a@x.com", "name": {"givenName": "A"}, "emails": [{"value": "a@x.com"}]})
        );
    }

    #[test]
    fn excluded_attributes_are_dropped_but_never_id() {
        let p = Projection::parse(
            None,
            Some("name,emails.type,id,urn:ietf:params:scim:schemas:core:2.0:User:meta"),
        );
        let out = p.apply(user());
        assert!(out.get("name").is_none() && out.get("meta").is_none());
        assert_eq!(out["id"], "1");
        assert_eq!(out["emails"], json!([{"value": "a@x.com"}]));
    }
}
