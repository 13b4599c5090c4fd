//! Bulk loading users for seeding (the local stack, the benchmarks): never a live org.

use aws_sdk_dynamodb::types::AttributeValue;

use super::users::{COUNT_ADD, unique_values, user_item};
use super::{Store, classify, key, keys, s};
use crate::error::Error;
use crate::model::User;
use crate::types::CompanyId;

impl Store {
    /// Bulk load for seeding an org no one else writes to (the local stack's `make seed`,
    /// the benchmarks): users and their guards in `BatchWriteItem`s of 25, several at once,
    /// then the user count raised by as many. No conditions and no transaction: a taken
    /// value would be overwritten, so never for a live org.
    pub async fn import_users(&self, org: &CompanyId, users: &[User]) -> Result<(), Error> {
        use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
        let mut requests = Vec::with_capacity(users.len() * 2);
        for user in users {
            requests.push(user_item(user)?);
            for (kind, value) in unique_values(user) {
                let mut guard = key(keys::unique_pk(org, kind, &value), keys::UNIQUE_SK);
                guard.insert("userId".into(), s(user.id.as_str()));
                requests.push(guard);
            }
        }
        let batches: Vec<Vec<WriteRequest>> = requests
            .chunks(25)
            .map(|chunk| {
                chunk
                    .iter()
                    .map(|item| {
                        PutRequest::builder()
                            .set_item(Some(item.clone()))
                            .build()
                            .map(|put| WriteRequest::builder().put_request(put).build())
                            .map_err(Error::internal)
                    })
                    .collect()
            })
            .collect::<Result<_, _>>()?;
        for wave in batches.chunks(16) {
            let sends = wave.iter().map(|batch| self.batch_write(batch.clone()));
            for result in futures_util::future::join_all(sends).await {
                result?;
            }
        }
        let by = i64::try_from(users.len()).unwrap_or(i64::MAX);
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key(keys::org_pk(org), keys::USER_COUNT_SK)))
            .update_expression(COUNT_ADD)
            .expression_attribute_names("#users", "users")
            .expression_attribute_values(":by", AttributeValue::N(by.to_string()))
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        Ok(())
    }

    /// One `BatchWriteItem`, sent again with what DynamoDB left unprocessed.
    async fn batch_write(
        &self,
        mut batch: Vec<aws_sdk_dynamodb::types::WriteRequest>,
    ) -> Result<(), Error> {
        for attempt in 0..10u64 {
            let out = self
                .client()
                .batch_write_item()
                .request_items(self.table(), batch)
                .send()
                .await
                .map_err(|e| Error::from(classify(e)))?;
            match out
                .unprocessed_items
                .and_then(|mut left| left.remove(self.table()))
                .filter(|left| !left.is_empty())
            {
                None => return Ok(()),
                Some(left) => batch = left,
            }
            tokio::time::sleep(std::time::Duration::from_millis(20 * (attempt + 1))).await;
        }
        Err(Error::Throttled { retry_after: 1 })
    }
}
