//! The IMAP reader: one task per support mailbox (see the module comment of
//! [`super`] for the shape).
//!
//! A pass takes every message in the folder, oldest UID first. Each one is fetched
//! without marking it seen, read ([`super::parse`]), its original and its files put in
//! the blob store, placed ([`crate::db::Store::receive_inbound`]), and only then moved
//! to the processed folder (`UID MOVE`, or copy + delete where the server has no MOVE).
//! Placement is what claims the message, in the database, keyed by its Message-ID (or
//! by mailbox, UIDVALIDITY and UID when it has none): a message whose move was lost to
//! a crash, or that another server process is reading at the same moment, is found
//! placed and only moved.
//!
//! Between passes the task waits with IDLE (renewed every `poll_interval_ms`) when the
//! server offers it, else sleeps `poll_interval_ms`. A broken connection is opened
//! again after a pause that grows up to a minute; the messages simply wait in the folder.

use std::sync::Arc;
use std::time::Duration;

use async_imap::Session;
use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use tadhkira_i18n::{Catalogue, Locale};
use tadhkira_proto::{Channel, Sha256Hex};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::watch;
use uuid::Uuid;

use super::parse::{self, Mail};
use super::{Email, MailboxSettings, TlsMode};
use crate::blobs::{sniff, BlobStore, Staging};
use crate::channels::{Inbound, InboundFile, MailThread, Placed};
use crate::config::Settings;
use crate::db::{Store, StoreError};

/// The longest pause before a broken connection is tried again.
const MAX_RECONNECT: Duration = Duration::from_secs(60);
/// How long connecting (TCP, TLS, greeting) may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// A connection to the IMAP server, plain or TLS.
pub trait Io: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Io for T {}
type Conn = Box<dyn Io>;

/// Why a pass stopped (the task reconnects after a pause).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The IMAP conversation failed.
    #[error("imap: {0}")]
    Imap(#[from] async_imap::error::Error),
    /// The network or the blob store.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The database.
    #[error("database: {0}")]
    Store(#[from] StoreError),
    /// TLS could not be set up.
    #[error("tls: {0}")]
    Tls(String),
    /// Connecting took too long.
    #[error("timed out connecting")]
    Timeout,
}

/// What a reader needs: where messages go and where files are kept.
#[derive(Clone)]
pub struct Importer {
    /// The store messages are placed in.
    pub store: Store,
    /// Where originals and files are kept.
    pub blobs: Arc<dyn BlobStore>,
    /// Where a file is written before the blob store takes it.
    pub staging: Staging,
    /// The server's policies (subscription gate, attachment limits).
    pub settings: Arc<Settings>,
    /// The channel, with its passwords.
    pub email: Arc<Email>,
}

impl Importer {
    /// Starts the reader of mailbox `index`; it ends when `shutdown` becomes `true`.
    pub fn spawn(
        self,
        index: usize,
        shutdown: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move { self.run(index, shutdown).await })
    }

    fn mailbox(&self, index: usize) -> &MailboxSettings {
        &self.email.settings.mailboxes[index]
    }

    fn poll(&self) -> Duration {
        Duration::from_millis(self.email.settings.poll_interval_ms)
    }

    async fn run(self, index: usize, mut shutdown: watch::Receiver<bool>) {
        let name = self.mailbox(index).name.clone();
        let mut pause = Duration::from_secs(1);
        loop {
            match self.session(index, &mut shutdown).await {
                Ok(()) => return,
                Err(e) => tracing::warn!(mailbox = %name, error = %e, "email: reading stopped"),
            }
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.wait_for(|stopped| *stopped) => return,
            }
            pause = (pause * 2).min(MAX_RECONNECT);
        }
    }

    /// One connection: passes until shutdown (`Ok`) or a failure.
    async fn session(
        &self,
        index: usize,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<(), ImportError> {
        let mailbox = self.mailbox(index);
        let mut session = connect(mailbox, self.email.password(index).expose()).await?;
        let caps = session.capabilities().await?;
        let (idle, has_move) = (caps.has_str("IDLE"), caps.has_str("MOVE"));
        // Created on first use; "already exists" is the usual answer.
        if let Err(e) = session.create(&mailbox.processed_folder).await {
            tracing::debug!(mailbox = %mailbox.name, error = %e, "email: processed folder");
        }
        let selected = session.select(&mailbox.folder).await?;
        let validity = selected.uid_validity.unwrap_or(0);
        tracing::info!(mailbox = %mailbox.name, idle, "email: reading");
        loop {
            self.pass(index, &mut session, validity, has_move).await?;
            if *shutdown.borrow() {
                let _ = session.logout().await;
                return Ok(());
            }
            if idle {
                let mut handle = session.idle();
                handle.init().await?;
                let woke = {
                    let (wait, _stop) = handle.wait_with_timeout(self.poll());
                    tokio::select! {
                        r = wait => Some(r),
                        _ = shutdown.wait_for(|stopped| *stopped) => None,
                    }
                };
                match woke {
                    Some(r) => {
                        r?;
                    }
                    None => return Ok(()),
                }
                session = handle.done().await?;
            } else {
                let stopped = tokio::select! {
                    _ = tokio::time::sleep(self.poll()) => false,
                    _ = shutdown.wait_for(|stopped| *stopped) => true,
                };
                if stopped {
                    let _ = session.logout().await;
                    return Ok(());
                }
            }
        }
    }

    /// Places and moves every message in the folder.
    async fn pass(
        &self,
        index: usize,
        session: &mut Session<Conn>,
        validity: u32,
        has_move: bool,
    ) -> Result<(), ImportError> {
        while session.unsolicited_responses.try_recv().is_ok() {}
        let mailbox = self.mailbox(index);
        let mut uids: Vec<u32> = session.uid_search("ALL").await?.into_iter().collect();
        uids.sort_unstable();
        for uid in uids {
            let sizes: Vec<_> = session
                .uid_fetch(uid.to_string(), "RFC822.SIZE")
                .await?
                .try_collect()
                .await?;
            // Gone: another process moved it meanwhile.
            let Some(size) = sizes.iter().find(|f| f.uid == Some(uid)).map(|f| f.size) else {
                continue;
            };
            let key = format!("{}/{validity}/{uid}", mailbox.name);
            let max = self.email.settings.max_message_bytes;
            if size.is_some_and(|s| u64::from(s) > max) {
                self.keep_too_large(&key, size.unwrap_or(0), index).await?;
            } else {
                let fetched: Vec<_> = session
                    .uid_fetch(uid.to_string(), "BODY.PEEK[]")
                    .await?
                    .try_collect()
                    .await?;
                let Some(raw) = fetched
                    .iter()
                    .find(|f| f.uid == Some(uid))
                    .and_then(|f| f.body())
                else {
                    continue;
                };
                self.import(&key, raw).await?;
            }
            move_processed(session, uid, &mailbox.processed_folder, has_move).await?;
        }
        Ok(())
    }

    /// Places one message (`key`: its claim when it has no Message-ID).
    pub async fn import(&self, key: &str, raw: &[u8]) -> Result<(), ImportError> {
        let domain = self.email.settings.smtp.domain().to_owned();
        let mail = match parse::read(raw, &domain) {
            Ok(mail) => mail,
            Err(e) => return self.keep_unreadable(key, raw, &e.to_string()).await,
        };
        let external_id = mail.message_id.clone().unwrap_or_else(|| key.to_owned());
        if self
            .store
            .inbound_known(Channel::Email, &external_id)
            .await?
        {
            tracing::debug!(key, "email: placed before; only moving it");
            return Ok(());
        }
        if let Some(why) = mail.automatic {
            let msg = inbound(&mail, external_id, mail.text.clone(), Vec::new());
            self.store.keep_inbound(&msg, "ignored", why).await?;
            tracing::info!(key, why, "email: automatic message, nothing created");
            return Ok(());
        }
        let (body, files) = self.keep_files(&mail, raw).await?;
        let msg = inbound(&mail, external_id, body, files);
        let placed = self.store.receive_inbound(&msg, &self.settings).await?;
        match placed {
            Placed::Duplicate => tracing::debug!(key, "email: placed by another reader"),
            placed => tracing::info!(key, placed = ?placed, "email: message received"),
        }
        Ok(())
    }

    /// The original and the attached files in the blob store; the body with a line
    /// for each file that could not be kept.
    async fn keep_files(
        &self,
        mail: &Mail,
        raw: &[u8],
    ) -> Result<(String, Vec<InboundFile>), ImportError> {
        let catalogue = Catalogue::get(Locale::En);
        let limits = &self.settings.attachments;
        let mut body = mail.text.clone();
        // The original first: it is never crowded out by the limit on files.
        let mut files = vec![
            self.keep(raw, "message/rfc822", "original.eml".into())
                .await?,
        ];
        let mut total = raw.len() as i64;
        for f in &mail.files {
            let head = &f.bytes[..f.bytes.len().min(crate::blobs::HEAD_BYTES)];
            let is_text = std::str::from_utf8(&f.bytes).is_ok() && !f.bytes.contains(&0);
            let size = f.bytes.len() as i64;
            let verdict = if size > limits.max_file_bytes
                || total + size > limits.max_message_bytes
                || files.len() >= tadhkira_proto::MAX_ATTACHMENTS
            {
                Err(format!("larger than the limits on files ({size} bytes)"))
            } else {
                sniff::decide(head, is_text)
            };
            match verdict {
                Ok(content_type) => {
                    files.push(self.keep(&f.bytes, content_type, f.name.clone()).await?);
                    total += size;
                }
                Err(reason) => {
                    if !body.is_empty() {
                        body.push('\n');
                    }
                    body.push_str(&catalogue.text(
                        "email-file-refused",
                        &[("name", f.name.as_str().into()), ("reason", reason.into())],
                    ));
                }
            }
        }
        Ok((body, files))
    }

    /// Puts bytes in the blob store and records the blob.
    async fn keep(
        &self,
        bytes: &[u8],
        content_type: &str,
        name: String,
    ) -> Result<InboundFile, ImportError> {
        let sha = hex::encode(Sha256::digest(bytes));
        let sha = Sha256Hex::parse(&sha).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let size = bytes.len() as i64;
        let (staging, blobs, stored) = (self.staging.clone(), self.blobs.clone(), sha.clone());
        let owned = bytes.to_vec();
        tokio::task::spawn_blocking(move || {
            let id = Uuid::now_v7();
            staging.write_at(id, 0, &owned)?;
            blobs.put(&stored, &staging.path(id))
        })
        .await
        .map_err(std::io::Error::other)??;
        self.store.record_blob(&sha, size, content_type).await?;
        Ok(InboundFile {
            sha256: sha,
            name,
            size,
            content_type: content_type.to_owned(),
        })
    }

    /// A message that cannot be read: kept for staff in the unmatched queue with the
    /// reason, the original as its file.
    async fn keep_unreadable(&self, key: &str, raw: &[u8], why: &str) -> Result<(), ImportError> {
        let original = self
            .keep(raw, "message/rfc822", "original.eml".into())
            .await?;
        let msg = Inbound {
            channel: Channel::Email,
            external_id: key.to_owned(),
            sender: "unknown".into(),
            sender_name: None,
            body: Catalogue::get(Locale::En)
                .text("email-unreadable", &[("reason", why.to_owned().into())]),
            files: vec![original],
            mail: None,
        };
        if self.store.keep_inbound(&msg, "unmatched", why).await? {
            tracing::warn!(key, why, "email: unreadable message kept for staff");
        }
        Ok(())
    }

    /// A message larger than `max_message_bytes`: not read, but named in the unmatched
    /// queue, and moved to the processed folder where it stays.
    async fn keep_too_large(&self, key: &str, size: u32, index: usize) -> Result<(), ImportError> {
        let mailbox = self.mailbox(index);
        let msg = Inbound {
            channel: Channel::Email,
            external_id: key.to_owned(),
            sender: "unknown".into(),
            sender_name: None,
            body: Catalogue::get(Locale::En).text(
                "email-too-large",
                &[
                    ("size", i64::from(size).into()),
                    ("max", (self.email.settings.max_message_bytes as i64).into()),
                    ("folder", mailbox.processed_folder.clone().into()),
                ],
            ),
            files: Vec::new(),
            mail: None,
        };
        self.store
            .keep_inbound(&msg, "unmatched", "larger than max_message_bytes")
            .await?;
        Ok(())
    }
}

fn inbound(mail: &Mail, external_id: String, body: String, files: Vec<InboundFile>) -> Inbound {
    Inbound {
        channel: Channel::Email,
        external_id,
        sender: mail.from.clone(),
        sender_name: mail.from_name.clone(),
        body,
        files,
        mail: Some(MailThread {
            message_id: mail.message_id.clone(),
            refs: mail.refs.clone(),
            subject: mail.subject.clone(),
            ticket_number: mail.ticket_number,
            cc: mail.cc.clone(),
        }),
    }
}

/// Moves a placed message out of the folder. A message another reader moved first is
/// not an error.
async fn move_processed(
    session: &mut Session<Conn>,
    uid: u32,
    folder: &str,
    has_move: bool,
) -> Result<(), ImportError> {
    let uid = uid.to_string();
    let moved = if has_move {
        session.uid_mv(&uid, folder).await
    } else {
        match session.uid_copy(&uid, folder).await {
            Ok(()) => {
                let flagged: Result<Vec<_>, _> =
                    match session.uid_store(&uid, "+FLAGS.SILENT (\\Deleted)").await {
                        Ok(stream) => stream.try_collect().await,
                        Err(e) => Err(e),
                    };
                flagged?;
                let expunged: Result<Vec<_>, _> = match session.uid_expunge(&uid).await {
                    Ok(stream) => stream.try_collect().await,
                    Err(e) => Err(e),
                };
                expunged.map(|_| ())
            }
            Err(e) => Err(e),
        }
    };
    match moved {
        Ok(()) => Ok(()),
        Err(async_imap::error::Error::No(why)) => {
            tracing::debug!(uid, why, "email: not moved (moved by another reader?)");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Connects, secures and logs in.
async fn connect(m: &MailboxSettings, password: &str) -> Result<Session<Conn>, ImportError> {
    let client = tokio::time::timeout(CONNECT_TIMEOUT, open(m))
        .await
        .map_err(|_| ImportError::Timeout)??;
    client
        .login(&m.user, password)
        .await
        .map_err(|(e, _)| ImportError::Imap(e))
}

/// The connection up to the login: TCP, TLS (at once or after STARTTLS), the greeting.
async fn open(m: &MailboxSettings) -> Result<async_imap::Client<Conn>, ImportError> {
    let tcp = TcpStream::connect((m.host.as_str(), m.port)).await?;
    let stream: Conn = match m.tls {
        TlsMode::Plain => Box::new(tcp),
        TlsMode::Tls => Box::new(tls(&m.host, tcp).await?),
        TlsMode::Starttls => {
            let mut client = async_imap::Client::new(tcp);
            greeting(&mut client).await?;
            client.run_command_and_check_ok("STARTTLS", None).await?;
            let secured: Conn = Box::new(tls(&m.host, client.into_inner()).await?);
            // After STARTTLS the server sends no second greeting.
            return Ok(async_imap::Client::new(secured));
        }
    };
    let mut client = async_imap::Client::new(stream);
    greeting(&mut client).await?;
    Ok(client)
}

async fn greeting<T: Io>(client: &mut async_imap::Client<T>) -> Result<(), ImportError> {
    match client.read_response().await? {
        Some(_) => Ok(()),
        None => Err(ImportError::Imap(async_imap::error::Error::ConnectionLost)),
    }
}

/// TLS to `host`, checked against the system's trusted roots.
async fn tls(
    host: &str,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ImportError> {
    let mut roots = rustls::RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(found.certs);
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ImportError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| ImportError::Tls(e.to_string()))?;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    Ok(connector.connect(name, tcp).await?)
}
