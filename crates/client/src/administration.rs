//! What the engine offers for administration and password changes: the signed-in
//! API client for admin calls (never queued: see [`crate::admin_api`]), and password
//! changes, the one-time-password case before any sign-in included.

use tadhkira_proto::Role;

use crate::api::ApiClient;
use crate::engine::Engine;
use crate::error::{EngineError, Result};

impl Engine {
    /// The signed-in API client for admin calls; refused locally for anyone but an
    /// admin (the server refuses them too).
    pub fn admin_api(&self) -> Result<ApiClient> {
        let s = self.session()?;
        if s.account.user.role != Role::Admin {
            return Err(EngineError::Invalid("administration is for admins".into()));
        }
        Ok(s.api.clone())
    }

    /// Changes the signed-in user's own password (needs the network).
    pub async fn change_password(&self, current: &str, new: &str) -> Result<()> {
        let s = self.session()?;
        Ok(s.api.change_my_password(current, new).await?)
    }

    /// Replaces a one-time password set by an admin (sign-in answered
    /// `password_change_required`); the caller then signs in with the new one.
    pub async fn replace_one_time_password(
        &self,
        server_url: &str,
        email: &str,
        current: &str,
        new: &str,
    ) -> Result<()> {
        let plain_http = self.inner.plain_http.lock().map(|p| *p).unwrap_or_default();
        let api = ApiClient::new_with(server_url, plain_http, self.inner.timeouts)?
            .with_language(self.inner.language.clone());
        Ok(api
            .replace_one_time_password(email.trim(), current, new)
            .await?)
    }
}
