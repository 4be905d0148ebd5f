//! The typed commands the UI calls (through `ui/src/ipc.ts`). Each is a thin call into
//! the engine or the API client; none holds logic of its own. Arguments are
//! `snake_case` in JavaScript too, like the generated types.

use std::sync::atomic::Ordering;

use tadhkira_client::api::{ApiClient, PlainHttp};
use tadhkira_client::{
    Account, ArticleHit, Customer, ListQuery, NewTicketInput, OutboxItem, StoreRecovery,
    SyncReport, SyncState, TicketListPage, TicketView,
};
use tadhkira_proto::{
    Article, Contact, ContactError, FieldValue, Health, Mutation, Tier, User, Visibility,
};
use tauri::{AppHandle, Manager, State};
use uuid::Uuid;

use crate::error::IpcError;
use crate::locale;
use crate::settings::{self, Settings};
use crate::state::AppState;
use crate::tray::Tray;

/// Results of commands.
type Result<T> = std::result::Result<T, IpcError>;

/// The server address the sign-in screen starts with: `TADHKIRA_SERVER_URL`, else the
/// local demo helpdesk of `cargo xtask run`.
#[tauri::command]
pub fn default_server_url() -> String {
    std::env::var("TADHKIRA_SERVER_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned())
}

/// Checks that `url` is a Tadhkira server this app can talk to. Plain HTTP to another
/// machine is refused unless `insecure` (the sign-in screen's "lab use" choice).
#[tauri::command]
pub async fn check_server(url: String, insecure: Option<bool>) -> Result<Health> {
    let client = ApiClient::new_with(
        &url,
        plain_http(insecure.unwrap_or(false)),
        Default::default(),
    )?;
    let health = client.health().await?;
    tracing::info!(server = %client.base_url(), version = %health.version, "server checked");
    Ok(health)
}

/// The signed-in account, if any (the app resumes it at start).
#[tauri::command]
pub fn session(state: State<'_, AppState>) -> Option<Account> {
    state.engine.account()
}

fn plain_http(insecure: bool) -> PlainHttp {
    if insecure {
        PlainHttp::Allowed
    } else {
        PlainHttp::LoopbackOnly
    }
}

/// Signs in, stores the token and starts syncing. `insecure`: the user ticked "lab
/// use", allowing plain HTTP to another machine (the account then says so, and the
/// status bar warns while it is signed in).
#[tauri::command(rename_all = "snake_case")]
pub async fn sign_in(
    app: AppHandle,
    state: State<'_, AppState>,
    server_url: String,
    email: String,
    password: String,
    insecure: Option<bool>,
) -> Result<Account> {
    state
        .engine
        .set_plain_http(plain_http(insecure.unwrap_or(false)));
    let account = state.engine.sign_in(&server_url, &email, &password).await?;
    // The profile's language counts now, unless the settings chose one.
    locale::apply_to_engine(&app);
    state.engine.start_background_sync();
    Ok(account)
}

/// Signs out and forgets the token; local data stays for the next sign-in.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> Result<()> {
    Ok(state.engine.sign_out().await?)
}

/// Online state, queued and rejected counts, last sync.
#[tauri::command]
pub fn sync_state(state: State<'_, AppState>) -> SyncState {
    state.engine.sync_state()
}

/// Runs a sync round now.
#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Result<SyncReport> {
    Ok(state.engine.sync_now().await?)
}

/// One page of the ticket list, from the local store.
#[tauri::command]
pub async fn list_tickets(state: State<'_, AppState>, query: ListQuery) -> Result<TicketListPage> {
    Ok(state.engine.list_tickets(&query).await?)
}

/// A ticket with its timeline and pending changes; marks it read.
#[tauri::command]
pub async fn ticket(state: State<'_, AppState>, reference: String) -> Result<TicketView> {
    let detail = state.engine.ticket(&reference).await?;
    state.engine.mark_read(detail.ticket.id).await?;
    state.unread_changed.notify_one();
    Ok(detail)
}

/// Files a ticket locally (queued) and returns its id; `files`: staged files for its
/// description (see `attachment_commands`), queued with it.
#[tauri::command]
pub async fn create_ticket(
    state: State<'_, AppState>,
    input: NewTicketInput,
    files: Option<Vec<Uuid>>,
) -> Result<Uuid> {
    Ok(state
        .engine
        .create_ticket_staged(input, &files.unwrap_or_default())
        .await?)
}

/// Adds a public reply or (staff) an internal note, with staged `files`.
#[tauri::command(rename_all = "snake_case")]
pub async fn add_message(
    state: State<'_, AppState>,
    ticket_id: Uuid,
    body: String,
    visibility: Visibility,
    files: Option<Vec<Uuid>>,
) -> Result<Uuid> {
    Ok(state
        .engine
        .add_message_staged(ticket_id, &body, visibility, &files.unwrap_or_default())
        .await?)
}

/// Changes status, priority, assignee, category or title.
#[tauri::command(rename_all = "snake_case")]
pub async fn update_ticket(
    state: State<'_, AppState>,
    ticket_id: Uuid,
    values: Vec<FieldValue>,
) -> Result<()> {
    Ok(state.engine.update_ticket(ticket_id, values).await?)
}

/// Escalates to a higher tier with a reason.
#[tauri::command(rename_all = "snake_case")]
pub async fn escalate(
    state: State<'_, AppState>,
    ticket_id: Uuid,
    to_tier: Tier,
    reason: String,
) -> Result<()> {
    Ok(state.engine.escalate(ticket_id, to_tier, &reason).await?)
}

/// The published articles most related to what the user is typing (the new-ticket
/// form's suggestions), from the local store; `lang` first.
#[tauri::command]
pub async fn related_articles(
    state: State<'_, AppState>,
    text: String,
    lang: Option<String>,
    limit: Option<usize>,
) -> Result<Vec<ArticleHit>> {
    Ok(state
        .engine
        .related_articles(&text, lang.as_deref(), limit.unwrap_or(5))
        .await?)
}

/// One article from the local store.
#[tauri::command]
pub async fn article(state: State<'_, AppState>, id: Uuid) -> Result<Article> {
    Ok(state.engine.article(id).await?)
}

/// "This solved it": queues one deflection of the article.
#[tauri::command(rename_all = "snake_case")]
pub async fn deflect(state: State<'_, AppState>, article_id: Uuid) -> Result<Uuid> {
    Ok(state.engine.deflect(article_id).await?)
}

/// Opens a web (`http`, `https`) or mail (`mailto`) address from an article in the
/// system's browser. The UI asks the user first; anything else (a `file:` path, a
/// `javascript:` URL, an address with spaces or control characters) is refused here.
#[tauri::command]
pub fn open_link(url: String) -> Result<()> {
    if !openable(&url) {
        return Err(IpcError::new(
            tadhkira_client::EngineErrorCode::Invalid,
            "only web and mail addresses open",
        ));
    }
    #[cfg(target_os = "linux")]
    let mut cmd = std::process::Command::new("xdg-open");
    #[cfg(target_os = "macos")]
    let mut cmd = std::process::Command::new("open");
    #[cfg(target_os = "windows")]
    let mut cmd = {
        let mut c = std::process::Command::new("rundll32");
        c.arg("url.dll,FileProtocolHandler");
        c
    };
    cmd.arg(&url).spawn().map_err(|e| {
        IpcError::new(
            tadhkira_client::EngineErrorCode::Storage,
            format!("could not open the browser: {e}"),
        )
    })?;
    Ok(())
}

/// Whether `url` is a web or mail address the system browser may be asked to open: it
/// starts with `http://`, `https://` or `mailto:` (any case) and has no whitespace or
/// control character that could smuggle a second argument or address.
pub fn openable(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p) && lower.len() > p.len())
        && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// The report of the account's local database found damaged at start and rebuilt
/// (what was kept aside, salvaged and lost), until the user dismisses it.
#[tauri::command]
pub async fn store_recovery(state: State<'_, AppState>) -> Result<Option<StoreRecovery>> {
    Ok(state.engine.store_recovery().await?)
}

/// Forgets the recovery report once read (the damaged copy stays where it was kept).
#[tauri::command]
pub async fn dismiss_store_recovery(state: State<'_, AppState>) -> Result<()> {
    Ok(state.engine.dismiss_store_recovery().await?)
}

/// Queued and rejected local changes.
#[tauri::command]
pub async fn outbox(state: State<'_, AppState>) -> Result<Vec<OutboxItem>> {
    Ok(state.engine.outbox().await?)
}

/// Sends a rejected change again, optionally edited.
#[tauri::command]
pub async fn resend(state: State<'_, AppState>, id: Uuid, edited: Option<Mutation>) -> Result<()> {
    Ok(state.engine.resend(id, edited).await?)
}

/// Drops a queued or rejected change.
#[tauri::command]
pub async fn discard(state: State<'_, AppState>, id: Uuid) -> Result<()> {
    Ok(state.engine.discard(id).await?)
}

/// The technical details a customer may attach to a ticket, shown before sending.
#[tauri::command]
pub fn system_info(app: AppHandle, locale: String) -> String {
    format!(
        "OS: {} ({})\nApp: Tadhkira {}\nTauri: {}\nLocale: {}",
        std::env::consts::OS,
        std::env::consts::ARCH,
        app.package_info().version,
        tauri::VERSION,
        locale
    )
}

/// The problems of contact details by the one rule the engine and the server apply
/// (`Contact::checked`); empty when they are fine. The form marks each field with its
/// problem before filing.
#[tauri::command]
pub fn check_contact(contact: Contact) -> Vec<ContactError> {
    contact.checked().err().unwrap_or_default()
}

/// The stored settings.
#[tauri::command]
pub fn get_settings(app: AppHandle) -> Settings {
    settings::load(&app)
}

/// Stores the settings and applies the ones Rust owns (notifications, the tray's
/// language; start minimised applies at the next launch).
#[tauri::command]
pub fn set_settings(app: AppHandle, state: State<'_, AppState>, settings: Settings) -> Result<()> {
    // Only a change of this switch asks the OS (the other settings never touch it).
    if settings::load(&app).start_at_login != settings.start_at_login {
        crate::autostart::set(&app, settings.start_at_login).map_err(|e| {
            IpcError::new(
                tadhkira_client::EngineErrorCode::Storage,
                format!("start at sign-in: {e}"),
            )
        })?;
    }
    settings::save(&app, &settings)?;
    state
        .notifications
        .store(settings.notifications, Ordering::Relaxed);
    state.engine.set_alert_settings(settings.alerts);
    if app.try_state::<Tray>().is_some() {
        Tray::update(&app, locale::current(&app), None);
    }
    locale::apply_to_engine(&app);
    Ok(())
}

/// Where the API token is kept, `keychain` or `file` (shown on the settings screen):
/// the OS keychain when it answered at start, else the user-only file.
#[tauri::command]
pub fn token_storage(state: State<'_, AppState>) -> &'static str {
    state.token_storage.as_str()
}

/// The staff a ticket can be assigned to, for the assignee filter and picker (the last
/// list fetched when offline; empty for customers).
#[tauri::command]
pub async fn staff_directory(state: State<'_, AppState>) -> Result<Vec<User>> {
    Ok(state.engine.staff_directory().await?)
}

/// The customers staff can file a ticket for, with their organisation and whether it
/// is paid (the last list fetched when offline; empty for customers).
#[tauri::command]
pub async fn customer_directory(state: State<'_, AppState>) -> Result<Vec<Customer>> {
    Ok(state.engine.customer_directory().await?)
}

/// When this process started; set first thing in [`crate::run`].
pub static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// The list screen painted its first page of rows: logged once per run with the time
/// since start, which `cargo xtask bench` reads as the launch figure; the tray's first
/// count of unread tickets may go now ([`AppState::first_list`]).
#[tauri::command]
pub fn list_painted(state: State<'_, AppState>) {
    static LOGGED: std::sync::Once = std::sync::Once::new();
    LOGGED.call_once(|| {
        let elapsed_ms = STARTED.get().map(|s| s.elapsed().as_secs_f64() * 1000.0);
        tracing::info!(elapsed_ms, "first list painted");
        state.first_list.notify_one();
    });
}

#[cfg(test)]
mod tests {
    use super::openable;

    #[test]
    fn only_web_and_mail_addresses_open_in_the_browser() {
        for ok in [
            "https://printers.example/guide",
            "HTTP://example.com",
            "mailto:help@tadhkira.example",
        ] {
            assert!(openable(ok), "{ok}");
        }
        for refused in [
            "javascript:alert(1)",
            "file:///etc/passwd",
            "tadhkira://article/0190a1b2-0000-7000-8000-0000000000d1",
            "https://example.com/a b",
            "https://example.com/\nfile:///etc",
            "https://example.com/\u{7}",
            " https://example.com",
            "https://",
            "data:text/html,<script>",
            "",
        ] {
            assert!(!openable(refused), "{refused:?}");
        }
    }
}
