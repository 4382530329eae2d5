//! Who is calling: a verified bearer token becomes a [`Principal`]. Nothing below the HTTP
//! handler reads headers; the principal travels in the GraphQL context.
pub mod identity;
pub mod jwt;
pub mod policy;

use sea_orm::prelude::Uuid;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The ten roles of docs/design.md §1.
/// A role is only ever taken from the token's own list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, async_graphql::Enum)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// A practitioner in a partner agency (a school, health, the police, housing and so on):
    /// submits requests for support and partner updates, sees their own submissions and the
    /// outcomes fed back, and may lead or take part in early help assessments.
    PartnerPractitioner,
    /// A partner agency's designated safeguarding lead: everything a partner practitioner can do,
    /// and sees every submission made by their own organisation.
    SafeguardingLead,
    /// A social worker in the Request for Support Hub (MASH): triages and decides requests for
    /// support, finds and creates child records, opens cases, matches partner updates that found
    /// no case, and logs advice-line consultations.
    HubWorker,
    /// A social worker in a children's social care team: sees the children and cases allocated to
    /// them or their team, reviews the partner updates on those cases and receives alerts.
    SocialWorker,
    /// A children's social care team manager: sees the whole team's cases, allocates and closes
    /// cases, and receives escalations.
    TeamManager,
    /// An early help practitioner, in the early help service or a partner agency: creates and runs
    /// the early help assessments they lead or belong to.
    EarlyHelpPractitioner,
    /// A performance analyst: aggregated reports only, never a name, date of birth or address.
    Analyst,
    /// A performance officer: the reports, and the statutory child-level extracts (Ofsted Annex A
    /// lists, the CIN census) that carry child IDs, sex, ethnicity and dates of birth.
    PerformanceOfficer,
    /// Another agency's system (a service account): only what its granted scopes allow, always
    /// within its own organisation.
    Integration,
    /// A system administrator: manages organisations, teams and reference data, and reads the
    /// audit trail; never case content.
    Admin,
}

impl Role {
    pub const ALL: [Role; 10] = [
        Role::PartnerPractitioner,
        Role::SafeguardingLead,
        Role::HubWorker,
        Role::SocialWorker,
        Role::TeamManager,
        Role::EarlyHelpPractitioner,
        Role::Analyst,
        Role::PerformanceOfficer,
        Role::Integration,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PartnerPractitioner => "PARTNER_PRACTITIONER",
            Role::SafeguardingLead => "SAFEGUARDING_LEAD",
            Role::HubWorker => "HUB_WORKER",
            Role::SocialWorker => "SOCIAL_WORKER",
            Role::TeamManager => "TEAM_MANAGER",
            Role::EarlyHelpPractitioner => "EARLY_HELP_PRACTITIONER",
            Role::Analyst => "ANALYST",
            Role::PerformanceOfficer => "PERFORMANCE_OFFICER",
            Role::Integration => "INTEGRATION",
            Role::Admin => "ADMIN",
        }
    }

    /// Roles that act for a partner organisation and so must carry an `org` claim.
    pub fn needs_org(self) -> bool {
        matches!(
            self,
            Role::PartnerPractitioner | Role::SafeguardingLead | Role::Integration | Role::EarlyHelpPractitioner
        )
    }

    /// Roles whose row scope is a social-care team, so they must carry a `team` claim.
    pub fn needs_team(self) -> bool {
        matches!(self, Role::SocialWorker | Role::TeamManager)
    }
}

/// The roles a staff record holds, from their stored comma-separated form (unknown names are
/// skipped).
pub fn stored_roles(stored: &str) -> Vec<Role> {
    stored.split(',').filter_map(|r| r.trim().parse().ok()).collect()
}

impl FromStr for Role {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or(())
    }
}

/// The verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// `sub`: the staff record's ID, or a service account's ID.
    pub user: Uuid,
    pub roles: Vec<Role>,
    pub organisation: Option<Uuid>,
    pub team: Option<Uuid>,
    pub scopes: Vec<String>,
    /// Token expiry (seconds since the epoch), used to close live connections on time.
    pub expires_at: u64,
}

impl Principal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }

    /// The roles as stored (comma-separated): the form staff records and audit rows keep.
    pub fn roles_string(&self) -> String {
        self.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")
    }
}
