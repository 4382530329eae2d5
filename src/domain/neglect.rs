//! Neglect screening (the child tool and the pre-birth tool): item responses per domain, a score
//! per domain against a concern threshold, and a recommended next step (docs/domain.md §5.2). The
//! Blackpool items are unverified, so items are numbered, not worded; the domains, the scale
//! and the threshold are the rule.
use super::validate::{self, Checks};
use crate::audit;
use crate::auth::policy::{self, Action};
use crate::context::RequestCtx;
use crate::context::{Entry, RecordType};
use crate::error::UserErrorCode;
use crate::error::{AppError, AppResult, FieldError};
use chrono::{NaiveDate, Utc};
use entity::code_enum;
use entity::{enums::AuditAction, neglect_screening};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, prelude::Uuid};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A domain scoring at or above this is a concern (configurable in one place).
pub const CONCERN_THRESHOLD: u32 = 4;
pub const MAX_ITEMS_PER_DOMAIN: usize = 30;
pub const EVIDENCE_MAX: usize = 2_000;

code_enum! {
    /// Which neglect screening tool was used: the child tool or the pre-birth tool.
    NeglectTool {
        /// Babies and children.
        Child = "CHILD",
        /// Unborn babies.
        PreBirth = "PRE_BIRTH",
    }
}

code_enum! {
    /// An area of care a neglect screening scores. The child tool covers `PHYSICAL_CARE`,
    /// `SAFETY`, `EMOTIONAL_CARE` and `DEVELOPMENTAL_CARE`; the pre-birth tool covers
    /// `ANTENATAL_CARE`, `PARENTAL_WELLBEING`, `HOME_ENVIRONMENT` and `SUPPORT_NETWORK`.
    NeglectDomain {
        /// The child's physical care (child tool).
        PhysicalCare = "PHYSICAL_CARE",
        /// The child's safety and supervision (child tool).
        Safety = "SAFETY",
        /// The emotional care and warmth the child receives (child tool).
        EmotionalCare = "EMOTIONAL_CARE",
        /// Care for the child's learning and development (child tool).
        DevelopmentalCare = "DEVELOPMENTAL_CARE",
        /// Care during pregnancy (pre-birth tool).
        AntenatalCare = "ANTENATAL_CARE",
        /// The expectant parents' wellbeing (pre-birth tool).
        ParentalWellbeing = "PARENTAL_WELLBEING",
        /// The home the baby will be born into (pre-birth tool).
        HomeEnvironment = "HOME_ENVIRONMENT",
        /// The support the parents have from family, friends and services (pre-birth tool).
        SupportNetwork = "SUPPORT_NETWORK",
    }
}

code_enum! {
    /// The answer to one item of a neglect screening.
    ItemResponse {
        /// The item applies: 2 points. Evidence is required.
        Applies = "APPLIES",
        /// The item sometimes applies: 1 point. Evidence is required.
        Sometimes = "SOMETIMES",
        /// The item does not apply: no points.
        DoesNotApply = "DOES_NOT_APPLY",
        /// Not known: no points.
        NotKnown = "NOT_KNOWN"
    }
}

code_enum! {
    /// The next step a neglect screening recommends.
    ScreeningOutcome {
        /// No item applies: no indicators of neglect were found.
        NoIndicators = "NO_INDICATORS",
        /// Some indicators below the threshold: an early help assessment is recommended.
        EhaRecommended = "EHA_RECOMMENDED",
        /// A domain at or above the concern threshold: complete a Graded Care Profile 2.
        #[graphql(name = "INDICATORS_FOUND_GCP2_RECOMMENDED")]
        IndicatorsFoundGcp2Recommended = "INDICATORS_FOUND_GCP2_RECOMMENDED",
    }
}

impl NeglectTool {
    /// The domains each tool covers; a screening answers all of them.
    pub fn domains(self) -> &'static [NeglectDomain] {
        match self {
            NeglectTool::Child => &[
                NeglectDomain::PhysicalCare,
                NeglectDomain::Safety,
                NeglectDomain::EmotionalCare,
                NeglectDomain::DevelopmentalCare,
            ],
            NeglectTool::PreBirth => &[
                NeglectDomain::AntenatalCare,
                NeglectDomain::ParentalWellbeing,
                NeglectDomain::HomeEnvironment,
                NeglectDomain::SupportNetwork,
            ],
        }
    }
}

impl ItemResponse {
    fn points(self) -> u32 {
        match self {
            ItemResponse::Applies => 2,
            ItemResponse::Sometimes => 1,
            ItemResponse::DoesNotApply | ItemResponse::NotKnown => 0,
        }
    }

    fn flagged(self) -> bool {
        self.points() > 0
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ItemIn {
    pub item: i32,
    pub response: String,
    pub evidence: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DomainIn {
    pub domain: NeglectDomain,
    pub items: Vec<(i32, ItemResponse, Option<String>)>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DomainScore {
    pub domain: String,
    pub score: u32,
    pub flagged: bool,
}

/// Scores per domain, whether any domain passes the threshold, and the next step.
pub fn score(domains: &[DomainIn], threshold: u32) -> (Vec<DomainScore>, bool, ScreeningOutcome) {
    let scores: Vec<DomainScore> = domains
        .iter()
        .map(|d| {
            let score = d.items.iter().map(|(_, r, _)| r.points()).sum();
            DomainScore { domain: d.domain.code().into(), score, flagged: score >= threshold }
        })
        .collect();
    let flagged = scores.iter().any(|s| s.flagged);
    let any = domains.iter().any(|d| d.items.iter().any(|(_, r, _)| r.flagged()));
    let outcome = if flagged {
        ScreeningOutcome::IndicatorsFoundGcp2Recommended
    } else if any {
        ScreeningOutcome::EhaRecommended
    } else {
        ScreeningOutcome::NoIndicators
    };
    (scores, flagged, outcome)
}

/// The child a screening is about: a child already born (the child tool) or an unborn child
/// (the pre-birth tool, by the expected date of delivery).
#[derive(Debug, Clone)]
pub struct ScreenedChild {
    /// Required for a born child; an unborn child may have none yet.
    pub given_name: Option<String>,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub expected_delivery_date: Option<NaiveDate>,
}

/// The tool must fit the child: the child tool for a child already born, the pre-birth tool
/// for an unborn child. Returns the cleaned child.
fn check_child(c: &mut Checks, tool: NeglectTool, child: &ScreenedChild, today: NaiveDate) -> ScreenedChild {
    let mut out = child.clone();
    out.family_name = c.take(validate::text("input.child.familyName", &child.family_name, 100)).unwrap_or_default();
    out.given_name = match &child.given_name {
        Some(g) if !g.trim().is_empty() => c.take(validate::text("input.child.givenName", g, 100)),
        _ => None,
    };
    match tool {
        NeglectTool::Child => {
            if child.expected_delivery_date.is_some() {
                c.0.push(FieldError::new(
                    "input.child.expectedDeliveryDate",
                    UserErrorCode::Invalid,
                    "the child tool is for a child already born: use the pre-birth tool for an unborn child",
                ));
            }
            match child.date_of_birth {
                None => c.0.push(FieldError::new(
                    "input.child.dateOfBirth",
                    UserErrorCode::Required,
                    "give the child's date of birth",
                )),
                Some(d) => {
                    c.take(validate::not_future("input.child.dateOfBirth", d, today));
                }
            }
            if out.given_name.is_none() {
                c.0.push(FieldError::new("input.child.givenName", UserErrorCode::Required, "give the child's name"));
            }
        }
        NeglectTool::PreBirth => {
            if child.date_of_birth.is_some() {
                c.0.push(FieldError::new(
                    "input.child.dateOfBirth",
                    UserErrorCode::Invalid,
                    "the pre-birth tool is for an unborn child: use the child tool for a child already born",
                ));
            }
            if child.expected_delivery_date.is_none() {
                c.0.push(FieldError::new(
                    "input.child.expectedDeliveryDate",
                    UserErrorCode::Required,
                    "give the expected date of delivery",
                ));
            }
        }
    }
    out
}

/// May a request by `org` naming `children` use this screening, `today`? It must be the
/// organisation's, about one of the request's children (same names and date of birth, or the
/// same family name and expected date of delivery for an unborn child), and completed within
/// `max_age_days`. Whether another request already used it is checked with the write.
pub fn check_use(
    s: &neglect_screening::Model,
    org: Uuid,
    children: &[super::intake::ChildIn],
    today: NaiveDate,
    max_age_days: u32,
) -> Result<(), FieldError> {
    const FIELD: &str = "input.neglectScreeningId";
    if s.organisation_id != org {
        return Err(FieldError::new(FIELD, UserErrorCode::NotFound, "no such neglect screening"));
    }
    if (today - s.completed_on).num_days() > i64::from(max_age_days) {
        return Err(FieldError::new(
            FIELD,
            UserErrorCode::Expired,
            format!("the screening was completed more than {max_age_days} days ago: complete it again"),
        ));
    }
    let key = |s: &str| super::names::key(s);
    let same_child = children.iter().any(|c| {
        let family = s.child_family_name.as_deref().is_some_and(|f| key(f) == key(&c.family_name));
        match (s.child_date_of_birth, s.expected_delivery_date) {
            (Some(dob), _) => {
                family
                    && c.date_of_birth == Some(dob)
                    && s.child_given_name.as_deref().is_some_and(|g| key(g) == key(&c.given_name))
            }
            (None, Some(edd)) => family && c.date_of_birth.is_none() && c.expected_date_of_delivery == Some(edd),
            (None, None) => false,
        }
    });
    if !same_child {
        return Err(FieldError::new(
            FIELD,
            UserErrorCode::Invalid,
            "the screening is about a different child: attach the screening of a child on this request",
        ));
    }
    Ok(())
}

/// The answer when a screening is already attached to another request.
pub fn already_used() -> AppError {
    AppError::invalid(
        "input.neglectScreeningId",
        UserErrorCode::AlreadyUsed,
        "this screening is already attached to another request: complete a new one",
    )
}

/// Records a completed screening of one child for the caller's organisation.
pub async fn submit(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    tool: NeglectTool,
    child: ScreenedChild,
    completed_on: NaiveDate,
    domains: Vec<DomainIn>,
) -> AppResult<neglect_screening::Model> {
    let p = &ctx.principal;
    let org = p.organisation.ok_or(AppError::Forbidden)?;
    let today = Utc::now().date_naive();
    let mut c = Checks::default();
    c.take(validate::not_future("input.completedOn", completed_on, today));
    let child = check_child(&mut c, tool, &child, today);
    let expected = tool.domains();
    let mut domains = domains;
    for (i, d) in domains.iter_mut().enumerate() {
        let f = |n: &str| format!("input.domains.{i}.{n}");
        if !expected.contains(&d.domain) {
            c.0.push(FieldError::new(
                &f("domain"),
                UserErrorCode::Invalid,
                "this domain is not part of the chosen tool",
            ));
        }
        if d.items.is_empty() || d.items.len() > MAX_ITEMS_PER_DOMAIN {
            c.0.push(FieldError::new(
                &f("items"),
                UserErrorCode::Invalid,
                format!("answer 1 to {MAX_ITEMS_PER_DOMAIN} items"),
            ));
        }
        for (j, (_, response, evidence)) in d.items.iter_mut().enumerate() {
            let field = format!("input.domains.{i}.items.{j}.evidence");
            match c.take(validate::opt_long_text(&field, evidence.as_deref(), EVIDENCE_MAX)) {
                Some(None) if response.flagged() => c.0.push(FieldError::new(
                    &field,
                    UserErrorCode::Required,
                    "give the evidence for every item that applies",
                )),
                Some(v) => *evidence = v,
                None => {}
            }
        }
    }
    for want in expected {
        if !domains.iter().any(|d| d.domain == *want) {
            c.0.push(FieldError::new(
                "input.domains",
                UserErrorCode::Required,
                format!("answer the {} domain", want.code()),
            ));
        }
    }
    let mut seen = HashMap::new();
    for d in &domains {
        *seen.entry(d.domain).or_insert(0) += 1;
    }
    if seen.values().any(|n| *n > 1) {
        c.0.push(FieldError::new("input.domains", UserErrorCode::Invalid, "answer each domain once"));
    }
    c.finish()?;
    let (scores, flagged, outcome) = score(&domains, CONCERN_THRESHOLD);
    let responses: Vec<serde_json::Value> = domains
        .iter()
        .map(|d| {
            serde_json::json!({
                "domain": d.domain.code(),
                "items": d.items.iter().map(|(n, r, e)| serde_json::json!({ "item": n, "response": r.code(), "evidence": e })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let now = Utc::now();
    let id = Uuid::now_v7();
    crate::db::transaction(db, async |txn| {
        neglect_screening::Entity::insert(neglect_screening::ActiveModel {
            id: Set(id),
            variant: Set(tool.code().into()),
            completed_by: Set(p.user),
            organisation_id: Set(org),
            completed_on: Set(completed_on),
            responses: Set(serde_json::Value::Array(responses).to_string()),
            domain_scores: Set(serde_json::to_string(&scores).map_err(|_| AppError::Internal)?),
            flagged: Set(flagged),
            outcome: Set(outcome.code().into()),
            created_at: Set(now),
            child_given_name: Set(child.given_name.clone()),
            child_family_name: Set(Some(child.family_name.clone())),
            child_date_of_birth: Set(child.date_of_birth),
            expected_delivery_date: Set(child.expected_delivery_date),
        })
        .exec_without_returning(txn)
        .await?;
        audit::record(txn, ctx, &[Entry::allowed(AuditAction::Create, RecordType::NeglectScreening, id, None)]).await?;
        let stored = neglect_screening::Entity::find_by_id(id).one(txn).await?.ok_or(AppError::Internal)?;
        Ok(stored)
    })
    .await
}

/// One screening inside the caller's scope, audited.
pub async fn get(db: &impl ConnectionTrait, ctx: &RequestCtx, id: Uuid) -> AppResult<neglect_screening::Model> {
    let found = if policy::permits(&ctx.principal, Action::SubmitNeglectScreening) {
        neglect_screening::Entity::find_by_id(id).filter(policy::screening_scope(&ctx.principal)).one(db).await?
    } else {
        None
    };
    match found {
        Some(s) => {
            audit::note(db, ctx, &[Entry::allowed(AuditAction::Read, RecordType::NeglectScreening, s.id, None)])
                .await?;
            Ok(s)
        }
        None => {
            audit::note(db, ctx, &[Entry::denied(AuditAction::Read, RecordType::NeglectScreening, Some(id))]).await?;
            Err(AppError::NotFound)
        }
    }
}

/// Screenings by ID for loaders (scoped; a request's referrer always sees the one they attached).
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, neglect_screening::Model>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = neglect_screening::Entity::find()
        .filter(neglect_screening::Column::Id.is_in(ids.iter().copied()))
        .filter(policy::screening_scope(&ctx.principal))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|s| (s.id, s)).collect())
}

pub fn scores_of(m: &neglect_screening::Model) -> Vec<DomainScore> {
    serde_json::from_str(&m.domain_scores).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(d: NeglectDomain, rs: &[ItemResponse]) -> DomainIn {
        DomainIn {
            domain: d,
            items: rs.iter().enumerate().map(|(i, r)| (i as i32 + 1, *r, Some("seen".into()))).collect(),
        }
    }

    #[test]
    fn scoring_and_outcomes() {
        use ItemResponse::*;
        let none = [domain(NeglectDomain::PhysicalCare, &[DoesNotApply, NotKnown])];
        assert_eq!(score(&none, 4).2, ScreeningOutcome::NoIndicators);
        let some = [domain(NeglectDomain::PhysicalCare, &[Sometimes, Applies, DoesNotApply])];
        let (s, flagged, outcome) = score(&some, 4);
        assert_eq!((s[0].score, flagged, outcome), (3, false, ScreeningOutcome::EhaRecommended));
        let over =
            [domain(NeglectDomain::Safety, &[Applies, Applies]), domain(NeglectDomain::PhysicalCare, &[DoesNotApply])];
        let (s, flagged, outcome) = score(&over, 4);
        assert_eq!((s[0].score, s[0].flagged, s[1].flagged, flagged), (4, true, false, true));
        assert_eq!(outcome, ScreeningOutcome::IndicatorsFoundGcp2Recommended);
    }
}
