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
    AdviceOutcome {
        AdviceOnly = "ADVICE_ONLY",
        Signposted = "SIGNPOSTED",
        EarlyHelpAdvised = "EARLY_HELP_ADVISED",
        RequestForSupportAdvised = "REQUEST_FOR_SUPPORT_ADVISED",
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

/// Does the text look as if it names a date, a postcode or an NHS number?
pub fn looks_identifying(text: &str) -> bool {
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
    let long_number = digits.as_bytes().windows(10).any(|w| w.iter().all(|c| c.is_ascii_digit()));
    long_number
        || words.iter().any(|w| is_date(w))
        || words.windows(2).any(|p| outward(&p[0]) && inward(&p[1]))
        || words.iter().any(|w| w.len() >= 5 && w.len() <= 7 && outward(&w[..w.len() - 3]) && inward(&w[w.len() - 3..]))
}

pub async fn log(db: &DatabaseConnection, ctx: &RequestCtx, c: Consultation) -> AppResult<advice_consultation::Model> {
    let mut checks = Checks::default();
    let summary = checks.take(validate::long_text("input.summary", &c.summary, SUMMARY_MAX));
    if summary.as_deref().is_some_and(looks_identifying) {
        checks.0.push(FieldError::new(
            "input.summary",
            UserErrorCode::LooksIdentifying,
            "the summary must not hold names, dates of birth, addresses, postcodes or NHS numbers",
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
    }
}
