//! PostgreSQL LISTEN: several server processes on one database each hear every
//! commit's [`Notice`] (sent with `pg_notify` inside the writing transaction, so it
//! arrives only if the change committed) and pass it to their own SSE subscribers.
//!
//! A lost connection (PostgreSQL restarted) loses the notices sent meanwhile; once the
//! listener is back, every subscriber is told to pull from the head, so a live client
//! never waits for the next change to hear of the ones it missed.

use sqlx::postgres::PgListener;
use tokio::sync::watch;

use super::feed::Notice;
use super::notices::Notices;
use super::writer::NOTIFY_CHANNEL;
use super::StoreError;
use crate::config::DatabaseUrl;

/// Starts listening; the task ends when `stop` becomes `true`.
pub(super) async fn start(
    url: &DatabaseUrl,
    notices: Notices,
    mut stop: watch::Receiver<bool>,
) -> Result<(), StoreError> {
    let mut listener = PgListener::connect(url.expose()).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    tokio::spawn(async move {
        // Set when the connection was lost: notices committed meanwhile were never heard.
        let mut resync = false;
        loop {
            if resync {
                // Reconnect now rather than at the next notice, which may never come: a
                // query on the listener reconnects it and issues LISTEN again first, so
                // the head read after it covers every commit the gap hid. Then every
                // subscriber is told to pull (the pull filters what each may see).
                match head(&mut listener).await {
                    Ok(seq) => {
                        tracing::info!(seq, "change notices resumed; subscribers told to pull");
                        notices.send(Notice {
                            seq,
                            orgs: Vec::new(),
                            all: true,
                        });
                        resync = false;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "change notices still interrupted");
                        tokio::select! {
                            _ = stop.changed() => break,
                            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                        }
                        continue;
                    }
                }
            }
            tokio::select! {
                _ = stop.changed() => break,
                got = listener.try_recv() => match got {
                    Ok(Some(n)) => match serde_json::from_str::<Notice>(n.payload()) {
                        Ok(notice) => {
                            notices.send(notice);
                        }
                        Err(e) => tracing::warn!(error = %e, "unreadable change notice"),
                    },
                    // The connection was lost (a PostgreSQL restart, say).
                    Ok(None) => {
                        tracing::warn!("change notices interrupted: the connection was lost");
                        resync = true;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "change notices interrupted");
                        resync = true;
                        tokio::select! {
                            _ = stop.changed() => break,
                            _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                        }
                    }
                },
            }
        }
    });
    Ok(())
}

/// The feed's head, read through the listener's own connection (see `counter` in the
/// parent module: the `seq` counter row).
async fn head(listener: &mut PgListener) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM counters WHERE name = 'seq'")
        .fetch_one(listener)
        .await
}
