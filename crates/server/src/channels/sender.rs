//! The sender: the task that empties the channel outbox. Every `send_interval_ms` it
//! claims the oldest due row ([`crate::db::Store::claim_outbox`]), sends it through the
//! Graph API and settles it: sent (with WhatsApp's id for it, which delivery reports
//! name), retried later with exponential backoff on a transient failure, or failed at
//! once when the Graph API refuses it (and after `max_attempts`).
//!
//! Rows live in the database, so a restart loses nothing and resumes where it was; a
//! claim lasts [`crate::db::CLAIM_MS`], so several server processes share the work and
//! none sends a row another holds. One gap no API allows closing: a process that dies
//! after WhatsApp accepted a message and before it marked the row sent sends it again
//! once the claim runs out (the Cloud API takes no idempotency key).

use std::sync::Arc;
use std::time::Duration;

use tadhkira_proto::Channel;
use tokio::sync::watch;

use super::whatsapp::{GraphError, Outgoing, WhatsApp};
use crate::db::{OutboxItem, SendOutcome, Store};

/// The longest wait between two attempts of one row.
const MAX_BACKOFF_MS: i64 = 10 * 60 * 1000;

/// Starts the sender; it ends when `shutdown` becomes `true`.
pub fn spawn(
    store: Store,
    whatsapp: Arc<WhatsApp>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    let every = Duration::from_millis(whatsapp.settings.send_interval_ms.max(10));
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
                match store.claim_outbox(Channel::Whatsapp).await {
                    Ok(Some(item)) => {
                        let outcome = send_one(&whatsapp, &item).await;
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
        Err(GraphError::Transient(e)) => {
            if item.attempts >= i64::from(whatsapp.settings.max_attempts) {
                tracing::warn!(outbox = %item.id, error = %e, "whatsapp: giving up");
                return SendOutcome::Failed(e);
            }
            let backoff = backoff_ms(item.attempts);
            tracing::info!(outbox = %item.id, error = %e, backoff, "whatsapp: will retry");
            SendOutcome::Retry {
                at: chrono::Utc::now().timestamp_millis() + backoff,
                error: e,
            }
        }
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
