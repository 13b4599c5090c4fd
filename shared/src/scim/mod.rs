//! SCIM 2.0 (RFC 7643/7644) as Okta uses it: the User resource, filters, PATCH, list
//! responses and the discovery documents.

pub mod discovery;
pub mod filter;
pub mod list;
pub mod patch;
pub mod projection;
pub mod resource;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The app's extension, carrying Okta's custom "Qualified Role" attribute.
pub const EXTENSION_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:qualified:2.0:User";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Largest page served (advertised as `filter.maxResults`).
pub const MAX_RESULTS: usize = 200;
/// Largest request body accepted.
pub const MAX_BODY: usize = 1024 * 1024;
