//! Keyset pagination over UUID v7 keys (time-ordered): `WHERE id > after ORDER BY id LIMIT
//! first + 1`. Never OFFSET. Cursors are opaque to clients.
use crate::error::UserErrorCode;
use crate::error::{AppError, AppResult};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm::prelude::Uuid;

/// Largest page anyone may ask for.
pub const MAX_PAGE: i32 = 100;

#[derive(Debug, Clone, Copy)]
pub struct PageArgs {
    pub first: u64,
    pub after: Option<Uuid>,
}

impl PageArgs {
    /// `first` must be 1..=100; `after` must be a cursor this server issued.
    pub fn parse(first: i32, after: Option<&str>) -> AppResult<Self> {
        if !(1..=MAX_PAGE).contains(&first) {
            return Err(AppError::invalid(
                "first",
                UserErrorCode::Invalid,
                format!("first must be between 1 and {MAX_PAGE}"),
            ));
        }
        let after = match after {
            None => None,
            Some(c) => Some(
                decode_cursor(c)
                    .ok_or_else(|| AppError::invalid("after", UserErrorCode::Invalid, "not a valid cursor"))?,
            ),
        };
        Ok(PageArgs { first: first as u64, after })
    }

    /// Rows to fetch: one more than asked, to learn whether there is a next page.
    pub fn limit(&self) -> u64 {
        self.first + 1
    }
}

#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
    pub has_previous: bool,
}

impl<T> Page<T> {
    /// Trims the extra row fetched by [`PageArgs::limit`].
    pub fn from_rows(mut rows: Vec<T>, args: &PageArgs) -> Self {
        let has_next = rows.len() as u64 > args.first;
        rows.truncate(args.first as usize);
        Page { items: rows, has_next, has_previous: args.after.is_some() }
    }
}

const PREFIX: &[u8] = b"cg1:";

pub fn encode_cursor(id: Uuid) -> String {
    let mut bytes = PREFIX.to_vec();
    bytes.extend_from_slice(id.as_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn decode_cursor(s: &str) -> Option<Uuid> {
    if s.len() > 64 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(s).ok()?;
    let rest = bytes.strip_prefix(PREFIX)?;
    Uuid::from_slice(rest).ok()
}

/// A composite cursor: a tag and parts (IDs, flags, timestamps; never personal data).
pub fn encode_parts(tag: &str, parts: &[&str]) -> String {
    URL_SAFE_NO_PAD.encode(format!("{tag}|{}", parts.join("|")))
}

pub fn decode_parts(tag: &str, s: &str) -> Option<Vec<String>> {
    if s.len() > 200 {
        return None;
    }
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok()?;
    let rest = raw.strip_prefix(tag)?.strip_prefix('|')?;
    Some(rest.split('|').map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trip_and_rejects() {
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor(id)), Some(id));
        assert_eq!(decode_cursor("nope"), None);
        assert_eq!(decode_cursor(&"A".repeat(100)), None);
        assert!(PageArgs::parse(0, None).is_err());
        assert!(PageArgs::parse(101, None).is_err());
        assert!(PageArgs::parse(100, None).is_ok());
        assert!(PageArgs::parse(10, Some("garbage")).is_err());
    }
}
