//! The response policy: targets per priority (first response and resolution) and the
//! business hours their clocks count in.
//!
//! A policy is a numbered version, never edited: an admin's change makes the next
//! version. Each ticket keeps the version it was filed under, so a change moves the
//! due times only of tickets filed after it. Admins read and replace it under
//! `/api/v1/admin/policy`; everyone signed in reads the version in effect at
//! `GET /api/v1/policy/targets`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// First-response and resolution targets of one priority, in minutes of the policy's
/// clock (business minutes when the policy has business hours, wall-clock otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResponseTarget {
    /// Minutes until the first public reply by staff is due.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub first_response_minutes: i64,
    /// Minutes until the ticket should be solved.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub resolution_minutes: i64,
}

/// The targets of every priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResponseTargets {
    pub urgent: ResponseTarget,
    pub high: ResponseTarget,
    pub normal: ResponseTarget,
    pub low: ResponseTarget,
}

/// A day of the week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum WeekDay {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl WeekDay {
    /// Every day, Monday first.
    pub const ALL: [WeekDay; 7] = [
        WeekDay::Monday,
        WeekDay::Tuesday,
        WeekDay::Wednesday,
        WeekDay::Thursday,
        WeekDay::Friday,
        WeekDay::Saturday,
        WeekDay::Sunday,
    ];

    /// 1 for Monday … 7 for Sunday (ISO 8601).
    pub fn number_from_monday(self) -> u8 {
        self as u8 + 1
    }
}

/// When support works: the week days, one daily window of local time in an IANA time
/// zone, and holidays (local dates with no business time at all).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BusinessHours {
    /// IANA time zone name, e.g. `Asia/Riyadh`.
    pub time_zone: String,
    /// The working days (at least one).
    pub days: Vec<WeekDay>,
    /// Opening time, `HH:MM` (local).
    pub opens: String,
    /// Closing time, `HH:MM` (local; `24:00` for midnight), after `opens`.
    pub closes: String,
    /// Days off, `YYYY-MM-DD` (local).
    pub holidays: Vec<NaiveDate>,
}

/// A version of the response policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResponsePolicy {
    /// 1 for the policy seeded from the server's configuration, then one more per change.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub version: i64,
    pub targets: ResponseTargets,
    /// None: the clocks run on wall-clock time, day and night.
    pub business_hours: Option<BusinessHours>,
    /// When this version took effect: tickets filed from then on follow it.
    pub effective_from: DateTime<Utc>,
}

/// Body of `PUT /api/v1/admin/policy`: the next version of the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PolicyChange {
    pub targets: ResponseTargets,
    pub business_hours: Option<BusinessHours>,
}

/// Answer of `GET/PUT /api/v1/admin/policy`: the policy in effect and how many tickets
/// still open follow an older version (their due times did not move).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AdminPolicy {
    pub policy: ResponsePolicy,
    /// Active tickets (not solved or closed) filed under an older version.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub active_on_older: i64,
}
