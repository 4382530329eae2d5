//! `userErrors`: what the user can fix, returned in the payload instead of a top-level error.
use crate::error::UserErrorCode;
use crate::error::{AppError, FieldError};
use async_graphql::SimpleObject;

/// A problem with one input field. `field` is the path to it, e.g. `["input", "childId"]`.
#[derive(SimpleObject, Debug, Clone)]
pub struct UserError {
    /// The path to the input field at fault, e.g. `["input", "childId"]`.
    pub field: Vec<String>,
    /// What is wrong, as a code a client can act on.
    pub code: UserErrorCode,
    /// What is wrong, in plain English, to show next to the field.
    pub message: String,
}

impl From<FieldError> for UserError {
    fn from(e: FieldError) -> Self {
        UserError { field: e.field, code: e.code, message: e.message }
    }
}

/// Splits a domain result into (value, userErrors); other errors stay top-level.
pub fn split<T>(r: Result<T, AppError>) -> async_graphql::Result<(Option<T>, Vec<UserError>)> {
    match r {
        Ok(v) => Ok((Some(v), vec![])),
        Err(AppError::Invalid(errs)) => Ok((None, errs.into_iter().map(UserError::from).collect())),
        Err(e) => Err(e.into()),
    }
}
