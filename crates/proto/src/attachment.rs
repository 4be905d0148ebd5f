//! Attachments: files (a screenshot, a log) on a ticket or a message.
//!
//! Files are content-addressed: a file is named by the SHA-256 of its bytes
//! ([`Sha256Hex`]), so the same bytes are stored once on the server and once in a
//! client's data folder, however many messages carry them.
//!
//! The way a file travels:
//! 1. `POST /api/v1/uploads` with an [`UploadStart`] (name, size, hash) answers an
//!    [`UploadStatus`]: an upload id and the offset the server already holds (0 for a
//!    new upload, more when an earlier one was cut; the start is idempotent, so a
//!    client that lost everything but the file resumes by starting again), or
//!    `complete` when this user already uploaded these bytes.
//! 2. `PUT /api/v1/uploads/{id}?offset=N` with the next bytes answers the new
//!    [`UploadStatus`]; a wrong offset is `conflict` and the client asks
//!    `GET /api/v1/uploads/{id}` where to resume. The last chunk makes the server
//!    check the whole file against its hash and its type by content.
//! 3. A [`crate::NewTicket`] or [`crate::NewMessage`] names its files by
//!    [`AttachmentRef`] (hash + name). The server accepts a reference only to a blob the
//!    author uploaded or may already see.
//! 4. Tickets and messages list their files as [`Attachment`]s; each downloads from
//!    `GET /api/v1/attachments/{id}` by whoever may see what it is attached to.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{check_clean_text, FieldError};

/// Most files on one ticket or message.
pub const MAX_ATTACHMENTS: usize = 20;
/// Most bytes in one upload chunk (`PUT /api/v1/uploads/{id}`).
pub const MAX_CHUNK_BYTES: usize = 8 * 1024 * 1024;

/// A SHA-256 digest as 64 lower-case hexadecimal digits: the name of a blob.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "string"))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Hex(String);

impl Sha256Hex {
    /// Accepts 64 hexadecimal digits in either case; stores them lower-case.
    pub fn parse(s: impl AsRef<str>) -> Result<Self, FieldError> {
        let s = s.as_ref();
        if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(FieldError(
                "sha256 must be 64 hexadecimal digits".to_string(),
            ));
        }
        Ok(Sha256Hex(s.to_ascii_lowercase()))
    }

    /// The digest's hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sha256Hex {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(s)
    }
}

impl From<Sha256Hex> for String {
    fn from(v: Sha256Hex) -> String {
        v.0
    }
}

impl std::fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A file's name as shown to people: its last path part only (no `/` or `\`), 1–255
/// characters, none of them [forbidden](crate::is_forbidden_char). Only ever shown as
/// text and offered as a download name; never used as a path on the server.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export, type = "string"))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "String", into = "String")]
pub struct FileName(String);

impl FileName {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 255;

    /// Trims white space and checks the rules above.
    pub fn parse(s: impl AsRef<str>) -> Result<Self, FieldError> {
        let t = s.as_ref().trim();
        if t.is_empty() || t == "." || t == ".." {
            return Err(FieldError("file name must not be empty".into()));
        }
        if t.chars().count() > Self::MAX_CHARS {
            return Err(FieldError(format!(
                "file name is longer than {} characters",
                Self::MAX_CHARS
            )));
        }
        if t.contains(['/', '\\']) {
            return Err(FieldError(
                "file name must not contain / or \\ (name the file, not its folder)".into(),
            ));
        }
        check_clean_text("file name", t)?;
        if t.contains(['\n', '\t']) {
            return Err(FieldError("file name must be one line".into()));
        }
        Ok(FileName(t.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for FileName {
    type Error = FieldError;
    fn try_from(s: String) -> Result<Self, FieldError> {
        Self::parse(s)
    }
}

impl From<FileName> for String {
    fn from(v: FileName) -> String {
        v.0
    }
}

impl std::fmt::Display for FileName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A file a new ticket or message carries: the blob's hash and the name to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AttachmentRef {
    pub sha256: Sha256Hex,
    pub name: FileName,
}

/// Checks a list of references: at most [`MAX_ATTACHMENTS`], each blob once.
pub fn check_attachment_refs(refs: &[AttachmentRef]) -> Result<(), FieldError> {
    if refs.len() > MAX_ATTACHMENTS {
        return Err(FieldError(format!(
            "at most {MAX_ATTACHMENTS} files on one message"
        )));
    }
    for (i, r) in refs.iter().enumerate() {
        if refs[..i].iter().any(|o| o.sha256 == r.sha256) {
            return Err(FieldError(format!("the file {} is attached twice", r.name)));
        }
    }
    Ok(())
}

/// A file on a ticket (its description) or on a message, as the server lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Attachment {
    /// Downloads from `GET /api/v1/attachments/{id}`.
    pub id: Uuid,
    /// The name the author gave it (text only, never a path).
    pub name: String,
    /// In bytes.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: i64,
    /// The type found by the server in its content (never the name's extension).
    pub content_type: String,
    /// SHA-256 of its bytes (lower-case hex).
    pub sha256: String,
}

/// Body of `POST /api/v1/uploads`: the file about to be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UploadStart {
    pub name: FileName,
    /// In bytes; above the server's per-file limit the start is refused `too_large`.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: i64,
    pub sha256: Sha256Hex,
}

/// Where an upload stands: answer of every upload endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct UploadStatus {
    /// Send chunks to `PUT /api/v1/uploads/{id}`.
    pub id: Uuid,
    /// Bytes the server holds: send the next chunk from here.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub offset: i64,
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size: i64,
    /// The blob is stored and verified: it may be referenced by an [`AttachmentRef`].
    pub complete: bool,
    /// The type found in the content, once known.
    pub content_type: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_is_64_hex_digits_kept_lower_case() {
        let h = Sha256Hex::parse("AB".repeat(32)).unwrap();
        assert_eq!(h.as_str(), "ab".repeat(32));
        assert!(Sha256Hex::parse("ab".repeat(31)).is_err());
        assert!(Sha256Hex::parse("zz".repeat(32)).is_err());
        assert!(serde_json::from_str::<Sha256Hex>("\"../../etc/passwd\"").is_err());
    }

    #[test]
    fn a_file_name_is_one_clean_path_part() {
        assert_eq!(FileName::parse("  app.log ").unwrap().as_str(), "app.log");
        assert_eq!(FileName::parse("لقطة.png").unwrap().as_str(), "لقطة.png");
        for bad in [
            "",
            "..",
            "a/b.txt",
            "..\\x",
            "a\u{202E}gpj.exe",
            "a\nb",
            "x\u{7}",
        ] {
            assert!(FileName::parse(bad).is_err(), "{bad:?}");
        }
        assert!(FileName::parse("a".repeat(256)).is_err());
    }

    #[test]
    fn refs_name_each_blob_once_and_not_too_many() {
        let r = |h: &str, n: &str| AttachmentRef {
            sha256: Sha256Hex::parse(h.repeat(64)).unwrap(),
            name: FileName::parse(n).unwrap(),
        };
        assert!(check_attachment_refs(&[r("a", "x"), r("b", "x")]).is_ok());
        assert!(check_attachment_refs(&[r("a", "x"), r("a", "y")]).is_err());
        let many: Vec<_> = (0..=MAX_ATTACHMENTS)
            .map(|i| AttachmentRef {
                sha256: Sha256Hex::parse(format!("{i:064x}")).unwrap(),
                name: FileName::parse("f").unwrap(),
            })
            .collect();
        assert!(check_attachment_refs(&many).is_err());
    }
}
