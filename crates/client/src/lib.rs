//! The Tadhkira offline engine: local store, outbox, sync and reply alerts.
//!
//! It knows nothing of windows or Tauri; the desktop app and the `tadhkira` CLI are
//! both thin layers over [`Engine`]. Every read comes from the local SQLite store and
//! every change is written there first, with its outbox entry, in one transaction.

pub mod api;
mod changes;
mod engine;
pub mod error;
pub mod model;
pub mod normalize;
pub mod notifier;
mod store;
pub mod sync;
pub mod token;
mod wording;

pub use engine::{AlertMessage, Engine, EngineConfig};
pub use error::{EngineError, EngineErrorBody, EngineErrorCode, Result};
pub use model::*;
pub use notifier::{NoopNotifier, Notifier, RecordingNotifier};
#[cfg(feature = "keychain")]
pub use token::KeychainTokenStore;
pub use token::{open_token_store, FileTokenStore, TokenStorage, TokenStore};
pub use wording::{word_alert, Wording};
