//! `cargo xtask bundle`: installable packages of the app and the server.
//!
//! Builds the UI and the workspace's one release build (the one `cargo xtask bench`
//! uses: after either, the other compiles nothing again), then packages it with
//! `tadhkira-bundle` (crates/bundle): the desktop app as a `.deb` and an `.rpm`, the
//! server as a `.deb`, into `target/release/packages/` (`--debug`: the debug build
//! `cargo xtask test` makes, into `target/debug/packages/`, as the install suite
//! does). Each package is listed back with the package tools. The Windows and macOS
//! installers are built by `.github/workflows/release.yml` with Tauri's CLI.

use std::path::PathBuf;
use std::process::Command;

use anyhow::Result;

use crate::setup;
use crate::util::{self, npm, step};

#[derive(clap::Args)]
pub struct BundleArgs {
    /// Package the debug build (as the install suite does) instead of the release one.
    #[arg(long)]
    debug: bool,
    /// Only the server's package.
    #[arg(long, conflicts_with = "desktop")]
    server: bool,
    /// Only the desktop app's packages.
    #[arg(long)]
    desktop: bool,
}

pub fn bundle(args: BundleArgs) -> Result<i32> {
    anyhow::ensure!(
        cfg!(target_os = "linux"),
        "cargo xtask bundle makes the Linux packages; Windows and macOS installers are \
         built with Tauri's CLI (see .github/workflows/release.yml)"
    );
    let desktop = !args.server;
    let server = !args.desktop;
    setup::ensure_packages(&[setup::BUILD_PACKAGES, setup::BUNDLE_PACKAGES].concat())?;
    if desktop {
        setup::ensure_node()?;
        if !util::root().join("ui/node_modules").exists() {
            step("UI dependencies (npm ci)");
            util::run(npm().args(["ci", "--no-audit", "--no-fund"]))?;
        }
        util::build_ui_if_stale()?;
    }
    step(if args.debug {
        "Debug build"
    } else {
        "Release build"
    });
    // The whole workspace even for the server alone: the one build every command
    // shares (a `-p` build would compile dependencies with other features).
    util::build_workspace(!args.debug)?;
    let profile = util::root()
        .join("target")
        .join(if args.debug { "debug" } else { "release" });

    let mut written: Vec<PathBuf> = Vec::new();
    if desktop {
        step("Desktop app: .deb and .rpm");
        written.push(tadhkira_bundle::desktop_deb(&profile)?);
        written.push(tadhkira_bundle::desktop_rpm(&profile)?);
    }
    if server {
        step("Server: .deb");
        written.push(tadhkira_bundle::server_deb(&profile)?);
    }

    step("Packages");
    for package in &written {
        let size = std::fs::metadata(package)?.len();
        println!("{} ({:.1} MB)", package.display(), size as f64 / 1e6);
        // What each one installs and needs, read back with the package tools.
        let is_deb = package.extension().is_some_and(|e| e == "deb");
        let queries: Vec<Vec<&str>> = if is_deb {
            vec![vec!["dpkg-deb", "--field"], vec!["dpkg-deb", "--contents"]]
        } else {
            vec![
                vec!["rpm", "-qip"],
                vec!["rpm", "-qp", "--requires"],
                vec!["rpm", "-qlp"],
            ]
        };
        for query in queries {
            let out = Command::new(query[0])
                .args(&query[1..])
                .arg(package)
                .output()?;
            anyhow::ensure!(
                out.status.success(),
                "{} cannot be read back with {}: {}",
                package.display(),
                query.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                println!("    {line}");
            }
        }
    }
    Ok(0)
}
