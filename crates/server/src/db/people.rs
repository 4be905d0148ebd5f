//! Organisations, users and sign-in tokens.
//!
//! A token is 32 random bytes shown to the client once; only its SHA-256 hash is stored,
//! so a copy of the database does not let anyone sign in.

use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use tadhkira_proto::{Email, Organisation, Role, Tier, User};
use uuid::Uuid;

use super::{rows, Store, StoreError};

/// Who is calling: a signed-in user and, for a customer, their organisation.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The signed-in user.
    pub user: User,
    /// Their organisation (customers only).
    pub organisation: Option<Organisation>,
}

impl Caller {
    /// Agents and admins.
    pub fn is_staff(&self) -> bool {
        self.user.role.is_staff()
    }
}

/// A user to create (the password already hashed).
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Sign-in e-mail (unique).
    pub email: Email,
    /// Display name.
    pub name: String,
    /// What they are.
    pub role: Role,
    /// Customers' organisation.
    pub org_id: Option<Uuid>,
    /// Agents' tier.
    pub tier: Option<Tier>,
    /// `ar` or `en`.
    pub locale: String,
    /// Phone number, if any.
    pub phone: Option<String>,
    /// argon2id PHC string.
    pub password_hash: String,
}

/// A freshly issued token (shown once).
pub struct TokenIssued {
    /// The secret, shown once.
    pub token: String,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

const USER_COLUMNS: &str = "id, email, name, role, org_id, tier, locale, phone";

/// Leaves out the system user (the actor of the server's own jobs, added by migration
/// 0004): it is nobody's colleague, signs in with no password and is never listed.
const PEOPLE: &str = "role <> 'system'";

fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Store {
    /// Creates an organisation (its name must be new), as the system user: audited,
    /// with a first agreement when `paid_until` is given.
    pub async fn create_organisation(
        &self,
        name: &str,
        paid_until: Option<DateTime<Utc>>,
    ) -> Result<Organisation, StoreError> {
        self.create_organisation_by(super::SYSTEM_ACTOR, name, paid_until, None)
            .await
    }

    /// Finds an organisation by its exact name.
    pub async fn organisation_by_name(&self, name: &str) -> Result<Organisation, StoreError> {
        let row = sqlx::query("SELECT id, name, paid_until FROM organisations WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        rows::organisation(&row)
    }

    /// Finds an organisation by id.
    pub async fn organisation(&self, id: Uuid) -> Result<Organisation, StoreError> {
        let row = sqlx::query("SELECT id, name, paid_until FROM organisations WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        rows::organisation(&row)
    }

    /// Creates a user (the e-mail address must be new) as the system user, audited.
    pub async fn create_user(&self, new: NewUser) -> Result<User, StoreError> {
        self.create_user_by(super::SYSTEM_ACTOR, new, false).await
    }

    /// A user by id.
    pub async fn user(&self, id: Uuid) -> Result<User, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id = $1 AND {PEOPLE}"
        ))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        rows::user(&row)
    }

    /// The user with this e-mail and their password hash, for signing in (a disabled
    /// user is not found: they sign in no more).
    pub async fn credentials(&self, email: &Email) -> Result<Option<(User, String)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1 AND {PEOPLE} \
             AND disabled_at IS NULL"
        ))
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some((rows::user(&row)?, row.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    /// Replaces a user's password hash, as the system user (audited).
    pub async fn set_password_hash(&self, email: &Email, hash: &str) -> Result<(), StoreError> {
        let user = self
            .credentials(email)
            .await?
            .ok_or(StoreError::NotFound)?
            .0;
        self.set_password_by(super::SYSTEM_ACTOR, user.id, hash, false, "user.password")
            .await
    }

    /// Issues a new random token for a user, valid for `ttl`.
    pub async fn issue_token(
        &self,
        user_id: Uuid,
        device: Option<&str>,
        ttl: chrono::Duration,
    ) -> Result<TokenIssued, StoreError> {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token = hex::encode(bytes);
        let now = Utc::now();
        let expires_at = now + ttl;
        sqlx::query(
            "INSERT INTO tokens (hash, user_id, device, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash(&token))
        .bind(user_id.to_string())
        .bind(device)
        .bind(now.timestamp_millis())
        .bind(expires_at.timestamp_millis())
        .execute(&self.pool)
        .await?;
        Ok(TokenIssued { token, expires_at })
    }

    /// Who a token belongs to, if it is known, unexpired and not revoked. Every
    /// request asks it, so the user's organisation comes in the same statement.
    pub async fn caller_for_token(&self, token: &str) -> Result<Option<Caller>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.role, u.org_id, u.tier, u.locale, u.phone, \
             o.name AS org_name, o.paid_until AS org_paid_until \
             FROM tokens k JOIN users u ON u.id = k.user_id \
             LEFT JOIN organisations o ON o.id = u.org_id \
             WHERE k.hash = $1 AND k.revoked_at IS NULL AND k.expires_at > $2 \
             AND u.disabled_at IS NULL",
        )
        .bind(token_hash(token))
        .bind(rows::now_ms())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let user = rows::user(&row)?;
        let organisation = match user.org_id {
            // A user's organisation is never deleted under them; as before the join, one
            // that is missing is not found.
            Some(_) if row.try_get::<Option<String>, _>("org_name")?.is_none() => {
                return Err(StoreError::NotFound)
            }
            Some(_) => Some(rows::organisation_in(
                &row,
                ["org_id", "org_name", "org_paid_until"],
            )?),
            None => None,
        };
        Ok(Some(Caller { user, organisation }))
    }

    /// Whether any user exists.
    pub async fn has_users(&self) -> Result<bool, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT 1 AS one FROM users WHERE {PEOPLE} LIMIT 1"
        ))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Whether `token` was ever issued to the user with this e-mail (expired and revoked
    /// tokens too): proof that the device presenting it once signed in to the account
    /// with its password.
    pub async fn token_was_issued_to(
        &self,
        token: &str,
        email: &Email,
    ) -> Result<bool, StoreError> {
        let row = sqlx::query(
            "SELECT 1 AS one FROM tokens k JOIN users u ON u.id = k.user_id \
             WHERE k.hash = $1 AND u.email = $2",
        )
        .bind(token_hash(token))
        .bind(email.as_str())
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Revokes one token (sign-out).
    pub async fn revoke_token(&self, token: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE tokens SET revoked_at = $1 WHERE hash = $2 AND revoked_at IS NULL")
            .bind(rows::now_ms())
            .bind(token_hash(token))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Revokes every token of a user; answers how many were live.
    pub async fn revoke_user_tokens(&self, email: &Email) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE tokens SET revoked_at = $1 WHERE revoked_at IS NULL \
             AND user_id = (SELECT id FROM users WHERE email = $2)",
        )
        .bind(rows::now_ms())
        .bind(email.as_str())
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Staff users (agents and admins), for assignee checks and the demo.
    pub async fn staff_user(&self, id: Uuid) -> Result<Option<User>, StoreError> {
        match self.user(id).await {
            Ok(u) if u.role.is_staff() => Ok(Some(u)),
            Ok(_) | Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl Store {
    /// Users with their organisations, by name; `role` and a text in the name or e-mail
    /// narrow it.
    pub async fn list_people(
        &self,
        role: Option<Role>,
        q: Option<&str>,
        limit: i64,
    ) -> Result<Vec<tadhkira_proto::Me>, StoreError> {
        let pattern = q
            .map(|q| {
                format!(
                    "%{}%",
                    q.trim().to_lowercase().replace(['%', '_', '\0'], "")
                )
            })
            .unwrap_or_else(|| "%".into());
        let found = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE ($1 = '' OR role = $1) AND {PEOPLE} \
             AND (LOWER(name) LIKE $2 OR email LIKE $2) ORDER BY name, email LIMIT $3"
        ))
        .bind(role.map(|r| r.as_str()).unwrap_or(""))
        .bind(pattern)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut orgs: std::collections::HashMap<Uuid, Organisation> = Default::default();
        let mut people = Vec::with_capacity(found.len());
        for row in &found {
            let user = rows::user(row)?;
            let organisation = match user.org_id {
                Some(id) => match orgs.get(&id) {
                    Some(org) => Some(org.clone()),
                    None => {
                        let org = self.organisation(id).await?;
                        orgs.insert(id, org.clone());
                        Some(org)
                    }
                },
                None => None,
            };
            people.push(tadhkira_proto::Me { user, organisation });
        }
        Ok(people)
    }
}
