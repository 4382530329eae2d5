//! The advice line's log of consultations. Resolvers call `domain::advice`.
use super::{
    connection,
    directory::AgencyType,
    ids::{self, Kind},
    payload::{UserError, split},
    reference::Level,
    req,
};
use crate::domain::{
    self,
    advice::AdviceOutcome,
    codes::{self, ConcernCategory},
    page::PageArgs,
};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject, connection::Connection};
use chrono::{DateTime, Utc};
use entity::advice_consultation;

/// An advice-line consultation: no child, family or address, by design.
pub struct AdviceConsultation(pub advice_consultation::Model);

#[Object]
impl AdviceConsultation {
    async fn id(&self) -> ID {
        ids::encode(Kind::AdviceConsultation, self.0.id)
    }
    async fn called_at(&self) -> DateTime<Utc> {
        self.0.called_at
    }
    async fn duration_minutes(&self) -> i32 {
        self.0.duration_minutes
    }
    async fn caller_agency_type(&self) -> AgencyType {
        self.0.caller_agency_type.into()
    }
    async fn concern_categories(&self) -> Vec<ConcernCategory> {
        codes::split(&self.0.concern_categories, ConcernCategory::from_code)
    }
    async fn level_discussed(&self) -> Option<Level> {
        self.0.level_discussed
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn outcome(&self) -> AdviceOutcome {
        AdviceOutcome::from_code(&self.0.outcome).unwrap_or(AdviceOutcome::AdviceOnly)
    }
    async fn request_for_support_advised(&self) -> bool {
        self.0.request_advised
    }
}

#[derive(InputObject)]
pub struct LogAdviceConsultationInput {
    pub called_at: DateTime<Utc>,
    pub duration_minutes: i32,
    pub caller_agency_type: AgencyType,
    #[graphql(default)]
    pub concern_categories: Vec<ConcernCategory>,
    pub level_discussed: Option<Level>,
    /// No names, dates of birth, addresses, postcodes or NHS numbers.
    pub summary: String,
    pub outcome: AdviceOutcome,
    pub request_for_support_advised: bool,
}

#[derive(SimpleObject)]
pub struct AdviceConsultationPayload {
    pub consultation: Option<AdviceConsultation>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct AdviceQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl AdviceQuery {
    /// The advice line's log, newest first (hub workers).
    #[graphql(complexity = "super::page_cost(first, child_complexity)")]
    async fn advice_consultations(
        &self,
        ctx: &Context<'_>,
        first: i32,
        after: Option<String>,
    ) -> Result<Connection<String, AdviceConsultation>> {
        let r = req(ctx)?;
        let page = PageArgs::parse(first, after.as_deref())?;
        let page = domain::advice::list(&r.db, &r.ctx, &page).await?;
        Ok(connection(page, |m| m.id, AdviceConsultation))
    }
}

#[derive(Default)]
pub struct AdviceMutation;

#[Object(guard = "super::Authorized(\"Mutation\")")]
impl AdviceMutation {
    /// Logs an advice-line consultation (hub workers). It has no field for a child or family.
    async fn log_advice_consultation(
        &self,
        ctx: &Context<'_>,
        input: LogAdviceConsultationInput,
    ) -> Result<AdviceConsultationPayload> {
        let r = req(ctx)?;
        let c = domain::advice::Consultation {
            called_at: input.called_at,
            duration_minutes: input.duration_minutes,
            caller_agency_type: input.caller_agency_type.into(),
            concern_categories: input.concern_categories,
            level_discussed: input.level_discussed,
            summary: input.summary,
            outcome: input.outcome,
            request_for_support_advised: input.request_for_support_advised,
        };
        let (c, user_errors) = split(domain::advice::log(&r.db, &r.ctx, c).await)?;
        Ok(AdviceConsultationPayload { consultation: c.map(AdviceConsultation), user_errors })
    }
}
