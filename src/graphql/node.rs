//! The Relay `Node` interface and `node(id:)`, under the same policy as the typed queries.
use super::{
    advice::AdviceConsultation,
    alert::Alert,
    case::Case,
    child::Child,
    directory::{Organisation, Staff, Team, Viewer},
    early_help::{
        EarlyHelpAssessment, EarlyHelpChild, EarlyHelpFactor, EarlyHelpHouseholdMember, EarlyHelpMeeting,
        EarlyHelpPlanAction, EarlyHelpReferral, Practitioner,
    },
    ids::{self, Kind},
    integration::{WebhookDeadLetter, WebhookSubscription},
    neglect::NeglectScreening,
    partner_update::PartnerUpdate,
    req,
    request::{RequestChild, RequestForSupport},
};
use crate::auth::policy::{self, Action};
use crate::domain;
use crate::error::AppError;
use async_graphql::{Context, ID, Interface, Object, Result};
use sea_orm::EntityTrait;

/// Anything with a global ID: every object type with an `id` implements it, and no two objects
/// of different types share an ID, so a client's normalised cache keys on `id` alone. IDs are
/// opaque: do not parse them.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "The object's global ID, unique across all types."))]
pub enum Node {
    Viewer(Viewer),
    Practitioner(Practitioner),
    Alert(Alert),
    RequestChild(RequestChild),
    AdviceConsultation(AdviceConsultation),
    EarlyHelpChild(EarlyHelpChild),
    EarlyHelpHouseholdMember(EarlyHelpHouseholdMember),
    EarlyHelpFactor(EarlyHelpFactor),
    EarlyHelpPlanAction(EarlyHelpPlanAction),
    EarlyHelpMeeting(EarlyHelpMeeting),
    Child(Child),
    Case(Case),
    Staff(Staff),
    Team(Team),
    Organisation(Organisation),
    RequestForSupport(RequestForSupport),
    NeglectScreening(NeglectScreening),
    PartnerUpdate(PartnerUpdate),
    EarlyHelpAssessment(EarlyHelpAssessment),
    EarlyHelpReferral(EarlyHelpReferral),
    WebhookSubscription(WebhookSubscription),
    WebhookDeadLetter(WebhookDeadLetter),
}

#[derive(Default)]
pub struct NodeQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl NodeQuery {
    /// Any object by global ID (Relay's `node`): `null` with a `NOT_FOUND` error when it does
    /// not exist or the caller may not see it — the two answer alike.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global ID from any `id` field.")] id: ID,
    ) -> Result<Option<Node>> {
        let r = req(ctx)?;
        let Some((kind, uuid)) = ids::decode_any(&id) else {
            return Err(AppError::invalid("id", crate::error::UserErrorCode::Invalid, "not a valid ID").into());
        };
        let l = &r.loaders;
        let found = match kind {
            Kind::Child => Some(Node::Child(domain::child::get(&r.db, &r.ctx, uuid).await?.into())),
            Kind::Case => Some(Node::Case(Case(domain::case::get(&r.db, &r.ctx, uuid).await?))),
            Kind::Staff => l.staff.load_one(uuid).await?.map(|s| Node::Staff(Staff(s))),
            Kind::Team => l.team.load_one(uuid).await?.map(|t| Node::Team(Team(t))),
            Kind::Organisation => l.organisation.load_one(uuid).await?.map(|o| Node::Organisation(Organisation(o))),
            Kind::RequestForSupport => {
                Some(Node::RequestForSupport(domain::request::get(&r.db, &r.ctx, uuid).await?.into()))
            }
            Kind::NeglectScreening => {
                Some(Node::NeglectScreening(NeglectScreening(domain::neglect::get(&r.db, &r.ctx, uuid).await?)))
            }
            Kind::PartnerUpdate => {
                Some(Node::PartnerUpdate(domain::partner_update::get(&r.db, &r.ctx, uuid).await?.into()))
            }
            Kind::EarlyHelpAssessment => {
                Some(Node::EarlyHelpAssessment(domain::early_help::get(&r.db, &r.ctx, uuid).await?.into()))
            }
            Kind::EarlyHelpReferral => {
                l.referral.load_one(uuid).await?.map(|x| Node::EarlyHelpReferral(EarlyHelpReferral(x)))
            }
            Kind::Viewer => (uuid == r.ctx.principal.user).then_some(Node::Viewer(Viewer)),
            Kind::Practitioner => l.staff.load_one(uuid).await?.map(|s| Node::Practitioner(Practitioner(s))),
            Kind::Alert => domain::alert::own(&r.db, &r.ctx, uuid).await?.map(|a| Node::Alert(Alert(a))),
            Kind::RequestChild => match entity::request_child::Entity::find_by_id(uuid).one(&r.db).await? {
                // Visible with its request, and only then.
                Some(rc) => {
                    domain::request::get(&r.db, &r.ctx, rc.request_id).await?;
                    Some(Node::RequestChild(RequestChild(rc)))
                }
                None => None,
            },
            Kind::AdviceConsultation if policy::permits(&r.ctx.principal, Action::AdviceLine) => {
                entity::advice_consultation::Entity::find_by_id(uuid)
                    .one(&r.db)
                    .await?
                    .map(|c| Node::AdviceConsultation(AdviceConsultation(c)))
            }
            Kind::AdviceConsultation => None,
            // Admins only, as `webhookSubscriptions`.
            Kind::WebhookSubscription if policy::permits(&r.ctx.principal, Action::ManageWebhooks) => {
                entity::webhook_subscription::Entity::find_by_id(uuid)
                    .one(&r.db)
                    .await?
                    .map(|s| Node::WebhookSubscription(WebhookSubscription(s)))
            }
            Kind::WebhookDeadLetter if policy::permits(&r.ctx.principal, Action::ManageWebhooks) => {
                entity::webhook_dead_letter::Entity::find_by_id(uuid)
                    .one(&r.db)
                    .await?
                    .map(|d| Node::WebhookDeadLetter(WebhookDeadLetter(d)))
            }
            Kind::WebhookSubscription | Kind::WebhookDeadLetter => None,
            Kind::EarlyHelpChild => {
                let row = entity::early_help_child::Entity::find_by_id(uuid).one(&r.db).await?;
                assessment_row(r, row.map(|x| (x.assessment_id, Node::EarlyHelpChild(EarlyHelpChild(x))))).await?
            }
            Kind::EarlyHelpHouseholdMember => {
                let row = entity::early_help_household_member::Entity::find_by_id(uuid).one(&r.db).await?;
                let row = row.map(|x| (x.assessment_id, Node::EarlyHelpHouseholdMember(EarlyHelpHouseholdMember(x))));
                assessment_row(r, row).await?
            }
            Kind::EarlyHelpFactor => {
                let row = entity::early_help_factor::Entity::find_by_id(uuid).one(&r.db).await?;
                assessment_row(r, row.map(|x| (x.assessment_id, Node::EarlyHelpFactor(EarlyHelpFactor(x))))).await?
            }
            Kind::EarlyHelpPlanAction => {
                let row = entity::early_help_plan_action::Entity::find_by_id(uuid).one(&r.db).await?;
                assessment_row(r, row.map(|x| (x.assessment_id, Node::EarlyHelpPlanAction(EarlyHelpPlanAction(x)))))
                    .await?
            }
            Kind::EarlyHelpMeeting => {
                let row = entity::early_help_meeting::Entity::find_by_id(uuid).one(&r.db).await?;
                assessment_row(r, row.map(|x| (x.assessment_id, Node::EarlyHelpMeeting(EarlyHelpMeeting(x))))).await?
            }
        };
        match found {
            Some(node) => Ok(Some(node)),
            None => Err(AppError::NotFound.into()),
        }
    }
}

/// A part of an early help assessment, visible exactly when its assessment is (the read is
/// audited as the assessment's).
async fn assessment_row(r: &super::RequestData, row: Option<(sea_orm::prelude::Uuid, Node)>) -> Result<Option<Node>> {
    let Some((assessment, node)) = row else { return Ok(None) };
    domain::early_help::get(&r.db, &r.ctx, assessment).await?;
    Ok(Some(node))
}
