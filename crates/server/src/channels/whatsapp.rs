//! WhatsApp Business Cloud API: the settings, the webhook's checks, the shapes of its
//! payloads and the Graph API's requests (send a message, fetch a media file).
//!
//! - The webhook's `GET` is Meta's verification handshake: `hub.mode=subscribe`, the
//!   `hub.verify_token` we chose, and a `hub.challenge` to echo.
//! - Every `POST` carries `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the
//!   raw body with the app secret; [`WhatsApp::signature_ok`] compares it in constant
//!   time before anything is parsed or stored.
//! - Sending is `POST {graph_url}/{api_version}/{phone_number_id}/messages` with the
//!   access token as a bearer token; a media file is `GET {graph_url}/{api_version}/{id}`
//!   (its metadata with a short-lived URL), then `GET` that URL with the same token.
//!
//! The token and secrets are read from the environment or files at start-up
//! ([`super::SecretSource`]) and never logged.

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::{Secret, SecretSource};

/// `[channels.whatsapp]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatsAppSettings {
    /// The Graph API's base URL (`https://graph.facebook.com`; a stand-in in tests).
    #[serde(default = "default_graph_url")]
    pub graph_url: String,
    /// The Graph API version in the path (`v21.0`).
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// The business phone number's id (from the app's WhatsApp → API setup page).
    pub phone_number_id: String,
    /// A system user's access token with `whatsapp_business_messaging`.
    pub access_token: SecretSource,
    /// The Meta app's secret: signs every webhook delivery.
    pub app_secret: SecretSource,
    /// The verify token typed into the webhook's configuration in Meta's dashboard.
    pub verify_token: SecretSource,
    /// The approved template a reply goes out as once the customer's 24-hour window has
    /// closed (it should ask the customer to answer, which reopens the window).
    #[serde(default)]
    pub template_name: Option<String>,
    /// The template's language code (`en_US`, `ar`).
    #[serde(default = "default_template_language")]
    pub template_language: String,
    /// Digits of the country code for customers' phone numbers written nationally
    /// (`0100 …` with `20`: `+20100…`). Without it such numbers match no one.
    #[serde(default)]
    pub default_country_code: Option<String>,
    /// How often the sender looks for replies to send, in milliseconds.
    #[serde(default = "default_send_interval_ms")]
    pub send_interval_ms: u64,
    /// Attempts before a reply is marked failed (transient failures only; a refusal
    /// by the Graph API fails it at once).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Largest media file fetched, in bytes.
    #[serde(default = "default_max_media_bytes")]
    pub max_media_bytes: u64,
}

fn default_graph_url() -> String {
    "https://graph.facebook.com".into()
}
fn default_api_version() -> String {
    "v21.0".into()
}
fn default_template_language() -> String {
    "en_US".into()
}
fn default_send_interval_ms() -> u64 {
    1000
}
fn default_max_attempts() -> u32 {
    8
}
fn default_max_media_bytes() -> u64 {
    16 * 1024 * 1024
}

/// The WhatsApp channel, ready: settings with their secrets read, and an HTTP client.
#[derive(Debug, Clone)]
pub struct WhatsApp {
    /// The settings it was made from.
    pub settings: WhatsAppSettings,
    token: Secret,
    app_secret: Secret,
    verify_token: Secret,
    http: reqwest::Client,
}

/// A failure talking to the Graph API.
#[derive(Debug, thiserror::Error)]
pub enum GraphError {
    /// Worth trying again later: the network, a 5xx, a 429.
    #[error("transient: {0}")]
    Transient(String),
    /// The Graph API refused the request for good (a 4xx): retrying changes nothing.
    #[error("refused: {0}")]
    Refused(String),
}

/// What goes out: free text inside the customer's window, the template outside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing<'a> {
    /// A text message.
    Text(&'a str),
    /// The configured template (its text is fixed: WhatsApp allows no free text
    /// outside the window; it asks the customer to write, which reopens it).
    Template {
        /// The template's name.
        name: &'a str,
        /// Its language code.
        language: &'a str,
    },
}

impl WhatsApp {
    /// Reads the secrets; fails start-up with where a missing one should come from.
    pub fn new(settings: WhatsAppSettings) -> anyhow::Result<Self> {
        let read = |what: &str, s: &SecretSource| {
            s.read()
                .map_err(|e| anyhow::anyhow!("[channels.whatsapp] {what}: {e}"))
        };
        let token = read("access_token", &settings.access_token)?;
        let app_secret = read("app_secret", &settings.app_secret)?;
        let verify_token = read("verify_token", &settings.verify_token)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        Ok(Self {
            settings,
            token,
            app_secret,
            verify_token,
            http,
        })
    }

    /// Whether `given` is the verify token (constant time).
    pub fn verify_token_ok(&self, given: &str) -> bool {
        constant_time_eq(given.as_bytes(), self.verify_token.expose().as_bytes())
    }

    /// Whether `header` (`sha256=<hex>`) is the HMAC-SHA256 of `body` with the app
    /// secret. Compared in constant time.
    pub fn signature_ok(&self, header: Option<&str>, body: &[u8]) -> bool {
        let Some(hex_sig) = header.and_then(|h| h.trim().strip_prefix("sha256=")) else {
            return false;
        };
        let Ok(given) = hex::decode(hex_sig) else {
            return false;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.app_secret.expose().as_bytes())
        else {
            return false;
        };
        mac.update(body);
        mac.verify_slice(&given).is_ok()
    }

    fn url(&self, tail: &str) -> String {
        format!(
            "{}/{}/{}",
            self.settings.graph_url.trim_end_matches('/'),
            self.settings.api_version,
            tail
        )
    }

    /// Sends a message to `to` (E.164); answers WhatsApp's id for it (`wamid.…`).
    pub async fn send(&self, to: &str, what: Outgoing<'_>) -> Result<String, GraphError> {
        let to = to.trim_start_matches('+');
        let body = match what {
            Outgoing::Text(text) => serde_json::json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to,
                "type": "text",
                "text": { "preview_url": false, "body": text },
            }),
            Outgoing::Template { name, language } => serde_json::json!({
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": to,
                "type": "template",
                "template": { "name": name, "language": { "code": language } },
            }),
        };
        let url = self.url(&format!("{}/messages", self.settings.phone_number_id));
        let answer = self
            .http
            .post(url)
            .bearer_auth(self.token.expose())
            .json(&body)
            .send()
            .await
            .map_err(|e| GraphError::Transient(without_url(e)))?;
        let status = answer.status();
        let text = answer
            .text()
            .await
            .map_err(|e| GraphError::Transient(without_url(e)))?;
        if !status.is_success() {
            return Err(classify(status, &text));
        }
        let sent: SendAnswer = serde_json::from_str(&text)
            .map_err(|e| GraphError::Refused(format!("unreadable answer: {e}")))?;
        sent.messages
            .into_iter()
            .next()
            .map(|m| m.id)
            .ok_or_else(|| GraphError::Refused("the answer names no message id".into()))
    }

    /// Fetches a media file's bytes and its declared type (at most `max_media_bytes`).
    pub async fn fetch_media(&self, media_id: &str) -> Result<(Vec<u8>, String), GraphError> {
        let meta = self
            .http
            .get(self.url(media_id))
            .bearer_auth(self.token.expose())
            .send()
            .await
            .map_err(|e| GraphError::Transient(without_url(e)))?;
        let status = meta.status();
        let text = meta
            .text()
            .await
            .map_err(|e| GraphError::Transient(without_url(e)))?;
        if !status.is_success() {
            return Err(classify(status, &text));
        }
        let meta: MediaMeta = serde_json::from_str(&text)
            .map_err(|e| GraphError::Refused(format!("unreadable media answer: {e}")))?;
        let max = self.settings.max_media_bytes;
        if meta.file_size.is_some_and(|s| s > max) {
            return Err(GraphError::Refused(format!("larger than {max} bytes")));
        }
        let mut file = self
            .http
            .get(&meta.url)
            .bearer_auth(self.token.expose())
            .send()
            .await
            .map_err(|e| GraphError::Transient(without_url(e)))?;
        if !file.status().is_success() {
            let status = file.status();
            return Err(classify(status, ""));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = file
            .chunk()
            .await
            .map_err(|e| GraphError::Transient(without_url(e)))?
        {
            if (bytes.len() + chunk.len()) as u64 > max {
                return Err(GraphError::Refused(format!("larger than {max} bytes")));
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((bytes, meta.mime_type.unwrap_or_default()))
    }
}

/// A reqwest error without its URL (a media URL carries a signed query).
fn without_url(e: reqwest::Error) -> String {
    e.without_url().to_string()
}

fn classify(status: reqwest::StatusCode, body: &str) -> GraphError {
    // Graph errors are {"error": {"message", "code", …}}; keep code and message only.
    let detail = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            let e = v.get("error")?;
            Some(format!(
                "{} {}",
                e.get("code").map(|c| c.to_string()).unwrap_or_default(),
                e.get("message").and_then(|m| m.as_str()).unwrap_or("")
            ))
        })
        .unwrap_or_default();
    let what = format!("HTTP {status} {detail}").trim().to_owned();
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        GraphError::Transient(what)
    } else {
        GraphError::Refused(what)
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    // Length is not secret (the token's length is fixed by whoever chose it).
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(Debug, Deserialize)]
struct SendAnswer {
    #[serde(default)]
    messages: Vec<SentId>,
}

#[derive(Debug, Deserialize)]
struct SentId {
    id: String,
}

#[derive(Debug, Deserialize)]
struct MediaMeta {
    url: String,
    #[serde(default)]
    mime_type: Option<String>,
    #[serde(default)]
    file_size: Option<u64>,
}

/// A webhook delivery (`object: whatsapp_business_account`), as far as we read it.
/// Unknown fields are ignored; a missing list is empty.
#[derive(Debug, Deserialize)]
pub struct Webhook {
    /// Always `whatsapp_business_account`.
    #[serde(default)]
    pub object: String,
    /// One per business account.
    #[serde(default)]
    pub entry: Vec<Entry>,
}

/// One business account's changes.
#[derive(Debug, Deserialize)]
pub struct Entry {
    /// The changes.
    #[serde(default)]
    pub changes: Vec<Change>,
}

/// One change: `field` is `messages` for both messages and statuses.
#[derive(Debug, Deserialize)]
pub struct Change {
    /// `messages`.
    #[serde(default)]
    pub field: String,
    /// Its contents.
    #[serde(default)]
    pub value: Value,
}

/// The contents of a `messages` change.
#[derive(Debug, Default, Deserialize)]
pub struct Value {
    /// The senders' profiles.
    #[serde(default)]
    pub contacts: Vec<Contact>,
    /// Messages from customers.
    #[serde(default)]
    pub messages: Vec<InboundMessage>,
    /// Reports on messages we sent.
    #[serde(default)]
    pub statuses: Vec<Status>,
}

/// A sender's profile.
#[derive(Debug, Deserialize)]
pub struct Contact {
    /// Their WhatsApp id (the international number without `+`).
    pub wa_id: String,
    /// Their profile.
    #[serde(default)]
    pub profile: Option<Profile>,
}

/// A sender's profile name.
#[derive(Debug, Deserialize)]
pub struct Profile {
    /// The name they set.
    #[serde(default)]
    pub name: Option<String>,
}

/// A message from a customer.
#[derive(Debug, Deserialize)]
pub struct InboundMessage {
    /// The sender's number (no `+`).
    pub from: String,
    /// `wamid.…`: the idempotency key.
    pub id: String,
    /// `text`, `image`, `document`, `audio`, `video`, `sticker`, `location`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// For `text`.
    #[serde(default)]
    pub text: Option<Text>,
    /// For `image`.
    #[serde(default)]
    pub image: Option<Media>,
    /// For `document`.
    #[serde(default)]
    pub document: Option<Media>,
    /// For `audio`.
    #[serde(default)]
    pub audio: Option<Media>,
    /// For `video`.
    #[serde(default)]
    pub video: Option<Media>,
    /// For `sticker`.
    #[serde(default)]
    pub sticker: Option<Media>,
}

impl InboundMessage {
    /// Its media part, if it is a media message.
    pub fn media(&self) -> Option<&Media> {
        self.image
            .as_ref()
            .or(self.document.as_ref())
            .or(self.audio.as_ref())
            .or(self.video.as_ref())
            .or(self.sticker.as_ref())
    }
}

/// A text message's text.
#[derive(Debug, Deserialize)]
pub struct Text {
    /// The text.
    pub body: String,
}

/// A media message's file.
#[derive(Debug, Deserialize)]
pub struct Media {
    /// The media id to fetch.
    pub id: String,
    /// Its declared type.
    #[serde(default)]
    pub mime_type: Option<String>,
    /// Its caption.
    #[serde(default)]
    pub caption: Option<String>,
    /// A document's file name.
    #[serde(default)]
    pub filename: Option<String>,
}

/// A report on a message we sent.
#[derive(Debug, Deserialize)]
pub struct Status {
    /// The `wamid.…` the send answered.
    pub id: String,
    /// `sent`, `delivered`, `read` or `failed`.
    pub status: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(secret: &str) -> WhatsApp {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, value: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, value).unwrap();
            SecretSource::File { file: p }
        };
        let settings = WhatsAppSettings {
            graph_url: default_graph_url(),
            api_version: default_api_version(),
            phone_number_id: "1".into(),
            access_token: file("token", "t\n"),
            app_secret: file("secret", secret),
            verify_token: file("verify", "v"),
            template_name: None,
            template_language: default_template_language(),
            default_country_code: None,
            send_interval_ms: 1000,
            max_attempts: 3,
            max_media_bytes: 1024,
        };
        WhatsApp::new(settings).unwrap()
    }

    #[test]
    fn only_the_hmac_of_the_exact_body_with_the_app_secret_passes() {
        let wa = channel("app-secret");
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let mut mac = Hmac::<Sha256>::new_from_slice(b"app-secret").unwrap();
        mac.update(body);
        let good = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
        assert!(wa.signature_ok(Some(&good), body));
        assert!(!wa.signature_ok(Some(&good), b"{}"));
        assert!(!wa.signature_ok(None, body));
        assert!(!wa.signature_ok(Some("sha256=zz"), body));
        assert!(!wa.signature_ok(Some(&good.replace("sha256=", "sha1=")), body));
        assert!(!channel("other").signature_ok(Some(&good), body));
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let wa = channel("app-secret");
        let shown = format!("{wa:?}");
        assert!(!shown.contains("app-secret"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}
