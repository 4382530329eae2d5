//! Staff, teams, organisations and the viewer.
use super::{
    ids::{self, Kind},
    req,
};
use crate::auth::Role;
use async_graphql::{Context, Enum, ID, Object, Result};
use entity::{organisation, staff, team};

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "entity::enums::AgencyType")]
pub enum AgencyType {
    LaChildrensSocialCare,
    LaEarlyHelp,
    School,
    EarlyYears,
    PupilWelfare,
    Gp,
    HealthVisitor,
    SchoolNurse,
    Midwife,
    Camhs,
    DrugService,
    Housing,
    YouthJustice,
    Police,
    Probation,
    Prison,
    ChildrensCentre,
    Fire,
    VoluntarySector,
}

/// A partner agency or a service of the council.
pub struct Organisation(pub organisation::Model);

#[Object]
impl Organisation {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Organisation, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn agency_type(&self) -> AgencyType {
        self.0.agency_type.into()
    }
}

pub struct Team(pub team::Model);

#[Object]
impl Team {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Team, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(req(ctx)?.organisation(self.0.organisation_id).await?.map(Organisation))
    }
}

/// A member of staff (or a service account) as other staff see them.
pub struct Staff(pub staff::Model);

#[Object]
impl Staff {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Staff, self.0.id)
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn roles(&self) -> Vec<Role> {
        crate::auth::stored_roles(&self.0.roles)
    }
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Team>> {
        match self.0.team_id {
            Some(t) => Ok(req(ctx)?.loaders.team.load_one(t).await?.map(Team)),
            None => Ok(None),
        }
    }
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        Ok(req(ctx)?.organisation(self.0.organisation_id).await?.map(Organisation))
    }
}

/// Who the token says the caller is.
pub struct Viewer;

#[Object]
impl Viewer {
    /// The caller's own staff (or service account) ID.
    async fn id(&self, ctx: &Context<'_>) -> Result<ID> {
        Ok(ids::encode(Kind::Staff, req(ctx)?.ctx.principal.user))
    }
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        Ok(req(ctx)?.ctx.principal.roles.clone())
    }
    async fn scopes(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        Ok(req(ctx)?.ctx.principal.scopes.clone())
    }
    async fn organisation(&self, ctx: &Context<'_>) -> Result<Option<Organisation>> {
        let r = req(ctx)?;
        match r.ctx.principal.organisation {
            Some(o) => Ok(r.organisation(o).await?.map(Organisation)),
            None => Ok(None),
        }
    }
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
