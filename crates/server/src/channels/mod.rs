//! Channels besides the app: messages that reach support from outside (WhatsApp and
//! e-mail) and the replies that go back the same way.
//!
//! The parts every channel shares:
//! - [`Inbound`]: "a message from external address X with this text and these files,
//!   with the channel's own id for it". [`crate::db::Store::receive_inbound`] places it
//!   in one transaction: a new ticket or a reply on the sender's open ticket of that
//!   channel when a customer has the address; the **unmatched queue** otherwise (or when
//!   it cannot be filed as theirs); for a lapsed organisation, no ticket and a polite
//!   automatic answer. The channel's id makes it idempotent: a repeated delivery finds
//!   its row and changes nothing.
//! - The channel outbox (`channel_outbox`): an agent's public reply on a channel ticket
//!   is queued in the same transaction as the reply itself; [`sender`] sends it with
//!   retries and records the channel's id for it, so status reports find the message.
//!
//! What is WhatsApp's own: [`whatsapp`] (settings, the webhook's signature, the Graph
//! API's requests and the shapes of its payloads). What is e-mail's own: [`email`]
//! (settings, the IMAP readers, MIME reading and building, SMTP); an e-mail's thread
//! ([`MailThread`]) decides its ticket instead of "the sender's open ticket".

pub mod email;
pub mod sender;
pub mod whatsapp;

use serde::Deserialize;
use tadhkira_proto::{Channel, Sha256Hex};

pub use email::{Email, EmailSettings};
pub use whatsapp::{WhatsApp, WhatsAppSettings};

/// `[channels]` in the configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChannelSettings {
    /// `[channels.whatsapp]`: absent means the channel is off (its webhook answers 404).
    pub whatsapp: Option<WhatsAppSettings>,
    /// `[channels.email]`: absent means the channel is off (no mailbox is read).
    pub email: Option<EmailSettings>,
}

impl ChannelSettings {
    /// Refuses settings a channel cannot work with, naming the key.
    pub fn validate(&self) -> Result<(), String> {
        match &self.email {
            Some(email) => email.validate(),
            None => Ok(()),
        }
    }
}

/// Where a secret comes from: an environment variable (`{ env = "NAME" }`) or a file
/// (`{ file = "/run/secrets/name" }`, trailing white space trimmed). Never the
/// configuration file itself, so the file can be shared and logged.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged, deny_unknown_fields)]
pub enum SecretSource {
    /// An environment variable of the server process.
    Env {
        /// Its name.
        env: String,
    },
    /// A file readable by the server.
    File {
        /// Its path.
        file: std::path::PathBuf,
    },
}

impl std::fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Env { env } => write!(f, "env {env}"),
            SecretSource::File { file } => write!(f, "file {}", file.display()),
        }
    }
}

impl SecretSource {
    /// Reads the secret (at start-up: a missing one stops the server with its source).
    pub fn read(&self) -> anyhow::Result<Secret> {
        let value = match self {
            SecretSource::Env { env } => std::env::var(env)
                .map_err(|_| anyhow::anyhow!("the environment variable {env} is not set"))?,
            SecretSource::File { file } => std::fs::read_to_string(file)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?,
        };
        let value = value.trim().to_owned();
        anyhow::ensure!(!value.is_empty(), "the secret from {self:?} is empty");
        Ok(Secret(value))
    }
}

/// A secret read from its [`SecretSource`]; its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for the one place that uses it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// A file that came with an inbound message, already in the blob store.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct InboundFile {
    /// Its bytes' SHA-256.
    pub sha256: Sha256Hex,
    /// A name for it (the sender's, or one made from its type).
    pub name: String,
    /// In bytes.
    pub size: i64,
    /// The type found in its content.
    pub content_type: String,
}

/// A message a channel delivered, as the inbound path takes it.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// Which channel.
    pub channel: Channel,
    /// The channel's own id for it (WhatsApp's `wamid.…`): the idempotency key.
    pub external_id: String,
    /// The sender's address, normalised (E.164 for a phone).
    pub sender: String,
    /// The name the sender gave the channel, if any.
    pub sender_name: Option<String>,
    /// Its text (may be empty when it is only a file).
    pub body: String,
    /// Its files, stored.
    pub files: Vec<InboundFile>,
    /// For an e-mail: its thread, which decides its ticket.
    pub mail: Option<MailThread>,
}

/// What places an e-mail in a thread.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MailThread {
    /// Its own Message-ID (recorded on its ticket, so answers to it thread too).
    pub message_id: Option<String>,
    /// The Message-IDs it answers, the most direct first.
    pub refs: Vec<String>,
    /// Its subject (a new ticket's title).
    pub subject: String,
    /// The ticket number its subject names (`[#1042]`), the fallback.
    pub ticket_number: Option<i64>,
    /// The other people it was written to (its `To` besides us, and its `Cc`): the
    /// ticket keeps them, and our replies copy them.
    pub cc: Vec<MailAddress>,
}

/// A person an e-mail names: an address (in lower case) and the name given with it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct MailAddress {
    /// The address, in lower case.
    pub address: String,
    /// The name shown beside it, if any.
    #[serde(default)]
    pub name: Option<String>,
}

/// Where the inbound path put a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placed {
    /// A new ticket for the sender.
    Ticket {
        /// The ticket.
        ticket_id: uuid::Uuid,
        /// Its number.
        number: i64,
    },
    /// A reply on the sender's open ticket.
    Reply {
        /// The ticket.
        ticket_id: uuid::Uuid,
        /// The new message.
        message_id: uuid::Uuid,
    },
    /// Waiting in the unmatched queue (unknown sender, or not fileable as theirs).
    Unmatched {
        /// Its id in the queue.
        id: uuid::Uuid,
    },
    /// The sender's organisation has no active subscription: an automatic answer went
    /// into the channel outbox, no ticket.
    Refused,
    /// Delivered before: nothing changed.
    Duplicate,
}
