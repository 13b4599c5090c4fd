//! A user's binding link state: the one current link, its expiry, and whether it was used.

use serde::{Deserialize, Serialize};

use crate::types::UserId;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum BindingState {
    Pending,
    Used,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Binding {
    pub user_id: UserId,
    /// The `jti` of the one valid link (the id of the outbox record that carries it).
    pub token_id: String,
    /// Unix seconds.
    pub issued_at: i64,
    pub expires_at: i64,
    pub state: BindingState,
}
