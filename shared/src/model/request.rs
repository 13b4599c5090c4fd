//! A stored AuthnRequest: why a login was started, and what answering it may do.

use serde::{Deserialize, Serialize};

use crate::types::{CompanyId, UserId};

/// Why a login was started. A bind request cannot exist without its user and link.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(tag = "purpose", rename_all = "lowercase")]
pub enum Purpose {
    Login,
    /// The admin's test login: success marks the configuration verified.
    Verify,
    /// A binding link: success binds `binding_user` to the asserted NameID and marks the
    /// link (`binding_token`, the link's `jti`) used.
    #[serde(rename_all = "camelCase")]
    Bind {
        binding_user: UserId,
        binding_token: String,
    },
}

/// A stored AuthnRequest (the store keys it by `id`). Stored as before the purpose carried
/// data: `purpose` is the tag, `bindingUser` and `bindingToken` sit beside it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AuthnRequest {
    pub id: String,
    pub company_id: CompanyId,
    #[serde(flatten)]
    pub purpose: Purpose,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relay: Option<String>,
    /// Unix seconds.
    pub expires_at: i64,
}
