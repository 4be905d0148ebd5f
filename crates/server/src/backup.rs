//! Backup and restore of the embedded SQLite database, and the epoch a restore rotates.
//!
//! Why an epoch: clients remember how far they pulled (a cursor into the change feed).
//! A database restored from a backup is *behind* every client that synced after the
//! backup was taken, and its feed will hand out the same sequence numbers again for
//! different changes. A new epoch makes each client notice and pull everything from the
//! start. `restore` therefore always rotates it; a database put back by hand (files
//! copied, `pg_restore`) gets it with `restore --new-epoch`. Should that be forgotten,
//! a client whose cursor is ahead of the feed is answered `cursor_ahead` and starts over
//! too — but once the restored server has written past that cursor, only the epoch
//! tells, which is why the command exists.
//!
//! The restore never deletes: the database it replaces is kept beside it, named
//! `tadhkira.db.replaced-<UTC time>`.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use uuid::Uuid;

use crate::config::{DatabaseSettings, DatabaseUrl};
use crate::db::Store;

/// The server's SQLite file in a data folder (as `Config::effective_database_url`).
pub const DB_FILE: &str = "tadhkira.db";

/// What a restore did.
#[derive(Debug)]
pub struct Restored {
    /// The restored database's new epoch.
    pub epoch: Uuid,
    /// Where the database it replaced was moved, if there was one.
    pub replaced: Option<PathBuf>,
}

/// Writes a consistent copy of the running (or stopped) server's database to `to`.
pub async fn backup(store: &Store, to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        bail!("{} exists; a backup never overwrites a file", to.display());
    }
    store
        .backup_sqlite_into(to)
        .await
        .with_context(|| format!("backing up into {}", to.display()))?;
    Ok(())
}

/// Replaces the SQLite database in `data_dir` by the backup `from` (the server must be
/// stopped): checks the backup (it opens, its migrations apply, its pages are sound),
/// gives it a new epoch, keeps the replaced database beside it, and moves it in place.
pub async fn restore_sqlite(data_dir: &Path, from: &Path) -> anyhow::Result<Restored> {
    if !from.is_file() {
        bail!("{} is not a file", from.display());
    }
    let mut magic = [0u8; 16];
    let read = std::io::Read::read(&mut std::fs::File::open(from)?, &mut magic)?;
    if read < magic.len() || &magic != b"SQLite format 3\0" {
        bail!("{} is not a Tadhkira database (not SQLite)", from.display());
    }
    std::fs::create_dir_all(data_dir)?;
    let staged = data_dir.join(format!("{DB_FILE}.restoring"));
    for f in sidecars(&staged) {
        let _ = std::fs::remove_file(f);
    }
    std::fs::copy(from, &staged)
        .with_context(|| format!("copying {} into {}", from.display(), data_dir.display()))?;

    let epoch = {
        let path = staged.display().to_string().replace('\\', "/");
        let url = DatabaseUrl(format!("sqlite://{path}?mode=rw"));
        let store = Store::connect_with(&url, DatabaseSettings::default())
            .await
            .with_context(|| format!("{} is not a Tadhkira database", from.display()))?;
        let check = store.integrity_check().await?;
        if check != "ok" {
            store.close().await;
            let _ = std::fs::remove_file(&staged);
            bail!("{} is damaged: {check}", from.display());
        }
        let epoch = store.rotate_epoch().await?;
        store.checkpoint().await?;
        store.close().await;
        epoch
    };
    // The log must be empty (checkpointed); the shared-memory index is only a cache.
    let [_, wal, shm] = sidecars(&staged);
    if std::fs::metadata(&wal)
        .map(|m| m.len() > 0)
        .unwrap_or(false)
    {
        bail!(
            "{} was not checkpointed; nothing was replaced",
            wal.display()
        );
    }
    let _ = std::fs::remove_file(wal);
    let _ = std::fs::remove_file(shm);
    std::fs::File::open(&staged)?.sync_all()?;

    let current = data_dir.join(DB_FILE);
    let replaced = if current.exists() {
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let aside = data_dir.join(format!("{DB_FILE}.replaced-{stamp}"));
        for (from, to) in sidecars(&current).into_iter().zip(sidecars(&aside)) {
            if from.exists() {
                std::fs::rename(&from, &to)
                    .with_context(|| format!("moving {} aside", from.display()))?;
            }
        }
        Some(aside)
    } else {
        None
    };
    std::fs::rename(&staged, &current)?;
    std::fs::File::open(data_dir)?.sync_all()?;
    Ok(Restored { epoch, replaced })
}

/// A database file and its WAL and shared-memory files.
fn sidecars(db: &Path) -> [PathBuf; 3] {
    let name = db.as_os_str().to_owned();
    let with = |suffix: &str| {
        let mut n = name.clone();
        n.push(suffix);
        PathBuf::from(n)
    };
    [db.to_path_buf(), with("-wal"), with("-shm")]
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store_in(dir: &Path) -> Store {
        let url = DatabaseUrl(format!("sqlite://{}?mode=rwc", dir.join(DB_FILE).display()));
        Store::connect(&url).await.unwrap()
    }

    #[tokio::test]
    async fn a_restore_puts_the_backup_in_place_with_a_new_epoch_and_keeps_the_old_file() {
        let data = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let backup_file = elsewhere.path().join("backup.db");

        let store = store_in(data.path()).await;
        let original = store.epoch();
        backup(&store, &backup_file).await.unwrap();
        assert!(
            backup(&store, &backup_file).await.is_err(),
            "overwrote a backup"
        );
        store.close().await;

        let restored = restore_sqlite(data.path(), &backup_file).await.unwrap();
        assert_ne!(restored.epoch, original);
        assert!(restored.replaced.as_ref().unwrap().exists());

        let store = store_in(data.path()).await;
        assert_eq!(store.epoch(), restored.epoch);
        store.close().await;
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_database_replaces_nothing() {
        let data = tempfile::tempdir().unwrap();
        let store = store_in(data.path()).await;
        let epoch = store.epoch();
        store.close().await;
        let junk = data.path().join("junk.db");
        std::fs::write(&junk, b"this is not SQLite, just some bytes of text").unwrap();

        let err = restore_sqlite(data.path(), &junk).await.unwrap_err();
        assert!(
            format!("{err:#}").contains("not a Tadhkira database"),
            "{err:#}"
        );
        let store = store_in(data.path()).await;
        assert_eq!(store.epoch(), epoch, "the live database was touched");
        store.close().await;
    }
}
