//! The live event streams that are open, per user: how many each user may hold, and
//! the means to close them when their token stops being good.
//!
//! An event stream lives for hours and holds a connection, a task and a broadcast
//! subscription. Without a bound, one token could open thousands; and a stream checked
//! only when it opened would keep telling a signed-out device (or a stolen token that
//! was revoked) what changes. So:
//! - a user holds at most [`EventStreamLimits::max_per_user`] streams; opening one more
//!   closes their oldest (a device that reconnects after a network change must not be
//!   locked out by its own dead connection, so the newest wins);
//! - signing out on this server closes the streams of that token at once, and
//!   disabling a user closes all of theirs;
//! - every stream re-checks its token every
//!   [`EventStreamLimits::token_recheck_seconds`] and ends when it was revoked (also by
//!   another server process or the admin command), expired, or its user is gone.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use uuid::Uuid;

use crate::config::EventStreamLimits;
use crate::db::Store;

/// One open stream, as the registry knows it.
struct OpenStream {
    id: u64,
    token: String,
    /// Dropping or firing it ends the stream.
    close: oneshot::Sender<()>,
}

/// Every open event stream of this server process, by user, oldest first.
#[derive(Default)]
pub struct EventStreams {
    limits: EventStreamLimits,
    open: Mutex<HashMap<Uuid, VecDeque<OpenStream>>>,
    next_id: AtomicU64,
}

impl std::fmt::Debug for EventStreams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the tokens.
        f.debug_struct("EventStreams")
            .field("limits", &self.limits)
            .field("open", &self.count())
            .finish()
    }
}

/// Held by an open stream: dropping it (the client went away, the stream ended) takes
/// the stream off the registry.
pub struct StreamSlot {
    id: u64,
    user: Uuid,
    registry: Arc<EventStreams>,
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.registry.remove(self.user, |s| s.id == self.id);
    }
}

impl EventStreams {
    /// A registry with these limits.
    pub fn new(limits: EventStreamLimits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// How long a stream goes between checks of its token.
    pub fn recheck_every(&self) -> Duration {
        Duration::from_secs(self.limits.token_recheck_seconds.max(1))
    }

    /// Registers a new stream of `user` on `token`, closing the user's oldest streams
    /// beyond the limit. Answers the slot to hold while the stream is open and a
    /// receiver that completes when the stream must close.
    pub fn open(self: &Arc<Self>, user: Uuid, token: &str) -> (StreamSlot, oneshot::Receiver<()>) {
        let (close, closed) = oneshot::channel();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let max = self.limits.max_per_user.max(1);
        let evicted: Vec<OpenStream> = match self.open.lock() {
            Ok(mut open) => {
                let streams = open.entry(user).or_default();
                let mut evicted = Vec::new();
                while streams.len() >= max {
                    evicted.extend(streams.pop_front());
                }
                streams.push_back(OpenStream {
                    id,
                    token: token.to_owned(),
                    close,
                });
                evicted
            }
            // A poisoned lock: no bound is kept, but the stream still works.
            Err(_) => Vec::new(),
        };
        if !evicted.is_empty() {
            tracing::info!(user = %user, closed = evicted.len(), "oldest event streams closed: over the limit per user");
        }
        close_all(evicted);
        let slot = StreamSlot {
            id,
            user,
            registry: self.clone(),
        };
        (slot, closed)
    }

    /// Closes every stream opened with `token` (it was signed out).
    pub fn close_token(&self, token: &str) {
        let mut closed = Vec::new();
        if let Ok(mut open) = self.open.lock() {
            for streams in open.values_mut() {
                let (gone, kept): (VecDeque<_>, VecDeque<_>) =
                    streams.drain(..).partition(|s| s.token == token);
                *streams = kept;
                closed.extend(gone);
            }
            open.retain(|_, s| !s.is_empty());
        }
        close_all(closed);
    }

    /// Closes every stream of `user` (they were disabled); answers how many. Other
    /// server processes close theirs at the next token check, as the tokens are revoked.
    pub fn close_user(&self, user: Uuid) -> usize {
        let closed: Vec<OpenStream> = match self.open.lock() {
            Ok(mut open) => open.remove(&user).map(Vec::from).unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        let n = closed.len();
        close_all(closed);
        n
    }

    /// How many streams are open, all users together.
    pub fn count(&self) -> usize {
        self.open
            .lock()
            .map(|o| o.values().map(VecDeque::len).sum())
            .unwrap_or(0)
    }

    fn remove(&self, user: Uuid, which: impl Fn(&OpenStream) -> bool) {
        if let Ok(mut open) = self.open.lock() {
            if let Some(streams) = open.get_mut(&user) {
                streams.retain(|s| !which(s));
                if streams.is_empty() {
                    open.remove(&user);
                }
            }
        }
    }
}

fn close_all(streams: impl IntoIterator<Item = OpenStream>) {
    for s in streams {
        let _ = s.close.send(());
    }
}

/// Completes once `token` no longer names a caller (revoked, expired, user gone),
/// checking every `every`. A failed check (the database briefly away) keeps the stream.
pub async fn token_lapsed(store: Store, token: String, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        match store.caller_for_token(&token).await {
            Ok(Some(_)) => {}
            Ok(None) => return,
            Err(e) => tracing::warn!(error = %e, "could not re-check an event stream's token"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry(max: usize) -> Arc<EventStreams> {
        Arc::new(EventStreams::new(EventStreamLimits {
            max_per_user: max,
            ..EventStreamLimits::default()
        }))
    }

    #[test]
    fn the_oldest_stream_of_a_user_closes_when_one_too_many_opens() {
        let r = registry(2);
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let (_a1, mut c1) = r.open(alice, "ta");
        let (_a2, mut c2) = r.open(alice, "ta");
        let (_b1, mut b1) = r.open(bob, "tb");
        assert!(c1.try_recv().is_err() && c2.try_recv().is_err());
        let (_a3, mut c3) = r.open(alice, "ta");
        assert!(c1.try_recv().is_ok(), "the oldest closed");
        assert!(c2.try_recv().is_err() && c3.try_recv().is_err());
        assert!(b1.try_recv().is_err(), "another user's streams are theirs");
        assert_eq!(r.count(), 3);
    }

    #[test]
    fn a_dropped_slot_frees_its_place_and_signing_out_closes_the_tokens_streams() {
        let r = registry(2);
        let user = Uuid::now_v7();
        let (s1, _c1) = r.open(user, "laptop");
        drop(s1);
        let (_s2, mut c2) = r.open(user, "laptop");
        let (_s3, mut c3) = r.open(user, "phone");
        assert!(c2.try_recv().is_err(), "the dropped one made room");
        r.close_token("laptop");
        assert!(c2.try_recv().is_ok());
        assert!(c3.try_recv().is_err());
        assert_eq!(r.count(), 1);
    }

    #[test]
    fn disabling_a_user_closes_every_stream_of_theirs_and_no_one_elses() {
        let r = registry(4);
        let (alice, bob) = (Uuid::now_v7(), Uuid::now_v7());
        let (_a1, mut c1) = r.open(alice, "laptop");
        let (_a2, mut c2) = r.open(alice, "phone");
        let (_b1, mut b1) = r.open(bob, "tb");
        assert_eq!(r.close_user(alice), 2);
        assert!(c1.try_recv().is_ok() && c2.try_recv().is_ok());
        assert!(b1.try_recv().is_err());
        assert_eq!(r.count(), 1);
    }
}
