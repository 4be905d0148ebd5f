//! Releases of the desktop app (issue 23; see the proto crate's `update` module):
//!
//! - `POST /api/v1/admin/updates` (admins): publishes a package, as
//!   `multipart/form-data` with the text fields `target` (`linux-x86_64-deb`…),
//!   `version` (semver), `notes` and `signature` (base64 of the `.sig` file's text, as
//!   Tauri writes it) and the file field `package`. With `[updates] public_key` set, a
//!   package whose signature that key does not verify is refused and nothing is stored.
//!   The bytes go to the blob store (by SHA-256), then the row and its audit row.
//! - `GET /api/v1/admin/updates` (admins): every release.
//! - `GET /api/v1/updates/{target}/{version}` (anyone: the apps ask before anyone signs
//!   in, and a package is no secret — its signature is what makes it trusted): the
//!   newest release for the target above the caller's `version`, in the shape Tauri's
//!   updater plugin reads, or 204 when there is none.
//! - `GET /api/v1/updates/{target}/{version}/file` (anyone): that release's package.
//!
//! The package is held in memory once while it is published (admins only, rarely, and
//! at most `[updates] max_package_bytes`): the signature is checked over the whole of it
//! before anything is written.

use axum::body::Bytes;
use axum::extract::{Multipart, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use semver::Version;
use sha2::{Digest, Sha256};
use tadhkira_proto::{
    ErrorCode, Sha256Hex, UpdateManifest, UpdateRelease, UpdateReleases, UpdateTarget,
};

use super::admin::Admin;
use super::uploads::blocking;
use crate::db::NewRelease;
use crate::error::{AppError, Json, Path};
use crate::state::AppState;
use crate::updates::{self, SignatureError};

/// The longest release notes, in characters.
pub const MAX_NOTES_CHARS: usize = 20_000;

fn missing(field: &'static str) -> AppError {
    AppError::message(
        ErrorCode::Invalid,
        "error-update-field-missing",
        &[("field", field.to_owned())],
    )
}

fn parse_target(s: &str) -> Result<UpdateTarget, AppError> {
    UpdateTarget::parse(s).map_err(|e| AppError::new(ErrorCode::Invalid, e.to_string()))
}

fn parse_version(s: &str) -> Result<Version, AppError> {
    Version::parse(s.trim().trim_start_matches('v')).map_err(|_| {
        AppError::message(
            ErrorCode::Invalid,
            "error-update-version",
            &[("version", s.chars().take(64).collect())],
        )
    })
}

fn multipart_error(e: axum::extract::multipart::MultipartError, max: usize) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::message(
            ErrorCode::TooLarge,
            "error-update-too-large",
            &[("max", max.to_string())],
        )
    } else {
        AppError::new(ErrorCode::Invalid, e.body_text())
    }
}

/// `POST /api/v1/admin/updates`.
pub async fn publish(
    admin: Admin,
    State(state): State<AppState>,
    mut form: Multipart,
) -> Result<(StatusCode, Json<UpdateRelease>), AppError> {
    let max = state.settings.updates.max_package_bytes;
    let (mut target, mut version, mut notes, mut signature, mut package) =
        (None, None, None, None, None::<Bytes>);
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| multipart_error(e, max))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "package" {
            package = Some(field.bytes().await.map_err(|e| multipart_error(e, max))?);
            continue;
        }
        let text = field.text().await.map_err(|e| multipart_error(e, max))?;
        match name.as_str() {
            "target" => target = Some(parse_target(text.trim())?),
            "version" => version = Some(parse_version(&text)?),
            "notes" => notes = Some(text),
            "signature" => signature = Some(text.trim().to_owned()),
            other => {
                return Err(AppError::new(
                    ErrorCode::Invalid,
                    format!("unknown field {other:?}: the fields are target, version, notes, signature and package"),
                ))
            }
        }
    }
    let target = target.ok_or_else(|| missing("target"))?;
    let version = version.ok_or_else(|| missing("version"))?;
    let notes = notes.unwrap_or_default();
    if notes.chars().count() > MAX_NOTES_CHARS {
        return Err(AppError::message(
            ErrorCode::Invalid,
            "error-update-notes-too-long",
            &[("max", MAX_NOTES_CHARS.to_string())],
        ));
    }
    let signature = signature
        .filter(|s| !s.is_empty())
        .ok_or_else(|| missing("signature"))?;
    let package = package
        .filter(|p| !p.is_empty())
        .ok_or_else(|| missing("package"))?;
    let checked = match &state.settings.updates.public_key {
        Some(key) => updates::verify(key, &package, &signature, &version).map(|()| true),
        None => updates::parse_signature(&signature).map(|_| false),
    }
    .map_err(|e| match e {
        SignatureError::Malformed(_) => {
            AppError::message(ErrorCode::Invalid, "error-update-signature-malformed", &[])
        }
        SignatureError::Mismatch => {
            AppError::message(ErrorCode::Invalid, "error-update-signature", &[])
        }
        SignatureError::OtherVersion(signed) => AppError::message(
            ErrorCode::Invalid,
            "error-update-signed-version",
            &[("signed", signed), ("version", version.to_string())],
        ),
    })?;
    let sha256 = hex::encode(Sha256::digest(&package));
    let size = package.len() as i64;
    let sha =
        Sha256Hex::parse(&sha256).map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
    let staged = state.staging.path(uuid::Uuid::now_v7());
    let blobs = state.blobs.clone();
    blocking(move || {
        if let Some(dir) = staged.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&staged, &package)?;
        std::fs::File::open(&staged)?.sync_all()?;
        blobs.put(&sha, &staged)
    })
    .await?;
    let release = state
        .store
        .publish_release(
            admin.0.user.id,
            &NewRelease {
                target,
                version,
                notes,
                signature,
                sha256,
                size,
                signature_checked: checked,
            },
        )
        .await?;
    tracing::info!(
        target = %release.target,
        version = %release.version,
        size,
        signature_checked = checked,
        "app update published"
    );
    Ok((StatusCode::CREATED, Json(release)))
}

/// `GET /api/v1/admin/updates`.
pub async fn list(
    _admin: Admin,
    State(state): State<AppState>,
) -> Result<Json<UpdateReleases>, AppError> {
    Ok(Json(UpdateReleases {
        releases: state.store.releases().await?,
    }))
}

/// Where this server is reached from the caller's side: `[updates] public_url` when set,
/// else the request's (forwarded) host and scheme.
fn public_base(state: &AppState, headers: &HeaderMap) -> String {
    if let Some(url) = &state.settings.updates.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let scheme = header("x-forwarded-proto")
        .filter(|s| s == "https" || s == "http")
        .unwrap_or_else(|| {
            if state.settings.transport.tls_cert.is_some() {
                "https".into()
            } else {
                "http".into()
            }
        });
    let host = header("x-forwarded-host")
        .or_else(|| header("host"))
        .unwrap_or_else(|| "localhost".into());
    format!("{scheme}://{host}")
}

/// `GET /api/v1/updates/{target}/{version}`: `version` is the caller's.
pub async fn manifest(
    State(state): State<AppState>,
    Path((target, version)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let target = parse_target(&target)?;
    let current = parse_version(&version)?;
    let Some(newer) = state.store.newer_release(&target, &current).await? else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let r = &newer.release;
    let url = format!(
        "{}/api/v1/updates/{}/{}/file",
        public_base(&state, &headers),
        r.target,
        r.version
    );
    Ok(Json(UpdateManifest {
        version: r.version.clone(),
        notes: r.notes.clone(),
        pub_date: r.published_at,
        url,
        signature: newer.signature.clone(),
    })
    .into_response())
}

/// `GET /api/v1/updates/{target}/{version}/file`.
pub async fn file(
    State(state): State<AppState>,
    Path((target, version)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let target = parse_target(&target)?;
    let version = parse_version(&version)?;
    let stored = state.store.release(&target, &version).await?;
    let r = stored.release;
    let body = super::attachments::blob_body(&state, &r.sha256).await?;
    let name = format!("tadhkira-{}-{}.{}", r.version, r.target, target.kind());
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        ),
        (header::CONTENT_LENGTH, HeaderValue::from(r.size)),
        (
            header::CONTENT_DISPOSITION,
            super::attachments::content_disposition(&name),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::ETAG,
            HeaderValue::from_str(&format!("\"{}\"", r.sha256))
                .unwrap_or(HeaderValue::from_static("\"\"")),
        ),
    ];
    Ok((headers, body).into_response())
}
