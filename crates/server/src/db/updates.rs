//! Releases of the desktop app (`app_updates`, migration 0020): what an admin published
//! for which target, newest first. The package's bytes are in the blob store, by
//! SHA-256; a row is written only once they are there, in one transaction with its
//! audit row (`update.publish`).
//!
//! Versions are semver and compared in Rust ([`semver::Version`]'s order, where
//! 1.2.0-beta.1 < 1.2.0 < 1.10.0), not as text in SQL.

use semver::Version;
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;
use tadhkira_proto::{UpdateRelease, UpdateTarget};
use uuid::Uuid;

use super::admin::AdminTx;
use super::{rows, AuditRecord, Store, StoreError};

const SELECT: &str = "SELECT id, target, version, notes, signature, sha256, size, \
                      signature_checked, published_by, published_at FROM app_updates";

/// A release to record (its package already in the blob store).
#[derive(Debug, Clone)]
pub struct NewRelease {
    /// Which installed copies it is for.
    pub target: UpdateTarget,
    /// Its version.
    pub version: Version,
    /// What is new.
    pub notes: String,
    /// Base64 of the `.sig` file's text.
    pub signature: String,
    /// The package's SHA-256 (its blob's name).
    pub sha256: String,
    /// The package's size in bytes.
    pub size: i64,
    /// Whether the server verified the signature with its public key.
    pub signature_checked: bool,
}

/// A stored release with its signature (which the manifest carries).
#[derive(Debug, Clone)]
pub struct StoredRelease {
    /// What the admin endpoints answer.
    pub release: UpdateRelease,
    /// Base64 of the `.sig` file's text.
    pub signature: String,
}

fn release_row(row: &AnyRow) -> Result<StoredRelease, StoreError> {
    let target: String = row.try_get("target")?;
    Ok(StoredRelease {
        release: UpdateRelease {
            id: rows::uuid(row, "id")?,
            target: UpdateTarget::parse(&target).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            version: row.try_get("version")?,
            notes: row.try_get("notes")?,
            size: row.try_get("size")?,
            sha256: row.try_get("sha256")?,
            published_at: rows::time(row, "published_at")?,
            published_by: rows::uuid(row, "published_by")?,
            signature_checked: row.try_get::<i64, _>("signature_checked")? != 0,
        },
        signature: row.try_get("signature")?,
    })
}

fn version_of(r: &StoredRelease) -> Option<Version> {
    Version::parse(&r.release.version).ok()
}

impl Store {
    /// Records a published release (audited); `AlreadyExists` when this target already
    /// has this version (a release is never replaced: publish a newer version).
    pub async fn publish_release(
        &self,
        actor: Uuid,
        new: &NewRelease,
    ) -> Result<UpdateRelease, StoreError> {
        let mut tx = AdminTx::begin(self).await?;
        let id = Uuid::now_v7();
        let now = rows::now_ms();
        sqlx::query(
            "INSERT INTO app_updates (id, target, version, notes, signature, sha256, size, \
             signature_checked, published_by, published_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id.to_string())
        .bind(new.target.as_str())
        .bind(new.version.to_string())
        .bind(&new.notes)
        .bind(&new.signature)
        .bind(&new.sha256)
        .bind(new.size)
        .bind(i64::from(new.signature_checked))
        .bind(actor.to_string())
        .bind(now)
        .execute(&mut *tx.tx)
        .await
        .map_err(|e| match e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::AlreadyExists(format!("version {} for {}", new.version, new.target))
            }
            e => e.into(),
        })?;
        let release = UpdateRelease {
            id,
            target: new.target.clone(),
            version: new.version.to_string(),
            notes: new.notes.clone(),
            size: new.size,
            sha256: new.sha256.clone(),
            published_at: rows::to_time(now),
            published_by: actor,
            signature_checked: new.signature_checked,
        };
        tx.commit(AuditRecord {
            actor,
            action: "update.publish",
            target_kind: "update",
            target_id: id,
            before: None,
            after: Some(json!({
                "target": release.target, "version": release.version, "size": release.size,
                "sha256": release.sha256, "signature_checked": release.signature_checked,
            })),
        })
        .await?;
        Ok(release)
    }

    /// Every release, newest version first within a target (targets in name order).
    pub async fn releases(&self) -> Result<Vec<UpdateRelease>, StoreError> {
        let rows = sqlx::query(SELECT).fetch_all(&self.pool).await?;
        let mut all = rows
            .iter()
            .map(release_row)
            .collect::<Result<Vec<_>, _>>()?;
        all.sort_by(|a, b| {
            a.release
                .target
                .as_str()
                .cmp(b.release.target.as_str())
                .then_with(|| version_of(b).cmp(&version_of(a)))
        });
        Ok(all.into_iter().map(|r| r.release).collect())
    }

    /// The newest release for `target` above `current`, if any.
    pub async fn newer_release(
        &self,
        target: &UpdateTarget,
        current: &Version,
    ) -> Result<Option<StoredRelease>, StoreError> {
        let rows = sqlx::query(&format!("{SELECT} WHERE target = $1"))
            .bind(target.as_str())
            .fetch_all(&self.pool)
            .await?;
        let mut newest: Option<(Version, StoredRelease)> = None;
        for row in &rows {
            let r = release_row(row)?;
            let Some(v) = version_of(&r) else { continue };
            if &v > current && newest.as_ref().is_none_or(|(n, _)| &v > n) {
                newest = Some((v, r));
            }
        }
        Ok(newest.map(|(_, r)| r))
    }

    /// The release of `version` for `target`.
    pub async fn release(
        &self,
        target: &UpdateTarget,
        version: &Version,
    ) -> Result<StoredRelease, StoreError> {
        let row = sqlx::query(&format!("{SELECT} WHERE target = $1 AND version = $2"))
            .bind(target.as_str())
            .bind(version.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        release_row(&row)
    }
}
