//! `tadhkira-bench`: the figures behind `cargo xtask bench`.
//!
//! Every figure runs against a real `tadhkira-server` process on loopback and real
//! SQLite files (and a real PostgreSQL server for the PostgreSQL lines), several times,
//! and is printed as median with min–max beside the target it is held against. The
//! floors of the initial pull — the same rows through SQLite's C API, the same bytes
//! over a bare loopback transfer ([`floor`]) — are measured in the same run, on the
//! same data, so that ratios compare like with like on whatever machine runs it.

mod app;
mod cluster;
mod engine;
mod fanout;
mod files;
mod floor;
mod live;
mod load;
mod peer;
mod server;
mod stats;

use std::time::Duration;

use anyhow::{Context, Result};
use clap::Parser;
use stats::{Figure, Goal};
use tadhkira_testkit::server::PgDatabase;

#[derive(Parser)]
#[command(name = "tadhkira-bench", about = "Tadhkira's performance figures")]
struct Args {
    /// Runs of each measurement (the median is reported; the 100k sizes run once).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Small sizes, to check that every figure runs (the numbers mean little).
    #[arg(long)]
    quick: bool,
    /// PostgreSQL server for the PostgreSQL figures (a fresh database is made per run).
    #[arg(
        long,
        env = "TADHKIRA_BENCH_PG_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/postgres"
    )]
    pg_url: String,
    /// Where to write the figures as JSON.
    #[arg(long)]
    json: Option<std::path::PathBuf>,
    /// Only these groups of figures (comma-separated): push, pg, pull (with its
    /// floors), alert, rest, kb, app, files, cluster. All of them when not given.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Sizes (tickets) of the push and pull figures, instead of 1,000, 10,000 and
    /// 100,000; the largest also serves the reads, the floors and the app.
    #[arg(long, value_delimiter = ',')]
    sizes: Vec<usize>,
    /// The PouchDB peer's results of this run (`cargo xtask bench --peers` writes them):
    /// push, pull and live figures are printed beside PouchDB's, as ratios.
    #[arg(long)]
    peer: Option<std::path::PathBuf>,
    /// The desktop app's release binary (default: next to this one).
    #[arg(long)]
    app: Option<std::path::PathBuf>,
    /// Event streams held open on one server for the live-events figure (4b), instead
    /// of 10,000 (200 with --quick); the REST figure beside streams uses 1,000.
    #[arg(long)]
    streams: Option<usize>,
    /// Mutations per push batch in the push figures, instead of the engine's default
    /// (to weigh another size against it in the same conditions).
    #[arg(long)]
    push_batch: Option<usize>,
}

struct Bench {
    args: Args,
    /// The folder of the workspace's binaries of this build (`target/release`).
    bin: std::path::PathBuf,
    figures: Vec<Figure>,
}

impl Bench {
    fn scale(&self, n: usize) -> usize {
        if self.args.quick {
            (n / 100).max(10)
        } else {
            n
        }
    }

    fn runs_for(&self, size: usize) -> usize {
        if size >= 100_000 {
            1
        } else {
            self.args.runs
        }
    }

    /// The push and pull sizes, scaled.
    fn sizes(&self) -> Vec<usize> {
        if self.args.sizes.is_empty() {
            [1_000, 10_000, 100_000].map(|n| self.scale(n)).to_vec()
        } else {
            self.args.sizes.clone()
        }
    }

    /// Event streams of the live-events figure.
    fn streams(&self) -> usize {
        self.args
            .streams
            .unwrap_or(if self.args.quick { 200 } else { 10_000 })
    }

    /// The largest size: the reads, the floors and the app use it.
    fn largest(&self) -> usize {
        self.sizes().into_iter().max().unwrap_or(0)
    }

    fn wants(&self, group: &str) -> bool {
        self.args.only.is_empty() || self.args.only.iter().any(|g| g == group)
    }

    fn add(&mut self, f: Figure) {
        println!("  {}: {} {}", f.name, stats::fmt_num(f.median), f.unit);
        self.figures.push(f);
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let mut b = Bench {
        args,
        bin: tadhkira_testkit::bin_dir(),
        figures: Vec::new(),
    };

    // Thousands of event streams are as many open files here and in the server (which
    // inherits the limit, and raises its own too).
    match live::raise_open_files_limit() {
        Ok(limit) if b.wants("alert") || b.wants("rest") => {
            let needed = b.streams() as u64 + 512;
            anyhow::ensure!(
                needed <= limit,
                "{} event streams need about {needed} open files, and this process may \
                 open {limit}: raise `ulimit -Hn` or give fewer --streams",
                b.streams()
            );
        }
        Ok(_) => {}
        Err(e) => println!("(could not raise the open-file limit: {e})"),
    }

    for g in &b.args.only {
        anyhow::ensure!(
            ["push", "pg", "pull", "alert", "rest", "kb", "app", "files", "cluster"]
                .contains(&g.as_str()),
            "unknown group {g:?} in --only"
        );
    }

    if b.wants("push") {
        push_figures(&mut b).await?;
    }
    if b.wants("pg") {
        pg_figures(&mut b).await?;
    }
    // The largest pull's server, loaded with 100k tickets, serves the app figure too.
    let mut loaded = None;
    if b.wants("pull") {
        loaded = pull_figures(&mut b).await?;
        // For a profile of the server by hand: TADHKIRA_BENCH_HOLD=1 keeps the loaded
        // server up and prints where it is and a staff token (then curl its snapshot
        // under `perf record -p`), until the bench is stopped.
        if std::env::var_os("TADHKIRA_BENCH_HOLD").is_some() {
            if let Some(s) = &loaded {
                let token = s.login("l1@tadhkira.example").await?;
                println!("holding: {} pid {:?} token {token}", s.url, s.pid());
                std::future::pending::<()>().await;
            }
        }
    }
    if b.wants("alert") {
        alert_figures(&mut b).await?;
    }
    if b.wants("rest") {
        rest_figures(&mut b).await?;
    }
    if b.wants("kb") {
        kb_figures(&mut b).await?;
    }
    if b.wants("files") {
        file_figures(&mut b).await?;
    }
    if b.wants("cluster") {
        cluster::figures(&mut b).await?;
    }
    if b.wants("app") {
        app_figures(&mut b, loaded).await?;
    }

    if let Some(path) = b.args.peer.clone() {
        let peer = peer::Peer::load(&path)?;
        peer::compare(&mut b, &peer);
    }

    stats::print_table(&b.figures);
    if let Some(path) = &b.args.json {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(path, serde_json::to_string_pretty(&b.figures)?)?;
        println!("\nwritten to {}", path.display());
    }
    Ok(())
}

async fn push_figures(b: &mut Bench) -> Result<()> {
    println!("1, 8. Push from a client's outbox, at growing sizes (SQLite)");
    let mut costs = Vec::new();
    for size in b.sizes() {
        let (runs, rounds) = push_runs(b.runs_for(size), size, None, b.args.push_batch).await?;
        let goal = if size == b.scale(10_000) {
            Goal::AtLeast(5_000.0)
        } else {
            Goal::None
        };
        costs.push(per_item(format!("  cost per mutation at {size}"), &runs));
        b.add(Figure::from_runs(
            format!("push {size} mutations from the outbox, SQLite"),
            "mut/s",
            runs,
            goal,
        ));
        b.add(Figure::from_runs(
            format!("  the whole sync round at {size}: the push, then pulling it back"),
            "mut/s",
            rounds,
            Goal::None,
        ));
    }
    // Growth stays linear when the cost per item stays flat across the sizes.
    costs.into_iter().for_each(|f| b.add(f));

    // The same push with one batch in flight, as before issue 22: what pipelining buys,
    // measured in the same run.
    let size = b.scale(10_000);
    let mut runs = Vec::with_capacity(b.args.runs);
    for _ in 0..b.args.runs {
        let s = server::BenchServer::start(None)?;
        runs.push(
            engine::push_outbox(
                &s.url,
                size / 2,
                Some(engine::UNPIPELINED),
                b.args.push_batch,
            )
            .await?
            .answered,
        );
    }
    b.add(Figure::from_runs(
        format!("push {size} mutations from the outbox, SQLite, one batch in flight (unpipelined)"),
        "mut/s",
        runs,
        Goal::None,
    ));

    // What the server's fsync at every commit costs (`synchronous = FULL`, the default,
    // so nothing acknowledged is lost on a power cut): the same push without it.
    let size = b.scale(10_000);
    let not_durable = "[database]\nsqlite_synchronous = \"normal\"\n";
    let (runs, _) = push_runs(b.args.runs, size, Some(not_durable), b.args.push_batch).await?;
    b.add(Figure::from_runs(
        format!("push {size} mutations from the outbox, SQLite synchronous=NORMAL (not durable; the cost of FULL)"),
        "mut/s",
        runs,
        Goal::None,
    ));

    Ok(())
}

/// The time per item of each run of a rate (items/s), in microseconds.
fn per_item(name: String, rates: &[f64]) -> Figure {
    let micros = rates.iter().map(|r| 1e6 / r).collect();
    Figure::from_runs(name, "µs", micros, Goal::None)
}

/// `runs` pushes of `size` mutations from a fresh client's outbox, each to a fresh SQLite
/// server (with this config text, if any); mutations per second of each, until the
/// outbox was empty and for the whole sync round ([`engine::PushRates`]); `batch` as
/// for [`engine::push_outbox`].
async fn push_runs(
    runs: usize,
    size: usize,
    config: Option<&str>,
    batch: Option<usize>,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let (mut answered, mut rounds) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
    for _ in 0..runs {
        let s = server::BenchServer::start_configured(None, config)?;
        let rates = engine::push_outbox(&s.url, size / 2, None, batch).await?;
        answered.push(rates.answered);
        rounds.push(rates.round);
    }
    Ok((answered, rounds))
}

async fn pg_figures(b: &mut Bench) -> Result<()> {
    println!("1. Push on PostgreSQL (wire protocol and from the outbox)");
    {
        let size = b.scale(10_000);
        let (mut wire, mut outbox) = (Vec::new(), Vec::new());
        for _ in 0..b.args.runs {
            // A database per run, dropped at its end (after its server).
            let db = PgDatabase::create(&b.args.pg_url, "tadhkira_bench").with_context(|| {
                format!(
                    "PostgreSQL at {} is needed for the PostgreSQL figures",
                    b.args.pg_url
                )
            })?;
            let s = server::BenchServer::start(Some(db.url()))?;
            let token = s.login("customer@nile.example").await?;
            let w = load::push_wire(&s.url, &token, load::creations(size / 2, 1)).await?;
            let o = engine::push_outbox(&s.url, size / 2, None, b.args.push_batch)
                .await?
                .answered;
            drop(s);
            wire.push(w);
            outbox.push(o);
        }
        b.add(Figure::from_runs(
            format!("push {size} mutations, wire, PostgreSQL"),
            "mut/s",
            wire,
            Goal::None,
        ));
        b.add(Figure::from_runs(
            format!("push {size} mutations from the outbox, PostgreSQL"),
            "mut/s",
            outbox,
            Goal::AtLeast(5_000.0),
        ));
    }

    Ok(())
}

/// The floors of the largest pull, one value per run (tickets/s).
#[derive(Default)]
struct Floors {
    sqlite: Vec<f64>,
    served: Vec<f64>,
    snapshot: Vec<f64>,
    network: Vec<f64>,
    /// What the pull's answers weighed.
    bytes: usize,
}

impl Floors {
    /// Adds the floor figures and the pull's ratio to each.
    fn add(self, b: &mut Bench, size: usize, pull: f64) {
        let mib = self.bytes as f64 / (1024.0 * 1024.0);
        let sqlite = Figure::from_runs(
            format!("  floor: the same rows through SQLite's C API, prepared, one transaction, {size} tickets"),
            "tickets/s",
            self.sqlite,
            Goal::None,
        );
        let network = Figure::from_runs(
            format!("  floor: the same {mib:.0} MiB over a bare loopback HTTP transfer"),
            "tickets/s",
            self.network,
            Goal::None,
        );
        let served = Figure::from_runs(
            "  the server's pages alone, fetched and not applied",
            "tickets/s",
            self.served,
            Goal::None,
        );
        let snapshot = Figure::from_runs(
            "  the server's snapshot alone, fetched whole and not applied",
            "tickets/s",
            self.snapshot,
            Goal::None,
        );
        let (to_sqlite, to_network) = (pull / sqlite.median, pull / network.median);
        b.add(sqlite);
        b.add(network);
        b.add(served);
        b.add(snapshot);
        b.add(Figure::from_runs(
            "  pull ÷ SQLite floor",
            "ratio",
            vec![to_sqlite],
            Goal::AtLeast(0.25),
        ));
        b.add(Figure::from_runs(
            "  pull ÷ network floor",
            "ratio",
            vec![to_network],
            Goal::None,
        ));
    }
}

/// Figures 2, 3, 5 and 8 (pull, its floors, local reads); returns the server of the
/// largest size, still loaded.
async fn pull_figures(b: &mut Bench) -> Result<Option<server::BenchServer>> {
    let mut loaded = None;
    let mut costs = Vec::new();
    println!("2, 3, 5, 8. Initial pull into an empty client, its floors, then local reads");
    for size in b.sizes() {
        let big = size == b.largest();
        let mut runs = Vec::new();
        let mut floors = Floors::default();
        let mut reads = None;
        let mut unpipelined = Vec::new();
        let mut paged = Vec::new();
        for _ in 0..b.runs_for(size) {
            let s = server::BenchServer::start(None)?;
            let token = s.login("customer@nile.example").await?;
            load::push_wire(&s.url, &token, load::creations(size, 3)).await?;
            let (eng, dir, rate) = engine::initial_pull(&s.url, size, None).await?;
            runs.push(rate);
            if size <= b.scale(10_000) {
                // The same first sync page by page (what an older server gets), with
                // the pipelined pages, and with one page fetched ahead as before
                // issue 22.
                let (e, _d, rate) = engine::initial_pull_by(&s.url, size, None, false).await?;
                e.close().await;
                paged.push(rate);
                let (e, _d, rate) =
                    engine::initial_pull_by(&s.url, size, Some(engine::UNPIPELINED), false).await?;
                e.close().await;
                unpipelined.push(rate);
            }
            if big && reads.is_none() {
                let list = engine::list_first_page(&eng, 20).await?;
                let en = engine::search(&eng, "vpn", 20).await?;
                let ar = engine::search(&eng, "الاتصال", 20).await?;
                let one = engine::search(&eng, &engine::one_ticket_word(size), 20).await?;
                // After the reads: the pull adds tickets the searches would count.
                let later =
                    engine::incremental_pull(&eng, &s.url, &token, b.scale(1_000), 5).await?;
                reads = Some((list, en, ar, one, later));
            }
            eng.close().await;
            if big {
                // The same rows, the same bytes, the same user, right after the pull.
                let store = floor::find_store(dir.path())?;
                floors.sqlite.push(floor::sqlite_floor(&store).await?);
                let agent = s.login("l1@tadhkira.example").await?;
                let (pages, served) =
                    floor::fetch_pages(&s.url, &agent, tadhkira_client::sync::PULL_PAGE).await?;
                floors.bytes = pages.iter().map(Vec::len).sum();
                floors.served.push(size as f64 / served);
                let snapshot = floor::fetch_snapshot(&s.url, &agent).await?;
                floors.snapshot.push(size as f64 / snapshot);
                let moved = floor::loopback_transfer(pages).await?;
                floors.network.push(size as f64 / moved);
                loaded = Some(s);
            }
        }
        let goal = if big {
            Goal::AtLeast(20_000.0)
        } else {
            Goal::None
        };
        costs.push(per_item(
            format!("  cost per ticket pulled at {size}"),
            &runs,
        ));
        let f = Figure::from_runs(
            format!("initial pull {size} tickets + 3 messages each"),
            "tickets/s",
            runs,
            goal,
        );
        if big {
            let pull = f.median;
            b.add(f);
            floors.add(b, size, pull);
        } else {
            b.add(f);
        }
        if !paged.is_empty() {
            b.add(Figure::from_runs(
                format!("initial pull {size} tickets, page by page (no snapshot)"),
                "tickets/s",
                paged,
                Goal::None,
            ));
        }
        if !unpipelined.is_empty() {
            b.add(Figure::from_runs(
                format!("initial pull {size} tickets, page by page, one page fetched ahead (unpipelined)"),
                "tickets/s",
                unpipelined,
                Goal::None,
            ));
        }
        if let Some((list, en, ar, one, later)) = reads {
            b.add(Figure::from_runs(
                format!(
                    "later pull of {} changes into the store of {size} tickets",
                    b.scale(1_000)
                ),
                "ms",
                later,
                Goal::AtMost(100.0),
            ));
            b.add(Figure::from_runs(
                format!("list first page, filter + sort, {size} tickets"),
                "ms",
                list,
                Goal::AtMost(5.0),
            ));
            b.add(Figure::from_runs(
                format!("search English word in every ticket, {size} tickets"),
                "ms",
                en,
                Goal::AtMost(10.0),
            ));
            b.add(Figure::from_runs(
                format!("search Arabic word in every ticket, {size} tickets"),
                "ms",
                ar,
                Goal::AtMost(10.0),
            ));
            b.add(Figure::from_runs(
                format!("search a rare word (one ticket's), {size} tickets"),
                "ms",
                one,
                Goal::AtMost(1.0),
            ));
        }
    }

    costs.into_iter().for_each(|f| b.add(f));
    Ok(loaded)
}

/// The knowledge base: the new-ticket form's related-articles query at 1,000 articles.
async fn kb_figures(b: &mut Bench) -> Result<()> {
    println!("9. Related articles while filing");
    let articles = b.scale(1_000);
    let s = server::BenchServer::start(None)?;
    let token = s.login("l1@tadhkira.example").await?;
    let (ar, en) = engine::related_articles(&s.url, &token, articles, 50).await?;
    b.add(Figure::from_runs(
        format!("related articles, Arabic title, {articles} articles"),
        "ms",
        ar,
        Goal::AtMost(20.0),
    ));
    b.add(Figure::from_runs(
        format!("related articles, English title, {articles} articles"),
        "ms",
        en,
        Goal::AtMost(20.0),
    ));
    Ok(())
}

async fn alert_figures(b: &mut Bench) -> Result<()> {
    println!("4. Reply-to-alert latency");
    let replies = if b.args.quick { 20 } else { 1_000 };
    // The staff app's path (a push) carries the targets and is set beside PouchDB's live
    // changes; the REST path is printed for integrations, without a target.
    for (path, name, goals) in [
        (
            engine::ReplyPath::AppPush,
            format!("reply → alert ({replies} replies, staff app push)"),
            [Goal::AtMost(5.0), Goal::AtMost(15.0)],
        ),
        (
            engine::ReplyPath::Rest,
            format!("REST reply ({replies} replies) → alert"),
            [Goal::None, Goal::None],
        ),
    ] {
        let (mut p50, mut p99) = (Vec::new(), Vec::new());
        for _ in 0..b.args.runs {
            let s = server::BenchServer::start(None)?;
            let mut lat = engine::reply_to_alert(&s.url, &s.url, replies, path).await?;
            p50.push(stats::percentile(&mut lat, 50.0));
            p99.push(stats::percentile(&mut lat, 99.0));
        }
        let [g50, g99] = goals;
        b.add(Figure::from_runs(format!("{name} p50"), "ms", p50, g50));
        b.add(Figure::from_runs(format!("{name} p99"), "ms", p99, g99));
    }
    fanout::figures(b).await
}

async fn rest_figures(b: &mut Bench) -> Result<()> {
    let listening = b.scale(1_000);
    println!("6. REST throughput; {listening} staff event streams listen during the 64-client run");
    {
        let secs = if b.args.quick { 1 } else { 5 };
        // 64 clients alone too: what the streams cost is the difference.
        for (clients, streams) in [(1usize, 0), (8, 0), (64, 0), (64, listening)] {
            let mut runs = Vec::new();
            let mut held = (0, 0);
            for _ in 0..b.args.runs {
                let s = server::BenchServer::start_configured(
                    None,
                    Some(&fanout::server_config(streams)),
                )?;
                let token = s.login("customer@nile.example").await?;
                let listeners = if streams > 0 {
                    let staff = fanout::staff_tokens(&s).await?;
                    Some(
                        live::Listeners::open(
                            &s.url,
                            &staff,
                            streams,
                            fanout::open_deadline(streams),
                        )
                        .await?,
                    )
                } else {
                    None
                };
                runs.push(
                    load::rest_creates(&s.url, &token, clients, Duration::from_secs(secs)).await?,
                );
                if let Some(l) = &listeners {
                    held = (l.open_now(), l.events());
                }
            }
            let (name, goal) = if streams > 0 {
                (
                    format!(
                        "REST creates, 64 clients while {listening} streams listen ({} still open, {} events)",
                        held.0, held.1
                    ),
                    Goal::AtLeast(1_000.0),
                )
            } else {
                (format!("REST creates, {clients} client(s)"), Goal::None)
            };
            b.add(Figure::from_runs(name, "tickets/s", runs, goal));
        }
    }

    Ok(())
}

/// Figure 10: a 100 MiB file up and down on loopback, beside the plain copy rate.
async fn file_figures(b: &mut Bench) -> Result<()> {
    let mib = if b.args.quick { 4 } else { 100 };
    println!("10. Attachments: a {mib} MiB log up and down, beside a plain file copy");
    let bytes = mib * 1024 * 1024;
    let dir = tempfile::tempdir()?;
    let log = dir.path().join("spooler.log");
    files::write_log(&log, bytes)?;
    let (mut copy, mut up, mut down) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..b.args.runs {
        copy.push(files::copy_rate(&log, dir.path())?);
        let s = server::BenchServer::start_configured(None, Some(&files::config_for(bytes)))?;
        let (u, d) = files::upload_download(&s.url, &log).await?;
        up.push(u);
        down.push(d);
    }
    b.add(Figure::from_runs(
        format!("plain file copy + fsync, {mib} MiB (reference)"),
        "MiB/s",
        copy,
        Goal::None,
    ));
    b.add(Figure::from_runs(
        format!("upload from the outbox, {mib} MiB, loopback"),
        "MiB/s",
        up,
        Goal::None,
    ));
    b.add(Figure::from_runs(
        format!("download, checked by SHA-256, {mib} MiB, loopback"),
        "MiB/s",
        down,
        Goal::None,
    ));
    Ok(())
}

/// `name 12.3, name 4.5` (MiB).
fn by_process(pss: &[(String, f64)]) -> String {
    pss.iter()
        .map(|(name, mib)| format!("{name} {mib:.1}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Figure 7: the desktop app on a profile with the largest size's tickets.
async fn app_figures(b: &mut Bench, loaded: Option<server::BenchServer>) -> Result<()> {
    let size = b.largest();
    println!("7. The desktop app with {size} tickets (release build, Xvfb)");
    let s = match loaded {
        Some(s) => s,
        None => {
            let s = server::BenchServer::start(None)?;
            let token = s.login("customer@nile.example").await?;
            load::push_wire(&s.url, &token, load::creations(size, 3)).await?;
            s
        }
    };
    let (profile, total) = app::prepare_profile(&s.url).await?;
    anyhow::ensure!(
        total as usize >= size,
        "the app's profile holds {total} tickets, expected {size}"
    );
    let bin = b
        .args
        .app
        .clone()
        .unwrap_or_else(|| b.bin.join("tadhkira-app"));
    let bare_bin = b.bin.join("tadhkira-bench-bare");
    let (mut paint, mut reported, mut rss, mut pss) = (vec![], vec![], vec![], vec![]);
    let (mut bare_pss, mut ratio) = (vec![], vec![]);
    let (mut bare_loaded, mut launch_ratio) = (vec![], vec![]);
    let mut processes = 0;
    for _ in 0..b.args.runs {
        let l = app::launch(&bin, profile.path(), &s.url)?;
        println!(
            "    painted after {:.0} ms (app: {:?} ms); {} processes, RSS {:.0} MiB, PSS {:.0} MiB",
            l.first_paint_ms, l.app_reported_ms, l.processes, l.rss_mib, l.pss_mib
        );
        // The yardstick right after, on the same kind of display.
        let bare = app::launch_bare(&bare_bin, profile.path())?;
        println!(
            "    bare Tauri window: loaded after {:.0} ms; {} processes, RSS {:.0} MiB, PSS {:.0} MiB",
            bare.first_paint_ms, bare.processes, bare.rss_mib, bare.pss_mib
        );
        println!(
            "    PSS by process, app: {}; bare window: {}",
            by_process(&l.pss_by_process),
            by_process(&bare.pss_by_process)
        );
        paint.push(l.first_paint_ms);
        reported.extend(l.app_reported_ms);
        rss.push(l.rss_mib);
        pss.push(l.pss_mib);
        bare_pss.push(bare.pss_mib);
        ratio.push(l.pss_mib / bare.pss_mib);
        bare_loaded.push(bare.first_paint_ms);
        launch_ratio.push(l.first_paint_ms / bare.first_paint_ms);
        processes = l.processes;
    }
    b.add(Figure::from_runs(
        format!("app with {total} tickets: launch → first list painted"),
        "ms",
        paint,
        Goal::AtMost(500.0),
    ));
    b.add(Figure::from_runs(
        "  the same, measured by the app from its main()",
        "ms",
        reported,
        Goal::None,
    ));
    // The floor of a launch on this machine: Tauri and WebKit starting a window and
    // loading one line of HTML, with nothing of the app.
    b.add(Figure::from_runs(
        "  a bare Tauri 2 window: launch → page loaded, same display and WebKit setting",
        "ms",
        bare_loaded,
        Goal::None,
    ));
    b.add(Figure::from_runs(
        "  app launch ÷ bare window launch, launch by launch",
        "ratio",
        launch_ratio,
        Goal::None,
    ));
    let idle = app::IDLE.as_secs();
    b.add(Figure::from_runs(
        format!("app idle after {idle} s: RSS over {processes} processes"),
        "MiB",
        rss,
        Goal::None,
    ));
    b.add(Figure::from_runs(
        format!("app idle after {idle} s: PSS over {processes} processes"),
        "MiB",
        pss,
        Goal::None,
    ));
    b.add(Figure::from_runs(
        format!(
            "  a bare Tauri 2 window idle after {idle} s: PSS, same display and WebKit setting"
        ),
        "MiB",
        bare_pss,
        Goal::None,
    ));
    b.add(Figure::from_runs(
        "  app PSS ÷ bare window PSS, launch by launch",
        "ratio",
        ratio,
        Goal::AtMost(1.1),
    ));
    Ok(())
}
