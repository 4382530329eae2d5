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
pub mod outbox;
pub mod page;
pub mod partner_update;
pub mod reference;
pub mod report;
pub mod request;
pub mod submission;
pub mod validate;
pub mod webhook;

/// Configured durations the domain's rules take.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// Working days access through a closed case lasts (unrestricted children).
    pub access_grace_working_days: u32,
    /// Days a neglect screening may be used on a request.
    pub screening_max_age_days: u32,
    /// Reports hide counts below this (from 1 to this minus one).
    pub suppression_threshold: u64,
    /// The hub outcomes recorded as a CIN referral rather than a contact (Annex A lists 1 and 3,
    /// the CIN census), one bit per [`request::HubOutcome::ALL`] entry: a local recording rule
    /// (DOMAIN §3.3), so it is configuration.
    pub referral_outcomes: u16,
}

impl Rules {
    /// The default referral outcomes: a child and family assessment or a strategy discussion.
    pub const DEFAULT_REFERRAL_OUTCOMES: &'static str = "CHILD_AND_FAMILY_ASSESSMENT,STRATEGY_DISCUSSION";

    /// Reads a comma-separated list of hub outcome codes into [`Rules::referral_outcomes`].
    pub fn parse_referral_outcomes(s: &str) -> Result<u16, String> {
        let mut bits = 0u16;
        for code in s.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            let i = request::HubOutcome::ALL
                .iter()
                .position(|o| o.code() == code)
                .ok_or_else(|| format!("unknown hub outcome {code:?}"))?;
            bits |= 1 << i;
        }
        Ok(bits)
    }

    /// Whether a hub outcome (its code) is recorded as a referral.
    pub fn is_referral(&self, outcome: &str) -> bool {
        request::HubOutcome::ALL
            .iter()
            .position(|o| o.code() == outcome)
            .is_some_and(|i| self.referral_outcomes & (1 << i) != 0)
    }
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            access_grace_working_days: 20,
            screening_max_age_days: 90,
            suppression_threshold: 5,
            referral_outcomes: Rules::parse_referral_outcomes(Rules::DEFAULT_REFERRAL_OUTCOMES).unwrap_or(0),
        }
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
