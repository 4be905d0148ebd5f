//! Helpers shared by the end-to-end suites under `tests/tests/`.
//!
//! - [`server`]: start a real `tadhkira-server` process on a loopback port with a
//!   fresh database, and stop it by process id.
//! - [`app`]: start the real desktop app under Xvfb and drive it through tauri-driver.
//!
//! The suites use the binaries of the workspace's one debug build (`target/debug`);
//! `cargo xtask test` builds them first. A helper that cannot find what it needs fails
//! with a message naming it, never passes silently.

pub mod app;
pub mod server;

/// The workspace's build folder for the current profile (where `tadhkira-server`,
/// `tadhkira` and `tadhkira-app` are).
pub fn bin_dir() -> std::path::PathBuf {
    // Test binaries live in target/<profile>/deps/.
    let exe = std::env::current_exe().expect("current_exe");
    let deps = exe.parent().expect("deps dir");
    deps.parent().expect("profile dir").to_path_buf()
}

/// Path of a workspace binary, or a panic that says how to build it.
pub fn workspace_bin(name: &str) -> std::path::PathBuf {
    let p = bin_dir().join(name);
    assert!(
        p.exists(),
        "{} is missing: build it first with `cargo build --workspace` (cargo xtask test does)",
        p.display()
    );
    p
}
