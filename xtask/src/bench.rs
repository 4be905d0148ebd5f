//! `cargo xtask bench`: builds in release mode and prints the performance figures.
//!
//! The figures come from `tadhkira-bench` (crates/bench), which runs real server
//! processes on loopback and real SQLite files; they are also written as JSON to
//! `target/bench/latest.json`. Benchmarks print figures, they never fail a test run.

use anyhow::Result;

use crate::util::{self, cargo, step};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Small sizes, to check that every figure runs.
    #[arg(long)]
    quick: bool,
    /// Runs of each measurement.
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

pub fn bench(args: BenchArgs) -> Result<i32> {
    step("Release build");
    util::run(cargo().args([
        "build",
        "--release",
        "-p",
        "tadhkira-server",
        "-p",
        "tadhkira-bench",
    ]))?;
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
    util::run(&mut run)?;
    Ok(0)
}
