//! Migrations on a store made by an older version: the tickets already there get what
//! a new write would give them.

use std::path::Path;
use std::str::FromStr;

use chrono::{Duration, Utc};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection};
use tadhkira_proto::{Role, Status, Ticket};

use super::tickets::{breach_at, ts};
use super::Store;

/// A store at migration `last` (inclusive), as that version of the app left it.
async fn store_at(path: &Path, last: &str) -> sqlx::SqliteConnection {
    let old = tempfile::tempdir().unwrap();
    let mut files: Vec<_> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap() <= last)
        .collect();
    files.sort();
    for f in files {
        std::fs::copy(&f, old.path().join(f.file_name().unwrap())).unwrap();
    }
    let mut conn = SqliteConnectOptions::from_str("sqlite://")
        .unwrap()
        .filename(path)
        .create_if_missing(true)
        .connect()
        .await
        .unwrap();
    sqlx::migrate::Migrator::new(old.path())
        .await
        .unwrap()
        .run(&mut conn)
        .await
        .unwrap();
    conn
}

fn ticket(title: &str, f: impl Fn(&mut Ticket)) -> Ticket {
    let mut t = super::tests::ticket(title, &super::tests::user(Role::Customer));
    t.number = 1;
    t.status = Status::Open;
    f(&mut t);
    t
}

#[tokio::test]
async fn tickets_stored_before_breach_at_get_the_value_a_new_write_gives() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.db");
    // Times with nanoseconds (as the server sends them), whole seconds, and both
    // orders of the two targets.
    let soon = Utc::now() + Duration::nanoseconds(123_456_789);
    let whole = soon.date_naive().and_hms_opt(12, 0, 0).unwrap().and_utc();
    let tickets = [
        ticket("no targets", |_| {}),
        ticket("first response first", |t| {
            t.first_response_due_at = Some(soon);
            t.resolution_due_at = Some(soon + Duration::hours(8));
        }),
        ticket("resolution first", |t| {
            t.first_response_due_at = Some(soon + Duration::hours(8));
            t.resolution_due_at = Some(soon);
        }),
        ticket("first response on a whole second", |t| {
            t.first_response_due_at = Some(whole)
        }),
        ticket("first response met", |t| {
            t.first_response_due_at = Some(soon);
            t.first_response_at = Some(soon);
            t.resolution_due_at = Some(soon + Duration::hours(1));
        }),
        ticket("paused", |t| {
            t.resolution_due_at = Some(soon);
            t.sla_paused_at = Some(soon);
        }),
        ticket("solved", |t| {
            t.resolution_due_at = Some(soon);
            t.status = Status::Solved;
        }),
    ];
    let mut old = store_at(&path, "0003").await;
    for t in &tickets {
        sqlx::query(
            "INSERT INTO tickets (id, number, title, status, priority_rank, channel, tier,
                 requester_id, created_by, updated_at, resolution_due_at, data)
             VALUES (?, 1, ?, ?, 1, 'desktop', 1, ?, ?, ?, ?, ?)",
        )
        .bind(t.id.to_string())
        .bind(&t.title)
        .bind(t.status.as_str())
        .bind(t.requester_id.to_string())
        .bind(t.created_by.to_string())
        .bind(ts(t.updated_at))
        .bind(t.resolution_due_at.map(ts))
        .bind(serde_json::to_string(t).unwrap())
        .execute(&mut old)
        .await
        .unwrap();
    }
    old.close().await.unwrap();

    let s = Store::open(&path).await.unwrap();
    for t in &tickets {
        let stored: Option<String> =
            sqlx::query_scalar("SELECT breach_at FROM tickets WHERE id = ?")
                .bind(t.id.to_string())
                .fetch_one(&s.pool)
                .await
                .unwrap();
        assert_eq!(stored, breach_at(t), "{}", t.title);
    }
    assert!(breach_at(&tickets[1]).is_some() && breach_at(&tickets[5]).is_none());
}

#[tokio::test]
async fn an_outbox_queued_before_its_counts_were_kept_is_counted_then_followed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.db");
    let mut old = store_at(&path, "0013").await;
    for (i, state) in ["queued", "rejected", "queued", "queued"]
        .iter()
        .enumerate()
    {
        sqlx::query(
            "INSERT INTO outbox (id, ticket_id, kind, mutation, state, created_at)
             VALUES (?, ?, 'add_message', '{}', ?, '2026-12-07T00:00:00.000000Z')",
        )
        .bind(format!("m{i}"))
        .bind(format!("t{}", i % 2))
        .bind(state)
        .execute(&mut old)
        .await
        .unwrap();
    }
    old.close().await.unwrap();

    let s = Store::open(&path).await.unwrap();
    assert_eq!(s.outbox_counts().await.unwrap(), (3, 1));
    // From here the triggers keep them: a resend, a rejection and two entries leaving.
    for sql in [
        "UPDATE outbox SET state = 'queued' WHERE id = 'm1'",
        "UPDATE outbox SET state = 'rejected' WHERE id = 'm2'",
        "UPDATE outbox SET kind = 'add_message' WHERE id = 'm2'",
        "DELETE FROM outbox WHERE ticket_id = 't1'",
    ] {
        sqlx::query(sql).execute(&s.pool).await.unwrap();
    }
    assert_eq!(s.outbox_counts().await.unwrap(), (1, 1));
}
