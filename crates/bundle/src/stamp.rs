//! Marks a copy of the app's binary with what it is packaged as, in place and at the
//! same length, so that one build serves every package (nothing is compiled again):
//!
//! - the kind of package: Tauri's bundle-type marker `__TAURI_BUNDLE_TYPE_VAR_UNK`
//!   becomes `…_DEB` or `…_RPM`, exactly as Tauri's bundler patches it. The updater
//!   plugin reads it (`tauri::utils::platform::bundle_type`) to know how to install an
//!   update — with an unmarked binary it would treat a `.deb`'s program as an AppImage
//!   and overwrite `/usr/bin/tadhkira-app` behind dpkg's back;
//! - the version: the app's version slot (`src-tauri/src/updates.rs`, `static
//!   PACKAGE_VERSION_SLOT`: a known prefix followed by NUL bytes) receives the version
//!   the package is made as, which the app then reports and the updater compares. So
//!   `cargo xtask bundle --version 1.2.4` (and the install suite) can make the next
//!   version of a build without building it again.
//!
//! Each marker must be found exactly once; anything else is an error (a binary of
//! another program, or one a bundler already marked).

use anyhow::{bail, Result};

/// The prefix of the app's version slot (`src-tauri/src/updates.rs`).
pub const VERSION_SLOT_PREFIX: &[u8] = b"__TADHKIRA_PACKAGE_VERSION__=";
/// The slot's size: the prefix, then the version padded with NUL bytes.
pub const VERSION_SLOT_BYTES: usize = 64;

/// Tauri's unmarked bundle type.
const BUNDLE_TYPE_UNKNOWN: &[u8] = b"__TAURI_BUNDLE_TYPE_VAR_UNK";

/// The kinds of package made here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PackageKind {
    /// Debian's.
    Deb,
    /// Fedora's, openSUSE's.
    Rpm,
}

impl PackageKind {
    /// Tauri's marker of this kind.
    fn marker(self) -> &'static [u8] {
        match self {
            PackageKind::Deb => b"__TAURI_BUNDLE_TYPE_VAR_DEB",
            PackageKind::Rpm => b"__TAURI_BUNDLE_TYPE_VAR_RPM",
        }
    }
}

/// The one place `needle` is in `haystack`.
fn only_place(haystack: &[u8], needle: &[u8], what: &str) -> Result<usize> {
    let mut found = haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i);
    match (found.next(), found.next()) {
        (Some(at), None) => Ok(at),
        (None, _) => bail!(
            "{what} ({}) is not in the binary",
            String::from_utf8_lossy(needle)
        ),
        (Some(_), Some(_)) => bail!(
            "{what} ({}) is in the binary more than once",
            String::from_utf8_lossy(needle)
        ),
    }
}

/// Marks `binary` as packaged as a `kind` of `version` (see the module's comment).
pub fn stamp(binary: &mut [u8], kind: PackageKind, version: &str) -> Result<()> {
    let value = version.as_bytes();
    let room = VERSION_SLOT_BYTES - VERSION_SLOT_PREFIX.len();
    anyhow::ensure!(
        !value.is_empty() && value.len() <= room && !value.contains(&0),
        "version {version:?} does not fit the binary's version slot ({room} bytes)"
    );
    let at = only_place(binary, BUNDLE_TYPE_UNKNOWN, "Tauri's bundle-type marker")?;
    binary[at..at + BUNDLE_TYPE_UNKNOWN.len()].copy_from_slice(kind.marker());
    let slot =
        only_place(binary, VERSION_SLOT_PREFIX, "the version slot")? + VERSION_SLOT_PREFIX.len();
    let slot = &mut binary[slot..slot + room];
    anyhow::ensure!(
        slot.iter().all(|&b| b == 0),
        "the binary's version slot is already stamped"
    );
    slot[..value.len()].copy_from_slice(value);
    Ok(())
}

/// Whether `v` is a semantic version (`1.2.3`, `1.2.3-beta.1`, `1.2.3+build`).
pub fn is_semver(v: &str) -> bool {
    let core = v.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes().all(|b| b.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        })
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".-+".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_binary() -> Vec<u8> {
        let mut b = b"code __TAURI_BUNDLE_TYPE_VAR_UNK more code ".to_vec();
        b.extend_from_slice(VERSION_SLOT_PREFIX);
        b.extend(std::iter::repeat_n(
            0,
            VERSION_SLOT_BYTES - VERSION_SLOT_PREFIX.len(),
        ));
        b.extend_from_slice(b" the end");
        b
    }

    #[test]
    fn a_binary_is_marked_with_its_package_kind_and_version_at_the_same_length() {
        let mut b = fake_binary();
        let len = b.len();
        stamp(&mut b, PackageKind::Deb, "0.2.0").unwrap();
        assert_eq!(b.len(), len);
        let text = String::from_utf8_lossy(&b);
        assert!(text.contains("__TAURI_BUNDLE_TYPE_VAR_DEB"), "{text}");
        assert!(
            text.contains("__TADHKIRA_PACKAGE_VERSION__=0.2.0\0"),
            "{text}"
        );
        assert!(text.ends_with(" the end"));
        // Marked once only.
        assert!(stamp(&mut b, PackageKind::Deb, "0.3.0").is_err());
    }

    #[test]
    fn a_binary_without_the_markers_or_a_version_that_does_not_fit_is_refused() {
        let mut other = b"another program".to_vec();
        assert!(stamp(&mut other, PackageKind::Rpm, "0.2.0").is_err());
        let mut b = fake_binary();
        assert!(stamp(&mut b, PackageKind::Rpm, &"9".repeat(40)).is_err());
        let mut twice = fake_binary();
        twice.extend(fake_binary());
        assert!(stamp(&mut twice, PackageKind::Rpm, "0.2.0").is_err());
    }

    #[test]
    fn versions_are_semver() {
        for good in ["0.1.0", "1.10.2", "2.0.0-beta.1", "1.0.0+ci.7"] {
            assert!(is_semver(good), "{good}");
        }
        for bad in ["1.0", "v1.0.0", "01.0.0", "1.0.0 ", "", "1..0"] {
            assert!(!is_semver(bad), "{bad}");
        }
    }
}
