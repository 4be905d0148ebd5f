//! A private HAProxy in front of server processes, run from the configuration the
//! repository ships (`deploy/haproxy.cfg`) with only its addresses replaced: the
//! frontend's `bind` by a free loopback port, and its `server` lines by one line per
//! process given. So the timeouts, health checks and balancing the suites and the bench
//! run through are the ones an operator installs. Killed by its process id when dropped.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// The load balancer's configuration as shipped.
pub const SHIPPED_CONFIG: &str = include_str!("../../../deploy/haproxy.cfg");

/// How long HAProxy gets to accept connections after it starts.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// `config` with its one `bind` line listening on `bind` and its `server` lines
/// replaced by one per address of `servers` (named `tadhkira1`, `tadhkira2`…, with the
/// options of the first `server` line kept). An error when the file has no `bind`
/// line, more than one, or no `server` line: then it is not the file this expects.
pub fn render(config: &str, bind: SocketAddr, servers: &[SocketAddr]) -> Result<String> {
    anyhow::ensure!(!servers.is_empty(), "a balancer needs at least one server");
    let mut out = String::with_capacity(config.len() + servers.len() * 40);
    let (mut binds, mut server_lines) = (0, 0);
    for line in config.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        match words.first() {
            Some(&"bind") => {
                binds += 1;
                // Options after the address (none shipped) are kept.
                let rest = words.get(2..).unwrap_or_default().join(" ");
                out.push_str(format!("{indent}bind {bind} {rest}").trim_end());
                out.push('\n');
            }
            Some(&"server") => {
                server_lines += 1;
                if server_lines > 1 {
                    continue;
                }
                let rest = words.get(3..).unwrap_or_default().join(" ");
                for (i, addr) in servers.iter().enumerate() {
                    let line = format!("{indent}server tadhkira{} {addr} {rest}", i + 1);
                    out.push_str(line.trim_end());
                    out.push('\n');
                }
            }
            _ => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    anyhow::ensure!(
        binds == 1,
        "the balancer's configuration has {binds} `bind` lines; one is expected"
    );
    anyhow::ensure!(
        server_lines > 0,
        "the balancer's configuration has no `server` line"
    );
    Ok(out)
}

/// A running HAProxy; killed when dropped.
pub struct Balancer {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Balancer {
    /// Starts HAProxy with the shipped configuration on a free loopback port in front
    /// of `servers`, and returns once it accepts connections. Its log (one line per
    /// request) goes to `haproxy.log` in a temporary folder of its own.
    pub fn start(servers: &[SocketAddr]) -> Result<Self> {
        Self::start_at(None, servers)
    }

    /// [`Balancer::start`] listening on `bind` when given (`cargo xtask run --cluster`
    /// on its usual port), else on a free loopback port.
    pub fn start_at(bind: Option<SocketAddr>, servers: &[SocketAddr]) -> Result<Self> {
        let haproxy = crate::process::require_tool(
            "haproxy",
            "apt-get install haproxy (or `cargo xtask setup`)",
        )?;
        let dir = tempfile::Builder::new()
            .prefix("tadhkira-haproxy-")
            .tempdir()
            .context("temp dir")?;
        // A free port is found by binding and letting go; another program may take it
        // in between, so a start that cannot bind tries another.
        let tries = if bind.is_some() { 1 } else { 3 };
        let mut last_error = None;
        for _ in 0..tries {
            let addr = match bind {
                Some(addr) => addr,
                None => free_loopback_port()?,
            };
            match start_on(&haproxy, dir.path(), addr, servers) {
                Ok((child, log)) => {
                    return Ok(Self {
                        child,
                        addr,
                        log,
                        _dir: dir,
                    })
                }
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.unwrap_or_else(|| anyhow::anyhow!("HAProxy did not start")))
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What it logged so far (one line per request, and servers going down or up).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Whether it still runs.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Balancer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_loopback_port() -> Result<SocketAddr> {
    let l = TcpListener::bind("127.0.0.1:0").context("finding a free loopback port")?;
    Ok(l.local_addr()?)
}

/// Writes the configuration into `dir` and runs HAProxy in the foreground (`-db`) until
/// it accepts connections on `addr`, or fails with the end of its log.
fn start_on(
    haproxy: &Path,
    dir: &Path,
    addr: SocketAddr,
    servers: &[SocketAddr],
) -> Result<(Child, PathBuf)> {
    let config = dir.join("haproxy.cfg");
    std::fs::write(&config, render(SHIPPED_CONFIG, addr, servers)?)
        .with_context(|| format!("writing {}", config.display()))?;
    let log = dir.join("haproxy.log");
    let out = std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
    let mut child = Command::new(haproxy)
        .arg("-db")
        .arg("-f")
        .arg(&config)
        .stdin(Stdio::null())
        .stdout(Stdio::from(out.try_clone()?))
        .stderr(Stdio::from(out))
        .spawn()
        .context("starting haproxy")?;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok((child, log));
        }
        if let Some(status) = child.try_wait()? {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(5).collect();
            bail!("haproxy exited ({status}): {}", tail.join(" | "));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("haproxy did not accept connections on {addr} within {START_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(port: u16) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], port))
    }

    #[test]
    fn the_shipped_file_is_rendered_with_the_given_addresses_only() {
        let out = render(SHIPPED_CONFIG, addr(9000), &[addr(9001), addr(9002)]).unwrap();
        let servers: Vec<&str> = out
            .lines()
            .filter(|l| l.trim_start().starts_with("server "))
            .map(str::trim)
            .collect();
        assert_eq!(
            servers,
            [
                "server tadhkira1 127.0.0.1:9001",
                "server tadhkira2 127.0.0.1:9002"
            ]
        );
        assert!(out.contains("\n    bind 127.0.0.1:9000\n"), "{out}");
        // Everything else is the shipped file's.
        let others = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| {
                    let t = l.trim_start();
                    !t.starts_with("server ") && !t.starts_with("bind ")
                })
                .map(String::from)
                .collect()
        };
        assert_eq!(others(&out), others(SHIPPED_CONFIG));
        assert!(out.contains("timeout tunnel 1h") && out.contains("balance leastconn"));
    }

    #[test]
    fn a_file_that_is_not_the_expected_shape_is_refused() {
        let e = render("frontend x\n", addr(1), &[addr(2)]).unwrap_err();
        assert!(e.to_string().contains("0 `bind` lines"), "{e}");
        let e = render("bind 1.2.3.4:5\n", addr(1), &[addr(2)]).unwrap_err();
        assert!(e.to_string().contains("no `server` line"), "{e}");
        assert!(render(SHIPPED_CONFIG, addr(1), &[]).is_err());
    }

    #[test]
    fn haproxy_accepts_the_shipped_file_as_rendered() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(
            &path,
            render(SHIPPED_CONFIG, addr(9000), &[addr(9001)]).unwrap(),
        )
        .unwrap();
        let haproxy = crate::process::require_tool("haproxy", "apt-get install haproxy").unwrap();
        let out = Command::new(haproxy)
            .arg("-c")
            .arg("-f")
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
