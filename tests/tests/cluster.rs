//! The helpdesk at scale (issue 23): several `tadhkira-server` processes on one fresh
//! PostgreSQL database behind HAProxy with the shipped configuration
//! (`deploy/haproxy.cfg`, started by `tadhkira_testkit::cluster`).
//!
//! - A customer's engine streams live events from one process while an agent replies
//!   through another: the reply alert arrives, carried between the processes by
//!   LISTEN/NOTIFY.
//! - One process is SIGKILLed while 20 engines push through the balancer: the engines
//!   whose streams it held reconnect through the balancer, and every change is on the
//!   server exactly once (counted in the tables).
//! - The lifecycle jobs, ticking in all three processes, run once per interval, not
//!   three times.
//! - The write quota and the sign-in slowing are shared by the processes: what one
//!   process counted, the other refuses.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use tadhkira_client::{AlertKind, ListQuery, NewTicketInput, RecordingNotifier};
use tadhkira_proto::{Channel, Contact, Description, NewTicket, Priority, TicketTitle, Visibility};
use tadhkira_testkit::cluster::{Cluster, ClusterSpec};
use tadhkira_tests::server::{open_device, Device, PASSWORD};
use uuid::Uuid;

/// Starts a cluster of `processes` with these settings (TOML), or panics saying why.
fn cluster(processes: usize, settings: &str) -> Cluster {
    let spec = ClusterSpec {
        settings: settings.to_owned(),
        ..ClusterSpec::new(processes)
    };
    let cluster = tokio::task::block_in_place(|| Cluster::start(&spec))
        .unwrap_or_else(|e| panic!("the cluster did not start: {e:#}"));
    tokio::task::block_in_place(|| cluster.admin(&["demo"])).unwrap_or_else(|e| panic!("{e:#}"));
    cluster
}

/// A device of `email` signed in at `url` (the balancer or one process), first sync
/// done.
async fn device_at(url: &str, email: &str) -> Device {
    let dir = tempfile::tempdir().expect("temp dir");
    let alerts = std::sync::Arc::new(RecordingNotifier::default());
    let engine = open_device(dir.path(), alerts.clone()).await;
    engine
        .sign_in(url, email, PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("{email} signs in at {url}: {e}"));
    engine.sync_now().await.expect("first sync");
    Device {
        engine,
        alerts,
        dir,
    }
}

fn input(title: String) -> NewTicketInput {
    serde_json::from_value(serde_json::json!({ "title": title, "description": "cluster" })).unwrap()
}

async fn wait_for<F, Fut>(what: &str, limit: Duration, mut done: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    started.elapsed()
}

async fn all_live(devices: &[Device], what: &str, limit: Duration) -> Duration {
    wait_for(what, limit, move || async move {
        devices.iter().all(|d| d.engine.sync_state().live)
    })
    .await
}

/// Rows answered by a `SELECT COUNT(*)` on the cluster's database.
async fn count(cluster: &Cluster, sql: &str) -> i64 {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(cluster.database_url())
        .await
        .expect("connect to the cluster's database");
    sqlx::query_scalar(sql)
        .fetch_one(&mut c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reply_through_one_process_alerts_a_customer_streaming_from_another() {
    let cluster = cluster(3, "");
    let (first, second) = (
        cluster.process_url(0).unwrap(),
        cluster.process_url(1).unwrap(),
    );
    // The customer's engine talks to the first process only, the agent's to the second,
    // and a second device of the customer to whichever the balancer picks.
    let customer = device_at(&first, "customer@nile.example").await;
    let through_balancer = device_at(&cluster.url(), "customer@nile.example").await;
    let agent = device_at(&second, "l1@tadhkira.example").await;
    let watching = [customer, through_balancer];
    for d in &watching {
        d.engine.start_background_sync();
    }
    all_live(
        &watching,
        "the customer's live streams",
        Duration::from_secs(20),
    )
    .await;

    let c = &watching[0].engine;
    let t = c
        .create_ticket(input("Scanner at the depot rejects every badge".into()))
        .await
        .unwrap();
    c.sync_now().await.unwrap();
    agent.engine.sync_now().await.unwrap();
    agent
        .engine
        .add_message(
            t,
            "Reset the scanner's badge list; on our way.",
            Visibility::Public,
        )
        .await
        .unwrap();
    agent.engine.sync_now().await.unwrap();

    // No one asks the customer's engines to sync: the notice goes from the second
    // process through PostgreSQL to every process, down each one's event stream.
    let replied = |d: &Device| {
        d.alerts
            .alerts()
            .iter()
            .filter(|a| a.ticket_id == t && a.kind == AlertKind::Reply)
            .count()
    };
    let (devices, replied_on) = (&watching, &replied);
    let took = wait_for(
        "the reply alert on both of the customer's devices",
        Duration::from_secs(15),
        move || async move { devices.iter().all(|d| replied_on(d) >= 1) },
    )
    .await;
    eprintln!("cluster: the reply alert arrived {took:.2?} after the agent's push");
    tokio::time::sleep(Duration::from_millis(500)).await;
    for d in &watching {
        assert_eq!(replied(d), 1, "one alert per device, not one per process");
    }
}

/// Engines pushing at once, each its own device of one customer.
const ENGINES: usize = 20;
/// Tickets each engine files (every other one with a message).
const TICKETS_EACH: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_process_killed_under_pushes_from_20_engines_loses_and_duplicates_nothing() {
    // Twenty devices of one customer: more live streams than one process allows a
    // user by default (the bound is per process).
    let mut cluster = cluster(3, "[event_streams]\nmax_per_user = 64\n");
    let url = cluster.url();
    let mut engines = Vec::with_capacity(ENGINES);
    for _ in 0..ENGINES {
        engines.push(device_at(&url, "customer@nile.example").await);
    }
    // An agent's engine that only listens: it must converge on everything by live
    // events alone, whichever process its stream was on.
    let watchers = [device_at(&url, "l1@tadhkira.example").await];
    for d in engines.iter().chain(&watchers) {
        d.engine.start_background_sync();
    }
    all_live(
        &engines,
        "the engines' live streams",
        Duration::from_secs(30),
    )
    .await;
    all_live(
        &watchers,
        "the watcher's live stream",
        Duration::from_secs(30),
    )
    .await;

    let tag = format!("cl{}", Uuid::new_v4().simple());
    let started = Instant::now();
    let writers: Vec<_> = engines
        .iter()
        .enumerate()
        .map(|(e, d)| {
            let (engine, tag) = (d.engine.clone(), tag.clone());
            tokio::spawn(async move {
                let mut failed_syncs = 0;
                for i in 0..TICKETS_EACH {
                    let t = engine
                        .create_ticket(input(format!("{tag} e{e} n{i}")))
                        .await
                        .expect("a local change never fails");
                    if i % 2 == 0 {
                        engine
                            .add_message(t, "Photo of the error attached.", Visibility::Public)
                            .await
                            .expect("a local change never fails");
                    }
                    if engine.sync_now().await.is_err() {
                        failed_syncs += 1;
                    }
                    tokio::time::sleep(Duration::from_millis(40)).await;
                }
                failed_syncs
            })
        })
        .collect();

    // Kill the first process once a quarter of the tickets are in.
    let quarter = (ENGINES * TICKETS_EACH / 4) as i64;
    let tickets_sql = format!("SELECT COUNT(*) FROM tickets WHERE title LIKE '{tag} %'");
    let (c, sql) = (&cluster, tickets_sql.as_str());
    wait_for(
        "a quarter of the tickets",
        Duration::from_secs(60),
        move || async move { count(c, sql).await >= quarter },
    )
    .await;
    let killed_at = started.elapsed();
    assert!(tokio::task::block_in_place(|| cluster.kill(0)));

    let mut failed_syncs = 0;
    for w in writers {
        failed_syncs += w.await.expect("writer task");
    }
    // Every engine drains what is left (a push cut by the kill is sent again).
    for d in &engines {
        let e = &d.engine;
        wait_for(
            "an engine's outbox draining",
            Duration::from_secs(60),
            move || async move { e.sync_now().await.is_ok() && e.sync_state().queued == 0 },
        )
        .await;
        assert_eq!(
            d.engine.sync_state().rejected,
            0,
            "{:?}",
            d.engine.outbox().await
        );
    }
    let pushed_in = started.elapsed();

    // Exactly once, counted in the tables.
    let messages_each = TICKETS_EACH.div_ceil(2);
    let tickets = count(&cluster, &tickets_sql).await;
    let messages = count(
        &cluster,
        &format!(
            "SELECT COUNT(*) FROM messages m JOIN tickets t ON t.id = m.ticket_id \
             WHERE t.title LIKE '{tag} %'"
        ),
    )
    .await;
    let distinct_titles = count(
        &cluster,
        &format!("SELECT COUNT(DISTINCT title) FROM tickets WHERE title LIKE '{tag} %'"),
    )
    .await;
    let applied = count(
        &cluster,
        &format!(
            "SELECT COUNT(*) FROM applied_mutations a JOIN tickets t ON t.id = a.ticket_id \
             WHERE t.title LIKE '{tag} %'"
        ),
    )
    .await;
    let (want_tickets, want_messages) = (ENGINES * TICKETS_EACH, ENGINES * messages_each);
    assert_eq!(
        (tickets, distinct_titles, messages, applied),
        (
            want_tickets as i64,
            want_tickets as i64,
            want_messages as i64,
            (want_tickets + want_messages) as i64
        ),
        "tickets, distinct titles, messages and applied mutations on the server"
    );

    // The streams the dead process held were cut (HAProxy logs each stream when it
    // ends), and every engine is live again through the balancer.
    let cut = cluster
        .balancer_log()
        .lines()
        .filter(|l| l.contains("/tadhkira1 ") && l.contains("GET /api/v1/events"))
        .count();
    assert!(
        cut >= 1,
        "no live stream was on the killed process: {}",
        cluster.balancer_log()
    );
    let relive = all_live(
        &engines,
        "the engines reconnecting",
        Duration::from_secs(30),
    )
    .await;
    all_live(
        &watchers,
        "the watcher reconnecting",
        Duration::from_secs(30),
    )
    .await;

    // The watcher has every ticket and message without being asked to sync.
    let (w, tag) = (&watchers[0].engine, tag.as_str());
    let converged = wait_for(
        "the watcher converging by live events",
        Duration::from_secs(30),
        move || async move {
            let rows = w
                .list_tickets(&ListQuery {
                    search: Some(tag.to_owned()),
                    limit: 500,
                    ..Default::default()
                })
                .await
                .unwrap()
                .rows;
            rows.len() == want_tickets && rows.iter().all(|r| r.number.is_some())
        },
    )
    .await;
    eprintln!(
        "cluster: {ENGINES} engines, {} mutations through HAProxy in {pushed_in:.1?}; process 1 \
         SIGKILLed at {killed_at:.1?}; {cut} live streams cut, {failed_syncs} syncs failed and \
         were retried; all live again {relive:.1?} after the drain; the watcher converged \
         {converged:.1?} after that",
        want_tickets + want_messages
    );
    for d in engines.iter().chain(&watchers) {
        assert_eq!(d.engine.integrity_check().await.unwrap(), "ok");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_jobs_run_once_per_interval_across_three_processes() {
    let started = Instant::now();
    let cluster = cluster(3, "[lifecycle]\njob_interval_seconds = 1\n");
    tokio::time::sleep(Duration::from_millis(4_500)).await;
    let runs = count(
        &cluster,
        "SELECT COALESCE(MAX(runs), 0) FROM job_leases WHERE name = 'lifecycle'",
    )
    .await;
    let elapsed = started.elapsed().as_secs_f64();
    // Each run holds the job's lease for 0.9 of the interval.
    let most = (elapsed / 0.9).floor() as i64 + 1;
    assert!(
        (2..=most).contains(&runs),
        "{runs} runs in {elapsed:.1} s by 3 processes ticking every second: at most {most} \
         with the lease (about {} without)",
        3 * elapsed as i64
    );
}

/// A new ticket for the REST API.
fn rest_ticket(title: &str) -> NewTicket {
    NewTicket {
        id: Uuid::now_v7(),
        title: TicketTitle::parse(title).unwrap(),
        description: Description::parse("Shared quota").unwrap(),
        priority: Priority::Normal,
        channel: Channel::Desktop,
        category: None,
        contact: Contact::default(),
        checks: vec![],
        system_info: None,
        requester_id: None,
        lapsed_override: None,
        attachments: vec![],
        terms_version: None,
    }
}

async fn login(
    http: &reqwest::Client,
    url: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    http.post(format!("{url}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": email, "password": password}))
        .send()
        .await
        .expect("the sign-in is answered")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_write_quota_and_sign_in_slowing_are_shared_by_two_processes() {
    let cluster = cluster(
        2,
        "[write_quota]\nmutations_per_minute = 60\nburst = 5\n\n\
         [login_limit]\nmax_failures_per_account = 2\nbase_delay_seconds = 60\n",
    );
    let urls = [
        cluster.process_url(0).unwrap(),
        cluster.process_url(1).unwrap(),
    ];
    let http = reqwest::Client::new();
    let token: String = login(&http, &urls[0], "customer@nile.example", PASSWORD)
        .await
        .json::<serde_json::Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let create = |url: &str, n: usize| {
        http.post(format!("{url}/api/v1/tickets"))
            .bearer_auth(&token)
            .json(&rest_ticket(&format!("Quota ticket {n}")))
            .send()
    };
    // The burst of five, three through one process and two through the other...
    for (n, url) in [&urls[0], &urls[0], &urls[1], &urls[0], &urls[1]]
        .into_iter()
        .enumerate()
    {
        let resp = create(url, n).await.unwrap();
        assert_eq!(resp.status(), StatusCode::CREATED, "write {n}");
    }
    // ...and the sixth is refused by either, with the wait until a write fits again.
    for url in &urls {
        let resp = create(url, 5).await.unwrap();
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry: u64 = resp.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=2).contains(&retry), "Retry-After {retry}");
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["code"], "rate_limited", "{body}");
    }
    assert_eq!(
        count(
            &cluster,
            "SELECT COUNT(*) FROM tickets WHERE title LIKE 'Quota ticket %'"
        )
        .await,
        5
    );

    // Two wrong passwords, one on each process: the third attempt is slowed on the
    // first, and a right password does not get through while it is.
    for url in &urls {
        let resp = login(&http, url, "l2@tadhkira.example", "wrong-password").await;
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    }
    for password in ["wrong-password", PASSWORD] {
        let resp = login(&http, &urls[0], "l2@tadhkira.example", password).await;
        assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "{password}");
        let retry: u64 = resp.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((50..=60).contains(&retry), "Retry-After {retry}");
    }
}
