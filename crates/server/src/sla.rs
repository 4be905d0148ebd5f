//! Response targets: when a ticket's first public reply and its resolution are due.
//!
//! A ticket follows the [`Policy`] version it was filed under. The policy's clock is
//! wall-clock time, or business time when it has business hours (`sla/hours.rs`):
//! due = the instant `target + time paused` of that clock after the ticket was filed.
//! While a ticket is `pending` (waiting on the customer) the clock stops; when it
//! leaves `pending` the paused time (in the policy's clock: business time of the pause
//! when there are business hours) is added, so the due times move later by exactly
//! that much. The due times are stored on the ticket so clients can sort and warn
//! offline.

mod hours;

use chrono::{DateTime, Duration, Utc};
use tadhkira_proto::{BusinessHours, Priority, ResponseTarget, ResponseTargets, Status, Ticket};

pub use hours::BusinessClock;

use crate::config::SlaTargets;

/// The longest target: a year (in minutes of the policy's clock).
pub const MAX_TARGET_MINUTES: i64 = 366 * 24 * 60;

/// Checks targets; the error names the key (`{prefix}urgent.first_response_minutes`).
pub fn check_targets(targets: &ResponseTargets, prefix: &str) -> Result<(), String> {
    for (name, t) in [
        ("urgent", targets.urgent),
        ("high", targets.high),
        ("normal", targets.normal),
        ("low", targets.low),
    ] {
        for (field, v) in [
            ("first_response_minutes", t.first_response_minutes),
            ("resolution_minutes", t.resolution_minutes),
        ] {
            if !(1..=MAX_TARGET_MINUTES).contains(&v) {
                return Err(format!(
                    "{prefix}{name}.{field} = {v}: a target is 1 to {MAX_TARGET_MINUTES} minutes"
                ));
            }
        }
        if t.resolution_minutes < t.first_response_minutes {
            return Err(format!(
                "{prefix}{name}.resolution_minutes = {}: resolution cannot be due before the \
                 first response ({prefix}{name}.first_response_minutes = {})",
                t.resolution_minutes, t.first_response_minutes
            ));
        }
    }
    Ok(())
}

impl From<&SlaTargets> for ResponseTargets {
    fn from(s: &SlaTargets) -> Self {
        let t = |p| {
            let t = s.for_priority(p);
            ResponseTarget {
                first_response_minutes: t.first_response_minutes,
                resolution_minutes: t.resolution_minutes,
            }
        };
        ResponseTargets {
            urgent: t(Priority::Urgent),
            high: t(Priority::High),
            normal: t(Priority::Normal),
            low: t(Priority::Low),
        }
    }
}

/// The targets of one priority.
pub fn target_of(targets: &ResponseTargets, p: Priority) -> ResponseTarget {
    match p {
        Priority::Urgent => targets.urgent,
        Priority::High => targets.high,
        Priority::Normal => targets.normal,
        Priority::Low => targets.low,
    }
}

/// One version of the response policy, ready to compute due times.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Its version number.
    pub version: i64,
    /// Targets per priority.
    pub targets: ResponseTargets,
    /// Business hours; none: wall-clock time.
    pub clock: Option<BusinessClock>,
}

impl Policy {
    /// A wall-clock policy from targets as they are (not checked: the configuration's
    /// are checked at start, and tests use zero targets on purpose).
    pub fn wall(version: i64, targets: ResponseTargets) -> Self {
        Self {
            version,
            targets,
            clock: None,
        }
    }

    /// A policy with its business hours parsed; the error names the field.
    pub fn with_hours(
        version: i64,
        targets: ResponseTargets,
        hours: Option<&BusinessHours>,
    ) -> Result<Self, String> {
        Ok(Self {
            version,
            targets,
            clock: hours.map(BusinessClock::parse).transpose()?,
        })
    }

    /// The instant `ms` of this policy's clock after `from`.
    pub fn add(&self, from: DateTime<Utc>, ms: i64) -> DateTime<Utc> {
        match &self.clock {
            None => from + Duration::milliseconds(ms),
            Some(c) => c.add(from, ms),
        }
    }

    /// Milliseconds of this policy's clock between two instants.
    pub fn elapsed(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        match &self.clock {
            None => (to - from).num_milliseconds().max(0),
            Some(c) => c.elapsed(from, to),
        }
    }
}

/// Sets the due times from the ticket's priority, creation time and paused total (in
/// the policy's clock).
pub fn recompute_dues(t: &mut Ticket, paused_ms: i64, policy: &Policy) {
    let target = target_of(&policy.targets, t.priority);
    let due = |minutes: i64| {
        let ms = minutes.saturating_mul(60_000).saturating_add(paused_ms);
        policy.add(t.created_at, ms)
    };
    t.first_response_due_at = Some(due(target.first_response_minutes));
    t.resolution_due_at = Some(due(target.resolution_minutes));
}

/// Applies the clock rules of a status change made at `now`.
pub fn on_status_change(
    t: &mut Ticket,
    paused_ms: &mut i64,
    to: Status,
    now: DateTime<Utc>,
    policy: &Policy,
) {
    let from = t.status;
    t.status = to;
    if to != Status::Pending {
        if let Some(since) = t.sla_paused_at.take() {
            *paused_ms += policy.elapsed(since, now);
            recompute_dues(t, *paused_ms, policy);
        }
    } else if t.sla_paused_at.is_none() {
        t.sla_paused_at = Some(now);
    }
    if !to.is_active() {
        t.solved_at.get_or_insert(now);
    } else if !from.is_active() {
        t.solved_at = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tadhkira_proto::{Channel, Description, Filing, NewTicket, Priority, TicketTitle};
    use uuid::Uuid;

    /// An urgent ticket filed at `created`.
    fn ticket(created: DateTime<Utc>) -> Ticket {
        let new = NewTicket {
            id: Uuid::nil(),
            title: TicketTitle::parse("Printer offline").unwrap(),
            description: Description::parse("d").unwrap(),
            priority: Priority::Urgent,
            channel: Channel::Desktop,
            category: None,
            contact: Default::default(),
            checks: vec![],
            system_info: None,
            requester_id: None,
            lapsed_override: None,
            attachments: vec![],
            terms_version: None,
        };
        let filing = Filing {
            org_id: Uuid::nil(),
            org_name: String::new(),
            requester_id: Uuid::nil(),
            requester_name: String::new(),
            created_by: Uuid::nil(),
        };
        let mut t = Ticket::new(&new, filing, created);
        t.number = 1001;
        t
    }

    #[test]
    fn pending_pauses_the_clock_and_moves_the_due_time_later() {
        let t0 = Utc::now();
        let targets = Policy::wall(1, (&SlaTargets::default()).into());
        let mut t = ticket(t0);
        let mut paused = 0;
        recompute_dues(&mut t, paused, &targets);
        assert_eq!(t.resolution_due_at, Some(t0 + Duration::minutes(480)));
        on_status_change(
            &mut t,
            &mut paused,
            Status::Pending,
            t0 + Duration::minutes(10),
            &targets,
        );
        assert_eq!(t.sla_paused_at, Some(t0 + Duration::minutes(10)));
        assert!(
            !t.is_breaching(t0 + Duration::days(3)),
            "never breaching while paused"
        );
        on_status_change(
            &mut t,
            &mut paused,
            Status::Open,
            t0 + Duration::minutes(40),
            &targets,
        );
        assert_eq!(t.sla_paused_at, None);
        assert_eq!(t.resolution_due_at, Some(t0 + Duration::minutes(480 + 30)));
        on_status_change(
            &mut t,
            &mut paused,
            Status::Solved,
            t0 + Duration::minutes(50),
            &targets,
        );
        assert_eq!(t.solved_at, Some(t0 + Duration::minutes(50)));
        on_status_change(
            &mut t,
            &mut paused,
            Status::Open,
            t0 + Duration::minutes(60),
            &targets,
        );
        assert_eq!(t.solved_at, None);
    }

    /// Business hours Sunday to Thursday 08:00–16:00 in Riyadh (UTC+3), Sunday 13
    /// December 2026 a holiday. An urgent ticket (1 h / 8 h) filed Thursday 15:00 local
    /// is due for a first response at 16:00 and for resolution Monday 15:00 (1 h on
    /// Thursday, then 7 h on Monday). Pending from Thursday 15:30 to Monday 09:00
    /// pauses 30 + 60 business minutes, not three wall-clock days, and moves the
    /// resolution past Monday's closing into Tuesday.
    #[test]
    fn business_hours_skip_the_weekend_and_a_holiday_and_a_pause_counts_business_time() {
        use chrono::TimeZone as _;
        use tadhkira_proto::{BusinessHours, WeekDay::*};
        let at = |d, h, m| Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap();
        let hours = BusinessHours {
            time_zone: "Asia/Riyadh".into(),
            days: vec![Sunday, Monday, Tuesday, Wednesday, Thursday],
            opens: "08:00".into(),
            closes: "16:00".into(),
            holidays: vec![chrono::NaiveDate::from_ymd_opt(2026, 12, 13).unwrap()],
        };
        let policy = Policy::with_hours(2, (&SlaTargets::default()).into(), Some(&hours)).unwrap();
        let mut t = ticket(at(10, 12, 0));
        let mut paused = 0;
        recompute_dues(&mut t, paused, &policy);
        assert_eq!(t.first_response_due_at, Some(at(10, 13, 0)));
        assert_eq!(t.resolution_due_at, Some(at(14, 12, 0)));
        on_status_change(
            &mut t,
            &mut paused,
            Status::Pending,
            at(10, 12, 30),
            &policy,
        );
        assert!(
            !t.is_breaching(at(14, 12, 30)),
            "never breaching while paused"
        );
        on_status_change(&mut t, &mut paused, Status::Open, at(14, 6, 0), &policy);
        assert_eq!(paused, 90 * 60_000, "30 min on Thursday, 60 on Monday");
        // 90 business minutes after Monday 15:00: Monday's last hour, then 30 minutes
        // from Tuesday's opening (08:30 local).
        assert_eq!(t.resolution_due_at, Some(at(15, 5, 30)));
        // The same ticket under a wall-clock policy: the pause is 3 days 17.5 hours.
        let wall = Policy::wall(1, (&SlaTargets::default()).into());
        let (mut w, mut wp) = (ticket(at(10, 12, 0)), 0);
        recompute_dues(&mut w, wp, &wall);
        on_status_change(&mut w, &mut wp, Status::Pending, at(10, 12, 30), &wall);
        on_status_change(&mut w, &mut wp, Status::Open, at(14, 6, 0), &wall);
        assert_eq!(wp, ((3 * 24 + 17) * 60 + 30) * 60_000);
        assert_eq!(
            w.first_response_due_at,
            Some(at(14, 6, 0) + Duration::minutes(30))
        );
    }
}
