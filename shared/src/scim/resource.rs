//! The SCIM User resource: rendering a stored user, and reading what a client sends
//! (attribute names case-insensitive, RFC 7643 2.1).

use serde_json::{Map, Value, json};

use super::{EXTENSION_SCHEMA, USER_SCHEMA};
use crate::error::{Error, ErrorCode};
use crate::identity::ExternalId;
use crate::model::{RoleSource, User};
use crate::types::{Email, Role, UserName};

/// `W/"{version}"`: `meta.version` and the `ETag` header (RFC 7644 3.14).
pub fn etag(user: &User) -> String {
    format!("W/\"{}\"", user.version)
}

/// The resource as served: the role written back where the client put it.
pub fn render_user(user: &User, scim_base: &str) -> Value {
    let mut schemas = vec![USER_SCHEMA];
    let mut resource = json!({
        "id": user.id,
        "userName": user.user_name,
        "name": {
            "givenName": user.given_name,
            "familyName": user.family_name,
            "formatted": user.formatted_name(),
        },
        "displayName": user.formatted_name(),
        "emails": [{ "value": user.email, "type": "work", "primary": true }],
        "active": user.active,
        "meta": {
            "resourceType": "User",
            "created": user.created_at,
            "lastModified": user.last_modified,
            "location": format!("{scim_base}/Users/{}", user.id),
            "version": etag(user),
        },
    });
    let obj = resource.as_object_mut();
    if let Some(obj) = obj {
        if let Some(external_id) = &user.external_id {
            obj.insert("externalId".into(), json!(external_id));
        }
        if let Some(phone) = &user.phone_number {
            obj.insert(
                "phoneNumbers".into(),
                json!([{ "value": phone, "type": "work", "primary": true }]),
            );
        }
        if let Some(timezone) = &user.timezone {
            obj.insert("timezone".into(), json!(timezone));
        }
        match user.role_source {
            RoleSource::Core => {
                obj.insert("role".into(), json!(user.role));
            }
            RoleSource::Roles => {
                obj.insert(
                    "roles".into(),
                    json!([{ "value": user.role, "primary": true }]),
                );
            }
            RoleSource::Extension => {
                schemas.push(EXTENSION_SCHEMA);
                obj.insert(EXTENSION_SCHEMA.into(), json!({ "role": user.role }));
            }
        }
        obj.insert("schemas".into(), json!(schemas));
    }
    resource
}

/// What a create (or a PUT) carries that the app keeps.
#[derive(Debug, Clone, PartialEq)]
pub struct UserInput {
    pub user_name: UserName,
    pub email: Email,
    pub given_name: String,
    pub family_name: String,
    pub phone_number: Option<String>,
    pub timezone: Option<String>,
    pub active: bool,
    pub external_id: Option<ExternalId>,
    pub role: Option<(Role, RoleSource)>,
}

pub fn invalid_value(detail: impl Into<String>) -> Error {
    Error::new(ErrorCode::InvalidValue, detail)
}

/// Reads a User resource as POST or PUT sends it; `password` and unknown attributes are ignored.
pub fn parse_user(body: &Value) -> Result<UserInput, Error> {
    let obj = body
        .as_object()
        .ok_or_else(|| Error::new(ErrorCode::InvalidSyntax, "The body must be a JSON object."))?;
    let user_name = string_attr(obj, "userName")?
        .ok_or_else(|| invalid_value("userName is required."))
        .and_then(|raw| UserName::parse(raw).map_err(|e| invalid_value(e.0)))?;
    let email = match get_ci(obj, "emails")
        .map(primary_value)
        .transpose()?
        .flatten()
    {
        Some(raw) => Email::parse(raw),
        None => Email::parse(user_name.as_str()),
    }
    .map_err(|_| {
        invalid_value("A valid email is required (emails, or a userName that is an email).")
    })?;
    let name = get_ci(obj, "name").and_then(Value::as_object);
    let name_part = |key: &str| {
        name.and_then(|n| get_ci(n, key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .trim()
            .to_owned()
    };
    Ok(UserInput {
        user_name,
        email,
        given_name: name_part("givenName"),
        family_name: name_part("familyName"),
        phone_number: get_ci(obj, "phoneNumbers")
            .map(primary_value)
            .transpose()?
            .flatten()
            .map(str::to_owned),
        timezone: string_attr(obj, "timezone")?.map(str::to_owned),
        active: get_ci(obj, "active")
            .map(parse_bool)
            .transpose()?
            .unwrap_or(true),
        external_id: string_attr(obj, "externalId")?
            .filter(|v| !v.is_empty())
            .map(|v| ExternalId::parse(v).map_err(|e| invalid_value(e.0)))
            .transpose()?,
        role: role_of(obj)?,
    })
}

/// An attribute by name, case-insensitively.
pub fn get_ci<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.get(name)
        .or_else(|| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .filter(|v| !v.is_null())
}

fn string_attr<'a>(obj: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Error> {
    match get_ci(obj, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(invalid_value(format!("{name} must be a string."))),
    }
}

/// `true`/`false`, or the strings some IdPs send (`"True"`, `"false"`).
pub fn parse_bool(value: &Value) -> Result<bool, Error> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(invalid_value("Expected a boolean.")),
    }
}

/// The primary (else the first) `value` of a multi-valued attribute such as `emails`.
pub fn primary_value(value: &Value) -> Result<Option<&str>, Error> {
    let items = value
        .as_array()
        .ok_or_else(|| invalid_value("A multi-valued attribute must be an array."))?;
    let is_primary = |v: &Value| {
        v.as_object()
            .and_then(|o| get_ci(o, "primary"))
            .is_some_and(|p| parse_bool(p).unwrap_or(false))
    };
    let chosen = items
        .iter()
        .find(|v| is_primary(v))
        .or_else(|| items.first());
    match chosen
        .and_then(Value::as_object)
        .map(|o| get_ci(o, "value"))
    {
        None | Some(None) => Ok(None),
        Some(Some(Value::String(s))) => Ok(Some(s.as_str())),
        Some(Some(_)) => Err(invalid_value("value must be a string.")),
    }
}

/// The role from any of the three places the contract names, and which one it was.
pub fn role_of(obj: &Map<String, Value>) -> Result<Option<(Role, RoleSource)>, Error> {
    if let Some(role) = get_ci(obj, "role") {
        return Ok(Some((parse_role(role)?, RoleSource::Core)));
    }
    let extension = get_ci(obj, EXTENSION_SCHEMA).and_then(Value::as_object);
    if let Some(role) = extension.and_then(|e| get_ci(e, "role")) {
        return Ok(Some((parse_role(role)?, RoleSource::Extension)));
    }
    if let Some(roles) = get_ci(obj, "roles")
        && let Some(value) = primary_value(roles)?
    {
        return Ok(Some((parse_role(&json!(value))?, RoleSource::Roles)));
    }
    Ok(None)
}

/// `admin`, `rep` or `meetings`, exact case; anything else is `400 invalidValue`.
pub fn parse_role(value: &Value) -> Result<Role, Error> {
    let raw = value
        .as_str()
        .ok_or_else(|| invalid_value("role must be a string."))?;
    Role::parse(raw).map_err(|e| invalid_value(e.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_okta_create_body_is_read_in_full() {
        let body = json!({
            "schemas": [USER_SCHEMA], "userName": "jane+test@x.com",
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "emails": [{"primary": true, "value": "jane+test@x.com", "type": "work"}],
            "phoneNumbers": [{"value": "+1 555 0100", "type": "mobile"}],
            "timezone": "America/New_York", "active": true, "externalId": "00u1abc",
            "password": "never-stored", "role": "meetings"
        });
        let input = parse_user(&body).unwrap();
        assert_eq!(input.user_name.as_str(), "jane+test@x.com");
        assert_eq!(input.phone_number.as_deref(), Some("+1 555 0100"));
        assert_eq!(input.role, Some((Role::Meetings, RoleSource::Core)));
        assert_eq!(
            input.external_id.as_ref().map(ExternalId::as_str),
            Some("00u1abc")
        );
    }

    #[test]
    fn the_role_is_found_in_each_of_its_three_places() {
        let ext = json!({"userName": "a@x.com", EXTENSION_SCHEMA: {"role": "admin"}});
        assert_eq!(
            parse_user(&ext).unwrap().role,
            Some((Role::Admin, RoleSource::Extension))
        );
        let roles = json!({"userName": "a@x.com", "roles": [{"value": "rep", "primary": true}]});
        assert_eq!(
            parse_user(&roles).unwrap().role,
            Some((Role::Rep, RoleSource::Roles))
        );
        let none = json!({"userName": "a@x.com"});
        assert_eq!(parse_user(&none).unwrap().role, None);
    }

    #[test]
    fn a_role_outside_the_three_is_invalid_value() {
        for bad in [json!("Admin"), json!("owner"), json!(3)] {
            let body = json!({"userName": "a@x.com", "role": bad});
            assert_eq!(
                parse_user(&body).unwrap_err().scim_type(),
                Some("invalidValue")
            );
        }
    }

    #[test]
    fn booleans_may_arrive_as_strings() {
        let body = json!({"userName": "a@x.com", "active": "False"});
        assert!(!parse_user(&body).unwrap().active);
        let body = json!({"userName": "a@x.com", "active": "nope"});
        assert!(parse_user(&body).is_err());
    }

    #[test]
    fn attribute_names_are_case_insensitive() {
        let body = json!({"USERNAME": "a@x.com", "Active": false});
        let input = parse_user(&body).unwrap();
        assert_eq!(input.user_name.as_str(), "a@x.com");
        assert!(!input.active);
    }

    #[test]
    fn a_user_needs_a_user_name_and_an_email() {
        assert!(parse_user(&json!({"emails": [{"value": "a@x.com"}]})).is_err());
        assert!(parse_user(&json!({"userName": "jdoe"})).is_err());
        assert!(parse_user(&json!({"userName": "jdoe", "emails": [{"value": "j@x.com"}]})).is_ok());
        assert!(parse_user(&json!([1])).is_err());
    }
}
