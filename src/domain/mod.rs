//! Business rules with no GraphQL in them. Functions take a connection, the request context and
//! plain inputs, ask the policy, and return `AppResult`.
pub mod advice;
pub mod alert;
pub mod audit_trail;
pub mod calendar;
pub mod case;
pub mod child;
pub mod codes;
pub mod contacts;
pub mod directory;
pub mod early_help;
pub mod holidays;
pub mod intake;
pub mod names;
pub mod neglect;
pub mod page;
pub mod partner_update;
pub mod reference;
pub mod report;
pub mod request;
pub mod submission;
pub mod validate;

/// Configured durations the domain's rules take.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// Working days access through a closed case lasts (unrestricted children).
    pub access_grace_working_days: u32,
    /// Days a neglect screening may be used on a request.
    pub screening_max_age_days: u32,
    /// Reports hide counts below this (from 1 to this minus one).
    pub suppression_threshold: u64,
}

impl Default for Rules {
    fn default() -> Self {
        Rules { access_grace_working_days: 20, screening_max_age_days: 90, suppression_threshold: 5 }
    }
}

/// Rows grouped by a key, in their order: what a DataLoader answers for "the X of each Y".
pub fn group_by<T>(
    rows: Vec<T>,
    key: impl Fn(&T) -> sea_orm::prelude::Uuid,
) -> std::collections::HashMap<sea_orm::prelude::Uuid, Vec<T>> {
    let mut out: std::collections::HashMap<_, Vec<T>> = std::collections::HashMap::new();
    for r in rows {
        out.entry(key(&r)).or_default().push(r);
    }
    out
}
