//! The Tadhkira offline engine: local store, outbox, sync and reply alerts.
//!
//! It knows nothing of windows or Tauri; the desktop app and the `tadhkira` CLI are
//! both thin layers over [`Engine`]. Every read comes from the local SQLite store and
//! every local mutation is written there first, with its outbox entry, in one
//! transaction. (A "change" is an entry of the server's feed, which a sync pulls.)

pub mod admin_api;
mod administration;
pub mod api;
mod articles;
pub mod articles_api;
mod channels;
pub mod clock;
mod engine;
pub mod error;
mod files;
pub mod model;
mod mutations;
pub mod normalize;
pub mod notifier;
pub mod preview;
mod request_size;
pub mod snapshot;
pub mod sse;
mod staging;
mod store;
pub mod sync;
pub mod terms;
pub mod terms_api;
pub mod token;
mod viewing;
mod wording;

pub use articles::MAX_RELATED;
pub use engine::{Engine, EngineConfig};
pub use error::{EngineError, EngineErrorCode, Result};
pub use model::*;
pub use notifier::{escape_markup, NoopNotifier, Notifier, RecordingNotifier};
pub use staging::{clean_name, StagedFile, MAX_STAGED_BYTES};
#[cfg(feature = "keychain")]
pub use token::KeychainTokenStore;
pub use token::{open_token_store, FileTokenStore, TokenStorage, TokenStore};
pub use viewing::{free_path, open_name, safe_extension};
