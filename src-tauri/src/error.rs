//! The one error type that crosses the IPC boundary.
//!
//! `kind` is the engine's closed list of error codes and `code` the server's wire code
//! when the server refused; the UI picks its translated text by these, never by message.

use serde::Serialize;
use tadhkira_client::api::ApiCallError;
use tadhkira_client::{EngineError, EngineErrorCode};
use tadhkira_proto::ErrorCode;

/// An error returned by a Tauri command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[error("{kind:?}: {message}")]
pub struct IpcError {
    /// What went wrong, from the engine's closed list.
    pub kind: EngineErrorCode,
    /// The server's error code when `kind` is `server`.
    pub code: Option<ErrorCode>,
    /// For logs and developers; the UI shows the translated text for `kind`/`code`.
    pub message: String,
}

impl IpcError {
    /// An error of `kind` with a developer-facing message.
    pub fn new(kind: EngineErrorCode, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: None,
            message: message.into(),
        }
    }
}

impl From<EngineError> for IpcError {
    fn from(e: EngineError) -> Self {
        Self {
            kind: e.code(),
            code: e.server_code(),
            message: e.to_string(),
        }
    }
}

impl From<ApiCallError> for IpcError {
    fn from(e: ApiCallError) -> Self {
        EngineError::from(e).into()
    }
}
