//! The typed commands the UI calls (through `ui/src/ipc.ts`). Each is a thin call into
//! the engine or the API client; none holds logic of its own.

use tadhkira_client::api::ApiClient;
use tadhkira_proto::Health;

use crate::error::IpcError;

/// The server address the sign-in screen starts with: `TADHKIRA_SERVER_URL`, else the
/// local demo helpdesk of `cargo xtask run`.
#[tauri::command]
pub fn default_server_url() -> String {
    std::env::var("TADHKIRA_SERVER_URL")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "http://127.0.0.1:8080".to_owned())
}

/// Checks that `url` is a Tadhkira server this app can talk to.
#[tauri::command]
pub async fn check_server(url: String) -> Result<Health, IpcError> {
    let client = ApiClient::new(&url)?;
    let health = client.health().await?;
    tracing::info!(server = %client.base_url(), version = %health.version, "server checked");
    Ok(health)
}
