//! Attachments in the database: uploads in progress, the blobs stored, and the files on
//! tickets and messages.
//!
//! Who may attach a blob: someone who uploaded those bytes themselves (a completed
//! upload of theirs), or who may already see a file with those bytes (forwarding a
//! customer's screenshot into an internal note). Knowing a hash is not enough: a
//! customer who guesses or overhears one gets `not_found`, exactly as for a blob that
//! does not exist, so the answer never tells them whether it does.
//!
//! Who may download an attachment: whoever may see what it is on (a ticket's
//! description: anyone who may see the ticket; a message: the same, and for an internal
//! note staff only).

use sqlx::any::AnyRow;
use sqlx::Row;
use tadhkira_proto::{
    Attachment, AttachmentRef, ErrorCode, Message, Sha256Hex, Ticket, UploadStart, UploadStatus,
};
use uuid::Uuid;

use super::writer::{Rejection, Writer};
use super::{rows, Caller, Store, StoreError};
use crate::config::AttachmentLimits;

/// An upload as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadRow {
    /// Its id.
    pub id: Uuid,
    /// Who sends it.
    pub user_id: Uuid,
    /// The hash the bytes must have.
    pub sha256: Sha256Hex,
    /// The size declared at the start.
    pub size: i64,
    /// Bytes held so far.
    pub received: i64,
    /// The type found in the content (from the first chunk, final once complete).
    pub content_type: Option<String>,
    /// The bytes matched the hash and the blob is stored.
    pub completed: bool,
}

impl UploadRow {
    /// The wire answer.
    pub fn status(&self) -> UploadStatus {
        UploadStatus {
            id: self.id,
            offset: self.received,
            size: self.size,
            complete: self.completed,
            content_type: self.content_type.clone(),
        }
    }
}

const UPLOAD_COLUMNS: &str =
    "id, user_id, sha256, size, received, content_type, completed_at FROM uploads";

fn upload(row: &AnyRow) -> Result<UploadRow, StoreError> {
    let sha: String = row.try_get("sha256")?;
    Ok(UploadRow {
        id: rows::uuid(row, "id")?,
        user_id: rows::uuid(row, "user_id")?,
        sha256: Sha256Hex::parse(&sha).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        size: row.try_get("size")?,
        received: row.try_get("received")?,
        content_type: row.try_get("content_type")?,
        completed: row.try_get::<Option<i64>, _>("completed_at")?.is_some(),
    })
}

/// Columns of an attachment (`a`), in the order [`attachment`] reads them.
pub(super) const ATTACHMENT_COLUMNS: &str =
    "a.id, a.ticket_id, a.message_id, a.sha256, a.name, a.size, \
    a.content_type";

pub(super) fn attachment(row: &impl rows::Cols) -> Result<Attachment, StoreError> {
    Ok(Attachment {
        id: rows::uuid(row, "id")?,
        name: row.col("name")?,
        size: row.col("size")?,
        content_type: row.col("content_type")?,
        sha256: row.col("sha256")?,
    })
}

/// A reference that passed its checks: the blob's size and type as stored.
pub(super) struct Resolved {
    r: AttachmentRef,
    size: i64,
    content_type: String,
}

impl Store {
    /// The newest upload by `user` of these bytes (same hash and size), if any: a start
    /// repeated after a cut resumes it, and a completed one means "already have it".
    pub async fn find_upload(
        &self,
        user: Uuid,
        start: &UploadStart,
    ) -> Result<Option<UploadRow>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {UPLOAD_COLUMNS} WHERE user_id = $1 AND sha256 = $2 AND size = $3 \
             ORDER BY completed_at IS NULL, created_at DESC LIMIT 1"
        ))
        .bind(user.to_string())
        .bind(start.sha256.as_str())
        .bind(start.size)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(upload).transpose()
    }

    /// Records a new upload with nothing received yet.
    pub async fn create_upload(
        &self,
        user: Uuid,
        start: &UploadStart,
    ) -> Result<UploadRow, StoreError> {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO uploads (id, user_id, sha256, size, name, received, content_type, \
             created_at, completed_at) VALUES ($1, $2, $3, $4, $5, 0, NULL, $6, NULL)",
        )
        .bind(id.to_string())
        .bind(user.to_string())
        .bind(start.sha256.as_str())
        .bind(start.size)
        .bind(start.name.as_str())
        .bind(rows::now_ms())
        .execute(&self.pool)
        .await?;
        Ok(UploadRow {
            id,
            user_id: user,
            sha256: start.sha256.clone(),
            size: start.size,
            received: 0,
            content_type: None,
            completed: false,
        })
    }

    /// An upload of `user`'s; another user's is [`StoreError::NotFound`].
    pub async fn upload(&self, user: Uuid, id: Uuid) -> Result<UploadRow, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {UPLOAD_COLUMNS} WHERE id = $1 AND user_id = $2"
        ))
        .bind(id.to_string())
        .bind(user.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref()
            .map(upload)
            .transpose()?
            .ok_or(StoreError::NotFound)
    }

    /// Counts the bytes now held (after they were written and fsynced), and the type
    /// found in the first chunk.
    pub async fn upload_received(
        &self,
        id: Uuid,
        received: i64,
        content_type: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE uploads SET received = $2, content_type = COALESCE($3, content_type) \
             WHERE id = $1",
        )
        .bind(id.to_string())
        .bind(received)
        .bind(content_type)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records the blob (once, whoever stored it first) and the upload as complete.
    pub async fn complete_upload(
        &self,
        up: &UploadRow,
        content_type: &str,
    ) -> Result<(), StoreError> {
        let now = rows::now_ms();
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO blobs (sha256, size, content_type, stored_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (sha256) DO NOTHING",
        )
        .bind(up.sha256.as_str())
        .bind(up.size)
        .bind(content_type)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE uploads SET received = size, content_type = $2, completed_at = $3 \
             WHERE id = $1",
        )
        .bind(up.id.to_string())
        .bind(content_type)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets an upload whose bytes were refused (wrong hash, refused type).
    pub async fn drop_upload(&self, id: Uuid) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM uploads WHERE id = $1 AND completed_at IS NULL")
            .bind(id.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The attachment `id` if `caller` may see what it is on; else
    /// [`StoreError::NotFound`] (never telling whether it exists).
    pub async fn attachment_for(
        &self,
        caller: &Caller,
        id: Uuid,
    ) -> Result<Attachment, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ATTACHMENT_COLUMNS}, t.org_id, m.visibility FROM attachments a \
             JOIN tickets t ON t.id = a.ticket_id LEFT JOIN messages m ON m.id = a.message_id \
             WHERE a.id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        if !caller.is_staff() {
            let org = rows::uuid(&row, "org_id")?;
            let visibility: Option<String> = row.try_get("visibility")?;
            let public = visibility.as_deref().is_none_or(|v| v == "public");
            if Some(org) != caller.user.org_id || !public {
                return Err(StoreError::NotFound);
            }
        }
        attachment(&row)
    }

    /// Fills in the files of each message.
    pub(super) async fn fill_message_attachments(
        &self,
        messages: &mut [Message],
    ) -> Result<(), StoreError> {
        let ids: Vec<Uuid> = messages.iter().map(|m| m.id).collect();
        let mut found = self.attachments_where("a.message_id", &ids).await?;
        for m in messages {
            m.attachments = found.remove(&m.id).unwrap_or_default();
        }
        Ok(())
    }

    /// Fills in the files of each ticket's description.
    pub(super) async fn fill_ticket_attachments(
        &self,
        tickets: &mut [Ticket],
    ) -> Result<(), StoreError> {
        let ids: Vec<Uuid> = tickets.iter().map(|t| t.id).collect();
        let mut found = self.attachments_where("a.ticket_id", &ids).await?;
        for t in tickets {
            t.attachments = found.remove(&t.id).unwrap_or_default();
        }
        Ok(())
    }

    /// Attachments whose `col` is one of `ids` (a ticket's: its description's only),
    /// grouped by that id, in attaching order.
    pub(super) async fn attachments_where(
        &self,
        col: &str,
        ids: &[Uuid],
    ) -> Result<std::collections::HashMap<Uuid, Vec<Attachment>>, StoreError> {
        let mut out: std::collections::HashMap<Uuid, Vec<Attachment>> = Default::default();
        let on_ticket = if col == "a.ticket_id" {
            " AND a.message_id IS NULL"
        } else {
            ""
        };
        for chunk in ids.chunks(500) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT {ATTACHMENT_COLUMNS}, {col} AS owner FROM attachments a \
                 WHERE {col} IN ({}){on_ticket} ORDER BY a.position",
                marks.join(", ")
            );
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(id.to_string());
            }
            for row in q.fetch_all(&self.pool).await? {
                let owner = rows::uuid(&row, "owner")?;
                out.entry(owner).or_default().push(attachment(&row)?);
            }
        }
        Ok(out)
    }
}

/// Checks the files a new ticket or message names, inside the apply transaction:
/// each blob is stored and `caller` may attach it (see the module comment), and they
/// add up to at most the per-message limit. Writes nothing.
pub(super) async fn resolve_refs(
    w: &mut Writer,
    caller: &Caller,
    refs: &[AttachmentRef],
    limits: &AttachmentLimits,
) -> Result<Result<Vec<Resolved>, Rejection>, StoreError> {
    let mut resolved = Vec::with_capacity(refs.len());
    let mut total = 0i64;
    for r in refs {
        let Some(blob) = sqlx::query("SELECT size, content_type FROM blobs WHERE sha256 = $1")
            .bind(r.sha256.as_str())
            .fetch_optional(w.lookup().await?)
            .await?
        else {
            return Ok(Err(missing(r)));
        };
        if !may_attach(w, caller, &r.sha256).await? {
            return Ok(Err(missing(r)));
        }
        let size: i64 = blob.try_get("size")?;
        total = total.saturating_add(size);
        resolved.push(Resolved {
            r: r.clone(),
            size,
            content_type: blob.try_get("content_type")?,
        });
    }
    if total > limits.max_message_bytes {
        return Ok(Err(Rejection::new(
            ErrorCode::TooLarge,
            format!(
                "the files add up to {total} bytes; at most {} on one message",
                limits.max_message_bytes
            ),
        )));
    }
    Ok(Ok(resolved))
}

fn missing(r: &AttachmentRef) -> Rejection {
    Rejection::new(
        ErrorCode::NotFound,
        format!("the file {} has not been uploaded", r.name),
    )
}

/// Whether `caller` uploaded these bytes or may see a file with them.
async fn may_attach(w: &mut Writer, caller: &Caller, sha: &Sha256Hex) -> Result<bool, StoreError> {
    let own = sqlx::query(
        "SELECT 1 AS one FROM uploads WHERE user_id = $1 AND sha256 = $2 \
         AND completed_at IS NOT NULL LIMIT 1",
    )
    .bind(caller.user.id.to_string())
    .bind(sha.as_str())
    .fetch_optional(w.lookup().await?)
    .await?;
    if own.is_some() {
        return Ok(true);
    }
    let seen = if caller.is_staff() {
        sqlx::query("SELECT 1 AS one FROM attachments WHERE sha256 = $1 LIMIT 1")
            .bind(sha.as_str())
            .fetch_optional(w.lookup().await?)
            .await?
    } else {
        let org = caller
            .user
            .org_id
            .map(|o| o.to_string())
            .unwrap_or_default();
        sqlx::query(
            "SELECT 1 AS one FROM attachments a JOIN tickets t ON t.id = a.ticket_id \
             LEFT JOIN messages m ON m.id = a.message_id WHERE a.sha256 = $1 \
             AND t.org_id = $2 AND (a.message_id IS NULL OR m.visibility = 'public') LIMIT 1",
        )
        .bind(sha.as_str())
        .bind(org)
        .fetch_optional(w.lookup().await?)
        .await?
    };
    Ok(seen.is_some())
}

/// Writes the checked files onto a ticket (`message` `None`: its description) or a
/// message, in order; answers them as listed.
pub(super) async fn insert_attachments(
    w: &mut Writer,
    ticket_id: Uuid,
    message_id: Option<Uuid>,
    files: Vec<Resolved>,
) -> Result<Vec<Attachment>, StoreError> {
    let mut out = Vec::with_capacity(files.len());
    for (position, f) in files.into_iter().enumerate() {
        let id = Uuid::now_v7();
        sqlx::query(
            "INSERT INTO attachments (id, ticket_id, message_id, sha256, name, size, \
             content_type, position, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.to_string())
        .bind(ticket_id.to_string())
        .bind(message_id.map(|m| m.to_string()))
        .bind(f.r.sha256.as_str())
        .bind(f.r.name.as_str())
        .bind(f.size)
        .bind(&f.content_type)
        .bind(position as i64)
        .bind(w.now)
        .execute(w.lookup().await?)
        .await?;
        out.push(Attachment {
            id,
            name: f.r.name.as_str().to_owned(),
            size: f.size,
            content_type: f.content_type,
            sha256: f.r.sha256.as_str().to_owned(),
        });
    }
    Ok(out)
}
