//! One atomic write (`TransactWriteItems`), built item by item. Each item knows its role,
//! so a cancelled transaction maps to the one error its failed condition means: a revoked
//! SCIM token is `401`, a taken guard `409 uniqueness`, a used link `410 binding_used`, a
//! stale user `412`, never one answer for all.

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};

use super::keys::Unique;
use super::{Item, Store};
use crate::error::{Error, ErrorCode};

/// What an item's condition guards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The binding link is still the current, unused one.
    BindingLink,
    /// The SCIM token is still the org's current one (rides along with SCIM writes).
    TokenCheck,
    /// A uniqueness guard of this kind is free (or still this user's, on delete).
    Guard(Unique),
    /// The user item is still at the version read.
    UserVersion,
    /// The SSO status is still the one read.
    SsoStatus,
    /// The SSO configuration is still at the version read.
    SsoVersion,
    /// The org's SCIM token is still the one read.
    OrgToken,
    /// A create-only item with a fresh id (an event, an outbox record, a job).
    Fresh,
    /// No condition.
    Plain,
}

impl Role {
    /// When several conditions fail, the first role in this order names the error.
    const ORDER: [Role; 7] = [
        Role::BindingLink,
        Role::TokenCheck,
        Role::Guard(Unique::UserName),
        Role::UserVersion,
        Role::SsoStatus,
        Role::SsoVersion,
        Role::OrgToken,
    ];

    fn rank(self) -> usize {
        match self {
            Role::Guard(_) => 2,
            other => Self::ORDER
                .iter()
                .position(|r| *r == other)
                .unwrap_or(Self::ORDER.len()),
        }
    }

    fn error(self, failed: &[usize]) -> Error {
        match self {
            Role::BindingLink => Error::new(
                ErrorCode::BindingUsed,
                "This link was already used or replaced by a newer one.",
            ),
            Role::TokenCheck => Error::unauthorized("SCIM token revoked during the request"),
            Role::Guard(kind) => uniqueness_error(kind),
            Role::UserVersion => Error::new(
                ErrorCode::PreconditionFailed,
                "The user changed meanwhile; read it again.",
            ),
            Role::SsoStatus => Error::new(
                ErrorCode::StatusChanged,
                "The SSO status changed meanwhile; reload.",
            ),
            Role::SsoVersion => Error::new(
                ErrorCode::ConcurrentUpdate,
                "The SSO configuration changed meanwhile; reload.",
            ),
            Role::OrgToken => Error::new(
                ErrorCode::ConcurrentUpdate,
                "The SCIM token changed meanwhile; reload and try again.",
            ),
            Role::Fresh | Role::Plain => Error::new(
                ErrorCode::Conflict,
                format!("condition failed on item(s) {failed:?}"),
            ),
        }
    }
}

pub(crate) fn uniqueness_error(kind: Unique) -> Error {
    let detail = match kind {
        Unique::UserName => "A user with this userName already exists.",
        Unique::ExternalId => "A user with this externalId already exists.",
        Unique::NameId => "This identity is already bound to another user.",
    };
    Error::new(ErrorCode::Uniqueness, detail)
}

/// The items of one transaction, with their roles.
#[derive(Default)]
pub(crate) struct Tx {
    items: Vec<(Role, TransactWriteItem)>,
}

impl Tx {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    pub(crate) fn put(&mut self, role: Role, put: Put) -> &mut Self {
        self.items
            .push((role, TransactWriteItem::builder().put(put).build()));
        self
    }

    pub(crate) fn update(&mut self, role: Role, update: Update) -> &mut Self {
        self.items
            .push((role, TransactWriteItem::builder().update(update).build()));
        self
    }

    pub(crate) fn delete(&mut self, role: Role, delete: Delete) -> &mut Self {
        self.items
            .push((role, TransactWriteItem::builder().delete(delete).build()));
        self
    }

    pub(crate) fn item(&mut self, role: Role, item: TransactWriteItem) -> &mut Self {
        self.items.push((role, item));
        self
    }

    /// A create-only put of `item` (never overwriting one with the same key).
    pub(crate) fn create(&mut self, table: &str, item: Item) -> Result<&mut Self, Error> {
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(Error::internal)?;
        Ok(self.put(Role::Fresh, put))
    }

    /// Writes every item at once; a failed condition becomes its role's error.
    pub(crate) async fn send(self, store: &Store) -> Result<(), Error> {
        let (roles, items): (Vec<Role>, Vec<TransactWriteItem>) = self.items.into_iter().unzip();
        store
            .transact(items, |failed| {
                failed
                    .iter()
                    .filter_map(|&i| roles.get(i).copied())
                    .min_by_key(|r| r.rank())
                    .unwrap_or(Role::Plain)
                    .error(failed)
            })
            .await
    }
}
