//! `GET /api/v1/attachments/{id}`: an attached file's bytes, to whoever may see what it
//! is on (else `not_found`, the same answer as for an id that does not exist).
//!
//! Always a download, never a page: `Content-Disposition: attachment`, the type the
//! server found in the content (never the name's), `X-Content-Type-Options: nosniff`
//! and a sandboxing `Content-Security-Policy`, so no browser or web view renders an
//! uploaded file as HTML or SVG with script, whatever it claims to be.

use std::io::Read;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use tadhkira_proto::{ErrorCode, Sha256Hex};
use tokio_stream::wrappers::ReceiverStream;
use uuid::Uuid;

use super::uploads::blocking;
use crate::blobs::sniff;
use crate::db::Caller;
use crate::error::{AppError, Path};
use crate::state::AppState;

/// Bytes read from the store per body frame.
const FRAME_BYTES: usize = 256 * 1024;

/// `GET /api/v1/attachments/{id}`.
pub async fn download(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let a = state.store.attachment_for(&caller, id).await?;
    let body = blob_body(&state, &a.sha256).await?;
    let content_type = if a.content_type == sniff::TEXT {
        "text/plain; charset=utf-8".to_owned()
    } else {
        a.content_type.clone()
    };
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_str(&content_type)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        ),
        (header::CONTENT_LENGTH, HeaderValue::from(a.size)),
        (header::CONTENT_DISPOSITION, content_disposition(&a.name)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; sandbox"),
        ),
        (header::CACHE_CONTROL, HeaderValue::from_static("private")),
        (
            header::ETAG,
            HeaderValue::from_str(&format!("\"{}\"", a.sha256))
                .unwrap_or(HeaderValue::from_static("\"\"")),
        ),
    ];
    Ok((headers, body).into_response())
}

/// `attachment; filename="…"; filename*=UTF-8''…` (RFC 6266): an ASCII stand-in for
/// old clients and the exact name, percent-encoded, for the rest.
pub fn content_disposition(name: &str) -> HeaderValue {
    let ascii: String = name
        .chars()
        .map(|c| {
            if (c.is_ascii_graphic() && c != '"' && c != '\\') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or(HeaderValue::from_static("attachment"))
}

/// The bytes of the stored blob `sha256` as a streamed body, read off the runtime's
/// threads in frames (a download of an attachment or of an app release).
pub(super) async fn blob_body(state: &AppState, sha256: &str) -> Result<Body, AppError> {
    let sha =
        Sha256Hex::parse(sha256).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    let blobs = state.blobs.clone();
    let mut reader = blocking(move || blobs.open(&sha)).await?;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::task::spawn_blocking(move || loop {
        let mut buf = vec![0u8; FRAME_BYTES];
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                buf.truncate(n);
                if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                    break; // the client went away
                }
            }
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                break;
            }
        }
    });
    Ok(Body::from_stream(ReceiverStream::new(rx)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_name_is_quoted_safely_and_kept_exactly_in_utf8() {
        let v = content_disposition("سجل \"app\".log");
        assert_eq!(
            v.to_str().unwrap(),
            "attachment; filename=\"___ _app_.log\"; \
             filename*=UTF-8''%D8%B3%D8%AC%D9%84%20%22app%22.log"
        );
    }
}
