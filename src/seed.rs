//! Synthetic demo data (docs/domain.md §9): obviously fake names, fictional addresses with
//! impossible postcodes, NHS numbers and UPNs that fail their check digits, dates relative to
//! today. Every row is tagged `synthetic`. Never real children's data.
use crate::auth::Role;
use crate::domain::names;
use chrono::{Days, Months, NaiveDate, Utc};
use entity::{
    case, case_event, child,
    enums::{AgencyType, CaseEventKind, CaseKind, CaseStatus, ClosureReason, Ethnicity, Relationship, Sex},
    household_member, organisation, staff, team,
};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, Set, TransactionTrait, prelude::Uuid};
use std::collections::HashMap;

const NATO: [&str; 26] = [
    "Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliett", "Kilo", "Lima",
    "Mike", "November", "Oscar", "Papa", "Quebec", "Romeo", "Sierra", "Tango", "Uniform", "Victor", "Whiskey", "Xray",
    "Yankee", "Zulu",
];
const FAMILIES: [&str; 10] = [
    "Testwood",
    "Samplefield",
    "Mockley",
    "Dummington",
    "Fixturly",
    "Exampleton",
    "Fakeham",
    "Pretendle",
    "Inventon",
    "Madeupson",
];
const SUFFIX: [&str; 5] = ["", "-Smythe", "-Ray", "-Okoro", "-Lee"];

/// A demo person: handle, display name, organisation key, team key, roles, scopes.
pub type DemoPerson = (&'static str, &'static str, &'static str, Option<&'static str>, &'static [Role], &'static str);

pub const DEMO_STAFF: &[DemoPerson] = &[
    ("hub.worker", "Hub Worker Example", "csc", Some("hub"), &[Role::HubWorker], ""),
    ("hub.worker2", "Hub Worker Sample", "csc", Some("hub"), &[Role::HubWorker], ""),
    ("sw.alpha1", "Social Worker Alpha One", "csc", Some("alpha"), &[Role::SocialWorker], ""),
    ("sw.alpha2", "Social Worker Alpha Two", "csc", Some("alpha"), &[Role::SocialWorker], ""),
    ("tm.alpha", "Team Manager Alpha", "csc", Some("alpha"), &[Role::TeamManager], ""),
    ("sw.bravo1", "Social Worker Bravo One", "csc", Some("bravo"), &[Role::SocialWorker], ""),
    ("tm.bravo", "Team Manager Bravo", "csc", Some("bravo"), &[Role::TeamManager], ""),
    ("partner.school", "Teacher Example", "school", None, &[Role::PartnerPractitioner], ""),
    ("dsl.school", "Safeguarding Lead Example School", "school", None, &[Role::SafeguardingLead], ""),
    ("partner.health", "Health Visitor Example", "health", None, &[Role::PartnerPractitioner], ""),
    ("dsl.health", "Safeguarding Lead Example Health", "health", None, &[Role::SafeguardingLead], ""),
    (
        "ehp.earlyhelp",
        "Early Help Practitioner Example",
        "earlyhelp",
        Some("earlyhelp"),
        &[Role::EarlyHelpPractitioner],
        "",
    ),
    ("eh.manager", "Early Help Manager Example", "earlyhelp", Some("earlyhelp"), &[Role::TeamManager], ""),
    ("analyst", "Performance Analyst Example", "csc", None, &[Role::Analyst], ""),
    ("performance", "Performance Officer Example", "csc", None, &[Role::PerformanceOfficer], ""),
    ("admin", "System Administrator Example", "csc", None, &[Role::Admin], ""),
    (
        "integration.police",
        "Police Case System (service account)",
        "police",
        None,
        &[Role::Integration],
        "partner_updates:write requests:write",
    ),
];

const ORGS: &[(&str, &str, AgencyType)] = &[
    ("csc", "Example Children's Social Care", AgencyType::LaChildrensSocialCare),
    ("earlyhelp", "Example Early Help Service", AgencyType::LaEarlyHelp),
    ("school", "Example Primary School", AgencyType::School),
    ("health", "Example Health Visiting Service", AgencyType::HealthVisitor),
    ("police", "Example Police Division", AgencyType::Police),
    ("housing", "Example Housing Association", AgencyType::Housing),
];

const TEAMS: &[(&str, &str, &str)] = &[
    ("hub", "csc", "Request for Support Hub (Example)"),
    ("alpha", "csc", "Assessment Team Alpha"),
    ("bravo", "csc", "Assessment Team Bravo"),
    ("earlyhelp", "earlyhelp", "Early Help Team Example"),
];

/// An NHS number whose modulus-11 check digit is wrong, so it can never be a real one.
fn invalid_nhs_number(n: u32) -> String {
    let base = format!("999{:06}", n % 1_000_000);
    let sum: u32 = base.chars().zip((2..=10).rev()).map(|(c, w)| c.to_digit(10).unwrap_or(0) * w).sum();
    let check = (11 - sum % 11) % 11;
    let wrong = if check >= 10 { 0 } else { (check + 1) % 10 };
    format!("{base}{wrong}")
}

/// A UPN-shaped string whose check letter cannot be right (`Z` is not a check letter... and
/// the local authority number 999 does not exist).
fn invalid_upn(n: u32) -> String {
    format!("Z999{:09}", n)
}

/// True when the database holds no organisations yet.
pub async fn is_empty(db: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(organisation::Entity::find().count(db).await? == 0)
}

/// Loads the demo data in one transaction. Returns the number of children created.
pub async fn demo(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let now = Utc::now();
    let today = now.date_naive();
    let txn = db.begin().await?;
    let mut org_ids = HashMap::new();
    let orgs: Vec<organisation::ActiveModel> = ORGS
        .iter()
        .map(|(key, name, kind)| {
            let id = Uuid::now_v7();
            org_ids.insert(*key, id);
            organisation::ActiveModel {
                id: Set(id),
                name: Set(name.to_string()),
                agency_type: Set(*kind),
                synthetic: Set(true),
                created_at: Set(now),
            }
        })
        .collect();
    organisation::Entity::insert_many(orgs).exec_without_returning(&txn).await?;
    let mut team_ids = HashMap::new();
    let teams: Vec<team::ActiveModel> = TEAMS
        .iter()
        .map(|(key, org, name)| {
            let id = Uuid::now_v7();
            team_ids.insert(*key, id);
            team::ActiveModel {
                id: Set(id),
                organisation_id: Set(org_ids[org]),
                name: Set(name.to_string()),
                synthetic: Set(true),
                created_at: Set(now),
            }
        })
        .collect();
    team::Entity::insert_many(teams).exec_without_returning(&txn).await?;
    let mut staff_ids = HashMap::new();
    let staff_rows: Vec<staff::ActiveModel> = DEMO_STAFF
        .iter()
        .map(|(handle, name, org, team, roles, scopes)| {
            let id = Uuid::now_v7();
            staff_ids.insert(*handle, id);
            staff::ActiveModel {
                id: Set(id),
                handle: Set(handle.to_string()),
                display_name: Set(name.to_string()),
                organisation_id: Set(org_ids[org]),
                team_id: Set(team.map(|t| team_ids[t])),
                roles: Set(roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(",")),
                scopes: Set(scopes.to_string()),
                active: Set(true),
                synthetic: Set(true),
                created_at: Set(now),
            }
        })
        .collect();
    staff::Entity::insert_many(staff_rows).exec_without_returning(&txn).await?;

    let ethnicities = [
        Ethnicity::Wbri,
        Ethnicity::Mwbc,
        Ethnicity::Aind,
        Ethnicity::Bafr,
        Ethnicity::Woth,
        Ethnicity::Chne,
        Ethnicity::Nobt,
    ];
    let (mut children, mut members, mut cases, mut events) = (vec![], vec![], vec![], vec![]);
    const N: u32 = 50;
    for i in 0..N {
        let given = if i == 25 { "Zoë".to_string() } else { NATO[(i % 26) as usize].to_string() };
        let family = format!("{}{}", FAMILIES[(i % 10) as usize], SUFFIX[(i / 10) as usize]);
        let unborn = i % 17 == 16;
        let dob = (!unborn).then(|| {
            let years = 1 + (i * 7) % 16;
            today
                .checked_sub_months(Months::new(years * 12 + (i % 11)))
                .and_then(|d| d.checked_sub_days(Days::new((i * 3 % 27) as u64)))
                .unwrap_or(today)
        });
        let edd: Option<NaiveDate> = unborn.then(|| today + Days::new(40 + i as u64));
        let restricted = i % 12 == 5;
        let child_id = Uuid::now_v7();
        children.push(child::ActiveModel {
            id: Set(child_id),
            given_key: Set(names::key(&given)),
            family_key: Set(names::key(&family)),
            given_name: Set(given),
            family_name: Set(family.clone()),
            date_of_birth: Set(dob),
            expected_delivery_date: Set(edd),
            sex: Set(if unborn {
                Sex::Unknown
            } else if i % 2 == 0 {
                Sex::Female
            } else {
                Sex::Male
            }),
            ethnicity: Set(Some(ethnicities[(i % 7) as usize])),
            address_line: Set(Some(format!("{} Example Street", i + 1))),
            town: Set(Some("Testtown".into())),
            postcode: Set(Some(format!("ZZ9 {}ZZ", i % 10))),
            nhs_number: Set(Some(invalid_nhs_number(i))),
            upn: Set((!unborn).then(|| invalid_upn(i))),
            restricted: Set(restricted),
            synthetic: Set(true),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        });
        let carers = [
            ("Carer", Relationship::Mother, true),
            ("Partner", Relationship::Father, i % 3 != 0),
            ("Grandcarer", Relationship::Grandparent, i % 4 == 0),
        ];
        for (n, (given, rel, present)) in carers.into_iter().enumerate() {
            if !present {
                continue;
            }
            members.push(household_member::ActiveModel {
                id: Set(Uuid::now_v7()),
                child_id: Set(child_id),
                given_name: Set(format!("Sample {given}")),
                family_name: Set(family.clone()),
                relationship: Set(rel),
                date_of_birth: Set(today.checked_sub_months(Months::new((25 + 30 * n as u32 + i % 9) * 12))),
                lives_with_child: Set(n < 2),
                parental_responsibility: Set(n < 2),
                synthetic: Set(true),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        // Cases: restricted children are always open and allocated to sw.alpha1; otherwise six
        // in ten open (a few unallocated), two in ten closed, two in ten never opened.
        let (team_key, worker, status) = if restricted {
            ("alpha", Some("sw.alpha1"), Some(CaseStatus::Open))
        } else {
            let team_key = if i % 2 == 0 { "alpha" } else { "bravo" };
            let worker = match (team_key, i % 7 == 0) {
                (_, true) => None,
                ("alpha", _) => Some(if i % 4 == 0 { "sw.alpha1" } else { "sw.alpha2" }),
                _ => Some("sw.bravo1"),
            };
            let status = match i % 10 {
                0..=5 => Some(CaseStatus::Open),
                6 | 7 => Some(CaseStatus::Closed),
                _ => None,
            };
            (team_key, worker, status)
        };
        let Some(status) = status else { continue };
        let case_id = Uuid::now_v7();
        let opened = now - chrono::Duration::days(30 + i as i64);
        let closed = (status == CaseStatus::Closed).then(|| now - chrono::Duration::days(3 + i as i64 % 5));
        let worker_id = worker.map(|w| staff_ids[w]);
        cases.push(case::ActiveModel {
            id: Set(case_id),
            child_id: Set(child_id),
            kind: Set([CaseKind::Assessment, CaseKind::ChildInNeed, CaseKind::ChildProtection, CaseKind::LookedAfter]
                [(i % 4) as usize]),
            status: Set(status),
            team_id: Set(team_ids[team_key]),
            allocated_worker_id: Set(worker_id),
            opened_at: Set(opened),
            closed_at: Set(closed),
            closure_reason: Set(closed.map(|_| ClosureReason::NoFurtherActionAfterAssessment)),
            synthetic: Set(true),
            origin_request_id: Set(None),
            access_until: Set(None),
            version: Set(1),
            created_at: Set(opened),
            updated_at: Set(closed.unwrap_or(opened)),
        });
        let actor = staff_ids["hub.worker"];
        let ev = |kind, at, worker_id, reason| case_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            case_id: Set(case_id),
            kind: Set(kind),
            actor_id: Set(actor),
            at: Set(at),
            team_id: Set(Some(team_ids[team_key])),
            worker_id: Set(worker_id),
            closure_reason: Set(reason),
        };
        events.push(ev(CaseEventKind::Opened, opened, None, None));
        if worker_id.is_some() {
            events.push(ev(CaseEventKind::Allocated, opened, worker_id, None));
        }
        if let Some(c) = closed {
            events.push(ev(CaseEventKind::Closed, c, None, Some(ClosureReason::NoFurtherActionAfterAssessment)));
        }
    }
    let n = children.len();
    child::Entity::insert_many(children).exec_without_returning(&txn).await?;
    household_member::Entity::insert_many(members).exec_without_returning(&txn).await?;
    case::Entity::insert_many(cases).exec_without_returning(&txn).await?;
    case_event::Entity::insert_many(events).exec_without_returning(&txn).await?;
    txn.commit().await?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_fail_their_checks() {
        for n in 0..200 {
            let nhs = invalid_nhs_number(n);
            assert_eq!(nhs.len(), 10);
            let digits: Vec<u32> = nhs.chars().map(|c| c.to_digit(10).unwrap()).collect();
            let sum: u32 = digits[..9].iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
            let check = (11 - sum % 11) % 11;
            assert!(check == 10 || check != digits[9], "{nhs} would be a valid NHS number");
        }
    }
}
