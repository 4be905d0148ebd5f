//! `cargo xtask` — the only entry points a newcomer needs.
//!
//! - `cargo xtask run`: install what is missing, build, start a local central helpdesk
//!   with demo data and open the desktop app on it (`--cluster N`: N server processes
//!   on PostgreSQL behind HAProxy).
//! - `cargo xtask test`: every check and test suite, ending with `N passed, M failed`.
//! - `cargo xtask bench`: the performance figures, in release mode.
//! - `cargo xtask bundle`: installable packages of the app and the server (`.deb`,
//!   `.rpm` here), from the same release build as the bench.
//! - `cargo xtask setup`: only the system packages and tools (what `.ci/run` calls first).

mod bench;
mod bundle;
mod cluster;
mod run;
mod setup;
mod test;
mod util;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Tadhkira's build, run and test tasks")]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Set up, start the demo helpdesk on 127.0.0.1 and open the app on it.
    Run(run::RunArgs),
    /// Run every check and test; prints `N passed, M failed` last.
    Test(test::TestArgs),
    /// Build in release mode and print the performance figures (also as JSON).
    Bench(bench::BenchArgs),
    /// Build the release app and server into packages (.deb, .rpm) in target/release/packages.
    Bundle(bundle::BundleArgs),
    /// Make a key pair for signing the app's updates (see `bundle --sign-key`).
    UpdaterKey(bundle::UpdaterKeyArgs),
    /// Install the system packages and tools the app and its tests need.
    Setup,
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Run(args) => run::run(args),
        Task::Test(args) => test::test(args),
        Task::Bench(args) => bench::bench(args),
        Task::Bundle(args) => bundle::bundle(args),
        Task::UpdaterKey(args) => bundle::updater_key(args),
        Task::Setup => setup::ensure_all(),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            std::process::exit(1);
        }
    }
}
