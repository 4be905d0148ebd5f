//! The Tadhkira desktop app: a Tauri 2 window over the offline engine.
//!
//! This crate is glue only: [`commands`] turns UI calls into engine calls, engine
//! events go to the window as `engine-event`, and reply alerts become native
//! notifications ([`notifier`]). Everything a user relies on is implemented and tested
//! in `tadhkira-client`, headless.

pub mod commands;
pub mod error;
pub mod notifier;
pub mod settings;
pub mod state;

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tadhkira_client::{Engine, EngineConfig};
use tauri::{Emitter, Manager};

use crate::notifier::NativeNotifier;
use crate::state::AppState;

/// Opens the engine in the app's data folder and forwards its events to the window.
fn setup(app: &mut tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let data_dir = app.path().app_data_dir()?.join("engine");
    let notifier = NativeNotifier::new(app.handle().clone());
    let notifications = Arc::clone(&notifier.enabled);
    notifications.store(
        settings::load(app.handle()).notifications,
        Ordering::Relaxed,
    );
    let config = EngineConfig {
        notifier: Arc::new(notifier),
        token_store: None,
        device_name: "tadhkira-app".into(),
    };
    let engine = tauri::async_runtime::block_on(Engine::open(data_dir, config))?;

    let mut events = engine.subscribe();
    let handle = app.handle().clone();
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match events.recv().await {
                Ok(event) => {
                    let _ = handle.emit("engine-event", event);
                }
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => break,
            }
        }
    });
    if engine.account().is_some() {
        let engine = engine.clone();
        tauri::async_runtime::spawn(async move { engine.start_background_sync() });
    }
    app.manage(AppState {
        engine,
        notifications,
    });
    Ok(())
}

/// Starts the app and blocks until its last window closes.
pub fn run() {
    commands::STARTED.get_or_init(std::time::Instant::now);
    // Without accelerated compositing WebKitGTK needs ≈ 60 MiB less memory (PSS of a
    // Tauri window under Xvfb; see docs/bench.md, figure 7) and avoids blank windows
    // on some GPU drivers.
    // Set before any thread starts; a user's own value (e.g. 0) wins.
    #[cfg(target_os = "linux")]
    if std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let result = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::default().build())
        .setup(setup)
        .invoke_handler(tauri::generate_handler![
            commands::default_server_url,
            commands::check_server,
            commands::session,
            commands::sign_in,
            commands::sign_out,
            commands::sync_state,
            commands::sync_now,
            commands::list_tickets,
            commands::ticket,
            commands::create_ticket,
            commands::add_message,
            commands::update_ticket,
            commands::escalate,
            commands::outbox,
            commands::resend,
            commands::discard,
            commands::system_info,
            commands::get_settings,
            commands::set_settings,
            commands::token_storage,
            commands::list_painted,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!(error = %e, "the app stopped with an error");
        std::process::exit(1);
    }
}
