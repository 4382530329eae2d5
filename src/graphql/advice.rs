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
use entity::advice_consultation;

/// An advice-line consultation: no child, family or address, by design.
pub struct AdviceConsultation(pub advice_consultation::Model);

/// A call to the professionals' advice line, as logged by the hub. By design it holds nothing
/// that identifies a child, a family or an address.
#[Object]
impl AdviceConsultation {
    /// The consultation's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::AdviceConsultation, self.0.id)
    }
    /// When the call was made.
    async fn called_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.called_at.into()
    }
    /// How long the call lasted, in minutes (1 to 600).
    async fn duration_minutes(&self) -> i32 {
        self.0.duration_minutes
    }
    /// The kind of organisation the caller works for.
    async fn caller_agency_type(&self) -> AgencyType {
        self.0.caller_agency_type.into()
    }
    /// The categories of concern discussed; empty when none was recorded.
    async fn concern_categories(&self) -> Vec<ConcernCategory> {
        codes::split(&self.0.concern_categories, ConcernCategory::from_code)
    }
    /// The level of need discussed; `null` when none was.
    async fn level_discussed(&self) -> Option<Level> {
        self.0.level_discussed
    }
    /// A short summary of the concern and the advice given, with nothing that identifies the
    /// family: at most 1,000 characters.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// What the caller was advised to do.
    async fn outcome(&self) -> AdviceOutcome {
        AdviceOutcome::from_code(&self.0.outcome).unwrap_or(AdviceOutcome::AdviceOnly)
    }
    /// Whether the caller was advised to make a request for support.
    async fn request_for_support_advised(&self) -> bool {
        self.0.request_advised
    }
}

/// A call to the advice line, to log. There is no field for a child, a family or an address:
/// leave out anything that would identify them.
#[derive(InputObject)]
pub struct LogAdviceConsultationInput {
    /// When the call was made; not in the future.
    pub called_at: crate::graphql::scalars::DateTime,
    /// How long the call lasted, in minutes: 1 to 600.
    pub duration_minutes: i32,
    /// The kind of organisation the caller works for.
    pub caller_agency_type: AgencyType,
    /// The categories of concern discussed; leave out or empty when none applies. Repeats are
    /// ignored.
    #[graphql(default)]
    pub concern_categories: Vec<ConcernCategory>,
    /// The level of need discussed, if any.
    pub level_discussed: Option<Level>,
    /// A short summary of the concern and the advice given: required, at most 1,000 characters;
    /// line breaks are allowed. No names, dates of birth, addresses, postcodes or NHS numbers: a
    /// summary that looks as if it identifies someone is refused.
    pub summary: String,
    /// What the caller was advised to do.
    pub outcome: AdviceOutcome,
    /// Whether the caller was advised to make a request for support.
    pub request_for_support_advised: bool,
}

/// The result of logging an advice-line consultation: the consultation as stored, or what to
/// fix.
#[derive(SimpleObject)]
pub struct AdviceConsultationPayload {
    /// The consultation as stored; `null` when it was refused.
    pub consultation: Option<AdviceConsultation>,
    /// What to fix before trying again; empty when the consultation was logged.
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
        #[graphql(desc = "How many consultations to return: 1 to 100.")] first: i32,
        #[graphql(desc = "Cursor from the previous page's pageInfo.endCursor; leave out for the first page.")]
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
        #[graphql(desc = "The consultation to log.")] input: LogAdviceConsultationInput,
    ) -> Result<AdviceConsultationPayload> {
        let r = req(ctx)?;
        let c = domain::advice::Consultation {
            called_at: input.called_at.0,
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
