//! How many mutations a push batch, or changes a pull page, asks for now: the set size,
//! halved each time a request of that size runs out of time and doubled back toward
//! the set size as requests are answered (`sync.rs`, "Too slow for a whole batch").
//!
//! Why: a server or link too slow to answer a whole batch within the request timeout
//! drops the request when the client gives up (the server rolls the transaction
//! back), so sending the same size again would time out for ever; smaller requests get
//! through.

use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug)]
pub(crate) struct RequestSize {
    set: AtomicUsize,
    now: AtomicUsize,
}

impl RequestSize {
    pub fn new(size: usize) -> Self {
        RequestSize {
            set: size.into(),
            now: size.into(),
        }
    }

    /// Sets the size, and uses it from the next request on.
    pub fn set(&self, size: usize) {
        self.set.store(size, Ordering::Relaxed);
        self.now.store(size, Ordering::Relaxed);
    }

    /// The size the next request asks for.
    pub fn now(&self) -> usize {
        self.now.load(Ordering::Relaxed)
    }

    /// A request of `sent` ran out of time: the next ones are half of it (at least
    /// one). Returns the new size.
    pub fn timed_out(&self, sent: usize) -> usize {
        let half = (sent / 2).max(1);
        self.now.fetch_min(half, Ordering::Relaxed);
        half
    }

    /// A request was answered: the size doubles back toward the set one.
    pub fn answered(&self) {
        let set = self.set.load(Ordering::Relaxed);
        let _ = self
            .now
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |now| {
                (now < set).then(|| now.saturating_mul(2).min(set))
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_on_each_timeout_and_doubles_back_to_the_set_size() {
        let size = RequestSize::new(200);
        assert_eq!(size.timed_out(200), 100);
        assert_eq!(size.timed_out(100), 50);
        // A late timeout of a bigger request in flight never grows it.
        assert_eq!(size.timed_out(200), 100);
        assert_eq!(size.now(), 50);
        size.answered();
        assert_eq!(size.now(), 100);
        size.answered();
        size.answered();
        assert_eq!(size.now(), 200, "never above the set size");
        assert_eq!(size.timed_out(1), 1, "at least one");
        assert_eq!(size.now(), 1);
        size.set(37);
        assert_eq!(size.now(), 37);
    }
}
