//! Signatures of packages for the app's updater (issue 23): minisign, in the forms
//! Tauri's updater uses, so its plugin in the app verifies what is signed here.
//!
//! - a key pair is made by [`generate_key`] (`cargo xtask updater-key`): the public key
//!   is base64 of the minisign public key file's text — what the app is compiled with
//!   (`TADHKIRA_UPDATER_PUBKEY`) and the server is given (`[updates] public_key`); the
//!   secret key is base64 of the minisign secret key file's text, unencrypted (keep it
//!   off shared disks; a CI secret);
//! - [`sign`] writes `PACKAGE.sig` beside a package: base64 of the signature file's
//!   text, what an admin uploads with the package. Its trusted comment carries the
//!   package's version (`version:X.Y.Z`, as Tauri's CLI writes it), which the app
//!   requires to match the version the helpdesk announces (`requireSignedVersion`), so
//!   an older signed package cannot be passed off as a newer release.
//!
//! Keys made by Tauri's CLI (`tauri signer generate`) work too: their password is read
//! from `TADHKIRA_UPDATER_KEY_PASSWORD` (none for keys made here).
//!
//! The development key pair in `deploy/updater/` (`dev.key`, `dev.key.pub`) is public
//! on purpose, for tests and the demo: a package signed with it proves nothing.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use base64::Engine as _;

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn unb64(what: &str, b64: &str) -> Result<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .with_context(|| format!("{what} is not base64"))?;
    String::from_utf8(bytes).with_context(|| format!("{what} is not text once decoded"))
}

/// The development key pair's files.
pub fn dev_key_files() -> (PathBuf, PathBuf) {
    let dir = crate::root().join("deploy/updater");
    (dir.join("dev.key"), dir.join("dev.key.pub"))
}

/// A new key pair: (public key, secret key), each base64 of its minisign file's text.
pub fn generate_key() -> Result<(String, String)> {
    // An empty password: the secret key is stored as is, with its checksum.
    let minisign::KeyPair { pk, sk } =
        minisign::KeyPair::generate_encrypted_keypair(Some(String::new()))
            .context("making a minisign key pair")?;
    let public = pk.to_box().context("the public key")?.to_string();
    let secret = sk
        .to_box(Some("Tadhkira updater secret key"))
        .context("the secret key")?
        .to_string();
    Ok((b64(&public), b64(&secret)))
}

/// Signs `package`, made as `version`, with `secret_key` (base64, as [`generate_key`]
/// makes it) and writes `PACKAGE.sig`; returns its path.
pub fn sign(package: &Path, secret_key: &str, version: &str) -> Result<PathBuf> {
    let text = unb64("the secret key", secret_key)?;
    let password = std::env::var("TADHKIRA_UPDATER_KEY_PASSWORD").unwrap_or_default();
    let sk = minisign::SecretKeyBox::from_string(&text)
        .context("not a minisign secret key")?
        .into_secret_key(Some(password))
        .context("not a minisign secret key, or the wrong TADHKIRA_UPDATER_KEY_PASSWORD")?;
    let file =
        std::fs::File::open(package).with_context(|| format!("reading {}", package.display()))?;
    let name = package
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let timestamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let signature = minisign::sign(
        None,
        &sk,
        std::io::BufReader::new(file),
        Some(&format!(
            "timestamp:{timestamp}\tfile:{name}\tversion:{version}"
        )),
        Some("signature from the Tadhkira updater key"),
    )
    .with_context(|| format!("signing {}", package.display()))?;
    let mut sig_path = package.as_os_str().to_owned();
    sig_path.push(".sig");
    let sig_path = PathBuf::from(sig_path);
    std::fs::write(&sig_path, b64(&signature.to_string()))
        .with_context(|| format!("writing {}", sig_path.display()))?;
    Ok(sig_path)
}

/// Checks `package` against its `.sig` and `public_key` (what the app will do).
pub fn verify(package: &Path, public_key: &str) -> Result<()> {
    let pk = minisign::PublicKeyBox::from_string(&unb64("the public key", public_key)?)
        .context("not a minisign public key")?
        .into_public_key()?;
    let mut sig_path = package.as_os_str().to_owned();
    sig_path.push(".sig");
    let sig = std::fs::read_to_string(&sig_path)
        .with_context(|| format!("reading {}", PathBuf::from(&sig_path).display()))?;
    let sig = minisign::SignatureBox::from_string(&unb64("the signature", &sig)?)
        .context("not a minisign signature")?;
    let data = std::fs::File::open(package)?;
    minisign::verify(&pk, &sig, std::io::BufReader::new(data), true, false, false)
        .context("the signature does not verify")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_package_verifies_and_a_changed_one_does_not() {
        let (public, secret) = generate_key().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let package = dir.path().join("p.deb");
        std::fs::write(&package, b"package bytes").unwrap();
        let sig = sign(&package, &secret, "0.2.0").unwrap();
        assert_eq!(sig, dir.path().join("p.deb.sig"));
        verify(&package, &public).unwrap();
        let sig_text = unb64("sig", &std::fs::read_to_string(&sig).unwrap()).unwrap();
        assert!(sig_text.contains("\tversion:0.2.0"), "{sig_text}");
        std::fs::write(&package, b"package bytez").unwrap();
        assert!(verify(&package, &public).is_err());
        let (other, _) = generate_key().unwrap();
        std::fs::write(&package, b"package bytes").unwrap();
        assert!(verify(&package, &other).is_err());
    }

    #[test]
    fn the_dev_key_pair_is_a_pair_and_the_app_is_built_with_its_public_half() {
        let (secret, public) = dev_key_files();
        let secret = std::fs::read_to_string(secret).unwrap();
        let public = std::fs::read_to_string(public).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let package = dir.path().join("p.deb");
        std::fs::write(&package, b"bytes").unwrap();
        sign(&package, &secret, "0.2.0").unwrap();
        verify(&package, &public).unwrap();
    }
}
