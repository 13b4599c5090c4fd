//! SAML state: stored AuthnRequests (consumed once, atomically) and seen assertion IDs
//! (the replay cache). Both carry `expiresAt`; an item past it counts as gone, whether or
//! not TTL has deleted it yet.

use super::{Failure, Store, classify, from_item, key, keys, s, to_item};
use crate::error::Error;
use crate::model::AuthnRequest;
use crate::types::CompanyId;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};

/// What consuming a stored request found.
#[derive(Debug, Clone, PartialEq)]
pub enum Consumed {
    /// This org's request, now deleted.
    Mine(AuthnRequest),
    /// Another org's request: refused, and left in place.
    Foreign,
    /// No such request (never made, already used, or deleted by TTL).
    Unknown,
}

impl Store {
    pub async fn put_authn_request(&self, record: &AuthnRequest) -> Result<(), Error> {
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(to_item(
                record,
                keys::request_pk(&record.id),
                keys::REQUEST_SK,
            )?))
            .condition_expression("attribute_not_exists(PK)")
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        Ok(())
    }

    /// A stored request, without consuming it (the HTTP-POST form rendered again); the
    /// caller checks its org and expiry.
    pub async fn get_authn_request(&self, id: &str) -> Result<Option<AuthnRequest>, Error> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(key(keys::request_pk(id), keys::REQUEST_SK)))
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        out.item.map(from_item).transpose()
    }

    /// Consumes this org's request `id`: deleted and returned, so a second use finds
    /// nothing. One round trip, atomic: DeleteItem conditional on `companyId = :org`, with
    /// `ReturnValues = ALL_OLD`. Another org's request fails the condition and is left as
    /// it was, still usable by its org; `ReturnValuesOnConditionCheckFailure = ALL_OLD`
    /// tells it apart from an unknown ID (DynamoDB API reference, DeleteItem: "If the
    /// condition check fails, the item's attributes are returned" with that parameter).
    pub async fn consume_authn_request(
        &self,
        id: &str,
        org: &CompanyId,
    ) -> Result<Consumed, Error> {
        let result = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key(keys::request_pk(id), keys::REQUEST_SK)))
            .condition_expression("companyId = :org")
            .expression_attribute_values(":org", s(org.as_str()))
            .return_values(ReturnValue::AllOld)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(out) => match out.attributes.filter(|a| !a.is_empty()) {
                Some(item) => Ok(Consumed::Mine(from_item(item)?)),
                None => Ok(Consumed::Unknown),
            },
            Err(err) => {
                if let Some(DeleteItemError::ConditionalCheckFailedException(failed)) =
                    err.as_service_error()
                {
                    return Ok(if failed.item().is_some_and(|i| !i.is_empty()) {
                        Consumed::Foreign
                    } else {
                        Consumed::Unknown
                    });
                }
                Err(classify(err).into())
            }
        }
    }

    /// Records an assertion ID until `expires_at`; `false` when it was already seen (and
    /// that record has not expired): the replay guard, a conditional put.
    pub async fn remember_assertion(
        &self,
        issuer: &str,
        id: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<bool, Error> {
        let mut item = key(keys::assertion_pk(issuer, id), keys::SEEN_SK);
        item.insert(
            "expiresAt".into(),
            AttributeValue::N(expires_at.to_string()),
        );
        let result = self
            .client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK) OR expiresAt < :now")
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .send()
            .await;
        match result.map_err(classify) {
            Ok(_) => Ok(true),
            Err(Failure::Condition(_)) => Ok(false),
            Err(other) => Err(other.into()),
        }
    }
}
