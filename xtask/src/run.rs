//! `cargo xtask run`: the demo helpdesk and the desktop app, in one command.
//!
//! Installs what is missing (Debian/Ubuntu), builds the UI and the binaries, starts
//! `tadhkira-server` on 127.0.0.1 with its embedded SQLite database under `.data/server`
//! (demo data loaded the first time), then opens the app pointed at it. Ctrl-C stops
//! both; closing the app stops the server too. With `--cluster N` the helpdesk is N
//! processes on PostgreSQL behind HAProxy instead (`cluster.rs`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::setup;
use crate::util::{self, cargo, npm, step};

#[derive(clap::Args)]
pub struct RunArgs {
    /// Start only the central helpdesk (no app, no UI build, no system packages).
    #[arg(long, conflicts_with = "app_only")]
    server_only: bool,
    /// Open only the app, pointed at the helpdesk at this URL.
    #[arg(long, value_name = "URL")]
    app_only: Option<String>,
    /// Port of the local helpdesk on 127.0.0.1.
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Where the local helpdesk keeps its SQLite database.
    #[arg(long, value_name = "DIR", conflicts_with = "cluster")]
    data_dir: Option<PathBuf>,
    /// Run N (at least 2) helpdesk processes on one fresh PostgreSQL database behind
    /// HAProxy on --port, as at scale; the app talks to HAProxy.
    #[arg(long, value_name = "N", conflicts_with = "app_only")]
    cluster: Option<usize>,
    /// The PostgreSQL server for --cluster: a URL of an existing database on it (a
    /// fresh database is made beside it and dropped at the end).
    #[arg(
        long,
        value_name = "URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pg_url: String,
}

pub fn run(args: RunArgs) -> Result<i32> {
    let want_app = !args.server_only;

    if want_app {
        setup::ensure_packages(setup::BUILD_PACKAGES)?;
        setup::ensure_node()?;
        if !util::root().join("ui/node_modules").exists() {
            step("UI dependencies (npm ci)");
            util::run(npm().args(["ci", "--no-audit", "--no-fund"]))?;
        }
        util::build_ui_if_stale()?;
    }

    step("Building");
    if want_app {
        // The same build as `cargo xtask test`'s, so after a test run this compiles
        // nothing again.
        util::build_workspace(false)?;
    } else {
        // Just the helpdesk: no Tauri, no system packages for it.
        util::run(cargo().args(["build", "-p", "tadhkira-server"]))?;
    }
    let bin = util::root().join("target/debug");

    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .context("could not install the Ctrl-C handler")?;
    }

    let mut children: Vec<(&str, Child)> = Vec::new();
    let mut cluster = None;
    let url = match (&args.app_only, args.cluster) {
        (Some(url), _) => url.clone(),
        (None, Some(n)) => {
            let c = crate::cluster::start(n, args.port, &args.pg_url)?;
            let url = c.url();
            cluster = Some(c);
            url
        }
        (None, None) => {
            let data_dir = args
                .data_dir
                .clone()
                .unwrap_or_else(|| util::root().join(".data/server"));
            std::fs::create_dir_all(&data_dir)
                .with_context(|| format!("creating {}", data_dir.display()))?;
            step(&format!("Demo data in {}", data_dir.display()));
            util::run(
                Command::new(bin.join("tadhkira-server"))
                    .arg("demo")
                    .arg("--data-dir")
                    .arg(&data_dir),
            )?;
            step("Starting the central helpdesk");
            let (child, url) = start_server(&bin, &data_dir, args.port)?;
            children.push(("tadhkira-server", child));
            println!("central helpdesk on {url}");
            url
        }
    };

    if want_app {
        if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
            println!(
                "warning: no DISPLAY or WAYLAND_DISPLAY: the window needs a display (try xvfb-run)"
            );
        }
        step("Opening the desktop app");
        let app = Command::new(bin.join("tadhkira-app"))
            .env("TADHKIRA_SERVER_URL", &url)
            .spawn()
            .context("could not start tadhkira-app")?;
        children.push(("tadhkira-app", app));
    }
    println!("\nRunning. Press Ctrl-C to stop.");

    let code = loop {
        if stop.load(Ordering::SeqCst) {
            println!("\nstopping…");
            break 0;
        }
        let mut exited = None;
        for (name, child) in children.iter_mut() {
            if let Some(status) = child.try_wait()? {
                exited = Some((*name, status));
            }
        }
        if let Some((name, status)) = exited {
            println!("{name} exited ({status}); stopping the rest");
            break if status.success() { 0 } else { 1 };
        }
        // A server process of the cluster may die: the others carry on (that is the
        // point); only the balancer's end ends the run.
        if let Some(c) = cluster.as_mut() {
            if !c.balancer_running() {
                println!("HAProxy exited; stopping the rest");
                break 1;
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    for (name, child) in children.iter_mut().rev() {
        terminate(name, child);
    }
    if let Some(c) = cluster {
        crate::cluster::stop(c);
    }
    Ok(code)
}

/// Starts `tadhkira-server serve` and waits for its `listening on URL` line.
fn start_server(
    bin: &std::path::Path,
    data_dir: &std::path::Path,
    port: u16,
) -> Result<(Child, String)> {
    let mut child = Command::new(bin.join("tadhkira-server"))
        .arg("serve")
        .arg("--bind")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(Stdio::piped())
        .spawn()
        .context("could not start tadhkira-server")?;
    let stdout = child.stdout.take().context("server stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut sent = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if !sent {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_string());
                    sent = true;
                    continue;
                }
            }
            println!("[server] {line}");
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(url) = rx.recv_timeout(Duration::from_millis(100)) {
            return Ok((child, url));
        }
        if let Some(status) = child.try_wait()? {
            bail!("tadhkira-server exited ({status}) before listening; is port {port} in use? Try --port");
        }
        if Instant::now() > deadline {
            terminate("tadhkira-server", &mut child);
            bail!("tadhkira-server did not start listening within 30 s");
        }
    }
}

/// SIGTERM, then SIGKILL after 5 s.
fn terminate(name: &str, child: &mut Child) {
    if matches!(child.try_wait(), Ok(Some(_))) {
        return;
    }
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if matches!(child.try_wait(), Ok(Some(_))) {
            println!("{name} stopped");
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    println!("{name} killed");
}
