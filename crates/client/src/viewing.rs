//! Looking at a ticket's files in the app: a preview of an image, a copy saved to a
//! folder, a copy handed to the system's application.
//!
//! Each works from a local copy checked against the file's SHA-256: the copy of a file
//! still queued here (`files/`), else one fetched earlier (`cache/`), else one fetched
//! now from the server (which answers only to someone who may see the message). A
//! file is found through the ticket as this user's local store shows it, so nothing
//! here reaches a file the user could not already see listed.
//!
//! A copy handed to the system's application ends in the extension of the type its
//! bytes are (a text file named `run.desktop` opens as `run.desktop.txt`), so the
//! system never runs or renders as a page what was sent as a log.

use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tadhkira_proto::{Attachment, FileName, Sha256Hex};
use uuid::Uuid;

use crate::engine::Engine;
use crate::error::{EngineError, Result};

/// The extension a copy opened in the system's application ends in, by the type its
/// bytes are (the server's allow-list: images, PDF, archives, else plain text).
pub fn safe_extension(head: &[u8]) -> &'static str {
    if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        "png"
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "jpg"
    } else if head.starts_with(b"GIF87a") || head.starts_with(b"GIF89a") {
        "gif"
    } else if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        "webp"
    } else if head.starts_with(b"BM") {
        "bmp"
    } else if head.starts_with(b"%PDF-") {
        "pdf"
    } else if head.starts_with(b"PK\x03\x04") {
        "zip"
    } else if head.starts_with(&[0x1F, 0x8B]) {
        "gz"
    } else {
        "txt"
    }
}

/// The name a copy is opened under: the file's name when it already ends in `ext`
/// (or, for text, in a usual text extension), else the name with `.ext` added.
pub fn open_name(name: &str, ext: &str) -> String {
    let lower = name.to_lowercase();
    let fine: &[&str] = match ext {
        "jpg" => &["jpg", "jpeg"],
        "gz" => &["gz", "tgz"],
        "txt" => &[
            "txt", "log", "csv", "json", "md", "ini", "conf", "cfg", "yaml", "yml",
        ],
        other => std::slice::from_ref(match other {
            "png" => &"png",
            "gif" => &"gif",
            "webp" => &"webp",
            "bmp" => &"bmp",
            "pdf" => &"pdf",
            _ => &"zip",
        }),
    };
    match lower.rsplit_once('.') {
        Some((stem, e)) if !stem.is_empty() && fine.contains(&e) => name.to_owned(),
        _ => format!("{name}.{ext}"),
    }
}

/// A path in `folder` for `name` that does not exist yet: `name`, else `stem (2).ext`,
/// `stem (3).ext`…
pub fn free_path(folder: &Path, name: &str) -> PathBuf {
    let first = folder.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, format!(".{e}")),
        _ => (name, String::new()),
    };
    (2..)
        .map(|n| folder.join(format!("{stem} ({n}){ext}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

fn sha256_of(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn head_of(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)?.take(16).read_to_end(&mut head)?;
    Ok(head)
}

/// Copies `from` to a path in `folder` that does not exist yet (named `name`, else
/// numbered), through a temporary file, never replacing anything.
fn copy_new(from: &Path, folder: &Path, name: &str) -> Result<PathBuf> {
    std::fs::create_dir_all(folder)?;
    let temp = folder.join(format!(".{}.part", Uuid::now_v7().simple()));
    let copied = (|| -> std::io::Result<()> {
        std::fs::copy(from, &temp)?;
        std::fs::File::open(&temp)?.sync_all()
    })();
    if let Err(e) = copied {
        let _ = std::fs::remove_file(&temp);
        return Err(e.into());
    }
    let target = free_path(folder, name);
    // hard_link fails rather than replace a file that appeared meanwhile.
    let linked = std::fs::hard_link(&temp, &target);
    let _ = std::fs::remove_file(&temp);
    linked?;
    Ok(target)
}

impl Engine {
    /// The file with this SHA-256 on ticket `reference`, as this user's store lists it.
    async fn listed_attachment(&self, reference: &str, sha256: &str) -> Result<Attachment> {
        let sha256 = Sha256Hex::parse(sha256)?;
        self.attachments(reference)
            .await?
            .into_iter()
            .find(|a| a.sha256 == sha256.as_str())
            .ok_or_else(|| EngineError::NotFound(format!("attachment {sha256}")))
    }

    /// A local copy of a file of ticket `reference` whose bytes match its SHA-256: the
    /// queued copy, else the one fetched earlier, else fetched now (needs the network).
    pub async fn attachment_copy(&self, reference: &str, sha256: &str) -> Result<PathBuf> {
        let found = self.listed_attachment(reference, sha256).await?;
        let s = self.session()?;
        let hash = Sha256Hex::parse(&found.sha256)?;
        if let Some((path, _)) = s.store.local_file(&hash).await? {
            let full = s.dir.join(path);
            if full.is_file() {
                return Ok(full);
            }
        }
        let hex = hash.as_str();
        let cached = s.dir.join("cache").join(&hex[..2]).join(&hex[2..]);
        if cached.is_file() {
            let check = cached.clone();
            let ok = tokio::task::spawn_blocking(move || sha256_of(&check))
                .await
                .map_err(|e| EngineError::Storage(e.to_string()))??;
            if ok == hex {
                return Ok(cached);
            }
            std::fs::remove_file(&cached)?;
        }
        if found.id.is_nil() {
            return Err(EngineError::NotFound(format!(
                "the copy of {} is missing from the data folder",
                found.name
            )));
        }
        let folder = cached.parent().map(Path::to_path_buf).unwrap_or_default();
        std::fs::create_dir_all(&folder)?;
        crate::files::download_verified(&s.api, found.id, hex, &found.name, &cached).await?;
        Ok(cached)
    }

    /// A preview of an image file of ticket `reference` (see [`crate::preview`]), at
    /// most `max_side` pixels wide and high; none for a file that is not a PNG or
    /// JPEG within the limits.
    pub async fn attachment_preview(
        &self,
        reference: &str,
        sha256: &str,
        max_side: u32,
    ) -> Result<Option<String>> {
        let found = self.listed_attachment(reference, sha256).await?;
        // Only what the server typed as an image (or, queued, has no type yet) is read.
        if !(found.content_type.is_empty()
            || found.content_type == "image/png"
            || found.content_type == "image/jpeg")
            || found.size as u64 > crate::preview::MAX_PREVIEW_FILE_BYTES
        {
            return Ok(None);
        }
        let path = self.attachment_copy(reference, sha256).await?;
        tokio::task::spawn_blocking(move || crate::preview::thumbnail_of_file(&path, max_side))
            .await
            .map_err(|e| EngineError::Storage(e.to_string()))
    }

    /// Saves a copy of a file of ticket `reference` into `folder` under its name (a
    /// numbered name when that is taken; nothing is replaced); answers where.
    pub async fn save_attachment_to(
        &self,
        reference: &str,
        sha256: &str,
        folder: &Path,
    ) -> Result<PathBuf> {
        let found = self.listed_attachment(reference, sha256).await?;
        let name = FileName::parse(&found.name)?;
        let from = self.attachment_copy(reference, sha256).await?;
        let folder = folder.to_path_buf();
        tokio::task::spawn_blocking(move || copy_new(&from, &folder, name.as_str()))
            .await
            .map_err(|e| EngineError::Storage(e.to_string()))?
    }

    /// A copy of a file of ticket `reference` for the system's application to open,
    /// named with the extension of the type its bytes are ([`open_name`]).
    pub async fn attachment_to_open(&self, reference: &str, sha256: &str) -> Result<PathBuf> {
        let found = self.listed_attachment(reference, sha256).await?;
        let from = self.attachment_copy(reference, sha256).await?;
        let s = self.session()?;
        let folder = s
            .dir
            .join("cache")
            .join("open")
            .join(Uuid::now_v7().simple().to_string());
        tokio::task::spawn_blocking(move || {
            let ext = safe_extension(&head_of(&from)?);
            copy_new(&from, &folder, &open_name(&found.name, ext))
        })
        .await
        .map_err(|e| EngineError::Storage(e.to_string()))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_copy_to_open_ends_in_the_extension_of_its_bytes() {
        assert_eq!(open_name("app.log", safe_extension(b"ERROR x")), "app.log");
        assert_eq!(
            open_name("run.desktop", safe_extension(b"[Desktop Entry]")),
            "run.desktop.txt"
        );
        assert_eq!(
            open_name("shot.PNG", safe_extension(b"\x89PNG\r\n\x1a\n")),
            "shot.PNG"
        );
        assert_eq!(
            open_name("photo.jpeg", safe_extension(&[0xFF, 0xD8, 0xFF, 0xE0])),
            "photo.jpeg"
        );
        assert_eq!(
            open_name("shot.png", safe_extension(b"%PDF-1.7")),
            "shot.png.pdf"
        );
        assert_eq!(open_name(".bashrc", "txt"), ".bashrc.txt");
    }

    #[test]
    fn saving_never_replaces_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("source");
        std::fs::write(&from, b"new").unwrap();
        let out = dir.path().join("Downloads");
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(out.join("app.log"), b"old").unwrap();
        let first = copy_new(&from, &out, "app.log").unwrap();
        let second = copy_new(&from, &out, "app.log").unwrap();
        assert_eq!(first, out.join("app (2).log"));
        assert_eq!(second, out.join("app (3).log"));
        assert_eq!(std::fs::read(out.join("app.log")).unwrap(), b"old");
        assert_eq!(std::fs::read(&first).unwrap(), b"new");
        let left: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().collect();
        assert_eq!(left.len(), 3, "no temporary file left behind");
    }
}
