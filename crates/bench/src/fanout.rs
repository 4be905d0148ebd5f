//! Figure 4b: live events at scale (issue 22) — 10,000 event streams open on one server
//! process (`--streams`), a reply timed until it has reached all of them, and the
//! server's resident memory before and while they are open.
//!
//! The streams are staff's (the four demo staff users in turn), so every change is
//! announced on every one of them: the most the server can be asked to send. The
//! server is configured for the load, not with weaker defaults: each user may hold as
//! many streams as the bench opens (`event_streams.max_per_user`, 8 by default, closes
//! a user's oldest beyond it) and the connection cap (`transport.max_connections`,
//! 2,048 by default) leaves room for them; the server raises its own open-file limit
//! at start, as in production.

use std::time::Duration;

use anyhow::{ensure, Context, Result};

use crate::live::{self, Listeners};
use crate::server::BenchServer;
use crate::stats::{self, Figure, Goal};
use crate::{load, Bench};

/// The staff users whose streams listen (every change is theirs to hear).
pub const STAFF: [&str; 4] = [
    "l1@tadhkira.example",
    "l2@tadhkira.example",
    "l3@tadhkira.example",
    "admin@tadhkira.example",
];

/// The server's settings for `streams` open event streams: none closed for being one
/// user's too many, and connections to spare for the REST clients beside them.
pub fn server_config(streams: usize) -> String {
    format!(
        "[event_streams]\nmax_per_user = {}\n[transport]\nmax_connections = {}\n",
        streams.max(8),
        (streams + 1_024).max(2_048)
    )
}

/// Signs in each staff user once.
pub async fn staff_tokens(s: &BenchServer) -> Result<Vec<String>> {
    let mut tokens = Vec::with_capacity(STAFF.len());
    for who in STAFF {
        tokens.push(s.login(who).await?);
    }
    Ok(tokens)
}

/// How long opening the streams may take (a debug server on a loaded machine opens a
/// few hundred a second).
pub fn open_deadline(streams: usize) -> Duration {
    Duration::from_secs(60 + streams as u64 / 20)
}

/// One run's measurements.
struct Run {
    opened_per_s: f64,
    to_all_p50: f64,
    to_all_max: f64,
    one_p50: f64,
    rss_idle: f64,
    rss_open: f64,
}

pub async fn figures(b: &mut Bench) -> Result<()> {
    let n = b.streams();
    let replies = if b.args.quick { 3 } else { 10 };
    println!("4b. Live events at scale: {n} event streams on one server process");
    let mut runs = Vec::with_capacity(b.args.runs);
    for _ in 0..b.args.runs {
        let r = run(n, replies).await?;
        println!(
            "    {n} streams opened at {:.0}/s; time-to-all p50 {:.0} ms, max {:.0} ms; RSS {:.0} → {:.0} MiB",
            r.opened_per_s, r.to_all_p50, r.to_all_max, r.rss_idle, r.rss_open
        );
        runs.push(r);
    }
    let of = |f: fn(&Run) -> f64| runs.iter().map(f).collect::<Vec<f64>>();
    b.add(Figure::from_runs(
        format!("{n} event streams opened on one server process"),
        "streams/s",
        of(|r| r.opened_per_s),
        Goal::None,
    ));
    b.add(Figure::from_runs(
        format!("reply → all {n} streams: time-to-all, p50 of {replies} replies"),
        "ms",
        of(|r| r.to_all_p50),
        Goal::None,
    ));
    b.add(Figure::from_runs(
        format!("reply → all {n} streams: time-to-all, slowest of {replies} replies"),
        "ms",
        of(|r| r.to_all_max),
        Goal::AtMost(1_000.0),
    ));
    b.add(Figure::from_runs(
        format!("  reply → one of {n} streams, p50 over streams and replies"),
        "ms",
        of(|r| r.one_p50),
        Goal::None,
    ));
    b.add(Figure::from_runs(
        "server RSS idle, before the streams",
        "MiB",
        of(|r| r.rss_idle),
        Goal::None,
    ));
    b.add(Figure::from_runs(
        format!("server RSS at {n} open event streams"),
        "MiB",
        of(|r| r.rss_open),
        Goal::None,
    ));
    b.add(Figure::from_runs(
        "  per open stream",
        "KiB",
        runs.iter()
            .map(|r| (r.rss_open - r.rss_idle) * 1024.0 / n as f64)
            .collect(),
        Goal::None,
    ));
    Ok(())
}

async fn run(n: usize, replies: usize) -> Result<Run> {
    let s = BenchServer::start_configured(None, Some(&server_config(n)))?;
    let pid = s.pid().context("the server's process id")?;
    let tokens = staff_tokens(&s).await?;
    let customer = s.login("customer@nile.example").await?;
    let http = reqwest::Client::new();
    let ticket = load::new_ticket(0);
    let ticket_id = ticket.id;
    http.post(format!("{}/api/v1/tickets", s.url))
        .bearer_auth(&customer)
        .json(&ticket)
        .send()
        .await?
        .error_for_status()
        .context("filing the ticket the replies go to")?;

    let rss_idle = live::rss_mib(pid)?;
    let listeners = Listeners::open(&s.url, &tokens, n, open_deadline(n)).await?;
    // Let the last streams' first answers settle before the memory is read.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_open = live::rss_mib(pid)?;

    let (mut to_all, mut each) = (Vec::with_capacity(replies), Vec::new());
    for i in 0..replies {
        let send = async {
            let resp = http
                .post(format!("{}/api/v1/tickets/{ticket_id}/messages", s.url))
                .bearer_auth(&tokens[0])
                .json(&serde_json::json!({
                    "id": uuid::Uuid::now_v7(),
                    "ticket_id": ticket_id,
                    "body": format!("Reply {i}: the VPN gateway was restarted."),
                    "visibility": "public"
                }))
                .send()
                .await?;
            ensure!(
                resp.status().is_success(),
                "reply answered {}",
                resp.status()
            );
            Ok(())
        };
        let delays = listeners.time_to_all(send, Duration::from_secs(30)).await?;
        to_all.push(delays.iter().copied().fold(0.0, f64::max));
        each.extend(delays);
    }
    ensure!(
        listeners.open_now() == n,
        "{} of {n} streams were still open after the replies",
        listeners.open_now()
    );
    Ok(Run {
        opened_per_s: n as f64 / listeners.opened_in.as_secs_f64(),
        to_all_p50: stats::percentile(&mut to_all.clone(), 50.0),
        to_all_max: to_all.iter().copied().fold(0.0, f64::max),
        one_p50: stats::percentile(&mut each, 50.0),
        rss_idle,
        rss_open,
    })
}
