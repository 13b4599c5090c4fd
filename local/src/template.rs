//! Reads `template.yaml`: the routes each function serves and the table definition, so the
//! local stack and the deployed stack share one source of truth.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_yaml::Value;

/// One HTTP route of one function, as the template's `HttpApi` events declare it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    /// Upper-case method, or `ANY`.
    pub method: String,
    /// e.g. `/saml/{companyId}/acs`.
    pub path: String,
    /// The function's binary (`Metadata.BuildProperties.Binary`).
    pub function: String,
}

impl RouteSpec {
    /// API Gateway's name for the route: `"GET /admin/sso"`.
    pub fn route_key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// The table's properties, exactly as deployed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TableSpec {
    pub attribute_definitions: Vec<AttributeSpec>,
    pub key_schema: Vec<KeySpec>,
    #[serde(default)]
    pub global_secondary_indexes: Vec<IndexSpec>,
    #[serde(default)]
    pub time_to_live_specification: Option<TtlSpec>,
    #[serde(default)]
    pub stream_specification: Option<StreamSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttributeSpec {
    pub attribute_name: String,
    pub attribute_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct KeySpec {
    pub attribute_name: String,
    pub key_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IndexSpec {
    pub index_name: String,
    pub key_schema: Vec<KeySpec>,
    pub projection: ProjectionSpec,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProjectionSpec {
    pub projection_type: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TtlSpec {
    pub attribute_name: String,
    pub enabled: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StreamSpec {
    pub stream_view_type: String,
}

/// What the local stack needs from the template.
#[derive(Debug, Clone)]
pub struct Template {
    pub routes: Vec<RouteSpec>,
    pub table: TableSpec,
}

impl Template {
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        Self::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let doc: Value = serde_yaml::from_str(text).map_err(|e| format!("template.yaml: {e}"))?;
        let resources: BTreeMap<String, Value> = doc
            .get("Resources")
            .cloned()
            .map(serde_yaml::from_value)
            .transpose()
            .map_err(|e| format!("template.yaml Resources: {e}"))?
            .unwrap_or_default();
        let mut routes = Vec::new();
        let mut table = None;
        for (name, resource) in &resources {
            match resource.get("Type").and_then(Value::as_str) {
                Some("AWS::Serverless::Function") => {
                    routes.extend(function_routes(name, resource)?)
                }
                Some("AWS::DynamoDB::Table") => {
                    let props = resource.get("Properties").cloned().unwrap_or(Value::Null);
                    table = Some(
                        serde_yaml::from_value(props).map_err(|e| format!("table {name}: {e}"))?,
                    );
                }
                _ => {}
            }
        }
        let table = table.ok_or("template.yaml has no AWS::DynamoDB::Table")?;
        Ok(Self { routes, table })
    }
}

fn function_routes(name: &str, resource: &Value) -> Result<Vec<RouteSpec>, String> {
    let binary = resource
        .get("Metadata")
        .and_then(|m| m.get("BuildProperties"))
        .and_then(|b| b.get("Binary"))
        .and_then(Value::as_str)
        .ok_or_else(|| format!("function {name} has no Metadata.BuildProperties.Binary"))?;
    let events = resource
        .get("Properties")
        .and_then(|p| p.get("Events"))
        .and_then(Value::as_mapping);
    let mut routes = Vec::new();
    for event in events.into_iter().flat_map(|m| m.values()) {
        if event.get("Type").and_then(Value::as_str) != Some("HttpApi") {
            continue;
        }
        let props = event.get("Properties");
        let field = |key: &str| props.and_then(|p| p.get(key)).and_then(Value::as_str);
        let (Some(method), Some(path)) = (field("Method"), field("Path")) else {
            return Err(format!(
                "function {name} has an HttpApi event without Method or Path"
            ));
        };
        routes.push(RouteSpec {
            method: method.to_uppercase(),
            path: path.to_owned(),
            function: binary.to_owned(),
        });
    }
    Ok(routes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_projects_template_declares_every_function_and_the_table() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
        let template = Template::load(&path).unwrap();
        let keys: Vec<String> = template.routes.iter().map(RouteSpec::route_key).collect();
        for expected in [
            "GET /admin/sso",
            "POST /saml/{companyId}/acs",
            "PUT /admin/sso/idp",
            "ANY /scim/v2/{proxy+}",
            "GET /bind/{token}",
            "POST /admin/invitations",
        ] {
            assert!(
                keys.iter().any(|k| k == expected),
                "{expected} missing from {keys:?}"
            );
        }
        assert_eq!(template.table.key_schema.len(), 2);
        assert_eq!(
            template.table.global_secondary_indexes[0].index_name,
            "GSI1"
        );
    }
}
