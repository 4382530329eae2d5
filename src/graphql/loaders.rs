//! DataLoaders, built fresh for every request (never shared between requests or users, AG-1).
//! They fetch by key through the domain functions, which apply the caller's row scope and write
//! the audit rows: a loader never decides access itself.
use crate::context::RequestCtx;
use crate::domain;
use crate::error::AppError;
use async_graphql::dataloader::{DataLoader, Loader};
use entity::{
    case, case_event, child, early_help_action_review, early_help_change, early_help_child, early_help_factor,
    early_help_household_member, early_help_meeting, early_help_meeting_attendee, early_help_plan_action,
    early_help_referral, early_help_taf_member, household_member, hub_decision, neglect_screening, organisation,
    partner_update, request_child, request_for_support, request_household_member, staff, team,
};
use sea_orm::{DatabaseConnection, prelude::Uuid};
use std::{collections::HashMap, sync::Arc, time::Duration};

#[derive(Clone)]
pub struct Source {
    db: DatabaseConnection,
    ctx: Arc<RequestCtx>,
    organisations: Arc<domain::directory::OrganisationCache>,
}

macro_rules! loader {
    ($name:ident, $value:ty, |$src:ident, $keys:ident| $body:expr) => {
        pub struct $name(Source);

        impl Loader<Uuid> for $name {
            type Value = $value;
            type Error = AppError;

            async fn load(&self, $keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, AppError> {
                let $src = &self.0;
                $body.await
            }
        }
    };
}

loader!(ChildLoader, Arc<child::Model>, |s, keys| async {
    Ok(domain::child::by_ids(&s.db, &s.ctx, keys).await?.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
});
loader!(CaseLoader, case::Model, |s, keys| domain::case::by_ids(&s.db, &s.ctx, keys));
loader!(CasesByChild, Vec<case::Model>, |s, keys| { domain::case::for_children(&s.db, &s.ctx, keys) });
loader!(HouseholdByChild, Vec<household_member::Model>, |s, keys| { domain::child::households(&s.db, &s.ctx, keys) });
loader!(CaseEventsByCase, Vec<case_event::Model>, |s, keys| { domain::case::events_for(&s.db, keys) });
loader!(StaffLoader, staff::Model, |s, keys| { domain::directory::staff_by_ids(&s.db, &s.ctx, keys) });
loader!(TeamLoader, team::Model, |s, keys| { domain::directory::teams_by_ids(&s.db, &s.ctx, keys) });
loader!(OrganisationLoader, organisation::Model, |s, keys| {
    domain::directory::organisations_by_ids(&s.db, &s.organisations, &s.ctx, keys)
});
loader!(RequestChildren, Vec<request_child::Model>, |s, keys| domain::request::children_of(&s.db, &s.ctx, keys));
loader!(RequestHousehold, Vec<request_household_member::Model>, |s, keys| {
    domain::request::household_of(&s.db, &s.ctx, keys)
});
loader!(DecisionByRequest, hub_decision::Model, |s, keys| domain::request::decisions_of(&s.db, &s.ctx, keys));
loader!(CasesByRequest, Vec<case::Model>, |s, keys| domain::request::cases_of(&s.db, &s.ctx, keys));
loader!(ScreeningLoader, neglect_screening::Model, |s, keys| domain::neglect::by_ids(&s.db, &s.ctx, keys));
loader!(PartnerUpdateLoader, partner_update::Model, |s, keys| domain::partner_update::by_ids(&s.db, &s.ctx, keys));
/// One page of a child's timeline, keyed by (child, page size, the previous page's last
/// update, whether to learn if another page follows): the siblings of one list ask with the same size and no cursor, so a caseload's
/// timelines are still one statement. The loader hands each caller a copy of its value: here a
/// list of shared rows, not the rows themselves.
pub struct UpdatesByChild(Source);

/// A page of a child's timeline: the rows shown and whether older ones follow.
pub type TimelineRows = (Vec<Arc<partner_update::Model>>, bool);

impl Loader<(Uuid, u8, Option<Uuid>, bool)> for UpdatesByChild {
    type Value = TimelineRows;
    type Error = AppError;

    async fn load(
        &self,
        keys: &[(Uuid, u8, Option<Uuid>, bool)],
    ) -> Result<HashMap<(Uuid, u8, Option<Uuid>, bool), Self::Value>, AppError> {
        let s = &self.0;
        let mut by_page: HashMap<(u8, Option<Uuid>, bool), Vec<Uuid>> = HashMap::new();
        for (child, first, before, peek) in keys {
            by_page.entry((*first, *before, *peek)).or_default().push(*child);
        }
        let mut out = HashMap::with_capacity(keys.len());
        for ((first, before, peek), children) in by_page {
            let mut pages =
                domain::partner_update::for_children(&s.db, &s.ctx, &children, first.into(), before, peek).await?;
            out.extend(children.iter().map(|c| {
                let page = pages.remove(c).unwrap_or_default();
                ((*c, first, before, peek), (page.items.into_iter().map(Arc::new).collect(), page.has_next))
            }));
        }
        Ok(out)
    }
}
loader!(EhChildren, Vec<early_help_child::Model>, |s, keys| domain::early_help::children_of(&s.db, &s.ctx, keys));
loader!(EhHousehold, Vec<early_help_household_member::Model>, |s, keys| {
    domain::early_help::household_of(&s.db, &s.ctx, keys)
});
loader!(EhFactors, Vec<early_help_factor::Model>, |s, keys| domain::early_help::factors_of(&s.db, &s.ctx, keys));
loader!(EhActions, Vec<early_help_plan_action::Model>, |s, keys| {
    domain::early_help::actions_of(&s.db, &s.ctx, keys)
});
loader!(EhMembers, Vec<early_help_taf_member::Model>, |s, keys| {
    domain::early_help::members_of(&s.db, &s.ctx, keys)
});
loader!(EhMeetings, Vec<early_help_meeting::Model>, |s, keys| { domain::early_help::meetings_of(&s.db, &s.ctx, keys) });
loader!(EhAttendees, Vec<early_help_meeting_attendee::Model>, |s, keys| {
    domain::early_help::attendees_of(&s.db, &s.ctx, keys)
});
loader!(EhReviews, Vec<early_help_action_review::Model>, |s, keys| {
    domain::early_help::reviews_of(&s.db, &s.ctx, keys)
});
loader!(EhChanges, Vec<early_help_change::Model>, |s, keys| domain::early_help::changes_of(&s.db, &s.ctx, keys));
loader!(EhPeople, Vec<staff::Model>, |s, keys| domain::early_help::people_of(&s.db, &s.ctx, keys));
loader!(RequestLoader, request_for_support::Model, |s, keys| domain::request::by_ids(&s.db, &s.ctx, keys));
loader!(RequestsByChild, Vec<request_for_support::Model>, |s, keys| {
    domain::request::for_children(&s.db, &s.ctx, keys)
});
loader!(RequestsByCase, Vec<request_for_support::Model>, |s, keys| domain::request::for_cases(&s.db, &s.ctx, keys));
loader!(ReferralLoader, early_help_referral::Model, |s, keys| domain::early_help::referrals_by_ids(
    &s.db, &s.ctx, keys
));
loader!(ReferralByRequest, early_help_referral::Model, |s, keys| {
    domain::early_help::referrals_of_requests(&s.db, &s.ctx, keys)
});

pub struct Loaders {
    pub child: DataLoader<ChildLoader>,
    pub case: DataLoader<CaseLoader>,
    pub cases_by_child: DataLoader<CasesByChild>,
    pub household: DataLoader<HouseholdByChild>,
    pub case_events: DataLoader<CaseEventsByCase>,
    pub staff: DataLoader<StaffLoader>,
    pub team: DataLoader<TeamLoader>,
    pub organisation: DataLoader<OrganisationLoader>,
    pub request_children: DataLoader<RequestChildren>,
    pub request_household: DataLoader<RequestHousehold>,
    pub decision: DataLoader<DecisionByRequest>,
    pub cases_by_request: DataLoader<CasesByRequest>,
    pub screening: DataLoader<ScreeningLoader>,
    pub partner_update: DataLoader<PartnerUpdateLoader>,
    pub updates_by_child: DataLoader<UpdatesByChild>,
    pub eh_children: DataLoader<EhChildren>,
    pub eh_household: DataLoader<EhHousehold>,
    pub eh_factors: DataLoader<EhFactors>,
    pub eh_actions: DataLoader<EhActions>,
    pub eh_members: DataLoader<EhMembers>,
    pub eh_meetings: DataLoader<EhMeetings>,
    pub eh_attendees: DataLoader<EhAttendees>,
    pub eh_reviews: DataLoader<EhReviews>,
    pub eh_changes: DataLoader<EhChanges>,
    pub eh_people: DataLoader<EhPeople>,
    pub request: DataLoader<RequestLoader>,
    pub requests_by_child: DataLoader<RequestsByChild>,
    pub requests_by_case: DataLoader<RequestsByCase>,
    pub referral: DataLoader<ReferralLoader>,
    pub referral_by_request: DataLoader<ReferralByRequest>,
}

/// No batching window: the siblings of one list all ask in the same poll, so they still share
/// one batch (the statement-count tests hold this), and no request waits on a timer.
const DELAY: Duration = Duration::ZERO;

fn make<L>(l: L) -> DataLoader<L> {
    DataLoader::new(l, tokio::spawn).delay(DELAY)
}

impl Loaders {
    pub fn new(
        db: DatabaseConnection,
        ctx: Arc<RequestCtx>,
        organisations: Arc<domain::directory::OrganisationCache>,
    ) -> Self {
        let s = Source { db, ctx, organisations };
        Loaders {
            child: make(ChildLoader(s.clone())),
            case: make(CaseLoader(s.clone())),
            cases_by_child: make(CasesByChild(s.clone())),
            household: make(HouseholdByChild(s.clone())),
            case_events: make(CaseEventsByCase(s.clone())),
            staff: make(StaffLoader(s.clone())),
            team: make(TeamLoader(s.clone())),
            organisation: make(OrganisationLoader(s.clone())),
            request_children: make(RequestChildren(s.clone())),
            request_household: make(RequestHousehold(s.clone())),
            decision: make(DecisionByRequest(s.clone())),
            cases_by_request: make(CasesByRequest(s.clone())),
            screening: make(ScreeningLoader(s.clone())),
            partner_update: make(PartnerUpdateLoader(s.clone())),
            updates_by_child: make(UpdatesByChild(s.clone())),
            eh_children: make(EhChildren(s.clone())),
            eh_household: make(EhHousehold(s.clone())),
            eh_factors: make(EhFactors(s.clone())),
            eh_actions: make(EhActions(s.clone())),
            eh_members: make(EhMembers(s.clone())),
            eh_meetings: make(EhMeetings(s.clone())),
            eh_attendees: make(EhAttendees(s.clone())),
            eh_reviews: make(EhReviews(s.clone())),
            eh_changes: make(EhChanges(s.clone())),
            eh_people: make(EhPeople(s.clone())),
            request: make(RequestLoader(s.clone())),
            requests_by_child: make(RequestsByChild(s.clone())),
            requests_by_case: make(RequestsByCase(s.clone())),
            referral: make(ReferralLoader(s.clone())),
            referral_by_request: make(ReferralByRequest(s)),
        }
    }
}
