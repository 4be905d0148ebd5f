//! Attachments delivered exactly once: a ticket with a 20 MiB log and a screenshot is
//! queued offline with `tadhkira new --attach`, the originals are deleted, and the
//! `tadhkira sync` that uploads them is SIGKILLed mid-file. Run again, it resumes at the
//! server's offset: each file is uploaded once (one upload per file on the server, never
//! restarted from zero), stored once, and its hash on the server matches; the device's
//! copies are gone once the ticket is accepted.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::{Connection, Row};
use tadhkira_client::RecordingNotifier;
use tadhkira_tests::server::{open_device, spawn_server};
use tadhkira_tests::workspace_bin;

/// A real 1×1 PNG.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82";

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn tadhkira(dir: &Path) -> Command {
    let mut c = Command::new(workspace_bin("tadhkira"));
    c.arg("--data-dir").arg(dir).arg("--lang").arg("en");
    c
}

/// Bytes of the server's upload in progress (its staged file), if one exists.
fn staged_bytes(server_dir: &Path) -> u64 {
    std::fs::read_dir(server_dir.join("uploads"))
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_upload_resumes_and_delivers_each_file_exactly_once() {
    let server = spawn_server();
    server.demo();
    let device = tempfile::tempdir().unwrap();
    server
        .sign_in_for_cli(device.path(), "customer@nile.example")
        .await;

    // The files, queued offline with the ticket; then the originals go.
    let originals = tempfile::tempdir().unwrap();
    let line = "2026-12-01T09:00:00Z ERROR spooler: الطابعة غير متصلة (code 0x1f)\n";
    let mut log = line.repeat(20 * 1024 * 1024 / line.len() + 1).into_bytes();
    log.truncate(20 * 1024 * 1024);
    // End on whole characters: a cut one would not be text.
    while let Err(e) = std::str::from_utf8(&log) {
        let at = e.valid_up_to();
        log[at] = b'.';
    }
    let (log_path, png_path) = (
        originals.path().join("app.log"),
        originals.path().join("shot.png"),
    );
    std::fs::write(&log_path, &log).unwrap();
    std::fs::write(&png_path, PNG).unwrap();
    let out = tadhkira(device.path())
        .args([
            "--offline",
            "new",
            "--title",
            "Printer offline since the update",
        ])
        .args(["--description", "Log and screenshot attached"])
        .arg("--attach")
        .arg(&log_path)
        .arg("--attach")
        .arg(&png_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(originals);

    // Sync, killed as soon as part of the log (not all of it) reached the server.
    let mut child = tadhkira(device.path())
        .arg("sync")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut killed_at = 0;
    while Instant::now() < deadline {
        let held = staged_bytes(server.data_dir());
        if held >= 1024 * 1024 {
            child.kill().unwrap();
            killed_at = held;
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sync finished before it could be killed mid-upload"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    child.wait().unwrap();
    assert!(
        killed_at > 0 && (killed_at as usize) < log.len(),
        "killed mid-file ({killed_at} bytes)"
    );
    assert!(
        !server.data_dir().join("blobs").exists()
            || std::fs::read_dir(server.data_dir().join("blobs"))
                .unwrap()
                .count()
                <= 1
    );

    // Run again: it resumes and finishes.
    let out = tadhkira(device.path()).arg("sync").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The server: each file uploaded by one upload, resumed not restarted, stored once.
    let url = format!(
        "sqlite://{}?mode=ro",
        server.data_dir().join("tadhkira.db").display()
    );
    let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
    for (bytes, what) in [(&log[..], "log"), (PNG, "png")] {
        let sha = sha256_hex(bytes);
        let rows = sqlx::query("SELECT received, completed_at FROM uploads WHERE sha256 = ?")
            .bind(&sha)
            .fetch_all(&mut db)
            .await
            .unwrap();
        assert_eq!(rows.len(), 1, "the {what} was uploaded once");
        assert_eq!(rows[0].get::<i64, _>("received"), bytes.len() as i64);
        assert!(rows[0].get::<Option<i64>, _>("completed_at").is_some());
        let stored = server
            .data_dir()
            .join("blobs")
            .join(&sha[..2])
            .join(&sha[2..]);
        assert_eq!(
            sha256_hex(&std::fs::read(&stored).unwrap()),
            sha,
            "the {what} on the server"
        );
    }
    let blobs: i64 = sqlx::query("SELECT COUNT(*) AS n FROM blobs")
        .fetch_one(&mut db)
        .await
        .unwrap()
        .get("n");
    assert_eq!(blobs, 2);
    let tickets: i64 = sqlx::query(
        "SELECT COUNT(*) AS n FROM tickets WHERE title = 'Printer offline since the update'",
    )
    .fetch_one(&mut db)
    .await
    .unwrap()
    .get("n");
    assert_eq!(tickets, 1, "the ticket is there once");
    db.close().await.unwrap();

    // The device: nothing queued, its copies gone; the agent downloads the same bytes.
    let e = open_device(device.path(), Arc::new(RecordingNotifier::default())).await;
    assert!(e.outbox().await.unwrap().is_empty());
    let files = std::fs::read_dir(e.data_dir().join("accounts"))
        .unwrap()
        .flatten()
        .map(|a| a.path().join("files"))
        .filter(|f| f.exists())
        .flat_map(|f| std::fs::read_dir(f).unwrap().flatten())
        .flat_map(|sub| {
            std::fs::read_dir(sub.path())
                .into_iter()
                .flatten()
                .flatten()
        })
        .count();
    assert_eq!(files, 0, "the device's copies are deleted once delivered");
    e.close().await;
    let agent = server.device("l1@tadhkira.example").await;
    let row = agent
        .engine
        .list_tickets(&tadhkira_client::ListQuery {
            search: Some("Printer offline since the update".into()),
            ..Default::default()
        })
        .await
        .unwrap()
        .rows
        .remove(0);
    let listed = agent.engine.attachments(&row.id.to_string()).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|a| (a.name.as_str(), a.size))
            .collect::<Vec<_>>(),
        [
            ("app.log", log.len() as i64),
            ("shot.png", PNG.len() as i64)
        ]
    );
    let into = tempfile::tempdir().unwrap();
    let got = agent
        .engine
        .download_attachment(&row.id.to_string(), "1", Some(into.path()))
        .await
        .unwrap();
    assert_eq!(got, into.path().join("app.log"));
    assert_eq!(sha256_hex(&std::fs::read(&got).unwrap()), sha256_hex(&log));
}
