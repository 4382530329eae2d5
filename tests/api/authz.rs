//! AUTHZ-xx: the one policy, row scopes, and "not permitted" looking exactly like "not there".
use crate::common::*;
use crate::fixtures;
use casegraph::auth::policy;
use entity::audit_event;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, prelude::Uuid};
use serde_json::json;
use std::collections::BTreeSet;

/// One seeded person per role.
const PEOPLE: &[(&str, &str)] = &[
    ("PARTNER_PRACTITIONER", "partner.school"),
    ("SAFEGUARDING_LEAD", "dsl.school"),
    ("HUB_WORKER", "hub.worker"),
    ("SOCIAL_WORKER", "sw.alpha1"),
    ("TEAM_MANAGER", "tm.alpha"),
    ("EARLY_HELP_PRACTITIONER", "ehp.earlyhelp"),
    ("ANALYST", "analyst"),
    ("PERFORMANCE_OFFICER", "performance"),
    ("INTEGRATION", "integration.police"),
    ("ADMIN", "admin"),
];

const ALL: &[&str] = &[
    "PARTNER_PRACTITIONER",
    "SAFEGUARDING_LEAD",
    "HUB_WORKER",
    "SOCIAL_WORKER",
    "TEAM_MANAGER",
    "EARLY_HELP_PRACTITIONER",
    "ANALYST",
    "PERFORMANCE_OFFICER",
    "INTEGRATION",
    "ADMIN",
];

/// The expected matrix, written out by hand (not read from the policy it checks).
fn expected_allowed(op: &str) -> Vec<&'static str> {
    match op {
        "Query.viewer" | "Query.levelsOfNeed" | "Query.serviceContacts" => ALL.to_vec(),
        "Query.node" => ALL.iter().copied().filter(|r| *r != "INTEGRATION").collect(),
        "Query.child" | "Query.case" | "Query.children" => vec!["HUB_WORKER", "SOCIAL_WORKER", "TEAM_MANAGER"],
        "Query.caseload" => vec!["SOCIAL_WORKER", "TEAM_MANAGER"],
        "Query.auditEvents" => vec!["TEAM_MANAGER", "ADMIN"],
        "Mutation.openCase" => vec!["HUB_WORKER", "TEAM_MANAGER"],
        "Mutation.allocateCase" | "Mutation.closeCase" => vec!["TEAM_MANAGER"],
        "Query.partnerUpdates" => {
            vec!["PARTNER_PRACTITIONER", "SAFEGUARDING_LEAD", "HUB_WORKER", "SOCIAL_WORKER", "TEAM_MANAGER"]
        }
        // By ID: an update sent by the school about a child allocated to sw.alpha1.
        "Query.partnerUpdate" => {
            vec!["PARTNER_PRACTITIONER", "SAFEGUARDING_LEAD", "HUB_WORKER", "SOCIAL_WORKER", "TEAM_MANAGER"]
        }
        // Partners hear back about their requests; early help about referrals.
        "Query.alerts" | "Mutation.acknowledgeAlert" | "Subscription.alertRaised" => vec![
            "PARTNER_PRACTITIONER",
            "SAFEGUARDING_LEAD",
            "HUB_WORKER",
            "SOCIAL_WORKER",
            "TEAM_MANAGER",
            "EARLY_HELP_PRACTITIONER",
        ],
        "Mutation.submitPartnerUpdate" => vec!["PARTNER_PRACTITIONER", "SAFEGUARDING_LEAD", "INTEGRATION"],
        "Mutation.reviewPartnerUpdate" => vec!["HUB_WORKER", "SOCIAL_WORKER", "TEAM_MANAGER"],
        "Mutation.matchPartnerUpdate" => vec!["HUB_WORKER"],
        // The demo service account may write requests and updates but holds no read scope (AUTHZ-09).
        // Social workers and managers: the requests attached to cases they may see.
        // Service accounts with `requests:read` (the demo police system): their organisation's.
        "Query.requestsForSupport" => vec![
            "PARTNER_PRACTITIONER",
            "SAFEGUARDING_LEAD",
            "HUB_WORKER",
            "SOCIAL_WORKER",
            "TEAM_MANAGER",
            "EARLY_HELP_PRACTITIONER",
            "INTEGRATION",
        ],
        // Read by ID: the referrer (an early help lead after a step up), their organisation's
        // safeguarding lead, the hub, and the workers of the case the request opened.
        "Query.requestForSupport" => vec![
            "PARTNER_PRACTITIONER",
            "SAFEGUARDING_LEAD",
            "HUB_WORKER",
            "SOCIAL_WORKER",
            "TEAM_MANAGER",
            "EARLY_HELP_PRACTITIONER",
        ],
        // Referrals to early help: the hub follows them, early help managers allocate them, a
        // lead (early help or partner practitioner) starts the assessment from one.
        "Query.earlyHelpReferrals" => {
            vec!["PARTNER_PRACTITIONER", "HUB_WORKER", "TEAM_MANAGER", "EARLY_HELP_PRACTITIONER"]
        }
        "Mutation.allocateEarlyHelpReferral" => vec!["TEAM_MANAGER"],
        // The referrer withdraws their own request (service accounts with `requests:write`).
        "Mutation.withdrawRequestForSupport" => {
            vec!["PARTNER_PRACTITIONER", "SAFEGUARDING_LEAD", "EARLY_HELP_PRACTITIONER", "INTEGRATION"]
        }
        "Mutation.startEarlyHelpAssessmentFromReferral" => vec!["PARTNER_PRACTITIONER", "EARLY_HELP_PRACTITIONER"],
        "Query.neglectScreening" => vec!["PARTNER_PRACTITIONER", "SAFEGUARDING_LEAD", "HUB_WORKER"],
        // Early help: the lead, TAF members, the lead's safeguarding lead, managers, and the hub
        // and social workers for children they may see. Analysts: counts only.
        "Query.earlyHelpAssessment" | "Query.earlyHelpAssessments" => vec![
            "PARTNER_PRACTITIONER",
            "SAFEGUARDING_LEAD",
            "HUB_WORKER",
            "SOCIAL_WORKER",
            "TEAM_MANAGER",
            "EARLY_HELP_PRACTITIONER",
        ],
        "Query.earlyHelpSummary" => vec!["TEAM_MANAGER", "ANALYST", "PERFORMANCE_OFFICER"],
        // Team managers: the reports about cases, for their own team.
        "Query.reports" => vec!["TEAM_MANAGER", "ANALYST", "PERFORMANCE_OFFICER"],
        "Mutation.startEarlyHelpAssessment"
        | "Mutation.addTeamAroundFamilyMember"
        | "Mutation.removeTeamAroundFamilyMember"
        | "Mutation.closeEarlyHelpAssessment"
        | "Mutation.submitDraftRequestForSupport" => vec!["PARTNER_PRACTITIONER", "EARLY_HELP_PRACTITIONER"],
        "Mutation.updateEarlyHelpAssessment"
        | "Mutation.addEarlyHelpPlanAction"
        | "Mutation.updateEarlyHelpPlanAction"
        | "Mutation.recordEarlyHelpMeeting" => {
            vec!["PARTNER_PRACTITIONER", "SAFEGUARDING_LEAD", "HUB_WORKER", "SOCIAL_WORKER", "EARLY_HELP_PRACTITIONER"]
        }
        "Mutation.linkEarlyHelpChild" => vec!["HUB_WORKER", "SOCIAL_WORKER"],
        "Query.adviceConsultations" => vec!["HUB_WORKER"],
        "Query.bankHolidays" => ALL.to_vec(),
        "Mutation.submitRequestForSupport" => vec!["PARTNER_PRACTITIONER", "SAFEGUARDING_LEAD", "INTEGRATION"],
        "Mutation.submitNeglectScreening" => {
            vec!["PARTNER_PRACTITIONER", "SAFEGUARDING_LEAD", "HUB_WORKER", "EARLY_HELP_PRACTITIONER"]
        }
        "Mutation.matchRequestChild" | "Mutation.createChildFromRequest" | "Mutation.recordHubDecision" => {
            vec!["HUB_WORKER"]
        }
        "Mutation.logAdviceConsultation" => vec!["HUB_WORKER"],
        "Mutation.setBankHoliday" | "Mutation.removeBankHoliday" => vec!["ADMIN"],
        // Issue 19: the events feed for service accounts with `events:read` (the demo police
        // system has it); webhooks for admins; the acknowledgement for the local authority's
        // case management system only (not the police system, which lacks the scope).
        "Query.events" => vec!["INTEGRATION"],
        "Query.webhookSubscriptions"
        | "Mutation.createWebhookSubscription"
        | "Mutation.updateWebhookSubscription"
        | "Mutation.rotateWebhookSecret"
        | "Mutation.replayWebhookDeadLetter" => vec!["ADMIN"],
        "Mutation.acknowledgePartnerUpdateRecorded" => vec![],
        other => panic!("operation {other} has no expectation in this test: add it"),
    }
}

/// Root fields of the schema as printed in the SDL.
fn root_fields(sdl: &str, root: &str) -> Vec<String> {
    let start = sdl.find(&format!("type {root} {{")).unwrap_or_else(|| panic!("no type {root}"));
    let body = &sdl[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
    let mut fields = vec![];
    let mut depth = 0;
    let mut in_doc = false;
    for line in body.lines() {
        let t = line.trim();
        if t.starts_with("\"\"\"") {
            if !(t.len() > 3 && t.ends_with("\"\"\"")) {
                in_doc = !in_doc;
            }
            continue;
        }
        if in_doc || t.is_empty() || t.starts_with('"') {
            continue;
        }
        if depth == 0 {
            let name: String = t.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                fields.push(format!("{root}.{name}"));
            }
        }
        depth += t.matches('(').count() as i32 - t.matches(')').count() as i32;
    }
    fields
}

#[test]
fn default_deny_every_root_field_has_a_policy_entry() {
    let sdl = casegraph::graphql::sdl();
    let mut fields = root_fields(&sdl, "Query");
    fields.extend(root_fields(&sdl, "Mutation"));
    fields.extend(root_fields(&sdl, "Subscription"));
    let in_policy: BTreeSet<String> = policy::OPERATIONS.iter().map(|(n, ..)| n.to_string()).collect();
    let in_schema: BTreeSet<String> = fields.into_iter().collect();
    assert!(
        in_schema.contains("Query.caseload") && in_schema.contains("Mutation.openCase"),
        "parser sanity: {in_schema:?}"
    );
    assert_eq!(in_schema, in_policy, "every root field needs exactly one policy entry (and the matrix test below)");
    for (op, ..) in policy::OPERATIONS {
        expected_allowed(op);
    }
}

#[tokio::test]
async fn authz_06_role_by_operation_matrix() {
    let app = TestApp::new().await;
    let visible = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let free = fixtures::children_without_cases(&app).await;
    let alpha = fixtures::team_of(&app, "tm.alpha").await;
    let org = app.staff["admin"].organisation_id;
    let child_id = gid("Child", visible.child_id);
    let case_id = gid("Case", visible.id);
    let mut free_children = free.iter().map(|c| gid("Child", c.id));
    // Requests and a screening from a school, for the request operations.
    let (r1, r1_child, _) =
        fixtures::submit_request(&app, "partner.school", fixtures::request_input("Matrixone")).await;
    let (_, r2_child, _) = fixtures::submit_request(&app, "partner.school", fixtures::request_input("Matrixtwo")).await;
    let (r3, _, r3_version) =
        fixtures::submit_request(&app, "partner.school", fixtures::request_input("Matrixthree")).await;
    let screening = fixtures::submit_screening(&app, "partner.school", "Matrixone").await;
    // A request the hub decided into a case allocated to sw.alpha1 (its workers may read it).
    let (on_case, _) = fixtures::request_to_case(&app, "Matrixcase", "sw.alpha1").await;
    // Partner updates from the school about a child allocated to sw.alpha1 (an open alpha case).
    let update_child = fixtures::child(&app, visible.child_id).await;
    let mut updates = vec![];
    for n in 0..4 {
        // The first is a concern, so the team's manager has an alert too.
        updates.push(fixtures::submit_update(&app, "partner.school", &update_child, n == 0).await);
    }
    let mut reviewable = updates.clone().into_iter();
    let alert_of = |who: &str| {
        let app = &app;
        let who = who.to_string();
        async move {
            let r = app.gql(&who, "{ alerts(first: 1) { edges { node { id } } } }", json!({})).await;
            r.data()["alerts"]["edges"][0]["node"]["id"].as_str().map(str::to_string)
        }
    };
    // A team manager opens cases for children their team already knows (a closed alpha case).
    let cases = fixtures::cases(&app).await;
    // Early help: an assessment led by the school with every other practitioner role on its
    // team around the family, one child linked to a record team alpha knows (so its manager
    // sees it), a plan action; assessments led by the early help practitioner; step-up drafts.
    let eh = early_help_fixture(&app, &visible).await;
    let reopenable = cases
        .iter()
        .find(|c| {
            c.team_id == alpha
                && c.status == entity::enums::CaseStatus::Closed
                && !cases.iter().any(|o| o.child_id == c.child_id && o.status == entity::enums::CaseStatus::Open)
        })
        .map(|c| gid("Child", c.child_id))
        .expect("a closed alpha case");
    for (op, ..) in policy::OPERATIONS {
        if op.starts_with("Subscription.") {
            continue; // over WebSocket: partner_updates::subscription_* tests cover it
        }
        let allowed = expected_allowed(op);
        for (role, handle) in PEOPLE {
            // Fresh mutation targets for each allowed call, so each can succeed on its own.
            // `told_missing`: allowed, but the sample names nothing the caller has (NOT_FOUND).
            let mut told_missing = false;
            let (query, vars) = match *op {
                "Query.viewer" => ("{ viewer { roles } }", json!({})),
                "Query.levelsOfNeed" => ("{ levelsOfNeed { level } }", json!({})),
                "Query.serviceContacts" => ("{ serviceContacts { mash { phone } } }", json!({})),
                "Query.node" => ("query($id: ID!) { node(id: $id) { id } }", json!({ "id": gid("Organisation", org) })),
                "Query.child" => ("query($id: ID!) { child(id: $id) { id } }", json!({ "id": child_id })),
                "Query.case" => ("query($id: ID!) { case(id: $id) { id } }", json!({ "id": case_id })),
                "Query.children" => {
                    ("{ children(search: {familyName: \"T\"}, first: 5) { edges { node { id } } } }", json!({}))
                }
                "Query.caseload" => ("{ caseload(first: 5) { edges { node { id } } } }", json!({})),
                "Query.auditEvents" => (
                    "query($id: ID!) { auditEvents(childId: $id, first: 5) { edges { node { action } } } }",
                    json!({ "id": child_id }),
                ),
                "Mutation.openCase" => (
                    "mutation($i: OpenCaseInput!) { openCase(input: $i) { case { id } userErrors { code } } }",
                    json!({ "i": { "childId": match *role {
                            "TEAM_MANAGER" => reopenable.clone(),
                            "HUB_WORKER" => free_children.next().unwrap(),
                            _ => child_id.clone(),
                        }, "kind": "ASSESSMENT", "teamId": gid("Team", alpha) } }),
                ),
                "Mutation.allocateCase" => (
                    "mutation($i: AllocateCaseInput!) { allocateCase(input: $i) { case { version } userErrors { code } } }",
                    json!({ "i": { "caseId": case_id, "workerId": gid("Staff", app.staff_id("sw.alpha2")), "expectedVersion": fixtures::case(&app, visible.id).await.version } }),
                ),
                "Mutation.closeCase" => (
                    "mutation($i: CloseCaseInput!) { closeCase(input: $i) { case { status } userErrors { code } } }",
                    json!({ "i": { "caseId": case_id, "reason": "SERVICES_CEASED", "expectedVersion": fixtures::case(&app, visible.id).await.version } }),
                ),
                "Query.requestsForSupport" => ("{ requestsForSupport(first: 5) { edges { node { id } } } }", json!({})),
                "Query.requestForSupport" => (
                    "query($id: ID!) { requestForSupport(id: $id) { id reference } }",
                    json!({ "id": match *role {
                        "EARLY_HELP_PRACTITIONER" => eh.ehp_draft.clone(),
                        "SOCIAL_WORKER" | "TEAM_MANAGER" => on_case.clone(),
                        _ => r1.clone(),
                    } }),
                ),
                "Query.neglectScreening" => {
                    ("query($id: ID!) { neglectScreening(id: $id) { id flagged } }", json!({ "id": screening }))
                }
                "Query.adviceConsultations" => {
                    ("{ adviceConsultations(first: 5) { edges { node { id } } } }", json!({}))
                }
                "Query.bankHolidays" => ("{ bankHolidays(year: 2026) { date title } }", json!({})),
                "Mutation.submitRequestForSupport" => {
                    (fixtures::SUBMIT, json!({ "i": fixtures::request_input("Matrixfour") }))
                }
                "Mutation.submitNeglectScreening" => (fixtures::SCREEN, json!({ "i": fixtures::screening_input() })),
                "Mutation.matchRequestChild" => (
                    "mutation($i: MatchRequestChildInput!) { matchRequestChild(input: $i) { requestChild { matched } userErrors { code } } }",
                    json!({ "i": { "requestChildId": r2_child, "childId": child_id } }),
                ),
                "Mutation.createChildFromRequest" => (
                    "mutation($i: CreateChildFromRequestInput!) { createChildFromRequest(input: $i) { requestChild { matched } userErrors { code } } }",
                    json!({ "i": { "requestChildId": r1_child } }),
                ),
                "Mutation.recordHubDecision" => (
                    "mutation($i: RecordHubDecisionInput!) { recordHubDecision(input: $i) { decision { outcome } userErrors { code } } }",
                    json!({ "i": { "requestId": r3, "outcome": "ADVICE_INFORMATION", "decidedLevel": "UNIVERSAL_PLUS",
                                   "rationale": "Needs met by school support", "feedback": "Advice given by phone", "expectedVersion": r3_version } }),
                ),
                "Mutation.logAdviceConsultation" => (
                    "mutation($i: LogAdviceConsultationInput!) { logAdviceConsultation(input: $i) { consultation { id } userErrors { code } } }",
                    json!({ "i": { "calledAt": "2026-11-20T10:00:00Z", "durationMinutes": 12, "callerAgencyType": "SCHOOL",
                                   "concernCategories": ["NEGLECT"], "summary": "Attendance worries; advised an early help assessment.",
                                   "outcome": "EARLY_HELP_ADVISED", "requestForSupportAdvised": false } }),
                ),
                "Mutation.setBankHoliday" => (
                    "mutation($i: SetBankHolidayInput!) { setBankHoliday(input: $i) { bankHoliday { date } userErrors { code } } }",
                    json!({ "i": { "date": "2026-12-24", "title": "Council closure day", "kind": "LOCAL_CLOSURE" } }),
                ),
                "Mutation.removeBankHoliday" => (
                    "mutation($i: RemoveBankHolidayInput!) { removeBankHoliday(input: $i) { removed userErrors { code } } }",
                    json!({ "i": { "date": "2026-12-24" } }),
                ),
                "Query.partnerUpdates" => ("{ partnerUpdates(first: 5) { edges { node { id } } } }", json!({})),
                "Query.partnerUpdate" => {
                    ("query($id: ID!) { partnerUpdate(id: $id) { id reviewed } }", json!({ "id": updates[0].0 }))
                }
                "Query.alerts" => ("{ alerts(first: 5) { edges { node { id kind } } } }", json!({})),
                "Mutation.submitPartnerUpdate" => {
                    (fixtures::SUBMIT_UPDATE, json!({ "i": fixtures::update_input(&update_child, false) }))
                }
                "Mutation.reviewPartnerUpdate" => {
                    let (id, version) =
                        if allowed.contains(role) { reviewable.next().unwrap() } else { updates[0].clone() };
                    (
                        "mutation($i: ReviewPartnerUpdateInput!) { reviewPartnerUpdate(input: $i) { partnerUpdate { reviewed } userErrors { code } } }",
                        json!({ "i": { "partnerUpdateId": id, "action": "CONTACT_MADE", "expectedVersion": version } }),
                    )
                }
                "Mutation.matchPartnerUpdate" => {
                    // An update about a child nobody knows: unmatched until the hub matches it.
                    let unknown = fixtures::submit_update_named(&app, "partner.school", "Nobody", "Knownchild").await;
                    (
                        "mutation($i: MatchPartnerUpdateInput!) { matchPartnerUpdate(input: $i) { partnerUpdate { id } userErrors { code } } }",
                        json!({ "i": { "partnerUpdateId": unknown.0, "childId": child_id, "expectedVersion": unknown.1 } }),
                    )
                }
                "Mutation.withdrawRequestForSupport" => {
                    let (id, version) = match *role {
                        "EARLY_HELP_PRACTITIONER" => {
                            let r = app
                                .gql(
                                    handle,
                                    "query($id: ID!) { requestForSupport(id: $id) { version } }",
                                    json!({ "id": eh.ehp_draft }),
                                )
                                .await;
                            (eh.ehp_draft.clone(), r.data()["requestForSupport"]["version"].as_i64().unwrap_or(1))
                        }
                        r if allowed.contains(&r) => {
                            let s = app
                                .gql(
                                    handle,
                                    fixtures::SUBMIT,
                                    json!({ "i": fixtures::request_input("Withdrawfamily") }),
                                )
                                .await;
                            let req = &s.data()["submitRequestForSupport"]["request"];
                            (
                                req["id"].as_str().unwrap_or_else(|| panic!("{}", s.raw)).to_string(),
                                req["version"].as_i64().unwrap(),
                            )
                        }
                        _ => (r1.clone(), 1),
                    };
                    (
                        "mutation($i: WithdrawRequestForSupportInput!) { withdrawRequestForSupport(input: $i) { request { status } userErrors { code } } }",
                        json!({ "i": { "requestId": id, "expectedVersion": version, "reason": "Sent in error" } }),
                    )
                }
                "Query.earlyHelpReferrals" => {
                    ("{ earlyHelpReferrals(first: 5) { edges { node { id status } } } }", json!({}))
                }
                // Nothing to allocate or start in the matrix: allowed, and told there is no such referral.
                "Mutation.allocateEarlyHelpReferral" => {
                    told_missing = true;
                    (
                        "mutation($i: AllocateEarlyHelpReferralInput!) { allocateEarlyHelpReferral(input: $i) { referral { id } userErrors { code } } }",
                        json!({ "i": { "referralId": gid("EarlyHelpReferral", Uuid::now_v7()), "leadId": gid("Staff", app.staff_id("ehp.earlyhelp")), "expectedVersion": 1 } }),
                    )
                }
                "Mutation.startEarlyHelpAssessmentFromReferral" => {
                    told_missing = true;
                    (
                        "mutation($i: StartEarlyHelpAssessmentFromReferralInput!) { startEarlyHelpAssessmentFromReferral(input: $i) { assessment { id } userErrors { code } } }",
                        json!({ "i": { "referralId": gid("EarlyHelpReferral", Uuid::now_v7()) } }),
                    )
                }
                "Mutation.acknowledgeAlert" => {
                    let own = alert_of(handle).await;
                    told_missing = own.is_none();
                    let id = own.unwrap_or_else(|| gid("Alert", sea_orm::prelude::Uuid::now_v7()));
                    (
                        "mutation($i: AcknowledgeAlertInput!) { acknowledgeAlert(input: $i) { alert { acknowledgedAt } userErrors { code } } }",
                        json!({ "i": { "alertId": id } }),
                    )
                }
                "Query.earlyHelpAssessment" => {
                    ("query($id: ID!) { earlyHelpAssessment(id: $id) { id reference } }", json!({ "id": eh.shared }))
                }
                "Query.earlyHelpAssessments" => {
                    ("{ earlyHelpAssessments(first: 5) { edges { node { id } } } }", json!({}))
                }
                "Query.earlyHelpSummary" => ("{ earlyHelpSummary { open overdueReviews } }", json!({})),
                "Query.reports" => (
                    "{ reports { report(name: CASELOADS, from: \"2026-01-01\", to: \"2026-01-31\", by: MONTH) { rows { total { value } } } } }",
                    json!({}),
                ),
                "Mutation.startEarlyHelpAssessment" => (
                    "mutation($i: StartEarlyHelpAssessmentInput!) { startEarlyHelpAssessment(input: $i) { assessment { id } userErrors { code } } }",
                    json!({ "i": fixtures::eha_input("Matrixstart") }),
                ),
                "Mutation.updateEarlyHelpAssessment" => (
                    "mutation($i: UpdateEarlyHelpAssessmentInput!) { updateEarlyHelpAssessment(input: $i) { assessment { version } userErrors { code } } }",
                    json!({ "i": { "assessmentId": eh.shared, "expectedVersion": fixtures::eha_version(&app, &eh.shared).await,
                                   "reason": format!("Reason as {role} understands it") } }),
                ),
                "Mutation.addEarlyHelpPlanAction" => (
                    "mutation($i: AddEarlyHelpPlanActionInput!) { addEarlyHelpPlanAction(input: $i) { assessment { version } userErrors { code } } }",
                    json!({ "i": { "assessmentId": eh.shared, "expectedVersion": fixtures::eha_version(&app, &eh.shared).await,
                                   "planAction": fixtures::plan_action(&eh.member, &fixtures::days_ahead(30)) } }),
                ),
                "Mutation.updateEarlyHelpPlanAction" => (
                    "mutation($i: UpdateEarlyHelpPlanActionInput!) { updateEarlyHelpPlanAction(input: $i) { assessment { version } userErrors { code } } }",
                    json!({ "i": { "actionId": eh.action, "expectedVersion": fixtures::eha_version(&app, &eh.shared).await, "status": "IN_PROGRESS" } }),
                ),
                "Mutation.recordEarlyHelpMeeting" => {
                    let actions = entity::early_help_plan_action::Entity::find()
                        .filter(entity::early_help_plan_action::Column::AssessmentId.eq(fixtures::uuid_of(&eh.shared)))
                        .all(&app.db)
                        .await
                        .unwrap();
                    let reviews: Vec<_> = actions
                        .iter()
                        .map(|a| json!({ "actionId": gid("EarlyHelpPlanAction", a.id), "progress": "Some progress", "status": "IN_PROGRESS" }))
                        .collect();
                    (
                        "mutation($i: RecordEarlyHelpMeetingInput!) { recordEarlyHelpMeeting(input: $i) { assessment { version } userErrors { code } } }",
                        json!({ "i": { "assessmentId": eh.shared, "expectedVersion": fixtures::eha_version(&app, &eh.shared).await,
                                       "heldOn": fixtures::days_ago(0), "attendees": [{ "person": { "householdMemberId": eh.member }, "attended": true }],
                                       "actionReviews": reviews } }),
                    )
                }
                "Mutation.addTeamAroundFamilyMember" | "Mutation.removeTeamAroundFamilyMember" => {
                    let (target, member) = match (*op, *role) {
                        ("Mutation.addTeamAroundFamilyMember", "EARLY_HELP_PRACTITIONER") => {
                            (&eh.ehp_led, "partner.school")
                        }
                        ("Mutation.addTeamAroundFamilyMember", _) => (&eh.shared, "partner.health"),
                        (_, "EARLY_HELP_PRACTITIONER") => (&eh.ehp_led, "partner.health"),
                        _ => (&eh.shared, "hub.worker2"),
                    };
                    let field = op.trim_start_matches("Mutation.");
                    (
                        if field == "addTeamAroundFamilyMember" {
                            "mutation($i: TeamAroundFamilyMemberInput!) { addTeamAroundFamilyMember(input: $i) { assessment { version } userErrors { code } } }"
                        } else {
                            "mutation($i: TeamAroundFamilyMemberInput!) { removeTeamAroundFamilyMember(input: $i) { assessment { version } userErrors { code } } }"
                        },
                        json!({ "i": { "assessmentId": target, "expectedVersion": fixtures::eha_version(&app, target).await,
                                       "staffId": gid("Staff", app.staff_id(member)) } }),
                    )
                }
                "Mutation.closeEarlyHelpAssessment" => {
                    let target =
                        if *role == "EARLY_HELP_PRACTITIONER" { &eh.ehp_to_close } else { &eh.school_to_close };
                    (
                        "mutation($i: CloseEarlyHelpAssessmentInput!) { closeEarlyHelpAssessment(input: $i) { assessment { status } userErrors { code } } }",
                        json!({ "i": { "assessmentId": target, "expectedVersion": fixtures::eha_version(&app, target).await, "outcome": "NEEDS_MET" } }),
                    )
                }
                "Mutation.linkEarlyHelpChild" => {
                    let (ehc, child) = if *role == "HUB_WORKER" {
                        (&eh.children[1], gid("Child", free[0].id))
                    } else {
                        (&eh.children[2], child_id.clone())
                    };
                    (
                        "mutation($i: LinkEarlyHelpChildInput!) { linkEarlyHelpChild(input: $i) { assessment { version } userErrors { code } } }",
                        json!({ "i": { "assessmentChildId": ehc, "childId": child, "expectedVersion": fixtures::eha_version(&app, &eh.shared).await,
                                       "overrideReason": "Same child: the school record uses a previous surname" } }),
                    )
                }
                "Mutation.submitDraftRequestForSupport" => {
                    let draft = if *role == "EARLY_HELP_PRACTITIONER" { &eh.ehp_draft } else { &eh.school_draft };
                    (
                        "mutation($i: SubmitDraftRequestForSupportInput!) { submitDraftRequestForSupport(input: $i) { request { status } userErrors { code } } }",
                        json!({ "i": draft_submission(draft) }),
                    )
                }
                "Query.events" => ("{ events(first: 1) { endCursor hasNextPage } }", json!({})),
                "Query.webhookSubscriptions" => ("{ webhookSubscriptions { id } }", json!({})),
                "Mutation.createWebhookSubscription" => (
                    "mutation($i: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $i) { secret userErrors { code } } }",
                    json!({ "i": { "organisationId": gid("Organisation", app.staff["partner.school"].organisation_id),
                                   "url": "http://127.0.0.1:9/hook", "eventTypes": ["REQUEST_RECEIVED"] } }),
                ),
                // Nothing to change in the matrix: allowed, and told there is no such subscription.
                "Mutation.updateWebhookSubscription" => {
                    told_missing = true;
                    (
                        "mutation($i: UpdateWebhookSubscriptionInput!) { updateWebhookSubscription(input: $i) { subscription { id } userErrors { code } } }",
                        json!({ "i": { "id": gid("WebhookSubscription", Uuid::now_v7()), "active": false, "expectedVersion": 1 } }),
                    )
                }
                "Mutation.rotateWebhookSecret" => {
                    told_missing = true;
                    (
                        "mutation($i: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $i) { secret userErrors { code } } }",
                        json!({ "i": { "id": gid("WebhookSubscription", Uuid::now_v7()) } }),
                    )
                }
                "Mutation.replayWebhookDeadLetter" => {
                    told_missing = true;
                    (
                        "mutation($i: ReplayWebhookDeadLetterInput!) { replayWebhookDeadLetter(input: $i) { deadLetter { id } userErrors { code } } }",
                        json!({ "i": { "id": gid("WebhookDeadLetter", Uuid::now_v7()) } }),
                    )
                }
                "Mutation.acknowledgePartnerUpdateRecorded" => (
                    "mutation($i: AcknowledgePartnerUpdateRecordedInput!) { acknowledgePartnerUpdateRecorded(input: $i) { partnerUpdate { id } userErrors { code } } }",
                    json!({ "i": { "partnerUpdateId": gid("PartnerUpdate", Uuid::now_v7()), "recordReference": "X" } }),
                ),
                other => panic!("no sample call for {other}"),
            };
            let before = (
                app.count("cases").await,
                app.count("requests_for_support").await,
                app.count("bank_holidays").await,
                app.count("early_help_assessments").await,
                app.count("early_help_changes").await,
            );
            let r = app.gql(handle, query, vars).await;
            if allowed.contains(role) {
                assert!(r.body["errors"].is_null(), "{role} should be allowed {op}: {}", r.raw);
                let field = op.trim_start_matches("Mutation.");
                if told_missing {
                    assert_eq!(
                        r.data()[field]["userErrors"],
                        json!([{ "code": "NOT_FOUND" }]),
                        "{role} {op}: {}",
                        r.raw
                    );
                } else if op.starts_with("Mutation") {
                    assert_eq!(r.data()[field]["userErrors"], json!([]), "{role} {op}: {}", r.raw);
                }
            } else {
                let by_id = matches!(
                    *op,
                    "Query.child"
                        | "Query.case"
                        | "Query.requestForSupport"
                        | "Query.neglectScreening"
                        | "Query.partnerUpdate"
                        | "Query.earlyHelpAssessment"
                );
                let expect = if by_id { "NOT_FOUND" } else { "FORBIDDEN" };
                assert_eq!(r.code(), expect, "{role} on {op}: {}", r.raw);
                let after = (
                    app.count("cases").await,
                    app.count("requests_for_support").await,
                    app.count("bank_holidays").await,
                    app.count("early_help_assessments").await,
                    app.count("early_help_changes").await,
                );
                assert_eq!(after, before, "{role} {op} changed nothing");
            }
        }
    }
}

/// Early help targets for the matrix.
struct EhFixture {
    /// Led by `partner.school`; TAF: `dsl.school`, `ehp.earlyhelp`, `hub.worker`, `sw.alpha1`,
    /// `hub.worker2`; its first child linked to a child team alpha knows.
    shared: String,
    children: Vec<String>,
    member: String,
    action: String,
    /// Led by `ehp.earlyhelp`, with `partner.health` on its team.
    ehp_led: String,
    school_to_close: String,
    ehp_to_close: String,
    /// Step-up drafts owned by `partner.school` and `ehp.earlyhelp`.
    school_draft: String,
    ehp_draft: String,
}

async fn early_help_fixture(app: &TestApp, visible: &entity::case::Model) -> EhFixture {
    let mut input = fixtures::eha_input("Matrixeh");
    input["children"].as_array_mut().unwrap().push(
        json!({ "givenName": "Thirdtest", "familyName": "Matrixeh", "dateOfBirth": "2020-06-01", "sex": "UNKNOWN" }),
    );
    let a = fixtures::eh_ok(app, "partner.school", "startEarlyHelpAssessment", "StartEarlyHelpAssessmentInput", input)
        .await;
    let shared = a["id"].as_str().unwrap().to_string();
    let children: Vec<String> =
        a["children"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect();
    let member = a["household"][0]["id"].as_str().unwrap().to_string();
    for m in ["dsl.school", "ehp.earlyhelp", "hub.worker", "sw.alpha1", "hub.worker2"] {
        fixtures::add_taf(app, "partner.school", &shared, m).await;
    }
    let v = fixtures::eha_version(app, &shared).await;
    fixtures::eh_ok(
        app,
        "hub.worker",
        "linkEarlyHelpChild",
        "LinkEarlyHelpChildInput",
        json!({ "assessmentChildId": children[0], "childId": gid("Child", visible.child_id), "expectedVersion": v,
                "overrideReason": "Same child: the school record uses a previous surname" }),
    )
    .await;
    let v = fixtures::eha_version(app, &shared).await;
    let with_plan = fixtures::eh_ok(
        app,
        "partner.school",
        "addEarlyHelpPlanAction",
        "AddEarlyHelpPlanActionInput",
        json!({ "assessmentId": shared, "expectedVersion": v, "planAction": fixtures::plan_action(&member, &fixtures::days_ahead(20)) }),
    )
    .await;
    let action = with_plan["plan"][0]["id"].as_str().unwrap().to_string();
    let ehp_led =
        fixtures::start_assessment(app, "ehp.earlyhelp", "Matrixehp").await["id"].as_str().unwrap().to_string();
    fixtures::add_taf(app, "ehp.earlyhelp", &ehp_led, "partner.health").await;
    let school_to_close =
        fixtures::start_assessment(app, "partner.school", "Matrixclose").await["id"].as_str().unwrap().to_string();
    let ehp_to_close =
        fixtures::start_assessment(app, "ehp.earlyhelp", "Matrixclose").await["id"].as_str().unwrap().to_string();
    let mut drafts = vec![];
    for who in ["partner.school", "ehp.earlyhelp"] {
        let id = fixtures::start_assessment(app, who, "Matrixstepup").await["id"].as_str().unwrap().to_string();
        let r = app
            .gql(
                who,
                "mutation($i: CloseEarlyHelpAssessmentInput!) { closeEarlyHelpAssessment(input: $i) { draftRequest { id } userErrors { code } } }",
                json!({ "i": { "assessmentId": id, "expectedVersion": 1, "outcome": "STEP_UP_TO_SOCIAL_CARE", "reason": "Disclosure at school" } }),
            )
            .await;
        drafts.push(
            r.data()["closeEarlyHelpAssessment"]["draftRequest"]["id"]
                .as_str()
                .unwrap_or_else(|| panic!("{}", r.raw))
                .to_string(),
        );
    }
    EhFixture {
        shared,
        children,
        member,
        action,
        ehp_led,
        school_to_close,
        ehp_to_close,
        ehp_draft: drafts.pop().unwrap(),
        school_draft: drafts.pop().unwrap(),
    }
}

/// What a referrer confirms to submit a step-up draft.
fn draft_submission(draft: &str) -> serde_json::Value {
    json!({ "requestId": draft, "expectedVersion": 1, "concernCategories": ["EMOTIONAL_ABUSE"],
            "discussedWithSafeguardingLead": true, "safeguardingLeadName": "Safeguarding Lead Example",
            "safeguardingLeadConsultedOn": fixtures::days_ago(1), "parentsAware": true,
            "immediateRiskOfSignificantHarm": false })
}

async fn denied_rows(app: &TestApp, actor: Uuid) -> usize {
    audit_event::Entity::find()
        .filter(audit_event::Column::ActorId.eq(actor))
        .filter(audit_event::Column::Outcome.eq(entity::enums::AuditOutcome::Denied))
        .all(&app.db)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn authz_01_02_forbidden_looks_exactly_like_missing_on_every_path() {
    let app = TestApp::new().await;
    let real = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let missing = Uuid::now_v7();
    let paths = [
        ("query($id: ID!) { child(id: $id) { id givenName } }", "Child"),
        ("query($id: ID!) { node(id: $id) { id ... on Child { givenName } } }", "Child"),
        ("query($id: ID!) { case(id: $id) { id child { givenName } } }", "Case"),
        ("query($id: ID!) { node(id: $id) { id ... on Case { status } } }", "Case"),
    ];
    // Outsiders: a partner, an analyst, an admin, and a social worker of another team.
    for who in ["partner.school", "analyst", "admin", "sw.bravo1", "ehp.earlyhelp"] {
        for (q, kind) in paths {
            let id = if kind == "Child" { real.child_id } else { real.id };
            let before = denied_rows(&app, app.staff_id(who)).await;
            let a = app.gql(who, q, json!({ "id": gid(kind, id) })).await;
            let b = app.gql(who, q, json!({ "id": gid(kind, missing) })).await;
            assert_eq!(a.code(), "NOT_FOUND", "{who} {q}: {}", a.raw);
            assert_eq!(a.raw, b.raw, "{who}: forbidden and missing must be identical");
            assert_eq!(a.status, b.status);
            assert_eq!(denied_rows(&app, app.staff_id(who)).await, before + 2, "both attempts audited as denied");
        }
    }
    // The allocated worker sees it, through every path.
    for (q, kind) in paths {
        let id = if kind == "Child" { real.child_id } else { real.id };
        let r = app.gql("sw.alpha1", q, json!({ "id": gid(kind, id) })).await;
        assert!(r.body["errors"].is_null(), "{}", r.raw);
    }
}

#[tokio::test]
async fn authz_03_13_row_scopes() {
    let app = TestApp::new().await;
    let restricted = fixtures::open_case_of(&app, "sw.alpha1", true).await;
    let q = "query($id: ID!) { child(id: $id) { id restricted } }";
    let see = |who: &'static str, id: Uuid| {
        let app = &app;
        async move { app.gql(who, q, json!({ "id": gid("Child", id) })).await.body["errors"].is_null() }
    };
    // A restricted child: the allocated worker and the team's manager only.
    assert!(see("sw.alpha1", restricted.child_id).await);
    assert!(see("tm.alpha", restricted.child_id).await);
    assert!(!see("sw.alpha2", restricted.child_id).await, "same team, not allocated");
    assert!(!see("hub.worker", restricted.child_id).await);
    assert!(!see("tm.bravo", restricted.child_id).await);
    // An unrestricted child in team alpha: the team and the hub, not team bravo.
    let open = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    assert!(see("sw.alpha2", open.child_id).await);
    assert!(see("hub.worker", open.child_id).await);
    assert!(!see("sw.bravo1", open.child_id).await);
    assert!(!see("tm.bravo", open.child_id).await);

    // Searches never show what the caller may not see (AUTHZ-03).
    let restricted_child = fixtures::child(&app, restricted.child_id).await;
    let search = "query($f: String!) { children(search: {familyName: $f}, first: 100) { edges { node { id } } } }";
    let ids = |r: &Resp| -> Vec<String> {
        r.data()["children"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_string())
            .collect()
    };
    let hub = app.gql("hub.worker", search, json!({ "f": restricted_child.family_name })).await;
    assert!(!ids(&hub).contains(&gid("Child", restricted.child_id)));
    let sw = app.gql("sw.alpha1", search, json!({ "f": restricted_child.family_name })).await;
    assert!(ids(&sw).contains(&gid("Child", restricted.child_id)));
    // Bravo's social worker searching alpha's family finds only bravo's children.
    let bravo = app.gql("sw.bravo1", search, json!({ "f": "" })).await;
    assert_eq!(bravo.code(), "BAD_USER_INPUT", "an empty search is refused");
    let bravo_team = fixtures::team_of(&app, "sw.bravo1").await;
    let all = app
        .gql(
            "sw.bravo1",
            "{ children(search: {givenName: \"b\"}, first: 100) { edges { node { id cases { team { id } } } } } }",
            json!({}),
        )
        .await;
    let edges = all.data()["children"]["edges"].as_array().unwrap();
    assert!(!edges.is_empty(), "{}", all.raw);
    for e in edges {
        let teams: Vec<&str> =
            e["node"]["cases"].as_array().unwrap().iter().map(|c| c["team"]["id"].as_str().unwrap()).collect();
        assert!(teams.contains(&gid("Team", bravo_team).as_str()), "{teams:?}");
    }
}

#[tokio::test]
async fn caseload_is_the_workers_own_or_the_managers_team() {
    let app = TestApp::new().await;
    let cases = fixtures::cases(&app).await;
    let q = "{ caseload(first: 100) { edges { node { id status allocatedWorker { id } team { id } } } } }";
    for (who, manager) in
        [("sw.alpha1", false), ("sw.alpha2", false), ("sw.bravo1", false), ("tm.alpha", true), ("tm.bravo", true)]
    {
        let r = app.gql(who, q, json!({})).await;
        let mut got: Vec<String> = r.data()["caseload"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_string())
            .collect();
        let mut want: Vec<String> = cases
            .iter()
            .filter(|c| c.status == entity::enums::CaseStatus::Open)
            .filter(|c| {
                if manager {
                    Some(c.team_id) == app.staff[who].team_id
                } else {
                    c.allocated_worker_id == Some(app.staff_id(who))
                }
            })
            .map(|c| gid("Case", c.id))
            .collect();
        got.sort();
        want.sort();
        assert!(!want.is_empty(), "fixture gives {who} a caseload");
        assert_eq!(got, want, "{who}");
    }
}

#[tokio::test]
async fn authz_05_fifty_aliases_of_hidden_ids() {
    let app = TestApp::new().await;
    let ids: Vec<Uuid> = fixtures::children(&app).await.iter().map(|c| c.id).take(50).collect();
    assert_eq!(ids.len(), 50);
    let q: String =
        ids.iter().enumerate().map(|(i, id)| format!("c{i}: child(id: \"{}\") {{ id }} ", gid("Child", *id))).collect();
    let r = app.gql("partner.school", &format!("{{ {q} }}"), json!({})).await;
    let codes = r.codes();
    assert_eq!(codes.len(), 50);
    assert!(codes.iter().all(|c| c == "NOT_FOUND"));
    assert!(r.data().is_null(), "no data at all: {}", r.raw);
    // 51 aliases are over the limit and refused before any resolver runs.
    let q51 = format!("{{ {q} extra: viewer {{ roles }} }}");
    let before = app.count("audit_events").await;
    let r = app.gql("partner.school", &q51, json!({})).await;
    assert_eq!(r.code(), "QUERY_TOO_COMPLEX");
    assert_eq!(app.count("audit_events").await, before);
}

#[tokio::test]
async fn authz_07_14_analyst_and_admin_never_see_case_content() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    for who in ["analyst", "admin"] {
        let r = app
            .gql(
                who,
                "query($id: ID!) { child(id: $id) { givenName familyName dateOfBirth address { line } } }",
                json!({ "id": gid("Child", c.child_id) }),
            )
            .await;
        assert_eq!(r.code(), "NOT_FOUND");
        let r = app
            .gql(who, "{ children(search: {familyName: \"Test\"}, first: 5) { edges { node { id } } } }", json!({}))
            .await;
        assert_eq!(r.code(), "FORBIDDEN");
    }
    // Nothing in the schema edits or deletes the audit trail.
    let sdl = casegraph::graphql::sdl();
    let mutations = root_fields(&sdl, "Mutation");
    assert!(mutations.iter().all(|m| !m.to_lowercase().contains("audit")), "{mutations:?}");
}

#[tokio::test]
async fn authz_08_server_owned_fields_are_not_inputs() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    for extra in ["status: CLOSED", "version: 99", "createdBy: \"x\"", "orgId: \"x\""] {
        let q = format!(
            "mutation {{ allocateCase(input: {{caseId: \"{}\", workerId: \"{}\", expectedVersion: 1, {extra}}}) {{ userErrors {{ code }} }} }}",
            gid("Case", c.id),
            gid("Staff", app.staff_id("sw.alpha2"))
        );
        let r = app.gql("tm.alpha", &q, json!({})).await;
        assert!(!r.codes().is_empty(), "{extra} must be refused");
        assert!(r.data().is_null());
    }
    assert_eq!(fixtures::case(&app, c.id).await.version, 1, "nothing changed");
}

#[tokio::test]
async fn authz_12_ids_are_opaque_uuid_v7() {
    let app = TestApp::new().await;
    let r = app.gql("sw.alpha1", "{ caseload(first: 3) { edges { node { id child { id } } } } }", json!({})).await;
    for e in r.data()["caseload"]["edges"].as_array().unwrap() {
        let id = e["node"]["id"].as_str().unwrap();
        assert!(id.parse::<i64>().is_err());
        use base64::Engine;
        let raw = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(id).unwrap()).unwrap();
        let uuid = Uuid::parse_str(raw.split_once(':').unwrap().1).unwrap();
        assert_eq!(uuid.get_version_num(), 7);
    }
}
