//! The local stack: a gateway serving every function's handler on template.yaml's routes,
//! provisioning of the emulators, seeding, and the dev-only pages. Never deployed.

pub mod dev_idp;
pub mod dev_routes;
pub mod gateway;
pub mod mail_viewer;
pub mod seed;
pub mod server;
pub mod sp_keys;
pub mod stack;
pub mod table;
pub mod template;
