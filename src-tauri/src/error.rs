//! The one error type that crosses the IPC boundary.
//!
//! The UI decides what to show by `kind` (and the server's `code` when there is one),
//! never by message text; each kind maps to a translated message key in the UI.

use serde::Serialize;
use tadhkira_client::api::ApiCallError;
use tadhkira_proto::ErrorCode;

/// What went wrong, as a closed list the UI mirrors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum IpcErrorKind {
    /// No connection to the server could be made.
    Unreachable,
    /// The server is not a Tadhkira server of a version this app speaks.
    Incompatible,
    /// The server address is not an http(s) URL.
    BadUrl,
    /// The server answered with an error; see `code`.
    Server,
    /// The user must sign in first.
    NotSignedIn,
    /// The input was not accepted (e.g. an empty title).
    Invalid,
    /// Something failed inside the app (local database, settings file).
    Internal,
}

/// An error returned by a Tauri command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[cfg_attr(test, derive(ts_rs::TS), ts(export))]
#[error("{kind:?}: {message}")]
pub struct IpcError {
    pub kind: IpcErrorKind,
    /// The server's error code when `kind` is `server`.
    pub code: Option<ErrorCode>,
    /// For logs and developers; the UI shows the translated text for `kind`/`code`.
    pub message: String,
}

impl IpcError {
    /// An error of `kind` with a developer-facing message.
    pub fn new(kind: IpcErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            code: None,
            message: message.into(),
        }
    }
}

impl From<ApiCallError> for IpcError {
    fn from(e: ApiCallError) -> Self {
        let message = e.to_string();
        match e {
            ApiCallError::Unreachable(_) => Self::new(IpcErrorKind::Unreachable, message),
            ApiCallError::Incompatible(_) => Self::new(IpcErrorKind::Incompatible, message),
            ApiCallError::BadUrl(_) => Self::new(IpcErrorKind::BadUrl, message),
            ApiCallError::Api(api) => Self {
                kind: IpcErrorKind::Server,
                code: Some(api.code),
                message,
            },
        }
    }
}
