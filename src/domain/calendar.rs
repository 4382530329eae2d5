//! Working days, service hours and deadlines (docs/domain.md §3.4, §3.5, §7). Everything here is pure
//! except [`load`], which reads the `bank_holidays` and `service_hours` tables once; callers
//! compute a deadline and store it with the record (§7.3), so editing the table never silently
//! moves an existing deadline.
//!
//! All wall-clock rules (opening hours, check slots, "end of the working day") are in London local
//! time; every instant going in or out is UTC.
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc, Weekday};
use std::collections::BTreeSet;

/// Europe/London wall-clock time, from the IANA time-zone database (`chrono-tz`), so a change
/// to the United Kingdom's clock rules arrives with a dependency update, not a code change.
pub mod london {
    use chrono::{DateTime, DurationRound, LocalResult, NaiveDateTime, Offset, TimeDelta, TimeZone, Utc};
    use chrono_tz::Europe::London;

    /// Hours ahead of UTC at instant `t`: 1 during British Summer Time, otherwise 0.
    pub fn offset_hours(t: DateTime<Utc>) -> i64 {
        i64::from(London.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc()) / 3600
    }

    /// The London wall-clock time at instant `t`.
    pub fn to_local(t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&London).naive_local()
    }

    /// The instant at which London clocks show `t`.
    ///
    /// - A local time that never happens (the spring-forward gap, 01:00–02:00 on the last Sunday
    ///   of March) moves forward to the first valid instant: the change itself, 01:00 UTC, shown
    ///   as 02:00 BST.
    /// - A local time that happens twice (01:00–02:00 on the last Sunday of October) gives the
    ///   earlier instant, while BST is still in force.
    pub fn from_local(t: NaiveDateTime) -> DateTime<Utc> {
        match London.from_local_datetime(&t) {
            LocalResult::Single(d) | LocalResult::Ambiguous(d, _) => d.with_timezone(&Utc),
            // In the gap: read with the offset before the change (GMT), `t` lies after the change,
            // which happens on the hour (UTC); the hour it falls in starts at the change.
            LocalResult::None => {
                let after = t.and_utc();
                after.duration_trunc(TimeDelta::hours(1)).unwrap_or(after)
            }
        }
    }
}

/// Opening hours per weekday, London local time; `None` means closed that day.
#[derive(Clone, Debug)]
pub struct ServiceHours {
    /// Indexed Monday = 0 .. Sunday = 6: (opens, closes), opens inclusive, closes exclusive.
    days: [Option<(NaiveTime, NaiveTime)>; 7],
}

impl ServiceHours {
    /// `days` is indexed Monday = 0 .. Sunday = 6. A day whose opening time is not strictly before
    /// its closing time is treated as closed.
    pub fn new(days: [Option<(NaiveTime, NaiveTime)>; 7]) -> Self {
        ServiceHours { days: days.map(|d| d.filter(|(opens, closes)| opens < closes)) }
    }

    /// The hub's published hours (docs/domain.md §3.5): Monday–Thursday 09:00–17:00, Friday 09:00–16:30,
    /// closed at weekends.
    pub fn hub() -> Self {
        let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).expect("valid time");
        let long = Some((hm(9, 0), hm(17, 0)));
        ServiceHours::new([long, long, long, long, Some((hm(9, 0), hm(16, 30))), None, None])
    }

    /// (opens, closes) on `weekday`, or `None` if closed.
    pub fn for_day(&self, weekday: Weekday) -> Option<(NaiveTime, NaiveTime)> {
        self.days[weekday.num_days_from_monday() as usize]
    }

    /// Whether the service opens on at least one day Monday–Friday.
    fn opens_on_a_weekday(&self) -> bool {
        self.days[..5].iter().any(Option::is_some)
    }
}

/// The working-day calendar: the holiday table plus the service hours.

#[derive(Clone, Debug)]
pub struct Calendar {
    holidays: BTreeSet<NaiveDate>,
    hours: ServiceHours,
}

impl Calendar {
    /// # Panics
    /// If `hours` is closed every day Monday–Friday: there would be no working days at all and
    /// every search for the next one would never end. [`load`] checks this and returns an error
    /// instead.
    pub fn new(holidays: impl IntoIterator<Item = NaiveDate>, hours: ServiceHours) -> Self {
        assert!(hours.opens_on_a_weekday(), "service hours must open on at least one weekday");
        Calendar { holidays: holidays.into_iter().collect(), hours }
    }

    /// Monday–Friday, not in the holiday table, and the service has hours that day.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
            && !self.holidays.contains(&d)
            && self.hours.for_day(d.weekday()).is_some()
    }

    /// The first working day strictly after `d`.
    pub fn next_working_day(&self, d: NaiveDate) -> NaiveDate {
        let mut d = d;
        loop {
            d = d.succ_opt().expect("date within chrono's range");
            if self.is_working_day(d) {
                return d;
            }
        }
    }

    /// docs/domain.md §7.3: `d` is day 0 (if `d` is not a working day, day 0 is the next working day);
    /// returns the `n`th working day after day 0, or day 0 itself when `n` is 0.
    pub fn add_working_days(&self, d: NaiveDate, n: u32) -> NaiveDate {
        let mut day = if self.is_working_day(d) { d } else { self.next_working_day(d) };
        for _ in 0..n {
            day = self.next_working_day(day);
        }
        day
    }

    /// `t` itself if it falls within service hours (London time, opening inclusive, closing
    /// exclusive) on a working day; otherwise the next opening time.
    pub fn next_working_time(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let local = london::to_local(t);
        let today = local.date();
        if self.is_working_day(today)
            && let Some((opens, closes)) = self.hours.for_day(today.weekday())
        {
            if local.time() < opens {
                return london::from_local(today.and_time(opens));
            }
            if local.time() < closes {
                return t;
            }
        }
        self.opening(self.next_working_day(today))
    }

    /// "Within `n` working days of receipt": the receipt moves to [`Self::next_working_time`], its
    /// London date is day 0, and the deadline is closing time (London) on
    /// [`Self::add_working_days`]`(day 0, n)`.
    pub fn due_after_working_days(&self, received: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        let start = self.next_working_time(received);
        let day0 = london::to_local(start).date();
        self.closing(self.add_working_days(day0, n))
    }

    /// The partner-update check slot (docs/domain.md §7.3, R17), all times London local: received on a
    /// working day before `morning` → `morning` that day; at or after `morning` and before
    /// `afternoon` → `afternoon` that day; at or after `afternoon`, or on a non-working day → the
    /// next working day's `morning`. Expects `morning < afternoon` (callers pass 10:00 and 15:00).
    pub fn check_slot_due(&self, received: DateTime<Utc>, morning: NaiveTime, afternoon: NaiveTime) -> DateTime<Utc> {
        let local = london::to_local(received);
        let today = local.date();
        if self.is_working_day(today) {
            if local.time() < morning {
                return london::from_local(today.and_time(morning));
            }
            if local.time() < afternoon {
                return london::from_local(today.and_time(afternoon));
            }
        }
        london::from_local(self.next_working_day(today).and_time(morning))
    }

    /// Service hours between two instants: the time within opening hours on working days
    /// (London), in hours. Zero when `to` is not after `from`. Reports use it for "working hours
    /// to decision".
    pub fn working_hours_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
        if to <= from {
            return 0.0;
        }
        let (first, last) = (london::to_local(from).date(), london::to_local(to).date());
        let mut seconds = 0i64;
        let mut day = first;
        while day <= last {
            if self.is_working_day(day) {
                let (open, close) = (self.opening(day), self.closing(day));
                let (a, b) = (Ord::max(open, from), Ord::min(close, to));
                if b > a {
                    seconds += (b - a).num_seconds();
                }
            }
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
        }
        seconds as f64 / 3600.0
    }

    /// Working days after `from` up to and including `to` (0 when `to` is not after `from`):
    /// "allocated within N working days" counts these.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        let mut n = 0;
        let mut day = from;
        while day < to {
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
            if self.is_working_day(day) {
                n += 1;
            }
        }
        n
    }

    /// A table of working-day counts over `from..=to`, for callers that ask
    /// [`Self::working_days_between`] many times (a report over thousands of cases).
    pub fn working_day_index(&self, from: NaiveDate, to: NaiveDate) -> WorkingDayIndex {
        let mut prefix = vec![0u32];
        let mut day = from;
        while day < to {
            match day.succ_opt() {
                Some(d) => day = d,
                None => break,
            }
            let last = prefix.last().copied().unwrap_or(0);
            prefix.push(last + u32::from(self.is_working_day(day)));
        }
        WorkingDayIndex { from, prefix }
    }

    /// Opening time of working day `d`, as UTC.
    fn opening(&self, d: NaiveDate) -> DateTime<Utc> {
        let (opens, _) = self.hours.for_day(d.weekday()).expect("a working day has service hours");
        london::from_local(d.and_time(opens))
    }

    /// Closing time of working day `d`, as UTC.
    fn closing(&self, d: NaiveDate) -> DateTime<Utc> {
        let (_, closes) = self.hours.for_day(d.weekday()).expect("a working day has service hours");
        london::from_local(d.and_time(closes))
    }
}

/// Working days counted once over a span of dates ([`Calendar::working_day_index`]).
pub struct WorkingDayIndex {
    from: NaiveDate,
    /// `prefix[i]`: working days after `from` up to and including `from + i`.
    prefix: Vec<u32>,
}

impl WorkingDayIndex {
    /// As [`Calendar::working_days_between`], for dates within the span (clamped to it).
    pub fn between(&self, a: NaiveDate, b: NaiveDate) -> u32 {
        let at = |d: NaiveDate| {
            let i = (d - self.from).num_days().clamp(0, self.prefix.len() as i64 - 1);
            self.prefix.get(i as usize).copied().unwrap_or(0)
        };
        if b <= a { 0 } else { at(b) - at(a) }
    }
}

/// Reads the holiday table (every row, whatever its `kind`) and the service hours. A service-hours
/// row that cannot be read (weekday outside 0..=6, a time that is not "HH:MM", opening not before
/// closing), or a table with no weekday hours at all, is a configuration fault: logged and returned
/// as `AppError::Internal`.
impl Calendar {
    /// The weekly opening hours, Monday first (closed days left out).
    pub fn weekly_hours(&self) -> Vec<(Weekday, NaiveTime, NaiveTime)> {
        let days = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
        days.into_iter().filter_map(|d| self.hours.for_day(d).map(|(o, c)| (d, o, c))).collect()
    }

    /// Whether the service is open at instant `t` (a working day, within its hours).
    pub fn is_open_at(&self, t: DateTime<Utc>) -> bool {
        self.next_working_time(t) == t
    }
}

pub async fn load(db: &impl sea_orm::ConnectionTrait) -> AppResult<Calendar> {
    use entity::{bank_holiday, service_hours};
    use sea_orm::{EntityTrait, QuerySelect};

    let holidays: Vec<NaiveDate> =
        bank_holiday::Entity::find().select_only().column(bank_holiday::Column::Date).into_tuple().all(db).await?;
    let mut days = [None; 7];
    for row in service_hours::Entity::find().all(db).await? {
        let parsed = usize::try_from(row.weekday)
            .ok()
            .filter(|i| *i < 7)
            .zip(parse_hhmm(&row.opens).zip(parse_hhmm(&row.closes)).filter(|(opens, closes)| opens < closes));
        let Some((index, hours)) = parsed else {
            tracing::error!(weekday = row.weekday, "service_hours row cannot be read");
            return Err(AppError::Internal);
        };
        days[index] = Some(hours);
    }
    let hours = ServiceHours::new(days);
    if !hours.opens_on_a_weekday() {
        tracing::error!("service_hours has no opening hours Monday to Friday");
        return Err(AppError::Internal);
    }
    Ok(Calendar::new(holidays, hours))
}

/// Strict "HH:MM" (24-hour, two digits each).
fn parse_hhmm(s: &str) -> Option<NaiveTime> {
    let b = s.as_bytes();
    if b.len() != 5 || b[2] != b':' || ![b[0], b[1], b[3], b[4]].iter().all(u8::is_ascii_digit) {
        return None;
    }
    NaiveTime::parse_from_str(s, "%H:%M").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn utc(y: i32, mo: u32, day: u32, h: u32, mi: u32) -> DateTime<Utc> {
        d(y, mo, day).and_time(hm(h, mi)).and_utc()
    }

    fn local(y: i32, mo: u32, day: u32, h: u32, mi: u32) -> chrono::NaiveDateTime {
        d(y, mo, day).and_time(hm(h, mi))
    }

    /// England and Wales 2025–2027 (docs/domain.md §7.2) plus the New Year's Day 2028 substitute.
    fn holidays() -> Vec<NaiveDate> {
        vec![
            d(2025, 1, 1),
            d(2025, 4, 18),
            d(2025, 4, 21),
            d(2025, 5, 5),
            d(2025, 5, 26),
            d(2025, 8, 25),
            d(2025, 12, 25),
            d(2025, 12, 26),
            d(2026, 1, 1),
            d(2026, 4, 3),
            d(2026, 4, 6),
            d(2026, 5, 4),
            d(2026, 5, 25),
            d(2026, 8, 31),
            d(2026, 12, 25),
            d(2026, 12, 28),
            d(2027, 1, 1),
            d(2027, 3, 26),
            d(2027, 3, 29),
            d(2027, 5, 3),
            d(2027, 5, 31),
            d(2027, 8, 30),
            d(2027, 12, 27),
            d(2027, 12, 28),
            d(2028, 1, 3),
        ]
    }

    fn cal() -> Calendar {
        Calendar::new(holidays(), ServiceHours::hub())
    }

    #[test]
    fn working_hours_count_only_service_hours() {
        // Thu 24 Dec 2026 16:00 GMT to Tue 29 Dec 10:00: one hour on Thursday; Friday the 25th
        // and Monday the 28th are holidays; one hour on Tuesday.
        assert_eq!(cal().working_hours_between(utc(2026, 12, 24, 16, 0), utc(2026, 12, 29, 10, 0)), 2.0);
        // Friday closes at 16:30: 09:00–16:30 is 7.5 hours.
        assert_eq!(cal().working_hours_between(utc(2026, 11, 27, 0, 0), utc(2026, 11, 28, 0, 0)), 7.5);
        // Summer time: 09:00 London is 08:00 UTC.
        assert_eq!(cal().working_hours_between(utc(2026, 7, 1, 7, 0), utc(2026, 7, 1, 9, 0)), 1.0);
        assert_eq!(cal().working_hours_between(utc(2026, 7, 1, 9, 0), utc(2026, 7, 1, 7, 0)), 0.0);
        // Thu 24 Dec to Tue 29 Dec 2026: only the 29th is a working day after the 24th.
        assert_eq!(cal().working_days_between(d(2026, 12, 24), d(2026, 12, 29)), 1);
        assert_eq!(cal().working_days_between(d(2026, 11, 23), d(2026, 11, 27)), 4);
        assert_eq!(cal().working_days_between(d(2026, 11, 27), d(2026, 11, 23)), 0);
        // The table gives the same answers.
        let index = cal().working_day_index(d(2026, 11, 1), d(2027, 1, 31));
        for (a, b) in
            [((2026, 12, 24), (2026, 12, 29)), ((2026, 11, 23), (2026, 11, 27)), ((2026, 11, 2), (2027, 1, 4))]
        {
            let (a, b) = (d(a.0, a.1, a.2), d(b.0, b.1, b.2));
            assert_eq!(index.between(a, b), cal().working_days_between(a, b), "{a} {b}");
        }
    }

    #[test]
    fn holiday_table_has_only_weekdays() {
        for h in holidays() {
            assert!(!matches!(h.weekday(), Weekday::Sat | Weekday::Sun), "{h}");
            assert!(!cal().is_working_day(h), "{h}");
        }
    }

    #[test]
    fn hub_hours() {
        let hours = ServiceHours::hub();
        assert_eq!(hours.for_day(Weekday::Mon), Some((hm(9, 0), hm(17, 0))));
        assert_eq!(hours.for_day(Weekday::Thu), Some((hm(9, 0), hm(17, 0))));
        assert_eq!(hours.for_day(Weekday::Fri), Some((hm(9, 0), hm(16, 30))));
        assert_eq!(hours.for_day(Weekday::Sat), None);
        assert_eq!(hours.for_day(Weekday::Sun), None);
    }

    #[test]
    fn weekday_without_hours_is_not_a_working_day() {
        let mut days = [Some((hm(9, 0), hm(17, 0))); 7];
        days[2] = None; // Wednesday closed
        days[3] = Some((hm(17, 0), hm(9, 0))); // Thursday: closing before opening → closed
        let c = Calendar::new([], ServiceHours::new(days));
        assert!(!c.is_working_day(d(2026, 11, 25)));
        assert!(!c.is_working_day(d(2026, 11, 26)));
        assert!(!c.is_working_day(d(2026, 11, 28)), "Saturday has hours but is not a working day");
        assert_eq!(c.next_working_day(d(2026, 11, 24)), d(2026, 11, 27));
    }

    #[test]
    #[should_panic(expected = "at least one weekday")]
    fn calendar_without_weekday_hours_panics() {
        Calendar::new([], ServiceHours::new([None; 7]));
    }

    #[test]
    fn add_working_days_zero_is_day_zero() {
        let c = cal();
        assert_eq!(c.add_working_days(d(2026, 11, 24), 0), d(2026, 11, 24));
        // A non-working day counts from the next working day.
        assert_eq!(c.add_working_days(d(2026, 11, 21), 0), d(2026, 11, 23));
        assert_eq!(c.add_working_days(d(2026, 12, 25), 0), d(2026, 12, 29));
    }

    #[test]
    fn add_working_days_ordinary_week() {
        let c = cal();
        assert_eq!(c.add_working_days(d(2026, 11, 23), 1), d(2026, 11, 24));
        assert_eq!(c.add_working_days(d(2026, 11, 20), 1), d(2026, 11, 23));
        assert_eq!(c.add_working_days(d(2026, 11, 21), 1), d(2026, 11, 24));
        assert_eq!(c.add_working_days(d(2026, 11, 23), 15), d(2026, 12, 14));
    }

    #[test]
    fn easter_2026() {
        let c = cal();
        assert!(!c.is_working_day(d(2026, 4, 3)));
        assert!(!c.is_working_day(d(2026, 4, 6)));
        assert_eq!(c.add_working_days(d(2026, 4, 2), 1), d(2026, 4, 7));
        assert_eq!(c.next_working_day(d(2026, 4, 2)), d(2026, 4, 7));
    }

    #[test]
    fn christmas_2026_boxing_day_substitute() {
        let c = cal();
        assert!(c.is_working_day(d(2026, 12, 24)));
        assert!(!c.is_working_day(d(2026, 12, 28)));
        assert_eq!(c.add_working_days(d(2026, 12, 24), 1), d(2026, 12, 29));
    }

    #[test]
    fn christmas_2027_both_substitutes() {
        let c = cal();
        assert!(!c.is_working_day(d(2027, 12, 27)));
        assert!(!c.is_working_day(d(2027, 12, 28)));
        assert_eq!(c.add_working_days(d(2027, 12, 24), 1), d(2027, 12, 29));
    }

    #[test]
    fn new_year_2028_substitute() {
        let c = cal();
        assert!(!c.is_working_day(d(2028, 1, 3)));
        assert_eq!(c.add_working_days(d(2027, 12, 31), 1), d(2028, 1, 4));
        assert_eq!(c.next_working_day(d(2027, 12, 31)), d(2028, 1, 4));
    }

    #[test]
    fn london_offsets_around_bst_start_2026() {
        assert_eq!(london::offset_hours(utc(2026, 3, 29, 0, 59)), 0);
        assert_eq!(london::offset_hours(utc(2026, 3, 29, 1, 0)), 1);
        assert_eq!(london::to_local(utc(2026, 3, 29, 0, 59)), local(2026, 3, 29, 0, 59));
        assert_eq!(london::to_local(utc(2026, 3, 29, 1, 0)), local(2026, 3, 29, 2, 0));
        assert_eq!(london::to_local(utc(2026, 3, 27, 12, 0)), local(2026, 3, 27, 12, 0));
        assert_eq!(london::to_local(utc(2026, 3, 30, 12, 0)), local(2026, 3, 30, 13, 0));
        assert_eq!(london::from_local(local(2026, 3, 29, 0, 59)), utc(2026, 3, 29, 0, 59));
        assert_eq!(london::from_local(local(2026, 3, 29, 2, 0)), utc(2026, 3, 29, 1, 0));
        assert_eq!(london::from_local(local(2026, 3, 30, 9, 0)), utc(2026, 3, 30, 8, 0));
    }

    #[test]
    fn london_spring_gap_moves_forward() {
        assert_eq!(london::from_local(local(2026, 3, 29, 1, 0)), utc(2026, 3, 29, 1, 0));
        assert_eq!(london::from_local(local(2026, 3, 29, 1, 30)), utc(2026, 3, 29, 1, 0));
        assert_eq!(london::to_local(london::from_local(local(2026, 3, 29, 1, 30))), local(2026, 3, 29, 2, 0));
    }

    #[test]
    fn london_offsets_around_bst_end_2026() {
        assert_eq!(london::offset_hours(utc(2026, 10, 25, 0, 59)), 1);
        assert_eq!(london::offset_hours(utc(2026, 10, 25, 1, 0)), 0);
        assert_eq!(london::to_local(utc(2026, 10, 25, 0, 30)), local(2026, 10, 25, 1, 30));
        assert_eq!(london::to_local(utc(2026, 10, 25, 1, 30)), local(2026, 10, 25, 1, 30));
        assert_eq!(london::to_local(utc(2026, 10, 26, 12, 0)), local(2026, 10, 26, 12, 0));
        assert_eq!(london::from_local(local(2026, 10, 25, 0, 59)), utc(2026, 10, 24, 23, 59));
        assert_eq!(london::from_local(local(2026, 10, 25, 2, 0)), utc(2026, 10, 25, 2, 0));
        assert_eq!(london::from_local(local(2026, 10, 26, 9, 0)), utc(2026, 10, 26, 9, 0));
    }

    #[test]
    fn london_ambiguous_hour_takes_bst() {
        assert_eq!(london::from_local(local(2026, 10, 25, 1, 0)), utc(2026, 10, 25, 0, 0));
        assert_eq!(london::from_local(local(2026, 10, 25, 1, 30)), utc(2026, 10, 25, 0, 30));
        assert_eq!(london::from_local(local(2026, 10, 25, 1, 59)), utc(2026, 10, 25, 0, 59));
    }

    #[test]
    fn london_other_years() {
        // 2025: 30 March – 26 October; 2027: 28 March – 31 October.
        assert_eq!(london::offset_hours(utc(2025, 3, 30, 0, 59)), 0);
        assert_eq!(london::offset_hours(utc(2025, 3, 30, 1, 0)), 1);
        assert_eq!(london::offset_hours(utc(2025, 10, 26, 1, 0)), 0);
        assert_eq!(london::offset_hours(utc(2027, 3, 28, 1, 0)), 1);
        assert_eq!(london::offset_hours(utc(2027, 10, 31, 0, 59)), 1);
        assert_eq!(london::offset_hours(utc(2027, 10, 31, 1, 0)), 0);
        assert_eq!(london::offset_hours(utc(2026, 1, 1, 0, 0)), 0);
        assert_eq!(london::offset_hours(utc(2026, 12, 31, 23, 59)), 0);
    }

    #[test]
    fn deadline_across_bst_start_weekend() {
        // Friday 27 March 2026 10:00 GMT, 1 WD → Monday 30 March 17:00 BST = 16:00 UTC.
        assert_eq!(cal().due_after_working_days(utc(2026, 3, 27, 10, 0), 1), utc(2026, 3, 30, 16, 0));
        // Received on the Saturday: counts from Monday 09:00 BST, due Tuesday 17:00 BST.
        assert_eq!(cal().next_working_time(utc(2026, 3, 28, 12, 0)), utc(2026, 3, 30, 8, 0));
        assert_eq!(cal().due_after_working_days(utc(2026, 3, 28, 12, 0), 1), utc(2026, 3, 31, 16, 0));
    }

    #[test]
    fn deadline_across_bst_end_weekend() {
        // Friday 23 October 2026 10:00 BST (09:00 UTC), 1 WD → Monday 26 October 17:00 GMT = 17:00 UTC.
        assert_eq!(cal().due_after_working_days(utc(2026, 10, 23, 9, 0), 1), utc(2026, 10, 26, 17, 0));
        // Friday 16:45 BST (after the 16:30 close) counts from Monday 09:00 GMT.
        assert_eq!(cal().next_working_time(utc(2026, 10, 23, 15, 45)), utc(2026, 10, 26, 9, 0));
        assert_eq!(cal().due_after_working_days(utc(2026, 10, 23, 15, 45), 1), utc(2026, 10, 27, 17, 0));
    }

    #[test]
    fn friday_after_close_counts_from_monday() {
        let c = cal();
        let received = utc(2026, 11, 20, 16, 45);
        assert_eq!(c.next_working_time(received), utc(2026, 11, 23, 9, 0));
        assert_eq!(c.due_after_working_days(received, 1), utc(2026, 11, 24, 17, 0));
        // Just before the Friday close counts from Friday.
        assert_eq!(c.next_working_time(utc(2026, 11, 20, 16, 29)), utc(2026, 11, 20, 16, 29));
        assert_eq!(c.due_after_working_days(utc(2026, 11, 20, 16, 29), 1), utc(2026, 11, 23, 17, 0));
        // Exactly at the close is outside hours.
        assert_eq!(c.next_working_time(utc(2026, 11, 20, 16, 30)), utc(2026, 11, 23, 9, 0));
    }

    #[test]
    fn received_on_saturday() {
        let c = cal();
        let received = utc(2026, 11, 21, 11, 0);
        assert_eq!(c.next_working_time(received), utc(2026, 11, 23, 9, 0));
        assert_eq!(c.due_after_working_days(received, 1), utc(2026, 11, 24, 17, 0));
        assert_eq!(c.due_after_working_days(received, 0), utc(2026, 11, 23, 17, 0));
    }

    #[test]
    fn received_at_0859_and_0900() {
        let c = cal();
        assert_eq!(c.next_working_time(utc(2026, 11, 24, 8, 59)), utc(2026, 11, 24, 9, 0));
        assert_eq!(c.next_working_time(utc(2026, 11, 24, 9, 0)), utc(2026, 11, 24, 9, 0));
        assert_eq!(c.due_after_working_days(utc(2026, 11, 24, 8, 59), 1), utc(2026, 11, 25, 17, 0));
        assert_eq!(c.due_after_working_days(utc(2026, 11, 24, 9, 0), 1), utc(2026, 11, 25, 17, 0));
        // Summer: 08:59 BST is 07:59 UTC.
        assert_eq!(c.next_working_time(utc(2026, 7, 14, 7, 59)), utc(2026, 7, 14, 8, 0));
        assert_eq!(c.next_working_time(utc(2026, 7, 14, 8, 0)), utc(2026, 7, 14, 8, 0));
    }

    #[test]
    fn received_monday_morning_due_tuesday_close() {
        let c = cal();
        assert_eq!(c.due_after_working_days(utc(2026, 11, 23, 10, 0), 1), utc(2026, 11, 24, 17, 0));
        assert_eq!(c.due_after_working_days(utc(2026, 11, 23, 10, 0), 0), utc(2026, 11, 23, 17, 0));
        // Thursday 24 December 2026 + 1 WD → Tuesday 29 December 17:00.
        assert_eq!(c.due_after_working_days(utc(2026, 12, 24, 10, 0), 1), utc(2026, 12, 29, 17, 0));
        // Due on a Friday closes at 16:30.
        assert_eq!(c.due_after_working_days(utc(2026, 11, 23, 10, 0), 4), utc(2026, 11, 27, 16, 30));
    }

    #[test]
    fn received_after_close_on_holiday_eve() {
        // Thursday 2 April 2026 17:30 BST: counts from Tuesday 7 April (Easter), due Wednesday 17:00 BST.
        let c = cal();
        assert_eq!(c.next_working_time(utc(2026, 4, 2, 16, 30)), utc(2026, 4, 7, 8, 0));
        assert_eq!(c.due_after_working_days(utc(2026, 4, 2, 16, 30), 1), utc(2026, 4, 8, 16, 0));
    }

    #[test]
    fn check_slot_before_morning() {
        let c = cal();
        assert_eq!(c.check_slot_due(utc(2026, 11, 24, 8, 0), hm(10, 0), hm(15, 0)), utc(2026, 11, 24, 10, 0));
        assert_eq!(c.check_slot_due(utc(2026, 11, 24, 9, 59), hm(10, 0), hm(15, 0)), utc(2026, 11, 24, 10, 0));
        // Summer: 09:30 BST (08:30 UTC) → 10:00 BST = 09:00 UTC.
        assert_eq!(c.check_slot_due(utc(2026, 7, 14, 8, 30), hm(10, 0), hm(15, 0)), utc(2026, 7, 14, 9, 0));
    }

    #[test]
    fn check_slot_between_checks() {
        let c = cal();
        assert_eq!(c.check_slot_due(utc(2026, 11, 24, 10, 0), hm(10, 0), hm(15, 0)), utc(2026, 11, 24, 15, 0));
        assert_eq!(c.check_slot_due(utc(2026, 11, 24, 14, 59), hm(10, 0), hm(15, 0)), utc(2026, 11, 24, 15, 0));
    }

    #[test]
    fn check_slot_after_afternoon() {
        let c = cal();
        assert_eq!(c.check_slot_due(utc(2026, 11, 24, 15, 0), hm(10, 0), hm(15, 0)), utc(2026, 11, 25, 10, 0));
        assert_eq!(c.check_slot_due(utc(2026, 11, 24, 23, 30), hm(10, 0), hm(15, 0)), utc(2026, 11, 25, 10, 0));
        // Friday afternoon → Monday morning.
        assert_eq!(c.check_slot_due(utc(2026, 11, 20, 15, 30), hm(10, 0), hm(15, 0)), utc(2026, 11, 23, 10, 0));
    }

    #[test]
    fn check_slot_on_non_working_day() {
        let c = cal();
        // Saturday, even before the morning check time.
        assert_eq!(c.check_slot_due(utc(2026, 11, 21, 8, 0), hm(10, 0), hm(15, 0)), utc(2026, 11, 23, 10, 0));
        // Boxing Day substitute 2026 (Monday 28 December) → Tuesday 29 December.
        assert_eq!(c.check_slot_due(utc(2026, 12, 28, 9, 0), hm(10, 0), hm(15, 0)), utc(2026, 12, 29, 10, 0));
        // Sunday 29 March 2026 (clocks change) → Monday 30 March 10:00 BST = 09:00 UTC.
        assert_eq!(c.check_slot_due(utc(2026, 3, 29, 12, 0), hm(10, 0), hm(15, 0)), utc(2026, 3, 30, 9, 0));
    }

    async fn migrated_db() -> sea_orm::DatabaseConnection {
        use migration::{Migrator, MigratorTrait};
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        db
    }

    #[tokio::test]
    async fn load_reads_seeded_tables() {
        use entity::bank_holiday;
        use sea_orm::EntityTrait;
        let db = migrated_db().await;
        let loaded = load(&db).await.unwrap();
        assert_eq!(loaded.holidays, holidays().into_iter().collect::<BTreeSet<_>>());
        assert_eq!(loaded.hours.days, ServiceHours::hub().days);
        let boxing = bank_holiday::Entity::find_by_id(d(2026, 12, 28)).one(&db).await.unwrap().unwrap();
        assert_eq!(boxing.title, "Boxing Day (substitute day)");
        assert_eq!(boxing.kind, "BANK_HOLIDAY");
        assert!(boxing.substitute);
        assert_eq!(boxing.created_at, utc(2026, 11, 24, 0, 0));
        assert_eq!(loaded.add_working_days(d(2026, 12, 24), 1), d(2026, 12, 29));
    }

    #[tokio::test]
    async fn load_rejects_bad_service_hours() {
        use sea_orm::ConnectionTrait;
        let db = migrated_db().await;
        db.execute_unprepared("UPDATE service_hours SET closes = '5pm' WHERE weekday = 4").await.unwrap();
        assert!(matches!(load(&db).await, Err(AppError::Internal)));
        db.execute_unprepared("UPDATE service_hours SET closes = '08:00' WHERE weekday = 4").await.unwrap();
        assert!(matches!(load(&db).await, Err(AppError::Internal)));
        db.execute_unprepared("DELETE FROM service_hours").await.unwrap();
        assert!(matches!(load(&db).await, Err(AppError::Internal)));
    }

    #[test]
    fn parses_hhmm_strictly() {
        assert_eq!(parse_hhmm("09:00"), Some(hm(9, 0)));
        assert_eq!(parse_hhmm("16:30"), Some(hm(16, 30)));
        assert_eq!(parse_hhmm("9:00"), None);
        assert_eq!(parse_hhmm("24:00"), None);
        assert_eq!(parse_hhmm("09:60"), None);
        assert_eq!(parse_hhmm("09-00"), None);
        assert_eq!(parse_hhmm("+9:00"), None);
        assert_eq!(parse_hhmm(""), None);
    }
}

/// The calendar, kept in memory for a minute (it is read on every partner update). An admin's
/// holiday edit reaches every instance within that minute; deadlines already stored never move.
#[derive(Default)]
pub struct CalendarCache {
    inner: std::sync::RwLock<Option<(std::time::Instant, std::sync::Arc<Calendar>)>>,
}

impl CalendarCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(60);

    pub async fn get(&self, db: &impl sea_orm::ConnectionTrait) -> AppResult<std::sync::Arc<Calendar>> {
        if let Ok(guard) = self.inner.read()
            && let Some((at, cal)) = guard.as_ref()
            && at.elapsed() < Self::TTL
        {
            return Ok(cal.clone());
        }
        let cal = std::sync::Arc::new(load(db).await?);
        if let Ok(mut guard) = self.inner.write() {
            *guard = Some((std::time::Instant::now(), cal.clone()));
        }
        Ok(cal)
    }
}
