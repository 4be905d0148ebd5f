//! What the commands share: the engine of this app's data folder, the switch of native
//! notifications, where the token is kept, and the tray.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use tadhkira_client::{Engine, TokenStorage};
use tokio::sync::Notify;

/// Managed Tauri state.
pub struct AppState {
    /// The offline engine (cheap to clone).
    pub engine: Engine,
    /// Whether reply alerts become native notifications (settings).
    pub notifications: Arc<AtomicBool>,
    /// Where the API token is kept, as chosen at start (keychain probe).
    pub token_storage: TokenStorage,
    /// Wakes the task that recounts unread tickets for the tray (after a sync, after a
    /// ticket is opened).
    pub unread_changed: Arc<Notify>,
    /// Told once the list screen has painted its first rows. The tray's first count of
    /// unread tickets waits for it: the count reads every ticket (about 100 ms at
    /// 100,000) on the store's one connection, and the first list, asked for at the
    /// same moment, waited behind it.
    pub first_list: Arc<Notify>,
}
