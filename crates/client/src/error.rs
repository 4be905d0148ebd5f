//! The engine's errors: one variant per thing a caller (the app, the CLI) can act on,
//! each with a stable code so the UI picks its text by code, never by message.

use serde::{Serialize, Serializer};
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

/// The shape an [`EngineError`] serialises to (for the UI's generated types).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct EngineErrorBody {
    pub code: EngineErrorCode,
    /// English text for logs; the UI shows its own text chosen by `code`/`server_code`.
    pub message: String,
    /// The server's wire code when `code` is `server`.
    pub server_code: Option<ErrorCode>,
}

impl From<&EngineError> for EngineErrorBody {
    fn from(e: &EngineError) -> Self {
        Self {
            code: e.code(),
            message: e.to_string(),
            server_code: e.server_code(),
        }
    }
}

/// Serialised as [`EngineErrorBody`] `{code, message, server_code}` across the IPC boundary.
impl Serialize for EngineError {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        EngineErrorBody::from(self).serialize(s)
    }
}

impl From<sqlx::Error> for EngineError {
    fn from(e: sqlx::Error) -> Self {
        EngineError::Storage(e.to_string())
    }
}

impl From<sqlx::migrate::MigrateError> for EngineError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        EngineError::Storage(e.to_string())
    }
}

impl From<std::io::Error> for EngineError {
    fn from(e: std::io::Error) -> Self {
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
            ApiCallError::Api(e) => EngineError::Server(e),
            ApiCallError::Incompatible(m) => EngineError::Incompatible(m),
            ApiCallError::BadUrl(m) => EngineError::Invalid(m),
        }
    }
}

/// Results of engine operations.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
