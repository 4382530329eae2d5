//! Reference data: the levels of need and their example indicators.
use crate::context::RequestCtx;
use crate::error::AppResult;
use entity::{level_of_need, need_indicator};
use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

pub struct LevelWithIndicators {
    pub level: level_of_need::Model,
    pub indicators: Vec<need_indicator::Model>,
}

/// The four levels, lowest first, each with its indicators in order.
pub async fn levels_of_need(db: &impl ConnectionTrait, _ctx: &RequestCtx) -> AppResult<Vec<LevelWithIndicators>> {
    let levels = level_of_need::Entity::find().order_by_asc(level_of_need::Column::Ordinal).all(db).await?;
    let indicators = need_indicator::Entity::find().order_by_asc(need_indicator::Column::SortOrder).all(db).await?;
    Ok(levels
        .into_iter()
        .map(|level| {
            let indicators = indicators.iter().filter(|i| i.level == level.level).cloned().collect();
            LevelWithIndicators { level, indicators }
        })
        .collect())
}
