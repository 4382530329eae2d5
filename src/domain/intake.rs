//! The people and consent every intake form describes, and their checks: the children (or
//! unborn children), the household and consent as a state. Requests for support and early help
//! assessments both take them in, so the rules live here once (docs/domain.md §3.2).
use super::validate::{self, Checks};
use crate::error::{FieldError, UserErrorCode};
use chrono::NaiveDate;
use entity::code_enum;
use entity::enums::{Relationship, Sex};

pub const MAX_CHILDREN: usize = 10;

pub const MAX_HOUSEHOLD: usize = 20;

pub const LONG_TEXT_MAX: usize = 10_000;

pub const TEXT_MAX: usize = 5_000;

pub const SHORT_TEXT_MAX: usize = 200;

code_enum! {
    // Consent is a state, never a bare boolean (docs/domain.md §3.2).
    /// Where consent stands: given, refused, not sought, or not required because asking would
    /// put the child at risk. Every status but `GIVEN` needs a reason.
    ConsentStatus {
        /// Consent given to the request and to sharing information.
        Given = "GIVEN",
        /// The family or young person refused (a reason is required).
        Refused = "REFUSED",
        /// Consent was not asked for (a reason is required).
        NotSought = "NOT_SOUGHT",
        /// Seeking consent would put the child at risk or prejudice an investigation
        /// (DPA 2018 Sch.1 para 18; a safeguarding reason is required).
        NotRequiredSafeguarding = "NOT_REQUIRED_SAFEGUARDING",
    }
}

code_enum! {
    /// Who gave consent.
    ConsentGivenBy {
        /// A parent or carer.
        ParentCarer = "PARENT_CARER",
        /// The young person themselves, being of sufficient age and understanding.
        YoungPerson = "YOUNG_PERSON",
        /// Both a parent or carer and the young person.
        Both = "BOTH"
    }
}

code_enum! {
    /// Why consent was not needed for safeguarding reasons: required when the consent status is
    /// `NOT_REQUIRED_SAFEGUARDING`.
    SafeguardingConsentReason {
        /// Significant harm to the child is suspected.
        SignificantHarmSuspected = "SIGNIFICANT_HARM_SUSPECTED",
        /// Asking for consent would increase the risk to the child.
        WouldIncreaseRisk = "WOULD_INCREASE_RISK",
        /// Asking for consent would prejudice an investigation.
        WouldPrejudiceInvestigation = "WOULD_PREJUDICE_INVESTIGATION",
    }
}

#[derive(Debug, Clone)]
pub struct ChildIn {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub expected_date_of_delivery: Option<NaiveDate>,
    pub sex: Sex,
    pub address_line: Option<String>,
    pub postcode: Option<String>,
    pub school_or_setting: Option<String>,
}

#[derive(Debug, Clone)]
pub struct HouseholdIn {
    pub given_name: String,
    pub family_name: String,
    pub relationship: Relationship,
    pub parental_responsibility: bool,
    pub lives_with_child: bool,
}

#[derive(Debug, Clone)]
pub struct ConsentIn {
    pub status: ConsentStatus,
    pub given_by: Option<ConsentGivenBy>,
    pub covers: Option<String>,
    pub reason: Option<String>,
    pub safeguarding_reason: Option<SafeguardingConsentReason>,
    pub date: Option<NaiveDate>,
}

/// How many children a form names: at least one, at most [`MAX_CHILDREN`].
pub fn check_children_count(c: &mut Checks, field: &str, n: usize) {
    if n == 0 {
        c.0.push(FieldError::new(field, UserErrorCode::Required, "name at least one child"));
    }
    if n > MAX_CHILDREN {
        c.0.push(FieldError::new(field, UserErrorCode::TooLong, format!("at most {MAX_CHILDREN} children")));
    }
}

/// How many household members a form names: at most [`MAX_HOUSEHOLD`].
pub fn check_household_count(c: &mut Checks, field: &str, n: usize) {
    if n > MAX_HOUSEHOLD {
        c.0.push(FieldError::new(field, UserErrorCode::TooLong, format!("at most {MAX_HOUSEHOLD} people")));
    }
}

/// The children of a form (`input.children`): their number and each child, returned cleaned.
pub fn check_children(c: &mut Checks, children: &[ChildIn], today: NaiveDate) -> Vec<ChildIn> {
    check_children_count(c, "input.children", children.len());
    children
        .iter()
        .enumerate()
        .take(MAX_CHILDREN)
        .map(|(i, ch)| check_child(c, &format!("input.children.{i}"), ch, today))
        .collect()
}

/// The household of a form (`input.household`): its size and each member, returned cleaned.
pub fn check_household(c: &mut Checks, household: &[HouseholdIn]) -> Vec<HouseholdIn> {
    check_household_count(c, "input.household", household.len());
    household
        .iter()
        .enumerate()
        .take(MAX_HOUSEHOLD)
        .map(|(i, m)| check_household_member(c, &format!("input.household.{i}"), m))
        .collect()
}

/// Checks one child as a referrer or lead practitioner describes them (`prefix` names the
/// field, e.g. `input.children.0`) and returns the child cleaned.
pub fn check_child(c: &mut Checks, prefix: &str, ch: &ChildIn, today: NaiveDate) -> ChildIn {
    let f = |n: &str| format!("{prefix}.{n}");
    let mut o = ch.clone();
    if let Some(v) = c.take(validate::text(&f("givenName"), &ch.given_name, validate::NAME_MAX)) {
        o.given_name = v;
    }
    if let Some(v) = c.take(validate::text(&f("familyName"), &ch.family_name, validate::NAME_MAX)) {
        o.family_name = v;
    }
    match (ch.date_of_birth, ch.expected_date_of_delivery) {
        (Some(d), None) => {
            c.take(validate::not_future(&f("dateOfBirth"), d, today));
        }
        (None, Some(edd)) => {
            if edd < today - chrono::Days::new(31) || edd > today + chrono::Days::new(300) {
                c.0.push(FieldError::new(
                    &f("expectedDateOfDelivery"),
                    UserErrorCode::Invalid,
                    "an expected date of delivery lies between a month ago and ten months ahead",
                ));
            }
        }
        (Some(_), Some(_)) => c.0.push(FieldError::new(
            &f("dateOfBirth"),
            UserErrorCode::Invalid,
            "give a date of birth or, for an unborn child, an expected date of delivery: not both",
        )),
        (None, None) => c.0.push(FieldError::new(
            &f("dateOfBirth"),
            UserErrorCode::Required,
            "give a date of birth or, for an unborn child, an expected date of delivery",
        )),
    }
    o.address_line =
        c.take(validate::opt_text(&f("addressLine"), ch.address_line.as_deref(), SHORT_TEXT_MAX)).flatten();
    o.postcode = c.take(validate::opt_text(&f("postcode"), ch.postcode.as_deref(), 10)).flatten();
    o.school_or_setting =
        c.take(validate::opt_text(&f("schoolOrSetting"), ch.school_or_setting.as_deref(), SHORT_TEXT_MAX)).flatten();
    o
}

/// Checks one household member (`prefix` e.g. `input.household.0`) and returns them cleaned.
pub fn check_household_member(c: &mut Checks, prefix: &str, m: &HouseholdIn) -> HouseholdIn {
    let f = |n: &str| format!("{prefix}.{n}");
    let mut o = m.clone();
    if let Some(v) = c.take(validate::text(&f("givenName"), &m.given_name, validate::NAME_MAX)) {
        o.given_name = v;
    }
    if let Some(v) = c.take(validate::text(&f("familyName"), &m.family_name, validate::NAME_MAX)) {
        o.family_name = v;
    }
    o
}

/// Checks consent as a state with its reasons (docs/domain.md §3.2; `prefix` e.g. `input.consent`)
/// and returns it cleaned. Requests for support and early help assessments share it.
pub fn check_consent(c: &mut Checks, prefix: &str, consent: &ConsentIn, today: NaiveDate) -> ConsentIn {
    let f = |n: &str| format!("{prefix}.{n}");
    let mut out = consent.clone();
    out.covers = c.take(validate::opt_long_text(&f("covers"), consent.covers.as_deref(), TEXT_MAX)).flatten();
    out.reason = c.take(validate::opt_long_text(&f("reason"), consent.reason.as_deref(), TEXT_MAX)).flatten();
    if let Some(d) = consent.date {
        c.take(validate::not_future(&f("date"), d, today));
    }
    match consent.status {
        ConsentStatus::Given if consent.given_by.is_none() => {
            c.0.push(FieldError::new(&f("givenBy"), UserErrorCode::Required, "say who gave consent"))
        }
        ConsentStatus::Refused | ConsentStatus::NotSought if out.reason.is_none() => c.0.push(FieldError::new(
            &f("reason"),
            UserErrorCode::Required,
            "give the reason consent was refused or not sought",
        )),
        ConsentStatus::NotRequiredSafeguarding if consent.safeguarding_reason.is_none() => c.0.push(FieldError::new(
            &f("safeguardingReason"),
            UserErrorCode::Required,
            "say why seeking consent would put the child at risk",
        )),
        _ => {}
    }
    out
}

/// The stored form of consent: for `NOT_REQUIRED_SAFEGUARDING` the reason column holds the
/// safeguarding reason's code, otherwise the free-text reason.
pub fn stored_consent_reason(c: &ConsentIn) -> Option<String> {
    match c.status {
        ConsentStatus::NotRequiredSafeguarding => c.safeguarding_reason.map(|r| r.code().into()),
        _ => c.reason.clone(),
    }
}

/// Reads stored consent columns back (the inverse of [`stored_consent_reason`]).
pub fn consent_from_columns(
    status: &str,
    given_by: Option<&str>,
    covers: Option<&str>,
    reason: Option<&str>,
    date: Option<NaiveDate>,
) -> ConsentIn {
    let status = ConsentStatus::from_code(status).unwrap_or(ConsentStatus::NotSought);
    let safeguarding = status == ConsentStatus::NotRequiredSafeguarding;
    ConsentIn {
        status,
        given_by: given_by.and_then(ConsentGivenBy::from_code),
        covers: covers.map(str::to_string),
        reason: if safeguarding { None } else { reason.map(str::to_string) },
        safeguarding_reason: if safeguarding { reason.and_then(SafeguardingConsentReason::from_code) } else { None },
        date,
    }
}
