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

/// Whether ten digits form a valid NHS number: the modulus 11 check digit (weights 10 down to 2
/// on the first nine digits; 11 − remainder is the check digit, 11 counts as 0, 10 is never
/// valid). Synthetic data uses numbers that fail it, so they never match a real child's.
pub fn nhs_number_is_valid(n: &str) -> bool {
    let digits: Vec<u32> = n.chars().filter_map(|c| c.to_digit(10)).collect();
    if digits.len() != 10 || n.chars().count() != 10 {
        return false;
    }
    let sum: u32 = digits[..9].iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => digits[9] == 0,
        10 => false,
        check => digits[9] == check,
    }
}

#[cfg(test)]
mod nhs_tests {
    use super::nhs_number_is_valid as valid;

    #[test]
    fn modulus_11() {
        assert!(valid("9434765919"));
        assert!(valid("4010232137"));
        assert!(!valid("9434765918"), "wrong check digit");
        assert!(!valid("9000000001"), "the benchmark's synthetic numbers fail");
        assert!(!valid("943476591"), "nine digits");
        assert!(!valid("94347659 9"));
    }
}
