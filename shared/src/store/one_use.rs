//! One-use grants, stored by the SHA-256 of their secret only and consumed once: session
//! codes (`SESSION_HANDOFF=code`) and admin-portal tickets (`POST /admin/portal/links`).

use aws_sdk_dynamodb::types::ReturnValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Failure, Store, classify, from_item, key, keys, to_item};
use crate::error::Error;
use crate::model::{PortalTicket, SessionGrant};

impl Store {
    pub async fn put_session_code(
        &self,
        code_hash: &str,
        grant: &SessionGrant,
    ) -> Result<(), Error> {
        self.put_once(
            keys::session_code_pk(code_hash),
            keys::SESSION_CODE_SK,
            grant,
        )
        .await
    }

    pub async fn take_session_code(&self, code_hash: &str) -> Result<Option<SessionGrant>, Error> {
        self.take_once(keys::session_code_pk(code_hash), keys::SESSION_CODE_SK)
            .await
    }

    pub async fn put_portal_ticket(
        &self,
        ticket_hash: &str,
        ticket: &PortalTicket,
    ) -> Result<(), Error> {
        self.put_once(
            keys::portal_ticket_pk(ticket_hash),
            keys::PORTAL_TICKET_SK,
            ticket,
        )
        .await
    }

    pub async fn take_portal_ticket(
        &self,
        ticket_hash: &str,
    ) -> Result<Option<PortalTicket>, Error> {
        self.take_once(keys::portal_ticket_pk(ticket_hash), keys::PORTAL_TICKET_SK)
            .await
    }

    /// Stores `value` under the secret's hash; a hash already present (never, for 256
    /// random bits) is refused rather than overwritten.
    async fn put_once<T: Serialize>(&self, pk: String, sk: &str, value: &T) -> Result<(), Error> {
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(to_item(value, pk, sk)?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        Ok(())
    }

    /// Takes a grant: deleted and returned in one `DeleteItem`, so of two uses of one
    /// secret at most one gets it.
    ///
    /// AWS: a conditional write is evaluated and applied atomically ("condition
    /// expressions", DynamoDB Developer Guide), so `attribute_exists(PK)` lets exactly one
    /// of two concurrent deletes through; `ReturnValues=ALL_OLD` returns the item as it was
    /// (DynamoDB API Reference, DeleteItem). An unconditional delete is not enough: DynamoDB
    /// Local answered ALL_OLD to both of two concurrent ones (a test saw two winners). A
    /// grant past `expiresAt` is taken too (TTL deletes late) and the caller refuses it.
    async fn take_once<T: DeserializeOwned>(
        &self,
        pk: String,
        sk: &str,
    ) -> Result<Option<T>, Error> {
        let out = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key(pk, sk)))
            .condition_expression("attribute_exists(PK)")
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let out = match out.map_err(classify) {
            Ok(out) => out,
            Err(Failure::Condition(_)) => return Ok(None),
            Err(other) => return Err(other.into()),
        };
        out.attributes
            .filter(|a| !a.is_empty())
            .map(from_item)
            .transpose()
    }
}
