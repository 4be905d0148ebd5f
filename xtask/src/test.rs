//! `cargo xtask test`: every check and suite in one command.
//!
//! Order: system setup → UI install, build, type check, unit tests, browser tests →
//! `cargo fmt --check` → clippy → one debug build of the workspace (the same build
//! `cargo xtask run` makes, reused by every suite) → nextest over the workspace, which
//! includes the end-to-end suites that drive real server processes and the real app and
//! the tests that export the generated TypeScript types → those types up to date.
//! Every step runs even when an earlier one failed, so one run shows everything; the
//! last line is `N passed, M failed` and the exit code is non-zero on any failure.

use std::process::Command;

use anyhow::Result;

use crate::util::{self, cargo, npm, step};

#[derive(clap::Args)]
pub struct TestArgs {
    /// Skip installing system packages and tools (they must already be there).
    #[arg(long)]
    no_setup: bool,
    /// Run the reliability soak (issue 21) for N minutes on EACH database instead of
    /// the bounded 60 s in all (sets TADHKIRA_SOAK_MINUTES; the soak then has no time
    /// limit in nextest). Its figures are the line starting `reliability:`.
    #[arg(long, value_name = "N")]
    soak_minutes: Option<u64>,
    /// Run each fuzz target (the `fuzz_*` tests, issue 21) for N seconds of random
    /// inputs instead of bolero's 1 s (sets BOLERO_RANDOM_TEST_TIME_MS). A failure
    /// prints the BOLERO_RANDOM_SEED that replays it.
    #[arg(long, value_name = "N")]
    fuzz_seconds: Option<u64>,
}

/// What one step counted.
struct StepResult {
    name: String,
    passed: u64,
    failed: u64,
    /// Lines of figures a suite printed for the summary (the reliability soak's
    /// `reliability: faults N, kills N, …`).
    figures: Vec<String>,
}

pub fn test(args: TestArgs) -> Result<i32> {
    let started = std::time::Instant::now();
    let mut results: Vec<StepResult> = Vec::new();

    if !args.no_setup {
        results.push(check("setup", || crate::setup::ensure_all().map(|_| ())));
    }

    // The UI first: the desktop crate embeds ui/dist at compile time, so clippy and the
    // build need it.
    results.push(check("ui: npm ci", || {
        step("UI dependencies (npm ci)");
        util::run(npm().arg("ci").arg("--no-audit").arg("--no-fund"))
    }));
    results.push(check("ui: build", util::build_ui));
    results.push(check("ui: type check and lint", || {
        step("UI type check and lint");
        util::run(npm().args(["run", "check"]))
    }));
    results.push(counted("ui: unit tests", npm().args(["run", "test:unit"])));
    results.push(counted(
        "ui: browser tests",
        npm().args(["run", "test:browser"]),
    ));

    results.push(check("cargo fmt --check", || {
        step("cargo fmt --check");
        util::run(cargo().args(["fmt", "--all", "--check"]))
    }));
    results.push(check("cargo clippy", || {
        step("cargo clippy --all-targets -- -D warnings");
        util::run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    }));
    results.push(check("cargo build (debug, reused by every suite)", || {
        step("cargo build --workspace --bins");
        util::build_workspace(false)
    }));
    step("Rust tests (nextest), end-to-end suites included");
    // The wire, engine and app crates derive their TypeScript types by default, and
    // ts-rs adds an `export_bindings_*` test per exported type: the suites below write
    // every type into ui/src/generated as part of the one test build.
    let generated = util::root().join("ui/src/generated");
    // The file system's own clock (coarser than the system's), so a file written after
    // this moment never looks older than it.
    let exported_from = file_clock(&util::root().join("target/types-exported-from"));
    let mut nextest = cargo();
    nextest
        .args(["nextest", "run", "--workspace", "--no-fail-fast"])
        .env("TS_RS_EXPORT_DIR", &generated);
    if let Some(minutes) = args.soak_minutes {
        // The `soak` profile (.config/nextest.toml) lifts the soak's time limit.
        nextest
            .args(["--profile", "soak"])
            .env("TADHKIRA_SOAK_MINUTES", minutes.to_string());
    }
    if let Some(seconds) = args.fuzz_seconds {
        nextest.env("BOLERO_RANDOM_TEST_TIME_MS", (seconds * 1000).to_string());
    }
    results.push(counted("rust: nextest", &mut nextest));
    results.push(check("generated TypeScript types are up to date", || {
        step("Generated TypeScript types");
        generated_types_current(&generated, exported_from?)
    }));

    println!("\n==> Summary ({} s)", started.elapsed().as_secs());
    for line in results.iter().flat_map(|r| &r.figures) {
        println!("  {line}");
    }
    let (mut passed, mut failed) = (0, 0);
    for r in &results {
        let mark = if r.failed == 0 { "ok  " } else { "FAIL" };
        println!(
            "  {mark} {:<48} {} passed, {} failed",
            r.name, r.passed, r.failed
        );
        passed += r.passed;
        failed += r.failed;
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 { 0 } else { 1 })
}

/// Writes `marker` and returns its modification time: "now" as the file system stamps it.
fn file_clock(marker: &std::path::Path) -> Result<std::time::SystemTime> {
    if let Some(dir) = marker.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(marker, b"")?;
    Ok(std::fs::metadata(marker)?.modified()?)
}

/// Checks what the test run's `export_bindings_*` tests wrote into `generated`: nothing
/// new or changed against git (the committed files are what the UI was built and checked
/// with), and no file left that no Rust type wrote (a type renamed or deleted in Rust).
fn generated_types_current(
    generated: &std::path::Path,
    exported_from: std::time::SystemTime,
) -> Result<()> {
    let mut stale = Vec::new();
    for entry in std::fs::read_dir(generated)? {
        let path = entry?.path();
        let written = std::fs::metadata(&path)?.modified()?;
        if path.is_file() && written < exported_from {
            stale.push(path.display().to_string());
        }
    }
    anyhow::ensure!(
        stale.is_empty(),
        "ui/src/generated holds files no Rust type exports any more: delete them\n{}",
        stale.join("\n")
    );
    if util::root().join(".git").exists() {
        // New, changed or deleted files all count (`git diff` would miss new ones).
        let out = Command::new("git")
            .current_dir(util::root())
            .args(["status", "--porcelain", "--"])
            .arg(generated)
            .output()?;
        anyhow::ensure!(
            out.stdout.is_empty(),
            "ui/src/generated differs from the Rust types: commit the regenerated files\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    Ok(())
}

/// A step that is one check: it passes or fails as a whole.
fn check(name: &str, f: impl FnOnce() -> Result<()>) -> StepResult {
    match f() {
        Ok(()) => StepResult {
            name: name.into(),
            passed: 1,
            failed: 0,
            figures: Vec::new(),
        },
        Err(e) => {
            eprintln!("xtask: {name}: {e:#}");
            StepResult {
                name: name.into(),
                passed: 0,
                failed: 1,
                figures: Vec::new(),
            }
        }
    }
}

/// The lines of figures in a runner's output: those starting with `reliability: `.
fn figure_lines(output: &str) -> Vec<String> {
    output
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("reliability: "))
        .map(str::to_owned)
        .collect()
}

/// A step that runs a test runner; its own `N passed` / `M failed` counts are used.
fn counted(name: &str, cmd: &mut Command) -> StepResult {
    step(name);
    match util::run_tee(cmd) {
        Ok((status, output)) => {
            let (mut passed, mut failed) = parse_counts(&output);
            if !status.success() && failed == 0 {
                // The runner failed without saying how many tests did: count the step.
                failed = 1;
            }
            if status.success() && passed == 0 && failed == 0 {
                eprintln!("xtask: {name}: the runner reported no tests");
                failed = 1;
            }
            if passed + failed == 0 {
                passed = 1;
            }
            StepResult {
                name: name.into(),
                passed,
                failed,
                figures: figure_lines(&output),
            }
        }
        Err(e) => {
            eprintln!("xtask: {name}: {e:#}");
            StepResult {
                name: name.into(),
                passed: 0,
                failed: 1,
                figures: Vec::new(),
            }
        }
    }
}

/// Reads test counts from a runner's closing lines: the last line that says
/// `N passed` (nextest, vitest, node's runner, playwright) and its `M failed` /
/// `K timed out`.
fn parse_counts(output: &str) -> (u64, u64) {
    for line in output.lines().rev() {
        let clean = strip_ansi(line);
        let words: Vec<&str> = clean
            .split(|c: char| c.is_whitespace() || c == ',' || c == '|' || c == '(' || c == ')')
            .filter(|w| !w.is_empty())
            .collect();
        let mut passed = None;
        let mut failed = 0;
        for pair in words.windows(2) {
            let Ok(n) = pair[0].parse::<u64>() else {
                continue;
            };
            match pair[1] {
                "passed" | "pass" => passed = Some(n),
                "failed" | "fail" | "timed" => failed += n,
                _ => {}
            }
        }
        if let Some(p) = passed {
            return (p, failed);
        }
    }
    // Node's test runner closes with `ℹ pass N` and `ℹ fail M` on separate lines.
    let mut node: (Option<u64>, u64) = (None, 0);
    for line in output.lines() {
        let clean = strip_ansi(line);
        let words: Vec<&str> = clean.split_whitespace().collect();
        for pair in words.windows(2) {
            match (pair[0], pair[1].parse::<u64>()) {
                ("pass", Ok(n)) => node.0 = Some(n),
                ("fail", Ok(n)) => node.1 = n,
                _ => {}
            }
        }
    }
    match node {
        (Some(p), f) => (p, f),
        (None, _) => (0, 0),
    }
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // Skip `ESC [ … letter`.
            if chars.peek() == Some(&'[') {
                chars.next();
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{file_clock, generated_types_current, parse_counts};

    #[test]
    fn a_generated_file_no_type_wrote_in_this_run_is_reported() {
        let dir = tempfile_dir();
        std::fs::write(dir.join("Gone.ts"), "export type Gone = string;\n").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let exported_from = file_clock(&dir.with_extension("clock")).unwrap();
        std::fs::write(dir.join("Kept.ts"), "export type Kept = string;\n").unwrap();
        let err = generated_types_current(&dir, exported_from)
            .unwrap_err()
            .to_string();
        assert!(err.contains("Gone.ts") && !err.contains("Kept.ts"), "{err}");
        std::fs::remove_file(dir.join("Gone.ts")).unwrap();
        assert!(generated_types_current(&dir, exported_from).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
        std::fs::remove_file(dir.with_extension("clock")).unwrap();
    }

    /// A fresh folder outside the repository (git status ignores it there).
    fn tempfile_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-generated-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn keeps_the_reliability_figures_for_the_summary() {
        let out = "        PASS [ 90.1s] tadhkira-tests::reliability_soak a_soak\n\
                   reliability: faults 12, kills 2, operations 900, lost 0, duplicated 0, integrity errors 0\n\
                   reliability (SQLite): faults 6\n";
        assert_eq!(
            super::figure_lines(out),
            ["reliability: faults 12, kills 2, operations 900, lost 0, duplicated 0, integrity errors 0"]
        );
    }

    #[test]
    fn reads_nextest_vitest_and_node_summaries() {
        let nextest = "     Summary [  12.003s] 45 tests run: 43 passed, 2 failed, 0 skipped\n";
        assert_eq!(parse_counts(nextest), (43, 2));
        let vitest = " Test Files  2 passed (2)\n      Tests  1 failed | 11 passed (12)\n";
        assert_eq!(parse_counts(vitest), (11, 1));
        let node = "ℹ tests 5\nℹ pass 4\nℹ fail 1\n";
        assert_eq!(parse_counts(node), (4, 1));
        let timed = "Summary [1s] 3 tests run: 1 passed, 1 failed, 1 timed out, 0 skipped";
        assert_eq!(parse_counts(timed), (1, 2));
        assert_eq!(parse_counts("\u{1b}[32m7 passed\u{1b}[0m"), (7, 0));
    }
}
