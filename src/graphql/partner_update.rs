//! Partner updates and the inbox (alerts about them live in `alert`).
use super::{
    case::Case,
    child::Child,
    directory::Organisation,
    fast::Fast,
    ids::{self, Kind},
    payload::{UserError, split},
    req,
    scalars::Date,
};
use crate::auth::policy::{self};
use crate::domain::{
    self,
    partner_update::{ContactMode, ReviewAction, UnsuccessfulReason, UpdateKind},
};
use async_graphql::{
    Context, ID, InputObject, Object, Result, SimpleObject,
    connection::{Connection, Edge},
};
use chrono::{DateTime, Utc};
use entity::partner_update as pu;

/// An update from a partner agency. Its sender sees what they sent and whether it has been
/// reviewed; only reviewers (the allocated worker, the team's manager, the hub) see whom it
/// matched and how it was reviewed.
/// Shared, not copied: a timeline's rows go from the loader to every list that asked for them.
pub struct PartnerUpdate(pub std::sync::Arc<pu::Model>);

impl From<pu::Model> for PartnerUpdate {
    fn from(m: pu::Model) -> Self {
        PartnerUpdate(std::sync::Arc::new(m))
    }
}

impl From<std::sync::Arc<pu::Model>> for PartnerUpdate {
    fn from(m: std::sync::Arc<pu::Model>) -> Self {
        PartnerUpdate(m)
    }
}

impl PartnerUpdate {
    fn reviewer(ctx: &Context<'_>) -> Result<bool> {
        Ok(policy::may_see_update_matching(&req(ctx)?.ctx.principal))
    }
}

#[Object]
impl PartnerUpdate {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::PartnerUpdate, self.0.id)
    }
    /// The human reference, e.g. `PU-2026-000123`.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    async fn kind(&self) -> UpdateKind {
        UpdateKind::from_code(&self.0.kind).unwrap_or(UpdateKind::Other)
    }
    async fn contact_mode(&self) -> Option<ContactMode> {
        self.0.contact_mode.as_deref().and_then(ContactMode::from_code)
    }
    async fn unsuccessful_reason(&self) -> Option<UnsuccessfulReason> {
        self.0.unsuccessful_reason.as_deref().and_then(UnsuccessfulReason::from_code)
    }
    /// The child as the sender named them.
    async fn child_given_name(&self) -> &str {
        &self.0.child_given_name
    }
    async fn child_family_name(&self) -> &str {
        &self.0.child_family_name
    }
    async fn child_date_of_birth(&self) -> Date {
        Date(self.0.child_date_of_birth)
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    async fn details(&self) -> &str {
        &self.0.details
    }
    /// The sender is concerned.
    async fn concern(&self) -> bool {
        self.0.concern
    }
    async fn received_at(&self) -> DateTime<Utc> {
        self.0.received_at
    }
    /// The check (morning or 15:00, working days) by which it is reviewed.
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    async fn overdue(&self) -> bool {
        domain::partner_update::overdue(&self.0, Utc::now())
    }
    async fn reviewed(&self) -> bool {
        self.0.reviewed_at.is_some()
    }
    async fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.0.reviewed_at
    }
    /// Reviewers only.
    async fn review_action(&self, ctx: &Context<'_>) -> Result<Option<ReviewAction>> {
        Ok(if Self::reviewer(ctx)? { self.0.review_action.as_deref().and_then(ReviewAction::from_code) } else { None })
    }
    /// Reviewers only.
    async fn review_note(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(if Self::reviewer(ctx)? { self.0.review_note.as_deref() } else { None })
    }
    /// Reviewers only: `null` for the sender, who never learns whether a child is known.
    async fn matched(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        Ok(Self::reviewer(ctx)?.then_some(self.0.child_id.is_some()))
    }
    /// The child's record, for those who may see it.
    async fn child(&self, ctx: &Context<'_>) -> Result<Option<Child>> {
        match (self.0.child_id, Self::reviewer(ctx)?) {
            (Some(id), true) => Ok(req(ctx)?.loaders.child.load_one(id).await?.map(Child)),
            _ => Ok(None),
        }
    }
    /// The case it was copied to, for those who may see it.
    async fn case(&self, ctx: &Context<'_>) -> Result<Option<Case>> {
        match (self.0.case_id, Self::reviewer(ctx)?) {
            (Some(id), true) => Ok(req(ctx)?.loaders.case.load_one(id).await?.map(Case)),
            _ => Ok(None),
        }
    }
    async fn sender_organisation(&self, ctx: &Context<'_>) -> Result<Option<Fast<Organisation>>> {
        Ok(req(ctx)?.organisation(self.0.sender_org_id).await?.map(|o| Fast(Organisation(o))))
    }
    /// Send this back as `expectedVersion` when reviewing or matching.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

#[derive(InputObject, Default)]
pub struct PartnerUpdateFilter {
    pub reviewed: Option<bool>,
    /// Unreviewed and past its check.
    pub overdue: Option<bool>,
    pub concern: Option<bool>,
    /// Reviewers only: `false` is the hub's unmatched queue.
    pub matched: Option<bool>,
    /// Reviewers only: the updates about one child (a `Child` ID), within what the caller may see.
    pub child_id: Option<ID>,
}

#[derive(Default)]
pub struct PartnerUpdateQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl PartnerUpdateQuery {
    /// The inbox (soonest due first): reviewers see the updates on their cases, the hub all of
    /// them; senders their own.
    #[graphql(complexity = "super::page_cost(first, child_complexity)")]
    async fn partner_updates(
        &self,
        ctx: &Context<'_>,
        filter: Option<PartnerUpdateFilter>,
        first: i32,
        after: Option<String>,
    ) -> Result<Connection<String, Fast<PartnerUpdate>>> {
        let r = req(ctx)?;
        let f = filter.unwrap_or_default();
        let f = domain::partner_update::InboxFilter {
            reviewed: f.reviewed,
            overdue: f.overdue,
            concern: f.concern,
            matched: f.matched,
            child_id: ids::decode_opt(&f.child_id, Kind::Child, "filter.childId")?,
        };
        let page = domain::partner_update::list(&r.db, &r.ctx, f, first, after.as_deref()).await?;
        let mut c = Connection::new(page.has_previous, page.has_next);
        c.edges = page
            .items
            .into_iter()
            .map(|m| Edge::new(domain::partner_update::inbox_cursor(&m), Fast(PartnerUpdate::from(m))))
            .collect();
        Ok(c)
    }

    /// One update by ID; `NOT_FOUND` when missing or not the caller's to see.
    async fn partner_update(&self, ctx: &Context<'_>, id: ID) -> Result<PartnerUpdate> {
        let r = req(ctx)?;
        let id = ids::decode(&id, Kind::PartnerUpdate, "id")?;
        Ok(domain::partner_update::get(&r.db, &r.ctx, id).await?.into())
    }
}

#[derive(InputObject)]
pub struct SubmitPartnerUpdateInput {
    pub child_given_name: String,
    pub child_family_name: String,
    /// Required, as the mailbox always asked.
    pub child_date_of_birth: Date,
    pub nhs_number: Option<String>,
    /// Unique pupil number.
    pub upn: Option<String>,
    pub kind: UpdateKind,
    /// Required for `CONTACT_WITH_CHILD`.
    pub contact_mode: Option<ContactMode>,
    /// Required for `UNSUCCESSFUL_CONTACT`.
    pub unsuccessful_reason: Option<UnsuccessfulReason>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    pub details: String,
    /// Are you concerned? A concern goes straight to a team manager.
    pub concern: bool,
    /// Does this need an immediate safeguarding response? Then telephone the MASH on
    /// 01253 477299 instead: the update is refused.
    pub needs_immediate_safeguarding_response: bool,
    pub idempotency_key: Option<String>,
}

/// What the sender gets back: the same whether or not the child is known.
#[derive(SimpleObject)]
pub struct SubmitPartnerUpdatePayload {
    pub partner_update: Option<PartnerUpdate>,
    pub user_errors: Vec<UserError>,
}

#[derive(InputObject)]
pub struct ReviewPartnerUpdateInput {
    pub partner_update_id: ID,
    pub action: ReviewAction,
    pub note: Option<String>,
    pub expected_version: i32,
}

#[derive(InputObject)]
pub struct MatchPartnerUpdateInput {
    pub partner_update_id: ID,
    /// A child with an open case.
    pub child_id: ID,
    pub expected_version: i32,
}

#[derive(SimpleObject)]
pub struct PartnerUpdatePayload {
    pub partner_update: Option<PartnerUpdate>,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct PartnerUpdateMutation;

#[Object(guard = "super::Authorized(\"Mutation\")")]
impl PartnerUpdateMutation {
    /// Sends information about a child open to children's social care. Not for anything that
    /// needs an immediate safeguarding response (telephone the MASH on 01253 477299).
    async fn submit_partner_update(
        &self,
        ctx: &Context<'_>,
        input: SubmitPartnerUpdateInput,
    ) -> Result<SubmitPartnerUpdatePayload> {
        let r = req(ctx)?;
        let u = domain::partner_update::UpdateIn {
            given_name: input.child_given_name,
            family_name: input.child_family_name,
            date_of_birth: input.child_date_of_birth.0,
            nhs_number: input.nhs_number,
            upn: input.upn,
            kind: input.kind,
            contact_mode: input.contact_mode,
            unsuccessful_reason: input.unsuccessful_reason,
            occurred_at: input.occurred_at,
            details: input.details,
            concern: input.concern,
            needs_immediate_safeguarding_response: input.needs_immediate_safeguarding_response,
            idempotency_key: input.idempotency_key,
        };
        let s = &r.services;
        let (u, user_errors) =
            split(domain::partner_update::submit(&r.db, &s.bus, &s.calendar, &r.ctx, s.check_times, u).await)?;
        Ok(SubmitPartnerUpdatePayload { partner_update: u.map(PartnerUpdate::from), user_errors })
    }

    /// Records who reviewed an update, when, and what was done (optimistic concurrency).
    async fn review_partner_update(
        &self,
        ctx: &Context<'_>,
        input: ReviewPartnerUpdateInput,
    ) -> Result<PartnerUpdatePayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.partner_update_id, Kind::PartnerUpdate, "input.partnerUpdateId")?;
            domain::partner_update::review(
                &r.db,
                &r.services.bus,
                &r.ctx,
                id,
                input.action,
                input.note,
                input.expected_version,
            )
            .await
        }
        .await;
        let (u, user_errors) = split(result)?;
        Ok(PartnerUpdatePayload { partner_update: u.map(PartnerUpdate::from), user_errors })
    }

    /// Attaches an unmatched update to a child with an open case (hub workers).
    async fn match_partner_update(
        &self,
        ctx: &Context<'_>,
        input: MatchPartnerUpdateInput,
    ) -> Result<PartnerUpdatePayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.partner_update_id, Kind::PartnerUpdate, "input.partnerUpdateId")?;
            let child = ids::decode(&input.child_id, Kind::Child, "input.childId")?;
            domain::partner_update::match_to_child(&r.db, &r.services.bus, &r.ctx, id, child, input.expected_version)
                .await
        }
        .await;
        let (u, user_errors) = split(result)?;
        Ok(PartnerUpdatePayload { partner_update: u.map(PartnerUpdate::from), user_errors })
    }
}
