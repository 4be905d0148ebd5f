//! Launching the real desktop app under Xvfb and driving it through tauri-driver.
//!
//! [`launch_app`] starts, each on its own: an Xvfb display (`-displayfd`, so a free one)
//! and a private D-Bus session bus (both `tadhkira_testkit::desktop`, shared with the
//! bench), a fake notification service that records every notification the app raises
//! (see [`NOTIFY_SERVICE`]), and tauri-driver on free loopback ports, with XDG folders
//! in a temporary directory and `TADHKIRA_SERVER_URL` exported (the app inherits
//! tauri-driver's environment). It then opens a WebDriver
//! session on `tadhkira-app` with fantoccini. [`App::close`] ends the session and
//! stops everything it started, by process id (tauri-driver, WebKitWebDriver and the
//! app share one process group, created for them, which is signalled by its id).
//!
//! The bus is configured with no service folders, so nothing is started on demand: a
//! Secret Service exists only when [`LaunchOptions::keychain`] starts gnome-keyring
//! (unlocked, its keyrings in the temporary folder), and otherwise the app truly has no
//! keychain. [`App::click_notification`] makes the fake service report a click, as a
//! desktop does; [`App::relaunch`] restarts the app on the same folders and bus.
//!
//! A missing tool (Xvfb, dbus-daemon, python3-dbus, tauri-driver, WebKitWebDriver,
//! gnome-keyring when asked for) fails the test with a message naming it; nothing is
//! skipped.

use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use tadhkira_testkit::desktop::{Bus, Desktop, Home};
use tadhkira_testkit::process::{first_line, require_tool};

use crate::workspace_bin;

/// The app's identifier folder under `XDG_DATA_HOME` (data folder and settings store).
pub use tadhkira_testkit::desktop::APP_ID;

/// A tiny `org.freedesktop.Notifications` service: records each `Notify` call as one
/// JSON line `{id, app, summary, body, actions}` in the file given as its argument, and
/// prints `ready` once it owns the bus name. Its extra method
/// `app.tadhkira.Test.Invoke(id, action)` emits `ActionInvoked(id, action)`, as a
/// desktop does when the user clicks a notification.
///
/// The same process is the panel's `org.kde.StatusNotifierWatcher`, so that the app's
/// tray icon (libayatana-appindicator) registers over D-Bus as on a real desktop; each
/// registration is a JSON line `{name, path}` in the file given as second argument, and
/// [`TRAY_QUERY`] reads the registered icon.
pub const NOTIFY_SERVICE: &str = r#"
import json, sys, dbus, dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib
DBusGMainLoop(set_as_default=True)
out = sys.argv[1]
tray_out = sys.argv[2]
class Watcher(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, '/StatusNotifierWatcher')
        self.items = []
    @dbus.service.method('org.kde.StatusNotifierWatcher', in_signature='s', sender_keyword='sender')
    def RegisterStatusNotifierItem(self, service, sender=None):
        name, path = (sender, service) if service.startswith('/') else (service, '/StatusNotifierItem')
        self.items.append(name + path)
        with open(tray_out, 'a') as f:
            f.write(json.dumps({'name': str(name), 'path': str(path)}) + '\n')
        self.StatusNotifierItemRegistered(name + path)
    @dbus.service.method('org.kde.StatusNotifierWatcher', in_signature='s')
    def RegisterStatusNotifierHost(self, service):
        pass
    @dbus.service.signal('org.kde.StatusNotifierWatcher', signature='s')
    def StatusNotifierItemRegistered(self, item):
        pass
    @dbus.service.signal('org.kde.StatusNotifierWatcher', signature='')
    def StatusNotifierHostRegistered(self):
        pass
    @dbus.service.method('org.freedesktop.DBus.Properties', in_signature='ss', out_signature='v')
    def Get(self, interface, prop):
        return self.GetAll(interface)[prop]
    @dbus.service.method('org.freedesktop.DBus.Properties', in_signature='s', out_signature='a{sv}')
    def GetAll(self, interface):
        return {'RegisteredStatusNotifierItems': dbus.Array(self.items, signature='s'),
                'IsStatusNotifierHostRegistered': True, 'ProtocolVersion': dbus.Int32(0)}
class Notifications(dbus.service.Object):
    def __init__(self, bus):
        super().__init__(bus, '/org/freedesktop/Notifications')
        self.next_id = 1
    @dbus.service.method('org.freedesktop.Notifications', in_signature='susssasa{sv}i', out_signature='u')
    def Notify(self, app, replaces, icon, summary, body, actions, hints, timeout):
        nid = self.next_id
        self.next_id += 1
        with open(out, 'a') as f:
            f.write(json.dumps({'id': nid, 'app': str(app), 'summary': str(summary), 'body': str(body),
                                'actions': [str(a) for a in actions]}) + '\n')
        return dbus.UInt32(nid)
    @dbus.service.signal('org.freedesktop.Notifications', signature='us')
    def ActionInvoked(self, id, action):
        pass
    @dbus.service.method('app.tadhkira.Test', in_signature='us')
    def Invoke(self, id, action):
        self.ActionInvoked(dbus.UInt32(id), action)
    @dbus.service.method('org.freedesktop.Notifications', out_signature='as')
    def GetCapabilities(self):
        return ['body', 'body-markup', 'actions']
    @dbus.service.method('org.freedesktop.Notifications', out_signature='ssss')
    def GetServerInformation(self):
        return ('tadhkira-test', 'tadhkira', '1', '1.2')
    @dbus.service.method('org.freedesktop.Notifications', in_signature='u')
    def CloseNotification(self, id):
        pass
bus = dbus.SessionBus()
name = dbus.service.BusName('org.freedesktop.Notifications', bus)
service = Notifications(bus)
watcher_name = dbus.service.BusName('org.kde.StatusNotifierWatcher', bus)
watcher = Watcher(bus)
print('ready', flush=True)
GLib.MainLoop().run()
"#;

/// Reads a registered tray icon (bus name and object path as arguments) and prints one
/// JSON line `{label, items: [{id, label, type}]}`: the text beside the icon and the
/// top-level menu, as they were before any click. With `click LABEL` after them, then
/// clicks that menu item the way a panel does (dbusmenu `Event(id, "clicked")`).
pub const TRAY_QUERY: &str = r#"
import json, sys, dbus
bus = dbus.SessionBus()
name, path = sys.argv[1], sys.argv[2]
item = bus.get_object(name, path)
props = item.GetAll('org.kde.StatusNotifierItem', dbus_interface='org.freedesktop.DBus.Properties')
menu = bus.get_object(name, props['Menu'])
def items():
    _, layout = menu.GetLayout(0, -1, dbus.Array([], signature='s'), dbus_interface='com.canonical.dbusmenu')
    return [{'id': int(c[0]), 'label': str(c[1].get('label', '')).replace('_', ''),
             'type': str(c[1].get('type', 'standard'))} for c in layout[2]]
view = {'label': str(props.get('XAyatanaLabel', '')), 'items': items()}
if len(sys.argv) > 4 and sys.argv[3] == 'click':
    target = [i for i in view['items'] if i['label'] == sys.argv[4]][0]
    try:
        menu.Event(dbus.Int32(target['id']), 'clicked', dbus.String('', variant_level=1),
                   dbus.UInt32(0), dbus_interface='com.canonical.dbusmenu')
    except dbus.exceptions.DBusException as e:
        # "Quit" may end the app before dbusmenu answers: the click still arrived.
        if e.get_dbus_name() not in ('org.freedesktop.DBus.Error.NoReply',
                                     'org.freedesktop.DBus.Error.ServiceUnknown'):
            raise
print(json.dumps(view))
"#;

/// The tray icon as a panel sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct TrayView {
    /// The text beside the icon (the unread count; empty for none).
    pub label: String,
    /// The menu's entries, in order.
    pub items: Vec<TrayItem>,
}

/// One entry of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct TrayItem {
    pub id: i32,
    pub label: String,
    /// `standard` or `separator`.
    #[serde(rename = "type")]
    pub kind: String,
}

impl TrayView {
    /// The labels of the menu's items, separators left out.
    pub fn labels(&self) -> Vec<&str> {
        self.items
            .iter()
            .filter(|i| i.kind != "separator")
            .map(|i| i.label.as_str())
            .collect()
    }
}

/// One notification the app raised.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Notification {
    /// The id the service gave it (what a click refers to).
    pub id: u32,
    pub app: String,
    pub summary: String,
    pub body: String,
    /// Action keys and labels, alternating (`["default", "Open"]`).
    #[serde(default)]
    pub actions: Vec<String>,
}

/// How the app is launched.
#[derive(Debug, Clone, Default)]
pub struct LaunchOptions {
    /// Start gnome-keyring (Secret Service, unlocked) on the app's bus.
    pub keychain: bool,
    /// Settings stored before the first launch (the `settings` value of the app's store,
    /// e.g. `{"start_minimised": true}`; missing fields take their defaults).
    pub settings: Option<serde_json::Value>,
    /// The app's binary: the workspace's build when `None`; the install suite gives
    /// the one a package installed.
    pub binary: Option<PathBuf>,
}

/// The running app and everything started for it.
pub struct App {
    /// The WebDriver session on the app's window.
    pub driver: Client,
    /// `:N` of the Xvfb display the app is on.
    pub display: String,
    /// The private session bus the app, the notification service and the keychain use.
    pub bus_address: String,
    /// The WebDriver port of tauri-driver.
    port: u16,
    /// The binary the session starts.
    app_bin: PathBuf,
    /// Xvfb, the bus and everything started on them; stopped (by process id) before the
    /// home is removed.
    desktop: Desktop,
    home: Home,
}

/// The environment the app runs in (the same for tauri-driver and [`App::command`]):
/// the desktop's, with WebKit drawing without compositing (Xvfb has no GPU).
fn app_env(desktop: &Desktop) -> Vec<(&'static str, std::ffi::OsString)> {
    let mut env = desktop.env();
    env.push(("WEBKIT_DISABLE_COMPOSITING_MODE", "1".into()));
    env.push(("RUST_LOG", "info".into()));
    env
}

/// Waits until `f` holds, polling every 200 ms, or panics with `what` after `secs`.
pub async fn eventually<F, Fut>(what: &str, secs: u64, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !f().await {
        assert!(Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Where a tool is, or a panic naming it and how to install it.
fn tool(name: &str, install: &str) -> PathBuf {
    require_tool(name, install).unwrap_or_else(|e| panic!("{e}"))
}

/// A loopback port that is free now and that the kernel will not hand out on its own.
///
/// tauri-driver's ports are only bound some time after they are chosen (WebKitWebDriver's
/// when the session starts). A port from the ephemeral range (what `bind(":0")` gives)
/// can be taken meanwhile by any of the suites' thousands of connections and servers,
/// and the session then fails with an incomplete answer. Below the ephemeral range
/// only ports chosen on purpose are bound, so a random one that binds now stays free.
pub fn free_port() -> u16 {
    let ephemeral_from = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|r| r.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    let below = (ephemeral_from / 2)..ephemeral_from;
    for _ in 0..1000 {
        let port = rand::Rng::gen_range(&mut rand::thread_rng(), below.clone());
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port below the ephemeral range {ephemeral_from}")
}

/// Starts Xvfb, a private session bus with the fake notification service, tauri-driver,
/// and the app pointed at `server_url`; returns once the app's window is driven.
pub async fn launch_app(server_url: &str) -> App {
    launch_app_with(server_url, LaunchOptions::default()).await
}

/// [`launch_app`] with options (a keychain on the bus, stored settings).
pub async fn launch_app_with(server_url: &str, options: LaunchOptions) -> App {
    // Every tool first, so that a missing one fails before anything is started.
    tool("Xvfb", "apt-get install xvfb");
    tool("dbus-daemon", "apt-get install dbus");
    // The system Python: python3-dbus and python3-gi are Debian packages, which a
    // pyenv or venv python3 earlier on PATH cannot import.
    let python = PathBuf::from("/usr/bin/python3");
    assert!(
        python.is_file(),
        "/usr/bin/python3 is missing: apt-get install python3 python3-dbus python3-gi"
    );
    let driver_bin = tool(
        "tauri-driver",
        "cargo install tauri-driver --version '^2' --locked",
    );
    tool("WebKitWebDriver", "apt-get install webkit2gtk-driver");
    let app_bin = options
        .binary
        .clone()
        .unwrap_or_else(|| workspace_bin("tadhkira-app"));

    let home = Home::new().unwrap_or_else(|e| panic!("{e:#}"));
    let root = home.path().to_path_buf();
    let mut desktop = Desktop::start(&root, Bus::Private).unwrap_or_else(|e| panic!("{e:#}"));

    let script = root.join("notifications.py");
    std::fs::write(&script, NOTIFY_SERVICE).expect("write the notification service");
    let mut notifications = Command::new(python)
        .arg(&script)
        .arg(root.join("notifications.jsonl"))
        .arg(root.join("tray.jsonl"))
        .env("DBUS_SESSION_BUS_ADDRESS", &desktop.bus_address)
        .stdout(Stdio::piped())
        .spawn()
        .expect("the fake notification service starts");
    let ready = first_line(
        &mut notifications,
        "the fake notification service (python3-dbus, python3-gi)",
        Duration::from_secs(20),
    );
    desktop.keep("notifications", notifications);
    assert_eq!(
        ready.unwrap_or_else(|e| panic!("{e:#}")).trim(),
        "ready",
        "the fake notification service did not start"
    );
    if options.keychain {
        start_keychain(&mut desktop);
    }
    if let Some(settings) = &options.settings {
        let dir = home.app_data_dir();
        std::fs::create_dir_all(&dir).expect("the app's data folder");
        std::fs::write(
            dir.join("settings.json"),
            serde_json::json!({ "settings": settings }).to_string(),
        )
        .expect("write the app's settings");
    }

    let port = free_port();
    let native_port = loop {
        let p = free_port();
        if p != port {
            break p;
        }
    };
    let driver = Command::new(driver_bin)
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .envs(app_env(&desktop))
        .env("TADHKIRA_SERVER_URL", server_url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .expect("tauri-driver starts");
    // tauri-driver, WebKitWebDriver and the app: the group made for them.
    desktop.keep_group("tauri-driver", driver);

    // tauri-driver listens at once and starts WebKitWebDriver on the native port; a
    // session asked for before WebKitWebDriver listens is dropped unanswered (seen on a
    // loaded machine as IncompleteMessage), so wait for both.
    let deadline = Instant::now() + Duration::from_secs(30);
    for (who, p) in [("tauri-driver", port), ("WebKitWebDriver", native_port)] {
        while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
            assert!(Instant::now() < deadline, "{who} did not listen on {p}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    let driver = connect(port, &app_bin).await;
    App {
        driver,
        display: desktop.display.clone(),
        bus_address: desktop.bus_address.clone(),
        port,
        app_bin,
        desktop,
        home,
    }
}

/// A WebDriver session through tauri-driver on `port`, which starts the app.
async fn connect(port: u16, app_bin: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app_bin.display().to_string() }),
    );
    ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session on tadhkira-app")
}

/// Starts gnome-keyring's Secret Service on the bus, its login keyring created and
/// unlocked with a password on stdin (TESTING.md), and waits until it owns
/// `org.freedesktop.secrets`.
fn start_keychain(desktop: &mut Desktop) {
    let daemon = tool("gnome-keyring-daemon", "apt-get install gnome-keyring");
    let mut keyring = Command::new(daemon)
        .args(["--foreground", "--unlock", "--components=secrets"])
        .envs(app_env(desktop))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("gnome-keyring-daemon starts");
    {
        use std::io::Write;
        let mut stdin = keyring.stdin.take().expect("piped stdin");
        stdin
            .write_all(b"test")
            .expect("the keyring's password reaches gnome-keyring-daemon");
    }
    desktop.keep("gnome-keyring", keyring);
    let bus_address = desktop.bus_address.clone();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let owned = Command::new("dbus-send")
            .env("DBUS_SESSION_BUS_ADDRESS", &bus_address)
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"))
            .unwrap_or(false);
        if owned {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "gnome-keyring-daemon did not own org.freedesktop.secrets within 20 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl App {
    /// The folder the app's XDG data, config and cache live in.
    pub fn home(&self) -> &Path {
        self.home.path()
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

    /// Files the new-ticket form: first waits until the related-article suggestions have
    /// settled (they grow above the form's lower half when they arrive, and would move
    /// the button from under a click already aimed at it).
    pub async fn file_ticket(&self) {
        self.wait_for(r#"[data-testid="related-articles"][aria-busy="false"]"#)
            .await;
        self.click(r#"[data-testid="file-ticket"]"#).await;
    }

    /// The text of the element matching `css` (waiting for it).
    pub async fn text_of(&self, css: &str) -> String {
        self.wait_for(css).await.text().await.expect("element text")
    }

    /// The folder of the app's own data (`$XDG_DATA_HOME/app.tadhkira.desktop`): the
    /// engine's data folder and the settings store are inside.
    pub fn data_dir(&self) -> PathBuf {
        self.home.app_data_dir()
    }

    /// A command run in the app's environment (display, bus, XDG folders, keychain).
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        c.envs(app_env(&self.desktop));
        c
    }

    /// Starts the keychain (gnome-keyring) on the app's bus now, as when a user installs
    /// one; the app notices at its next start.
    pub fn start_keychain(&mut self) {
        start_keychain(&mut self.desktop);
    }

    /// Quits the app (ending its WebDriver session) and starts it again on the same
    /// folders, bus and display.
    pub async fn relaunch(&mut self) {
        self.quit().await;
        self.start_again().await;
    }

    /// Quits the app (ending its WebDriver session) and waits until it has ended; its
    /// folders, bus and display stay for [`App::start_again`].
    pub async fn quit(&mut self) {
        self.driver.clone().close().await.expect("the app quits");
        self.wait_until_quit().await;
    }

    /// Starts the app again after [`App::quit`], on the same folders, bus and display.
    pub async fn start_again(&mut self) {
        self.driver = connect(self.port, &self.app_bin).await;
    }

    /// Kills the app with SIGKILL, as a power cut or the OOM killer does: no shutdown
    /// code runs. The app is the process of the workspace's app binary whose
    /// environment names this app's home (other suites' apps may run beside it).
    /// Returns once the data-folder lock is free; [`App::start_again`] starts it anew.
    pub async fn kill(&mut self) {
        let binary = workspace_bin("tadhkira-app");
        let home = self.home.path().as_os_str().as_encoded_bytes().to_vec();
        let mut killed = 0;
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            let ours = std::fs::read_link(entry.path().join("exe")).is_ok_and(|e| e == binary)
                && std::fs::read(entry.path().join("environ"))
                    .is_ok_and(|env| env.windows(home.len()).any(|w| w == home.as_slice()));
            if ours {
                let status = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status()
                    .expect("kill runs");
                assert!(status.success(), "kill -KILL {pid}");
                killed += 1;
            }
        }
        assert_eq!(killed, 1, "one app process of this home to kill");
        self.wait_until_quit().await;
        // WebKitWebDriver keeps one session at a time: end the dead app's.
        let _ = tokio::time::timeout(Duration::from_secs(20), self.driver.clone().close()).await;
    }

    /// Waits (up to 20 s) until no app holds the engine's data-folder lock, i.e. the
    /// app process has ended.
    pub async fn wait_until_quit(&self) {
        let lock = self.data_dir().join("engine").join("engine.lock");
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let free = match std::fs::OpenOptions::new().write(true).open(&lock) {
                Ok(f) => f.try_lock().is_ok(),
                Err(_) => true,
            };
            if free {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the app still holds {} after 20 s",
                lock.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks notification `id` (the fake service emits `ActionInvoked(id, "default")`).
    pub fn click_notification(&self, id: u32) {
        let status = self
            .command("dbus-send")
            .args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.Notifications",
                "/org/freedesktop/Notifications",
                "app.tadhkira.Test.Invoke",
                &format!("uint32:{id}"),
                "string:default",
            ])
            .stdout(Stdio::null())
            .status()
            .expect("dbus-send runs");
        assert!(status.success(), "the notification service took the click");
    }

    /// Clicks the element matching `css` (waiting for it).
    pub async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.expect("click");
    }

    /// Sets the `<select>` matching `css` to `value` the way a user's pick would (a
    /// change event), e.g. the language and theme menus.
    pub async fn select(&self, css: &str, value: &str) {
        self.driver
            .execute(
                "const s = document.querySelector(arguments[0]); s.value = arguments[1]; s.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![serde_json::Value::from(css), serde_json::Value::from(value)],
            )
            .await
            .expect("select a value");
    }

    /// Calls the app's Tauri command `command` with `args` from its page, as the UI does,
    /// and returns its answer; a refusal panics with the command's error.
    pub async fn invoke(&self, command: &str, args: serde_json::Value) -> serde_json::Value {
        let answer = self
            .driver
            .execute_async(
                "const done = arguments[arguments.length - 1]; window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then((ok) => done({ ok: ok ?? null }), (err) => done({ err }));",
                vec![serde_json::Value::from(command), args],
            )
            .await
            .unwrap_or_else(|e| panic!("invoke {command}: {e}"));
        match answer.get("ok") {
            Some(ok) => ok.clone(),
            None => panic!("{command} refused: {}", answer["err"]),
        }
    }

    /// Starts the app's Tauri command `command` without waiting for its answer (a sync
    /// to kill the app in the middle of).
    pub async fn invoke_detached(&self, command: &str, args: serde_json::Value) {
        self.driver
            .execute(
                "window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).catch(() => {});",
                vec![serde_json::Value::from(command), args],
            )
            .await
            .unwrap_or_else(|e| panic!("invoke {command}: {e}"));
    }

    /// Replaces the text of the field matching `css` (waiting for it).
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.wait_for(css).await;
        el.clear().await.expect("clear");
        // WebKitWebDriver refuses to send no keys; clearing was all there was to do.
        if !text.is_empty() {
            el.send_keys(text).await.expect("type");
        }
    }

    /// The text of the first element matching `css` now, or "" when there is none.
    pub async fn inner_text(&self, css: &str) -> String {
        self.driver
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : '';",
                vec![serde_json::Value::from(css)],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// Waits (up to 60 s) until the text of the element matching `css` contains
    /// `wanted`; `what` names the wait in the failure message.
    pub async fn until_text(&self, what: &str, css: &str, wanted: &str) {
        eventually(what, 60, || async {
            self.inner_text(css).await.contains(wanted)
        })
        .await;
    }

    /// Sets an `<input>` (a date field, which WebKit's driver cannot type into reliably)
    /// the way a user's edit would: its value, then an input and a change event.
    pub async fn set_input(&self, css: &str, value: &str) {
        self.wait_for(css).await;
        self.driver
            .execute(
                "const e = document.querySelector(arguments[0]); e.value = arguments[1]; \
                 e.dispatchEvent(new Event('input', { bubbles: true })); \
                 e.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![serde_json::Value::from(css), serde_json::Value::from(value)],
            )
            .await
            .expect("set an input's value");
    }

    /// Switches the app's language (`en`, `ar`) and theme (`light`, `dark`, `system`)
    /// as a user does, with the selectors in the header.
    pub async fn look(&self, language: &str, theme: &str) {
        self.select(r#"[data-testid="language"]"#, language).await;
        self.select(r#"[data-testid="theme"]"#, theme).await;
    }

    /// Signs in on the sign-in screen and waits for the ticket list.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.wait_for(r#"[data-testid="server-status"][data-state="ok"]"#)
            .await;
        self.type_into(r#"[data-testid="email"]"#, email).await;
        self.type_into(r#"[data-testid="password"]"#, password)
            .await;
        self.click(r#"[data-testid="sign-in"]"#).await;
        self.wait_for(r#"[data-testid="ticket-row"]"#).await;
    }

    /// The app's tray icon as the panel sees it now, or `None` before it registered.
    /// With `click`, that menu item (by label) is then clicked; the view is from before it.
    pub fn tray(&self, click: Option<&str>) -> Option<TrayView> {
        let registered = std::fs::read_to_string(self.home.path().join("tray.jsonl")).ok()?;
        let last: serde_json::Value = serde_json::from_str(registered.lines().last()?).ok()?;
        let script = self.home.path().join("tray_query.py");
        std::fs::write(&script, TRAY_QUERY).expect("write the tray query");
        let mut cmd = self.command("/usr/bin/python3");
        cmd.arg(&script)
            .arg(last["name"].as_str()?)
            .arg(last["path"].as_str()?);
        if let Some(label) = click {
            cmd.args(["click", label]);
        }
        let out = cmd.output().expect("python3 runs the tray query");
        if !out.status.success() {
            eprintln!(
                "tray query: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return None;
        }
        serde_json::from_slice(&out.stdout).ok()
    }

    /// Every notification the app raised so far.
    pub fn notifications(&self) -> Vec<Notification> {
        let path = self.home.path().join("notifications.jsonl");
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
        let App {
            driver,
            desktop,
            home,
            ..
        } = self;
        let _ = driver.close().await;
        drop(desktop);
        drop(home);
    }
}
