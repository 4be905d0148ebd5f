//! Helpers shared by the end-to-end suites under `tests/tests/`.
//!
//! - [`server`]: start a real `tadhkira-server` process on a loopback port with a
//!   fresh database, and stop it by process id.
//! - [`app`]: start the real desktop app under Xvfb and drive it through tauri-driver.
//! - [`mail`]: private Dovecot and SMTP servers for the e-mail channel's suite.
//! - [`channels`]: what the channel suites share (a server with a channel's
//!   configuration, its organisations, the story's REST calls).
//! - [`faults`]: a fault-injecting TCP proxy to put between engines and the server.
//! - [`damage`]: a local database damaged as a disk does it.
//! - [`ledger`]: what engines queued through faults, compared with the server.
//! - [`rest`]: a signed-in REST caller, to set a scene over the API.
//! - [`store_dump`]: a device's local store as comparable lines.
//!
//! Starting the processes (the binaries, the server, Xvfb and the bus) is
//! `tadhkira-testkit`'s, shared with the bench; what is here is the suites' own: the
//! admin scenarios, signed-in devices, the WebDriver session and the fake desktop
//! services. The suites use the binaries of the workspace's one debug build
//! (`target/debug`, found by `tadhkira_testkit::bin_dir`); `cargo xtask test` builds
//! them first. A helper that cannot find what it needs fails with a message naming it,
//! never passes silently.

pub mod app;
pub mod channels;
pub mod damage;
pub mod ledger;
pub mod mail;
pub mod rest;
pub mod server;
pub mod store_dump;

/// The fault-injecting proxy lives in `tadhkira-testkit` (shared with the soak).
pub use tadhkira_testkit::faults;

/// Path of a workspace binary of this build, or a panic that says how to build it.
pub fn workspace_bin(name: &str) -> std::path::PathBuf {
    tadhkira_testkit::workspace_bin(name).unwrap_or_else(|e| panic!("{e}"))
}
