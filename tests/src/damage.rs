//! Damage to an account's local database, as a disk does it, for the recovery suites
//! (issue 21): the engine and the real app must keep the damaged file, rebuild, and
//! salvage the outbox.

use std::path::{Path, PathBuf};

use sqlx::Connection;

/// The account's database in an engine's data folder (`accounts/<user id>/local.db`);
/// panics unless exactly one account is there.
pub fn local_db(engine_dir: &Path) -> PathBuf {
    let accounts = engine_dir.join("accounts");
    let mut users = std::fs::read_dir(&accounts)
        .unwrap_or_else(|e| panic!("{}: {e}", accounts.display()))
        .map(|entry| entry.expect("an account folder").path());
    let user = users.next().expect("one account");
    assert!(users.next().is_none(), "more than one account");
    user.join("local.db")
}

/// Scribbles over the b-tree header of the root page of the table `table`: SQLite then
/// calls that page corrupt (the outbox's pages are left alone). What a closed app left
/// in the write-ahead log is first moved into the file (as SQLite's next opening would),
/// so the page damaged is the one every later reader gets.
pub async fn scribble_root_page_of(db: &Path, table: &str) {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("open the database");
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut c)
        .await
        .expect("checkpoint the write-ahead log");
    let root: i64 = sqlx::query_scalar("SELECT rootpage FROM sqlite_master WHERE name = ?")
        .bind(table)
        .fetch_one(&mut c)
        .await
        .expect("the table's root page");
    c.close().await.expect("close");
    let mut bytes = std::fs::read(db).expect("read the database");
    let page_size = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    assert!(root > 1, "not the header page");
    bytes[(root as usize - 1) * page_size] = 0x7F;
    std::fs::write(db, bytes).expect("write the database");
}
