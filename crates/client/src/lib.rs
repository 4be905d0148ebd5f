//! The Tadhkira offline engine: local store, outbox, sync and reply alerts.
//!
//! It knows nothing of windows or Tauri; the desktop app and the `tadhkira` CLI are
//! both thin layers over it.

pub mod api;
