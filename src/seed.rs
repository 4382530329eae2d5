//! Synthetic demo data (docs/domain.md §9): obviously fake names, fictional addresses with
//! impossible postcodes, NHS numbers and UPNs that fail their check digits, dates relative to
//! today. Every row is tagged `synthetic`. Never real children's data.
use crate::auth::Role;
use crate::domain::names;
use chrono::{Days, Months, NaiveDate, Utc};
use entity::{
    case, case_event, child,
    enums::{
        AgencyType, CaseEventKind, CaseKind, CaseStatus, ClosureReason, Ethnicity, Level, Relationship, RequestStatus,
        Sex,
    },
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
        "partner_updates:write requests:write requests:read events:read",
    ),
    (
        "integration.cms",
        "Case Management System (service account)",
        "csc",
        None,
        &[Role::Integration],
        "partner_updates:read events:read",
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

/// A year of synthetic activity for the demo (not for tests, which make their own): requests for
/// support with the hub's decisions, partner updates on open cases with their reviews, and
/// advice-line calls, so that the reports show something on a first `cargo run`. Deadlines come
/// from the working-day calendar as on a real submission; the text is fixed and names no one.
/// Returns the number of requests made.
pub async fn activity(db: &DatabaseConnection) -> Result<usize, DbErr> {
    use crate::domain::calendar::{self, london};
    use crate::domain::partner_update::CheckTimes;
    use entity::{advice_consultation, hub_decision, partner_update, request_child, request_for_support as rfs};
    let cal = calendar::load(db).await.map_err(|_| DbErr::Custom("the calendar could not be read".into()))?;
    let checks = CheckTimes::default();
    let now = Utc::now();
    let staff: HashMap<String, (Uuid, Uuid)> =
        staff::Entity::find().all(db).await?.into_iter().map(|s| (s.handle, (s.id, s.organisation_id))).collect();
    let (Some(hub), Some(sw)) = (staff.get("hub.worker"), staff.get("sw.alpha1")) else {
        return Ok(0);
    };
    let referrers: Vec<(Uuid, Uuid)> = ["partner.school", "partner.health", "dsl.school", "integration.police"]
        .iter()
        .filter_map(|h| staff.get(*h).copied())
        .collect();
    let kids = child::Entity::find().all(db).await?;
    let open: Vec<(Uuid, Uuid)> = case::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .filter(|c| c.status == CaseStatus::Open)
        .map(|c| (c.id, c.child_id))
        .collect();
    // A small deterministic generator: the same demo on every machine.
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut roll = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n.max(1)
    };
    let outcomes = [
        "ADVICE_INFORMATION",
        "SIGNPOST_UNIVERSAL",
        "EARLY_HELP",
        "EARLY_HELP",
        "CHILD_AND_FAMILY_ASSESSMENT",
        "NO_FURTHER_ACTION",
        "STRATEGY_DISCUSSION",
    ];
    let levels = [Level::Universal, Level::UniversalPlus, Level::Intensive, Level::Specialist];
    let concerns = ["16A", "4B", "3B", "2B", "17A", "10A", "1B"];
    let kinds =
        ["CONTACT_WITH_CHILD", "UNSUCCESSFUL_CONTACT", "CHANGE_IN_SERVICES", "CHANGE_IN_CIRCUMSTANCES", "OTHER"];
    let advice = ["ADVICE_ONLY", "SIGNPOSTED", "EARLY_HELP_ADVISED", "REQUEST_FOR_SUPPORT_ADVISED"];
    let agencies =
        [AgencyType::School, AgencyType::HealthVisitor, AgencyType::Police, AgencyType::Housing, AgencyType::Gp];
    let (mut requests, mut entries, mut decisions, mut updates, mut calls) = (vec![], vec![], vec![], vec![], vec![]);
    let today = london::to_local(now).date();
    let mut n = 0usize;
    for day_back in (1..=365u64).rev() {
        let Some(day) = today.checked_sub_days(Days::new(day_back)) else { continue };
        if !cal.is_working_day(day) {
            continue;
        }
        // About two requests, four partner updates and one advice call a working day.
        for _ in 0..roll(4) {
            let (referrer, org) = referrers[roll(referrers.len() as u64) as usize];
            let at = london::from_local(day.and_hms_opt(9 + roll(7) as u32, roll(60) as u32, 0).unwrap_or_default());
            let due = cal.due_after_working_days(at, 1);
            let id = Uuid::now_v7();
            n += 1;
            let decided = roll(10) < 9 && due < now;
            requests.push(rfs::ActiveModel {
                id: Set(id),
                reference: Set(format!("RFS-DEMO-{n:05}")),
                referrer_id: Set(referrer),
                referrer_org_id: Set(org),
                status: Set(if decided { RequestStatus::Decided } else { RequestStatus::Received }),
                urgent: Set(false),
                phone_contact_at: Set(None),
                received_at: Set(at),
                due_at: Set(due),
                referrer_level: Set(levels[1 + roll(3) as usize]),
                discussed_with_safeguarding_lead: Set(true),
                safeguarding_lead_name: Set(None),
                safeguarding_lead_consulted_on: Set(None),
                advice_line_consulted: Set(roll(3) == 0),
                parents_aware: Set(true),
                parents_not_aware_reason: Set(None),
                consent_status: Set("GIVEN".into()),
                consent_given_by: Set(Some("PARENT_CARER".into())),
                consent_covers: Set(Some("the child and family".into())),
                consent_reason: Set(None),
                consent_date: Set(None),
                anonymous_source: Set(roll(20) == 0),
                concerns: Set("Synthetic demo request: no real child.".into()),
                concern_categories: Set(concerns[roll(concerns.len() as u64) as usize].to_string()),
                support_in_place: Set(None),
                support_outcome: Set(None),
                child_views: Set(None),
                neglect_screening_id: Set(None),
                idempotency_key: Set(None),
                payload_hash: Set(format!("demo-{n}")),
                withdrawn_at: Set(None),
                withdrawal_reason: Set(None),
                version: Set(1),
                created_at: Set(at),
                updated_at: Set(at),
            });
            let kid = &kids[roll(kids.len() as u64) as usize];
            entries.push(request_child::ActiveModel {
                id: Set(Uuid::now_v7()),
                request_id: Set(id),
                position: Set(0),
                child_id: Set((roll(2) == 0).then_some(kid.id)),
                given_name: Set(kid.given_name.clone()),
                family_name: Set(kid.family_name.clone()),
                date_of_birth: Set(kid.date_of_birth),
                expected_delivery_date: Set(kid.expected_delivery_date),
                sex: Set(kid.sex),
                address_line: Set(None),
                postcode: Set(None),
                school_or_setting: Set(None),
            });
            if decided {
                let late = roll(7) == 0;
                let decided_at = if late {
                    due + chrono::Duration::hours(2)
                } else {
                    due - chrono::Duration::hours(1 + roll(6) as i64)
                };
                let decided_at = decided_at.max(at + chrono::Duration::minutes(30));
                decisions.push(hub_decision::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    request_id: Set(id),
                    outcome: Set(outcomes[roll(outcomes.len() as u64) as usize].into()),
                    decided_level: Set(levels[roll(4) as usize]),
                    rationale: Set("Synthetic demo decision.".into()),
                    feedback: Set("Synthetic demo feedback.".into()),
                    decided_by: Set(hub.0),
                    decided_at: Set(decided_at),
                    late: Set(decided_at > due),
                });
            }
        }
        for _ in 0..(2 + roll(5)) {
            let (sender, org) = referrers[roll(referrers.len() as u64) as usize];
            let at = london::from_local(day.and_hms_opt(8 + roll(9) as u32, roll(60) as u32, 0).unwrap_or_default());
            let due = cal.check_slot_due(at, checks.morning, checks.afternoon);
            let matched = !open.is_empty() && roll(5) != 0;
            let (case_id, child_id) =
                if matched { open[roll(open.len() as u64) as usize] } else { (Uuid::nil(), Uuid::nil()) };
            let kid = kids.iter().find(|k| k.id == child_id).unwrap_or(&kids[0]);
            let reviewed = (matched && roll(10) < 9 && due < now).then(|| {
                if roll(8) == 0 {
                    due + chrono::Duration::hours(3)
                } else {
                    due - chrono::Duration::minutes(30 + roll(120) as i64)
                }
                .max(at)
            });
            n += 1;
            updates.push(partner_update::ActiveModel {
                id: Set(Uuid::now_v7()),
                reference: Set(format!("PU-DEMO-{n:05}")),
                sender_id: Set(sender),
                sender_org_id: Set(org),
                child_given_name: Set(kid.given_name.clone()),
                child_family_name: Set(kid.family_name.clone()),
                given_key: Set(kid.given_key.clone()),
                family_key: Set(kid.family_key.clone()),
                child_date_of_birth: Set(kid.date_of_birth.unwrap_or(today)),
                nhs_number: Set(None),
                upn: Set(None),
                kind: Set(kinds[roll(kinds.len() as u64) as usize].into()),
                contact_mode: Set(None),
                unsuccessful_reason: Set(None),
                occurred_at: Set(at),
                details: Set("Synthetic demo update.".into()),
                concern: Set(roll(10) == 0),
                received_at: Set(at),
                due_at: Set(due),
                child_id: Set(matched.then_some(child_id)),
                case_id: Set(matched.then_some(case_id)),
                matched_at: Set(matched.then_some(at)),
                matched_by: Set(None),
                reviewed_at: Set(reviewed),
                reviewed_by: Set(reviewed.map(|_| sw.0)),
                review_action: Set(reviewed.map(|_| "NOTED".into())),
                review_note: Set(None),
                overdue_alerted: Set(true),
                recorded_at: Set(None),
                recorded_by: Set(None),
                record_reference: Set(None),
                idempotency_key: Set(None),
                payload_hash: Set(format!("demo-{n}")),
                version: Set(1),
                created_at: Set(at),
                updated_at: Set(at),
            });
        }
        for _ in 0..roll(3) {
            let at = london::from_local(day.and_hms_opt(9 + roll(7) as u32, roll(60) as u32, 0).unwrap_or_default());
            let outcome = advice[roll(advice.len() as u64) as usize];
            calls.push(advice_consultation::ActiveModel {
                id: Set(Uuid::now_v7()),
                logged_by: Set(hub.0),
                called_at: Set(at),
                duration_minutes: Set(5 + roll(25) as i32),
                caller_agency_type: Set(agencies[roll(agencies.len() as u64) as usize]),
                concern_categories: Set(concerns[roll(concerns.len() as u64) as usize].to_string()),
                level_discussed: Set(Some(levels[roll(4) as usize])),
                summary: Set("Synthetic demo call.".into()),
                outcome: Set(outcome.into()),
                request_advised: Set(outcome == "REQUEST_FOR_SUPPORT_ADVISED"),
                created_at: Set(at),
            });
        }
    }
    let made = requests.len();
    let txn = db.begin().await?;
    for chunk in requests.chunks(200) {
        rfs::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
    }
    for chunk in entries.chunks(200) {
        request_child::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
    }
    for chunk in decisions.chunks(200) {
        hub_decision::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
    }
    for chunk in updates.chunks(100) {
        partner_update::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
    }
    for chunk in calls.chunks(200) {
        advice_consultation::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    Ok(made)
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
