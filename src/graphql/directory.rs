//! Staff, teams, organisations and the viewer.
use super::{
    ids::{self, Kind},
    req,
};
use crate::auth::Role;
use async_graphql::{Context, Enum, ID, Object, Result};
use entity::{organisation, staff, team};

/// The type of a partner agency, or of one of the local authority's own services.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::AgencyType")]
pub enum AgencyType {
    /// The local authority's children's social care.
    LaChildrensSocialCare,
    /// The local authority's early help service.
    LaEarlyHelp,
    /// A school, independent schools included.
    School,
    /// An early years setting, such as a nursery or pre-school.
    EarlyYears,
    /// Pupil welfare (education welfare) services.
    PupilWelfare,
    /// A GP practice.
    Gp,
    /// Health visiting.
    HealthVisitor,
    /// School nursing.
    SchoolNurse,
    /// Midwifery.
    Midwife,
    /// Child and adolescent mental health services (CAMHS).
    Camhs,
    /// A drug or alcohol service.
    DrugService,
    /// Housing: the council's housing service or a housing association.
    Housing,
    /// Youth justice (youth offending) services.
    YouthJustice,
    /// The police.
    Police,
    /// The probation service.
    Probation,
    /// A prison.
    Prison,
    /// A children's centre.
    ChildrensCentre,
    /// The fire and rescue service.
    Fire,
    /// A voluntary or community sector organisation.
    VoluntarySector,
}

/// A partner agency or a service of the council.
pub struct Organisation(pub organisation::Model);

/// A partner agency or a service of the council.
#[Object]
impl Organisation {
    /// The organisation's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Organisation, self.0.id)
    }
    /// The organisation's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// What type of agency or service it is.
    async fn agency_type(&self) -> AgencyType {
        self.0.agency_type.into()
    }
}

pub struct Team(pub team::Model);

/// A team of staff within an organisation, such as a children's social care team.
#[Object]
impl Team {
    /// The team's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Team, self.0.id)
    }
    /// The team's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The organisation the team belongs to.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(req(ctx)?.organisation(self.0.organisation_id).await?.map(Organisation))
    }
}

/// A member of staff (or a service account) as other staff see them.
pub struct Staff(pub staff::Model);

/// A member of staff (or a service account) as other staff see them.
#[Object]
impl Staff {
    /// The member of staff's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Staff, self.0.id)
    }
    /// The name to show for them.
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    /// What they may do in casegraph.
    async fn roles(&self) -> Vec<Role> {
        crate::auth::stored_roles(&self.0.roles)
    }
    /// Their team; `null` when they have none.
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Team>> {
        match self.0.team_id {
            Some(t) => Ok(req(ctx)?.loaders.team.load_one(t).await?.map(Team)),
            None => Ok(None),
        }
    }
    /// The organisation they work for.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(req(ctx)?.organisation(self.0.organisation_id).await?.map(Organisation))
    }
}

/// Who the token says the caller is.
pub struct Viewer;

/// The signed-in caller, as their token describes them.
#[Object]
impl Viewer {
    /// The viewer's own global ID (not the staff record's: that is `staff.id`), so that a client
    /// cache never mistakes the viewer for a `Staff` object.
    pub async fn id(&self, ctx: &Context<'_>) -> Result<ID> {
        Ok(ids::encode(Kind::Viewer, req(ctx)?.ctx.principal.user))
    }
    /// The caller's roles, from their token: what they may do.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        Ok(req(ctx)?.ctx.principal.roles.clone())
    }
    /// The scopes the caller's token grants, e.g. `partner_updates:write`: they keep another
    /// agency's system to its agreed purpose.
    async fn scopes(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(req(ctx)?.ctx.principal.scopes.clone())
    }
    /// The organisation the caller acts for; `null` when their token names none.
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let r = req(ctx)?;
        match r.ctx.principal.organisation {
            Some(o) => Ok(r.organisation(o).await?.map(Organisation)),
            None => Ok(None),
        }
    }
    /// The caller's team; `null` when their token names none.
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Team>> {
        let r = req(ctx)?;
        match r.ctx.principal.team {
            Some(t) => Ok(r.loaders.team.load_one(t).await?.map(Team)),
            None => Ok(None),
        }
    }
    /// The caller's staff record, when the token's subject is a known member of staff.
    async fn staff(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        let r = req(ctx)?;
        Ok(r.loaders.staff.load_one(r.ctx.principal.user).await?.map(Staff))
    }
}

#[derive(Default)]
pub struct ViewerQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl ViewerQuery {
    /// The signed-in caller.
    async fn viewer(&self, _ctx: &Context<'_>) -> Result<Viewer> {
        Ok(Viewer)
    }
}
