//! Administration: organisations, subscriptions, users, passwords and tokens, checked
//! here once and written through the store's audited writes (`db/admin.rs`). Both the
//! REST API under `/api/v1/admin` (actor: the signed-in admin) and the `tadhkira-server`
//! subcommands (actor: the system user, [`SYSTEM_ACTOR`]) call these functions, so a
//! change made either way is validated the same and leaves one audit row.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use tadhkira_proto::{
    AgreementAction, AgreementChange, Email, FieldError, Name, NewAdminUser, Organisation, Role,
    Tier, User, UserChanges,
};
use uuid::Uuid;

use crate::auth::hash_password;
use crate::config::Settings;
pub use crate::db::SYSTEM_ACTOR;
use crate::db::{AuditRecord, NewUser, Store, StoreError, UserUpdate};

/// Why an admin action was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The request does not make sense (a customer with no organisation…).
    #[error("{0}")]
    Invalid(String),
    /// The store refused or failed (not found, already exists…).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Hashing failed (should never happen).
    #[error("{0}")]
    Internal(String),
}

impl From<FieldError> for AdminError {
    fn from(e: FieldError) -> Self {
        AdminError::Invalid(e.to_string())
    }
}

fn invalid(message: impl Into<String>) -> AdminError {
    AdminError::Invalid(message.into())
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// Checks a new password's length and hashes it.
pub fn new_password_hash(settings: &Settings, password: &str) -> Result<String, AdminError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(invalid(format!(
            "the password must have at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    hash_password(settings.argon2, password).map_err(|e| AdminError::Internal(e.to_string()))
}

fn check_locale(locale: &str) -> Result<(), AdminError> {
    match locale {
        "ar" | "en" => Ok(()),
        _ => Err(invalid("locale must be ar or en")),
    }
}

fn check_note(note: Option<&str>) -> Result<Option<String>, AdminError> {
    match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > 500 => {
            Err(invalid("the note must be at most 500 characters"))
        }
        other => Ok(other.map(str::to_owned)),
    }
}

/// Parses `YYYY-MM-DD` (end of that day, UTC) or `none`.
pub fn parse_paid_until(s: &str) -> anyhow::Result<Option<DateTime<Utc>>> {
    if s.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .with_context(|| format!("{s:?} is not YYYY-MM-DD or none"))?;
    let end = day.and_hms_opt(23, 59, 59).context("bad date")?;
    Ok(Some(end.and_utc()))
}

/// Creates an organisation as `actor`, with a first agreement when `paid_until` is set.
pub async fn create_org_by(
    store: &Store,
    actor: Uuid,
    name: &str,
    paid_until: Option<DateTime<Utc>>,
    note: Option<&str>,
) -> Result<Organisation, AdminError> {
    let name = Name::parse(name)?;
    let note = check_note(note)?;
    Ok(store
        .create_organisation_by(actor, name.as_str(), paid_until, note.as_deref())
        .await?)
}

/// Creates an organisation (the command line).
pub async fn create_org(
    store: &Store,
    name: &str,
    paid_until: Option<DateTime<Utc>>,
) -> anyhow::Result<Organisation> {
    Ok(create_org_by(store, SYSTEM_ACTOR, name, paid_until, None).await?)
}

/// Renames an organisation.
pub async fn rename_org(
    store: &Store,
    actor: Uuid,
    id: Uuid,
    name: &str,
) -> Result<Organisation, AdminError> {
    let name = Name::parse(name)?;
    Ok(store.rename_organisation(actor, id, name.as_str()).await?)
}

/// Renews, extends or lapses an organisation's subscription.
pub async fn change_agreement(
    store: &Store,
    actor: Uuid,
    org_id: Uuid,
    change: &AgreementChange,
) -> Result<tadhkira_proto::Agreement, AdminError> {
    let note = check_note(change.note.as_deref())?;
    let ends_at = match change.action {
        AgreementAction::Lapse => None,
        _ => Some(
            change
                .ends_at
                .ok_or_else(|| invalid("ends_at is required to renew or extend"))?,
        ),
    };
    Ok(store
        .change_agreement(
            actor,
            org_id,
            change.action,
            ends_at,
            note.as_deref(),
            Utc::now(),
        )
        .await?)
}

/// Sets the end of an organisation's subscription (the command line): a future end
/// renews it (or extends the current agreement); `none` or a past end lapses it.
pub async fn set_subscription(
    store: &Store,
    name: &str,
    paid_until: Option<DateTime<Utc>>,
) -> anyhow::Result<()> {
    let org = store
        .organisation_by_name(name)
        .await
        .with_context(|| format!("organisation {name:?}"))?;
    let now = Utc::now();
    let active = org.subscription_active(now);
    let (action, ends_at) = match paid_until {
        Some(end) if end > now && active => (AgreementAction::Extend, Some(end)),
        Some(end) if end > now => (AgreementAction::Renew, Some(end)),
        Some(end) => (AgreementAction::Lapse, Some(end)),
        None => (AgreementAction::Lapse, None),
    };
    store
        .change_agreement(SYSTEM_ACTOR, org.id, action, ends_at, None, now)
        .await?;
    Ok(())
}

/// What `user create` needs.
#[derive(Debug, Clone)]
pub struct UserSpec {
    /// Sign-in e-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// customer, agent or admin.
    pub role: Role,
    /// The customer's organisation, by name.
    pub org: Option<String>,
    /// The agent's tier (default 1).
    pub tier: Option<i64>,
    /// `ar` or `en`.
    pub locale: String,
    /// Phone number, if any.
    pub phone: Option<String>,
}

/// The tier and organisation a role needs: customers an organisation and no tier,
/// agents a tier (1 by default) and no organisation, admins neither.
fn role_fields(
    role: Role,
    org_id: Option<Uuid>,
    tier: Option<Tier>,
) -> Result<(Option<Uuid>, Option<Tier>), AdminError> {
    match role {
        Role::Customer => match (org_id, tier) {
            (None, _) => Err(invalid("a customer needs an organisation")),
            (Some(_), Some(_)) => Err(invalid("only agents have a tier")),
            (Some(org), None) => Ok((Some(org), None)),
        },
        Role::Agent => match org_id {
            Some(_) => Err(invalid("only customers belong to an organisation")),
            None => Ok((None, Some(tier.unwrap_or(Tier::L1)))),
        },
        Role::Admin => match (org_id, tier) {
            (None, None) => Ok((None, None)),
            (Some(_), _) => Err(invalid("only customers belong to an organisation")),
            (_, Some(_)) => Err(invalid("only agents have a tier")),
        },
    }
}

/// Creates a user as `actor`. An admin's new user gets a one-time password.
pub async fn create_user_by(
    store: &Store,
    settings: &Settings,
    actor: Uuid,
    new: &NewAdminUser,
    one_time: bool,
) -> Result<User, AdminError> {
    let (org_id, tier) = role_fields(new.role, new.org_id, new.tier)?;
    if let Some(org) = org_id {
        store.organisation(org).await.map_err(|e| match e {
            StoreError::NotFound => invalid("no such organisation"),
            e => e.into(),
        })?;
    }
    check_locale(&new.locale)?;
    let phone = new
        .phone
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned);
    let user = NewUser {
        email: Email::parse(&new.email)?,
        name: Name::parse(&new.name)?.into_inner(),
        role: new.role,
        org_id,
        tier,
        locale: new.locale.clone(),
        phone,
        password_hash: new_password_hash(settings, &new.password)?,
    };
    Ok(store.create_user_by(actor, user, one_time).await?)
}

/// Creates a user (the command line, the demo, tests): the password is theirs to keep.
pub async fn create_user(
    store: &Store,
    settings: &Settings,
    spec: UserSpec,
    password: &str,
) -> anyhow::Result<User> {
    let org_id = match (&spec.role, &spec.org) {
        (Role::Customer, Some(org)) => Some(
            store
                .organisation_by_name(org)
                .await
                .with_context(|| format!("organisation {org:?}"))?
                .id,
        ),
        (Role::Customer, None) => anyhow::bail!("a customer needs --org"),
        (_, Some(_)) => anyhow::bail!("only customers belong to an organisation"),
        (_, None) => None,
    };
    let tier = spec.tier.map(Tier::parse).transpose()?;
    let new = NewAdminUser {
        email: spec.email,
        name: spec.name,
        role: spec.role,
        org_id,
        tier,
        locale: spec.locale,
        phone: spec.phone,
        password: password.to_owned(),
    };
    Ok(create_user_by(store, settings, SYSTEM_ACTOR, &new, false).await?)
}

/// Changes a user's role, tier, organisation or language. Changing the role clears
/// what the new role does not have.
pub async fn update_user(
    store: &Store,
    actor: Uuid,
    id: Uuid,
    changes: &UserChanges,
) -> Result<tadhkira_proto::AdminUser, AdminError> {
    let current = store.admin_user(id).await?.user;
    let role = changes.role.unwrap_or(current.role);
    let role_changed = role != current.role;
    let org_id = changes
        .org_id
        .or(if role_changed { None } else { current.org_id });
    let tier = changes
        .tier
        .or(if role_changed { None } else { current.tier });
    let (org_id, tier) = role_fields(role, org_id, tier)?;
    let locale = changes.locale.clone().unwrap_or(current.locale);
    check_locale(&locale)?;
    let update = UserUpdate {
        role,
        tier,
        org_id,
        locale,
    };
    Ok(store.update_user(actor, id, &update).await?)
}

/// Sets a one-time password: the user must change it before signing in again, and
/// their tokens are revoked.
pub async fn set_one_time_password(
    store: &Store,
    settings: &Settings,
    actor: Uuid,
    id: Uuid,
    password: &str,
) -> Result<(), AdminError> {
    let hash = new_password_hash(settings, password)?;
    Ok(store
        .set_password_by(actor, id, &hash, true, "user.one_time_password")
        .await?)
}

/// A user's own new password (after their current one was checked).
pub async fn change_own_password(
    store: &Store,
    settings: &Settings,
    id: Uuid,
    password: &str,
) -> Result<(), AdminError> {
    let hash = new_password_hash(settings, password)?;
    Ok(store
        .set_password_by(id, id, &hash, false, "user.password_change")
        .await?)
}

/// Replaces a user's password and revokes their tokens (the command line).
pub async fn set_password(
    store: &Store,
    settings: &Settings,
    email: &str,
    password: &str,
) -> anyhow::Result<()> {
    let email = Email::parse(email)?;
    let hash = new_password_hash(settings, password)?;
    store
        .set_password_hash(&email, &hash)
        .await
        .context("no such user")?;
    store.revoke_user_tokens(&email).await?;
    Ok(())
}

/// Revokes every token of a user; answers how many were live.
pub async fn revoke_tokens(store: &Store, email: &str) -> anyhow::Result<u64> {
    let email = Email::parse(email)?;
    let user = store.credentials(&email).await?.context("no such user")?.0;
    let n = store.revoke_user_tokens(&email).await?;
    store
        .append_audit(&AuditRecord {
            actor: SYSTEM_ACTOR,
            action: "user.revoke_tokens",
            target_kind: "user",
            target_id: user.id,
            before: None,
            after: Some(serde_json::json!({"revoked": n})),
        })
        .await?;
    Ok(n)
}
