//! The numbers a partner needs before and beside casegraph: the MASH for a child at immediate
//! risk of significant harm (docs/domain.md R6) and the professionals' advice line with its
//! hours, which are the hub's (R9, §3.5), and whether it is open now. Portals show them on every
//! page that leads to a request.
use super::calendar::{Calendar, CalendarCache};
use crate::error::AppResult;
use chrono::{DateTime, NaiveTime, Utc, Weekday};

/// The Request for Support Hub's MASH line: a child at immediate risk of significant harm is
/// reported here by phone, now, never by a written request.
pub const MASH_PHONE: &str = "01253 477299";

/// The professionals-only advice line (not a way to request support).
pub const ADVICE_LINE_PHONE: &str = "01253 478959";

/// What each line is called and when to use it, in words a portal can show as they are.
pub const MASH_NAME: &str = "Request for Support Hub (MASH)";
pub const MASH_PURPOSE: &str =
    "A child at immediate risk of significant harm: telephone now. Never by a written request.";
pub const ADVICE_LINE_NAME: &str = "Professionals' advice line";
pub const ADVICE_LINE_PURPOSE: &str = "Advice for professionals about a concern. It is not a way to request support.";

/// The advice line as a partner sees it.
#[derive(Debug, Clone)]
pub struct AdviceLine {
    pub phone: &'static str,
    /// (weekday, opens, closes), London time, Monday first.
    pub hours: Vec<(Weekday, NaiveTime, NaiveTime)>,
    pub open_now: bool,
    /// When it next opens (now, if open).
    pub next_open: DateTime<Utc>,
}

/// The advice line's hours and state at `now`, from the working-day calendar.
pub fn advice_line(calendar: &Calendar, now: DateTime<Utc>) -> AdviceLine {
    AdviceLine {
        phone: ADVICE_LINE_PHONE,
        hours: calendar.weekly_hours(),
        open_now: calendar.is_open_at(now),
        next_open: calendar.next_working_time(now),
    }
}

/// The advice line now, with the calendar from the cache.
pub async fn advice_line_now(db: &impl sea_orm::ConnectionTrait, cache: &CalendarCache) -> AppResult<AdviceLine> {
    Ok(advice_line(&*cache.get(db).await?, Utc::now()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::ServiceHours;

    #[test]
    fn open_within_the_hubs_hours_on_working_days() {
        let cal = Calendar::new([chrono::NaiveDate::from_ymd_opt(2026, 12, 25).unwrap()], ServiceHours::hub());
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // Thursday 26 November 2026, 10:00 GMT: open.
        assert!(advice_line(&cal, at("2026-11-26T10:00:00Z")).open_now);
        // Friday 27 November, 16:45: Friday closes at 16:30.
        let fri = advice_line(&cal, at("2026-11-27T16:45:00Z"));
        assert!(!fri.open_now);
        assert_eq!(fri.next_open, at("2026-11-30T09:00:00Z"), "Monday 09:00");
        // Christmas Day is a bank holiday.
        assert!(!advice_line(&cal, at("2026-12-25T10:00:00Z")).open_now);
        let hours = advice_line(&cal, at("2026-11-26T10:00:00Z")).hours;
        assert_eq!(hours.len(), 5);
        assert_eq!(
            hours[4],
            (Weekday::Fri, NaiveTime::from_hms_opt(9, 0, 0).unwrap(), NaiveTime::from_hms_opt(16, 30, 0).unwrap())
        );
    }
}
