//! The administration commands (admins only) and password changes: thin calls into
//! the engine's API client. They are never queued offline — each needs the server's
//! answer — so offline they fail with `kind: offline`, which the admin screens say in
//! words ("administration needs the connection to the server").

use tadhkira_client::admin_api::AuditQuery;
use tadhkira_proto::{
    AdminOrganisation, AdminOrganisationList, AdminUser, AdminUserList, Agreement, AgreementChange,
    AgreementHistory, AuditPage, DesignatedContacts, NewAdminUser, NewOrganisation, UserChanges,
};
use tadhkira_proto::{AdminPolicy, PolicyChange};
use tauri::State;
use uuid::Uuid;

use crate::error::IpcError;
use crate::state::AppState;

type Result<T> = std::result::Result<T, IpcError>;

/// Every organisation with its subscription end and designated contacts.
#[tauri::command]
pub async fn admin_organisations(state: State<'_, AppState>) -> Result<AdminOrganisationList> {
    Ok(state.engine.admin_api()?.admin_organisations().await?)
}

/// Creates an organisation.
#[tauri::command(rename_all = "snake_case")]
pub async fn admin_create_organisation(
    state: State<'_, AppState>,
    new: NewOrganisation,
) -> Result<AdminOrganisation> {
    Ok(state
        .engine
        .admin_api()?
        .admin_create_organisation(&new)
        .await?)
}

/// Renames an organisation.
#[tauri::command(rename_all = "snake_case")]
pub async fn admin_rename_organisation(
    state: State<'_, AppState>,
    id: Uuid,
    name: String,
) -> Result<AdminOrganisation> {
    Ok(state
        .engine
        .admin_api()?
        .admin_rename_organisation(id, &name)
        .await?)
}

/// An organisation's subscription history.
#[tauri::command(rename_all = "snake_case")]
pub async fn admin_agreements(state: State<'_, AppState>, id: Uuid) -> Result<AgreementHistory> {
    Ok(state.engine.admin_api()?.admin_agreements(id).await?)
}

/// Renews, extends or lapses a subscription.
#[tauri::command(rename_all = "snake_case")]
pub async fn admin_change_agreement(
    state: State<'_, AppState>,
    id: Uuid,
    change: AgreementChange,
) -> Result<Agreement> {
    Ok(state
        .engine
        .admin_api()?
        .admin_change_agreement(id, &change)
        .await?)
}

/// Sets an organisation's designated contacts.
#[tauri::command(rename_all = "snake_case")]
pub async fn admin_set_contacts(
    state: State<'_, AppState>,
    id: Uuid,
    user_ids: Vec<Uuid>,
) -> Result<DesignatedContacts> {
    Ok(state
        .engine
        .admin_api()?
        .admin_set_contacts(id, user_ids)
        .await?)
}

/// Every user.
#[tauri::command]
pub async fn admin_users(state: State<'_, AppState>) -> Result<AdminUserList> {
    Ok(state.engine.admin_api()?.admin_users().await?)
}

/// Creates a user with a one-time password.
#[tauri::command(rename_all = "snake_case")]
pub async fn admin_create_user(state: State<'_, AppState>, new: NewAdminUser) -> Result<AdminUser> {
    Ok(state.engine.admin_api()?.admin_create_user(&new).await?)
}

/// Changes a user's role, tier, organisation or language.
#[tauri::command(rename_all = "snake_case")]
pub async fn admin_update_user(
    state: State<'_, AppState>,
    id: Uuid,
    changes: UserChanges,
) -> Result<AdminUser> {
    Ok(state
        .engine
        .admin_api()?
        .admin_update_user(id, &changes)
        .await?)
}

/// Disables a user.
#[tauri::command(rename_all = "snake_case")]
pub async fn admin_disable_user(state: State<'_, AppState>, id: Uuid) -> Result<AdminUser> {
    Ok(state.engine.admin_api()?.admin_disable_user(id).await?)
}

/// Sets a one-time password.
#[tauri::command(rename_all = "snake_case")]
pub async fn admin_one_time_password(
    state: State<'_, AppState>,
    id: Uuid,
    password: String,
) -> Result<()> {
    Ok(state
        .engine
        .admin_api()?
        .admin_one_time_password(id, &password)
        .await?)
}

/// A page of the audit log.
#[tauri::command(rename_all = "snake_case")]
pub async fn admin_audit(state: State<'_, AppState>, query: AuditQuery) -> Result<AuditPage> {
    Ok(state.engine.admin_api()?.admin_audit(&query).await?)
}

/// The response policy in effect: targets per priority and business hours.
#[tauri::command]
pub async fn admin_policy(state: State<'_, AppState>) -> Result<AdminPolicy> {
    Ok(state.engine.admin_api()?.admin_policy().await?)
}

/// Makes the next version of the response policy (tickets filed from now on follow it).
#[tauri::command(rename_all = "snake_case")]
pub async fn admin_change_policy(
    state: State<'_, AppState>,
    change: PolicyChange,
) -> Result<AdminPolicy> {
    Ok(state
        .engine
        .admin_api()?
        .admin_change_policy(&change)
        .await?)
}

/// The signed-in user's own password change.
#[tauri::command(rename_all = "snake_case")]
pub async fn change_password(
    state: State<'_, AppState>,
    current_password: String,
    new_password: String,
) -> Result<()> {
    Ok(state
        .engine
        .change_password(&current_password, &new_password)
        .await?)
}

/// Replaces a one-time password (the sign-in screen then signs in with the new one).
#[tauri::command(rename_all = "snake_case")]
pub async fn replace_one_time_password(
    state: State<'_, AppState>,
    server_url: String,
    email: String,
    current_password: String,
    new_password: String,
) -> Result<()> {
    Ok(state
        .engine
        .replace_one_time_password(&server_url, &email, &current_password, &new_password)
        .await?)
}
