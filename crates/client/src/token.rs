//! Where the API token of the signed-in account is kept between runs.
//!
//! The desktop app stores it in the OS keychain ([`KeychainTokenStore`], feature
//! `keychain`) when one answers, else in a file; the CLI and tests use
//! [`FileTokenStore`], a file in the data folder readable only by the user.
//! [`open_token_store`] makes that choice once at start and says which it made, so the
//! settings screen can tell the user the truth.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Keeps one secret token per data folder.
pub trait TokenStore: Send + Sync {
    /// The stored token, if any.
    fn load(&self) -> Result<Option<String>, String>;
    /// Replaces the stored token.
    fn save(&self, token: &str) -> Result<(), String>;
    /// Forgets the token.
    fn delete(&self) -> Result<(), String>;
}

/// A token in a file created with mode 0600 (Unix); on other systems the file's folder
/// permissions apply.
#[derive(Debug, Clone)]
pub struct FileTokenStore {
    path: PathBuf,
}

impl FileTokenStore {
    /// A store at `path` (conventionally `<data dir>/token`).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

impl TokenStore for FileTokenStore {
    fn load(&self) -> Result<Option<String>, String> {
        match std::fs::read_to_string(&self.path) {
            Ok(t) if !t.trim().is_empty() => Ok(Some(t.trim().to_owned())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", self.path.display())),
        }
    }

    fn save(&self, token: &str) -> Result<(), String> {
        use std::io::Write;
        let tmp = self.path.with_extension("tmp");
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&tmp)
            .map_err(|e| format!("{}: {e}", tmp.display()))?;
        f.write_all(token.as_bytes()).map_err(|e| e.to_string())?;
        f.sync_all().map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, &self.path).map_err(|e| e.to_string())
    }

    fn delete(&self) -> Result<(), String> {
        match std::fs::remove_file(&self.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.to_string()),
            _ => Ok(()),
        }
    }
}

/// Where a host keeps its token, as the settings screen names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenStorage {
    /// The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager).
    Keychain,
    /// The user-only file `<data dir>/token`.
    File,
}

impl TokenStorage {
    /// `keychain` or `file`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Keychain => "keychain",
            Self::File => "file",
        }
    }
}

/// The token store for the engine of `data_dir`: the OS keychain when it answers a
/// set/get/delete round-trip within `probe_timeout` (a locked or absent Secret Service
/// must not hang the app's start), else the 0600 file the engine uses by default.
/// A token left in the file from a run without a keychain moves into the keychain, and
/// the file is removed.
pub fn open_token_store(
    data_dir: &Path,
    probe_timeout: Duration,
) -> (Arc<dyn TokenStore>, TokenStorage) {
    let file = FileTokenStore::new(data_dir.join("token"));
    #[cfg(feature = "keychain")]
    {
        let keychain = KeychainTokenStore::for_data_dir(data_dir);
        match keychain.probe(probe_timeout) {
            Ok(()) => {
                if let Err(e) = keychain.take_over(&file) {
                    tracing::warn!(error = %e, "could not move the token file into the keychain");
                }
                return (Arc::new(keychain), TokenStorage::Keychain);
            }
            Err(e) => {
                tracing::info!(reason = %e, "no usable OS keychain: the token stays in a user-only file");
            }
        }
    }
    #[cfg(not(feature = "keychain"))]
    let _ = probe_timeout;
    (Arc::new(file), TokenStorage::File)
}

/// The token in the OS keychain, under service [`KeychainTokenStore::SERVICE`] and an
/// account naming the data folder (so two profiles never share a token).
#[cfg(feature = "keychain")]
#[derive(Debug, Clone)]
pub struct KeychainTokenStore {
    account: String,
}

#[cfg(feature = "keychain")]
impl KeychainTokenStore {
    /// The service name every Tadhkira token is filed under.
    pub const SERVICE: &'static str = "Tadhkira";

    /// A store for the token of the engine whose data folder is `data_dir`.
    pub fn for_data_dir(data_dir: &Path) -> Self {
        Self::new(data_dir.display().to_string())
    }

    /// A store under keychain account `account`.
    pub fn new(account: impl Into<String>) -> Self {
        Self {
            account: account.into(),
        }
    }

    /// The keychain account this store uses.
    pub fn account(&self) -> &str {
        &self.account
    }

    fn entry(account: &str) -> Result<keyring::Entry, String> {
        keyring::Entry::new(Self::SERVICE, account).map_err(|e| format!("keychain: {e}"))
    }

    /// Checks that the keychain really keeps a secret: stores, reads back and deletes a
    /// probe entry beside the real one, giving up after `timeout`.
    pub fn probe(&self, timeout: Duration) -> Result<(), String> {
        let probe_account = format!("{} (probe)", self.account);
        let (tx, rx) = std::sync::mpsc::channel();
        // A keychain waiting on an unlock prompt nobody answers would block forever: the
        // probe runs on its own thread and is abandoned after `timeout`.
        std::thread::spawn(move || {
            let result = (|| {
                let entry = Self::entry(&probe_account)?;
                let secret = format!("probe-{}", uuid::Uuid::new_v4());
                entry
                    .set_password(&secret)
                    .map_err(|e| format!("keychain: {e}"))?;
                let read = entry.get_password().map_err(|e| format!("keychain: {e}"));
                let deleted = entry
                    .delete_credential()
                    .map_err(|e| format!("keychain: {e}"));
                match read? {
                    r if r == secret => deleted,
                    _ => Err("keychain: the probe secret did not read back".to_owned()),
                }
            })();
            let _ = tx.send(result);
        });
        rx.recv_timeout(timeout)
            .unwrap_or_else(|_| Err(format!("keychain: no answer within {timeout:?}")))
    }

    /// Moves a token from `file` into the keychain (checked by reading it back) and
    /// removes the file. Nothing to do when the file holds none.
    pub fn take_over(&self, file: &FileTokenStore) -> Result<bool, String> {
        let Some(token) = file.load()? else {
            return Ok(false);
        };
        self.save(&token)?;
        if self.load()?.as_deref() != Some(token.as_str()) {
            return Err("keychain: the moved token did not read back".into());
        }
        file.delete()?;
        tracing::info!("the token moved from its file into the OS keychain");
        Ok(true)
    }
}

#[cfg(feature = "keychain")]
impl TokenStore for KeychainTokenStore {
    fn load(&self) -> Result<Option<String>, String> {
        match Self::entry(&self.account)?.get_password() {
            Ok(t) if !t.trim().is_empty() => Ok(Some(t)),
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(format!("keychain: {e}")),
        }
    }

    fn save(&self, token: &str) -> Result<(), String> {
        Self::entry(&self.account)?
            .set_password(token)
            .map_err(|e| format!("keychain: {e}"))
    }

    fn delete(&self) -> Result<(), String> {
        match Self::entry(&self.account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(format!("keychain: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_file_is_private_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileTokenStore::new(dir.path().join("token"));
        assert_eq!(store.load().unwrap(), None);
        store.save("secret").unwrap();
        assert_eq!(store.load().unwrap().as_deref(), Some("secret"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("token"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        store.delete().unwrap();
        assert_eq!(store.load().unwrap(), None);
    }
}
