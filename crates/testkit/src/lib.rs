//! Starting the workspace's real processes, shared by the end-to-end suites (`tests/`,
//! debug build) and the bench (`crates/bench`, release build):
//!
//! - [`bin_dir`] and [`workspace_bin`]: the binaries of the build that is running;
//! - [`server`]: a `tadhkira-server` process on a loopback port, its admin
//!   subcommands, and fresh PostgreSQL databases;
//! - [`desktop`]: a temporary home with XDG folders, an Xvfb display and a session bus,
//!   where the desktop app can run without a screen;
//! - [`process`]: children stopped by process id when dropped, a child's first line,
//!   the tools needed on `PATH`;
//! - [`postgres`]: a private PostgreSQL cluster a test may restart or crash without
//!   touching the machine's shared server;
//! - [`balancer`] and [`cluster`]: HAProxy with the shipped configuration, and several
//!   server processes on one fresh PostgreSQL database behind it;
//! - [`faults`]: a fault-injecting TCP proxy on loopback, with a seeded schedule that
//!   `TADHKIRA_FAULT_SEED` replays;
//! - [`load`]: tickets and messages pushed to a server over the wire protocol.
//!
//! Failures are `anyhow` errors that name what is missing; the suites turn them into
//! panics, the bench reports them.

pub mod balancer;
pub mod cluster;
pub mod desktop;
pub mod faults;
pub mod load;
pub mod postgres;
pub mod process;
pub mod server;

use std::path::PathBuf;

/// The folder of the workspace's binaries for the build that is running
/// (`target/debug` or `target/release`): the folder of this executable, or its parent
/// for a test binary, which cargo puts in `target/<profile>/deps/`.
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the path of the running executable");
    let dir = exe.parent().expect("an executable lives in a folder");
    match dir.file_name() {
        Some(name) if name == "deps" => dir.parent().unwrap_or(dir).to_path_buf(),
        _ => dir.to_path_buf(),
    }
}

/// The path of the workspace binary `name` of the running build, or an error that says
/// how to build it.
pub fn workspace_bin(name: &str) -> anyhow::Result<PathBuf> {
    let p = bin_dir().join(name);
    anyhow::ensure!(
        p.exists(),
        "{} is missing: build it first (`cargo xtask test` builds the debug binaries, \
         `cargo xtask bench` the release ones)",
        p.display()
    );
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_binary_finds_the_profile_folder_not_deps() {
        // This test runs from target/<profile>/deps/; the binaries are one level up.
        let dir = bin_dir();
        assert_ne!(dir.file_name().and_then(|n| n.to_str()), Some("deps"));
        let exe = std::env::current_exe().unwrap();
        assert_eq!(exe.parent().and_then(|d| d.parent()), Some(dir.as_path()));
    }

    #[test]
    fn a_missing_binary_is_an_error_naming_it() {
        let e = workspace_bin("no-such-binary").unwrap_err().to_string();
        assert!(e.contains("no-such-binary is missing"), "{e}");
    }
}
