//! The admin subcommands' work: organisations, subscriptions, users, passwords and
//! tokens, on the same store the server uses.

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use tadhkira_proto::{Email, Name, Organisation, Role, Tier, User};

use crate::auth::hash_password;
use crate::config::Settings;
use crate::db::{NewUser, Store};

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

/// Creates an organisation.
pub async fn create_org(
    store: &Store,
    name: &str,
    paid_until: Option<DateTime<Utc>>,
) -> anyhow::Result<Organisation> {
    let name = Name::parse(name)?;
    Ok(store.create_organisation(name.as_str(), paid_until).await?)
}

/// Sets an organisation's subscription end.
pub async fn set_subscription(
    store: &Store,
    name: &str,
    paid_until: Option<DateTime<Utc>>,
) -> anyhow::Result<()> {
    let org = store
        .organisation_by_name(name)
        .await
        .with_context(|| format!("organisation {name:?}"))?;
    Ok(store.set_subscription(org.id, paid_until).await?)
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

/// Creates a user, checking that customers have an organisation and agents a tier.
pub async fn create_user(
    store: &Store,
    settings: &Settings,
    spec: UserSpec,
    password: &str,
) -> anyhow::Result<User> {
    if password.chars().count() < 8 {
        anyhow::bail!("the password must have at least 8 characters");
    }
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
    let tier = match (&spec.role, spec.tier) {
        (Role::Agent, Some(t)) => Some(Tier::parse(t)?),
        (Role::Agent, None) => Some(Tier::L1),
        (_, Some(_)) => anyhow::bail!("only agents have a tier"),
        (_, None) => None,
    };
    if !matches!(spec.locale.as_str(), "ar" | "en") {
        anyhow::bail!("locale must be ar or en");
    }
    let new = NewUser {
        email: Email::parse(&spec.email)?,
        name: Name::parse(&spec.name)?.into_inner(),
        role: spec.role,
        org_id,
        tier,
        locale: spec.locale,
        phone: spec.phone,
        password_hash: hash_password(settings.argon2, password)?,
    };
    Ok(store.create_user(new).await?)
}

/// Replaces a user's password and revokes their tokens.
pub async fn set_password(
    store: &Store,
    settings: &Settings,
    email: &str,
    password: &str,
) -> anyhow::Result<()> {
    if password.chars().count() < 8 {
        anyhow::bail!("the password must have at least 8 characters");
    }
    let email = Email::parse(email)?;
    store
        .set_password_hash(&email, &hash_password(settings.argon2, password)?)
        .await
        .context("no such user")?;
    store.revoke_user_tokens(&email).await?;
    Ok(())
}

/// Revokes every token of a user; answers how many were live.
pub async fn revoke_tokens(store: &Store, email: &str) -> anyhow::Result<u64> {
    Ok(store.revoke_user_tokens(&Email::parse(email)?).await?)
}
