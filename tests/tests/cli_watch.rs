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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agents_reply_reaches_a_watching_customer_within_a_second() {
    let server = spawn_server();
    server.demo();
    let dir = tempfile::tempdir().unwrap();
    let out = cli(
        dir.path(),
        &[
            "login",
            "--server",
            &server.url(),
            "--email",
            "customer@nile.example",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli(
        dir.path(),
        &[
            "--json",
            "new",
            "--title",
            "Till printer offline",
            "--description",
            "shop 3",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ticket: uuid::Uuid = serde_json::from_value(created["id"].clone()).unwrap();
    assert!(created["number"].as_i64().unwrap() > 0, "{created}");

    let agent = server.device("l1@tadhkira.example").await;
    let a = &agent.engine;

    let mut child = Command::new(workspace_bin("tadhkira"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["--json", "watch"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("watch starts");
    let stdout = child.stdout.take().unwrap();
    let _watch = Killed(child);
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
