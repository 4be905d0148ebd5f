//! Signed releases of the desktop app (issue 23): the `[updates]` settings and the
//! check of a package's minisign signature.
//!
//! The formats are Tauri's updater's, so the plugin in the app reads what the server
//! serves: a public key is base64 of a minisign public key file's text
//! (`untrusted comment: …\nRW…`), a signature base64 of a `.sig` file's text. The app
//! verifies every package against the key compiled into it before installing it; the
//! server verifies at publishing when it is given the same key, so an admin learns of a
//! wrong or tampered package at once instead of every desktop refusing it.

use base64::Engine as _;
use minisign_verify::{PublicKey, Signature};
use serde::Deserialize;

/// `[updates]` in the server's configuration.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct UpdateSettings {
    /// The updater's public key (base64, as Tauri's `plugins.updater.pubkey`). With it,
    /// a package whose signature it does not verify is refused at publishing.
    pub public_key: Option<String>,
    /// Largest package an admin may publish, in bytes.
    pub max_package_bytes: usize,
    /// This server's address as the apps reach it (`https://help.example.com`), for
    /// the download links of the update manifests. Unset: the request's host and
    /// scheme (`X-Forwarded-Host` / `-Proto` behind a proxy), which is right unless a
    /// proxy rewrites the host without saying so.
    pub public_url: Option<String>,
}

impl Default for UpdateSettings {
    fn default() -> Self {
        Self {
            public_key: None,
            max_package_bytes: 512 * 1024 * 1024,
            public_url: None,
        }
    }
}

impl UpdateSettings {
    /// Refuses a key that is not one, naming the key.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(key) = &self.public_key {
            public_key(key).map_err(|e| format!("updates.public_key: {e}"))?;
        }
        if let Some(url) = &self.public_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                return Err(format!(
                    "updates.public_url = {url:?}: an http(s):// address"
                ));
            }
        }
        if self.max_package_bytes == 0 {
            return Err("updates.max_package_bytes = 0: must be more than 0".into());
        }
        Ok(())
    }
}

/// Why a signature was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    /// Not base64 of a minisign signature's text.
    #[error("the signature is not a minisign signature in base64 (the text of a .sig file as Tauri writes it): {0}")]
    Malformed(String),
    /// Well formed, but not by the key's owner over these bytes.
    #[error("the signature does not verify against the updater's public key: the package was not signed with its secret key, or was changed after signing")]
    Mismatch,
    /// Verified, but signed as another version than the one being published.
    #[error("the package was signed as version {0}")]
    OtherVersion(String),
}

fn base64_text(what: &str, b64: &str) -> Result<String, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| format!("{what} is not base64: {e}"))?;
    String::from_utf8(bytes).map_err(|_| format!("{what} is not text once decoded"))
}

fn public_key(b64: &str) -> Result<PublicKey, String> {
    let text = base64_text("the key", b64)?;
    PublicKey::decode(&text)
        .or_else(|_| PublicKey::from_base64(text.trim()))
        .map_err(|e| format!("not a minisign public key: {e}"))
}

/// Parses a signature (base64 of a `.sig` file's text) without checking it.
pub fn parse_signature(b64: &str) -> Result<Signature, SignatureError> {
    let text = base64_text("the signature", b64).map_err(SignatureError::Malformed)?;
    Signature::decode(&text).map_err(|e| SignatureError::Malformed(e.to_string()))
}

/// Checks `signature` over `data` against `key` (both base64, Tauri's way), and that a
/// version the signature's trusted comment names (`version:X.Y.Z`, as Tauri's CLI and
/// `cargo xtask bundle` sign) is `version`: the app requires it to be the version the
/// helpdesk announces, so a package published under another version would be refused
/// on every desktop.
pub fn verify(
    key: &str,
    data: &[u8],
    signature: &str,
    version: &semver::Version,
) -> Result<(), SignatureError> {
    let signature = parse_signature(signature)?;
    let key = public_key(key).map_err(SignatureError::Malformed)?;
    key.verify(data, &signature, true)
        .map_err(|_| SignatureError::Mismatch)?;
    let signed = signature
        .trusted_comment()
        .split('\t')
        .find_map(|field| field.strip_prefix("version:"));
    match signed {
        Some(v)
            if semver::Version::parse(v.trim_start_matches('v'))
                .ok()
                .as_ref()
                != Some(version) =>
        {
            Err(SignatureError::OtherVersion(v.to_owned()))
        }
        _ => Ok(()),
    }
}
