//! PostgreSQL LISTEN: several server processes on one database each hear every
//! commit's [`Notice`] (sent with `pg_notify` inside the writing transaction, so it
//! arrives only if the change committed) and pass it to their own SSE subscribers.

use sqlx::postgres::PgListener;
use tokio::sync::{broadcast, watch};

use super::feed::Notice;
use super::writer::NOTIFY_CHANNEL;
use super::StoreError;
use crate::config::DatabaseUrl;

/// Starts listening; the task ends when `stop` becomes `true`.
pub(super) async fn start(
    url: &DatabaseUrl,
    notices: broadcast::Sender<Notice>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), StoreError> {
    let mut listener = PgListener::connect(url.expose()).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = stop.changed() => break,
                got = listener.recv() => match got {
                    Ok(n) => match serde_json::from_str::<Notice>(n.payload()) {
                        Ok(notice) => {
                            let _ = notices.send(notice);
                        }
                        Err(e) => tracing::warn!(error = %e, "unreadable change notice"),
                    },
                    Err(e) => {
                        // PgListener reconnects on the next recv; wait a little first.
                        tracing::warn!(error = %e, "change notices interrupted");
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
