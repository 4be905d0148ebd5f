//! The support terms in the app: the customer's Support policy and the checklists
//! (from the local store, offline too), "outside the support terms" (queued like any
//! change), and the admin calls that edit and publish them (never queued: each needs
//! the server, and fails `kind: offline` without it).

use tadhkira_client::terms::SupportPolicy;
use tadhkira_proto::{
    AdminTerms, Checklist, ChecklistChange, ChecklistList, SupportTerms, TermsAcceptance,
    TermsAcceptanceList, TermsContent,
};
use tauri::State;
use uuid::Uuid;

use crate::error::IpcError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, IpcError>;

/// The Support policy from the local store.
#[tauri::command]
pub async fn support_policy(state: State<'_, AppState>) -> Result<SupportPolicy> {
    Ok(state.engine.support_policy().await?)
}

/// The first-line checklists from the local store.
#[tauri::command]
pub async fn checklists(state: State<'_, AppState>) -> Result<Vec<Checklist>> {
    Ok(state.engine.checklists().await?)
}

/// The acceptances of the terms in the local store (staff: every organisation's).
#[tauri::command]
pub async fn acceptances(state: State<'_, AppState>) -> Result<Vec<TermsAcceptance>> {
    Ok(state.engine.acceptances().await?)
}

/// Staff: resolves a ticket as outside the support terms (queued).
#[tauri::command(rename_all = "snake_case")]
pub async fn resolve_out_of_scope(
    state: State<'_, AppState>,
    ticket_id: Uuid,
    exclusion: String,
) -> Result<()> {
    Ok(state
        .engine
        .resolve_out_of_scope(ticket_id, &exclusion)
        .await?)
}

/// The terms in force and the draft (admins).
#[tauri::command]
pub async fn admin_terms(state: State<'_, AppState>) -> Result<AdminTerms> {
    Ok(state.engine.admin_api()?.admin_terms().await?)
}

/// Saves the draft of the next version (admins).
#[tauri::command]
pub async fn admin_save_terms_draft(
    state: State<'_, AppState>,
    content: TermsContent,
) -> Result<AdminTerms> {
    Ok(state
        .engine
        .admin_api()?
        .admin_save_terms_draft(&content)
        .await?)
}

/// Publishes the draft as the next version (admins).
#[tauri::command]
pub async fn admin_publish_terms(state: State<'_, AppState>) -> Result<SupportTerms> {
    // It reaches every app's store (this one too) through the live events and a pull.
    Ok(state.engine.admin_api()?.admin_publish_terms().await?)
}

/// Every checklist (admins).
#[tauri::command]
pub async fn admin_checklists(state: State<'_, AppState>) -> Result<ChecklistList> {
    Ok(state.engine.admin_api()?.admin_checklists().await?)
}

/// Replaces one category's checklist (admins).
#[tauri::command]
pub async fn admin_save_checklist(
    state: State<'_, AppState>,
    change: ChecklistChange,
) -> Result<Checklist> {
    Ok(state
        .engine
        .admin_api()?
        .admin_save_checklist(&change)
        .await?)
}

/// An organisation's acceptances of the terms (admins).
#[tauri::command]
pub async fn admin_acceptances(
    state: State<'_, AppState>,
    id: Uuid,
) -> Result<TermsAcceptanceList> {
    Ok(state.engine.admin_api()?.admin_acceptances(id).await?)
}
