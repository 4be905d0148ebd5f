//! `tadhkira-server`: the central helpdesk every Tadhkira app syncs with.
//!
//! - [`config`]: where to listen, which database, the tunable policies;
//! - [`db`]: storage behind one type, [`db::Store`], on SQLite or PostgreSQL, with the
//!   single apply path for every change and the change feed;
//! - [`channels`]: messages from outside the app (WhatsApp): the webhook's checks, the
//!   inbound path to a ticket or the unmatched queue, and the sender of replies;
//! - [`blobs`]: where attached files' bytes live (a content-addressed store behind a
//!   trait, on disk by default) and which types are accepted;
//! - [`routes`]: the REST API under `/api/v1` (one file per resource);
//! - [`state`]: [`AppState`], what every handler can reach;
//! - [`quota`]: per-user write quotas;
//! - [`streams`]: the open live event streams, bounded per user and closed with their
//!   token;
//! - [`startup`]: [`Application::build`] and [`spawn`] (tests run the real server
//!   in-process on port 0);
//! - [`jobs`]: the periodic task running the lifecycle jobs (auto-close, reminders);
//! - [`demo`]: the demo organisations, people and tickets;
//! - [`admin`]: the admin subcommands' work;
//! - [`backup`]: backup and restore of the SQLite database, and the epoch a restore
//!   rotates;
//! - [`transport`]: the accept loop (connection cap, header timeout), TLS with
//!   certificate reload, trusted proxies;
//! - [`updates`]: signed releases of the desktop app (`[updates]`, signature checks).

#![warn(missing_docs)]

pub mod admin;
pub mod auth;
pub mod backup;
pub mod blobs;
pub mod channels;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod jobs;
pub mod quota;
pub mod routes;
pub mod sla;
pub mod startup;
pub mod state;
pub mod streams;
pub mod transport;
pub mod updates;

#[cfg(test)]
mod fuzz_tests;

pub use config::{Config, Settings};
pub use startup::{spawn, Application, RunningServer};
pub use state::AppState;
