//! `cargo xtask bench`: builds in release mode and prints the performance figures.
//!
//! The figures come from `tadhkira-bench` (crates/bench), which runs real server
//! processes on loopback and real SQLite files, and the desktop app's release build
//! under Xvfb (figure 7); they are also written as JSON to `target/bench/latest.json`.
//! Benchmarks print figures, they never fail a test run.

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
    /// Only these groups of figures (push, pg, reference, pull, alert, rest, app).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

pub fn bench(args: BenchArgs) -> Result<i32> {
    // The app is part of the one release build (`cargo build --release --workspace
    // --bins`, which the figures share with any release build made before: after one,
    // this compiles nothing again), so its packages and the UI it embeds are needed
    // even when figure 7 is not asked for. Xvfb and D-Bus are for figure 7.
    setup::ensure_packages(&[setup::BUILD_PACKAGES, &["xvfb", "dbus"]].concat())?;
    setup::ensure_node()?;
    if !util::root().join("ui/node_modules").exists() {
        step("UI dependencies (npm ci)");
        util::run(npm().args(["ci", "--no-audit", "--no-fund"]))?;
    }
    util::build_ui_if_stale()?;
    step("Release build");
    util::build_workspace(true)?;
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
    util::run(&mut run)?;
    Ok(0)
}
