//! Advice-line consultations: professionals consult a social worker without naming the family
//! (R10). There is no field for a child, a family or an address, and the summary is refused when
//! it looks as if it identifies someone (a date, a postcode, an NHS number).
use super::codes::{self, ConcernCategory};
use super::page::{Page, PageArgs};
use super::validate::{self, Checks};
use crate::audit;
use crate::context::RequestCtx;
use crate::context::{Entry, RecordType};
use crate::error::UserErrorCode;
use crate::error::{AppError, AppResult, FieldError};
use chrono::{DateTime, Utc};
use entity::code_enum;
use entity::{
    advice_consultation,
    enums::{AgencyType, AuditAction, Level},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    prelude::Uuid,
};

pub const SUMMARY_MAX: usize = 1_000;

code_enum! {
    /// What the caller to the advice line was advised to do.
    AdviceOutcome {
        /// The caller was given advice only.
        AdviceOnly = "ADVICE_ONLY",
        /// The caller was signposted to other services.
        Signposted = "SIGNPOSTED",
        /// The caller was advised to offer early help, for example an early help assessment.
        EarlyHelpAdvised = "EARLY_HELP_ADVISED",
        /// The caller was advised to make a request for support to the hub.
        RequestForSupportAdvised = "REQUEST_FOR_SUPPORT_ADVISED",
        /// A child may be at immediate risk of significant harm: the caller was told to
        /// telephone the MASH now.
        PhoneMashNow = "PHONE_MASH_NOW",
    }
}

#[derive(Debug, Clone)]
pub struct Consultation {
    pub called_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub caller_agency_type: AgencyType,
    pub concern_categories: Vec<ConcernCategory>,
    pub level_discussed: Option<Level>,
    pub summary: String,
    pub outcome: AdviceOutcome,
    pub request_for_support_advised: bool,
}

/// Does the text look as if it identifies someone?
pub fn looks_identifying(text: &str) -> bool {
    identifying(text).is_some()
}

/// What in the text looks as if it identifies someone, as a phrase for the user error (never the
/// text itself): a date, a postcode, a long number, a title or relative followed by a name, two
/// capitalised words that are not a known phrase, or a street address.
pub fn identifying(text: &str) -> Option<&'static str> {
    let words: Vec<String> = text
        .split(|c: char| c.is_whitespace() || ",;:()\"'".contains(c))
        .map(|w| w.trim_matches('.').to_uppercase())
        .collect();
    let is_date = |w: &str| {
        let parts: Vec<&str> = w.split(['/', '-', '.']).collect();
        parts.len() == 3 && parts.iter().all(|p| !p.is_empty() && p.len() <= 4 && p.chars().all(|c| c.is_ascii_digit()))
    };
    let outward = |w: &str| {
        let b = w.as_bytes();
        (2..=4).contains(&b.len())
            && b[0].is_ascii_alphabetic()
            && b.iter().any(|c| c.is_ascii_digit())
            && b.iter().all(|c| c.is_ascii_alphanumeric())
    };
    let inward = |w: &str| {
        let b = w.as_bytes();
        b.len() == 3 && b[0].is_ascii_digit() && b[1].is_ascii_alphabetic() && b[2].is_ascii_alphabetic()
    };
    let digits: String = text.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if digits.as_bytes().windows(10).any(|w| w.iter().all(|c| c.is_ascii_digit())) {
        return Some("a long number (an NHS number or a telephone number)");
    }
    if words.iter().any(|w| is_date(w)) {
        return Some("a date");
    }
    if words.windows(2).any(|p| outward(&p[0]) && inward(&p[1]))
        || words.iter().any(|w| w.len() >= 5 && w.len() <= 7 && outward(&w[..w.len() - 3]) && inward(&w[w.len() - 3..]))
    {
        return Some("a postcode");
    }
    names_or_address(text)
}

/// Words that begin a name when a capitalised word follows them.
const TITLES: &[&str] = &["mr", "mrs", "ms", "miss", "mx", "dr"];
const RELATIVES: &[&str] = &[
    "son",
    "daughter",
    "mum",
    "mother",
    "dad",
    "father",
    "brother",
    "sister",
    "nan",
    "nana",
    "grandma",
    "grandmother",
    "grandad",
    "grandfather",
    "stepdad",
    "stepmum",
    "aunt",
    "auntie",
    "uncle",
    "cousin",
    "baby",
    "boyfriend",
    "girlfriend",
    "partner",
    "husband",
    "wife",
    "carer",
    "child",
];
/// Words of street addresses, after a capitalised word ("Mockley Street").
const STREETS: &[&str] = &[
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "close",
    "lane",
    "drive",
    "way",
    "crescent",
    "court",
    "place",
    "grove",
    "terrace",
    "gardens",
    "walk",
    "square",
    "mews",
    "parade",
    "promenade",
    "row",
    "hill",
    "view",
];
/// Capitalised words of the service's own vocabulary: two of them together are a phrase, not a
/// name ("Early Help", "Social Care", "Neglect Protocol", "Primary School").
const KNOWN: &[&str] = &[
    "a",
    "an",
    "the",
    "and",
    "or",
    "of",
    "for",
    "to",
    "in",
    "on",
    "at",
    "by",
    "with",
    "no",
    "not",
    "is",
    "was",
    "has",
    "he",
    "she",
    "they",
    "we",
    "i",
    "it",
    "this",
    "that",
    "school",
    "primary",
    "secondary",
    "academy",
    "college",
    "nursery",
    "team",
    "service",
    "services",
    "health",
    "help",
    "early",
    "social",
    "care",
    "worker",
    "workers",
    "officer",
    "police",
    "hub",
    "advice",
    "line",
    "children",
    "childrens",
    "child",
    "family",
    "families",
    "protection",
    "plan",
    "mental",
    "domestic",
    "abuse",
    "neglect",
    "protocol",
    "assessment",
    "blackpool",
    "lancashire",
    "council",
    "nurse",
    "visitor",
    "gp",
    "housing",
    "youth",
    "justice",
    "nhs",
    "camhs",
    "mash",
    "safeguarding",
    "lead",
    "designated",
    "head",
    "teacher",
    "year",
    "reception",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "christmas",
    "easter",
    "term",
    "working",
    "well",
    "universal",
    "plus",
    "intensive",
    "specialist",
    "level",
    "request",
    "support",
    "referral",
    "strategy",
    "discussion",
    "conference",
    "meeting",
    "around",
    "tac",
    "taf",
    "eha",
    "sen",
    "send",
    "ehcp",
    "a&e",
    "hospital",
    "ward",
    "midwife",
    "midwifery",
    "centre",
    "trust",
    "probation",
    "prison",
    "drug",
    "alcohol",
    "mum",
    "dad",
];

/// A word as written, its letters only, lower-cased; and whether it begins with a capital.
fn word_shapes(text: &str) -> Vec<(String, bool)> {
    text.split(|c: char| c.is_whitespace() || ",;:()\"".contains(c))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .map(|w| {
            let capital = w.chars().next().is_some_and(char::is_uppercase) && w.chars().skip(1).any(char::is_lowercase);
            (w.to_lowercase(), capital)
        })
        .collect()
}

/// Names and addresses: a title or relative followed by a capitalised word, two capitalised words
/// that are not the service's own vocabulary, or a capitalised word before a street word.
fn names_or_address(text: &str) -> Option<&'static str> {
    let w = word_shapes(text);
    let known = |s: &str| KNOWN.contains(&s);
    for p in w.windows(2) {
        let ((a, _), (b, b_cap)) = (&p[0], &p[1]);
        if *b_cap && TITLES.contains(&a.as_str()) {
            return Some("a title followed by a name");
        }
        if *b_cap && RELATIVES.contains(&a.as_str()) && !known(b) {
            return Some("a relative followed by a name");
        }
        if p[0].1 && STREETS.contains(&b.as_str()) && !known(a) {
            return Some("a street address");
        }
        if p[0].1 && *b_cap && !known(a) && !known(b) && !STREETS.contains(&b.as_str()) {
            return Some("two capitalised words that look like a name");
        }
    }
    None
}

/// Whether the text names, as two words in a row, a child on record (by the name keys that
/// search and matching use).
pub async fn names_a_child_on_record(db: &impl ConnectionTrait, text: &str) -> AppResult<bool> {
    use entity::child;
    let keys: Vec<String> = word_shapes(text).into_iter().map(|(w, _)| super::names::key(&w)).collect();
    let pairs: Vec<(String, String)> = keys
        .windows(2)
        .filter(|p| !p[0].is_empty() && !p[1].is_empty())
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect();
    if pairs.is_empty() {
        return Ok(false);
    }
    let mut any = sea_orm::Condition::any();
    for (given, family) in pairs.iter().take(200) {
        any = any.add(
            sea_orm::Condition::all()
                .add(child::Column::FamilyKey.eq(family.as_str()))
                .add(child::Column::GivenKey.eq(given.as_str())),
        );
    }
    Ok(child::Entity::find()
        .select_only()
        .column(child::Column::Id)
        .filter(any)
        .into_tuple::<Uuid>()
        .one(db)
        .await?
        .is_some())
}

pub async fn log(db: &DatabaseConnection, ctx: &RequestCtx, c: Consultation) -> AppResult<advice_consultation::Model> {
    let mut checks = Checks::default();
    let summary = checks.take(validate::long_text("input.summary", &c.summary, SUMMARY_MAX));
    let what = match summary.as_deref() {
        Some(text) => match identifying(text) {
            Some(what) => Some(what),
            None if names_a_child_on_record(db, text).await? => Some("the full name of a child on record"),
            None => None,
        },
        None => None,
    };
    if let Some(what) = what {
        checks.0.push(FieldError::new(
            "input.summary",
            UserErrorCode::LooksIdentifying,
            format!(
                "the summary looks as if it identifies someone ({what}): describe the concern without names, \
                 dates of birth, addresses, postcodes or NHS numbers"
            ),
        ));
    }
    if !(1..=600).contains(&c.duration_minutes) {
        checks.0.push(FieldError::new("input.durationMinutes", UserErrorCode::Invalid, "between 1 and 600 minutes"));
    }
    if c.called_at > Utc::now() + chrono::Duration::minutes(5) {
        checks.0.push(FieldError::new("input.calledAt", UserErrorCode::InFuture, "must not be in the future"));
    }
    checks.finish()?;
    let mut cats = c.concern_categories.clone();
    cats.sort_by_key(|c| c.code());
    cats.dedup();
    let id = Uuid::now_v7();
    crate::db::transaction(db, async |txn| {
        advice_consultation::Entity::insert(advice_consultation::ActiveModel {
            id: Set(id),
            logged_by: Set(ctx.principal.user),
            called_at: Set(c.called_at),
            duration_minutes: Set(c.duration_minutes),
            caller_agency_type: Set(c.caller_agency_type),
            concern_categories: Set(codes::join(&cats, ConcernCategory::code)),
            level_discussed: Set(c.level_discussed),
            summary: Set(summary.unwrap_or_default()),
            outcome: Set(c.outcome.code().into()),
            request_advised: Set(c.request_for_support_advised),
            created_at: Set(Utc::now()),
        })
        .exec_without_returning(txn)
        .await?;
        audit::record(txn, ctx, &[Entry::allowed(AuditAction::Create, RecordType::AdviceConsultation, id, None)])
            .await?;
        let stored = advice_consultation::Entity::find_by_id(id).one(txn).await?.ok_or(AppError::Internal)?;
        Ok(stored)
    })
    .await
}

/// The hub's log, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    _ctx: &RequestCtx,
    page: &PageArgs,
) -> AppResult<Page<advice_consultation::Model>> {
    let mut q = advice_consultation::Entity::find();
    if let Some(after) = page.after {
        q = q.filter(advice_consultation::Column::Id.lt(after));
    }
    let rows = q.order_by_desc(advice_consultation::Column::Id).limit(page.limit()).all(db).await?;
    Ok(Page::from_rows(rows, page))
}

#[cfg(test)]
mod tests {
    use super::looks_identifying as id;

    #[test]
    fn identifier_patterns() {
        assert!(id("child born 12/03/2019 seems withdrawn"));
        assert!(id("seen on 2024-01-05"));
        assert!(id("lives near FY1 4AB"));
        assert!(id("postcode fy14ab"));
        assert!(id("NHS 943 476 5919"));
        assert!(!id("Teacher worried about attendance and hunger; advised early help assessment."));
        assert!(!id("Year 5 pupil, 3 absences in 2 weeks"));
        // Names and addresses (the advice line's own findings).
        assert!(id("Child is Echo Fixturly, aged 7, seems withdrawn"));
        assert!(id("Mum Sarah Smith says son Jack is not sleeping"));
        assert!(id("son Jack is not sleeping"));
        assert!(id("the family lives on Mockley Street"));
        assert!(id("Mrs Example called the school"));
        assert!(!id(
            "Discussed with the Safeguarding Lead; advised an Early Help Assessment and the Neglect Protocol."
        ));
        assert!(!id("Mum says the GP and Health Visitor are involved; Primary School reports low attendance."));
    }
}
