//! The admin calls of [`ApiClient`] for the support terms, the first-line checklists and
//! an organisation's acceptances. Never queued (see [`crate::admin_api`]): offline
//! they fail `Unreachable` and the admin screens say so.

use reqwest::Method;
use tadhkira_proto::{
    AdminTerms, Checklist, ChecklistChange, ChecklistList, SupportTerms, TermsAcceptanceList,
    TermsContent,
};
use uuid::Uuid;

use crate::api::{ApiCallError, ApiClient};

impl ApiClient {
    /// `GET /api/v1/admin/terms`.
    pub async fn admin_terms(&self) -> Result<AdminTerms, ApiCallError> {
        self.send_json(self.request(Method::GET, "api/v1/admin/terms")?)
            .await
    }

    /// `PUT /api/v1/admin/terms/draft`.
    pub async fn admin_save_terms_draft(
        &self,
        content: &TermsContent,
    ) -> Result<AdminTerms, ApiCallError> {
        self.send_json(
            self.request(Method::PUT, "api/v1/admin/terms/draft")?
                .json(content),
        )
        .await
    }

    /// `POST /api/v1/admin/terms/publish`.
    pub async fn admin_publish_terms(&self) -> Result<SupportTerms, ApiCallError> {
        self.send_json(self.request(Method::POST, "api/v1/admin/terms/publish")?)
            .await
    }

    /// `GET /api/v1/admin/checklists`.
    pub async fn admin_checklists(&self) -> Result<ChecklistList, ApiCallError> {
        self.send_json(self.request(Method::GET, "api/v1/admin/checklists")?)
            .await
    }

    /// `PUT /api/v1/admin/checklists`.
    pub async fn admin_save_checklist(
        &self,
        change: &ChecklistChange,
    ) -> Result<Checklist, ApiCallError> {
        self.send_json(
            self.request(Method::PUT, "api/v1/admin/checklists")?
                .json(change),
        )
        .await
    }

    /// `GET /api/v1/admin/organisations/{id}/acceptances`.
    pub async fn admin_acceptances(
        &self,
        org_id: Uuid,
    ) -> Result<TermsAcceptanceList, ApiCallError> {
        self.send_json(self.request(
            Method::GET,
            &format!("api/v1/admin/organisations/{org_id}/acceptances"),
        )?)
        .await
    }
}
