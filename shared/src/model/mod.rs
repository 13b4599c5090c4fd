//! The entities and their rules: users, orgs and their SSO configuration, stored requests,
//! binding links, owed emails, jobs, session grants and audit events. No DynamoDB here: `store/` alone knows
//! keys, items and transactions.

pub mod binding;
pub mod event;
pub mod job;
pub mod org;
pub mod outbox;
pub mod request;
pub mod session;
pub mod user;

pub use binding::{Binding, BindingState};
pub use event::AuditEvent;
pub use job::{Job, JobKind, JobState};
pub use org::{IdpCertificate, Org, SsoConfig, SsoStatus};
pub use outbox::{EmailKind, OutboxRecord, OutboxState};
pub use request::{AuthnRequest, Purpose};
pub use session::{PortalTicket, SessionGrant};
pub use user::{RoleSource, Source, User, UserFlags};
