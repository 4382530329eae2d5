//! Input checks shared by every operation: bounded, printable strings and sensible dates.
use crate::error::FieldError;
use crate::error::UserErrorCode;
use chrono::NaiveDate;

/// Longest name (given or family) we accept.
pub const NAME_MAX: usize = 100;

fn forbidden_char(c: char) -> bool {
    // Control characters (NUL included) and the bidi overrides used to disguise text.
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// A required single-line string: trimmed, not blank, at most `max` characters, no control or
/// bidi characters.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(FieldError::new(field, UserErrorCode::TooLong, format!("must be at most {max} characters")));
    }
    if v.is_empty() {
        return Err(FieldError::new(field, UserErrorCode::Required, "must not be blank"));
    }
    if v.chars().any(|c| forbidden_char(c) || c == '\n' || c == '\t') {
        return Err(FieldError::new(field, UserErrorCode::Invalid, "contains control characters"));
    }
    Ok(v.to_string())
}

/// An optional string under the same rules; blank counts as absent.
pub fn opt_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match value {
        Some(v) if !v.trim().is_empty() => text(field, v, max).map(Some),
        _ => Ok(None),
    }
}

/// Required free text (concerns, views, rationale): line breaks and tabs allowed, other control
/// and bidi characters refused, at most `max` characters.
pub fn long_text(field: &str, value: &str, max: usize) -> Result<String, FieldError> {
    let v = value.trim();
    if v.chars().count() > max {
        return Err(FieldError::new(field, UserErrorCode::TooLong, format!("must be at most {max} characters")));
    }
    if v.is_empty() {
        return Err(FieldError::new(field, UserErrorCode::Required, "must not be blank"));
    }
    if v.chars().any(forbidden_char) {
        return Err(FieldError::new(field, UserErrorCode::Invalid, "contains control characters"));
    }
    Ok(v.replace("\r\n", "\n"))
}

/// Optional free text; blank counts as absent.
pub fn opt_long_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match value {
        Some(v) if !v.trim().is_empty() => long_text(field, v, max).map(Some),
        _ => Ok(None),
    }
}

/// A date that must not lie after `today` (a date of birth, a closure date).
pub fn not_future(field: &str, date: NaiveDate, today: NaiveDate) -> Result<NaiveDate, FieldError> {
    if date > today {
        return Err(FieldError::new(field, UserErrorCode::InFuture, "must not be in the future"));
    }
    Ok(date)
}

/// Collects field errors so one response names every bad field at once.
#[derive(Default)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn finish(self) -> crate::error::AppResult<()> {
        if self.0.is_empty() { Ok(()) } else { Err(crate::error::AppError::Invalid(self.0)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules() {
        assert_eq!(text("f", "  Alpha ", 10).unwrap(), "Alpha");
        assert_eq!(text("f", "", 10).unwrap_err().code, UserErrorCode::Required);
        assert_eq!(text("f", "x".repeat(11).as_str(), 10).unwrap_err().code, UserErrorCode::TooLong);
        assert_eq!(text("f", "a\u{0}b", 10).unwrap_err().code, UserErrorCode::Invalid);
        assert_eq!(text("f", "a\u{202E}b", 10).unwrap_err().code, UserErrorCode::Invalid);
        assert_eq!(text("a.b", "", 10).unwrap_err().field, vec!["a", "b"]);
        assert_eq!(long_text("f", "line one\nline two", 100).unwrap(), "line one\nline two");
        assert!(text("f", "line one\nline two", 100).is_err());
        assert_eq!(long_text("f", "a\u{7}b", 100).unwrap_err().code, UserErrorCode::Invalid);
    }

    #[test]
    fn future_dates() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        assert!(not_future("d", today, today).is_ok());
        assert!(not_future("d", today.succ_opt().unwrap(), today).is_err());
    }
}
