//! Resumable uploads of attached files (see the proto crate's `attachment` module for
//! the whole journey):
//!
//! - `POST /api/v1/uploads` starts one, or finds the caller's earlier one of the same
//!   bytes: resuming after a cut is starting again. A file above the per-file limit is
//!   refused here, before any byte is sent.
//! - `PUT /api/v1/uploads/{id}?offset=N` appends a chunk at exactly the offset the
//!   server holds (else `conflict`); a first chunk whose magic number is a refused type
//!   ends the upload at once. The last chunk checks the whole file against its hash and
//!   its type, and stores the blob.
//! - `GET /api/v1/uploads/{id}` says where an upload stands.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tadhkira_proto::{ErrorCode, UploadStart, UploadStatus};
use uuid::Uuid;

use crate::blobs::sniff::{self, Magic};
use crate::db::{Caller, UploadRow};
use crate::error::{AppError, Json, Path, Query};
use crate::state::AppState;

/// `POST /api/v1/uploads`.
pub async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Json(start): Json<UploadStart>,
) -> Result<(StatusCode, Json<UploadStatus>), AppError> {
    let max = state.settings.attachments.max_file_bytes;
    if start.size > max {
        return Err(AppError::message(
            ErrorCode::TooLarge,
            "error-file-too-large",
            &[("size", start.size.to_string()), ("max", max.to_string())],
        ));
    }
    if start.size < 1 {
        return Err(AppError::message(
            ErrorCode::Invalid,
            "error-file-empty",
            &[],
        ));
    }
    if let Some(up) = state.store.find_upload(caller.user.id, &start).await? {
        return Ok((StatusCode::OK, Json(up.status())));
    }
    let up = state.store.create_upload(caller.user.id, &start).await?;
    Ok((StatusCode::CREATED, Json(up.status())))
}

/// `GET /api/v1/uploads/{id}`.
pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Json<UploadStatus>, AppError> {
    Ok(Json(state.store.upload(caller.user.id, id).await?.status()))
}

/// Query of `PUT /api/v1/uploads/{id}`.
#[derive(Debug, Deserialize)]
pub struct ChunkQuery {
    /// Where these bytes go: the offset the server holds.
    offset: i64,
}

/// `PUT /api/v1/uploads/{id}?offset=N` with the bytes as the body.
pub async fn append(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
    Query(q): Query<ChunkQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<UploadStatus>, AppError> {
    let bytes = body.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::message(
                ErrorCode::TooLarge,
                "error-chunk-too-large",
                &[("max", tadhkira_proto::MAX_CHUNK_BYTES.to_string())],
            )
        } else {
            AppError::new(ErrorCode::Invalid, r.body_text())
        }
    })?;
    let Some(_claim) = state.staging.claim(id) else {
        return Err(AppError::message(
            ErrorCode::Conflict,
            "error-upload-busy",
            &[],
        ));
    };
    let up = state.store.upload(caller.user.id, id).await?;
    if up.completed {
        return Ok(Json(up.status()));
    }
    if q.offset != up.received {
        return Err(AppError::message(
            ErrorCode::Conflict,
            "error-upload-offset",
            &[("offset", up.received.to_string())],
        ));
    }
    let end = up.received + bytes.len() as i64;
    if end > up.size || bytes.is_empty() {
        return Err(AppError::message(
            ErrorCode::Invalid,
            "error-upload-overrun",
            &[("size", up.size.to_string())],
        ));
    }
    // A refused type is refused at its first bytes, not after the whole file came.
    let mut content_type = None;
    if up.received == 0 {
        let head = &bytes[..bytes.len().min(crate::blobs::HEAD_BYTES)];
        match sniff::magic(head) {
            Magic::Refused(found) => {
                refuse(&state, &up).await?;
                return Err(unsupported(format!(
                    "files of type {found} are not accepted (by their content, whatever their name)"
                )));
            }
            Magic::Allowed(t) => content_type = Some(t),
            Magic::Unknown => {}
        }
    }
    let staging = state.staging.clone();
    let offset = up.received as u64;
    blocking(move || staging.write_at(id, offset, &bytes)).await?;
    if end < up.size {
        state.store.upload_received(id, end, content_type).await?;
        let mut status = up.status();
        status.offset = end;
        status.content_type = content_type.map(str::to_owned).or(status.content_type);
        return Ok(Json(status));
    }
    finish(&state, up).await
}

/// Checks a fully received upload (hash, then type) and stores its blob.
async fn finish(state: &AppState, up: UploadRow) -> Result<Json<UploadStatus>, AppError> {
    let staging = state.staging.clone();
    let (id, size) = (up.id, up.size as u64);
    let scan = blocking(move || staging.scan(id, size)).await?;
    if scan.sha256 != up.sha256.as_str() || scan.size != size {
        refuse(state, &up).await?;
        return Err(AppError::message(
            ErrorCode::Invalid,
            "error-upload-hash",
            &[],
        ));
    }
    let content_type = match sniff::decide(&scan.head, scan.is_text) {
        Ok(t) => t,
        Err(why) => {
            refuse(state, &up).await?;
            return Err(unsupported(why));
        }
    };
    let blobs = state.blobs.clone();
    let path = state.staging.path(id);
    let sha = up.sha256.clone();
    blocking(move || blobs.put(&sha, &path)).await?;
    state.store.complete_upload(&up, content_type).await?;
    tracing::info!(upload = %id, size, content_type, "attachment stored");
    let mut status = up.status();
    status.offset = up.size;
    status.complete = true;
    status.content_type = Some(content_type.to_owned());
    Ok(Json(status))
}

/// Forgets a refused upload: its bytes and its row.
async fn refuse(state: &AppState, up: &UploadRow) -> Result<(), AppError> {
    let staging = state.staging.clone();
    let id = up.id;
    blocking(move || staging.remove(id)).await?;
    state.store.drop_upload(id).await?;
    Ok(())
}

fn unsupported(why: String) -> AppError {
    AppError::new(ErrorCode::UnsupportedType, why)
}

/// Runs file I/O on the blocking pool; a full disk is `busy` (retry later, see
/// [`AppError::storage_full`]), any other failure `internal` (both logged).
pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, AppError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::StorageFull => {
            tracing::error!(error = %e, "the file store's disk is full");
            Err(AppError::storage_full())
        }
        Ok(Err(e)) => {
            tracing::error!(error = %e, "attachment file I/O failed");
            Err(AppError::message(
                ErrorCode::Internal,
                "error-internal",
                &[],
            ))
        }
        Err(e) => {
            tracing::error!(error = %e, "attachment file task failed");
            Err(AppError::message(
                ErrorCode::Internal,
                "error-internal",
                &[],
            ))
        }
    }
}
