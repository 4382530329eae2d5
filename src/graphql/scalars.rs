//! `Date` (ISO 8601 calendar date) — chrono's `NaiveDate` would be named `NaiveDate` in the SDL —
//! and `DateTime` (an instant, RFC 3339), both with `@specifiedBy` and a description of their own
//! (async-graphql's chrono `DateTime` has neither).
use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use chrono::{NaiveDate, Utc};

/// An instant, written in RFC 3339 with its offset, e.g. `2026-11-20T09:30:00Z`. casegraph
/// answers in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime(pub chrono::DateTime<Utc>);

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(t: chrono::DateTime<Utc>) -> Self {
        DateTime(t)
    }
}

/// An instant written in RFC 3339 (ISO 8601) with its offset, e.g. `2026-11-20T09:30:00Z` or
/// `2026-11-20T09:30:00+00:00`. casegraph answers in UTC.
#[Scalar(name = "DateTime", specified_by_url = "https://scalars.graphql.org/chillicream/date-time.html")]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        let Value::String(s) = &value else {
            return Err(InputValueError::expected_type(value));
        };
        chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| DateTime(t.with_timezone(&Utc)))
            .map_err(|_| InputValueError::custom("expected an RFC 3339 date and time, e.g. 2026-11-20T09:30:00Z"))
    }

    fn to_value(&self) -> Value {
        // The form async-graphql's chrono scalar wrote, so that answers do not change.
        Value::String(self.0.to_rfc3339())
    }
}

/// A calendar date, `YYYY-MM-DD`. Dates that do not exist (`2023-02-30`) are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Date(pub NaiveDate);

/// A calendar date written `YYYY-MM-DD` (ISO 8601 / RFC 3339 `full-date`), e.g. `2024-03-31`.
/// Dates that do not exist, such as `2023-02-30`, are refused.
#[Scalar(name = "Date", specified_by_url = "https://scalars.graphql.org/andimarek/local-date.html")]
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

/// A JSON object as casegraph sends it: an event's payload, the same as its webhook carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub serde_json::Value);

/// A JSON value (RFC 8259): an event's payload, the same as its webhook's `data`.
#[Scalar(name = "JSON", specified_by_url = "https://www.rfc-editor.org/rfc/rfc8259")]
impl ScalarType for Json {
    fn parse(value: Value) -> InputValueResult<Self> {
        value.into_json().map(Json).map_err(|_| InputValueError::custom("expected JSON"))
    }

    fn to_value(&self) -> Value {
        Value::from_json(self.0.clone()).unwrap_or(Value::Null)
    }
}
