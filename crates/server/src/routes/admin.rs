//! `/api/v1/admin/…`: organisations with their subscription history and designated
//! contacts, users, and the audit log. Admins only: everyone else is answered 403
//! `forbidden` before anything is looked up, so nobody learns whether a target exists.
//! The work is `crate::admin`'s, shared with the command line; every write there
//! appends one audit row in its own transaction.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use tadhkira_proto::{
    AdminOrganisation, AdminOrganisationList, AdminUser, AdminUserList, Agreement, AgreementChange,
    AgreementHistory, AuditPage, DesignatedContacts, ErrorCode, NewAdminUser, NewOrganisation,
    OneTimePassword, RenameOrganisation, Role, UserChanges,
};
use uuid::Uuid;

use crate::admin::{self, AdminError};
use crate::db::{AuditFilter, Caller};
use crate::error::{AppError, Json, Path, Query};
use crate::state::AppState;

impl From<AdminError> for AppError {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::Invalid(m) => AppError::new(ErrorCode::Invalid, m),
            AdminError::Store(e) => e.into(),
            AdminError::Internal(m) => {
                tracing::error!(error = %m, "admin action failed");
                AppError::message(ErrorCode::Internal, "error-internal", &[])
            }
        }
    }
}

/// A signed-in admin (the extractor answers 401 without a valid token, 403 for anyone
/// else). Put first among a handler's extractors, so that no path or body is read for
/// a caller who may not be here.
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        if caller.user.role != Role::Admin {
            return Err(AppError::message(
                ErrorCode::Forbidden,
                "error-admin-only",
                &[],
            ));
        }
        Ok(Admin(caller))
    }
}

impl Admin {
    fn id(&self) -> Uuid {
        self.0.user.id
    }
}

/// `GET /api/v1/admin/organisations`.
pub async fn organisations(
    _admin: Admin,
    State(state): State<AppState>,
) -> Result<Json<AdminOrganisationList>, AppError> {
    Ok(Json(AdminOrganisationList {
        organisations: state.store.admin_organisations().await?,
    }))
}

async fn one_organisation(state: &AppState, id: Uuid) -> Result<AdminOrganisation, AppError> {
    state
        .store
        .admin_organisations()
        .await?
        .into_iter()
        .find(|o| o.organisation.id == id)
        .ok_or_else(|| AppError::message(ErrorCode::NotFound, "error-not-found", &[]))
}

/// `POST /api/v1/admin/organisations`.
pub async fn create_organisation(
    admin: Admin,
    State(state): State<AppState>,
    Json(new): Json<NewOrganisation>,
) -> Result<(StatusCode, Json<AdminOrganisation>), AppError> {
    let org = admin::create_org_by(
        &state.store,
        admin.id(),
        &new.name,
        new.paid_until,
        new.note.as_deref(),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(one_organisation(&state, org.id).await?),
    ))
}

/// `PATCH /api/v1/admin/organisations/{id}`: renames it.
pub async fn rename_organisation(
    admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<RenameOrganisation>,
) -> Result<Json<AdminOrganisation>, AppError> {
    admin::rename_org(&state.store, admin.id(), id, &body.name).await?;
    Ok(Json(one_organisation(&state, id).await?))
}

/// `GET /api/v1/admin/organisations/{id}/agreements`.
pub async fn agreements(
    _admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<AgreementHistory>, AppError> {
    let organisation = state.store.organisation(id).await?;
    let agreements = state.store.agreements(id).await?;
    Ok(Json(AgreementHistory {
        organisation,
        agreements,
    }))
}

/// `POST /api/v1/admin/organisations/{id}/agreements`: renew, extend or lapse.
pub async fn change_agreement(
    admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(change): Json<AgreementChange>,
) -> Result<(StatusCode, Json<Agreement>), AppError> {
    let made = admin::change_agreement(&state.store, admin.id(), id, &change).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// `PUT /api/v1/admin/organisations/{id}/contacts`: the whole list of designated
/// contacts (empty: every customer of the organisation may file).
pub async fn set_contacts(
    admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<DesignatedContacts>,
) -> Result<Json<DesignatedContacts>, AppError> {
    let user_ids = state
        .store
        .set_designated_contacts(admin.id(), id, &body.user_ids)
        .await?;
    Ok(Json(DesignatedContacts { user_ids }))
}

/// `GET /api/v1/admin/users`.
pub async fn users(
    _admin: Admin,
    State(state): State<AppState>,
) -> Result<Json<AdminUserList>, AppError> {
    Ok(Json(AdminUserList {
        users: state.store.admin_users().await?,
    }))
}

/// `POST /api/v1/admin/users`: the password given is a one-time password.
pub async fn create_user(
    admin: Admin,
    State(state): State<AppState>,
    Json(new): Json<NewAdminUser>,
) -> Result<(StatusCode, Json<AdminUser>), AppError> {
    let user = admin::create_user_by(&state.store, &state.settings, admin.id(), &new, true).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.store.admin_user(user.id).await?),
    ))
}

/// `PATCH /api/v1/admin/users/{id}`: role, tier, organisation, language.
pub async fn update_user(
    admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(changes): Json<UserChanges>,
) -> Result<Json<AdminUser>, AppError> {
    Ok(Json(
        admin::update_user(&state.store, admin.id(), id, &changes).await?,
    ))
}

/// `POST /api/v1/admin/users/{id}/disable`: revokes their tokens and closes their live
/// event streams on this server (others close theirs at the next token check); their
/// tickets and messages stay.
pub async fn disable_user(
    admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
) -> Result<Json<AdminUser>, AppError> {
    if id == admin.id() {
        return Err(AppError::message(
            ErrorCode::Invalid,
            "error-disable-self",
            &[],
        ));
    }
    let user = state.store.disable_user(admin.id(), id).await?;
    let closed = state.streams.close_user(id);
    tracing::info!(user = %id, closed, "user disabled");
    Ok(Json(user))
}

/// `POST /api/v1/admin/users/{id}/password`: a one-time password.
pub async fn one_time_password(
    admin: Admin,
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Json(body): Json<OneTimePassword>,
) -> Result<StatusCode, AppError> {
    admin::set_one_time_password(
        &state.store,
        &state.settings,
        admin.id(),
        id,
        &body.password,
    )
    .await?;
    state.streams.close_user(id);
    Ok(StatusCode::NO_CONTENT)
}

/// Query of the audit log.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    actor: Option<Uuid>,
    action: Option<String>,
    target: Option<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    limit: Option<i64>,
    offset: Option<i64>,
}

/// The largest page of the audit log.
pub const MAX_AUDIT_LIMIT: i64 = 500;

/// `GET /api/v1/admin/audit?actor=&action=&target=&since=&until=&limit=&offset=`.
pub async fn audit(
    _admin: Admin,
    State(state): State<AppState>,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>, AppError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=MAX_AUDIT_LIMIT).contains(&limit) {
        return Err(AppError::message(
            ErrorCode::Invalid,
            "error-limit-range",
            &[("max", "500".into())],
        ));
    }
    let offset = q.offset.unwrap_or(0);
    if offset < 0 {
        return Err(AppError::new(
            ErrorCode::Invalid,
            "offset must not be negative",
        ));
    }
    super::tickets::check_query_length(q.action.as_deref())?;
    super::tickets::check_query_length(q.target.as_deref())?;
    let filter = AuditFilter {
        actor: q.actor,
        action: q.action.filter(|a| !a.is_empty()),
        target: q.target.filter(|t| !t.is_empty()),
        since: q.since,
        until: q.until,
        limit,
        offset,
    };
    Ok(Json(state.store.audit_page(&filter).await?))
}
