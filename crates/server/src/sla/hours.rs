//! Business hours: the clock that response targets count in when a policy has them.
//!
//! Business time is the local window `opens..closes` of each working day that is not a
//! holiday, in the policy's IANA time zone. Windows are computed day by day from local
//! dates, so a daylight-saving change shortens or lengthens that day's window exactly
//! as a wall clock on site would (jiff's "compatible" rule for local times that do not
//! exist or exist twice).

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Utc};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use tadhkira_proto::BusinessHours;
#[cfg(test)]
use tadhkira_proto::WeekDay;

/// Calendar days [`BusinessClock::add`] walks at most (about 30 years): with the
/// longest target allowed and the thinnest week allowed the answer is well within it.
const MAX_DAYS: u32 = 11_000;

/// Business hours, parsed: a value of this type is always a usable clock.
#[derive(Debug, Clone)]
pub struct BusinessClock {
    tz: TimeZone,
    /// Working days, Monday first.
    days: [bool; 7],
    /// Minutes after local midnight.
    opens: u16,
    /// Minutes after local midnight (1440: midnight at the end of the day).
    closes: u16,
    holidays: BTreeSet<Date>,
}

/// Parses `HH:MM` (00:00 to 24:00) into minutes after midnight.
fn minutes_of(text: &str) -> Option<u16> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let total = h.checked_mul(60)?.checked_add(m)?;
    (m < 60 && total <= 24 * 60).then_some(total)
}

impl BusinessClock {
    /// Checks business hours as an admin sent them; the error names the field.
    pub fn parse(hours: &BusinessHours) -> Result<Self, String> {
        let tz = TimeZone::get(hours.time_zone.trim()).map_err(|_| {
            format!(
                "business_hours.time_zone: {:?} is not an IANA time zone (e.g. Asia/Riyadh)",
                hours.time_zone
            )
        })?;
        if hours.days.is_empty() {
            return Err("business_hours.days: choose at least one working day".into());
        }
        let mut days = [false; 7];
        for d in &hours.days {
            days[usize::from(d.number_from_monday() - 1)] = true;
        }
        let opens = minutes_of(&hours.opens).ok_or_else(|| {
            format!(
                "business_hours.opens: {:?} is not a time HH:MM",
                hours.opens
            )
        })?;
        let closes = minutes_of(&hours.closes).ok_or_else(|| {
            format!(
                "business_hours.closes: {:?} is not a time HH:MM",
                hours.closes
            )
        })?;
        if closes <= opens {
            return Err(format!(
                "business_hours.closes: {} must be after opens ({})",
                hours.closes, hours.opens
            ));
        }
        if hours.holidays.len() > 1000 {
            return Err("business_hours.holidays: at most 1000 dates".into());
        }
        let mut holidays = BTreeSet::new();
        for h in &hours.holidays {
            let date = Date::new(h.year() as i16, h.month() as i8, h.day() as i8)
                .map_err(|_| format!("business_hours.holidays: {h} is out of range"))?;
            holidays.insert(date);
        }
        Ok(Self {
            tz,
            days,
            opens,
            closes,
            holidays,
        })
    }

    fn local_date(&self, at_ms: i64) -> Date {
        match Timestamp::from_millisecond(at_ms) {
            Ok(ts) => ts.to_zoned_datetime(self.tz.clone()).date(),
            // Outside jiff's range (beyond year 9999): the last representable day.
            Err(_) => Date::MAX,
        }
    }

    /// The instant a local time of `date` happens (minutes after its midnight).
    fn instant(&self, date: Date, minutes: u16) -> Option<i64> {
        let (date, minutes) = if minutes == 24 * 60 {
            (date.tomorrow().ok()?, 0)
        } else {
            (date, minutes)
        };
        let local = date.at((minutes / 60) as i8, (minutes % 60) as i8, 0, 0);
        let zoned = local.to_zoned_datetime(self.tz.clone()).ok()?;
        Some(zoned.timestamp().as_millisecond())
    }

    /// The business window of a local date, as UTC milliseconds; none on days off.
    fn window(&self, date: Date) -> Option<(i64, i64)> {
        let weekday = date.weekday().to_monday_one_offset() as usize - 1;
        if !self.days[weekday] || self.holidays.contains(&date) {
            return None;
        }
        let (open, close) = (
            self.instant(date, self.opens)?,
            self.instant(date, self.closes)?,
        );
        (close > open).then_some((open, close))
    }

    /// The instant `business_ms` of business time after `from`. Time before the next
    /// opening does not count, so a ticket filed at the weekend starts its clock when
    /// support opens.
    pub fn add(&self, from: DateTime<Utc>, business_ms: i64) -> DateTime<Utc> {
        let from_ms = from.timestamp_millis();
        if business_ms <= 0 {
            return from;
        }
        let mut remaining = business_ms;
        let mut day = self.local_date(from_ms);
        let mut last = from_ms;
        for _ in 0..MAX_DAYS {
            if let Some((open, close)) = self.window(day) {
                let start = open.max(from_ms);
                if close > start {
                    let available = close - start;
                    if remaining <= available {
                        return to_time(start + remaining).unwrap_or(from);
                    }
                    remaining -= available;
                    last = close;
                }
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        to_time(last).unwrap_or(from)
    }

    /// Business milliseconds between two instants (0 when `to` is not after `from`).
    pub fn elapsed(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let (from_ms, to_ms) = (from.timestamp_millis(), to.timestamp_millis());
        if to_ms <= from_ms {
            return 0;
        }
        let (mut day, last_day) = (self.local_date(from_ms), self.local_date(to_ms));
        let mut total = 0;
        while day <= last_day {
            if let Some((open, close)) = self.window(day) {
                total += (close.min(to_ms) - open.max(from_ms)).max(0);
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        total
    }
}

fn to_time(ms: i64) -> Option<DateTime<Utc>> {
    DateTime::<Utc>::from_timestamp_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone as _};

    fn hours(tz: &str, days: &[WeekDay], opens: &str, closes: &str) -> BusinessHours {
        BusinessHours {
            time_zone: tz.into(),
            days: days.to_vec(),
            opens: opens.into(),
            closes: closes.into(),
            holidays: vec![],
        }
    }

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    const MIN: i64 = 60_000;

    #[test]
    fn nonsense_hours_are_refused_naming_the_field() {
        use WeekDay::*;
        let bad = |h: BusinessHours| BusinessClock::parse(&h).unwrap_err();
        assert!(bad(hours("Mars/Olympus", &[Monday], "09:00", "17:00"))
            .starts_with("business_hours.time_zone"));
        assert!(bad(hours("UTC", &[], "09:00", "17:00")).starts_with("business_hours.days"));
        assert!(bad(hours("UTC", &[Monday], "9", "17:00")).starts_with("business_hours.opens"));
        assert!(bad(hours("UTC", &[Monday], "09:00", "24:01")).starts_with("business_hours.closes"));
        assert!(bad(hours("UTC", &[Monday], "17:00", "09:00")).contains("must be after opens"));
        assert!(BusinessClock::parse(&hours("UTC", &[Monday], "00:00", "24:00")).is_ok());
    }

    /// Europe/London springs forward on Sunday 29 March 2026: that day has 23 hours,
    /// so 48 business hours of a round-the-clock week from Saturday midnight end at
    /// Monday 00:00 UTC (01:00 local), not 00:00 local.
    #[test]
    fn a_daylight_saving_day_counts_the_hours_the_wall_clock_shows() {
        let clock =
            BusinessClock::parse(&hours("Europe/London", &WeekDay::ALL, "00:00", "24:00")).unwrap();
        let start = utc(2026, 3, 28, 0, 0);
        assert_eq!(clock.add(start, 48 * 60 * MIN), utc(2026, 3, 30, 0, 0));
        assert_eq!(
            clock.elapsed(utc(2026, 3, 29, 0, 0), utc(2026, 3, 30, 0, 0)),
            24 * 60 * MIN
        );
    }

    /// A working week Sunday to Thursday, 08:00–16:00 in Riyadh (UTC+3), with a holiday.
    #[test]
    fn the_clock_skips_the_weekend_and_a_holiday() {
        use WeekDay::*;
        let mut h = hours(
            "Asia/Riyadh",
            &[Sunday, Monday, Tuesday, Wednesday, Thursday],
            "08:00",
            "16:00",
        );
        h.holidays = vec![NaiveDate::from_ymd_opt(2026, 12, 13).unwrap()];
        let clock = BusinessClock::parse(&h).unwrap();
        // Thursday 10 December 2026, 15:00 local = 12:00 UTC: one hour left that day;
        // Friday and Saturday are off, Sunday the 13th is a holiday.
        let filed = utc(2026, 12, 10, 12, 0);
        assert_eq!(clock.add(filed, 60 * MIN), utc(2026, 12, 10, 13, 0));
        assert_eq!(clock.add(filed, 61 * MIN), utc(2026, 12, 14, 5, 1));
        assert_eq!(clock.add(filed, 480 * MIN), utc(2026, 12, 14, 12, 0));
        assert_eq!(
            clock.elapsed(filed, utc(2026, 12, 14, 6, 0)),
            120 * MIN,
            "an hour on Thursday, an hour on Monday"
        );
        // Filed on the Friday: the clock starts at Monday's opening.
        assert_eq!(
            clock.add(utc(2026, 12, 11, 9, 0), 30 * MIN),
            utc(2026, 12, 14, 5, 30)
        );
        assert_eq!(
            clock.elapsed(utc(2026, 12, 11, 0, 0), utc(2026, 12, 14, 5, 0)),
            0
        );
    }
}
