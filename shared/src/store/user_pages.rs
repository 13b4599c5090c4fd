//! Reading an org's users a page at a time: the exact count, pages skipped on the
//! keys-only users index, and the bounded read a filter without a key needs.

use super::users::count_of;
use super::{Store, classify, from_item, keys, s};
use crate::error::Error;
use crate::model::User;
use crate::types::{CompanyId, UserId};

impl Store {
    /// The org's number of users: one strongly consistent GetItem of the count that the
    /// create and delete transactions keep.
    pub async fn user_count(&self, org: &CompanyId) -> Result<u64, Error> {
        let item = self.get_raw(keys::org_pk(org), keys::USER_COUNT_SK).await?;
        Ok(item.as_ref().map_or(0, count_of))
    }

    /// The org's number of users and `limit` of them in id order after the first `offset`.
    ///
    /// A first page is one Query: the count item sorts just before the users. Further on,
    /// the count is read beside the skip: the offset is skipped on the keys-only users index
    /// (`Select=COUNT`, so no key comes back over the wire and each Query pages through about
    /// 1 MB of small index entries), then the page alone is read from the table, strongly
    /// consistent, from the position the index reached.
    ///
    /// AWS: a GSI is eventually consistent (DynamoDB Developer Guide, "Using Global
    /// Secondary Indexes", reads from a GSI): a user created a moment ago may be counted one
    /// page late while a skip runs. The page itself is read from the table.
    pub async fn users_with_count(
        &self,
        org: &CompanyId,
        offset: usize,
        limit: usize,
    ) -> Result<(u64, Vec<User>), Error> {
        if offset == 0 {
            let items = self
                .user_range(org, keys::USER_COUNT_SK, None, limit.saturating_add(1))
                .await?;
            let mut count = 0;
            let mut users = Vec::with_capacity(limit);
            for item in items {
                if item
                    .get("SK")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                    == Some(keys::USER_COUNT_SK)
                {
                    count = count_of(&item);
                } else if users.len() < limit {
                    users.push(from_item(item)?);
                }
            }
            return Ok((count, users));
        }
        let (count, users) =
            futures_util::join!(self.user_count(org), self.users_after(org, offset, limit));
        Ok((count?, users?))
    }

    /// `limit` users after the first `offset` (at least one): skipped on the index, read
    /// from the table.
    async fn users_after(
        &self,
        org: &CompanyId,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<User>, Error> {
        let pk = keys::org_pk(org);
        let mut position: Option<super::Item> = None;
        let mut remaining = offset;
        while remaining > 0 {
            let out = self
                .client()
                .query()
                .table_name(self.table())
                .index_name(keys::USERS_INDEX)
                .key_condition_expression("GSI2PK = :pk")
                .expression_attribute_values(":pk", s(pk.clone()))
                .select(aws_sdk_dynamodb::types::Select::Count)
                .limit(i32::try_from(remaining).unwrap_or(i32::MAX))
                .set_exclusive_start_key(position.take())
                .send()
                .await
                .map_err(|e| Error::from(classify(e)))?;
            remaining = remaining.saturating_sub(usize::try_from(out.count).unwrap_or(0));
            match out.last_evaluated_key {
                Some(last) => position = Some(last),
                // The org has no more than `offset` users: the page is past the end.
                None => return Ok(Vec::new()),
            }
        }
        if limit == 0 {
            return Ok(Vec::new());
        }
        let start = position.map(|mut last| {
            let mut at = super::Item::new();
            for name in ["PK", "SK"] {
                if let Some(value) = last.remove(name) {
                    at.insert(name.to_owned(), value);
                }
            }
            at
        });
        self.user_range(org, keys::USER_PREFIX, start, limit)
            .await?
            .into_iter()
            .map(from_item)
            .collect()
    }

    /// Up to `limit` items of the org whose sort key starts with `prefix`, after `start`,
    /// strongly consistent.
    async fn user_range(
        &self,
        org: &CompanyId,
        prefix: &str,
        start: Option<super::Item>,
        limit: usize,
    ) -> Result<Vec<super::Item>, Error> {
        let out = self
            .client()
            .query()
            .table_name(self.table())
            .key_condition_expression("PK = :pk AND begins_with(SK, :prefix)")
            .expression_attribute_values(":pk", s(keys::org_pk(org)))
            .expression_attribute_values(":prefix", s(prefix))
            .set_exclusive_start_key(start)
            .limit(i32::try_from(limit.max(1)).unwrap_or(i32::MAX))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| Error::from(classify(e)))?;
        Ok(out.items.unwrap_or_default())
    }

    /// Every user of the org when it has at most `cap` of them, else `None` (without
    /// reading more than `cap + 1` users): what a filter no key can answer examines.
    pub async fn users_up_to(
        &self,
        org: &CompanyId,
        cap: usize,
    ) -> Result<Option<Vec<User>>, Error> {
        let mut users = Vec::new();
        let mut after: Option<UserId> = None;
        loop {
            let want = (cap + 1).saturating_sub(users.len()).clamp(1, 1000);
            let (page, more) = self
                .users_page(org, after.as_ref(), i32::try_from(want).unwrap_or(1000))
                .await?;
            after = page.last().map(|u: &User| u.id.clone());
            users.extend(page);
            if users.len() > cap {
                return Ok(None);
            }
            if !more || after.is_none() {
                return Ok(Some(users));
            }
        }
    }
}
