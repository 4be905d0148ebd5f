//! What the commands share: the engine of this app's data folder and the switch of
//! native notifications.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use tadhkira_client::Engine;

/// Managed Tauri state.
pub struct AppState {
    /// The offline engine (cheap to clone).
    pub engine: Engine,
    /// Whether reply alerts become native notifications (settings).
    pub notifications: Arc<AtomicBool>,
}
