//! The packages, installed on this machine as an administrator would (issue 23).
//!
//! Each test packages the workspace's debug build — the one every suite uses, which
//! `cargo xtask test` builds first — with `tadhkira-bundle` (the code `cargo xtask
//! bundle` runs on the release build), so this suite compiles nothing of its own; then
//! installs the package with `dpkg -i`, uses what it installed, and removes it:
//!
//! - the desktop app: its `.deb`; the desktop entry passes
//!   `desktop-file-validate` and its `Exec` — resolved on `PATH`, as a menu does — is
//!   the binary launched under Xvfb against a real server, where a customer signs in;
//!   `dpkg -r` then removes the binary, the entry and every icon, and leaves the
//!   user's data untouched;
//! - the server: its `.deb` makes the `tadhkira` system user and `/var/lib/tadhkira`;
//!   the installed binary is started as the installed systemd unit says (its user,
//!   environment, environment file and `ExecStart`: this machine has no systemd) and
//!   answers `/api/v1/health`; `dpkg -r` and `--purge` remove the program, the unit and
//!   the settings, and leave the helpdesk's data.
//!
//! Needs root (dpkg), dpkg-deb and desktop-file-validate (`cargo xtask setup`), plus
//! what the real-app suites need. A package left installed by an aborted run is purged
//! first, so runs follow each other on one machine; the tests hold a lock file while
//! they use dpkg, so they never run it at once.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};
use tadhkira_bundle::{APP_PACKAGE, SERVER_PACKAGE};
use tadhkira_tests::app::{launch_app_with, LaunchOptions};
use tadhkira_tests::server::spawn_server;

const CUSTOMER: &str = "customer@nile.example";
const PASSWORD: &str = "demo1234";

/// Holds the lock file that keeps the suite's dpkg runs apart (nextest runs each test
/// in its own process); released when dropped.
struct DpkgTurn(#[allow(dead_code)] std::fs::File);

fn dpkg_turn() -> DpkgTurn {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::env::temp_dir().join("tadhkira-install-suite.lock"))
        .expect("the suite's lock file");
    file.lock().expect("the suite's lock");
    DpkgTurn(file)
}

/// Fails unless this runs as root (dpkg installs into the system).
fn require_root() {
    let out = Command::new("id").arg("-u").output().expect("id runs");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0",
        "the install suite installs packages with dpkg: run it as root (CI does)"
    );
}

/// Runs a command; its output, or a panic with it when it fails.
fn run(cmd: &mut Command) -> String {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?} could not start: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "{cmd:?} failed ({}):\n{text}",
        out.status
    );
    text
}

/// dpkg's status of `package` (`install ok installed`, `deinstall ok config-files`…),
/// or `None` when dpkg knows nothing of it.
fn dpkg_status(package: &str) -> Option<String> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .stderr(Stdio::null())
        .output()
        .expect("dpkg-query runs");
    let status = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !status.is_empty() && !status.ends_with("not-installed"))
        .then_some(status)
}

/// Purges `package` when an earlier, aborted run left it (or its settings) behind.
fn purge_leftover(package: &str) {
    if let Some(status) = dpkg_status(package) {
        eprintln!("{package} was left by an earlier run ({status}): purging it first");
        run(Command::new("dpkg").args(["--purge", package]));
    }
    assert_eq!(dpkg_status(package), None, "{package} could not be purged");
}

/// The files `package` installed, by path.
fn installed_files(package: &str) -> Vec<String> {
    run(Command::new("dpkg").args(["-L", package]))
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The SHA-256 of every file below `dir`, by path: what "left untouched" compares.
fn fingerprint(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read a data file");
                files.insert(path, hex::encode(Sha256::digest(&bytes)));
            }
        }
    }
    files
}

/// The value of `key=` on the first line of `text` that has it.
fn entry_value<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .map(str::trim)
}

/// `program` resolved on `PATH` as a desktop's menu does it.
fn on_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_desktop_deb_installs_an_app_that_starts_from_its_menu_entry_and_uninstalls_cleanly() {
    require_root();
    let _turn = dpkg_turn();
    purge_leftover(APP_PACKAGE);

    let deb = tadhkira_bundle::desktop_deb(&tadhkira_testkit::bin_dir())
        .unwrap_or_else(|e| panic!("packaging the debug build: {e:#}"));
    let control = run(Command::new("dpkg-deb").arg("--field").arg(&deb));
    assert_eq!(entry_value_colon(&control, "Package"), Some(APP_PACKAGE));
    assert!(
        entry_value_colon(&control, "Depends").is_some_and(|d| d.contains("libwebkit2gtk-4.1-0")),
        "{control}"
    );
    run(Command::new("dpkg").arg("-i").arg(&deb));

    // What it installed: the program, a desktop entry and the icon in every size.
    let files = installed_files(APP_PACKAGE);
    let entry_path = "/usr/share/applications/tadhkira.desktop";
    for wanted in ["/usr/bin/tadhkira-app", entry_path] {
        assert!(
            files.iter().any(|f| f == wanted),
            "{wanted} not in {files:#?}"
        );
    }
    for size in [16, 32, 48, 64, 128, 256, 512, 1024] {
        let icon = format!("/usr/share/icons/hicolor/{size}x{size}/apps/tadhkira-app.png");
        assert!(files.contains(&icon), "no {size} px icon in {files:#?}");
        assert!(Path::new(&icon).is_file(), "{icon} is not on disk");
    }
    run(Command::new("desktop-file-validate").arg(entry_path));
    let entry = std::fs::read_to_string(entry_path).expect("the desktop entry");
    assert_eq!(entry_value(&entry, "Name"), Some("Tadhkira"), "{entry}");
    assert_eq!(entry_value(&entry, "Name[ar]"), Some("تذكرة"), "{entry}");
    assert_eq!(entry_value(&entry, "Icon"), Some("tadhkira-app"), "{entry}");
    let exec = entry_value(&entry, "Exec").expect("the entry's Exec");
    let program = on_path(exec.split_whitespace().next().expect("a program"))
        .unwrap_or_else(|| panic!("the entry's Exec {exec} is not on PATH"));
    assert_eq!(program, Path::new("/usr/bin/tadhkira-app"));

    // The installed app, started as its menu entry says, signs a customer in.
    let server = spawn_server();
    server.demo();
    let mut app = launch_app_with(
        &server.url(),
        LaunchOptions {
            binary: Some(program.clone()),
            ..LaunchOptions::default()
        },
    )
    .await;
    app.sign_in(CUSTOMER, PASSWORD).await;
    app.screenshot_if_asked("installed-app-signed-in");
    app.quit().await;
    let data = app.data_dir();
    assert!(
        data.join("engine").is_dir(),
        "the app kept no data in {}",
        data.display()
    );
    let before = fingerprint(&data);

    // Removing the package removes the program, its entry and icons, not the data.
    run(Command::new("dpkg").args(["-r", APP_PACKAGE]));
    assert_eq!(dpkg_status(APP_PACKAGE), None, "dpkg -r left the package");
    for file in &files {
        let path = Path::new(file);
        assert!(
            path.is_dir() || !path.exists(),
            "{file} is still there after dpkg -r"
        );
    }
    assert!(!program.exists(), "the program is still there");
    assert_eq!(
        fingerprint(&data),
        before,
        "removing the package changed the user's data"
    );
    app.close().await;
}

/// The value of `Key: value` in a control file.
fn entry_value_colon<'t>(text: &'t str, key: &str) -> Option<&'t str> {
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .map(str::trim)
}

/// How the installed unit starts the service.
#[derive(Debug, Default)]
struct Unit {
    user: String,
    group: String,
    env: Vec<(String, String)>,
    env_files: Vec<PathBuf>,
    exec: Vec<String>,
}

/// Reads the `[Service]` lines this suite relies on; any other line that would change
/// how the process starts fails the test (so the unit cannot drift from what is run).
fn read_unit(path: &Path) -> Unit {
    let text = std::fs::read_to_string(path).expect("the installed unit");
    let mut unit = Unit::default();
    let mut in_service = false;
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_service = line == "[Service]";
            continue;
        }
        if !in_service || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once('=').expect("KEY=value in [Service]");
        match key {
            "User" => unit.user = value.into(),
            "Group" => unit.group = value.into(),
            "Environment" => {
                let (k, v) = value.split_once('=').expect("Environment=KEY=value");
                unit.env.push((k.into(), v.into()));
            }
            "EnvironmentFile" => unit
                .env_files
                .push(PathBuf::from(value.trim_start_matches('-'))),
            "ExecStart" => unit.exec = value.split_whitespace().map(str::to_owned).collect(),
            "WorkingDirectory" | "RootDirectory" | "ExecStartPre" | "DynamicUser" => {
                panic!("the suite does not start units with {key}= (line: {line})")
            }
            _ => {}
        }
    }
    unit
}

/// `KEY=value` lines of an environment file (comments and blank lines left out).
fn env_file(path: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.trim_matches('"').to_owned()))
        .collect()
}

/// The started service, killed when dropped (a failed check must not leave it running).
struct Service(std::process::Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The id of a user or group (`getent`).
fn id_of(database: &str, name: &str) -> Option<u32> {
    let out = Command::new("getent")
        .args([database, name])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .split(':')
        .nth(2)?
        .trim()
        .parse()
        .ok()
}

/// The effective uid of process `pid`.
fn uid_of(pid: u32) -> Option<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_deb_runs_its_service_as_its_own_user_and_keeps_the_data_when_removed() {
    use std::os::unix::fs::MetadataExt;

    require_root();
    let _turn = dpkg_turn();
    purge_leftover(SERVER_PACKAGE);
    let data = Path::new("/var/lib/tadhkira");
    // A folder an aborted run left is used again; one this run makes is removed at the end.
    let data_was_there = data.exists();

    let deb = tadhkira_bundle::server_deb(&tadhkira_testkit::bin_dir())
        .unwrap_or_else(|e| panic!("packaging the debug server: {e:#}"));
    run(Command::new("dpkg").arg("-i").arg(&deb));

    let files = installed_files(SERVER_PACKAGE);
    let unit_path = "/lib/systemd/system/tadhkira-server.service";
    for wanted in [
        "/usr/bin/tadhkira-server",
        unit_path,
        "/etc/tadhkira/server.toml",
        "/etc/tadhkira/server.env",
    ] {
        assert!(
            files.iter().any(|f| f == wanted),
            "{wanted} not in {files:#?}"
        );
    }
    let uid = id_of("passwd", "tadhkira").expect("the package made the tadhkira user");
    let gid = id_of("group", "tadhkira").expect("the package made the tadhkira group");
    let meta = std::fs::metadata(data).expect("the package made /var/lib/tadhkira");
    assert_eq!(
        (meta.uid(), meta.gid()),
        (uid, gid),
        "/var/lib/tadhkira's owner"
    );

    // Started the way the unit starts it: as its user, with its environment.
    let unit = read_unit(Path::new(unit_path));
    assert_eq!(
        (unit.user.as_str(), unit.group.as_str()),
        ("tadhkira", "tadhkira")
    );
    assert_eq!(
        unit.exec.first().map(String::as_str),
        Some("/usr/bin/tadhkira-server"),
        "{unit:?}"
    );
    // What systemd gives a service with `User=`, then the unit's own environment.
    let passwd = run(Command::new("getent").args(["passwd", &unit.user]));
    let home = passwd
        .trim()
        .split(':')
        .nth(5)
        .expect("the user's home")
        .to_owned();
    let mut env = vec![
        ("HOME".to_owned(), home),
        ("USER".to_owned(), unit.user.clone()),
        ("LOGNAME".to_owned(), unit.user.clone()),
    ];
    env.extend(unit.env.iter().cloned());
    for file in &unit.env_files {
        env.extend(env_file(file));
    }
    assert!(
        env.iter()
            .any(|(k, v)| k == "TADHKIRA_DATA_DIR" && v == "/var/lib/tadhkira"),
        "{env:?}"
    );
    // As an administrator's `systemctl edit` would: another port, so that a helpdesk
    // already on 8080 here is left alone.
    let port = tadhkira_tests::app::free_port();
    env.push(("TADHKIRA_BIND".into(), format!("127.0.0.1:{port}")));
    let service = Command::new("setpriv")
        .arg(format!("--reuid={}", unit.user))
        .arg(format!("--regid={}", unit.group))
        .arg("--init-groups")
        .arg("--")
        .args(&unit.exec)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("setpriv (util-linux) starts the service");
    // Stopped (by its id) however the test ends.
    let mut service = Service(service);
    let service = &mut service.0;

    let health = format!("http://127.0.0.1:{port}/api/v1/health");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(&health).send().await {
            assert!(r.status().is_success(), "health answered {}", r.status());
            break;
        }
        if let Some(status) = service.try_wait().expect("the service's status") {
            panic!("the installed server ended ({status}) before it answered {health}");
        }
        assert!(Instant::now() < deadline, "no answer from {health} in 60 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        uid_of(service.id()),
        Some(uid),
        "the service runs as tadhkira"
    );
    let database = data.join("tadhkira.db");
    assert_eq!(
        std::fs::metadata(&database)
            .unwrap_or_else(|e| panic!("{}: {e}", database.display()))
            .uid(),
        uid,
        "the database belongs to tadhkira"
    );
    service.kill().expect("stop the service");
    service.wait().expect("the service ended");
    let before = fingerprint(data);

    run(Command::new("dpkg").args(["-r", SERVER_PACKAGE]));
    for gone in ["/usr/bin/tadhkira-server", unit_path] {
        assert!(
            !Path::new(gone).exists(),
            "{gone} is still there after dpkg -r"
        );
    }
    assert!(
        Path::new("/etc/tadhkira/server.toml").exists(),
        "dpkg -r keeps the settings (conffiles) until purge"
    );
    run(Command::new("dpkg").args(["--purge", SERVER_PACKAGE]));
    assert_eq!(dpkg_status(SERVER_PACKAGE), None);
    assert!(
        !Path::new("/etc/tadhkira/server.toml").exists(),
        "purge removes the settings"
    );
    assert_eq!(
        fingerprint(data),
        before,
        "removing the package changed the helpdesk's data"
    );
    if !data_was_there {
        std::fs::remove_dir_all(data).expect("remove this run's /var/lib/tadhkira");
    }
}

#[test]
fn the_desktop_rpm_holds_the_program_the_entry_and_every_icon_and_names_its_libraries() {
    // Made as `cargo xtask bundle` makes it (rpmbuild), read back with rpm itself; it is
    // not installed: this machine is Debian.
    let rpm = tadhkira_bundle::desktop_rpm(&tadhkira_testkit::bin_dir())
        .unwrap_or_else(|e| panic!("packaging the debug build as an .rpm: {e:#}"));
    let name = run(Command::new("rpm")
        .args(["-qp", "--queryformat", "%{NAME} %{VERSION} %{ARCH}"])
        .arg(&rpm));
    assert_eq!(
        name,
        format!(
            "{APP_PACKAGE} {} {}",
            tadhkira_bundle::app_config().unwrap().version,
            std::env::consts::ARCH
        )
    );
    let files = run(Command::new("rpm").arg("-qlp").arg(&rpm));
    let files: Vec<&str> = files.lines().collect();
    for wanted in [
        "/usr/bin/tadhkira-app",
        "/usr/share/applications/tadhkira.desktop",
    ] {
        assert!(files.contains(&wanted), "{wanted} not in {files:#?}");
    }
    for size in [16, 32, 48, 64, 128, 256, 512, 1024] {
        let icon = format!("/usr/share/icons/hicolor/{size}x{size}/apps/tadhkira-app.png");
        assert!(
            files.contains(&icon.as_str()),
            "no {size} px icon in {files:#?}"
        );
    }
    let requires = run(Command::new("rpm").args(["-qp", "--requires"]).arg(&rpm));
    assert!(requires.contains("webkit2gtk4.1"), "{requires}");
    std::fs::remove_file(&rpm).expect("remove the test's .rpm");
}

/// The next patch version after `version` (`0.1.0` → `0.1.1`), `n` times.
fn patch_after(version: &str, n: u64) -> String {
    let core = version.split(['-', '+']).next().expect("a version");
    let parts: Vec<u64> = core
        .split('.')
        .map(|p| p.parse().expect("a numeric version"))
        .collect();
    format!("{}.{}.{}", parts[0], parts[1], parts[2] + n)
}

/// dpkg's version of `package`, when installed.
fn dpkg_version(package: &str) -> Option<String> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", package])
        .stderr(Stdio::null())
        .output()
        .expect("dpkg-query runs");
    let v = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !v.is_empty()).then_some(v)
}

/// The ids of the processes running `binary` whose environment names `home` (the app
/// of this test, whatever else runs beside it).
fn app_processes(binary: &Path, home: &Path) -> Vec<i32> {
    let home = home.as_os_str().as_encoded_bytes().to_vec();
    let mut pids = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        // A binary dpkg replaced under a running process reads "… (deleted)".
        let exe = std::fs::read_link(entry.path().join("exe")).unwrap_or_default();
        let runs = exe == binary
            || exe
                .as_os_str()
                .as_encoded_bytes()
                .starts_with(binary.as_os_str().as_encoded_bytes());
        let ours = runs
            && std::fs::read(entry.path().join("environ"))
                .is_ok_and(|env| env.windows(home.len()).any(|w| w == home.as_slice()));
        if ours {
            pids.push(pid);
        }
    }
    pids
}

/// An admin's token on `server` (the demo's admin).
async fn admin_token(server_url: &str) -> String {
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{server_url}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "admin@tadhkira.example", "password": PASSWORD}))
        .send()
        .await
        .expect("sign the admin in")
        .json()
        .await
        .expect("the sign-in's answer");
    answer["token"].as_str().expect("a token").to_owned()
}

/// Publishes `package` as `version` of `linux-<arch>-deb` with `signature`, as an admin
/// does (`POST /api/v1/admin/updates`, multipart/form-data).
async fn publish(
    server_url: &str,
    token: &str,
    version: &str,
    notes: &str,
    signature: &str,
    package: &[u8],
) {
    let boundary = "tadhkira-install-suite-3f9a";
    let target = format!("linux-{}-deb", std::env::consts::ARCH);
    let mut body = Vec::new();
    for (name, value) in [
        ("target", target.as_str()),
        ("version", version),
        ("notes", notes),
        ("signature", signature),
    ] {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                .into_bytes(),
        );
    }
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"package\"; filename=\"tadhkira.deb\"\r\nContent-Type: application/octet-stream\r\n\r\n")
            .into_bytes(),
    );
    body.extend_from_slice(package);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let resp = reqwest::Client::new()
        .post(format!("{server_url}/api/v1/admin/updates"))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("publish a release");
    let status = resp.status();
    let text = resp.text().await.unwrap_or_default();
    assert_eq!(status.as_u16(), 201, "publishing {version}: {text}");
}

/// In Settings, checks for updates and waits for "What's new in `version`".
async fn offered(app: &tadhkira_tests::app::App, version: &str, notes: &str) {
    app.click(r#"[data-testid="nav-settings"]"#).await;
    app.click(r#"[data-testid="check-updates"]"#).await;
    app.wait_for(r#"[data-testid="update-dialog"]"#).await;
    app.until_text(
        "the offered version",
        r#"[data-testid="update-version"]"#,
        version,
    )
    .await;
    assert_eq!(
        app.inner_text(r#"[data-testid="update-notes"]"#)
            .await
            .trim(),
        notes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_installed_app_updates_itself_from_the_helpdesk_and_refuses_a_package_not_signed_by_tadhkira(
) {
    require_root();
    assert!(
        on_path("sudo").is_some(),
        "the updater installs a .deb with pkexec or sudo: apt-get install sudo (cargo xtask setup)"
    );
    let _turn = dpkg_turn();
    purge_leftover(APP_PACKAGE);
    let bin = tadhkira_testkit::bin_dir();
    let installed = tadhkira_bundle::app_config().unwrap().version;
    let (other_key, tampered, newer) = (
        patch_after(&installed, 1),
        patch_after(&installed, 2),
        patch_after(&installed, 3),
    );

    // Version N installed; the same build packaged (not compiled again) as N+3, signed
    // with the development key the debug build trusts.
    let deb = tadhkira_bundle::desktop_deb(&bin)
        .unwrap_or_else(|e| panic!("packaging the debug build: {e:#}"));
    run(Command::new("dpkg").arg("-i").arg(&deb));
    assert_eq!(
        dpkg_version(APP_PACKAGE).as_deref(),
        Some(installed.as_str())
    );
    let next = tadhkira_bundle::desktop_deb_as(&bin, Some(&newer))
        .unwrap_or_else(|e| panic!("packaging the debug build as {newer}: {e:#}"));
    let (dev_key, _) = tadhkira_bundle::dev_key_files();
    let dev_key = std::fs::read_to_string(dev_key).expect("the development key");
    let sig =
        std::fs::read_to_string(tadhkira_bundle::sign(&next, &dev_key, &newer).unwrap()).unwrap();
    let next_bytes = std::fs::read(&next).expect("the package");
    // The same bytes signed with a key that is not Tadhkira's…
    let (_, stranger) = tadhkira_bundle::generate_key().unwrap();
    let stranger_copy = next.with_extension("stranger.deb");
    std::fs::copy(&next, &stranger_copy).unwrap();
    let stranger_sig = std::fs::read_to_string(
        tadhkira_bundle::sign(&stranger_copy, &stranger, &other_key).unwrap(),
    )
    .unwrap();
    // …and changed by one byte after Tadhkira signed them.
    let mut changed = next_bytes.clone();
    let middle = changed.len() / 2;
    changed[middle] ^= 0x01;

    let server = spawn_server();
    server.demo();
    let token = admin_token(&server.url()).await;
    let program = PathBuf::from("/usr/bin/tadhkira-app");
    let mut app = launch_app_with(
        &server.url(),
        LaunchOptions {
            binary: Some(program.clone()),
            ..LaunchOptions::default()
        },
    )
    .await;
    app.sign_in(CUSTOMER, PASSWORD).await;

    // Up to date at first.
    app.click(r#"[data-testid="nav-settings"]"#).await;
    app.until_text(
        "the installed version",
        r#"[data-testid="app-version"]"#,
        &installed,
    )
    .await;
    app.click(r#"[data-testid="check-updates"]"#).await;
    app.wait_for(r#"[data-testid="updates-newest"]"#).await;

    // Refused: signed with another key, then changed after signing. Each time the user
    // reads what is new, says install, and is told it is not Tadhkira's; N stays.
    for (version, signature, bytes) in [
        (&other_key, &stranger_sig, &next_bytes),
        (&tampered, &sig, &changed),
    ] {
        let notes = format!("Version {version}: faster sync.");
        publish(&server.url(), &token, version, &notes, signature, bytes).await;
        offered(&app, version, &notes).await;
        app.click(r#"[data-testid="update-install"]"#).await;
        app.until_text(
            "the refusal",
            r#"[data-testid="update-error"]"#,
            "not signed by Tadhkira",
        )
        .await;
        app.screenshot_if_asked(&format!("update-refused-{version}"));
        assert_eq!(
            dpkg_version(APP_PACKAGE).as_deref(),
            Some(installed.as_str()),
            "a package not signed by Tadhkira ({version}) changed what is installed"
        );
        app.click(r#"[data-testid="update-later"]"#).await;
    }

    // Signed by Tadhkira: installed on the user's word, and the app restarts as N+3.
    let notes = format!("What's new in {newer}: replies arrive sooner.");
    publish(&server.url(), &token, &newer, &notes, &sig, &next_bytes).await;
    offered(&app, &newer, &notes).await;
    app.screenshot_if_asked("update-offered");
    let before = app_processes(&program, app.home());
    assert_eq!(before.len(), 1, "one app process: {before:?}");
    app.click(r#"[data-testid="update-install"]"#).await;
    tadhkira_tests::app::eventually("dpkg reports the new version", 120, || async {
        dpkg_version(APP_PACKAGE).as_deref() == Some(newer.as_str())
    })
    .await;
    tadhkira_tests::app::eventually("the app restarts as a new process", 60, || async {
        let now = app_processes(&program, app.home());
        !now.is_empty() && !now.contains(&before[0])
    })
    .await;
    // The restarted app is not in the WebDriver session: stop it by its id, then start
    // the installed program again in a session, on the same data.
    for pid in app_processes(&program, app.home()) {
        let _ = Command::new("kill").arg(pid.to_string()).status();
    }
    app.wait_until_quit().await;
    let _ = tokio::time::timeout(Duration::from_secs(20), app.driver.clone().close()).await;
    app.start_again().await;
    let version = app.invoke("app_version", serde_json::json!({})).await;
    assert_eq!(version["version"], newer.as_str(), "{version}");
    assert_eq!(
        version["target"],
        format!("linux-{}-deb", std::env::consts::ARCH),
        "{version}"
    );
    assert_eq!(
        app.invoke("check_update", serde_json::json!({})).await,
        serde_json::Value::Null,
        "the updated app is the newest"
    );
    app.quit().await;

    run(Command::new("dpkg").args(["-r", APP_PACKAGE]));
    for p in [&deb, &next, &stranger_copy] {
        let _ = std::fs::remove_file(p);
    }
    app.close().await;
}
