//! Session codes (`SESSION_HANDOFF=code`): stored by their SHA-256 only, consumed once.

use aws_sdk_dynamodb::types::ReturnValue;

use super::{Failure, Store, classify, from_item, key, keys, to_item};
use crate::error::Error;
use crate::model::SessionGrant;

impl Store {
    /// Stores the grant under the code's hash; a hash already present (never, for 256
    /// random bits) is refused rather than overwritten.
    pub async fn put_session_code(
        &self,
        code_hash: &str,
        grant: &SessionGrant,
    ) -> Result<(), Error> {
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(to_item(
                grant,
                keys::session_code_pk(code_hash),
                keys::SESSION_CODE_SK,
            )?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        Ok(())
    }

    /// Takes the grant of a code: deleted and returned in one `DeleteItem`, so of two
    /// exchanges of one code at most one gets it.
    ///
    /// AWS: a conditional write is evaluated and applied atomically ("condition
    /// expressions", DynamoDB Developer Guide), so `attribute_exists(PK)` lets exactly one
    /// of two concurrent deletes through; `ReturnValues=ALL_OLD` returns the item as it was
    /// (DynamoDB API Reference, DeleteItem). An unconditional delete is not enough: DynamoDB
    /// Local answered ALL_OLD to both of two concurrent ones (a test saw two winners). A
    /// grant past `expiresAt` is taken too (TTL deletes late) and the caller refuses it.
    pub async fn take_session_code(&self, code_hash: &str) -> Result<Option<SessionGrant>, Error> {
        let out = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key(
                keys::session_code_pk(code_hash),
                keys::SESSION_CODE_SK,
            )))
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
