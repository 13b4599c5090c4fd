//! The single-table DynamoDB model: keys, items, and one function per access pattern.
//!
//! Every write that must be atomic is one `TransactWriteItems`; every uniqueness is a
//! conditional put (never read-then-write). Items convert with `serde_dynamo`.

pub mod audit;
pub mod bindings;
mod import;
pub mod jobs;
pub mod keys;
pub mod one_use;
pub mod orgs;
pub mod outbox;
pub mod saml;
pub mod scim_tokens;
pub mod stream;
mod tx;
mod user_pages;
pub mod users;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, ErrorCode};

pub type Item = HashMap<String, AttributeValue>;

/// Handle on the table; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
}

impl Store {
    /// The store over the deployed table, its client built from the SDK's configuration.
    pub fn from_sdk(sdk: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        Self::new(Client::new(sdk), table)
    }

    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

impl Store {
    /// One item by key, strongly consistent.
    pub(crate) async fn get_raw(&self, pk: String, sk: &str) -> Result<Option<Item>, Error> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        Ok(out.item)
    }

    /// Several items by key in one strongly consistent `BatchGetItem`; unprocessed keys
    /// (DynamoDB shedding load) are `429`, so the caller never sees a partial answer.
    pub(crate) async fn batch_get(&self, wanted: Vec<Item>) -> Result<Vec<Item>, Error> {
        let wanted = aws_sdk_dynamodb::types::KeysAndAttributes::builder()
            .set_keys(Some(wanted))
            .consistent_read(true)
            .build()
            .map_err(Error::internal)?;
        let out = self
            .client
            .batch_get_item()
            .request_items(&self.table, wanted)
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        if out.unprocessed_keys().is_some_and(|k| !k.is_empty()) {
            return Err(Error::Throttled { retry_after: 1 });
        }
        Ok(out
            .responses
            .and_then(|mut r| r.remove(&self.table))
            .unwrap_or_default())
    }

    /// One item by key, converted.
    pub(crate) async fn get_as<T: DeserializeOwned>(
        &self,
        pk: String,
        sk: &str,
    ) -> Result<Option<T>, Error> {
        self.get_raw(pk, sk).await?.map(from_item).transpose()
    }

    /// Every item of a query, following its pages.
    pub(crate) async fn query_all(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> Result<Vec<Item>, Error> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| Error::from(classify(e)))?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// Every item of the org's partition whose sort key starts with `prefix`.
    pub(crate) async fn org_items(
        &self,
        org: &crate::types::CompanyId,
        prefix: &str,
        projection: Option<&str>,
    ) -> Result<Vec<Item>, Error> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(keys::org_pk(org)))
            .expression_attribute_values(":prefix", s(prefix))
            .set_projection_expression(projection.map(str::to_owned));
        self.query_all(query).await
    }

    /// Writes `items` in one transaction; when a condition fails, `on_condition` says what
    /// that means, given the indexes of the items whose condition failed.
    pub(crate) async fn transact(
        &self,
        items: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
        on_condition: impl FnOnce(&[usize]) -> Error,
    ) -> Result<(), Error> {
        // DynamoDB cancels a transaction that meets another one on the same item
        // (`TransactionConflict`, "Amazon DynamoDB Transactions: How it works", transaction
        // conflict handling) and asks the caller to retry; the SDK does not retry it. Items
        // every create touches (the org's user count) meet often, so retry here: a few
        // times, backing off, each transaction's own delay spread by a hash of its items.
        let spread = {
            use std::hash::{Hash, Hasher};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            format!("{items:?}").hash(&mut hasher);
            hasher.finish() % 16
        };
        for attempt in 0..TRANSACTION_ATTEMPTS {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .send()
                .await;
            match result.map_err(classify) {
                Ok(_) => return Ok(()),
                Err(Failure::Condition(failed)) => return Err(on_condition(&failed)),
                Err(Failure::Contended) if attempt + 1 < TRANSACTION_ATTEMPTS => {
                    let millis = (4u64 << attempt.min(5)) + spread * (u64::from(attempt) + 1);
                    tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(Error::Throttled { retry_after: 1 })
    }
}

/// How many times a transaction cancelled by a conflicting one is sent.
const TRANSACTION_ATTEMPTS: u32 = 10;

/// Serializes `value` and adds its keys.
pub(crate) fn to_item<T: Serialize>(value: &T, pk: String, sk: &str) -> Result<Item, Error> {
    let mut item: Item = serde_dynamo::to_item(value)
        .map_err(|e| Error::internal(format!("serializing item: {e}")))?;
    item.insert("PK".into(), AttributeValue::S(pk));
    item.insert("SK".into(), AttributeValue::S(sk.to_owned()));
    Ok(item)
}

pub(crate) fn from_item<T: DeserializeOwned>(item: Item) -> Result<T, Error> {
    serde_dynamo::from_item(item).map_err(|e| Error::internal(format!("reading item: {e}")))
}

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn key(pk: String, sk: &str) -> Item {
    HashMap::from([("PK".to_owned(), s(pk)), ("SK".to_owned(), s(sk))])
}

/// Codes DynamoDB uses when it sheds load; the caller may retry.
const THROTTLE_CODES: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TransactionConflictException",
    "TransactionInProgressException",
];

/// How a DynamoDB call failed, in the terms the domain cares about.
#[derive(Debug)]
pub(crate) enum Failure {
    /// A condition failed: for a transaction, the index of each item whose condition failed.
    Condition(Vec<usize>),
    /// A transaction cancelled only because another one held one of its items.
    Contended,
    Throttled,
    Other(Error),
}

pub(crate) fn classify<E, R>(err: SdkError<E, R>) -> Failure
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static + AsCancellation,
    R: std::fmt::Debug,
{
    if let Some(service) = err.as_service_error() {
        if let Some(failed) = service.failed_conditions() {
            if failed.is_empty() {
                // Cancelled for another reason: a conflicting transaction, or throttling.
                return Failure::Contended;
            }
            return Failure::Condition(failed);
        }
        if service.code() == Some("ConditionalCheckFailedException") {
            return Failure::Condition(vec![0]);
        }
        if service.code().is_some_and(|c| THROTTLE_CODES.contains(&c)) {
            return Failure::Throttled;
        }
    }
    Failure::Other(Error::internal(format!(
        "dynamodb: {}",
        aws_sdk_dynamodb::error::DisplayErrorContext(&err)
    )))
}

impl From<Failure> for Error {
    fn from(value: Failure) -> Self {
        match value {
            Failure::Condition(items) => Error::new(
                ErrorCode::Conflict,
                format!("condition failed on item(s) {items:?}"),
            ),
            Failure::Contended | Failure::Throttled => Error::Throttled { retry_after: 1 },
            Failure::Other(e) => e,
        }
    }
}

/// Lets `classify` read which items of a cancelled transaction failed their condition.
pub(crate) trait AsCancellation {
    fn failed_conditions(&self) -> Option<Vec<usize>> {
        None
    }
}

macro_rules! no_cancellation {
    ($($ty:ty),*) => { $(impl AsCancellation for $ty {})* };
}

no_cancellation!(
    aws_sdk_dynamodb::operation::get_item::GetItemError,
    aws_sdk_dynamodb::operation::put_item::PutItemError,
    aws_sdk_dynamodb::operation::update_item::UpdateItemError,
    aws_sdk_dynamodb::operation::batch_write_item::BatchWriteItemError,
    aws_sdk_dynamodb::operation::delete_item::DeleteItemError,
    aws_sdk_dynamodb::operation::query::QueryError,
    aws_sdk_dynamodb::operation::batch_get_item::BatchGetItemError
);

impl AsCancellation for aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError {
    fn failed_conditions(&self) -> Option<Vec<usize>> {
        let Self::TransactionCanceledException(cancelled) = self else {
            return None;
        };
        Some(
            cancelled
                .cancellation_reasons()
                .iter()
                .enumerate()
                .filter(|(_, r)| r.code() == Some("ConditionalCheckFailed"))
                .map(|(i, _)| i)
                .collect(),
        )
    }
}
