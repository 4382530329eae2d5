//! Reference data: the levels of need.
use super::req;
use crate::domain;
use async_graphql::{Context, Object, Result, SimpleObject};

pub use entity::enums::Level;

#[derive(SimpleObject)]
pub struct NeedIndicator {
    /// Assessment domain the indicator belongs to.
    pub domain: String,
    pub text: String,
}

#[derive(SimpleObject)]
pub struct LevelOfNeed {
    pub level: Level,
    /// 1 (universal) to 4 (specialist).
    pub ordinal: i32,
    pub name: String,
    pub expected_response: String,
    /// Example indicators: a guide for the referrer, not a checklist.
    pub indicators: Vec<NeedIndicator>,
}

#[derive(Default)]
pub struct ReferenceQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl ReferenceQuery {
    /// The levels of need, lowest first, with their expected response and example indicators.
    async fn levels_of_need(&self, ctx: &Context<'_>) -> Result<Vec<LevelOfNeed>> {
        let r = req(ctx)?;
        let rows = domain::reference::levels_of_need(&r.db, &r.ctx).await?;
        Ok(rows
            .into_iter()
            .map(|l| LevelOfNeed {
                level: l.level.level,
                ordinal: l.level.ordinal,
                name: l.level.name,
                expected_response: l.level.expected_response,
                indicators: l
                    .indicators
                    .into_iter()
                    .map(|i| NeedIndicator { domain: i.domain, text: i.text })
                    .collect(),
            })
            .collect())
    }
}
