//! The sender: the task that empties the channel outbox, one per channel. Every
//! `send_interval_ms` it claims the oldest due row of its channel
//! ([`crate::db::Store::claim_outbox`]), hands it to the channel's [`Transport`] (the
//! Graph API for WhatsApp, SMTP for e-mail) and settles it: sent (with the channel's
//! id for it, which delivery reports name), retried later with exponential backoff on
//! a transient failure, or failed at once when the channel refuses it (and after
//! `max_attempts`).
//!
//! Rows live in the database, so a restart loses nothing and resumes where it was; a
//! claim lasts [`crate::db::CLAIM_MS`], so several server processes share the work and
//! none sends a row another holds. One gap no API allows closing: a process that dies
//! after the channel accepted a message and before it marked the row sent sends it
//! again once the claim runs out (the Cloud API takes no idempotency key; an e-mail
//! goes again with the same Message-ID, which lets a mail client hide the copy).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tadhkira_proto::Channel;
use tokio::sync::watch;

use super::whatsapp::{GraphError, Outgoing, WhatsApp};
use crate::db::{OutboxItem, SendOutcome, Store};

/// The longest wait between two attempts of one row.
const MAX_BACKOFF_MS: i64 = 10 * 60 * 1000;

/// How one channel sends a claimed outbox row.
pub trait Transport: Send + Sync + 'static {
    /// The channel whose rows it sends.
    fn channel(&self) -> Channel;
    /// How often the sender looks for due rows.
    fn interval(&self) -> Duration;
    /// Sends one row and says how it went.
    fn send(&self, store: &Store, item: &OutboxItem) -> impl Future<Output = SendOutcome> + Send;
}

impl Transport for WhatsApp {
    fn channel(&self) -> Channel {
        Channel::Whatsapp
    }

    fn interval(&self) -> Duration {
        Duration::from_millis(self.settings.send_interval_ms.max(10))
    }

    fn send(&self, _: &Store, item: &OutboxItem) -> impl Future<Output = SendOutcome> + Send {
        send_one(self, item)
    }
}

/// What a transport's failure means for the row.
pub fn retry_or_fail(item: &OutboxItem, max_attempts: u32, error: String) -> SendOutcome {
    if item.attempts >= i64::from(max_attempts) {
        tracing::warn!(outbox = %item.id, error = %error, "channel outbox: giving up");
        return SendOutcome::Failed(error);
    }
    let backoff = backoff_ms(item.attempts);
    tracing::info!(outbox = %item.id, error = %error, backoff, "channel outbox: will retry");
    SendOutcome::Retry {
        at: chrono::Utc::now().timestamp_millis() + backoff,
        error,
    }
}

/// Starts the sender of `transport`'s channel; it ends when `shutdown` becomes `true`.
pub fn spawn<T: Transport>(
    store: Store,
    transport: Arc<T>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let every = transport.interval();
    let channel = transport.channel();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = shutdown.wait_for(|stopped| *stopped) => return,
            }
            // Everything due now, one row at a time.
            loop {
                match store.claim_outbox(channel).await {
                    Ok(Some(item)) => {
                        let outcome = transport.send(&store, &item).await;
                        if let Err(e) = store.settle_outbox(&item, &outcome).await {
                            // The claim runs out and the row is tried again.
                            tracing::warn!(error = %e, "channel outbox: settling failed");
                            break;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "channel outbox: claiming failed");
                        break;
                    }
                }
            }
        }
    })
}

async fn send_one(whatsapp: &WhatsApp, item: &OutboxItem) -> SendOutcome {
    let what = match item.kind.as_str() {
        "template" => match &whatsapp.settings.template_name {
            Some(name) => Outgoing::Template {
                name,
                language: &whatsapp.settings.template_language,
            },
            None => return SendOutcome::Failed("no template is configured".into()),
        },
        _ => Outgoing::Text(&item.body),
    };
    match whatsapp.send(&item.recipient, what).await {
        Ok(id) => {
            tracing::info!(outbox = %item.id, attempts = item.attempts, "whatsapp: sent");
            SendOutcome::Sent(id)
        }
        Err(GraphError::Refused(e)) => {
            tracing::warn!(outbox = %item.id, error = %e, "whatsapp: refused");
            SendOutcome::Failed(e)
        }
        Err(GraphError::Transient(e)) => retry_or_fail(item, whatsapp.settings.max_attempts, e),
    }
}

/// 1 s, 2 s, 4 s… up to [`MAX_BACKOFF_MS`], with up to a quarter more at random so
/// that rows failed together do not all come back together.
fn backoff_ms(attempts: i64) -> i64 {
    let base = 1000i64.saturating_mul(1 << attempts.clamp(0, 20)) / 2;
    let base = base.clamp(1000, MAX_BACKOFF_MS);
    base + rand::random::<u32>() as i64 % (base / 4 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_up_to_its_cap() {
        assert!((1000..=1250).contains(&backoff_ms(1)));
        assert!((2000..=2500).contains(&backoff_ms(2)));
        assert!((MAX_BACKOFF_MS..=MAX_BACKOFF_MS * 5 / 4).contains(&backoff_ms(40)));
    }
}
