//! Bodies of the administration API under `/api/v1/admin/…` (admins only) and of a
//! user's own password change.
//!
//! An organisation's subscription is a history of [`Agreement`]s: each renewal,
//! extension or lapse is a new row, never an edit, so the history reads as what
//! happened. The newest agreement is the current one; its end is the organisation's
//! `paid_until`, which the filing gate reads.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{Organisation, Role, Tier, User};

/// What an agreement row did to the subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgreementAction {
    /// A new term, starting when the current one ends (or now, if it has ended).
    Renew,
    /// The current term, with a later (or earlier) end.
    Extend,
    /// The current term ends now.
    Lapse,
}

impl AgreementAction {
    /// The word stored and sent.
    pub fn as_str(self) -> &'static str {
        match self {
            AgreementAction::Renew => "renew",
            AgreementAction::Extend => "extend",
            AgreementAction::Lapse => "lapse",
        }
    }

    /// Parses a stored word.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Renew, Self::Extend, Self::Lapse]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// One entry of an organisation's subscription history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Agreement {
    pub id: Uuid,
    pub org_id: Uuid,
    pub action: AgreementAction,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// A note or a reference (invoice, contract number).
    pub note: Option<String>,
    pub created_by: Uuid,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
}

/// An organisation as the admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AdminOrganisation {
    pub organisation: Organisation,
    /// The customers who may file for it; empty: every customer of it may.
    pub designated_contacts: Vec<Uuid>,
    /// How many customers it has.
    pub customers: i64,
    /// The distinct files on its tickets and messages (issue 18).
    #[serde(default)]
    pub storage_files: i64,
    /// Their bytes on the server: each distinct file counted once per organisation (a
    /// file two organisations share counts in both; the server keeps it once).
    #[serde(default)]
    pub storage_bytes: i64,
}

/// Answer of `GET /api/v1/admin/organisations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AdminOrganisationList {
    pub organisations: Vec<AdminOrganisation>,
}

/// Body of `POST /api/v1/admin/organisations`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewOrganisation {
    pub name: String,
    /// The end of a first agreement, starting now; none: never paid yet.
    #[serde(default)]
    pub paid_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Body of `PATCH /api/v1/admin/organisations/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RenameOrganisation {
    pub name: String,
}

/// Body of `POST /api/v1/admin/organisations/{id}/agreements`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgreementChange {
    pub action: AgreementAction,
    /// The new end (renew, extend); ignored for a lapse.
    #[serde(default)]
    pub ends_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub note: Option<String>,
}

/// Answer of `GET /api/v1/admin/organisations/{id}/agreements`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgreementHistory {
    pub organisation: Organisation,
    pub agreements: Vec<Agreement>,
}

/// Body of `PUT /api/v1/admin/organisations/{id}/contacts`: the whole list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DesignatedContacts {
    pub user_ids: Vec<Uuid>,
}

/// A user as the admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AdminUser {
    pub user: User,
    pub org_name: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub must_change_password: bool,
}

/// Answer of `GET /api/v1/admin/users`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AdminUserList {
    pub users: Vec<AdminUser>,
}

/// Body of `POST /api/v1/admin/users`. The password is a one-time password: the user
/// changes it at their first sign-in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewAdminUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// Customers only.
    #[serde(default)]
    pub org_id: Option<Uuid>,
    /// Agents only (default 1).
    #[serde(default)]
    pub tier: Option<Tier>,
    pub locale: String,
    #[serde(default)]
    pub phone: Option<String>,
    pub password: String,
}

impl std::fmt::Debug for NewAdminUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAdminUser")
            .field("email", &self.email)
            .field("role", &self.role)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Body of `PATCH /api/v1/admin/users/{id}`: what to change. Changing the role clears
/// what the new role does not have (a customer's organisation, an agent's tier).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UserChanges {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub tier: Option<Tier>,
    #[serde(default)]
    pub org_id: Option<Uuid>,
    #[serde(default)]
    pub locale: Option<String>,
}

/// Body of `POST /api/v1/admin/users/{id}/password`: a one-time password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OneTimePassword {
    pub password: String,
}

impl std::fmt::Debug for OneTimePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OneTimePassword(<redacted>)")
    }
}

/// Body of `POST /api/v1/me/password` (signed in) and `POST /api/v1/auth/password`
/// (with `email`: a one-time password is replaced before the first sign-in).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasswordChange {
    #[serde(default)]
    pub email: Option<String>,
    pub current_password: String,
    pub new_password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordChange")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// One row of the append-only audit log. `before` and `after` are JSON texts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Uuid,
    pub actor_name: String,
    /// What was done, e.g. `organisation.create`, `user.disable`,
    /// `ticket.lapsed_override`.
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// Answer of `GET /api/v1/admin/audit`, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: i64,
}
