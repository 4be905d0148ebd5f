//! `cargo xtask bench`: builds in release mode and prints the performance figures.
//!
//! The figures come from `tadhkira-bench` (crates/bench), which runs real server
//! processes on loopback and real SQLite files, and the desktop app's release build
//! under Xvfb (figure 7); they are also written as JSON to `target/bench/latest.json`.
//! Benchmarks print figures, they never fail a test run.
//!
//! `--peers` first runs the PouchDB kit (`../shared/peers/pouchdb`, or `--peers-dir`):
//! PouchDB replicating with pouchdb-server on this machine, at the same sizes, in the
//! same invocation; the figures then print push, pull and live latency beside PouchDB's
//! as ratios.

use anyhow::Result;

use crate::setup;
use crate::util::{self, npm, step};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Small sizes, to check that every figure runs.
    #[arg(long)]
    quick: bool,
    /// Runs of each measurement.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Only these groups of figures (push, pg, pull, alert, rest, kb, files, cluster, app).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Run the PouchDB peer first and print each push/pull/live figure beside it.
    #[arg(long)]
    peers: bool,
    /// Where the PouchDB kit is (`npm ci && node bench.mjs --out FILE`).
    #[arg(long, default_value = "../shared/peers/pouchdb")]
    peers_dir: std::path::PathBuf,
}

pub fn bench(args: BenchArgs) -> Result<i32> {
    // The app is part of the one release build (`cargo build --release --workspace
    // --bins`, which the figures share with any release build made before: after one,
    // this compiles nothing again), so its packages and the UI it embeds are needed
    // even when figure 7 is not asked for. Xvfb and D-Bus are for figure 7, HAProxy
    // for figure 11 (the cluster).
    setup::ensure_packages(
        &[
            setup::BUILD_PACKAGES,
            &["xvfb", "dbus"],
            setup::CLUSTER_PACKAGES,
        ]
        .concat(),
    )?;
    setup::ensure_node()?;
    if !util::root().join("ui/node_modules").exists() {
        step("UI dependencies (npm ci)");
        util::run(npm().args(["ci", "--no-audit", "--no-fund"]))?;
    }
    util::build_ui_if_stale()?;
    step("Release build");
    util::build_workspace(true)?;
    let peer_json = util::root().join("target/bench/pouchdb.json");
    if args.peers {
        let kit = util::root().join(&args.peers_dir);
        anyhow::ensure!(
            kit.join("bench.mjs").exists(),
            "--peers needs the PouchDB kit at {} (bench.mjs); give its folder with --peers-dir",
            kit.display()
        );
        step("PouchDB peer (npm ci, node bench.mjs)");
        util::run(
            npm()
                .current_dir(&kit)
                .args(["ci", "--no-audit", "--no-fund"]),
        )?;
        std::fs::create_dir_all(util::root().join("target/bench"))?;
        let mut node = std::process::Command::new("node");
        node.current_dir(&kit)
            .arg("bench.mjs")
            .arg("--runs")
            .arg(args.runs.to_string())
            .arg("--out")
            .arg(&peer_json);
        if args.quick {
            node.args(["--sizes", "10,100,1000", "--live", "100"]);
        } else {
            node.args(["--sizes", "1000,10000,100000"]);
        }
        util::run(&mut node)?;
    }
    step("Figures");
    let json = util::root().join("target/bench/latest.json");
    let mut run = std::process::Command::new(util::root().join("target/release/tadhkira-bench"));
    run.arg("--runs")
        .arg(args.runs.to_string())
        .arg("--json")
        .arg(&json);
    if args.quick {
        run.arg("--quick");
    }
    if !args.only.is_empty() {
        run.arg("--only").arg(args.only.join(","));
    }
    if args.peers {
        run.arg("--peer").arg(&peer_json);
    }
    util::run(&mut run)?;
    Ok(0)
}
