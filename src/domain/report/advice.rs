//! Reports on the advice line: consultations by the caller's organisation type, the concern
//! categories discussed, and the advice given.
use super::{Frame, Kind, MeasureSpec, Tally};
use crate::domain::advice::AdviceOutcome;
use crate::domain::codes::{self, ConcernCategory};
use crate::error::AppResult;
use chrono::{DateTime, Utc};
use entity::advice_consultation as advice;
use entity::enums::AgencyType;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

pub(super) async fn report(db: &impl ConnectionTrait, f: &Frame, kind: Kind) -> AppResult<Tally> {
    let (start, end) = f.range.instants();
    let rows: Vec<(DateTime<Utc>, AgencyType, String, String)> = advice::Entity::find()
        .select_only()
        .columns([
            advice::Column::CalledAt,
            advice::Column::CallerAgencyType,
            advice::Column::ConcernCategories,
            advice::Column::Outcome,
        ])
        .filter(advice::Column::CalledAt.gte(start))
        .filter(advice::Column::CalledAt.lt(end))
        .into_tuple()
        .all(db)
        .await?;
    let columns = match kind {
        Kind::AdviceLineByAgency => Tally::codes(AgencyType::ALL, AgencyType::code),
        Kind::AdviceLineByTopic => Tally::codes(ConcernCategory::ALL, ConcernCategory::code),
        _ => Tally::codes(AdviceOutcome::ALL, AdviceOutcome::code),
    };
    let mut t = Tally::new(f, columns);
    for (at, agency, concerns, outcome) in rows {
        match kind {
            Kind::AdviceLineByAgency => t.count_at(at, agency.code()),
            Kind::AdviceLineByTopic => {
                for c in codes::split(&concerns, ConcernCategory::from_code) {
                    t.count_at(at, c.code());
                }
            }
            _ => t.count_at(at, &outcome),
        }
    }
    if kind == Kind::AdviceLineOutcomes {
        let advised = t.column(AdviceOutcome::RequestForSupportAdvised.code()).into_iter().collect();
        t.measure(MeasureSpec::Ratio { name: "share_advised_to_request_support", num: advised, den: vec![] });
    }
    Ok(t)
}
