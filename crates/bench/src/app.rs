//! Figure 7: the desktop app (release build) with 100,000 tickets in its store.
//!
//! A signed-in profile is prepared first: the engine pulls the server's tickets into the
//! folder the app will use (`$XDG_DATA_HOME/app.tadhkira.desktop/engine`, with its
//! user-only token file). Then the app is launched on its own Xvfb display with its
//! own session bus (the system's usual configuration), as on a desktop. The list
//! screen calls the `list_painted` command once its first page of rows has been painted
//! (two animation frames after the rows arrived), and the app logs `first list
//! painted`; the time from spawning the process to reading that line is the launch
//! figure. Ten seconds later the memory of the app and every process it started
//! (WebKit's web and network processes) is summed from `/proc/<pid>/smaps_rollup`. The
//! home, the display and the bus are `tadhkira_testkit::desktop`'s, shared with the
//! test suites; the app runs in a process group of its own, stopped by its id with
//! everything else started here.
//!
//! The yardstick of its memory is a bare Tauri 2 window (crates/bench-bare), launched
//! and measured the same way in the same run ([`launch_bare`]).

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tadhkira_client::{Engine, EngineConfig};
use tadhkira_testkit::desktop::{Bus, Desktop, Home};
use tadhkira_testkit::server::PASSWORD;

/// What one launch measured.
pub struct Launch {
    /// From spawning the app to its "first list painted" line.
    pub first_paint_ms: f64,
    /// The same moment as the app measured it (from the start of its `main`).
    pub app_reported_ms: Option<f64>,
    /// Summed over the app and its child processes, idle after [`IDLE`].
    pub rss_mib: f64,
    pub pss_mib: f64,
    /// How many processes were summed.
    pub processes: usize,
    /// PSS of each process (its name from `/proc/<pid>/comm`), in MiB: where the
    /// memory is.
    pub pss_by_process: Vec<(String, f64)>,
}

/// How long the app idles before its memory is read.
pub const IDLE: Duration = Duration::from_secs(10);

/// A temporary home with XDG folders and a profile signed in to `url` as an agent,
/// with every ticket the server has pulled into it; returns it and the ticket count.
pub async fn prepare_profile(url: &str) -> Result<(Home, i64)> {
    let home = Home::new()?;
    let engine = Engine::open(
        // The engine's sub-folder of the app's data folder (src-tauri's `app_data_dir`).
        home.app_data_dir().join("engine"),
        EngineConfig {
            device_name: "tadhkira-bench".into(),
            timeouts: Default::default(),
            ..EngineConfig::default()
        },
    )
    .await?;
    engine
        .sign_in(url, "l1@tadhkira.example", PASSWORD)
        .await
        .context("sign-in for the app's profile")?;
    while engine.sync_now().await?.pulled > 0 {}
    let total = engine
        .list_tickets(&tadhkira_client::ListQuery {
            limit: 1,
            ..Default::default()
        })
        .await?
        .total;
    engine.close().await;
    Ok((home, total))
}

/// Launches `app` on the profile in `root` against `url` and measures it.
pub fn launch(app: &Path, root: &Path, url: &str) -> Result<Launch> {
    anyhow::ensure!(
        app.is_file(),
        "{} is missing: cargo xtask bench builds it (release, custom-protocol)",
        app.display()
    );
    let env = [
        ("TADHKIRA_SERVER_URL", OsString::from(url)),
        ("RUST_LOG", "info".into()),
    ];
    let (launch, line) = measure(app, "tadhkira-app", root, &env, "first list painted")?;
    let app_reported_ms = line
        .split("elapsed_ms=")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok());
    Ok(Launch {
        app_reported_ms,
        ..launch
    })
}

/// Launches the bare Tauri window (crates/bench-bare) in a home at `root` and measures
/// it as [`launch`] measures the app: the same display, the same bus, and the WebKit
/// setting the app gives itself (`WEBKIT_DISABLE_COMPOSITING_MODE=1`), so the two
/// differ only in what the app adds. `first_paint_ms` is until its page has loaded.
pub fn launch_bare(bare: &Path, root: &Path) -> Result<Launch> {
    anyhow::ensure!(
        bare.is_file(),
        "{} is missing: it is part of the workspace build (crates/bench-bare)",
        bare.display()
    );
    let env = [("WEBKIT_DISABLE_COMPOSITING_MODE", OsString::from("1"))];
    let (launch, _) = measure(
        bare,
        "tadhkira-bench-bare",
        root,
        &env,
        "bare window loaded",
    )?;
    Ok(launch)
}

/// Starts `program` on its own Xvfb and session bus in the home at `root`, with `env`
/// besides the desktop's; waits for a line of its stderr containing `ready`, idles
/// [`IDLE`], and sums the memory of it and every process below it. Answers the
/// measurements and the `ready` line.
fn measure(
    program: &Path,
    name: &'static str,
    root: &Path,
    env: &[(&str, OsString)],
    ready: &'static str,
) -> Result<(Launch, String)> {
    // Xvfb and the system's usual session bus, as on a desktop.
    let mut desktop = Desktop::start(root, Bus::Session)?;

    let spawned = Instant::now();
    let mut child = Command::new(program)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(desktop.env())
        .envs(env.iter().map(|(k, v)| (*k, v)))
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .with_context(|| format!("starting {}", program.display()))?;
    let pid = child.id();
    let stderr = child.stderr.take().context("piped stderr")?;
    desktop.keep_group(name, child);

    // With TADHKIRA_BENCH_APP_LOG=FILE, every line the program writes is appended to
    // FILE after the milliseconds since its spawn: where a launch's time goes.
    let mut log = match std::env::var_os("TADHKIRA_BENCH_APP_LOG") {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .with_context(|| format!("opening {}", Path::new(&path).display()))?,
        ),
        None => None,
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.by_ref().read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {
                    let text = strip_ansi(&String::from_utf8_lossy(&line));
                    if let Some(log) = log.as_mut() {
                        let ms = spawned.elapsed().as_secs_f64() * 1000.0;
                        let _ = write!(log, "{name} {ms:8.1} {text}");
                    }
                    if text.contains(ready) {
                        let _ = tx.send((Instant::now(), text));
                    }
                }
            }
        }
    });
    let (at, line) = rx
        .recv_timeout(Duration::from_secs(60))
        .with_context(|| format!("{name} did not print {ready:?} within 60 s"))?;
    let first_paint_ms = at.duration_since(spawned).as_secs_f64() * 1000.0;

    std::thread::sleep(IDLE);
    let pids = with_descendants(pid);
    let (mut rss, mut pss) = (0u64, 0u64);
    let mut pss_by_process = Vec::new();
    for p in &pids {
        let (r, s) = smaps_rollup(*p)?;
        rss += r;
        pss += s;
        let comm = std::fs::read_to_string(format!("/proc/{p}/comm")).unwrap_or_default();
        // TADHKIRA_BENCH_APP_SMAPS=DIR keeps each process's mappings at this moment
        // (DIR/<program>-<process>-<pid>.smaps): where its memory is, mapping by mapping.
        if let Some(dir) = std::env::var_os("TADHKIRA_BENCH_APP_SMAPS") {
            let to = Path::new(&dir).join(format!("{name}-{}-{p}.smaps", comm.trim()));
            std::fs::create_dir_all(&dir)
                .and_then(|()| std::fs::copy(format!("/proc/{p}/smaps"), &to))
                .with_context(|| format!("keeping {}", to.display()))?;
        }
        pss_by_process.push((comm.trim().to_owned(), s as f64 / 1024.0));
    }
    if pids.len() < 2 {
        bail!("{name} runs without its WebKit processes ({pids:?})");
    }
    drop(desktop);
    Ok((
        Launch {
            first_paint_ms,
            app_reported_ms: None,
            rss_mib: rss as f64 / 1024.0,
            pss_mib: pss as f64 / 1024.0,
            processes: pids.len(),
            pss_by_process,
        },
        line,
    ))
}

/// `text` without terminal colour sequences (`ESC [ … m`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `pid` and every process below it.
fn with_descendants(pid: u32) -> Vec<u32> {
    let mut parent_of = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(p) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{p}/stat")) else {
                continue;
            };
            // "pid (comm) state ppid …": comm may hold spaces and parentheses.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1))
                .and_then(|s| s.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parent_of.push((p, ppid));
            }
        }
    }
    let mut out = vec![pid];
    let mut i = 0;
    while i < out.len() {
        let parent = out[i];
        out.extend(
            parent_of
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    out
}

/// RSS and PSS of one process in KiB.
fn smaps_rollup(pid: u32) -> Result<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .with_context(|| format!("reading /proc/{pid}/smaps_rollup"))?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Ok((field("Rss:"), field("Pss:")))
}
