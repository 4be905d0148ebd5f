//! HTTPS with rustls: the certificate chain and key come from PEM files, ALPN offers
//! `h2` and `http/1.1`, and the files are read again every few seconds so that a renewed
//! certificate (certbot, an internal CA) is served without a restart. A new file that
//! does not load (half-written, the wrong key, not PEM) is logged and the certificate in
//! use stays; the next change is tried again.
//!
//! The files are compared by content, not by modification time, so a copy that keeps
//! the time, or two renewals within one second, are still seen.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use anyhow::Context;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

/// Where the certificate chain and its key are.
#[derive(Debug, Clone)]
pub struct CertFiles {
    /// PEM certificate chain, the server's certificate first.
    pub cert: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// What a check of the files found.
#[derive(Debug, PartialEq, Eq)]
pub enum Reload {
    /// The files are as last read.
    Unchanged,
    /// They changed and the new certificate is in use.
    Reloaded,
    /// They changed but do not load; the old certificate stays in use (why).
    KeptOld(String),
}

/// The TLS configuration in use, replaced when its files change. Cheap to clone.
#[derive(Clone)]
pub struct ReloadingTls {
    files: CertFiles,
    current: Arc<RwLock<Arc<ServerConfig>>>,
    /// The bytes last read (loaded or not), so a bad file is reported once.
    last_read: Arc<Mutex<(Vec<u8>, Vec<u8>)>>,
}

impl ReloadingTls {
    /// Loads the files; fails when they do not make a usable certificate (at start-up
    /// there is nothing to fall back on).
    pub fn load(files: CertFiles) -> anyhow::Result<Self> {
        let (cert, key) = read_pair(&files)?;
        let config = server_config(&cert, &key).with_context(|| {
            format!(
                "TLS certificate {} with key {}",
                files.cert.display(),
                files.key.display()
            )
        })?;
        Ok(Self {
            files,
            current: Arc::new(RwLock::new(Arc::new(config))),
            last_read: Arc::new(Mutex::new((cert, key))),
        })
    }

    /// An acceptor with the certificate in use now.
    pub fn acceptor(&self) -> TlsAcceptor {
        let config = match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        TlsAcceptor::from(config)
    }

    /// Reads the files and, when they changed, switches to the new certificate if it
    /// loads.
    pub fn check(&self) -> Reload {
        let (cert, key) = match read_pair(&self.files) {
            Ok(pair) => pair,
            // A file missing for a moment (being replaced): try again next time.
            Err(e) => return Reload::KeptOld(format!("{e:#}")),
        };
        {
            let Ok(mut last) = self.last_read.lock() else {
                return Reload::KeptOld("reload state poisoned".into());
            };
            if last.0 == cert && last.1 == key {
                return Reload::Unchanged;
            }
            *last = (cert.clone(), key.clone());
        }
        match server_config(&cert, &key) {
            Ok(config) => {
                if let Ok(mut current) = self.current.write() {
                    *current = Arc::new(config);
                }
                Reload::Reloaded
            }
            Err(e) => Reload::KeptOld(format!("{e:#}")),
        }
    }

    /// Checks the files every `every` until `stop` turns true, logging each change.
    pub fn watch(
        self,
        every: Duration,
        mut stop: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut reported = None;
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    _ = stop.wait_for(|s| *s) => return,
                }
                match self.check() {
                    Reload::Unchanged => {}
                    Reload::Reloaded => {
                        reported = None;
                        tracing::info!(cert = %self.files.cert.display(), "TLS certificate reloaded");
                    }
                    Reload::KeptOld(why) => {
                        // Once per distinct reason, not every few seconds.
                        if reported.as_ref() != Some(&why) {
                            tracing::warn!(cert = %self.files.cert.display(), %why, "new TLS certificate not loaded; still serving the previous one");
                            reported = Some(why);
                        }
                    }
                }
            }
        })
    }
}

fn read_pair(files: &CertFiles) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let read = |p: &Path| std::fs::read(p).with_context(|| format!("cannot read {}", p.display()));
    Ok((read(&files.cert)?, read(&files.key)?))
}

/// A rustls server configuration from PEM bytes: ring as the crypto provider (the one
/// the whole workspace builds with), TLS 1.2 and 1.3, ALPN h2 then http/1.1.
fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> anyhow::Result<ServerConfig> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .context("the certificate file is not PEM")?;
    anyhow::ensure!(
        !chain.is_empty(),
        "the certificate file holds no certificate"
    );
    let key =
        PrivateKeyDer::from_pem_slice(key_pem).context("the key file holds no private key")?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .context("TLS versions")?
        .with_no_client_auth()
        .with_single_cert(chain.clone(), key.clone_key())
        .context("the key does not fit the certificate")?;
    // rustls checks the key's form; make sure it is this certificate's key too.
    let signing = provider
        .key_provider
        .load_private_key(key)
        .context("unusable private key")?;
    let certified = rustls::sign::CertifiedKey::new(chain, signing);
    certified
        .keys_match()
        .map_err(|e| anyhow::anyhow!("the key does not fit the certificate: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}
