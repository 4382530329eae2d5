//! The Relay `Node` interface and `node(id:)`, under the same policy as the typed queries.
use super::{
    case::Case,
    child::Child,
    directory::{Organisation, Staff, Team},
    early_help::{EarlyHelpAssessment, EarlyHelpReferral},
    ids::{self, Kind},
    neglect::NeglectScreening,
    partner_update::PartnerUpdate,
    req,
    request::RequestForSupport,
};
use crate::domain;
use crate::error::AppError;
use async_graphql::{Context, ID, Interface, Object, Result};

/// Anything with a global ID. IDs are opaque: do not parse them.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
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
}

#[derive(Default)]
pub struct NodeQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl NodeQuery {
    /// Any object by global ID. What the caller may not see is `NOT_FOUND`, exactly like what
    /// does not exist.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Node> {
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
            Kind::RequestChild
            | Kind::AdviceConsultation
            | Kind::EarlyHelpChild
            | Kind::EarlyHelpHouseholdMember
            | Kind::EarlyHelpFactor
            | Kind::EarlyHelpPlanAction
            | Kind::EarlyHelpMeeting
            | Kind::Alert => None,
        };
        found.ok_or_else(|| AppError::NotFound.into())
    }
}
