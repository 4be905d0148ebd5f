//! The Tadhkira desktop app: a Tauri 2 window over the offline engine.
//!
//! This crate is glue only: [`commands`] turns UI calls into engine calls, engine
//! events go to the window as `engine-event`, and reply alerts become native
//! notifications ([`notifier`]). Everything a user relies on is implemented and tested
//! in `tadhkira-client`, headless.

pub mod admin_commands;
pub mod article_commands;
pub mod attachment_commands;
pub mod autostart;
pub mod channel_commands;
pub mod commands;
pub mod error;
pub mod locale;
pub mod notifier;
pub mod settings;
pub mod state;
pub mod terms_commands;
pub mod tray;
pub mod updates;

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tadhkira_client::{open_token_store, Engine, EngineConfig, EngineEvent};
use tauri::{Emitter, Manager};
use tokio::sync::Notify;

use crate::notifier::NativeNotifier;
use crate::state::AppState;
use crate::tray::Tray;

/// How long the start waits for the OS keychain to answer before keeping the token in
/// a file instead (a keychain waiting on an unlock prompt must not hold the window).
const KEYCHAIN_PROBE_TIMEOUT: Duration = Duration::from_secs(5);

/// Opens the engine in the app's data folder, forwards its events to the window, puts
/// up the tray, and shows the window unless the user asked to start in the tray.
fn setup(app: &mut tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    let data_dir = app.path().app_data_dir()?.join("engine");
    let (token_store, token_storage) = open_token_store(&data_dir, KEYCHAIN_PROBE_TIMEOUT);
    tracing::info!(
        token_storage = token_storage.as_str(),
        "token storage chosen"
    );
    let settings = settings::load(app.handle());
    let notifier = NativeNotifier::new(app.handle().clone());
    let notifications = Arc::clone(&notifier.enabled);
    notifications.store(settings.notifications, Ordering::Relaxed);
    let config = EngineConfig {
        notifier: Arc::new(notifier),
        token_store: Some(token_store),
        device_name: "tadhkira-app".into(),
        timeouts: Default::default(),
        // The sign-in screen's "lab use" choice sets it per sign-in.
        plain_http: Default::default(),
        alerts: settings.alerts,
    };
    let engine = tauri::async_runtime::block_on(Engine::open(data_dir, config))?;
    let unread_changed = Arc::new(Notify::new());

    let mut events = engine.subscribe();
    let handle = app.handle().clone();
    let changed = Arc::clone(&unread_changed);
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match events.recv().await {
                Ok(event) => {
                    if !matches!(event, EngineEvent::Alert(_)) {
                        changed.notify_one();
                    }
                    let _ = handle.emit("engine-event", event);
                }
                Err(RecvError::Lagged(_)) => changed.notify_one(),
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
        token_storage,
        unread_changed,
        first_list: Arc::new(Notify::new()),
    });
    locale::apply_to_engine(app.handle());

    let tray = match Tray::create(app.handle(), locale::current(app.handle())) {
        Ok(tray) => {
            app.manage(tray);
            tauri::async_runtime::spawn(tray::follow_unread(app.handle().clone()));
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "no tray icon on this desktop");
            false
        }
    };
    // Without a tray, a hidden window could never be reached: start minimised only
    // when the tray is there.
    if (settings.start_minimised || autostart::started_at_login()) && tray {
        tracing::info!("starting in the tray (start minimised)");
    } else {
        tray::show_main_window(app.handle());
    }
    Ok(())
}

/// Tauri's context, with the version the packager stamped into this binary, if it did
/// (see [`updates::stamped_version`]): what the updater compares and Settings shows.
fn context() -> tauri::Context<tauri::Wry> {
    let mut context = tauri::generate_context!();
    if let Some(version) = updates::stamped_version() {
        context.package_info_mut().version = version;
    }
    context
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
        // First, so that a second launch hands over to the running app before it opens
        // anything (one process per data folder: two never push one outbox).
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            tracing::info!("a second launch: showing the running app instead");
            tray::show_main_window(app);
        }))
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(autostart::plugin())
        // Updates from the central helpdesk (updates.rs): the key compiled in, the
        // endpoint given per check (the signed-in helpdesk); the rest of the plugin's
        // settings are `plugins.updater` in tauri.conf.json.
        .plugin(
            tauri_plugin_updater::Builder::new()
                .pubkey(updates::public_key())
                .build(),
        )
        .manage(updates::PendingUpdate::default())
        .setup(setup)
        .on_window_event(tray::keep_running_on_close)
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
            commands::store_recovery,
            commands::dismiss_store_recovery,
            commands::resend,
            commands::discard,
            commands::system_info,
            commands::check_contact,
            commands::get_settings,
            commands::set_settings,
            commands::token_storage,
            commands::staff_directory,
            commands::customer_directory,
            commands::list_painted,
            admin_commands::admin_organisations,
            admin_commands::admin_create_organisation,
            admin_commands::admin_rename_organisation,
            admin_commands::admin_agreements,
            admin_commands::admin_change_agreement,
            admin_commands::admin_set_contacts,
            admin_commands::admin_users,
            admin_commands::admin_create_user,
            admin_commands::admin_update_user,
            admin_commands::admin_disable_user,
            admin_commands::admin_one_time_password,
            admin_commands::admin_audit,
            admin_commands::admin_policy,
            admin_commands::admin_change_policy,
            admin_commands::change_password,
            admin_commands::replace_one_time_password,
            commands::related_articles,
            commands::article,
            commands::deflect,
            commands::open_link,
            article_commands::articles,
            article_commands::create_article,
            article_commands::update_article,
            article_commands::article_versions,
            article_commands::restore_article_version,
            attachment_commands::stage_file,
            attachment_commands::unstage_file,
            attachment_commands::attachment_preview,
            attachment_commands::open_attachment,
            attachment_commands::save_attachment,
            attachment_commands::screenshot_supported,
            attachment_commands::capture_screenshot,
            terms_commands::support_policy,
            terms_commands::checklists,
            terms_commands::acceptances,
            terms_commands::resolve_out_of_scope,
            terms_commands::admin_terms,
            terms_commands::admin_save_terms_draft,
            terms_commands::admin_publish_terms,
            terms_commands::admin_checklists,
            terms_commands::admin_save_checklist,
            terms_commands::admin_acceptances,
            channel_commands::log_contact,
            channel_commands::unmatched,
            channel_commands::link_unmatched,
            channel_commands::person_from_unmatched,
            channel_commands::whatsapp_channel,
            updates::app_version,
            updates::check_update,
            updates::install_update,
        ])
        .run(context());
    if let Err(e) = result {
        tracing::error!(error = %e, "the app stopped with an error");
        std::process::exit(1);
    }
}
