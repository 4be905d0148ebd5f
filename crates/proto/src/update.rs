//! Updates of the desktop app, served by the central helpdesk (issue 23).
//!
//! An admin publishes a package of a new version for one [`UpdateTarget`] (an OS, an
//! architecture and a kind of package: `linux-x86_64-deb`), with its notes and its
//! minisign signature (`POST /api/v1/admin/updates`); the app asks
//! `GET /api/v1/updates/{target}/{current_version}` and gets an [`UpdateManifest`] —
//! the "dynamic server" answer of Tauri's updater plugin — or 204 when it is up to date.
//! The app checks the signature against the public key compiled into it before it
//! installs anything; the server checks it too when it is given the key, so a wrong
//! package is refused at publishing rather than on every desktop.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Operating systems, as Tauri's updater names them.
pub const UPDATE_OSES: &[&str] = &["linux", "windows", "darwin"];
/// Architectures, as Tauri's updater names them.
pub const UPDATE_ARCHES: &[&str] = &["x86_64", "aarch64", "i686", "armv7"];
/// Kinds of package the app can update itself from (Tauri's bundle types).
pub const UPDATE_KINDS: &[&str] = &["deb", "rpm", "appimage", "msi", "nsis", "app"];

/// `os-arch-kind`, e.g. `linux-x86_64-deb`: which installed copies a package is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UpdateTarget(String);

/// Why a target was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an update target is os-arch-kind (os: {oses}; arch: {arches}; kind: {kinds}), not {0:?}", oses = UPDATE_OSES.join(", "), arches = UPDATE_ARCHES.join(", "), kinds = UPDATE_KINDS.join(", "))]
pub struct BadUpdateTarget(pub String);

impl UpdateTarget {
    /// Parses `os-arch-kind` from the lists above.
    pub fn parse(s: &str) -> Result<Self, BadUpdateTarget> {
        let parts: Vec<&str> = s.split('-').collect();
        match parts.as_slice() {
            [os, arch, kind]
                if UPDATE_OSES.contains(os)
                    && UPDATE_ARCHES.contains(arch)
                    && UPDATE_KINDS.contains(kind) =>
            {
                Ok(Self(s.to_owned()))
            }
            _ => Err(BadUpdateTarget(s.to_owned())),
        }
    }

    /// The target as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The kind of package (`deb`, `rpm`…).
    pub fn kind(&self) -> &str {
        self.0.rsplit('-').next().unwrap_or_default()
    }
}

impl TryFrom<String> for UpdateTarget {
    type Error = BadUpdateTarget;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<UpdateTarget> for String {
    fn from(t: UpdateTarget) -> String {
        t.0
    }
}

impl std::fmt::Display for UpdateTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for UpdateTarget {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "UpdateTarget".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let pattern = format!(
            "^({})-({})-({})$",
            UPDATE_OSES.join("|"),
            UPDATE_ARCHES.join("|"),
            UPDATE_KINDS.join("|")
        );
        schemars::json_schema!({
            "type": "string",
            "pattern": pattern,
            "description": "os-arch-kind, e.g. linux-x86_64-deb",
        })
    }
}

/// The newest release for a target, in the shape Tauri's updater plugin reads from a
/// "dynamic" update server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UpdateManifest {
    /// Its version (semver).
    pub version: String,
    /// What is new, as the admin wrote it (shown to the user before installing).
    pub notes: String,
    /// When it was published.
    pub pub_date: DateTime<Utc>,
    /// Where the package is: `GET /api/v1/updates/{target}/{version}/file` of the same
    /// server.
    pub url: String,
    /// The package's minisign signature, base64 of the `.sig` file's text (as Tauri
    /// writes it).
    pub signature: String,
}

/// A published release, as the admin endpoints answer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UpdateRelease {
    pub id: Uuid,
    pub target: UpdateTarget,
    pub version: String,
    pub notes: String,
    /// The package's size in bytes.
    pub size: i64,
    /// The package's SHA-256.
    pub sha256: String,
    pub published_at: DateTime<Utc>,
    /// The admin who published it.
    pub published_by: Uuid,
    /// Whether the server checked the signature against its `[updates] public_key`
    /// (false when the server has no key: the apps check it anyway).
    pub signature_checked: bool,
}

/// Every published release, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UpdateReleases {
    pub releases: Vec<UpdateRelease>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_names_a_known_os_arch_and_kind() {
        assert_eq!(
            UpdateTarget::parse("linux-x86_64-deb").unwrap().kind(),
            "deb"
        );
        for bad in [
            "linux-x86_64",
            "linux-x86_64-exe",
            "beos-x86_64-deb",
            "",
            "linux--deb",
        ] {
            assert!(UpdateTarget::parse(bad).is_err(), "{bad}");
        }
    }
}
