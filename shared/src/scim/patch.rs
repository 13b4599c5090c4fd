//! Changes to an existing user from PUT or PATCH (RFC 7644 3.5.1, 3.5.2). After creation
//! only `active`, `userName`/email and role change; anything else sent is accepted and ignored.

use serde_json::{Map, Value, json};

use super::EXTENSION_SCHEMA;
use super::filter::parse_patch_path;
use super::resource::{
    get_ci, invalid_value, parse_bool, parse_role, parse_user, primary_value, role_of,
};
use crate::error::{Error, ErrorCode};
use crate::model::{RoleSource, User};
use crate::types::{Email, Role, UserName};

/// The attributes a client may change, each `None` when untouched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    pub active: Option<bool>,
    pub user_name: Option<UserName>,
    pub email: Option<Email>,
    pub role: Option<(Role, RoleSource)>,
}

impl Changes {
    /// The user after these changes; `None` when nothing would change (no write needed).
    pub fn apply(&self, user: &User, now: time::OffsetDateTime) -> Option<User> {
        let mut next = user.clone();
        if let Some(active) = self.active {
            next.active = active;
        }
        if let Some(user_name) = &self.user_name {
            next.user_name = user_name.clone();
        }
        if let Some(email) = &self.email {
            next.email = email.clone();
        }
        if let Some((role, source)) = self.role {
            next.role = role;
            next.role_source = source;
        }
        crate::identity::follow_rename(user, &mut next);
        if &next == user {
            return None;
        }
        next.version = user.version + 1;
        next.last_modified = crate::types::Timestamp::at(now);
        Some(next)
    }

    /// Names of what changed, for the audit trail.
    pub fn summary(&self) -> Vec<&'static str> {
        let mut fields = Vec::new();
        self.active.is_some().then(|| fields.push("active"));
        self.user_name.is_some().then(|| fields.push("userName"));
        self.email.is_some().then(|| fields.push("email"));
        self.role.is_some().then(|| fields.push("role"));
        fields
    }
}

/// PUT replaces the resource (RFC 7644 3.5.1); of it, only the mutable attributes are kept.
/// A role left out of a PUT keeps the current one rather than silently resetting it.
pub fn from_put(body: &Value) -> Result<Changes, Error> {
    let input = parse_user(body)?;
    Ok(Changes {
        active: Some(input.active),
        user_name: Some(input.user_name),
        email: Some(input.email),
        role: input.role,
    })
}

/// A PatchOp body: `Operations` of `add`/`replace`/`remove`, with or without `path`.
pub fn from_patch(body: &Value) -> Result<Changes, Error> {
    let ops = body
        .as_object()
        .and_then(|o| get_ci(o, "Operations"))
        .and_then(Value::as_array)
        .ok_or_else(|| {
            Error::new(
                ErrorCode::InvalidSyntax,
                "A PatchOp needs an Operations array.",
            )
        })?;
    let mut changes = Changes::default();
    for op in ops {
        apply_operation(&mut changes, op)?;
    }
    Ok(changes)
}

fn apply_operation(changes: &mut Changes, op: &Value) -> Result<(), Error> {
    let obj = op.as_object().ok_or_else(|| {
        Error::new(
            ErrorCode::InvalidSyntax,
            "Each operation must be an object.",
        )
    })?;
    let kind = get_ci(obj, "op")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    let path = get_ci(obj, "path").and_then(Value::as_str).map(str::trim);
    let value = get_ci(obj, "value");
    match (kind.as_str(), path, value) {
        ("remove", None, _) => Err(Error::new(ErrorCode::NoTarget, "remove needs a path.")),
        // Removing a mutable attribute has no meaning here: nothing the product keeps can be absent.
        ("remove", Some(_), _) => Ok(()),
        ("add" | "replace", None, Some(Value::Object(values))) => merge_object(changes, values),
        ("add" | "replace", None, _) => {
            Err(invalid_value("Without a path, value must be an object."))
        }
        ("add" | "replace", Some(path), Some(value)) => apply_path(changes, path, value),
        ("add" | "replace", Some(_), None) => Err(invalid_value("The operation has no value.")),
        _ => Err(Error::new(
            ErrorCode::InvalidSyntax,
            format!("Unknown PATCH op '{kind}'."),
        )),
    }
}

/// `{"op": "replace", "value": {"active": false}}`: each attribute as if it had its own path.
fn merge_object(changes: &mut Changes, values: &Map<String, Value>) -> Result<(), Error> {
    for (name, value) in values {
        apply_path(changes, name, value)?;
    }
    if let Some(role) = role_of(values)? {
        changes.role = Some(role);
    }
    Ok(())
}

fn apply_path(changes: &mut Changes, path: &str, value: &Value) -> Result<(), Error> {
    // The extension object itself: `{"path": "urn:...:qualified:2.0:User", "value": {"role": ..}}`.
    if path.trim().eq_ignore_ascii_case(EXTENSION_SCHEMA) {
        if let Some(role) = value.as_object().and_then(|o| get_ci(o, "role")) {
            changes.role = Some((parse_role(role)?, RoleSource::Extension));
        }
        return Ok(());
    }
    let target = parse_patch_path(path).map_err(|e| {
        Error::new(
            ErrorCode::InvalidPath,
            format!("The path '{path}' is not a SCIM attribute path: {e}"),
        )
    })?;
    let schema = target.path.schema.as_deref();
    if schema.is_some_and(|urn| urn.eq_ignore_ascii_case(EXTENSION_SCHEMA)) {
        if target.path.is("role") {
            changes.role = Some((parse_role(value)?, RoleSource::Extension));
        }
        return Ok(());
    }
    // Other extensions (Entra's enterprise User with its manager, ...) are accepted and ignored.
    if !target.in_core_schema() {
        return Ok(());
    }
    let attr = &target.path;
    let filtered = target.filter.is_some();
    if attr.is("active") {
        changes.active = Some(parse_bool(value)?);
    } else if attr.is("userName") {
        changes.user_name = Some(user_name(value)?);
    } else if attr.is("role") {
        changes.role = Some((parse_role(value)?, RoleSource::Core));
    } else if attr.is("emails") && !filtered {
        changes.email = primary_value(value)?.map(email).transpose()?;
    } else if attr.is("emails.value") {
        // `emails.value` or `emails[type eq "work"].value`: the product keeps one email.
        let raw = value
            .as_str()
            .ok_or_else(|| invalid_value("email must be a string."))?;
        changes.email = Some(email(raw)?);
    } else if attr.is("roles") && !filtered {
        if let Some(role) = primary_value(value)? {
            changes.role = Some((parse_role(&json!(role))?, RoleSource::Roles));
        }
    } else if attr.is("roles.value") && filtered {
        changes.role = Some((parse_role(value)?, RoleSource::Roles));
    }
    Ok(())
}

fn user_name(value: &Value) -> Result<UserName, Error> {
    let raw = value
        .as_str()
        .ok_or_else(|| invalid_value("userName must be a string."))?;
    UserName::parse(raw).map_err(|e| invalid_value(e.0))
}

fn email(raw: &str) -> Result<Email, Error> {
    Email::parse(raw).map_err(|e| invalid_value(e.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patch(ops: Value) -> Result<Changes, Error> {
        from_patch(&json!({"schemas": [super::super::PATCH_SCHEMA], "Operations": ops}))
    }

    #[test]
    fn okta_oin_deactivation_without_a_path() {
        let changes = patch(json!([{"op": "replace", "value": {"active": false}}])).unwrap();
        assert_eq!(changes.active, Some(false));
    }

    #[test]
    fn deactivation_with_a_path_and_a_string_boolean() {
        let changes =
            patch(json!([{"op": "Replace", "path": "active", "value": "False"}])).unwrap();
        assert_eq!(changes.active, Some(false));
    }

    #[test]
    fn email_and_role_change_through_their_paths() {
        let changes = patch(json!([
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@x.com"},
            {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:qualified:2.0:User:role", "value": "admin"},
            {"op": "replace", "path": "userName", "value": "new@x.com"},
        ]))
        .unwrap();
        assert_eq!(changes.email.unwrap().as_str(), "new@x.com");
        assert_eq!(changes.role, Some((Role::Admin, RoleSource::Extension)));
        assert_eq!(changes.user_name.unwrap().as_str(), "new@x.com");
    }

    #[test]
    fn immutable_attributes_are_accepted_and_ignored() {
        let changes = patch(json!([
            {"op": "replace", "value": {"name": {"givenName": "X"}, "phoneNumbers": [{"value": "1"}]}},
            {"op": "add", "path": "title", "value": "CEO"},
        ]))
        .unwrap();
        assert_eq!(changes, Changes::default());
    }

    #[test]
    fn bad_operations_are_refused_with_their_scim_type() {
        assert_eq!(
            patch(json!([{"op": "remove"}])).unwrap_err().scim_type(),
            Some("noTarget")
        );
        assert_eq!(
            patch(json!([{"op": "move", "path": "active"}]))
                .unwrap_err()
                .scim_type(),
            Some("invalidSyntax")
        );
        assert_eq!(
            patch(json!([{"op": "replace", "path": "role", "value": "boss"}]))
                .unwrap_err()
                .scim_type(),
            Some("invalidValue")
        );
        assert!(from_patch(&json!({"Operations": "no"})).is_err());
    }
}
