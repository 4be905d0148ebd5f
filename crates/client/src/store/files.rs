//! The attached files' copies in the local store (`local_files`): where each is and
//! whether the server holds it. Which queued change names a file is in the change
//! itself (its mutation's `attachments`), so a copy is in use exactly while an outbox
//! entry names its hash.

use chrono::Utc;
use sqlx::{Row, SqliteConnection};
use tadhkira_proto::Sha256Hex;

use super::Store;
use crate::error::Result;
use crate::files::LocalFile;

/// Records copied files (inside the transaction that queues the change naming them, so
/// a copy is never forgotten between being copied and being queued).
pub(crate) async fn record_files(conn: &mut SqliteConnection, files: &[LocalFile]) -> Result<()> {
    for f in files {
        sqlx::query(
            "INSERT INTO local_files (sha256, size, path, created_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(f.sha256.as_str())
        .bind(f.size)
        .bind(&f.path)
        .bind(Utc::now().to_rfc3339())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

impl Store {
    /// Where a file's copy is (relative to the account's folder) and whether the server
    /// holds it; `None` when it was not copied here.
    pub async fn local_file(&self, sha256: &Sha256Hex) -> Result<Option<(String, bool)>> {
        let row = sqlx::query("SELECT path, uploaded FROM local_files WHERE sha256 = ?")
            .bind(sha256.as_str())
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some((r.try_get("path")?, r.try_get::<i64, _>("uploaded")? != 0)),
            None => None,
        })
    }

    /// Notes that the server holds the file (verified), with the type it found.
    pub async fn file_uploaded(&self, sha256: &Sha256Hex, content_type: &str) -> Result<()> {
        sqlx::query("UPDATE local_files SET uploaded = 1, content_type = ? WHERE sha256 = ?")
            .bind(content_type)
            .bind(sha256.as_str())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Copies no outbox entry names any more (their change was accepted or discarded).
    pub async fn unused_files(&self) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT path FROM local_files f WHERE NOT EXISTS \
             (SELECT 1 FROM outbox o WHERE instr(o.mutation, f.sha256) > 0)",
        )
        .fetch_all(&self.pool)
        .await?)
    }

    /// Forgets a copy whose file was deleted.
    pub async fn forget_file(&self, path: &str) -> Result<()> {
        sqlx::query("DELETE FROM local_files WHERE path = ?")
            .bind(path)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
