//! Replies out as e-mail: the channel outbox's [`Transport`] for e-mail.
//!
//! A row carries the reply's text and its envelope (our Message-ID, subject, the
//! thread's `In-Reply-To`/`References`; see [`crate::db::MailEnvelope`]), made when the
//! reply was queued, with the ticket's Cc list). Here the message is built with
//! `mail-builder` — a plain-text and an HTML part, the reply's files from the blob
//! store, non-ASCII subjects and names encoded per RFC 2047 — and handed to the SMTP
//! server with `lettre`, addressed to the customer and everyone copied.
//!
//! The SMTP server's answer decides the row: a 5xx refuses it for good, anything else
//! (4xx, the network, a timeout) is retried with backoff.

use std::future::Future;
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use mail_builder::headers::raw::Raw;
use mail_builder::MessageBuilder;
use tadhkira_proto::Channel;

use super::{Email, TlsMode};
use crate::blobs::BlobStore;
use crate::channels::sender::{retry_or_fail, Transport};
use crate::db::{MailEnvelope, OutboxItem, ReplyFile, SendOutcome, Store};

/// The e-mail channel's sender.
pub struct EmailSender {
    email: Arc<Email>,
    blobs: Arc<dyn BlobStore>,
    smtp: AsyncSmtpTransport<Tokio1Executor>,
}

impl EmailSender {
    /// Prepares the SMTP client (it connects when there is something to send).
    pub fn new(email: Arc<Email>, blobs: Arc<dyn BlobStore>) -> anyhow::Result<Self> {
        let s = &email.settings.smtp;
        let builder = match s.tls {
            TlsMode::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)?,
            TlsMode::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)?,
            TlsMode::Plain => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host),
        };
        let mut builder = builder.port(s.port).timeout(Some(Duration::from_secs(60)));
        if let (Some(user), Some(password)) = (&s.user, &email.smtp_password) {
            builder =
                builder.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Self {
            smtp: builder.build(),
            email,
            blobs,
        })
    }

    async fn send_one(&self, store: &Store, item: &OutboxItem) -> SendOutcome {
        let max = self.email.settings.max_attempts;
        let Some(envelope) = item
            .envelope
            .as_deref()
            .and_then(|e| serde_json::from_str::<MailEnvelope>(e).ok())
        else {
            return SendOutcome::Failed("the row has no readable e-mail envelope".into());
        };
        let files = match item.message_id {
            Some(id) => match self.files(store, id).await {
                Ok(files) => files,
                Err(e) => return retry_or_fail(item, max, e),
            },
            None => Vec::new(),
        };
        let smtp = &self.email.settings.smtp;
        let raw = match build(smtp, &envelope, &item.recipient, &item.body, &files) {
            Ok(raw) => raw,
            Err(e) => return SendOutcome::Failed(format!("cannot build the message: {e}")),
        };
        let (Ok(from), Ok(to)) = (
            smtp.from_address.parse::<lettre::Address>(),
            item.recipient.parse::<lettre::Address>(),
        ) else {
            return SendOutcome::Failed(format!("not an address: {:?}", item.recipient));
        };
        let mut recipients = vec![to];
        for cc in &envelope.cc {
            // A copy to an address that cannot be one is left out, not the reply.
            match cc.address.parse::<lettre::Address>() {
                Ok(a) if !recipients.contains(&a) => recipients.push(a),
                Ok(_) => {}
                Err(_) => {
                    tracing::info!(outbox = %item.id, "email: a Cc that is no address left out")
                }
            }
        }
        let Ok(route) = lettre::address::Envelope::new(Some(from), recipients) else {
            return SendOutcome::Failed("no recipient".into());
        };
        match self.smtp.send_raw(&route, &raw).await {
            Ok(_) => {
                tracing::info!(outbox = %item.id, attempts = item.attempts, "email: sent");
                SendOutcome::Sent(envelope.message_id)
            }
            Err(e) if e.is_permanent() => {
                tracing::warn!(outbox = %item.id, error = %e, "email: refused");
                SendOutcome::Failed(e.to_string())
            }
            Err(e) => retry_or_fail(item, max, e.to_string()),
        }
    }

    /// The reply's files with their bytes (from the blob store, off the async threads).
    async fn files(
        &self,
        store: &Store,
        message_id: uuid::Uuid,
    ) -> Result<Vec<(ReplyFile, Vec<u8>)>, String> {
        let listed = store
            .message_files(message_id)
            .await
            .map_err(|e| e.to_string())?;
        let mut out = Vec::with_capacity(listed.len());
        for file in listed {
            let blobs = self.blobs.clone();
            let sha = file.sha256.clone();
            let bytes = tokio::task::spawn_blocking(move || {
                let mut bytes = Vec::new();
                blobs.open(&sha)?.read_to_end(&mut bytes)?;
                Ok::<_, std::io::Error>(bytes)
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("attachment {}: {e}", file.name))?;
            out.push((file, bytes));
        }
        Ok(out)
    }
}

impl Transport for EmailSender {
    fn channel(&self) -> Channel {
        Channel::Email
    }

    fn interval(&self) -> Duration {
        Duration::from_millis(self.email.settings.send_interval_ms.max(10))
    }

    fn send(&self, store: &Store, item: &OutboxItem) -> impl Future<Output = SendOutcome> + Send {
        self.send_one(store, item)
    }
}

/// The message as bytes: headers of the thread, text and HTML parts, the files.
pub fn build(
    smtp: &super::SmtpSettings,
    envelope: &MailEnvelope,
    recipient: &str,
    text: &str,
    files: &[(ReplyFile, Vec<u8>)],
) -> std::io::Result<Vec<u8>> {
    let from: mail_builder::headers::address::Address<'_> = match &smtp.from_name {
        Some(name) => (name.as_str(), smtp.from_address.as_str()).into(),
        None => smtp.from_address.as_str().into(),
    };
    let to: mail_builder::headers::address::Address<'_> = match &envelope.to_name {
        Some(name) => (name.as_str(), recipient).into(),
        None => recipient.into(),
    };
    let mut m = MessageBuilder::new().from(from).to(to);
    if !envelope.cc.is_empty() {
        let cc: Vec<mail_builder::headers::address::Address<'_>> = envelope
            .cc
            .iter()
            .map(|c| match &c.name {
                Some(name) => (name.as_str(), c.address.as_str()).into(),
                None => c.address.as_str().into(),
            })
            .collect();
        m = m.cc(mail_builder::headers::address::Address::new_list(cc));
    }
    let mut m = m
        .subject(envelope.subject.as_str())
        .message_id(envelope.message_id.as_str())
        .text_body(text)
        .html_body(html_of(text));
    if let Some(parent) = &envelope.in_reply_to {
        m = m.in_reply_to(parent.as_str());
    }
    if !envelope.references.is_empty() {
        m = m.references(envelope.references.as_slice());
    }
    if envelope.automatic {
        // RFC 3834: an automatic answer, which no responder should answer again.
        m = m.header("Auto-Submitted", Raw::new("auto-replied"));
    }
    for (file, bytes) in files {
        m = m.attachment(
            file.content_type.as_str(),
            file.name.as_str(),
            bytes.as_slice(),
        );
    }
    m.write_to_vec()
}

/// The text as an HTML part: escaped, line breaks kept, its direction left to the
/// reader's client (`dir="auto"` shows Arabic right to left).
fn html_of(text: &str) -> String {
    let mut html = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><div dir=\"auto\">",
    );
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            html.push_str("<br>\n");
        }
        for c in line.chars() {
            match c {
                '<' => html.push_str("&lt;"),
                '>' => html.push_str("&gt;"),
                '&' => html.push_str("&amp;"),
                '"' => html.push_str("&quot;"),
                _ => html.push(c),
            }
        }
    }
    html.push_str("</div></body></html>");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smtp() -> super::super::SmtpSettings {
        super::super::SmtpSettings {
            host: "127.0.0.1".into(),
            port: 25,
            tls: TlsMode::Plain,
            user: None,
            password: None,
            from_address: "help@desk.example".into(),
            from_name: Some("دعم النيل".into()),
        }
    }

    #[test]
    fn a_reply_reads_back_with_its_thread_encoding_and_parts() {
        let envelope = MailEnvelope {
            message_id: "tadhkira.0191f0a0-0000-7000-8000-000000000001@desk.example".into(),
            subject: "Re: الطابعة لا تعمل [#12]".into(),
            in_reply_to: Some("m2@nile.example".into()),
            references: vec!["m1@nile.example".into(), "m2@nile.example".into()],
            to_name: Some("أمل".into()),
            cc: vec![
                crate::channels::MailAddress {
                    address: "sami@nile.example".into(),
                    name: Some("سامي".into()),
                },
                crate::channels::MailAddress {
                    address: "ops@nile.example".into(),
                    name: None,
                },
            ],
            automatic: false,
        };
        let file = ReplyFile {
            sha256: tadhkira_proto::Sha256Hex::parse("a".repeat(64)).unwrap(),
            name: "steps.txt".into(),
            content_type: "text/plain".into(),
        };
        let raw = build(
            &smtp(),
            &envelope,
            "amal@nile.example",
            "Try <this> & that\nsecond line",
            &[(file, b"step 1".to_vec())],
        )
        .unwrap();
        let head = String::from_utf8_lossy(&raw);
        let headers = &head[..head.find("\r\n\r\n").unwrap()];
        assert!(headers.is_ascii(), "headers are encoded: {headers}");
        let parsed = mail_parser::MessageParser::default().parse(&raw).unwrap();
        assert_eq!(parsed.subject(), Some("Re: الطابعة لا تعمل [#12]"));
        assert_eq!(parsed.message_id(), Some(envelope.message_id.as_str()));
        assert_eq!(parsed.in_reply_to().as_text(), Some("m2@nile.example"));
        assert_eq!(parsed.references().as_text_list().map(|l| l.len()), Some(2));
        let from = parsed.from().unwrap().first().unwrap();
        assert_eq!(from.name(), Some("دعم النيل"));
        let cc: Vec<(Option<&str>, Option<&str>)> = parsed
            .cc()
            .unwrap()
            .iter()
            .map(|a| (a.name(), a.address()))
            .collect();
        assert_eq!(
            cc,
            vec![
                (Some("سامي"), Some("sami@nile.example")),
                (None, Some("ops@nile.example"))
            ]
        );
        assert_eq!(
            parsed.body_text(0).unwrap().trim().replace("\r\n", "\n"),
            "Try <this> & that\nsecond line"
        );
        assert!(parsed
            .body_html(0)
            .unwrap()
            .contains("Try &lt;this&gt; &amp; that<br>"));
        assert_eq!(parsed.attachment_count(), 1);
        assert!(parsed.header_raw("Auto-Submitted").is_none());
    }
}
