//! How the server takes connections, kept apart from what it answers on them.
//!
//! - [`accept`]: the accept loop (hyper-util, HTTP/1.1 and HTTP/2): a cap on concurrent
//!   connections, a deadline for each request head (slow-loris clients are cut), and a
//!   deadline for each answer but the event stream, and a graceful stop that lets
//!   answers finish;
//! - [`tls`]: HTTPS with rustls, whose certificate is read again when its files change;
//! - [`proxy`]: which peers are trusted proxies, and so whose `X-Forwarded-For` names the
//!   client address that sign-in slowing counts;
//! - [`open_files`]: the process's limit on open files, raised at start so that
//!   `max_connections` can be reached.
//!
//! The settings live here too ([`TransportSettings`], the `[transport]` table of the
//! configuration file), so this layer can be read in one place.

pub mod accept;
pub mod open_files;
pub mod proxy;
pub mod tls;

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

pub use proxy::{ClientAddress, ProxyRange};

/// The `[transport]` table: connections, TLS and proxies.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransportSettings {
    /// A connection must deliver each request head (the request line and its headers)
    /// within this many seconds of starting to send it, or of opening (the TLS
    /// handshake included); an idle keep-alive connection is closed after as long.
    pub header_timeout_seconds: u64,
    /// Each answer but the event stream must be ready within this many seconds of its
    /// request head (reading the body included), else it is answered `busy` (503 with
    /// `Retry-After`): a client dripping a body cannot hold a connection.
    pub request_timeout_seconds: u64,
    /// Connections served at once; further ones wait in the listen queue until one
    /// ends. Keep it below the process's open-file limit (`ulimit -n`).
    pub max_connections: usize,
    /// PEM certificate chain: with `tls_key`, the server speaks only HTTPS.
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of `tls_cert`.
    pub tls_key: Option<PathBuf>,
    /// How often the certificate files are checked for a change, in milliseconds.
    pub tls_reload_check_ms: u64,
    /// Addresses or CIDR ranges of the reverse proxies in front of the server; only
    /// their `X-Forwarded-For` is believed. Empty: the peer is always the client.
    pub trusted_proxies: Vec<ProxyRange>,
}

impl Default for TransportSettings {
    fn default() -> Self {
        Self {
            header_timeout_seconds: 30,
            request_timeout_seconds: 60,
            max_connections: 2048,
            tls_cert: None,
            tls_key: None,
            tls_reload_check_ms: 10_000,
            trusted_proxies: Vec::new(),
        }
    }
}

impl TransportSettings {
    /// The head deadline (at least a second).
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_seconds.max(1))
    }

    /// The answer deadline (at least a second).
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_seconds.max(1))
    }

    /// The connection cap (at least one, at most what a semaphore counts in one go).
    pub fn connection_cap(&self) -> u32 {
        u32::try_from(self.max_connections.max(1)).unwrap_or(u32::MAX)
    }

    /// How often certificate files are checked (at least every 50 ms).
    pub fn tls_reload_check(&self) -> Duration {
        Duration::from_millis(self.tls_reload_check_ms.max(50))
    }

    /// The certificate and key files when TLS is on; an error when only one is given.
    pub fn tls_files(&self) -> anyhow::Result<Option<tls::CertFiles>> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Ok(Some(tls::CertFiles {
                cert: cert.clone(),
                key: key.clone(),
            })),
            (None, None) => Ok(None),
            _ => anyhow::bail!("TLS needs both a certificate (--tls-cert) and its key (--tls-key)"),
        }
    }
}
