//! Updates of the installed app from the central helpdesk (issue 23), through Tauri's
//! updater plugin.
//!
//! The app asks the server it is signed in to for a release newer than itself for its
//! own target — `linux-x86_64-deb` for a copy installed from the `.deb` —
//! (`GET /api/v1/updates/{target}/{current_version}`, the plugin's "dynamic server"
//! format). The UI shows the version and its notes ("What's new in X.Y.Z"); only on the
//! user's word does [`install_update`] download the package, check its minisign
//! signature against the public key compiled into this binary ([`public_key`]) and
//! install it the way the plugin installs that kind of package (a `.deb` with
//! `dpkg -i` through `pkexec`, or `sudo` when the desktop has no polkit agent; an `.rpm`
//! with `rpm -U`; an AppImage replaced in place; MSI / NSIS installers on Windows; the
//! `.app` on macOS), then restarts. A package whose signature does not verify — changed
//! after signing, signed by another key, or not signed — is refused before anything is
//! written, and the installed version stays.
//!
//! The plugin's settings (`plugins.updater` in tauri.conf.json): `requireSignedVersion`,
//! so a package must be signed *as* the version the helpdesk announces (an older signed
//! package cannot pose as a newer release); and `dangerousInsecureTransportProtocol`,
//! because whether plain `http://` may reach a helpdesk is decided at sign-in (loopback,
//! or the user's "lab use" choice) and the package's integrity never rests on the
//! transport but on its signature.
//!
//! Which kind of package this copy came from is read from the marker Tauri's bundler
//! patches into the binary (`tauri::utils::platform::bundle_type`); our own packager
//! (`crates/bundle`) patches it the same way. A copy that was not installed from a
//! package (a `cargo build`) is not offered updates.
//!
//! The version this copy reports is the one its package was made as: the packager
//! stamps it into [`PACKAGE_VERSION_SLOT`] (`cargo xtask bundle --version`), so one
//! build can be packaged as a newer version without compiling it again; unstamped, it
//! is tauri.conf.json's.

use std::sync::Mutex;

use serde::Serialize;
use tauri::{AppHandle, State};
use tauri_plugin_updater::{Update, UpdaterExt};

use crate::state::AppState;

/// The updater's public key of development and tests (base64 of a minisign public key,
/// as Tauri writes it). Its secret key is committed beside it (`deploy/updater/`), so
/// anyone can sign packages this key accepts: a release build sets
/// `TADHKIRA_UPDATER_PUBKEY` to the company's own key at compile time.
pub const DEV_PUBLIC_KEY: &str = include_str!("../../deploy/updater/dev.key.pub");

/// The public key packages must be signed with: `TADHKIRA_UPDATER_PUBKEY` at compile
/// time, else [`DEV_PUBLIC_KEY`].
pub fn public_key() -> &'static str {
    option_env!("TADHKIRA_UPDATER_PUBKEY")
        .unwrap_or(DEV_PUBLIC_KEY)
        .trim()
}

/// What precedes the version in [`PACKAGE_VERSION_SLOT`] (`crates/bundle` looks for it).
pub const VERSION_SLOT_PREFIX: &[u8] = b"__TADHKIRA_PACKAGE_VERSION__=";
/// The slot's size: the prefix, then the version, padded with NUL bytes.
pub const VERSION_SLOT_BYTES: usize = 64;
/// Evaluated at compile time, so that the code reading the slot never refers to the
/// prefix's bytes: they must be in the binary once, in the slot, for the packager.
const VERSION_AT: usize = VERSION_SLOT_PREFIX.len();

const fn empty_slot() -> [u8; VERSION_SLOT_BYTES] {
    let mut slot = [0u8; VERSION_SLOT_BYTES];
    let mut i = 0;
    while i < VERSION_SLOT_PREFIX.len() {
        slot[i] = VERSION_SLOT_PREFIX[i];
        i += 1;
    }
    slot
}

/// The version the packager stamped into this binary, if any. `static mut` and read
/// volatile, as Tauri's bundle-type marker, so that the compiler keeps it and never
/// folds its (build-time, empty) value into the code that reads it.
#[used]
static mut PACKAGE_VERSION_SLOT: [u8; VERSION_SLOT_BYTES] = empty_slot();

/// The version stamped by the packager, if it stamped one.
pub fn stamped_version() -> Option<semver::Version> {
    // SAFETY: a plain read of a static nothing in the program writes (only the
    // packager, in the file, before it runs).
    let slot: [u8; VERSION_SLOT_BYTES] =
        unsafe { std::ptr::read_volatile(&raw const PACKAGE_VERSION_SLOT) };
    let value = &slot[VERSION_AT..];
    let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    let text = std::str::from_utf8(&value[..end]).ok()?;
    semver::Version::parse(text).ok()
}

/// Which kind of package this copy was installed from, in the server's words (`deb`…),
/// or `None` for a copy not installed from a package.
pub fn package_kind() -> Option<&'static str> {
    use tauri::utils::config::BundleType;
    Some(match tauri::utils::platform::bundle_type()? {
        BundleType::Deb => "deb",
        BundleType::Rpm => "rpm",
        BundleType::AppImage => "appimage",
        BundleType::Msi => "msi",
        BundleType::Nsis => "nsis",
        BundleType::App => "app",
        _ => return None,
    })
}

/// `os-arch-kind` of this copy (`linux-x86_64-deb`), as the server files releases.
pub fn target() -> Option<String> {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "windows" => "windows",
        "macos" => "darwin",
        _ => return None,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x86_64",
        "aarch64" => "aarch64",
        "x86" => "i686",
        "arm" => "armv7",
        _ => return None,
    };
    Some(format!("{os}-{arch}-{}", package_kind()?))
}

/// This copy's version and where it came from (Settings shows them).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AppVersion {
    /// The version this copy reports.
    pub version: String,
    /// `os-arch-kind` when installed from a package (updates are offered), else null.
    pub target: Option<String>,
}

/// A newer release the user may install.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct UpdateOffer {
    /// The release's version.
    pub version: String,
    /// This copy's version.
    pub current_version: String,
    /// What is new, as the admin wrote it.
    pub notes: String,
    /// When it was published (RFC 3339), if the server said.
    pub date: Option<String>,
}

/// Why checking or installing failed, in the words the UI shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub enum UpdateErrorKind {
    /// This copy was not installed from a package: nothing to update in place.
    NotPackaged,
    /// Not signed in: no helpdesk to ask.
    NotSignedIn,
    /// The helpdesk could not be reached, or answered nonsense.
    Unreachable,
    /// The package's signature did not verify: it was not installed.
    Signature,
    /// The package could not be installed (no permission, the package manager refused).
    Install,
    /// No update was checked for first (or it was already installed).
    NothingToInstall,
}

/// An error of the update commands.
#[derive(Debug, Clone, Serialize, thiserror::Error)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[error("{kind:?}: {message}")]
pub struct UpdateError {
    /// What went wrong; the UI's text is chosen by it.
    pub kind: UpdateErrorKind,
    /// For logs and developers.
    pub message: String,
}

impl UpdateError {
    fn new(kind: UpdateErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

fn refused(e: tauri_plugin_updater::Error) -> UpdateError {
    use tauri_plugin_updater::Error as E;
    let kind = match &e {
        E::Minisign(_)
        | E::Base64(_)
        | E::SignatureUtf8(_)
        | E::SignedVersionMismatch { .. }
        | E::MissingSignedVersion => UpdateErrorKind::Signature,
        E::Reqwest(_) | E::Network(_) | E::ReleaseNotFound | E::Serialization(_) => {
            UpdateErrorKind::Unreachable
        }
        _ => UpdateErrorKind::Install,
    };
    UpdateError::new(kind, e.to_string())
}

/// The update found by the last check, kept for [`install_update`].
#[derive(Default)]
pub struct PendingUpdate(Mutex<Option<Update>>);

/// This copy's version and target.
#[tauri::command]
pub fn app_version(app: AppHandle) -> AppVersion {
    AppVersion {
        version: app.package_info().version.to_string(),
        target: target(),
    }
}

/// Asks the signed-in helpdesk for a newer release of this copy's target; `null` when
/// it is the newest.
#[tauri::command]
pub async fn check_update(
    app: AppHandle,
    state: State<'_, AppState>,
    pending: State<'_, PendingUpdate>,
) -> Result<Option<UpdateOffer>, UpdateError> {
    let target = target().ok_or_else(|| {
        UpdateError::new(
            UpdateErrorKind::NotPackaged,
            "this copy was not installed from a package",
        )
    })?;
    let account = state
        .engine
        .account()
        .ok_or_else(|| UpdateError::new(UpdateErrorKind::NotSignedIn, "not signed in"))?;
    let endpoint = format!(
        "{}/api/v1/updates/{target}/{{{{current_version}}}}",
        account.server_url.trim_end_matches('/')
    );
    let endpoint = endpoint
        .parse()
        .map_err(|e| UpdateError::new(UpdateErrorKind::Unreachable, format!("{endpoint}: {e}")))?;
    let updater = app
        .updater_builder()
        .pubkey(public_key())
        .timeout(std::time::Duration::from_secs(30))
        .endpoints(vec![endpoint])
        .and_then(|b| b.build())
        .map_err(refused)?;
    let update = updater.check().await.map_err(refused)?;
    tracing::info!(
        target = %target,
        newer = ?update.as_ref().map(|u| &u.version),
        "checked for updates"
    );
    let offer = update.as_ref().map(|u| UpdateOffer {
        version: u.version.clone(),
        current_version: u.current_version.clone(),
        notes: u.body.clone().unwrap_or_default(),
        date: u.date.and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        }),
    });
    *pending.0.lock().unwrap_or_else(|p| p.into_inner()) = update;
    Ok(offer)
}

/// Downloads the update found by the last check, verifies its signature, installs it
/// and restarts the app. On any failure nothing is installed and the app keeps running.
#[tauri::command]
pub async fn install_update(
    app: AppHandle,
    pending: State<'_, PendingUpdate>,
) -> Result<(), UpdateError> {
    let update = pending
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .ok_or_else(|| {
            UpdateError::new(
                UpdateErrorKind::NothingToInstall,
                "no update was found to install",
            )
        })?;
    tracing::info!(version = %update.version, "installing an update");
    let bytes = update.download(|_, _| {}, || {}).await.map_err(|e| {
        let e = refused(e);
        tracing::warn!(error = %e, "the update was refused");
        e
    })?;
    // Installing runs the package manager (and waits for a password prompt): off the
    // async runtime's threads.
    let installing = update.clone();
    tauri::async_runtime::spawn_blocking(move || installing.install(bytes))
        .await
        .map_err(|e| UpdateError::new(UpdateErrorKind::Install, e.to_string()))?
        .map_err(|e| {
            let e = refused(e);
            tracing::warn!(error = %e, "the update could not be installed");
            e
        })?;
    *pending.0.lock().unwrap_or_else(|p| p.into_inner()) = None;
    tracing::info!(version = %update.version, "update installed; restarting");
    app.restart()
}
