//! What the app and its tests need from the system, and installing what is missing.
//!
//! On Debian and Ubuntu the missing packages are installed with apt-get (saying which);
//! elsewhere the exact list is printed and the task stops, since we cannot know the
//! package manager's names.

use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::util::{self, on_path, step};

/// Needed to build and run the desktop app (Tauri 2 on WebKitGTK 4.1).
pub const BUILD_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "file",
    "libssl-dev",
    "libwebkit2gtk-4.1-dev",
    "libxdo-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    // Arabic and Latin text that renders well.
    "fonts-noto-core",
    "fonts-dejavu-core",
];

/// Needed by the test suites: a virtual display, WebDriver for WebKit, a private D-Bus
/// session for notifications and the keychain, screenshots, and Chromium for UI tests.
pub const TEST_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "webkit2gtk-driver",
    "imagemagick",
    "xdotool",
    "dbus",
    "python3-dbus",
    "python3-gi",
    "gnome-keyring",
    "libsecret-tools",
    "chromium",
    // The e-mail channel's suite (channel_email): private Dovecot (IMAP + LMTP) and an
    // SMTP server relaying into it.
    "dovecot-imapd",
    "dovecot-lmtpd",
    "python3-aiosmtpd",
];

/// Needed to run several server processes behind a load balancer (`cargo xtask run
/// --cluster N`, the cluster suite and bench): HAProxy, run with `deploy/haproxy.cfg`.
/// (PostgreSQL itself, with the `psql` the test kit makes databases with, is the
/// machine's: see the README's "Run at scale".)
pub const CLUSTER_PACKAGES: &[&str] = &["haproxy"];

/// Needed to make and check the packages (`cargo xtask bundle`, the install suite):
/// `rpmbuild` and `rpm` (package `rpm`) make and read the `.rpm`, `desktop-file-validate`
/// checks the desktop entry. (`dpkg-deb`, which packs the `.deb`s, is part of dpkg.)
/// `sudo`: the install suite's updated app installs its update the way Tauri's updater
/// does on a desktop without a polkit agent, `sudo dpkg -i` (as root: no password).
pub const BUNDLE_PACKAGES: &[&str] = &["rpm", "desktop-file-utils", "sudo"];

/// Everything, for `cargo xtask setup` and CI.
pub fn ensure_all() -> Result<i32> {
    ensure_packages(
        &[
            BUILD_PACKAGES,
            TEST_PACKAGES,
            CLUSTER_PACKAGES,
            BUNDLE_PACKAGES,
        ]
        .concat(),
    )?;
    ensure_node()?;
    ensure_cargo_tool(
        "tauri-driver",
        "tauri-driver",
        &["--version", "^2", "--locked"],
    )?;
    ensure_cargo_tool("cargo-nextest", "cargo-nextest", &["--locked"])?;
    Ok(0)
}

/// Whether this is Debian or a derivative (Ubuntu…), from /etc/os-release.
fn is_debian_like() -> bool {
    let Ok(text) = std::fs::read_to_string("/etc/os-release") else {
        return false;
    };
    text.lines().any(|l| {
        (l.starts_with("ID=") || l.starts_with("ID_LIKE="))
            && (l.contains("debian") || l.contains("ubuntu"))
    })
}

fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Abbrev}", package])
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).starts_with("ii"))
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs the packages that are missing (Debian/Ubuntu), or names them and stops.
pub fn ensure_packages(packages: &[&str]) -> Result<()> {
    step("System packages");
    if !is_debian_like() {
        if cfg!(target_os = "linux") {
            bail!(
                "this is not Debian or Ubuntu, so xtask cannot install system packages for you.\n\
                 Install the equivalents of these Debian packages, then run this again:\n  {}",
                packages.join(" ")
            );
        }
        println!("not Linux: no system packages needed beyond a Rust toolchain and Node.js");
        return Ok(());
    }
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !is_installed(p))
        .collect();
    if missing.is_empty() {
        println!("all {} present", packages.len());
        return Ok(());
    }
    println!(
        "installing {} missing package(s): {}",
        missing.len(),
        missing.join(" ")
    );
    let sudo = if is_root() { None } else { Some("sudo") };
    let apt = |args: &[&str]| -> Command {
        let mut c = match sudo {
            Some(s) => {
                let mut c = Command::new(s);
                c.arg("apt-get");
                c
            }
            None => Command::new("apt-get"),
        };
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    util::run(&mut apt(&["update", "-qq"]))?;
    let mut install = apt(&["install", "-y", "--no-install-recommends"]);
    install.args(&missing);
    util::run(&mut install).context("apt-get install failed")?;
    Ok(())
}

/// Node.js 20+ and npm for the UI.
pub fn ensure_node() -> Result<()> {
    step("Node.js");
    if !on_path("node") || !on_path("npm") {
        if is_debian_like() {
            ensure_packages(&["nodejs", "npm"])?;
        } else {
            bail!("Node.js 20 or newer and npm are needed: install them, then run this again");
        }
    }
    let out = Command::new("node")
        .arg("--version")
        .output()
        .context("node --version")?;
    let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let major: u32 = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if major < 20 {
        bail!("Node.js {version} is too old for the UI's tools: install Node.js 20 or newer");
    }
    println!("node {version}");
    Ok(())
}

/// Installs a cargo-distributed tool when it is not on PATH.
pub fn ensure_cargo_tool(binary: &str, krate: &str, extra: &[&str]) -> Result<()> {
    if on_path(binary) {
        return Ok(());
    }
    step(&format!("Installing {krate} (cargo install)"));
    let mut c = util::cargo();
    c.args(["install", krate]).args(extra);
    util::run(&mut c)
}
