//! Live events at scale (issue 22): thousands of event streams open on one server
//! process, a reply timed until it has reached every one of them, and what the server
//! weighs while they are open.
//!
//! The streams are held by a minimal HTTP/1.1 client of the bench's own — the request
//! written on a TCP connection, the answer scanned for each event's `"seq":N` — rather
//! than by reqwest: the bench runs on the same two cores as the server, and the lighter
//! its ten thousand clients are, the more the figure is the server's. Each stream
//! counts as open once its first event (the head the server sends on connect) arrived.
//!
//! A reply is timed in rounds: before it is sent, the round's threshold is set to the
//! newest seq any stream has seen; each stream notes when it first sees a seq above it;
//! the round ends when every open stream has. Time-to-all is the last of those
//! moments, from just before the reply was sent.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

/// Streams connecting at once: more would overflow the server's listen queue and
/// wait on the kernel's SYN retries, which measures nothing.
const CONNECTING_AT_ONCE: usize = 256;

/// What every stream shares with the bench.
struct Shared {
    base: Instant,
    /// Streams whose first event arrived, and those still open.
    connected: AtomicUsize,
    open: AtomicUsize,
    /// Streams that ended before their first event (refused, closed).
    failed: AtomicUsize,
    /// Events received, all streams together, and the newest seq among them.
    events: AtomicU64,
    newest: AtomicI64,
    /// The current round and its threshold: a stream reaches the round with its first
    /// seq above `above`.
    round: AtomicU64,
    above: AtomicI64,
    reached: AtomicUsize,
    /// Per stream: the last round it reached, and when (ns after `base`).
    slots: Vec<Slot>,
}

#[derive(Default)]
struct Slot {
    round: AtomicU64,
    at_ns: AtomicU64,
}

impl Shared {
    fn now_ns(&self) -> u64 {
        self.base.elapsed().as_nanos() as u64
    }

    /// One event with `seq` arrived on stream `i`.
    fn event(&self, i: usize, seq: i64) {
        self.events.fetch_add(1, Ordering::Relaxed);
        self.newest.fetch_max(seq, Ordering::SeqCst);
        // The round first: a stream that sees a new round sees its threshold too.
        let round = self.round.load(Ordering::SeqCst);
        let above = self.above.load(Ordering::SeqCst);
        let slot = &self.slots[i];
        if round > 0 && seq > above && slot.round.load(Ordering::Relaxed) < round {
            slot.at_ns.store(self.now_ns(), Ordering::Relaxed);
            slot.round.store(round, Ordering::Release);
            self.reached.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Event streams held open on one server until dropped.
pub struct Listeners {
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
    /// How long opening all of them took.
    pub opened_in: Duration,
}

impl Drop for Listeners {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Listeners {
    /// Opens `n` event streams to the server at `url`, taking the `tokens` in turn, and
    /// returns once each has received its first event (an error if one was refused or
    /// they are not all open within `deadline`).
    pub async fn open(url: &str, tokens: &[String], n: usize, deadline: Duration) -> Result<Self> {
        anyhow::ensure!(!tokens.is_empty(), "no token to open streams with");
        let addr: SocketAddr = url
            .strip_prefix("http://")
            .context("the bench's streams speak plain HTTP")?
            .parse()
            .context("the server's address")?;
        let shared = Arc::new(Shared {
            base: Instant::now(),
            connected: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            events: AtomicU64::new(0),
            newest: AtomicI64::new(0),
            round: AtomicU64::new(0),
            above: AtomicI64::new(i64::MAX),
            reached: AtomicUsize::new(0),
            slots: (0..n).map(|_| Slot::default()).collect(),
        });
        let connecting = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
        let start = Instant::now();
        let mut tasks = Vec::with_capacity(n);
        for i in 0..n {
            let request = format!(
                "GET /api/v1/events HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {}\r\n\
                 Accept: text/event-stream\r\n\r\n",
                tokens[i % tokens.len()]
            );
            let (shared, connecting) = (Arc::clone(&shared), Arc::clone(&connecting));
            tasks.push(tokio::spawn(async move {
                let Ok(permit) = connecting.acquire_owned().await else {
                    return;
                };
                hold(&shared, i, addr, request, permit).await;
            }));
        }
        let mut listeners = Self {
            shared,
            tasks,
            opened_in: Duration::ZERO,
        };
        loop {
            let (connected, failed) = (listeners.connected(), listeners.failed());
            if failed > 0 {
                bail!("{failed} of {n} event streams were refused or closed before their first event ({connected} open)");
            }
            if connected >= n {
                break;
            }
            if start.elapsed() > deadline {
                bail!(
                    "only {connected} of {n} event streams open after {} s",
                    deadline.as_secs()
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        listeners.opened_in = start.elapsed();
        Ok(listeners)
    }

    /// Streams whose first event arrived.
    pub fn connected(&self) -> usize {
        self.shared.connected.load(Ordering::SeqCst)
    }

    /// Streams open now.
    pub fn open_now(&self) -> usize {
        self.shared.open.load(Ordering::SeqCst)
    }

    fn failed(&self) -> usize {
        self.shared.failed.load(Ordering::SeqCst)
    }

    /// Events received so far, all streams together.
    pub fn events(&self) -> u64 {
        self.shared.events.load(Ordering::Relaxed)
    }

    /// Times one round: runs `send` (which makes the server announce a change to every
    /// stream) and waits until every open stream has received a seq above the newest
    /// seen before; answers each stream's delay in ms from just before `send`.
    pub async fn time_to_all<F>(&self, send: F, timeout: Duration) -> Result<Vec<f64>>
    where
        F: std::future::Future<Output = Result<()>>,
    {
        let s = &self.shared;
        let n = self.open_now();
        s.reached.store(0, Ordering::SeqCst);
        s.above
            .store(s.newest.load(Ordering::SeqCst), Ordering::SeqCst);
        let round = s.round.fetch_add(1, Ordering::SeqCst) + 1;
        let t0 = s.now_ns();
        send.await?;
        let start = Instant::now();
        while s.reached.load(Ordering::SeqCst) < n {
            if start.elapsed() > timeout {
                bail!(
                    "only {} of {n} streams received the change within {} s ({} open now)",
                    s.reached.load(Ordering::SeqCst),
                    timeout.as_secs(),
                    self.open_now()
                );
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let delays = s
            .slots
            .iter()
            .filter(|slot| slot.round.load(Ordering::Acquire) == round)
            .map(|slot| slot.at_ns.load(Ordering::Relaxed).saturating_sub(t0) as f64 / 1e6)
            .collect();
        // Let the change's other events (if any) arrive before the next round takes
        // the newest seq as its threshold.
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(delays)
    }
}

/// Stream `i`: connects, sends `request`, and reads events until the connection ends;
/// gives the connecting permit back once the first event arrived.
async fn hold(
    shared: &Shared,
    i: usize,
    addr: SocketAddr,
    request: String,
    permit: tokio::sync::OwnedSemaphorePermit,
) {
    let mut permit = Some(permit);
    let fail = || {
        shared.failed.fetch_add(1, Ordering::SeqCst);
    };
    let Ok(mut tcp) = TcpStream::connect(addr).await else {
        return fail();
    };
    let _ = tcp.set_nodelay(true);
    if tcp.write_all(request.as_bytes()).await.is_err() {
        return fail();
    }
    drop(request);
    let mut pending: Vec<u8> = Vec::with_capacity(256);
    let mut buf = [0u8; 1024];
    let mut status_checked = false;
    loop {
        let read = match tcp.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(k) => k,
        };
        pending.extend_from_slice(&buf[..read]);
        if !status_checked {
            if pending.len() < 12 {
                continue;
            }
            if !pending.starts_with(b"HTTP/1.1 200") {
                return fail();
            }
            status_checked = true;
        }
        let consumed = scan_seqs(&pending, |seq| {
            if permit.take().is_some() {
                shared.connected.fetch_add(1, Ordering::SeqCst);
                shared.open.fetch_add(1, Ordering::SeqCst);
            }
            shared.event(i, seq);
        });
        pending.drain(..consumed);
    }
    if permit.is_some() {
        fail();
    } else {
        shared.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Calls `seen` with each complete `"seq":N` in `bytes`; answers how many bytes are done
/// with (the rest may hold the start of the next one).
fn scan_seqs(bytes: &[u8], mut seen: impl FnMut(i64)) -> usize {
    const KEY: &[u8] = b"\"seq\":";
    let mut from = 0;
    while let Some(at) = find(&bytes[from..], KEY) {
        let digits_at = from + at + KEY.len();
        let digits = bytes[digits_at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits_at + digits == bytes.len() {
            // The number may go on in the next read.
            return from + at;
        }
        if let Some(seq) = std::str::from_utf8(&bytes[digits_at..digits_at + digits])
            .ok()
            .and_then(|d| d.parse().ok())
        {
            seen(seq);
        }
        from = digits_at + digits;
    }
    // Keep a tail that may be the start of the key.
    bytes.len().saturating_sub(KEY.len() - 1).max(from)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Resident memory of process `pid`, MiB (`VmRSS`).
pub fn rss_mib(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("no VmRSS")?;
    Ok(kib / 1024.0)
}

/// Raises this process's soft limit on open files to its hard one (every stream is a
/// file here and one in the server, which inherits the limit); answers the limit.
pub fn raise_open_files_limit() -> Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one `rlimit` through a valid pointer.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        bail!("getrlimit: {}", std::io::Error::last_os_error());
    }
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max;
        // SAFETY: setrlimit reads one `rlimit` through a valid pointer.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
            bail!("setrlimit: {}", std::io::Error::last_os_error());
        }
    }
    // `rlim_t` is narrower on 32-bit Linux.
    #[allow(clippy::unnecessary_cast)]
    Ok(limit.rlim_cur as u64)
}

#[cfg(test)]
mod tests {
    use super::scan_seqs;

    fn seqs(chunks: &[&[u8]]) -> Vec<i64> {
        let (mut pending, mut out) = (Vec::new(), Vec::new());
        for c in chunks {
            pending.extend_from_slice(c);
            let done = scan_seqs(&pending, |s| out.push(s));
            pending.drain(..done);
        }
        out
    }

    #[test]
    fn seqs_are_found_across_reads_and_chunk_framing() {
        let whole: &[u8] =
            b"HTTP/1.1 200 OK\r\n\r\n1e\r\nevent: changes\ndata: {\"seq\":12}\n\n\r\n";
        assert_eq!(seqs(&[whole]), vec![12]);
        // Split inside the key and inside the number.
        assert_eq!(
            seqs(&[
                b"data: {\"se",
                b"q\":4",
                b"2}\n\n: keep-alive\n\ndata: {\"seq\":43}"
            ]),
            vec![42, 43]
        );
        // A number at the very end waits for its end.
        assert_eq!(seqs(&[b"data: {\"seq\":7"]), Vec::<i64>::new());
    }
}
