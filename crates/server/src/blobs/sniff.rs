//! Which files are accepted, judged by their bytes and never by their name: a log
//! named `log.txt` that is really a Windows program is refused.
//!
//! The allow-list is what customers send support (screenshots, documents, archives of
//! logs) and nothing a browser or the app would run or render as a page: no HTML, no
//! SVG (it carries script), no programs. Binary formats are recognised by their magic
//! numbers (the `infer` crate); anything it does not recognise is accepted only as
//! plain text: valid UTF-8 with no NUL byte, as a log is.

/// The type given to accepted text (logs, configuration dumps).
pub const TEXT: &str = "text/plain";

/// Binary types accepted, as `infer` names them.
pub const ALLOWED: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "application/pdf",
    "application/zip",
    "application/gzip",
];

/// What the first bytes of a file say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Magic {
    /// A recognised type on the allow-list.
    Allowed(&'static str),
    /// A recognised type that is not accepted (a program, HTML, …).
    Refused(&'static str),
    /// Nothing recognised: acceptable only if the whole file is text.
    Unknown,
}

/// Reads the magic number at the start of a file (a few KiB are plenty).
pub fn magic(head: &[u8]) -> Magic {
    match infer::get(head) {
        Some(kind) => {
            let mime = kind.mime_type();
            match ALLOWED.iter().find(|a| **a == mime) {
                Some(a) => Magic::Allowed(a),
                None => Magic::Refused(mime),
            }
        }
        None => Magic::Unknown,
    }
}

/// The accepted type of a whole file from its first bytes and whether all of it is
/// text, or the reason it is refused (for the `unsupported_type` answer).
pub fn decide(head: &[u8], is_text: bool) -> Result<&'static str, String> {
    match magic(head) {
        Magic::Allowed(t) => Ok(t),
        Magic::Refused(found) => Err(format!(
            "files of type {found} are not accepted (by their content, whatever their name)"
        )),
        Magic::Unknown if is_text && looks_like_markup(head) => {
            Err("HTML, SVG and XML pages are not accepted (attach a screenshot or a log)".into())
        }
        Magic::Unknown if is_text => Ok(TEXT),
        Magic::Unknown => {
            Err("this file is neither an accepted image, document or archive nor plain text".into())
        }
    }
}

/// Whether text starts as a web page or a drawing would (HTML, SVG, XML): such text
/// is refused even though it would be served as plain text, so that no copy of it
/// saved from the app opens in a browser as a page.
fn looks_like_markup(head: &[u8]) -> bool {
    let start = String::from_utf8_lossy(&head[..head.len().min(1024)]).to_lowercase();
    let start = start.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    start.starts_with('<')
        && [
            "<html",
            "<svg",
            "<!doctype",
            "<script",
            "<?xml",
            "<body",
            "<head",
        ]
        .iter()
        .any(|tag| start.contains(tag))
}

/// Follows whether a stream of bytes is plain text (UTF-8, no NUL), chunk by chunk: a
/// character split across two chunks is carried over.
#[derive(Debug, Default)]
pub struct TextCheck {
    carry: Vec<u8>,
    failed: bool,
}

impl TextCheck {
    /// Takes the next bytes.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.failed {
            return;
        }
        if bytes.contains(&0) {
            self.failed = true;
            return;
        }
        let joined;
        let data: &[u8] = if self.carry.is_empty() {
            bytes
        } else {
            joined = [self.carry.as_slice(), bytes].concat();
            &joined
        };
        match std::str::from_utf8(data) {
            Ok(_) => self.carry.clear(),
            Err(e) if e.error_len().is_none() && data.len() - e.valid_up_to() < 4 => {
                self.carry = data[e.valid_up_to()..].to_vec();
            }
            Err(_) => self.failed = true,
        }
    }

    /// Whether everything fed was text.
    pub fn finish(self) -> bool {
        !self.failed && self.carry.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0";
    const PE: &[u8] = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0";

    #[test]
    fn images_are_accepted_and_programs_refused_whatever_their_name() {
        assert_eq!(decide(PNG, false), Ok("image/png"));
        // A whole header (infer reads past the magic number).
        let elf = decide(&[ELF, &[0u8; 64]].concat(), false).unwrap_err();
        assert!(elf.contains("not accepted"), "{elf}");
        assert!(decide(&[PE, &[0u8; 64]].concat(), false).is_err());
        assert!(decide(b"<!DOCTYPE html><html><script>", true).is_err());
        assert!(decide(b"\n <svg xmlns='http://www.w3.org/2000/svg'>", true).is_err());
        assert_eq!(decide(b"<13>Dec  1 syslog line\n", true), Ok(TEXT));
    }

    #[test]
    fn text_is_utf8_without_nul_even_split_across_chunks() {
        let log = "2026-12-01 خطأ: الطابعة غير متصلة\n".as_bytes();
        for cut in 0..log.len() {
            let mut t = TextCheck::default();
            t.feed(&log[..cut]);
            t.feed(&log[cut..]);
            assert!(t.finish(), "cut at {cut}");
        }
        assert_eq!(decide(log, true), Ok(TEXT));
        let mut t = TextCheck::default();
        t.feed(b"abc\0def");
        assert!(!t.finish());
        let mut t = TextCheck::default();
        t.feed(b"abc\xff");
        assert!(!t.finish());
        let mut t = TextCheck::default();
        t.feed("ع".as_bytes().split_at(1).0);
        assert!(!t.finish(), "a cut character at the end is not text");
        assert!(decide(b"\x01\x02\x03", false).is_err());
    }
}
