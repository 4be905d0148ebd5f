//! Child processes that never outlive their owner: [`Processes`] stops each by its
//! process id (or its process group's id) when dropped, so a failing test or an
//! interrupted bench run cleans up too. Never by name: other runs may share the machine.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

/// How long a process group gets to end after SIGTERM before its leader is killed.
const GRACE: Duration = Duration::from_secs(5);

/// Children started for one purpose, stopped newest first when dropped.
#[derive(Default)]
pub struct Processes {
    children: Vec<Started>,
}

struct Started {
    name: &'static str,
    child: Child,
    /// The child leads its own process group (spawned with `process_group(0)`), which
    /// holds what it started in turn (WebKit's processes, the app under tauri-driver).
    group: bool,
}

impl Processes {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps `child`, to be killed (SIGKILL) on drop.
    pub fn keep(&mut self, name: &'static str, child: Child) {
        self.children.push(Started {
            name,
            child,
            group: false,
        });
    }

    /// Keeps `child`, which was spawned as the leader of its own process group: on drop
    /// the whole group gets SIGTERM, and the leader SIGKILL if it is still there after
    /// a few seconds.
    pub fn keep_group(&mut self, name: &'static str, child: Child) {
        self.children.push(Started {
            name,
            child,
            group: true,
        });
    }

    /// The names of the children kept, oldest first.
    pub fn names(&self) -> Vec<&'static str> {
        self.children.iter().map(|s| s.name).collect()
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        for s in self.children.iter_mut().rev() {
            if s.group {
                let _ = Command::new("kill")
                    .args(["-TERM", "--", &format!("-{}", s.child.id())])
                    .status();
                let deadline = Instant::now() + GRACE;
                while Instant::now() < deadline && !matches!(s.child.try_wait(), Ok(Some(_))) {
                    std::thread::sleep(Duration::from_millis(50));
                }
            }
            let _ = s.child.kill();
            let _ = s.child.wait();
        }
    }
}

/// The first line `child` prints on its (piped) stdout, within `timeout`. The rest is
/// read and dropped on a thread, so the child never blocks on a full pipe.
pub fn first_line(child: &mut Child, what: &str, timeout: Duration) -> Result<String> {
    let stdout = child.stdout.take().context("piped stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        if let Some(Ok(line)) = lines.next() {
            let _ = tx.send(line);
        }
        for _ in lines {}
    });
    rx.recv_timeout(timeout)
        .with_context(|| format!("{what} did not start within {timeout:?}"))
}

/// Where the tool `name` is (on `PATH`, or in `~/.cargo/bin` where `cargo install`
/// puts it), or an error naming it and how to install it.
pub fn require_tool(name: &str, install: &str) -> Result<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        dirs.push(Path::new(&home).join(".cargo/bin"));
    }
    dirs.iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
        .with_context(|| format!("{name} is missing: {install}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;

    fn alive(pid: u32) -> bool {
        // A zombie still has a /proc entry; its state letter is Z.
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .map(|s| {
                !s.rsplit_once(')')
                    .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
            })
            .unwrap_or(false)
    }

    #[test]
    fn dropping_stops_children_and_their_groups() {
        let plain = Command::new("sleep").arg("600").spawn().unwrap();
        // A shell leading its own group, with a grandchild in that group.
        let mut group = Command::new("sh")
            .args(["-c", "sleep 600 & echo $!; wait"])
            .stdout(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        let grandchild: u32 = first_line(&mut group, "sh", Duration::from_secs(5))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let (a, b) = (plain.id(), group.id());
        let mut p = Processes::new();
        p.keep("sleep", plain);
        p.keep_group("sh", group);
        assert_eq!(p.names(), ["sleep", "sh"]);
        assert!(alive(a) && alive(b) && alive(grandchild));
        drop(p);
        assert!(!alive(a), "the plain child was killed");
        assert!(!alive(b), "the group's leader ended");
        let deadline = Instant::now() + Duration::from_secs(5);
        while alive(grandchild) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(grandchild), "the group's other members ended");
    }

    #[test]
    fn a_missing_tool_is_named_with_its_install_hint() {
        let e = require_tool("no-such-tool-here", "apt-get install it").unwrap_err();
        assert_eq!(
            e.to_string(),
            "no-such-tool-here is missing: apt-get install it"
        );
        assert!(require_tool("sh", "").is_ok());
    }
}
