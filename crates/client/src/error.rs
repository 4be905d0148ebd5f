//! The engine's errors: one variant per thing a caller (the app, the CLI) can act on,
//! each with a stable code so the UI picks its text by code, never by message (the
//! desktop app sends the code across IPC in its own error shape). A test pins the list
//! of codes so that adding one is a deliberate change.

use serde::Serialize;
use tadhkira_proto::{ApiError, ErrorCode};

use crate::api::ApiCallError;

/// Stable codes of [`EngineError`], serialised in `snake_case` (the UI's message keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum EngineErrorCode {
    NotSignedIn,
    Locked,
    Invalid,
    NotFound,
    Offline,
    Server,
    Incompatible,
    Storage,
    PlainHttpRefused,
    DiskFull,
}

impl EngineErrorCode {
    /// Every code, in a fixed order (the pinned list; its length makes adding a code
    /// here a deliberate change, and the test checks every error maps into it).
    pub const ALL: [EngineErrorCode; 10] = [
        EngineErrorCode::NotSignedIn,
        EngineErrorCode::Locked,
        EngineErrorCode::Invalid,
        EngineErrorCode::NotFound,
        EngineErrorCode::Offline,
        EngineErrorCode::Server,
        EngineErrorCode::Incompatible,
        EngineErrorCode::Storage,
        EngineErrorCode::PlainHttpRefused,
        EngineErrorCode::DiskFull,
    ];
}

/// Why an engine operation failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The operation needs an account; sign in first.
    #[error("not signed in")]
    NotSignedIn,
    /// Another process holds this data folder (the desktop app or another `tadhkira`).
    #[error("the data folder {0} is in use by another Tadhkira process")]
    Locked(String),
    /// Input that breaks a rule (a title too short, an unknown status…).
    #[error("invalid: {0}")]
    Invalid(String),
    /// No such ticket or outbox entry in the local store.
    #[error("not found: {0}")]
    NotFound(String),
    /// The server could not be reached; local changes stay queued.
    #[error("server unreachable: {0}")]
    Offline(String),
    /// The server refused, with its wire error code.
    #[error("{0}")]
    Server(ApiError),
    /// The server is not a Tadhkira server this engine can talk to.
    #[error("incompatible server: {0}")]
    Incompatible(String),
    /// The local database or data folder failed.
    #[error("local storage: {0}")]
    Storage(String),
    /// Plain `http://` to another machine without the lab-use opt-in (the host).
    #[error("refusing plain http:// to {0}: passwords and tokens would cross the network unencrypted; use https://, or allow insecure HTTP for lab use")]
    PlainHttpRefused(String),
    /// The disk of the data folder is full. Nothing was half-written: the change was
    /// not saved (or the pulled page not applied) and what was saved before is intact;
    /// once space is freed the same action works, and queued changes are still sent.
    #[error("the disk is full: {0}")]
    DiskFull(String),
}

impl EngineError {
    /// The stable code of this error.
    pub fn code(&self) -> EngineErrorCode {
        match self {
            EngineError::NotSignedIn => EngineErrorCode::NotSignedIn,
            EngineError::Locked(_) => EngineErrorCode::Locked,
            EngineError::Invalid(_) => EngineErrorCode::Invalid,
            EngineError::NotFound(_) => EngineErrorCode::NotFound,
            EngineError::Offline(_) => EngineErrorCode::Offline,
            EngineError::Server(_) => EngineErrorCode::Server,
            EngineError::Incompatible(_) => EngineErrorCode::Incompatible,
            EngineError::Storage(_) => EngineErrorCode::Storage,
            EngineError::PlainHttpRefused(_) => EngineErrorCode::PlainHttpRefused,
            EngineError::DiskFull(_) => EngineErrorCode::DiskFull,
        }
    }

    /// The server's wire code, when the server refused.
    pub fn server_code(&self) -> Option<ErrorCode> {
        match self {
            EngineError::Server(e) => Some(e.code),
            _ => None,
        }
    }
}

/// `SQLITE_FULL`: "database or disk is full".
const SQLITE_FULL: &str = "13";
/// `ENOSPC` and `EDQUOT` on Unix (Linux, macOS and the BSDs share ENOSPC; EDQUOT
/// differs), for errors whose kind std does not name.
const NO_SPACE_ERRNOS: [i32; 2] = [28, if cfg!(target_os = "linux") { 122 } else { 69 }];

/// Whether an I/O error says the disk (or the user's quota) is full.
fn io_is_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull
        || (cfg!(unix)
            && e.raw_os_error()
                .is_some_and(|n| NO_SPACE_ERRNOS.contains(&n)))
}

/// Whether SQLite (or the file system under it) ran out of space.
fn sqlx_is_full(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.code().as_deref() == Some(SQLITE_FULL)
                || db.message().contains("database or disk is full")
        }
        sqlx::Error::Io(io) => io_is_full(io),
        _ => false,
    }
}

impl From<sqlx::Error> for EngineError {
    fn from(e: sqlx::Error) -> Self {
        if sqlx_is_full(&e) {
            return EngineError::DiskFull(e.to_string());
        }
        EngineError::Storage(e.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for EngineError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        if let sqlx::migrate::MigrateError::Execute(inner) = &e {
            if sqlx_is_full(inner) {
                return EngineError::DiskFull(e.to_string());
            }
        }
        EngineError::Storage(e.to_string())
    }
}

impl From<std::io::Error> for EngineError {
    fn from(e: std::io::Error) -> Self {
        if io_is_full(&e) {
            return EngineError::DiskFull(e.to_string());
        }
        EngineError::Storage(e.to_string())
    }
}

impl From<serde_json::Error> for EngineError {
    fn from(e: serde_json::Error) -> Self {
        EngineError::Storage(format!("stored JSON: {e}"))
    }
}

impl From<tadhkira_proto::FieldError> for EngineError {
    fn from(e: tadhkira_proto::FieldError) -> Self {
        EngineError::Invalid(e.to_string())
    }
}

impl From<ApiCallError> for EngineError {
    fn from(e: ApiCallError) -> Self {
        match e {
            ApiCallError::Unreachable(m) => EngineError::Offline(m),
            e @ ApiCallError::TimedOut(_) => EngineError::Offline(e.to_string()),
            ApiCallError::Api(e) => EngineError::Server(e),
            ApiCallError::Incompatible(m) => EngineError::Incompatible(m),
            ApiCallError::BadUrl(m) => EngineError::Invalid(m),
            ApiCallError::PlainHttpRefused(host) => EngineError::PlainHttpRefused(host),
        }
    }
}

/// Results of engine operations.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_error_codes_are_a_pinned_list() {
        let wire: Vec<String> = EngineErrorCode::ALL
            .iter()
            .map(|c| {
                serde_json::to_value(c)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        assert_eq!(
            wire,
            [
                "not_signed_in",
                "locked",
                "invalid",
                "not_found",
                "offline",
                "server",
                "incompatible",
                "storage",
                "plain_http_refused",
                "disk_full"
            ]
        );
        // Each error has its own code, in the list's order; a new error variant makes
        // `EngineError::code` stop compiling until it has one.
        let errors = [
            EngineError::NotSignedIn,
            EngineError::Locked("d".into()),
            EngineError::Invalid("i".into()),
            EngineError::NotFound("n".into()),
            EngineError::Offline("o".into()),
            EngineError::Server(ApiError::new(ErrorCode::Forbidden, "f")),
            EngineError::Incompatible("c".into()),
            EngineError::Storage("s".into()),
            EngineError::PlainHttpRefused("h".into()),
            EngineError::DiskFull("d".into()),
        ];
        let codes: Vec<EngineErrorCode> = errors.iter().map(EngineError::code).collect();
        assert_eq!(codes, EngineErrorCode::ALL);
        assert_eq!(errors[5].server_code(), Some(ErrorCode::Forbidden));
    }

    #[test]
    fn a_full_disk_is_told_apart_from_other_storage_errors() {
        let enospc = std::io::Error::from_raw_os_error(28);
        assert_eq!(EngineError::from(enospc).code(), EngineErrorCode::DiskFull);
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert_eq!(EngineError::from(denied).code(), EngineErrorCode::Storage);
        let io = sqlx::Error::Io(std::io::Error::from_raw_os_error(28));
        assert_eq!(EngineError::from(io).code(), EngineErrorCode::DiskFull);
        let other = sqlx::Error::RowNotFound;
        assert_eq!(EngineError::from(other).code(), EngineErrorCode::Storage);
    }
}
