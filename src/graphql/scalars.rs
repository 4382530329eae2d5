//! `Date` (ISO 8601 calendar date) — chrono's `NaiveDate` would be named `NaiveDate` in the SDL.
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::NaiveDate;

/// A calendar date, `YYYY-MM-DD`. Dates that do not exist (`2023-02-30`) are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

#[Scalar(name = "Date")]
impl ScalarType for Date {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(s) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        if s.len() != 10 {
            return Err(InputValueError::custom("expected a date as YYYY-MM-DD"));
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Date)
            .map_err(|_| InputValueError::custom("expected an existing date as YYYY-MM-DD"))
    }

    fn is_valid(value: &Value) -> bool {
        matches!(value, Value::String(s) if s.len() == 10 && NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok())
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.format("%Y-%m-%d").to_string())
    }
}
