//! The Tadhkira desktop app: a Tauri 2 window over the offline engine.
//!
//! This crate is glue only: [`commands`] turns UI calls into engine calls, and engine
//! events into window events and native notifications. Everything a user relies on is
//! implemented and tested in `tadhkira-client`, headless.

pub mod commands;
pub mod error;

/// Starts the app and blocks until its last window closes.
pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let result = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::default().build())
        .invoke_handler(tauri::generate_handler![
            commands::default_server_url,
            commands::check_server,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "the app stopped with an error");
        std::process::exit(1);
    }
}
