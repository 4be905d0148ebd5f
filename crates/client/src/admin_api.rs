//! The administration calls of [`ApiClient`] (`/api/v1/admin/…`, admins only) and the
//! password changes. Unlike tickets, these are never queued in the outbox: an admin
//! action needs the server's answer (a name taken, a user not found) at once, so each
//! is a plain call that fails `Unreachable` offline and the app says so.

use reqwest::Method;
use tadhkira_proto::{
    AdminOrganisation, AdminOrganisationList, AdminUser, AdminUserList, Agreement, AgreementChange,
    AgreementHistory, ApiError, AuditPage, DesignatedContacts, NewAdminUser, NewOrganisation,
    OneTimePassword, PasswordChange, RenameOrganisation, UserChanges,
};
use tadhkira_proto::{AdminPolicy, PolicyChange, ResponsePolicy};
use uuid::Uuid;

use crate::api::{ApiCallError, ApiClient};

/// Filters of the audit log (`GET /api/v1/admin/audit`); every one optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AuditQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub actor: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub target: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub since: Option<String>,
    /// RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub until: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub offset: Option<u32>,
}

impl ApiClient {
    /// Sends a request whose success has no body (204).
    pub async fn send_empty(&self, rb: reqwest::RequestBuilder) -> Result<(), ApiCallError> {
        let resp = rb
            .send()
            .await
            .map_err(|e| ApiCallError::Unreachable(e.to_string()))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| ApiCallError::Unreachable(e.to_string()))?;
        Err(serde_json::from_slice::<ApiError>(&bytes)
            .map(ApiCallError::Api)
            .unwrap_or_else(|_| {
                ApiCallError::Incompatible(format!("HTTP {status} without a Tadhkira error body"))
            }))
    }

    /// `GET /api/v1/admin/organisations`.
    pub async fn admin_organisations(&self) -> Result<AdminOrganisationList, ApiCallError> {
        self.send_json(self.request(Method::GET, "api/v1/admin/organisations")?)
            .await
    }

    /// `POST /api/v1/admin/organisations`.
    pub async fn admin_create_organisation(
        &self,
        new: &NewOrganisation,
    ) -> Result<AdminOrganisation, ApiCallError> {
        self.send_json(
            self.request(Method::POST, "api/v1/admin/organisations")?
                .json(new),
        )
        .await
    }

    /// `PATCH /api/v1/admin/organisations/{id}`.
    pub async fn admin_rename_organisation(
        &self,
        id: Uuid,
        name: &str,
    ) -> Result<AdminOrganisation, ApiCallError> {
        let body = RenameOrganisation { name: name.into() };
        self.send_json(
            self.request(Method::PATCH, &format!("api/v1/admin/organisations/{id}"))?
                .json(&body),
        )
        .await
    }

    /// `GET /api/v1/admin/organisations/{id}/agreements`.
    pub async fn admin_agreements(&self, id: Uuid) -> Result<AgreementHistory, ApiCallError> {
        self.send_json(self.request(
            Method::GET,
            &format!("api/v1/admin/organisations/{id}/agreements"),
        )?)
        .await
    }

    /// `POST /api/v1/admin/organisations/{id}/agreements`.
    pub async fn admin_change_agreement(
        &self,
        id: Uuid,
        change: &AgreementChange,
    ) -> Result<Agreement, ApiCallError> {
        self.send_json(
            self.request(
                Method::POST,
                &format!("api/v1/admin/organisations/{id}/agreements"),
            )?
            .json(change),
        )
        .await
    }

    /// `PUT /api/v1/admin/organisations/{id}/contacts`.
    pub async fn admin_set_contacts(
        &self,
        id: Uuid,
        user_ids: Vec<Uuid>,
    ) -> Result<DesignatedContacts, ApiCallError> {
        self.send_json(
            self.request(
                Method::PUT,
                &format!("api/v1/admin/organisations/{id}/contacts"),
            )?
            .json(&DesignatedContacts { user_ids }),
        )
        .await
    }

    /// `GET /api/v1/admin/users`.
    pub async fn admin_users(&self) -> Result<AdminUserList, ApiCallError> {
        self.send_json(self.request(Method::GET, "api/v1/admin/users")?)
            .await
    }

    /// `POST /api/v1/admin/users`.
    pub async fn admin_create_user(&self, new: &NewAdminUser) -> Result<AdminUser, ApiCallError> {
        self.send_json(self.request(Method::POST, "api/v1/admin/users")?.json(new))
            .await
    }

    /// `PATCH /api/v1/admin/users/{id}`.
    pub async fn admin_update_user(
        &self,
        id: Uuid,
        changes: &UserChanges,
    ) -> Result<AdminUser, ApiCallError> {
        self.send_json(
            self.request(Method::PATCH, &format!("api/v1/admin/users/{id}"))?
                .json(changes),
        )
        .await
    }

    /// `POST /api/v1/admin/users/{id}/disable`.
    pub async fn admin_disable_user(&self, id: Uuid) -> Result<AdminUser, ApiCallError> {
        self.send_json(self.request(Method::POST, &format!("api/v1/admin/users/{id}/disable"))?)
            .await
    }

    /// `POST /api/v1/admin/users/{id}/password`: a one-time password.
    pub async fn admin_one_time_password(
        &self,
        id: Uuid,
        password: &str,
    ) -> Result<(), ApiCallError> {
        let body = OneTimePassword {
            password: password.into(),
        };
        self.send_empty(
            self.request(Method::POST, &format!("api/v1/admin/users/{id}/password"))?
                .json(&body),
        )
        .await
    }

    /// `GET /api/v1/admin/audit`.
    pub async fn admin_audit(&self, query: &AuditQuery) -> Result<AuditPage, ApiCallError> {
        self.send_json(
            self.request(Method::GET, "api/v1/admin/audit")?
                .query(query),
        )
        .await
    }

    /// `GET /api/v1/admin/policy`: the response policy in effect (issue 16).
    pub async fn admin_policy(&self) -> Result<AdminPolicy, ApiCallError> {
        self.send_json(self.request(Method::GET, "api/v1/admin/policy")?)
            .await
    }

    /// `PUT /api/v1/admin/policy`: the next version of the response policy.
    pub async fn admin_change_policy(
        &self,
        change: &PolicyChange,
    ) -> Result<AdminPolicy, ApiCallError> {
        self.send_json(
            self.request(Method::PUT, "api/v1/admin/policy")?
                .json(change),
        )
        .await
    }

    /// `GET /api/v1/policy/targets`: the response targets in effect (anyone signed in).
    pub async fn policy_targets(&self) -> Result<ResponsePolicy, ApiCallError> {
        self.send_json(self.request(Method::GET, "api/v1/policy/targets")?)
            .await
    }

    /// `POST /api/v1/me/password`: the signed-in user's own password.
    pub async fn change_my_password(
        &self,
        current_password: &str,
        new_password: &str,
    ) -> Result<(), ApiCallError> {
        let body = PasswordChange {
            email: None,
            current_password: current_password.into(),
            new_password: new_password.into(),
        };
        self.send_empty(
            self.request(Method::POST, "api/v1/me/password")?
                .json(&body),
        )
        .await
    }

    /// `POST /api/v1/auth/password`: replaces a one-time password before signing in.
    pub async fn replace_one_time_password(
        &self,
        email: &str,
        current_password: &str,
        new_password: &str,
    ) -> Result<(), ApiCallError> {
        let body = PasswordChange {
            email: Some(email.into()),
            current_password: current_password.into(),
            new_password: new_password.into(),
        };
        self.send_empty(
            self.request(Method::POST, "api/v1/auth/password")?
                .json(&body),
        )
        .await
    }
}
