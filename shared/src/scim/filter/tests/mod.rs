//! Tests of the filter grammar and its matching (RFC 7644 3.4.2.2): parsing and display
//! (`parse.rs`), matching (`matching.rs`), errors, limits, key look-ups and robustness
//! (`errors.rs`); the fixtures and helpers they share are here.

mod errors;
mod matching;
mod parse;

use super::*;
use serde_json::{Number, Value, json};

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
