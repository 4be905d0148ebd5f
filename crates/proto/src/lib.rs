//! Wire types of Tadhkira: what the central helpdesk and its clients say to each other.
//!
//! Both `tadhkira-server` and the offline engine compile against this crate, so a
//! request, a mutation or a change is defined exactly once. The UI's TypeScript types
//! are generated from these with `ts-rs` (feature `ts`), never written by hand; the
//! server's OpenAPI document takes their JSON Schemas from `schemars` (feature `schema`).
//!
//! Values that carry rules (a title's length, an e-mail address, a tier) are newtypes
//! whose constructors validate: past the edge, an invalid value cannot exist.

pub mod admin;
pub mod attachment;
pub mod auth;
pub mod contact;
pub mod error;
#[macro_use]
pub mod fields;
// After `fields`: it uses the `wire_enum!` macro defined there.
pub mod article;
pub mod channel;
pub mod health;
pub mod policy;
pub mod rest;
#[cfg(feature = "schema")]
mod schema;
pub mod sync;
pub mod terms;
pub mod ticket;
pub mod update;

pub use admin::*;
pub use article::*;
pub use attachment::*;
pub use auth::*;
pub use channel::*;
pub use contact::{ContactError, ContactField, ContactProblem};
pub use error::*;
pub use fields::*;
pub use health::*;
pub use policy::*;
pub use rest::*;
pub use sync::*;
pub use terms::*;
pub use ticket::*;
pub use update::*;

/// Version of the REST API this crate describes; every path is under `/api/v1`.
pub const API_VERSION: u32 = 1;
