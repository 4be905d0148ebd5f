//! A headless desktop for the real app: a temporary home ([`Home`]: `HOME` and the XDG
//! folders), an Xvfb display picked with `-displayfd` (so a free one) and a session bus
//! ([`Desktop`]). What runs the app differs — the suites go through tauri-driver, the
//! bench spawns it and times its first paint — so the app itself is started by the
//! caller, in [`Desktop::env`], and handed to [`Desktop::keep_group`].

use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result};

use crate::process::{first_line, require_tool, Processes};

/// The app's identifier (src-tauri/tauri.conf.json): its folder under `XDG_DATA_HOME`
/// holds the engine's data folder (`engine/`) and the settings store.
pub const APP_ID: &str = "app.tadhkira.desktop";

/// A temporary folder with `home/` and the XDG folders `data/`, `config/`, `cache/` and
/// `runtime/` (user-only, as `XDG_RUNTIME_DIR` must be); removed when dropped.
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    /// Makes the folders.
    pub fn new() -> Result<Self> {
        let dir = tempfile::tempdir().context("a temporary folder")?;
        for sub in ["data", "config", "cache", "runtime", "home"] {
            std::fs::create_dir_all(dir.path().join(sub)).context("the XDG folders")?;
        }
        std::fs::set_permissions(
            dir.path().join("runtime"),
            std::fs::Permissions::from_mode(0o700),
        )?;
        Ok(Self { dir })
    }

    /// The folder the others are in.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The app's own data folder in this home (`data/app.tadhkira.desktop`).
    pub fn app_data_dir(&self) -> PathBuf {
        self.path().join("data").join(APP_ID)
    }
}

/// Which session bus a [`Desktop`] gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bus {
    /// A bus that activates nothing: only what the caller starts on it exists (the
    /// suites' fake notification service, a keychain when a test asks for one).
    Private,
    /// The system's usual session bus configuration, which starts services on demand
    /// as a desktop does.
    Session,
}

/// The configuration of [`Bus::Private`]: no service folders, anyone may own a name.
const PRIVATE_BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=RUNTIME_DIR</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// An Xvfb display and a session bus for a [`Home`], and every process started for
/// them; all stopped by process id when dropped (newest first).
pub struct Desktop {
    /// `:N` of the Xvfb display.
    pub display: String,
    /// The session bus's address (`DBUS_SESSION_BUS_ADDRESS`).
    pub bus_address: String,
    root: PathBuf,
    processes: Processes,
}

impl Desktop {
    /// Starts Xvfb (1280×800, no TCP) and a session bus for the home at `root`.
    pub fn start(root: &Path, bus: Bus) -> Result<Self> {
        let xvfb = require_tool("Xvfb", "apt-get install xvfb")?;
        let dbus = require_tool("dbus-daemon", "apt-get install dbus")?;
        let mut processes = Processes::new();

        // Xvfb picks a free display and writes its number to fd 1.
        let mut x = Command::new(xvfb)
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting Xvfb")?;
        let display = first_line(&mut x, "Xvfb", Duration::from_secs(20));
        processes.keep("Xvfb", x);
        let display = format!(":{}", display?.trim());

        let mut daemon = Command::new(dbus);
        match bus {
            Bus::Private => {
                let config = root.join("bus.conf");
                std::fs::write(
                    &config,
                    PRIVATE_BUS_CONFIG
                        .replace("RUNTIME_DIR", &root.join("runtime").display().to_string()),
                )
                .context("writing the bus configuration")?;
                daemon.arg(format!("--config-file={}", config.display()));
            }
            Bus::Session => {
                daemon.arg("--session");
            }
        }
        let mut daemon = daemon
            .args(["--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting dbus-daemon")?;
        let bus_address = first_line(&mut daemon, "dbus-daemon", Duration::from_secs(20));
        processes.keep("dbus-daemon", daemon);
        let bus_address = bus_address?.trim().to_owned();

        Ok(Self {
            display,
            bus_address,
            root: root.to_path_buf(),
            processes,
        })
    }

    /// The environment of a program on this desktop: the display, the bus, `HOME` and
    /// the XDG folders of the home, and GSettings kept in memory.
    pub fn env(&self) -> Vec<(&'static str, OsString)> {
        let root = &self.root;
        vec![
            ("DISPLAY", self.display.clone().into()),
            ("DBUS_SESSION_BUS_ADDRESS", self.bus_address.clone().into()),
            ("HOME", root.join("home").into()),
            ("XDG_DATA_HOME", root.join("data").into()),
            ("XDG_CONFIG_HOME", root.join("config").into()),
            ("XDG_CACHE_HOME", root.join("cache").into()),
            ("XDG_RUNTIME_DIR", root.join("runtime").into()),
            ("GSETTINGS_BACKEND", "memory".into()),
        ]
    }

    /// Keeps a process started for this desktop, killed (SIGKILL) before the display and
    /// the bus go.
    pub fn keep(&mut self, name: &'static str, child: Child) {
        self.processes.keep(name, child);
    }

    /// Keeps a process spawned as the leader of its own process group (the app, or
    /// tauri-driver with WebKitWebDriver and the app): the group is stopped with it.
    pub fn keep_group(&mut self, name: &'static str, child: Child) {
        self.processes.keep_group(name, child);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_home_has_the_xdg_folders_and_a_private_runtime_folder() {
        let home = Home::new().unwrap();
        for sub in ["data", "config", "cache", "runtime", "home"] {
            assert!(home.path().join(sub).is_dir(), "{sub}");
        }
        let mode = std::fs::metadata(home.path().join("runtime"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o700);
        assert_eq!(
            home.app_data_dir(),
            home.path().join("data/app.tadhkira.desktop")
        );
    }
}
