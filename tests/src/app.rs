//! Launching the real desktop app under Xvfb and driving it through tauri-driver.
//!
//! [`launch_app`] starts, each on its own: an Xvfb display (`-displayfd`, so a free one),
//! a private D-Bus session bus with a fake notification service that records every
//! notification the app raises (see [`NOTIFY_SERVICE`]), and tauri-driver on free
//! loopback ports, with XDG folders in a temporary directory and `TADHKIRA_SERVER_URL`
//! exported (the app inherits tauri-driver's environment). It then opens a WebDriver
//! session on `tadhkira-app` with fantoccini. [`App::close`] ends the session and
//! stops everything it started, by process id (tauri-driver, WebKitWebDriver and the
//! app share one process group, created for them, which is signalled by its id).
//!
//! A missing tool (Xvfb, dbus-daemon, python3-dbus, tauri-driver, WebKitWebDriver)
//! fails the test with a message naming it; nothing is skipped.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};

use crate::workspace_bin;

/// A tiny `org.freedesktop.Notifications` service: records each `Notify` call as one
/// JSON line `{app, summary, body}` in the file given as its argument, and prints
/// `ready` once it owns the bus name.
pub const NOTIFY_SERVICE: &str = r#"
import json, sys, dbus, dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib
DBusGMainLoop(set_as_default=True)
out = sys.argv[1]
class Notifications(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, '/org/freedesktop/Notifications')
        self.next_id = 1
    @dbus.service.method('org.freedesktop.Notifications', in_signature='susssasa{sv}i', out_signature='u')
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        with open(out, 'a') as f:
            f.write(json.dumps({'app': str(app), 'summary': str(summary), 'body': str(body)}) + '\n')
        self.next_id += 1
        return dbus.UInt32(self.next_id - 1)
    @dbus.service.method('org.freedesktop.Notifications', out_signature='as')
    def GetCapabilities(self):
        return ['body', 'actions']
    @dbus.service.method('org.freedesktop.Notifications', out_signature='ssss')
    def GetServerInformation(self):
        return ('tadhkira-test', 'tadhkira', '1', '1.2')
    @dbus.service.method('org.freedesktop.Notifications', in_signature='u')
    def CloseNotification(self, id):
        pass
bus = dbus.SessionBus()
name = dbus.service.BusName('org.freedesktop.Notifications', bus)
service = Notifications(bus)
print('ready', flush=True)
GLib.MainLoop().run()
"#;

/// One notification the app raised.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Notification {
    pub app: String,
    pub summary: String,
    pub body: String,
}

/// The processes started for an app, stopped by process id when dropped (so a failing
/// test cleans up too).
struct Processes {
    dir: tempfile::TempDir,
    children: Vec<(&'static str, Child)>,
}

impl Drop for Processes {
    fn drop(&mut self) {
        // Newest first: tauri-driver (and its process group), the bus, then Xvfb.
        for (name, child) in self.children.iter_mut().rev() {
            let pid = child.id() as i32;
            if *name == "tauri-driver" {
                // tauri-driver, WebKitWebDriver and the app: the group made for them.
                let _ = Command::new("kill")
                    .args(["-TERM", "--", &format!("-{pid}")])
                    .status();
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The running app and everything started for it.
pub struct App {
    /// The WebDriver session on the app's window.
    pub driver: Client,
    /// `:N` of the Xvfb display the app is on.
    pub display: String,
    procs: Processes,
}

/// Where a tool is, or a panic naming it and how to install it.
fn require_tool(name: &str, install: &str) -> PathBuf {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is missing: {install}"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Reads the first line a child prints, within `timeout`.
fn first_line(child: &mut Child, what: &str, timeout: Duration) -> String {
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = tx.send(line);
        }
        // Keep draining so the child never blocks on a full pipe.
        for _ in lines {}
    });
    rx.recv_timeout(timeout)
        .unwrap_or_else(|_| panic!("{what} did not start within {timeout:?}"))
}

/// Starts Xvfb, a private session bus with the fake notification service, tauri-driver,
/// and the app pointed at `server_url`; returns once the app's window is driven.
pub async fn launch_app(server_url: &str) -> App {
    let xvfb = require_tool("Xvfb", "apt-get install xvfb");
    let dbus = require_tool("dbus-daemon", "apt-get install dbus");
    // The system Python: python3-dbus and python3-gi are Debian packages, which a
    // pyenv or venv python3 earlier on PATH cannot import.
    let python = PathBuf::from("/usr/bin/python3");
    assert!(
        python.is_file(),
        "/usr/bin/python3 is missing: apt-get install python3 python3-dbus python3-gi"
    );
    let driver_bin = require_tool(
        "tauri-driver",
        "cargo install tauri-driver --version '^2' --locked",
    );
    require_tool("WebKitWebDriver", "apt-get install webkit2gtk-driver");
    let app_bin = workspace_bin("tadhkira-app");

    let mut procs = Processes {
        dir: tempfile::tempdir().expect("temp dir"),
        children: Vec::new(),
    };
    let root = procs.dir.path().to_path_buf();
    for sub in ["data", "config", "cache", "runtime", "home"] {
        std::fs::create_dir_all(root.join(sub)).expect("XDG folders");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ =
            std::fs::set_permissions(root.join("runtime"), std::fs::Permissions::from_mode(0o700));
    }

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
        .expect("Xvfb starts");
    let display = format!(
        ":{}",
        first_line(&mut x, "Xvfb", Duration::from_secs(20)).trim()
    );
    procs.children.push(("Xvfb", x));

    let mut bus = Command::new(dbus)
        .args(["--session", "--nofork", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon starts");
    let bus_address = first_line(&mut bus, "dbus-daemon", Duration::from_secs(20));
    procs.children.push(("dbus-daemon", bus));

    let script = root.join("notifications.py");
    std::fs::write(&script, NOTIFY_SERVICE).expect("write the notification service");
    let mut notifications = Command::new(python)
        .arg(&script)
        .arg(root.join("notifications.jsonl"))
        .env("DBUS_SESSION_BUS_ADDRESS", &bus_address)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the fake notification service starts");
    let ready = first_line(
        &mut notifications,
        "the fake notification service (python3-dbus, python3-gi)",
        Duration::from_secs(20),
    );
    assert_eq!(
        ready.trim(),
        "ready",
        "the fake notification service did not start"
    );
    procs.children.push(("notifications", notifications));

    let port = free_port();
    let native_port = free_port();
    let driver = Command::new(driver_bin)
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("DISPLAY", &display)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus_address)
        .env("HOME", root.join("home"))
        .env("XDG_DATA_HOME", root.join("data"))
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("XDG_CACHE_HOME", root.join("cache"))
        .env("XDG_RUNTIME_DIR", root.join("runtime"))
        .env("GSETTINGS_BACKEND", "memory")
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .env("TADHKIRA_SERVER_URL", server_url)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("tauri-driver starts");
    procs.children.push(("tauri-driver", driver));

    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "tauri-driver did not listen on {port}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app_bin.display().to_string() }),
    );
    let driver = ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session on tadhkira-app");
    App {
        driver,
        display,
        procs,
    }
}

impl App {
    /// The folder the app's XDG data, config and cache live in.
    pub fn home(&self) -> &Path {
        self.procs.dir.path()
    }

    /// Waits (up to 20 s) for an element matching `css` and returns it.
    pub async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.driver
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css} within 20 s: {e}"))
    }

    /// The text of the element matching `css` (waiting for it).
    pub async fn text_of(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.expect("element text")
    }

    /// Every notification the app raised so far.
    pub fn notifications(&self) -> Vec<Notification> {
        let path = self.procs.dir.path().join("notifications.jsonl");
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }

    /// Saves a screenshot of the whole display to `path` (`import` from imagemagick).
    pub fn screenshot(&self, path: &Path) {
        let status = Command::new("import")
            .args(["-display", &self.display, "-window", "root"])
            .arg(path)
            .status()
            .expect("import (imagemagick) runs");
        assert!(status.success(), "import could not take a screenshot");
    }

    /// Saves a screenshot named `name.png` into `$TADHKIRA_SCREENSHOTS` when that is set.
    pub fn screenshot_if_asked(&self, name: &str) {
        if let Some(dir) = std::env::var_os("TADHKIRA_SCREENSHOTS") {
            let dir = PathBuf::from(dir);
            std::fs::create_dir_all(&dir).expect("screenshot folder");
            self.screenshot(&dir.join(format!("{name}.png")));
        }
    }

    /// Ends the WebDriver session and stops everything that was started, by process id.
    pub async fn close(self) {
        let App { driver, procs, .. } = self;
        let _ = driver.close().await;
        drop(procs);
    }
}
