//! `cargo xtask bundle`: installable packages of the app and the server.
//!
//! Builds the UI and the workspace's one release build (the one `cargo xtask bench`
//! uses: after either, the other compiles nothing again), then packages it with
//! `tadhkira-bundle` (crates/bundle): the desktop app as a `.deb` and an `.rpm`, the
//! server as a `.deb`, into `target/release/packages/` (`--debug`: the debug build
//! `cargo xtask test` makes, into `target/debug/packages/`, as the install suite
//! does). Each package is listed back with the package tools. The Windows and macOS
//! installers are built by `.github/workflows/release.yml` with Tauri's CLI.
//!
//! The desktop packages are signed for the app's updater (`PACKAGE.sig` beside each,
//! what an admin publishes with it): with the secret key in `TADHKIRA_UPDATER_KEY` or
//! the file `--sign-key`, else with the development key in `deploy/updater/` (said so
//! loudly: it is public). `--version X.Y.Z` packages the same build as version X.Y.Z
//! (its binary then reports that version), without compiling anything again.
//! `cargo xtask updater-key` makes a key pair.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

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
    /// Package the app as this version (semver) instead of tauri.conf.json's; the same
    /// build, whose binary then reports it.
    #[arg(long, value_name = "X.Y.Z")]
    version: Option<String>,
    /// File with the updater's secret key (base64, from `cargo xtask updater-key`);
    /// default: $TADHKIRA_UPDATER_KEY, else the public development key.
    #[arg(long, value_name = "FILE")]
    sign_key: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct UpdaterKeyArgs {
    /// Folder to write `updater.key` (secret) and `updater.key.pub` into.
    #[arg(long, default_value = ".")]
    out: PathBuf,
}

/// `cargo xtask updater-key`.
pub fn updater_key(args: UpdaterKeyArgs) -> Result<i32> {
    let (public, secret) = tadhkira_bundle::generate_key()?;
    std::fs::create_dir_all(&args.out)?;
    let secret_path = args.out.join("updater.key");
    let public_path = args.out.join("updater.key.pub");
    anyhow::ensure!(
        !secret_path.exists(),
        "{} exists: not overwriting a key",
        secret_path.display()
    );
    std::fs::write(&public_path, format!("{public}\n"))?;
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&secret_path)?;
        writeln!(f, "{secret}")?;
    }
    println!(
        "secret key: {} (keep it secret: a CI secret TADHKIRA_UPDATER_KEY)",
        secret_path.display()
    );
    println!("public key: {}", public_path.display());
    println!(
        "build the app with it:   TADHKIRA_UPDATER_PUBKEY=$(cat {}) cargo xtask bundle",
        public_path.display()
    );
    println!("and give it the server:  [updates] public_key = \"{public}\"");
    Ok(0)
}

/// The secret key to sign with, and whether it is the development one.
fn signing_key(args: &BundleArgs) -> Result<(String, bool)> {
    if let Some(file) = &args.sign_key {
        let key =
            std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        return Ok((key.trim().to_owned(), false));
    }
    if let Some(key) = std::env::var("TADHKIRA_UPDATER_KEY")
        .ok()
        .filter(|k| !k.trim().is_empty())
    {
        return Ok((key.trim().to_owned(), false));
    }
    let (dev, _) = tadhkira_bundle::dev_key_files();
    Ok((std::fs::read_to_string(dev)?.trim().to_owned(), true))
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
        step("Desktop app: .deb and .rpm, signed for the updater");
        let version = args.version.as_deref();
        let (key, dev_key) = signing_key(&args)?;
        let signed_as = match version {
            Some(v) => v.to_owned(),
            None => tadhkira_bundle::app_config()?.version,
        };
        for package in [
            tadhkira_bundle::desktop_deb_as(&profile, version)?,
            tadhkira_bundle::desktop_rpm_as(&profile, version)?,
        ] {
            let sig = tadhkira_bundle::sign(&package, &key, &signed_as)?;
            println!("{}", sig.display());
            written.push(package);
        }
        if dev_key {
            println!(
                "NOTE: signed with the DEVELOPMENT key (deploy/updater/dev.key), which is \
                 public: fine for the demo and tests, never for a release. Make your own \
                 with `cargo xtask updater-key` (see README, \"Updates\")."
            );
        }
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
