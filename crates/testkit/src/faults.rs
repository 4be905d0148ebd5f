//! A fault-injecting TCP proxy on loopback, to put between clients and the server: each
//! connection it accepts is either passed through or given one fault drawn from a
//! seeded random schedule, so a failing run can be replayed with the same seed.
//!
//! The faults are those real networks produce: a connection cut in the middle of the
//! request (the server never sees all of it) or of the response (the server applied the
//! request, the client never learns it), a stall longer than the client's timeout, a
//! response trickled a few bytes at a time, a reset (RST) and a black hole that accepts
//! and never answers. The cut-mid-response is the one that tests exactly-once: the
//! client must retry and the server must answer the retry as a duplicate.
//!
//! The proxy runs on the caller's tokio runtime. [`FaultProxy::heal`] turns faults off
//! (new connections pass through) so a test can let every client converge at the end.
//!
//! Replaying: [`seed_from_env`] takes the seed from `TADHKIRA_FAULT_SEED` (else a random
//! one) and prints it; keep a [`SeedOnFailure`] alive for the run and a failing test
//! prints the seed again beside its panic. The same seed draws the same faults in the
//! same order of connections (the timing of a loaded machine may still differ).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The environment variable that replays a schedule.
pub const SEED_VAR: &str = "TADHKIRA_FAULT_SEED";

/// Reads a seed as `TADHKIRA_FAULT_SEED` gives it: `None` (unset) draws a random one; a
/// value that is not a whole number is an error naming the variable, never a silent
/// random run.
pub fn parse_seed(value: Option<&str>) -> Result<u64, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(rand::random()),
        Some(v) => v
            .parse()
            .map_err(|_| format!("{SEED_VAR}={v:?} is not a whole number (0 to 2^64-1)")),
    }
}

/// The seed of this run, from `TADHKIRA_FAULT_SEED` or random, printed to stderr with
/// how to replay it; panics when the variable holds something else than a number.
pub fn seed_from_env(what: &str) -> u64 {
    let seed =
        parse_seed(std::env::var(SEED_VAR).ok().as_deref()).unwrap_or_else(|e| panic!("{e}"));
    eprintln!("{what}: fault schedule seed {seed} (replay with {SEED_VAR}={seed})");
    seed
}

/// Prints the seed again when dropped during a panic: the line then sits beside the
/// failure in the test's output instead of at its start.
pub struct SeedOnFailure {
    /// What ran (the test's name).
    pub what: String,
    /// Its seed.
    pub seed: u64,
}

impl Drop for SeedOnFailure {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "{} FAILED with fault schedule seed {}: replay with {SEED_VAR}={}",
                self.what, self.seed, self.seed
            );
        }
    }
}

/// What the proxy does to one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Forwarded untouched, for at most `for_ms` while faults are on (like a NAT or a
    /// server dropping a connection it kept alive), without limit once healed. Without
    /// the limit a client would keep its first healthy connection and meet no faults.
    Pass { for_ms: Option<u64> },
    /// Both sides closed after this many bytes of the request reached the server.
    CutRequest { after: usize },
    /// The request is forwarded whole; both sides closed after this many bytes of the
    /// response reached the client.
    CutResponse { after: usize },
    /// After this many response bytes nothing moves for `for_ms`, then both sides close.
    Stall { after: usize, for_ms: u64 },
    /// The response reaches the client in chunks of at most `chunk` bytes, `delay_ms`
    /// apart.
    Trickle { chunk: usize, delay_ms: u64 },
    /// The client's connection is reset (RST) before anything is forwarded.
    Reset,
    /// Accepted, read and never answered, until the client gives up.
    BlackHole,
}

/// The kinds of [`Fault`], for counting.
pub const FAULT_KINDS: [&str; 7] = [
    "pass",
    "cut_request",
    "cut_response",
    "stall",
    "trickle",
    "reset",
    "black_hole",
];

impl Fault {
    fn kind(self) -> usize {
        match self {
            Fault::Pass { .. } => 0,
            Fault::CutRequest { .. } => 1,
            Fault::CutResponse { .. } => 2,
            Fault::Stall { .. } => 3,
            Fault::Trickle { .. } => 4,
            Fault::Reset => 5,
            Fault::BlackHole => 6,
        }
    }
}

/// How often and how hard the proxy strikes.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    /// Seed of the random choices (printed by the tests; set it to replay a run).
    pub seed: u64,
    /// Share of connections given a fault, 0.0–1.0.
    pub fault_rate: f64,
    /// How long a stall lasts: make it longer than the client's request timeout.
    pub stall_ms: u64,
}

struct Shared {
    upstream: SocketAddr,
    /// Bumped by [`FaultProxy::strike`]: every open connection closes, so none made
    /// while healed outlives the start of the faults in a client's pool.
    generation: tokio::sync::watch::Sender<u64>,
    schedule: Schedule,
    faulty: AtomicBool,
    rng: Mutex<StdRng>,
    counts: [AtomicU64; FAULT_KINDS.len()],
}

impl Shared {
    fn draw(&self) -> Fault {
        if !self.faulty.load(Ordering::SeqCst) {
            return Fault::Pass { for_ms: None };
        }
        let mut rng = self.rng.lock().expect("the proxy's random source");
        if !rng.gen_bool(self.schedule.fault_rate.clamp(0.0, 1.0)) {
            return Fault::Pass {
                for_ms: Some(rng.gen_range(20..400)),
            };
        }
        match rng.gen_range(0..6) {
            0 => Fault::CutRequest {
                after: rng.gen_range(0..400),
            },
            // Most of these land after the status line and headers, i.e. after the
            // server has done the work.
            1 => Fault::CutResponse {
                after: rng.gen_range(0..600),
            },
            2 => Fault::Stall {
                after: rng.gen_range(0..300),
                for_ms: self.schedule.stall_ms,
            },
            3 => Fault::Trickle {
                chunk: rng.gen_range(1..64),
                delay_ms: rng.gen_range(1..15),
            },
            4 => Fault::Reset,
            _ => Fault::BlackHole,
        }
    }
}

/// A running proxy; stops accepting when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultProxy {
    /// Listens on a free loopback port and forwards to `upstream`, with faults on.
    pub async fn start(upstream: SocketAddr, schedule: Schedule) -> std::io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            schedule,
            generation: tokio::sync::watch::channel(0).0,
            faulty: AtomicBool::new(true),
            rng: Mutex::new(StdRng::seed_from_u64(schedule.seed)),
            counts: Default::default(),
        });
        let accept = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let fault = accept.draw();
                accept.counts[fault.kind()].fetch_add(1, Ordering::Relaxed);
                let upstream = accept.upstream;
                let mut generation = accept.generation.subscribe();
                generation.mark_unchanged();
                tokio::spawn(async move {
                    // A failed connection is the point of the exercise: nothing to report.
                    tokio::select! {
                        _ = serve(client, upstream, fault) => {}
                        _ = generation.changed() => {}
                    }
                });
            }
        });
        Ok(Self { addr, shared, task })
    }

    /// `http://127.0.0.1:PORT` of the proxy.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// New connections pass through untouched from now on.
    pub fn heal(&self) {
        self.shared.faulty.store(false, Ordering::SeqCst);
    }

    /// Closes every open connection, and new ones meet faults again (the state a proxy
    /// starts in).
    pub fn strike(&self) {
        self.shared.faulty.store(true, Ordering::SeqCst);
        self.shared.generation.send_modify(|g| *g += 1);
    }

    /// Connections handled so far, by kind (in the order of [`FAULT_KINDS`]).
    pub fn counts(&self) -> [u64; FAULT_KINDS.len()] {
        std::array::from_fn(|i| self.shared.counts[i].load(Ordering::Relaxed))
    }

    /// Connections given a fault so far.
    pub fn faults_injected(&self) -> u64 {
        self.counts().iter().skip(1).sum()
    }

    /// `cut_request=3 cut_response=5 …`, for a test's summary line.
    pub fn summary(&self) -> String {
        let counts = self.counts();
        FAULT_KINDS
            .iter()
            .zip(counts)
            .map(|(k, n)| format!("{k}={n}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Handles one accepted connection with its fault.
async fn serve(client: TcpStream, upstream: SocketAddr, fault: Fault) -> std::io::Result<()> {
    match fault {
        Fault::Reset => {
            // A zero linger turns the close into a reset.
            client.set_zero_linger()?;
            drop(client);
            return Ok(());
        }
        Fault::BlackHole => {
            let mut client = client;
            let mut sink = [0u8; 4096];
            while client.read(&mut sink).await? > 0 {}
            return Ok(());
        }
        _ => {}
    }
    let server = TcpStream::connect(upstream).await?;
    let (mut client_rx, mut client_tx) = client.into_split();
    let (mut server_rx, mut server_tx) = server.into_split();
    let request_limit = match fault {
        Fault::CutRequest { after } => Some(after),
        _ => None,
    };
    let up = async move {
        pump(&mut client_rx, &mut server_tx, request_limit, None).await?;
        // Half-close towards the server as the client did.
        server_tx.shutdown().await
    };
    let down = async move {
        match fault {
            Fault::CutResponse { after } => {
                pump(&mut server_rx, &mut client_tx, Some(after), None).await?;
            }
            Fault::Stall { after, for_ms } => {
                pump(&mut server_rx, &mut client_tx, Some(after), None).await?;
                tokio::time::sleep(Duration::from_millis(for_ms)).await;
            }
            Fault::Trickle { chunk, delay_ms } => {
                pump(
                    &mut server_rx,
                    &mut client_tx,
                    None,
                    Some((chunk, Duration::from_millis(delay_ms))),
                )
                .await?;
            }
            _ => {
                pump(&mut server_rx, &mut client_tx, None, None).await?;
            }
        }
        client_tx.shutdown().await
    };
    match request_limit {
        // The request side decides when the connection dies.
        Some(_) => {
            tokio::select! {
                r = up => r,
                _ = down => Ok(()),
            }
        }
        None if matches!(fault, Fault::Pass { .. } | Fault::Trickle { .. }) => {
            let both = async {
                let (a, b) = tokio::join!(up, down);
                a.and(b)
            };
            match fault {
                // Dropping the halves at the end of the lifetime closes both sides.
                Fault::Pass { for_ms: Some(ms) } => {
                    tokio::time::timeout(Duration::from_millis(ms), both)
                        .await
                        .unwrap_or(Ok(()))
                }
                _ => both.await,
            }
        }
        // The response side decides: when it ends, both halves are dropped.
        None => {
            tokio::select! {
                r = down => r,
                _ = async { up.await.ok(); std::future::pending::<()>().await } => Ok(()),
            }
        }
    }
}

/// Copies `from` to `to` until end of input or `limit` bytes, optionally in chunks of
/// at most `trickle.0` bytes `trickle.1` apart.
async fn pump<R, W>(
    from: &mut R,
    to: &mut W,
    limit: Option<usize>,
    trickle: Option<(usize, Duration)>,
) -> std::io::Result<()>
where
    R: AsyncReadExt + Unpin,
    W: AsyncWriteExt + Unpin,
{
    let mut buf = vec![0u8; 16 * 1024];
    let mut sent = 0usize;
    loop {
        let room = limit.map_or(buf.len(), |l| (l - sent).min(buf.len()));
        if room == 0 {
            return Ok(());
        }
        let n = from.read(&mut buf[..room]).await?;
        if n == 0 {
            return Ok(());
        }
        match trickle {
            Some((chunk, delay)) => {
                for piece in buf[..n].chunks(chunk.max(1)) {
                    to.write_all(piece).await?;
                    to.flush().await?;
                    tokio::time::sleep(delay).await;
                }
            }
            None => to.write_all(&buf[..n]).await?,
        }
        sent += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn echo_server() -> SocketAddr {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = s.read(&mut buf).await {
                        if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    async fn round_trip(proxy: &FaultProxy, msg: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut s = TcpStream::connect(proxy.addr).await?;
        s.write_all(msg).await?;
        s.shutdown().await?;
        let mut out = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out))
            .await
            .map_err(|_| std::io::Error::other("timed out"))??;
        Ok(out)
    }

    #[tokio::test]
    async fn a_healed_proxy_passes_bytes_through() {
        let schedule = Schedule {
            seed: 1,
            fault_rate: 1.0,
            stall_ms: 10,
        };
        let proxy = FaultProxy::start(echo_server().await, schedule)
            .await
            .unwrap();
        proxy.heal();
        let msg = vec![7u8; 50_000];
        assert_eq!(round_trip(&proxy, &msg).await.unwrap(), msg);
        assert_eq!(proxy.faults_injected(), 0);
    }

    #[tokio::test]
    async fn with_every_connection_faulty_no_long_message_comes_back_whole() {
        let schedule = Schedule {
            seed: 42,
            fault_rate: 1.0,
            stall_ms: 10,
        };
        let proxy = FaultProxy::start(echo_server().await, schedule)
            .await
            .unwrap();
        let msg = vec![9u8; 1_000];
        let mut whole = 0;
        for _ in 0..30 {
            if round_trip(&proxy, &msg).await.is_ok_and(|b| b == msg) {
                whole += 1;
            }
        }
        // Only trickled connections deliver everything.
        assert!(whole < 30, "{}", proxy.summary());
        assert_eq!(proxy.faults_injected(), 30, "{}", proxy.summary());
        assert!(proxy.counts()[1..].iter().filter(|n| **n > 0).count() >= 4);
    }

    #[tokio::test]
    async fn a_passing_connection_is_closed_when_its_time_is_up() {
        let mut client = TcpStream::connect(echo_proxy_addr().await).await.unwrap();
        client.write_all(b"ping").await.unwrap();
        let mut buf = [0u8; 4];
        client.read_exact(&mut buf).await.unwrap();
        let mut rest = Vec::new();
        let eof = tokio::time::timeout(Duration::from_secs(5), client.read_to_end(&mut rest));
        assert!(eof.await.is_ok(), "the proxy kept the connection open");
    }

    /// A proxy whose one connection passes for 50 ms.
    async fn echo_proxy_addr() -> SocketAddr {
        let upstream = echo_server().await;
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let (c, _) = l.accept().await.unwrap();
            serve(c, upstream, Fault::Pass { for_ms: Some(50) })
                .await
                .ok();
        });
        addr
    }

    #[test]
    fn a_seed_is_a_number_or_a_clear_error() {
        assert_eq!(parse_seed(Some("42")), Ok(42));
        assert_eq!(parse_seed(Some(" 7 ")), Ok(7));
        let e = parse_seed(Some("forty")).unwrap_err();
        assert!(
            e.contains("TADHKIRA_FAULT_SEED") && e.contains("forty"),
            "{e}"
        );
        assert!(parse_seed(Some("-1")).is_err());
        // Unset: a random seed each time (two equal draws in a row: 1 in 2^64).
        assert_ne!(parse_seed(None).unwrap(), parse_seed(None).unwrap());
    }

    #[test]
    fn the_same_seed_draws_the_same_schedule() {
        let draws = |seed| {
            let shared = Shared {
                upstream: "127.0.0.1:1".parse().unwrap(),
                generation: tokio::sync::watch::channel(0).0,
                schedule: Schedule {
                    seed,
                    fault_rate: 0.5,
                    stall_ms: 1,
                },
                faulty: AtomicBool::new(true),
                rng: Mutex::new(StdRng::seed_from_u64(seed)),
                counts: Default::default(),
            };
            (0..50).map(|_| shared.draw()).collect::<Vec<_>>()
        };
        assert_eq!(draws(5), draws(5));
        assert_ne!(draws(5), draws(6));
    }
}
