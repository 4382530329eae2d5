//! Revocable identity: a verified token speaks for a staff record (or service account) only while
//! that record is active and holds what the token claims. A token's `sub` must be an active
//! record of the token's organisation (and team, when it names one), and its roles and scopes a
//! subset of the record's. Records are cached for a configurable time, so deactivating a person
//! or removing a role takes effect within it without a database read per request.
use super::{Principal, Role, stored_roles};
use crate::error::AppError;
use entity::staff;
use sea_orm::{DatabaseConnection, EntityTrait, prelude::Uuid};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Cached records at most; beyond, the cache starts again (a few thousand staff in all).
const CACHE_MAX: usize = 16_384;

/// What a token is checked against.
#[derive(Debug, Clone)]
struct Record {
    active: bool,
    organisation: Uuid,
    team: Option<Uuid>,
    roles: Vec<Role>,
    scopes: Vec<String>,
}

/// Why a verified token does not speak for anyone (logged only; the client sees 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Revoked {
    #[error("no such staff record or service account")]
    Unknown,
    #[error("the staff record is deactivated")]
    Inactive,
    #[error("the token's organisation or team is not the record's")]
    Elsewhere,
    #[error("the token claims a role or scope the record does not hold")]
    NotHeld,
}

pub struct Identities {
    ttl: Duration,
    cache: Mutex<HashMap<Uuid, (Instant, Option<Record>)>>,
}

impl Identities {
    pub fn new(ttl: Duration) -> Self {
        Identities { ttl, cache: Mutex::new(HashMap::new()) }
    }

    /// Drops what is cached about one record, after a change to it here.
    pub fn forget(&self, user: Uuid) {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).remove(&user);
    }

    /// `Ok(Ok(()))` when the principal's record allows the token; `Ok(Err(why))` when it does not;
    /// `Err` when the record could not be read (the database is down: 503, not 401).
    pub async fn check(&self, db: &DatabaseConnection, p: &Principal) -> Result<Result<(), Revoked>, AppError> {
        let cached = {
            let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
            cache.get(&p.user).filter(|(at, _)| at.elapsed() < self.ttl).map(|(_, r)| r.clone())
        };
        let record = match cached {
            Some(r) => r,
            None => {
                let r = staff::Entity::find_by_id(p.user).one(db).await?.map(|s| Record {
                    active: s.active,
                    organisation: s.organisation_id,
                    team: s.team_id,
                    roles: stored_roles(&s.roles),
                    scopes: s.scopes.split_whitespace().map(str::to_string).collect(),
                });
                let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
                if cache.len() >= CACHE_MAX {
                    cache.clear();
                }
                cache.insert(p.user, (Instant::now(), r.clone()));
                r
            }
        };
        Ok(allows(record.as_ref(), p))
    }
}

fn allows(record: Option<&Record>, p: &Principal) -> Result<(), Revoked> {
    let r = record.ok_or(Revoked::Unknown)?;
    if !r.active {
        return Err(Revoked::Inactive);
    }
    if p.organisation.is_some_and(|o| o != r.organisation) || p.team.is_some_and(|t| Some(t) != r.team) {
        return Err(Revoked::Elsewhere);
    }
    if !p.roles.iter().all(|role| r.roles.contains(role)) || !p.scopes.iter().all(|s| r.scopes.contains(s)) {
        return Err(Revoked::NotHeld);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: Vec<Role>, org: Uuid) -> Principal {
        Principal { user: Uuid::nil(), roles, organisation: Some(org), team: None, scopes: vec![], expires_at: 0 }
    }

    #[test]
    fn a_token_may_claim_less_than_the_record_holds_never_more() {
        let org = Uuid::now_v7();
        let r = Record {
            active: true,
            organisation: org,
            team: None,
            roles: vec![Role::PartnerPractitioner, Role::SafeguardingLead],
            scopes: vec![],
        };
        assert_eq!(allows(Some(&r), &principal(vec![Role::PartnerPractitioner], org)), Ok(()));
        assert_eq!(allows(Some(&r), &principal(vec![Role::Admin], org)), Err(Revoked::NotHeld));
        assert_eq!(
            allows(Some(&r), &principal(vec![Role::PartnerPractitioner], Uuid::now_v7())),
            Err(Revoked::Elsewhere)
        );
        assert_eq!(allows(None, &principal(vec![Role::PartnerPractitioner], org)), Err(Revoked::Unknown));
        let off = Record { active: false, ..r };
        assert_eq!(allows(Some(&off), &principal(vec![Role::PartnerPractitioner], org)), Err(Revoked::Inactive));
    }
}
