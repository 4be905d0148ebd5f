//! The e-mail channel: support mailboxes read over IMAP, replies sent over SMTP.
//!
//! - [`import`]: one task per configured mailbox. It logs in, selects the folder, takes
//!   every message in it, places each through the shared inbound path
//!   ([`crate::db::Store::receive_inbound`]) and then moves it into the processed folder.
//!   It waits with IDLE when the server offers it, else polls. A message's claim is its
//!   row in `channel_inbound` (keyed by its Message-ID, else by mailbox, UIDVALIDITY and
//!   UID), written in the same transaction as its ticket: a process that dies before the
//!   move finds the row on its next pass and only moves the message; two processes
//!   reading one mailbox never both place it.
//! - [`parse`]: what a message says, read with `mail-parser` (no hand-written MIME):
//!   sender, subject, thread references, the new text without quoted history or
//!   signature, attachments, and whether it is an automatic message that must create
//!   nothing (`Auto-Submitted`, `Precedence: bulk|junk|list`, delivery reports, our own
//!   Message-IDs).
//! - [`send`]: the channel outbox's e-mail transport: a reply is built with
//!   `mail-builder` (text and HTML parts, RFC 2047 subjects and names, the thread's
//!   `In-Reply-To`/`References`, our own `Message-ID`, the reply's files, the ticket's
//!   Cc list) and sent with `lettre` to the customer and everyone copied.
//!
//! A customer's e-mail also names the others it was written to (its `To` besides us,
//! its `Cc`): they join the ticket's Cc list (`email_cc`), and every public reply on
//! the ticket copies them. Our own addresses (the from address, every mailbox login)
//! are never copied, and internal notes never leave.
//!
//! Passwords come from [`super::SecretSource`]s, are read once at start-up and never
//! logged; a plaintext connection is allowed only to a loopback host (tests, a local
//! relay).

pub mod import;
pub mod parse;
pub mod send;

use serde::Deserialize;

use super::{Secret, SecretSource};

/// `[channels.email]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    /// The support mailboxes read (`[[channels.email.mailboxes]]`), at least one.
    pub mailboxes: Vec<MailboxSettings>,
    /// Where replies go out (`[channels.email.smtp]`).
    pub smtp: SmtpSettings,
    /// How often a mailbox is looked at when its server offers no IDLE, and how long
    /// one IDLE lasts before it is renewed, in milliseconds.
    #[serde(default = "default_poll_interval_ms")]
    pub poll_interval_ms: u64,
    /// How often the sender looks for replies to send, in milliseconds.
    #[serde(default = "default_send_interval_ms")]
    pub send_interval_ms: u64,
    /// Attempts before a reply is marked failed (temporary failures only; a permanent
    /// refusal by the SMTP server fails it at once).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// The largest message read from a mailbox, in bytes; a larger one is kept in the
    /// unmatched queue with the reason, never dropped.
    #[serde(default = "default_max_message_bytes")]
    pub max_message_bytes: u64,
}

fn default_poll_interval_ms() -> u64 {
    60_000
}
fn default_send_interval_ms() -> u64 {
    1000
}
fn default_max_attempts() -> u32 {
    8
}
fn default_max_message_bytes() -> u64 {
    40 * 1024 * 1024
}
fn default_folder() -> String {
    "INBOX".into()
}
fn default_processed_folder() -> String {
    "Processed".into()
}

/// How a connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    Tls,
    /// Plaintext, then STARTTLS before anything else (IMAP 143, submission 587).
    Starttls,
    /// No encryption: only to a loopback host (tests, a relay on the same machine).
    Plain,
}

/// One support mailbox (`[[channels.email.mailboxes]]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailboxSettings {
    /// A short name for logs and for the claim of a message without a Message-ID.
    pub name: String,
    /// The IMAP server.
    pub host: String,
    /// Its port (993 with `tls`, 143 with `starttls`).
    pub port: u16,
    /// How the connection is secured.
    pub tls: TlsMode,
    /// The login.
    pub user: String,
    /// The password.
    pub password: SecretSource,
    /// The folder read.
    #[serde(default = "default_folder")]
    pub folder: String,
    /// Where a message goes once placed (created when missing).
    #[serde(default = "default_processed_folder")]
    pub processed_folder: String,
}

/// The SMTP server replies go out through (`[channels.email.smtp]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpSettings {
    /// The SMTP server.
    pub host: String,
    /// Its port (465 with `tls`, 587 with `starttls`).
    pub port: u16,
    /// How the connection is secured.
    pub tls: TlsMode,
    /// The login, when the server wants one (with `password`).
    #[serde(default)]
    pub user: Option<String>,
    /// The password for `user`.
    #[serde(default)]
    pub password: Option<SecretSource>,
    /// The address replies come from (the support address customers write to).
    pub from_address: String,
    /// The name shown beside it (`Nile Support`, `دعم النيل`).
    #[serde(default)]
    pub from_name: Option<String>,
}

impl SmtpSettings {
    /// The part of the from address after `@`: our Message-IDs end with it.
    pub fn domain(&self) -> &str {
        self.from_address
            .rsplit_once('@')
            .map(|(_, d)| d)
            .unwrap_or("localhost")
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn looks_like_address(a: &str) -> bool {
    match a.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && (domain.contains('.') || domain == "localhost")
                && !domain.starts_with('.')
                && !a
                    .chars()
                    .any(|c| c.is_whitespace() || matches!(c, '<' | '>'))
        }
        None => false,
    }
}

impl EmailSettings {
    /// Refuses settings no mailbox could work with, naming the key.
    pub fn validate(&self) -> Result<(), String> {
        if self.mailboxes.is_empty() {
            return Err("channels.email.mailboxes: at least one mailbox is needed".into());
        }
        if self.poll_interval_ms < 100 {
            return Err("channels.email.poll_interval_ms: at least 100".into());
        }
        if self.max_attempts == 0 {
            return Err("channels.email.max_attempts: at least 1".into());
        }
        if self.max_message_bytes == 0 {
            return Err("channels.email.max_message_bytes: must be more than 0".into());
        }
        let mut names = std::collections::HashSet::new();
        for (i, m) in self.mailboxes.iter().enumerate() {
            let key = format!("channels.email.mailboxes[{i}]");
            if m.name.trim().is_empty() || !names.insert(m.name.as_str()) {
                return Err(format!("{key}.name: each mailbox needs a name of its own"));
            }
            check_endpoint(&key, &m.host, m.port, m.tls)?;
            if m.user.is_empty() {
                return Err(format!("{key}.user: empty"));
            }
            if m.folder.is_empty() || m.processed_folder.is_empty() {
                return Err(format!("{key}: folder and processed_folder must be named"));
            }
            if m.folder == m.processed_folder {
                return Err(format!(
                    "{key}.processed_folder: must differ from folder ({})",
                    m.folder
                ));
            }
        }
        let s = &self.smtp;
        check_endpoint("channels.email.smtp", &s.host, s.port, s.tls)?;
        if s.user.is_some() != s.password.is_some() {
            return Err("channels.email.smtp: user and password go together".into());
        }
        if !looks_like_address(&s.from_address) {
            return Err(format!(
                "channels.email.smtp.from_address = {:?}: not an e-mail address",
                s.from_address
            ));
        }
        Ok(())
    }
}

fn check_endpoint(key: &str, host: &str, port: u16, tls: TlsMode) -> Result<(), String> {
    if host.trim().is_empty() {
        return Err(format!("{key}.host: empty"));
    }
    if port == 0 {
        return Err(format!("{key}.port: must be set"));
    }
    if tls == TlsMode::Plain && !is_loopback(host) {
        return Err(format!(
            "{key}.tls = \"plain\" is allowed only to a loopback host, not {host:?}: \
             use \"tls\" or \"starttls\""
        ));
    }
    Ok(())
}

/// The e-mail channel, ready: settings with their passwords read.
#[derive(Debug, Clone)]
pub struct Email {
    /// The settings it was made from.
    pub settings: EmailSettings,
    /// Each mailbox's password, in the order of `settings.mailboxes`.
    passwords: Vec<Secret>,
    smtp_password: Option<Secret>,
}

impl Email {
    /// Reads the passwords; fails start-up with where a missing one should come from.
    pub fn new(settings: EmailSettings) -> anyhow::Result<Self> {
        settings.validate().map_err(|e| anyhow::anyhow!(e))?;
        let passwords = settings
            .mailboxes
            .iter()
            .map(|m| {
                m.password.read().map_err(|e| {
                    anyhow::anyhow!("[channels.email] mailbox {} password: {e}", m.name)
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let smtp_password = match &settings.smtp.password {
            Some(p) => Some(
                p.read()
                    .map_err(|e| anyhow::anyhow!("[channels.email.smtp] password: {e}"))?,
            ),
            None => None,
        };
        Ok(Self {
            settings,
            passwords,
            smtp_password,
        })
    }

    /// The password of mailbox `i`.
    pub(crate) fn password(&self, i: usize) -> &Secret {
        &self.passwords[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(toml: &str) -> Result<EmailSettings, String> {
        let s: EmailSettings = toml::from_str(toml).map_err(|e| e.to_string())?;
        s.validate().map(|_| s)
    }

    const GOOD: &str = r#"
        [[mailboxes]]
        name = "support"
        host = "imap.example.com"
        port = 993
        tls = "tls"
        user = "support@example.com"
        password = { env = "IMAP_PASSWORD" }
        [smtp]
        host = "smtp.example.com"
        port = 587
        tls = "starttls"
        user = "support@example.com"
        password = { env = "SMTP_PASSWORD" }
        from_address = "support@example.com"
        from_name = "دعم"
    "#;

    #[test]
    fn a_usual_configuration_is_accepted_with_its_defaults() {
        let s = settings(GOOD).unwrap();
        assert_eq!(s.mailboxes[0].folder, "INBOX");
        assert_eq!(s.mailboxes[0].processed_folder, "Processed");
        assert_eq!(s.smtp.domain(), "example.com");
    }

    #[test]
    fn plaintext_is_refused_beyond_loopback() {
        let e = settings(&GOOD.replace("tls = \"tls\"", "tls = \"plain\"")).unwrap_err();
        assert!(e.contains("loopback"), "{e}");
        let local = GOOD
            .replace("tls = \"tls\"", "tls = \"plain\"")
            .replace("imap.example.com", "127.0.0.1");
        settings(&local).unwrap();
    }

    #[test]
    fn bad_values_name_their_key() {
        let e = settings(&GOOD.replace("support@example.com\"\n        from", "x\"\n        from"))
            .unwrap_err();
        assert!(e.contains("from_address"), "{e}");
        let e = settings(&GOOD.replace("port = 993", "port = 0")).unwrap_err();
        assert!(e.contains("mailboxes[0].port"), "{e}");
        let no_password = GOOD.replace("password = { env = \"SMTP_PASSWORD\" }", "");
        let e = settings(&no_password).unwrap_err();
        assert!(e.contains("user and password"), "{e}");
        assert!(settings(&GOOD.replace("tls = \"tls\"", "tls = \"ssl\"")).is_err());
    }

    #[test]
    fn passwords_never_show_in_debug() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pw");
        std::fs::write(&p, "hunter2\n").unwrap();
        let toml = GOOD
            .replace(
                "{ env = \"IMAP_PASSWORD\" }",
                &format!("{{ file = {:?} }}", p.display().to_string()),
            )
            .replace(
                "{ env = \"SMTP_PASSWORD\" }",
                &format!("{{ file = {:?} }}", p.display().to_string()),
            );
        let email = Email::new(settings(&toml).unwrap()).unwrap();
        assert_eq!(email.password(0).expose(), "hunter2");
        let shown = format!("{email:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
