//! The discovery documents (RFC 7644 4, RFC 7643 5-7), true to what is built.

use serde_json::{Value, json};

use super::{EXTENSION_SCHEMA, MAX_RESULTS, USER_SCHEMA};

/// `GET /ServiceProviderConfig`.
pub fn service_provider_config(scim_base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/",
        "patch": { "supported": true },
        "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
        "filter": { "supported": true, "maxResults": MAX_RESULTS },
        "changePassword": { "supported": false },
        "sort": { "supported": false },
        "etag": { "supported": true },
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "The SCIM token the org admin turns on and copies in the app.",
            "primary": true,
        }],
        "meta": { "resourceType": "ServiceProviderConfig", "location": format!("{scim_base}/ServiceProviderConfig") },
    })
}

/// The User resource type.
pub fn user_resource_type(scim_base: &str) -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "A user of the app",
        "schema": USER_SCHEMA,
        "schemaExtensions": [{ "schema": EXTENSION_SCHEMA, "required": false }],
        "meta": { "resourceType": "ResourceType", "location": format!("{scim_base}/ResourceTypes/User") },
    })
}

fn attr(
    name: &str,
    kind: &str,
    mutability: &str,
    required: bool,
    case_exact: bool,
    uniqueness: &str,
) -> Value {
    json!({
        "name": name, "type": kind, "multiValued": false, "required": required,
        "caseExact": case_exact, "mutability": mutability, "returned": "default", "uniqueness": uniqueness,
    })
}

fn sub(name: &str, kind: &str) -> Value {
    attr(name, kind, "readWrite", false, false, "none")
}

/// Sets `key` on a JSON object (every value built here is one).
fn set(value: &mut Value, key: &str, to: Value) {
    if let Some(object) = value.as_object_mut() {
        object.insert(key.to_owned(), to);
    }
}

fn multi(name: &str, subs: Vec<Value>) -> Value {
    json!({
        "name": name, "type": "complex", "multiValued": true, "required": false,
        "mutability": "readWrite", "returned": "default", "subAttributes": subs,
    })
}

/// The core User schema as served: what is kept, and how.
pub fn user_schema(scim_base: &str) -> Value {
    // After creation only `active`, email/`userName` and the role change (CONTRACT.md "SCIM
    // 2.0"): the rest is `immutable` (RFC 7643 7: set at creation, never updated after).
    let mut name = attr("name", "complex", "immutable", false, false, "none");
    let mut role = attr("role", "string", "readWrite", false, true, "none");
    set(
        &mut role,
        "canonicalValues",
        json!(["admin", "rep", "meetings"]),
    );
    let mut role_value = sub("value", "string");
    set(
        &mut role_value,
        "canonicalValues",
        json!(["admin", "rep", "meetings"]),
    );
    set(&mut role_value, "caseExact", json!(true));
    // An email is needed for binding and password emails: a create without one (in
    // `emails`, or as the userName) is refused.
    let mut email_value = sub("value", "string");
    set(&mut email_value, "required", json!(true));
    let mut emails = multi(
        "emails",
        vec![
            email_value,
            sub("type", "string"),
            sub("primary", "boolean"),
        ],
    );
    set(&mut emails, "required", json!(true));
    let immutable = |name: &str, kind: &str| attr(name, kind, "immutable", false, false, "none");
    let mut phones = multi(
        "phoneNumbers",
        vec![
            immutable("value", "string"),
            immutable("type", "string"),
            immutable("primary", "boolean"),
        ],
    );
    set(&mut phones, "mutability", json!("immutable"));
    set(
        &mut name,
        "subAttributes",
        json!([
            immutable("givenName", "string"),
            immutable("familyName", "string"),
            immutable("formatted", "string")
        ]),
    );
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": USER_SCHEMA,
        "name": "User",
        "description": "User account",
        "attributes": [
            attr("userName", "string", "readWrite", true, false, "server"),
            name,
            attr("displayName", "string", "readOnly", false, false, "none"),
            emails,
            phones,
            attr("timezone", "string", "immutable", false, false, "none"),
            attr("externalId", "string", "immutable", false, false, "server"),
            attr("active", "boolean", "readWrite", false, false, "none"),
            role,
            multi("roles", vec![role_value, sub("primary", "boolean")]),
            json!({"name": "password", "type": "string", "multiValued": false, "required": false,
                   "mutability": "writeOnly", "returned": "never", "caseExact": true, "uniqueness": "none"}),
        ],
        "meta": { "resourceType": "Schema", "location": format!("{scim_base}/Schemas/{USER_SCHEMA}") },
    })
}

/// The app's extension: the role and its canonical values.
pub fn extension_schema(scim_base: &str) -> Value {
    let mut role = attr("role", "string", "readWrite", false, true, "none");
    set(
        &mut role,
        "canonicalValues",
        json!(["admin", "rep", "meetings"]),
    );
    set(
        &mut role,
        "description",
        json!("Qualified Role: admin, rep or meetings (exact case)."),
    );
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": EXTENSION_SCHEMA,
        "name": "QualifiedUser",
        "description": "The app's user extension",
        "attributes": [role],
        "meta": { "resourceType": "Schema", "location": format!("{scim_base}/Schemas/{EXTENSION_SCHEMA}") },
    })
}

pub fn schemas(scim_base: &str) -> Vec<Value> {
    vec![user_schema(scim_base), extension_schema(scim_base)]
}
