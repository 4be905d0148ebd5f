//! The engine's two clocks, so a machine whose clock is wrong — a day ahead after a
//! dead battery, a time zone typed in as UTC — changes nothing a user relies on.
//!
//! Everything shared is stamped by the server: tickets' and messages' times, due times,
//! the order of the change feed. The machine's clock shows through in three places
//! only, and each gets the clock that makes a skew cancel out:
//!
//! - [`Clock::now`], the server's time as best known: the machine's clock plus the
//!   offset measured from the `Date` header of the server's answers. Local changes are
//!   stamped with it until the server's copy replaces them, so a reply queued offline
//!   sorts after the messages it answers; and a ticket is "breaching" when the server's
//!   due time has passed by the server's clock.
//! - [`Clock::machine_now`], the machine's own clock: the sync state's `last_sync_at`,
//!   which the app compares with the same machine's clock ("synced 2 minutes ago").
//!
//! The `Date` header counts whole seconds and a round trip takes time, so an offset
//! within [`TOLERANCE`] is taken as none, and a new measurement replaces the kept one
//! only when they differ by more than that: ordinary machines never see a correction,
//! and a skewed one is not nudged back and forth by a second on every answer (which
//! could reorder two changes made in a row). Until the first answer of a run the
//! offset kept by the last run is used ([`Clock::restore_offset`]; the engine keeps it
//! in the account's store after each sync round), so a skewed machine that starts
//! offline still stamps and judges by the server's clock.
//!
//! The app's countdowns ("due in 12 minutes", "3 minutes ago" of a server time) add
//! the same offset to the machine's clock: [`crate::SyncState`] carries it.
//!
//! [`Clock::set_machine_skew`] exists for tests: it makes the machine's clock read
//! wrong by a given amount, as a real skewed machine's would.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

/// Offsets within this are noise of the `Date` header's whole seconds and the round
/// trip, not a wrong clock.
pub const TOLERANCE: Duration = Duration::milliseconds(2_000);

/// The machine's clock and the server's offset from it (shared by the engine and its
/// API clients).
#[derive(Debug, Default)]
pub struct Clock {
    /// Added to the machine's clock (tests only; zero otherwise).
    machine_skew_ms: AtomicI64,
    /// The server's clock minus the machine's, as last measured (zero within tolerance).
    server_offset_ms: AtomicI64,
    /// An answer of this run measured the offset (a kept one no longer applies).
    measured: AtomicBool,
}

impl Clock {
    /// The machine's clock (what the app's own clock reads).
    pub fn machine_now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.machine_skew_ms.load(Ordering::Relaxed))
    }

    /// The server's time as best known: the machine's clock corrected by the measured
    /// offset.
    pub fn now(&self) -> DateTime<Utc> {
        self.machine_now() + self.server_offset()
    }

    /// The server's clock minus the machine's, as last measured (zero when within
    /// [`TOLERANCE`] or not measured yet).
    pub fn server_offset(&self) -> Duration {
        Duration::milliseconds(self.server_offset_ms.load(Ordering::Relaxed))
    }

    /// Takes the offset an earlier run measured, unless an answer of this run measured
    /// one already.
    pub fn restore_offset(&self, offset: Duration) {
        if !self.measured.load(Ordering::Relaxed) {
            self.server_offset_ms
                .store(offset.num_milliseconds(), Ordering::Relaxed);
        }
    }

    /// Makes the machine's clock read `skew` off (tests of a wrong clock).
    pub fn set_machine_skew(&self, skew: Duration) {
        self.machine_skew_ms
            .store(skew.num_milliseconds(), Ordering::Relaxed);
    }

    /// Takes an answer's `Date` header (`Sun, 06 Dec 2026 07:49:37 GMT`), the request
    /// having been sent at `sent` and answered at `received` by [`Clock::machine_now`].
    /// A missing or unreadable header changes nothing.
    pub fn observe_date_header(
        &self,
        value: Option<&reqwest::header::HeaderValue>,
        sent: DateTime<Utc>,
        received: DateTime<Utc>,
    ) {
        let server = value
            .and_then(|v| v.to_str().ok())
            .and_then(|s| DateTime::parse_from_rfc2822(s).ok());
        if let Some(server) = server {
            self.observe(server.with_timezone(&Utc), sent, received);
        }
    }

    /// Takes the server's time `server` (whole seconds, as the `Date` header gives it)
    /// of an answer to a request sent at `sent` and answered at `received`.
    ///
    /// An answer that took longer than [`TOLERANCE`] is not a measurement: the server's
    /// instant could lie anywhere in the round trip, so on a loaded machine or network it
    /// could make a right clock look wrong by seconds (and a ticket due a moment ago not
    /// yet overdue). Within it, the error is at most half the round trip plus the
    /// header's half second, below the tolerance.
    pub fn observe(&self, server: DateTime<Utc>, sent: DateTime<Utc>, received: DateTime<Utc>) {
        if received - sent > TOLERANCE {
            return;
        }
        let midpoint = sent + (received - sent) / 2;
        // The header truncates to the second: the server's instant was half a second
        // later on average.
        let estimate = server + Duration::milliseconds(500) - midpoint;
        let new = if estimate.abs() <= TOLERANCE {
            Duration::zero()
        } else {
            estimate
        };
        let first = !self.measured.swap(true, Ordering::Relaxed);
        // The first measurement of a run replaces a kept offset outright: the machine's
        // clock may have been set right since.
        let changed = (new - self.server_offset()).abs() > TOLERANCE;
        if changed {
            tracing::info!(
                offset_ms = new.num_milliseconds(),
                "the machine's clock differs from the server's"
            );
        }
        if first || changed {
            self.server_offset_ms
                .store(new.num_milliseconds(), Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_slow_answer_measures_nothing() {
        let c = Clock::default();
        let sent = at("2026-12-06T10:00:00.000Z");
        // Answered 6 s later, stamped at its start: it would read as 2.5 s behind.
        c.observe(
            at("2026-12-06T10:00:00Z"),
            sent,
            sent + Duration::seconds(6),
        );
        assert_eq!(c.server_offset(), Duration::zero());
        // A quick answer from a server a day ahead is measured.
        c.observe(
            at("2026-12-07T10:00:00Z"),
            sent,
            sent + Duration::milliseconds(30),
        );
        assert!((c.server_offset() - Duration::days(1)).abs() < Duration::seconds(1));
    }

    #[test]
    fn a_kept_offset_applies_until_this_run_measures_one() {
        let c = Clock::default();
        c.restore_offset(Duration::hours(3));
        assert_eq!(c.server_offset(), Duration::hours(3));
        // The machine's clock was set right since: the first answer says so.
        let sent = at("2026-12-06T10:00:00.100Z");
        c.observe(
            at("2026-12-06T10:00:00Z"),
            sent,
            sent + Duration::milliseconds(20),
        );
        assert_eq!(c.server_offset(), Duration::zero());
        // A kept offset read after that measurement changes nothing.
        c.restore_offset(Duration::hours(3));
        assert_eq!(c.server_offset(), Duration::zero());
    }

    #[test]
    fn a_clock_within_tolerance_is_not_corrected() {
        let c = Clock::default();
        let sent = at("2026-12-06T10:00:00.100Z");
        c.observe(
            at("2026-12-06T10:00:01Z"),
            sent,
            sent + Duration::milliseconds(40),
        );
        assert_eq!(c.server_offset(), Duration::zero());
        c.observe(
            at("2026-12-06T09:59:59Z"),
            sent,
            sent + Duration::milliseconds(40),
        );
        assert_eq!(c.server_offset(), Duration::zero());
    }

    #[test]
    fn a_day_ahead_is_measured_and_not_nudged_by_a_second() {
        let c = Clock::default();
        let sent = at("2026-12-07T10:00:00.000Z");
        let received = sent + Duration::milliseconds(200);
        c.observe(at("2026-12-06T10:00:00Z"), sent, received);
        let first = c.server_offset();
        assert!(
            (first + Duration::days(1)).abs() < Duration::seconds(1),
            "{first}"
        );
        c.observe(at("2026-12-06T10:00:01Z"), sent, received);
        assert_eq!(c.server_offset(), first, "a second's noise is kept out");
        // The machine's clock is fixed: the offset goes back to none.
        c.observe(at("2026-12-07T10:00:00Z"), sent, received);
        assert_eq!(c.server_offset(), Duration::zero());
    }

    #[test]
    fn now_is_the_machine_clock_corrected_and_a_header_is_read() {
        let c = Clock::default();
        c.set_machine_skew(Duration::days(-1));
        let machine = c.machine_now();
        assert!((machine - (Utc::now() - Duration::days(1))).abs() < Duration::seconds(5));
        let header = reqwest::header::HeaderValue::from_str(
            &Utc::now().format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
        )
        .unwrap();
        c.observe_date_header(Some(&header), machine, machine);
        assert!((c.now() - Utc::now()).abs() < Duration::seconds(3));
        // Garbage changes nothing.
        let before = c.server_offset();
        let junk = reqwest::header::HeaderValue::from_static("yesterday");
        c.observe_date_header(Some(&junk), machine, machine);
        c.observe_date_header(None, machine, machine);
        assert_eq!(c.server_offset(), before);
    }
}
