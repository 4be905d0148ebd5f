//! Wire types of Tadhkira: what the central helpdesk and its clients say to each other.
//!
//! Both `tadhkira-server` and the offline engine compile against this crate, so a
//! request, a mutation or a change is defined exactly once. The UI's TypeScript types
//! are generated from these with `ts-rs` (feature `ts`), never written by hand.
//!
//! Values that carry rules (a title's length, an e-mail address, a tier) are newtypes
//! whose constructors validate: past the edge, an invalid value cannot exist.

pub mod auth;
pub mod error;
pub mod fields;
pub mod rest;
pub mod sync;
pub mod ticket;

pub use auth::*;
pub use error::*;
pub use fields::*;
pub use rest::*;
pub use sync::*;
pub use ticket::*;

/// Version of the REST API this crate describes; every path is under `/api/v1`.
pub const API_VERSION: u32 = 1;

/// Answer of `GET /api/v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Health {
    /// Always `"ok"` when the server can reach its database.
    pub status: String,
    /// The server's package version.
    pub version: String,
    /// The API version it speaks; a client refuses a server whose version it does not know.
    pub api_version: u32,
    /// Identity of this server's database; changes when it is restored or replaced.
    pub epoch: uuid::Uuid,
}
