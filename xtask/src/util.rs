//! Small helpers for running commands from the repository root.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};

use anyhow::{bail, Context, Result};

/// The repository root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the root")
        .to_path_buf()
}

/// Whether `program` is on `PATH` (or is an existing path).
pub fn on_path(program: &str) -> bool {
    if program.contains('/') {
        return Path::new(program).exists();
    }
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}

/// Prints a step header so long runs read as a story.
pub fn step(title: &str) {
    println!("\n==> {title}");
}

/// Runs a command with inherited output; fails unless it exits 0.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = status(cmd)?;
    if !status.success() {
        bail!("{} failed ({status})", describe(cmd));
    }
    Ok(())
}

/// Runs a command with inherited output and returns its exit status.
pub fn status(cmd: &mut Command) -> Result<ExitStatus> {
    cmd.status()
        .with_context(|| format!("could not start {}", describe(cmd)))
}

/// Runs a command, echoing its output live and also returning it (stdout + stderr).
pub fn run_tee(cmd: &mut Command) -> Result<(ExitStatus, String)> {
    use std::io::{BufRead, BufReader, Write};
    use std::sync::{Arc, Mutex};

    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start {}", describe(cmd)))?;
    let captured = Arc::new(Mutex::new(String::new()));
    let mut threads = Vec::new();
    let stdout = child
        .stdout
        .take()
        .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
    let stderr = child
        .stderr
        .take()
        .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>);
    for (stream, is_err) in [(stdout, false), (stderr, true)] {
        let Some(stream) = stream else { continue };
        let captured = Arc::clone(&captured);
        threads.push(std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                if is_err {
                    let _ = writeln!(std::io::stderr(), "{line}");
                } else {
                    let _ = writeln!(std::io::stdout(), "{line}");
                }
                let mut c = captured.lock().unwrap_or_else(|e| e.into_inner());
                c.push_str(&line);
                c.push('\n');
            }
        }));
    }
    let status = child.wait()?;
    for t in threads {
        let _ = t.join();
    }
    let out = captured.lock().unwrap_or_else(|e| e.into_inner()).clone();
    Ok((status, out))
}

/// `program arg arg…`, for messages.
pub fn describe(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// `cargo` as invoked by the user (respects `$CARGO`).
pub fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

/// The one build every command shares: `cargo build --workspace --bins`, debug or
/// release. `cargo xtask test`, `run` and `bench` all build exactly this (same packages,
/// same features, same profile), so whichever runs second finds the first one's build
/// and compiles nothing again. Building a subset (`-p …`) would unify features
/// differently and recompile sqlx, reqwest and the Tauri tree.
pub fn build_workspace(release: bool) -> Result<()> {
    let mut build = cargo();
    build.args(["build", "--workspace", "--bins"]);
    if release {
        build.arg("--release");
    }
    run(&mut build)
}

/// What the UI build is made from, below `ui/`.
const UI_SOURCES: &[&str] = &[
    "src",
    "public",
    "index.html",
    "package.json",
    "package-lock.json",
    "vite.config.ts",
    "svelte.config.js",
    "tsconfig.json",
];

/// Where a UI build records the fingerprint of the sources it was made from (below
/// `target/`: a file in ui/dist would be embedded in the app and rebuild it).
const UI_BUILT_FROM: &str = "target/ui-built-from";

/// Builds the UI into `ui/dist` (`npm run build`) and records what it was built from.
pub fn build_ui() -> Result<()> {
    step("UI build");
    run(npm().args(["run", "build"]))?;
    let record = root().join(UI_BUILT_FROM);
    if let Some(dir) = record.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(record, ui_fingerprint(&root().join("ui"))?.to_string())
        .context("recording what ui/dist was built from")
}

/// Builds the UI unless `ui/dist` was built from exactly the sources there are now. The
/// desktop crate embeds `ui/dist` and recompiles whenever its files change (vite
/// rewrites them all on every build), so a needless UI build would cost a Tauri
/// rebuild. Contents, not times, decide: the test run's type export rewrites
/// ui/src/generated with the same text after the UI was built.
pub fn build_ui_if_stale() -> Result<()> {
    let recorded = std::fs::read_to_string(root().join(UI_BUILT_FROM)).ok();
    let current = ui_fingerprint(&root().join("ui"))?.to_string();
    if root().join("ui/dist/index.html").exists() && recorded.as_deref() == Some(current.as_str()) {
        println!("ui/dist is up to date");
        return Ok(());
    }
    build_ui()
}

/// A hash of the UI's source files (paths and contents, in a fixed order).
fn ui_fingerprint(ui: &Path) -> Result<u64> {
    use std::hash::{Hash, Hasher};
    let mut files = Vec::new();
    for source in UI_SOURCES {
        collect_files(&ui.join(source), &mut files)?;
    }
    files.sort();
    let mut hasher = std::hash::DefaultHasher::new();
    for file in files {
        file.hash(&mut hasher);
        std::fs::read(&file)
            .with_context(|| format!("reading {}", file.display()))?
            .hash(&mut hasher);
    }
    Ok(hasher.finish())
}

/// Every file at or below `path` (nothing if it does not exist).
fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(path)? {
        collect_files(&entry?.path(), out)?;
    }
    Ok(())
}

/// `npm` in `ui/`.
pub fn npm() -> Command {
    let mut c = Command::new("npm");
    c.current_dir(root().join("ui"));
    c
}
