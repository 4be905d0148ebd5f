//! Channel commands (issue 19), thin calls into the engine: logging a call or a remote
//! session (queued offline like any change), and the staff's unmatched queue and
//! WhatsApp settings (online only: offline they fail with `kind: offline`).

use tadhkira_proto::{
    ContactLog, LinkedUnmatched, NewPersonFromUnmatched, PersonFromUnmatched, UnmatchedMessage,
    WhatsAppChannel,
};
use tauri::State;
use uuid::Uuid;

use crate::error::IpcError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, IpcError>;

/// Staff: logs a call or a remote session on a ticket; answers the mutation's id.
#[tauri::command]
pub async fn log_contact(state: State<'_, AppState>, log: ContactLog) -> Result<Uuid> {
    Ok(state.engine.log_contact(log).await?)
}

/// Staff: the unmatched queue, oldest first.
#[tauri::command]
pub async fn unmatched(state: State<'_, AppState>) -> Result<Vec<UnmatchedMessage>> {
    Ok(state.engine.unmatched().await?)
}

/// Staff: places an unmatched message as a customer's.
#[tauri::command(rename_all = "snake_case")]
pub async fn link_unmatched(
    state: State<'_, AppState>,
    id: Uuid,
    customer_id: Uuid,
    save_address: bool,
) -> Result<LinkedUnmatched> {
    Ok(state
        .engine
        .link_unmatched(id, customer_id, save_address)
        .await?)
}

/// Staff: makes the sender of an unmatched message a new customer; the message
/// becomes their ticket.
#[tauri::command]
pub async fn person_from_unmatched(
    state: State<'_, AppState>,
    id: Uuid,
    person: NewPersonFromUnmatched,
) -> Result<PersonFromUnmatched> {
    Ok(state.engine.person_from_unmatched(id, person).await?)
}

/// Staff: the WhatsApp channel's template and window.
#[tauri::command]
pub async fn whatsapp_channel(state: State<'_, AppState>) -> Result<WhatsAppChannel> {
    Ok(state.engine.whatsapp_channel().await?)
}
