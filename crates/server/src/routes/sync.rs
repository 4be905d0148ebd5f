//! `POST /api/v1/sync/push`, `GET /api/v1/sync/pull` and `GET /api/v1/sync/snapshot`
//! (see proto's `sync` module for the protocol).

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use flate2::write::GzEncoder;
use serde::Deserialize;
use tadhkira_i18n::Locale;
use tadhkira_proto::{
    ErrorCode, PullResponse, PushRequest, PushResponse, SnapshotFrame, MAX_PULL_LIMIT,
    MAX_PUSH_BATCH, SNAPSHOT_FRAME_BYTES, SNAPSHOT_MEDIA_TYPE,
};
use tracing::Instrument;

use crate::db::Caller;
use crate::error::{request_locale, AppError, Json, Query};
use crate::state::AppState;

/// `POST /api/v1/sync/push`: one transaction, one result per mutation.
pub async fn push(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<PushRequest>,
) -> Result<Json<PushResponse>, AppError> {
    if req.mutations.len() > MAX_PUSH_BATCH {
        return Err(AppError::message(
            ErrorCode::TooLarge,
            "error-push-too-large",
            &[
                ("count", req.mutations.len().to_string()),
                ("max", MAX_PUSH_BATCH.to_string()),
            ],
        ));
    }
    let span = tracing::info_span!("push", user = %caller.user.id, client = %req.client_id, n = req.mutations.len());
    let user = caller.user.id;
    // Nothing of a push past the quota is applied: the client sends it all again.
    //
    // Applied on a task of its own, so that it runs to the end even when the client
    // hangs up meanwhile (its timeout, a cut link): hyper drops a request's handler
    // with its connection, and a transaction dropped half-way is rolled back. A server
    // too busy to answer within the client's timeout then never got a batch through —
    // the same work thrown away on every retry. Finished instead, the retry is
    // answered `duplicate` (mutation ids) at the cost of a look-up.
    let apply = {
        let state = state.clone();
        async move {
            state
                .quota
                .apply(&state.store, &caller, req.mutations, &state.settings)
                .await
        }
    };
    let mut results = tokio::spawn(crate::error::in_request_locale(apply).instrument(span))
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "applying a push failed");
            AppError::message(ErrorCode::Internal, "error-internal", &[])
        })??;
    // Reasons are written in English by the apply path; in another language the code's
    // own message leads, with the English detail after it (as for any error answer).
    let locale = request_locale();
    if locale != Locale::En {
        for r in &mut results {
            if let tadhkira_proto::Outcome::Rejected { code, message } = &mut r.outcome {
                *message = AppError::new(*code, std::mem::take(message))
                    .body(locale)
                    .message;
            }
        }
    }
    let rejected = results
        .iter()
        .filter(|r| matches!(r.outcome, tadhkira_proto::Outcome::Rejected { .. }))
        .count();
    tracing::info!(%user, n = results.len(), rejected, "push applied");
    Ok(Json(PushResponse { results }))
}

/// Query of a pull.
#[derive(Debug, Deserialize)]
pub struct PullQuery {
    #[serde(default)]
    cursor: i64,
    limit: Option<i64>,
}

/// `GET /api/v1/sync/pull?cursor=N&limit=M`.
pub async fn pull(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PullQuery>,
) -> Result<Json<PullResponse>, AppError> {
    if q.cursor < 0 {
        return Err(AppError::message(
            ErrorCode::Invalid,
            "error-cursor-negative",
            &[],
        ));
    }
    let limit = q.limit.unwrap_or(1000);
    if !(1..=MAX_PULL_LIMIT).contains(&limit) {
        return Err(AppError::message(
            ErrorCode::Invalid,
            "error-limit-range",
            &[("max", MAX_PULL_LIMIT.to_string())],
        ));
    }
    let page = state
        .store
        .changes_after(&caller, q.cursor, limit, state.settings.pull_page_bytes)
        .await?;
    // A cursor past everything this database ever wrote was given by another copy of
    // it (a restore without a new epoch): say so, rather than answer "nothing new"
    // while the changes written since the restore sit below the client's cursor.
    if page.ahead {
        return Err(AppError::message(
            ErrorCode::CursorAhead,
            "error-cursor-ahead",
            &[
                ("cursor", q.cursor.to_string()),
                ("head", page.cursor.to_string()),
            ],
        ));
    }
    Ok(Json(PullResponse {
        epoch: state.store.epoch(),
        changes: page.changes,
        cursor: page.cursor,
        has_more: page.has_more,
    }))
}

/// Compressed bytes handed to the connection at a time, at most this many waiting: the
/// next frame is built while the client reads and loads the one before.
const SNAPSHOT_CHUNKS_AHEAD: usize = 2;

/// How long the SQLite snapshot's reader waits for the client to take its next bytes
/// (what the engine waits for the server's, `SNAPSHOT_IDLE`).
const SNAPSHOT_STALL: std::time::Duration = std::time::Duration::from_secs(60);

/// Appends one frame (length, then JSON) to the gzip stream.
fn write_frame(out: &mut GzEncoder<Vec<u8>>, frame: &SnapshotFrame) -> std::io::Result<()> {
    write_json_frame(out, &serde_json::to_vec(frame)?)
}

/// [`write_frame`] of a frame's JSON as it is.
fn write_json_frame(out: &mut GzEncoder<Vec<u8>>, json: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(json.len()).map_err(std::io::Error::other)?;
    out.write_all(&len.to_be_bytes())?;
    out.write_all(json)
}

/// The snapshot of an SQLite store, read by `db/snapshot.rs` on a blocking thread of
/// its own, which also compresses it: the same frames as the page path's.
fn sqlite_snapshot(
    state: &AppState,
    path: std::path::PathBuf,
    caller: Caller,
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    span: tracing::Span,
) {
    let (store, epoch) = (state.store.clone(), state.store.epoch());
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let _span = span.enter();
        let started = std::time::Instant::now();
        let out = std::cell::RefCell::new(GzEncoder::new(Vec::new(), flate2::Compression::fast()));
        // A client that takes nothing for as long as an engine waits on a silent
        // server is given up: the read transaction and the thread are not held for it.
        let send = |bytes: Vec<u8>| {
            if bytes.is_empty() {
                return Ok(());
            }
            runtime
                .block_on(tokio::time::timeout(
                    SNAPSHOT_STALL,
                    tx.send(Ok(bytes.into())),
                ))
                .map_err(|_| std::io::Error::other("the client took nothing for a minute"))?
                .map_err(|_| std::io::Error::other("the client went away"))
        };
        let result = store
            .read_snapshot(
                &path,
                &caller,
                SNAPSHOT_FRAME_BYTES,
                &runtime,
                &mut |head| {
                    let mut out = out.borrow_mut();
                    write_frame(
                        &mut out,
                        &SnapshotFrame::Head {
                            epoch,
                            cursor: head,
                        },
                    )?;
                    send(std::mem::take(out.get_mut()))
                },
                &mut |json, _| {
                    let mut out = out.borrow_mut();
                    write_json_frame(&mut out, json)?;
                    send(std::mem::take(out.get_mut()))
                },
            )
            .and_then(|sent| {
                let mut out = out.into_inner();
                write_frame(&mut out, &SnapshotFrame::End { changes: sent })?;
                send(out.finish()?)?;
                Ok(sent)
            });
        match result {
            Ok(sent) => tracing::info!(
                changes = sent,
                ms = started.elapsed().as_millis() as u64,
                "snapshot sent"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "snapshot stopped");
                // Cut, never closed cleanly (as the page path's).
                let _ = tx.blocking_send(Err(e));
            }
        }
    });
}

/// `GET /api/v1/sync/snapshot`: a first sync in one gzip answer (see proto's
/// [`SnapshotFrame`]). The feed's head is read once, first; the frames are then the
/// feed's pages from 0 up to that head — the same query, the same visibility filter
/// (`db/visibility.rs`), each entity once at its current state — so the snapshot is
/// exactly what pulling from 0 to the head brings. A change committed while it streams
/// has a seq above the head: the client's next pull (from the head) brings it, and an
/// entity sent at a state newer than the head is simply sent again by that pull (a pull
/// carries current state, so applying it twice is applying it once). A database error
/// mid-way aborts the body, so the client sees a stream without its end frame.
///
/// That is the page path, PostgreSQL's. On SQLite the same frames come from
/// `db/snapshot.rs`'s reader on a blocking thread: the same feed query and row
/// mappings, in one read transaction (so the head is read inside it and nothing is
/// newer than it but the rarer kinds), without sqlx's per-row costs.
pub async fn snapshot(State(state): State<AppState>, caller: Caller) -> Result<Response, AppError> {
    let (tx, rx) =
        tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(SNAPSHOT_CHUNKS_AHEAD);
    let answer = |rx| {
        let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
        (
            [
                (header::CONTENT_TYPE, SNAPSHOT_MEDIA_TYPE),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response()
    };
    if let Some(path) = state.store.sqlite_file() {
        let span = tracing::info_span!("snapshot", user = %caller.user.id);
        sqlite_snapshot(&state, path.to_path_buf(), caller, tx, span);
        return Ok(answer(rx));
    }
    let head = state.store.head_seq().await?;
    let epoch = state.store.epoch();
    let store = state.store.clone();
    let span = tracing::info_span!("snapshot", user = %caller.user.id, head);
    tokio::spawn(
        async move {
            let started = std::time::Instant::now();
            let mut out = GzEncoder::new(Vec::new(), flate2::Compression::fast());
            let mut cursor = 0;
            let mut sent = 0u64;
            let result: Result<(), std::io::Error> = async {
                write_frame(
                    &mut out,
                    &SnapshotFrame::Head {
                        epoch,
                        cursor: head,
                    },
                )?;
                loop {
                    let page = store
                        .changes_upto(&caller, cursor, head, MAX_PULL_LIMIT, SNAPSHOT_FRAME_BYTES)
                        .await
                        .map_err(std::io::Error::other)?;
                    sent += page.changes.len() as u64;
                    if !page.changes.is_empty() {
                        write_frame(&mut out, &SnapshotFrame::Changes(page.changes))?;
                    }
                    let bytes = std::mem::take(out.get_mut());
                    if !bytes.is_empty() && tx.send(Ok(bytes.into())).await.is_err() {
                        return Err(std::io::Error::other("the client went away"));
                    }
                    if !page.has_more {
                        break;
                    }
                    cursor = page.cursor;
                }
                write_frame(&mut out, &SnapshotFrame::End { changes: sent })?;
                let bytes = std::mem::replace(
                    &mut out,
                    GzEncoder::new(Vec::new(), flate2::Compression::fast()),
                )
                .finish()?;
                tx.send(Ok(bytes.into()))
                    .await
                    .map_err(|_| std::io::Error::other("the client went away"))
            }
            .await;
            match result {
                Ok(()) => tracing::info!(
                    changes = sent,
                    ms = started.elapsed().as_millis() as u64,
                    "snapshot sent"
                ),
                Err(e) => {
                    tracing::warn!(error = %e, changes = sent, "snapshot stopped");
                    // The body ends in an error: the connection is cut, never closed
                    // cleanly, so the client cannot take a cut stream for a whole one.
                    let _ = tx.send(Err(e)).await;
                }
            }
        }
        .instrument(span),
    );
    Ok(answer(rx))
}
