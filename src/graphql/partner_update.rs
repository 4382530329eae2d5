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
use chrono::Utc;
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

    /// Reviewers, and the local authority's case management system.
    async fn sees_matching(ctx: &Context<'_>) -> Result<bool> {
        let r = req(ctx)?;
        let p = &r.ctx.principal;
        if policy::may_see_update_matching(p) {
            return Ok(true);
        }
        let org_type = match p.organisation {
            Some(org) if policy::permits(p, policy::Action::RecordPartnerUpdates) => {
                r.organisation(org).await?.map(|o| o.agency_type)
            }
            _ => None,
        };
        Ok(policy::sees_update_matching(p, org_type))
    }
}

/// An update from a partner agency about a child open to children's social care. Its sender
/// sees what they sent and whether it has been reviewed; only reviewers (the allocated worker,
/// the team's manager, the hub) see whom it matched and how it was reviewed.
#[Object]
impl PartnerUpdate {
    /// The update's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::PartnerUpdate, self.0.id)
    }
    /// The human reference, e.g. `PU-2026-000123`.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    /// What the update is about: contact with the child, an unsuccessful contact, a change in
    /// services or circumstances, or something else.
    async fn kind(&self) -> UpdateKind {
        UpdateKind::from_code(&self.0.kind).unwrap_or(UpdateKind::Other)
    }
    /// How the contact happened, for `CONTACT_WITH_CHILD`; otherwise `null`.
    async fn contact_mode(&self) -> Option<ContactMode> {
        self.0.contact_mode.as_deref().and_then(ContactMode::from_code)
    }
    /// Why the contact did not happen, for `UNSUCCESSFUL_CONTACT`; otherwise `null`.
    async fn unsuccessful_reason(&self) -> Option<UnsuccessfulReason> {
        self.0.unsuccessful_reason.as_deref().and_then(UnsuccessfulReason::from_code)
    }
    /// The child as the sender named them.
    async fn child_given_name(&self) -> &str {
        &self.0.child_given_name
    }
    /// The child's family name (surname) as the sender gave it.
    async fn child_family_name(&self) -> &str {
        &self.0.child_family_name
    }
    /// The child's date of birth as the sender gave it.
    async fn child_date_of_birth(&self) -> Date {
        Date(self.0.child_date_of_birth)
    }
    /// When what the update reports happened.
    async fn occurred_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.occurred_at.into()
    }
    /// What the sender reported: at most 5,000 characters.
    async fn details(&self) -> &str {
        &self.0.details
    }
    /// The sender is concerned.
    async fn concern(&self) -> bool {
        self.0.concern
    }
    /// When the update was received.
    async fn received_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.received_at.into()
    }
    /// The check (morning or 15:00, working days) by which it is reviewed.
    async fn due_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.due_at.into()
    }
    /// Whether the update is still unreviewed after its check (`dueAt`) has passed.
    async fn overdue(&self) -> bool {
        domain::partner_update::overdue(&self.0, Utc::now())
    }
    /// Whether the update has been reviewed.
    async fn reviewed(&self) -> bool {
        self.0.reviewed_at.is_some()
    }
    /// When the update was reviewed; `null` until then.
    async fn reviewed_at(&self) -> Option<crate::graphql::scalars::DateTime> {
        self.0.reviewed_at.map(Into::into)
    }
    /// What the reviewer did; `null` until reviewed. Reviewers only.
    async fn review_action(&self, ctx: &Context<'_>) -> Result<Option<ReviewAction>> {
        Ok(if Self::reviewer(ctx)? { self.0.review_action.as_deref().and_then(ReviewAction::from_code) } else { None })
    }
    /// The reviewer's note, if any: at most 5,000 characters. Reviewers only.
    async fn review_note(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(if Self::reviewer(ctx)? { self.0.review_note.as_deref() } else { None })
    }
    /// Reviewers and the local authority's case management system only: `null` for the sender,
    /// who never learns whether a child is known.
    async fn matched(&self, ctx: &Context<'_>) -> Result<Option<bool>> {
        Ok(Self::sees_matching(ctx).await?.then_some(self.0.child_id.is_some()))
    }
    /// When the case management system acknowledged copying the update onto the child's record;
    /// `null` until then ("not yet recorded"). Reviewers and that system only.
    async fn recorded_at(&self, ctx: &Context<'_>) -> Result<Option<crate::graphql::scalars::DateTime>> {
        Ok(if Self::sees_matching(ctx).await? { self.0.recorded_at.map(Into::into) } else { None })
    }
    /// The case management system's reference for the entry it made. Reviewers and that system
    /// only.
    async fn record_reference(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        Ok(if Self::sees_matching(ctx).await? { self.0.record_reference.as_deref() } else { None })
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
    /// The organisation that sent the update.
    async fn sender_organisation(&self, ctx: &Context<'_>) -> Result<Option<Fast<Organisation>>> {
        Ok(req(ctx)?.organisation(self.0.sender_org_id).await?.map(|o| Fast(Organisation(o))))
    }
    /// Send this back as `expectedVersion` when reviewing or matching.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// The case management system's acknowledgement that it recorded an update.
#[derive(InputObject)]
pub struct AcknowledgePartnerUpdateRecordedInput {
    /// The update (a `PartnerUpdate` ID).
    pub partner_update_id: ID,
    /// The case management system's reference for the entry it made: at most 100 characters.
    pub record_reference: String,
}

/// Narrows the list of partner updates; a field left out does not narrow it.
#[derive(InputObject, Default)]
pub struct PartnerUpdateFilter {
    /// `true` for reviewed updates only; `false` for those still waiting for review.
    pub reviewed: Option<bool>,
    /// Unreviewed and past its check.
    pub overdue: Option<bool>,
    /// `true` for updates the sender marked as a concern only; `false` for the others.
    pub concern: Option<bool>,
    /// Reviewers only: `false` is the hub's unmatched queue.
    pub matched: Option<bool>,
    /// Reviewers only: the updates about one child (a `Child` ID), within what the caller may see.
    pub child_id: Option<ID>,
    /// Reviewers and the local authority's case management system only: `false` for matched
    /// updates not yet copied onto the child's record ("not yet recorded"), `true` for those
    /// that have been.
    pub recorded: Option<bool>,
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
        #[graphql(desc = "Which updates to list; leave out for every update the caller may see.")] filter: Option<
            PartnerUpdateFilter,
        >,
        #[graphql(desc = "How many updates to return: 1 to 100.")] first: i32,
        #[graphql(desc = "Cursor from the previous page's pageInfo.endCursor; leave out for the first page.")]
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
            recorded: f.recorded,
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
    async fn partner_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The update's global ID.")] id: ID,
    ) -> Result<PartnerUpdate> {
        let r = req(ctx)?;
        let id = ids::decode(&id, Kind::PartnerUpdate, "id")?;
        Ok(domain::partner_update::get(&r.db, &r.ctx, id).await?.into())
    }
}

/// An update about a child open to children's social care. Not for anything that needs an
/// immediate safeguarding response: telephone the MASH on 01253 477299 instead.
#[derive(InputObject)]
pub struct SubmitPartnerUpdateInput {
    /// The child's given (first) name: at most 100 characters.
    pub child_given_name: String,
    /// The child's family name (surname): at most 100 characters.
    pub child_family_name: String,
    /// The child's date of birth; not in the future. Required, as the mailbox always asked.
    pub child_date_of_birth: Date,
    /// The child's NHS number, if known: 10 digits (spaces are ignored).
    pub nhs_number: Option<String>,
    /// Unique pupil number, if known: 13 letters and digits.
    pub upn: Option<String>,
    /// What the update is about.
    pub kind: UpdateKind,
    /// How the contact happened. Required for `CONTACT_WITH_CHILD`.
    pub contact_mode: Option<ContactMode>,
    /// Why the contact did not happen. Required for `UNSUCCESSFUL_CONTACT`.
    pub unsuccessful_reason: Option<UnsuccessfulReason>,
    /// When it happened; not in the future.
    pub occurred_at: crate::graphql::scalars::DateTime,
    /// What happened and what the child's social worker should know: at most 5,000 characters;
    /// line breaks are allowed.
    pub details: String,
    /// Are you concerned? A concern goes straight to a team manager.
    pub concern: bool,
    /// Does this need an immediate safeguarding response? Then telephone the MASH on
    /// 01253 477299 instead: the update is refused.
    pub needs_immediate_safeguarding_response: bool,
    /// A key of your choosing, at most 100 characters, that makes sending again safe: the same
    /// key with the same update returns the update already stored; with a different update it
    /// is refused.
    pub idempotency_key: Option<String>,
}

/// What the sender gets back: the same whether or not the child is known.
#[derive(SimpleObject)]
pub struct SubmitPartnerUpdatePayload {
    /// The update as stored, with its reference and the check it is due by; `null` when it was
    /// refused.
    pub partner_update: Option<PartnerUpdate>,
    /// What to fix before sending again; empty when the update was accepted.
    pub user_errors: Vec<UserError>,
}

/// The review of a partner update: what was done about it.
#[derive(InputObject)]
pub struct ReviewPartnerUpdateInput {
    /// The update reviewed (a `PartnerUpdate` ID).
    pub partner_update_id: ID,
    /// What was done: nothing further, a visit arranged, contact made, or escalated to the team
    /// manager.
    pub action: ReviewAction,
    /// A note on the review, if any: at most 5,000 characters; line breaks are allowed.
    pub note: Option<String>,
    /// The `version` of the update as last read.
    pub expected_version: i32,
}

/// Attaches an unmatched partner update to the child it is about.
#[derive(InputObject)]
pub struct MatchPartnerUpdateInput {
    /// The unmatched update (a `PartnerUpdate` ID).
    pub partner_update_id: ID,
    /// A child with an open case.
    pub child_id: ID,
    /// The `version` of the update as last read.
    pub expected_version: i32,
}

/// The result of reviewing or matching a partner update: the update as it now is, or what to
/// fix.
#[derive(SimpleObject)]
pub struct PartnerUpdatePayload {
    /// The update as it now is; `null` when the change was refused.
    pub partner_update: Option<PartnerUpdate>,
    /// What to fix before trying again; empty when the change was made.
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
        #[graphql(desc = "The update to send.")] input: SubmitPartnerUpdateInput,
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
            occurred_at: input.occurred_at.0,
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
        #[graphql(desc = "The update, what was done and the update's version as last read.")]
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

    /// The local authority's case management system acknowledges that it copied a matched
    /// update onto the child's record (acknowledging again changes nothing). Until then the hub
    /// and the reviewers see it as not yet recorded.
    async fn acknowledge_partner_update_recorded(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The update and the case management system's reference for its entry.")]
        input: AcknowledgePartnerUpdateRecordedInput,
    ) -> Result<PartnerUpdatePayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.partner_update_id, Kind::PartnerUpdate, "input.partnerUpdateId")?;
            domain::partner_update::record_in_case_system(&r.db, &r.ctx, id, input.record_reference).await
        }
        .await;
        let (u, user_errors) = split(result)?;
        Ok(PartnerUpdatePayload { partner_update: u.map(PartnerUpdate::from), user_errors })
    }

    /// Attaches an unmatched update to a child with an open case (hub workers).
    async fn match_partner_update(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The update, the child and the update's version as last read.")]
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
