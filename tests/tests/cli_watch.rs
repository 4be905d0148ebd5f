//! `tadhkira watch`: an agent's reply reaches a watching customer as one alert within a
//! second on loopback. The test prints the measured latencies.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tadhkira_proto::Visibility;
use tadhkira_tests::server::{spawn_server, PASSWORD};
use tadhkira_tests::workspace_bin;

/// A child process killed by its pid when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn cli(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(workspace_bin("tadhkira"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("TADHKIRA_PASSWORD", PASSWORD)
        .output()
        .expect("tadhkira runs")
}

/// A customer of the paid organisation signed in in a fresh data folder, with one
/// ticket filed (and numbered); the folder and the ticket's id.
fn customer_with_a_ticket(url: &str, title: &str) -> (tempfile::TempDir, uuid::Uuid) {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(
        dir.path(),
        &["login", "--server", url, "--email", "customer@nile.example"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli(
        dir.path(),
        &["--json", "new", "--title", title, "--description", "shop 3"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(created["number"].as_i64().unwrap() > 0, "{created}");
    let ticket = serde_json::from_value(created["id"].clone()).unwrap();
    (dir, ticket)
}

/// `tadhkira ARGS watch` in `dir`, once it said it is watching (that first line is
/// returned too): each later stdout line comes with the instant it was read.
fn watch(
    dir: &std::path::Path,
    args: &[&str],
) -> (Killed, mpsc::Receiver<(Instant, String)>, String) {
    let mut child = Command::new(workspace_bin("tadhkira"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .arg("watch")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("watch starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel::<(Instant, String)>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send((Instant::now(), line)).is_err() {
                return;
            }
        }
    });
    let (_, first) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("watch says it is watching");
    (Killed(child), rx, first)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agents_reply_reaches_a_watching_customer_within_a_second() {
    let server = spawn_server();
    server.demo();
    let (dir, ticket) = customer_with_a_ticket(&server.url(), "Till printer offline");
    let agent = server.device("l1@tadhkira.example").await;
    let a = &agent.engine;

    let (_watch, rx, first) = watch(dir.path(), &["--json"]);
    assert!(first.contains("watching"), "{first}");

    let mut latencies = Vec::new();
    for i in 0..5 {
        a.add_message(
            ticket,
            &format!("reply {i}: please power-cycle it"),
            Visibility::Public,
        )
        .await
        .unwrap();
        let sent = Instant::now();
        a.sync_now().await.unwrap();
        let (at, line) = rx
            .recv_timeout(Duration::from_secs(5))
            .expect("an alert arrives");
        let latency = at - sent;
        let alert: serde_json::Value = serde_json::from_str(&line).expect("a JSON alert");
        assert_eq!(alert["count"], 1, "{line}");
        assert_eq!(alert["ticket_id"], ticket.to_string());
        assert!(
            alert["body"]
                .as_str()
                .unwrap()
                .contains(&format!("reply {i}")),
            "{line}"
        );
        latencies.push(latency);
        // Exactly one alert for that reply.
        assert!(
            rx.recv_timeout(Duration::from_millis(300)).is_err(),
            "a second alert arrived"
        );
    }
    latencies.sort();
    eprintln!(
        "reply → watch alert latency over {} replies: min {:?}, median {:?}, max {:?}",
        latencies.len(),
        latencies[0],
        latencies[latencies.len() / 2],
        latencies[latencies.len() - 1]
    );
    assert!(
        latencies.iter().all(|l| *l < Duration::from_secs(1)),
        "{latencies:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watching_customer_reads_the_alert_in_arabic() {
    let server = spawn_server();
    server.demo();
    let (dir, ticket) = customer_with_a_ticket(&server.url(), "الطابعة لا تعمل");
    let agent = server.device("l1@tadhkira.example").await;

    let (_watch, rx, first) = watch(dir.path(), &["--lang", "ar"]);
    assert!(first.starts_with("المتابعة"), "{first}");
    agent
        .engine
        .add_message(ticket, "أعد تشغيل الطابعة من فضلك", Visibility::Public)
        .await
        .unwrap();
    agent.engine.sync_now().await.unwrap();
    let (_, line) = rx
        .recv_timeout(Duration::from_secs(10))
        .expect("an alert arrives");
    assert!(line.starts_with("ردّ على #"), "{line}");
    assert!(line.contains("الطابعة لا تعمل"), "{line}");
    assert!(line.contains("أعد تشغيل الطابعة من فضلك"), "{line}");
    assert!(!line.contains("Reply"), "no English: {line}");
}
