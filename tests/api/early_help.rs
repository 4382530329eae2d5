//! Early help end to end through the Router: an assessment from start through a meeting to step
//! up; who sees what (rows and fields); the team around the family losing access on closure;
//! the review cadence and the overdue inbox; closure outcomes and the analysts' counts; the
//! step-up draft under the request rules; bad input; concurrency; audit and logs.
use crate::common::*;
use crate::fixtures::{
    self, add_taf, days_ago, days_ahead, eh_ok, eha_input, eha_version, plan_action, start_assessment, uuid_of,
};
use chrono::{Months, Utc};
use entity::{audit_event, enums::AuditAction};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, prelude::Uuid};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

fn today() -> String {
    days_ago(0)
}

const FULL: &str = "id reference status version level reason childVoice familyVoice startedOn completedOn planAgreedOn nextReviewDue reviewOverdue
    lead { id displayName organisation { name } } leadOrganisation { name }
    consent { status givenBy covers reason safeguardingReason }
    children { id givenName familyName dateOfBirth sex linked child { id } }
    household { id givenName relationship parentalResponsibility livesWithChild }
    strengths { id domain compartment description score } needs { id domain compartment description score }
    plan { id need action intendedOutcome targetDate compartment status agreedWithFamily
           responsible { practitioner { displayName } householdMember { givenName } name organisation } }
    teamAroundFamily { current practitioner { id displayName organisation { name } } }
    meetings { heldOn childViews familyViews nextMeetingOn recordedBy { displayName }
               attendees { attended person { practitioner { displayName } householdMember { givenName } name organisation } }
               actionReviews { progress status targetDate action { action } } }
    changes { at section summary actor { displayName } }
    closure { outcome reason closedOn closedBy { displayName } }
    stepUpRequest { id status reference }";

fn get_query() -> String {
    format!("query($id: ID!) {{ earlyHelpAssessment(id: $id) {{ {FULL} }} }}")
}

async fn read(app: &TestApp, who: &str, id: &str) -> Resp {
    app.gql(who, &get_query(), json!({ "id": id })).await
}

async fn mutate(app: &TestApp, who: &str, field: &str, input_type: &str, input: Value) -> Resp {
    let q = format!(
        "mutation($i: {input_type}!) {{ {field}(input: $i) {{ assessment {{ {FULL} }} userErrors {{ field code message }} }} }}"
    );
    app.gql(who, &q, json!({ "i": input })).await
}

const CLOSE: &str = "mutation($i: CloseEarlyHelpAssessmentInput!) { closeEarlyHelpAssessment(input: $i) { assessment { id status version closure { outcome reason closedOn } } draftRequest { id reference status version referrerLevel concerns childViews supportInPlace consent { status givenBy covers } children { givenName familyName dateOfBirth matched } household { givenName relationship parentalResponsibility } } userErrors { field code message } } }";
const SUBMIT_DRAFT: &str = "mutation($i: SubmitDraftRequestForSupportInput!) { submitDraftRequestForSupport(input: $i) { request { id reference status urgent version receivedAt dueAt referrerLevel concernCategories children { matched } } userErrors { field code message } } }";
const QUEUE: &str = "{ requestsForSupport(first: 100) { edges { node { id status } } } }";

fn draft_completion(id: &str, version: i64) -> Value {
    json!({ "requestId": id, "expectedVersion": version, "concernCategories": ["NEGLECT", "MENTAL_HEALTH_PARENT"],
            "referrerLevel": "INTENSIVE", "discussedWithSafeguardingLead": true,
            "safeguardingLeadName": "Safeguarding Lead Example", "safeguardingLeadConsultedOn": days_ago(1),
            "parentsAware": true, "immediateRiskOfSignificantHarm": false })
}

fn ids_of(r: &Resp, field: &str) -> Vec<String> {
    r.data()[field]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.raw))
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_string())
        .collect()
}

async fn close(app: &TestApp, who: &str, id: &str, outcome: &str, reason: Option<&str>) -> Resp {
    let v = eha_version(app, id).await;
    app.gql(
        who,
        CLOSE,
        json!({ "i": { "assessmentId": id, "expectedVersion": v, "outcome": outcome, "reason": reason } }),
    )
    .await
}

async fn add_action(app: &TestApp, who: &str, id: &str, action: Value) -> Value {
    let v = eha_version(app, id).await;
    eh_ok(
        app,
        who,
        "addEarlyHelpPlanAction",
        "AddEarlyHelpPlanActionInput",
        json!({ "assessmentId": id, "expectedVersion": v, "planAction": action }),
    )
    .await
}

async fn exec(app: &TestApp, pg: &str, lite: &str, values: Vec<sea_orm::Value>) {
    let backend = app.db.get_database_backend();
    let sql = if backend == sea_orm::DatabaseBackend::Postgres { pg } else { lite };
    app.db.execute_raw(sea_orm::Statement::from_sql_and_values(backend, sql, values)).await.unwrap();
}

const EH_TABLES: [&str; 11] = [
    "early_help_assessments",
    "early_help_children",
    "early_help_household_members",
    "early_help_factors",
    "early_help_plan_actions",
    "early_help_taf_members",
    "early_help_meetings",
    "early_help_meeting_attendees",
    "early_help_action_reviews",
    "early_help_changes",
    "requests_for_support",
];

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut out = vec![];
    for t in EH_TABLES {
        out.push(app.count(t).await);
    }
    out
}

#[tokio::test]
async fn an_assessment_goes_from_start_through_a_meeting_to_step_up() {
    let app = TestApp::new().await;
    // 1. The school's practitioner starts it: they lead, for their organisation (from the token).
    let r = mutate(
        &app,
        "partner.school",
        "startEarlyHelpAssessment",
        "StartEarlyHelpAssessmentInput",
        eha_input("Journeyeh"),
    )
    .await;
    assert_eq!(r.user_errors("startEarlyHelpAssessment"), vec![], "{}", r.raw);
    let a = r.data()["startEarlyHelpAssessment"]["assessment"].clone();
    let id = a["id"].as_str().unwrap().to_string();
    let year = Utc::now().format("%Y").to_string();
    assert!(a["reference"].as_str().unwrap().starts_with(&format!("EHA-{year}-")), "{a}");
    assert_eq!((a["status"].as_str(), a["version"].as_i64()), (Some("ASSESSMENT"), Some(1)));
    assert_eq!(a["lead"]["displayName"], "Teacher Example");
    assert_eq!(a["leadOrganisation"]["name"], "Example Primary School");
    assert_eq!(
        a["consent"],
        json!({ "status": "GIVEN", "givenBy": "PARENT_CARER", "covers": "the whole household", "reason": null, "safeguardingReason": null })
    );
    assert_eq!(a["children"].as_array().unwrap().len(), 2);
    assert_eq!(a["household"][0]["relationship"], "MOTHER");
    assert_eq!(a["household"][1]["relationship"], "GRANDPARENT");
    assert_eq!(
        a["strengths"][0],
        json!({ "id": a["strengths"][0]["id"], "domain": "PARENTING_CAPACITY", "compartment": "BELONGING", "description": "Warm relationship with both children", "score": 2 })
    );
    assert_eq!(a["needs"][1]["compartment"], "BASICS");
    assert_eq!((a["nextReviewDue"].clone(), a["plan"].clone()), (Value::Null, json!([])));
    let mother = a["household"][0]["id"].as_str().unwrap().to_string();

    // 2. The assessment is completed with the voices of the child and the family (R4).
    let r = mutate(
        &app,
        "partner.school",
        "updateEarlyHelpAssessment",
        "UpdateEarlyHelpAssessmentInput",
        json!({ "assessmentId": id, "expectedVersion": 1, "completedOn": today(), "level": "INTENSIVE",
                "childVoice": "Likes drawing; wants mornings to be calmer." }),
    )
    .await;
    assert_eq!(r.user_errors("updateEarlyHelpAssessment"), vec![], "{}", r.raw);
    let a = &r.data()["updateEarlyHelpAssessment"]["assessment"];
    assert_eq!(
        (a["version"].as_i64(), a["completedOn"].as_str(), a["level"].as_str()),
        (Some(2), Some(today().as_str()), Some("INTENSIVE"))
    );

    // 3. The team around the family: the early help service and the hub.
    add_taf(&app, "partner.school", &id, "ehp.earlyhelp").await;
    add_taf(&app, "partner.school", &id, "hub.worker").await;

    // 4. The co-produced plan: mum, a practitioner, and someone from housing.
    add_action(&app, "partner.school", &id, plan_action(&mother, &days_ahead(28))).await;
    add_action(&app, "partner.school", &id, json!({ "need": "Sleep routine for the toddler", "action": "Two home visits on bedtime routines",
        "responsible": { "staffId": gid("Staff", app.staff_id("ehp.earlyhelp")) }, "intendedOutcome": "Settled by 8pm most nights",
        "targetDate": days_ahead(42), "compartment": "COPING", "agreedWithFamily": true })).await;
    let a = add_action(&app, "partner.school", &id, json!({ "need": "Rent arrears", "action": "Arrange a repayment plan",
        "responsible": { "name": "Sample Officer", "organisation": "Example Housing Association" }, "intendedOutcome": "No risk of eviction",
        "targetDate": days_ahead(60), "compartment": "BASICS", "agreedWithFamily": true })).await;
    assert_eq!(a["status"], "PLAN_ACTIVE");
    assert_eq!(a["nextReviewDue"], days_ahead(42), "first review six weeks after the plan");
    let plan: Vec<String> =
        a["plan"].as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect();

    // 5. A member of the team records the meeting: attendance, views, a review of each action,
    // an updated plan and the next meeting date.
    let v = eha_version(&app, &id).await;
    let r = mutate(&app, "ehp.earlyhelp", "recordEarlyHelpMeeting", "RecordEarlyHelpMeetingInput", json!({
        "assessmentId": id, "expectedVersion": v, "heldOn": today(),
        "attendees": [
            { "person": { "staffId": gid("Staff", app.staff_id("ehp.earlyhelp")) }, "attended": true },
            { "person": { "householdMemberId": mother }, "attended": true },
            { "person": { "name": "Sample Officer", "organisation": "Example Housing Association" }, "attended": false }
        ],
        "childViews": "Drew a picture of a calm morning.",
        "familyViews": "Mum says the chart helps.",
        "actionReviews": [
            { "actionId": plan[0], "progress": "Chart in use most days", "status": "IN_PROGRESS" },
            { "actionId": plan[1], "progress": "Both visits done", "status": "DONE" },
            { "actionId": plan[2], "progress": "Officer not yet contacted", "status": "NOT_STARTED", "targetDate": days_ahead(75) }
        ],
        "newActions": [{ "need": "Money worries", "action": "Benefits check", "responsible": { "householdMemberId": mother },
                         "intendedOutcome": "Income maximised", "targetDate": days_ahead(30), "agreedWithFamily": true }],
        "nextMeetingOn": days_ahead(28)
    })).await;
    assert_eq!(r.user_errors("recordEarlyHelpMeeting"), vec![], "{}", r.raw);
    let a = r.data()["recordEarlyHelpMeeting"]["assessment"].clone();
    let m = &a["meetings"][0];
    assert_eq!(m["recordedBy"]["displayName"], "Early Help Practitioner Example");
    assert_eq!(
        (m["childViews"].as_str(), m["nextMeetingOn"].as_str()),
        (Some("Drew a picture of a calm morning."), Some(days_ahead(28).as_str()))
    );
    assert_eq!(m["attendees"][0]["person"]["practitioner"]["displayName"], "Early Help Practitioner Example");
    assert_eq!(m["attendees"][1]["person"]["householdMember"]["givenName"], "Sample Carer");
    assert_eq!(
        m["attendees"][2],
        json!({ "attended": false, "person": { "practitioner": null, "householdMember": null, "name": "Sample Officer", "organisation": "Example Housing Association" } })
    );
    assert_eq!(m["actionReviews"][1]["action"]["action"], "Two home visits on bedtime routines");
    let statuses: Vec<&str> = a["plan"].as_array().unwrap().iter().map(|p| p["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["IN_PROGRESS", "DONE", "NOT_STARTED", "NOT_STARTED"]);
    assert_eq!(a["plan"][2]["targetDate"], days_ahead(75));
    assert_eq!(a["plan"][1]["responsible"]["practitioner"]["displayName"], "Early Help Practitioner Example");
    assert_eq!(a["plan"][3]["responsible"]["householdMember"]["givenName"], "Sample Carer");
    // Who changed what and when: field names, never the values.
    let changes = a["changes"].as_array().unwrap();
    let sections: Vec<&str> = changes.iter().map(|c| c["section"].as_str().unwrap()).collect();
    for s in ["ASSESSMENT", "TEAM", "PLAN", "MEETING"] {
        assert!(sections.contains(&s), "{sections:?}");
    }
    assert!(changes.iter().any(
        |c| c["summary"].as_str().unwrap().contains("childVoice") && c["actor"]["displayName"] == "Teacher Example"
    ));
    assert!(
        changes
            .iter()
            .any(|c| c["section"] == "MEETING" && c["actor"]["displayName"] == "Early Help Practitioner Example")
    );
    let all = serde_json::to_string(changes).unwrap();
    for value in ["Likes drawing", "Journeyeh", "Sample Carer", "INTENSIVE", "calm morning"] {
        assert!(!all.contains(value), "{value} leaked into the history: {all}");
    }

    // 6. A concern needs social care: the lead steps up. The draft request is pre-filled.
    let r = close(
        &app,
        "partner.school",
        &id,
        "STEP_UP_TO_SOCIAL_CARE",
        Some("Disclosure at school of being hit at home."),
    )
    .await;
    assert_eq!(r.user_errors("closeEarlyHelpAssessment"), vec![], "{}", r.raw);
    let c = &r.data()["closeEarlyHelpAssessment"];
    assert_eq!(c["assessment"]["status"], "CLOSED");
    assert_eq!(c["assessment"]["closure"]["outcome"], "STEP_UP_TO_SOCIAL_CARE");
    let d = &c["draftRequest"];
    assert_eq!((d["status"].as_str(), d["referrerLevel"].as_str()), (Some("DRAFT"), Some("INTENSIVE")), "{}", r.raw);
    assert!(d["reference"].as_str().unwrap().starts_with("DRAFT-"));
    let concerns = d["concerns"].as_str().unwrap();
    assert!(
        concerns.contains("Disclosure at school") && concerns.contains("Rent arrears; food running short"),
        "{concerns}"
    );
    assert_eq!(d["childViews"], "Likes drawing; wants mornings to be calmer.");
    assert!(d["supportInPlace"].as_str().unwrap().contains("Benefits check"));
    assert_eq!(d["consent"], json!({ "status": "GIVEN", "givenBy": "PARENT_CARER", "covers": "the whole household" }));
    assert_eq!(d["children"].as_array().unwrap().len(), 2);
    assert_eq!(d["children"][1]["givenName"], "Sampletot");
    assert_eq!(
        d["household"][0],
        json!({ "givenName": "Sample Carer", "relationship": "MOTHER", "parentalResponsibility": true })
    );
    let draft = d["id"].as_str().unwrap().to_string();

    // The draft is the lead's alone: not in the hub's queue, not found by ID, not in the
    // safeguarding lead's list.
    assert!(!ids_of(&app.gql("hub.worker", QUEUE, json!({})).await, "requestsForSupport").contains(&draft));
    let hidden =
        app.gql("hub.worker", "query($id: ID!) { requestForSupport(id: $id) { id } }", json!({ "id": draft })).await;
    assert_eq!(hidden.code(), "NOT_FOUND");
    assert!(!ids_of(&app.gql("dsl.school", QUEUE, json!({})).await, "requestsForSupport").contains(&draft));
    assert!(ids_of(&app.gql("partner.school", QUEUE, json!({})).await, "requestsForSupport").contains(&draft));

    // 7. The lead reviews and submits it through the normal path.
    let r = app.gql("partner.school", SUBMIT_DRAFT, json!({ "i": draft_completion(&draft, 1) })).await;
    assert_eq!(r.user_errors("submitDraftRequestForSupport"), vec![], "{}", r.raw);
    let s = &r.data()["submitDraftRequestForSupport"]["request"];
    assert_eq!(
        (s["status"].as_str(), s["version"].as_i64(), s["id"].as_str()),
        (Some("RECEIVED"), Some(2), Some(draft.as_str()))
    );
    assert!(s["reference"].as_str().unwrap().starts_with(&format!("RFS-{year}-")));
    let (received, due): (chrono::DateTime<Utc>, chrono::DateTime<Utc>) =
        (s["receivedAt"].as_str().unwrap().parse().unwrap(), s["dueAt"].as_str().unwrap().parse().unwrap());
    let cal = casegraph::domain::calendar::load(&app.db).await.unwrap();
    assert_eq!(due, cal.due_after_working_days(received, 1));
    assert_eq!(s["concernCategories"], json!(["NEGLECT", "MENTAL_HEALTH_PARENT"]));
    // Now the hub has it, and can decide as with any request.
    assert!(ids_of(&app.gql("hub.worker", QUEUE, json!({})).await, "requestsForSupport").contains(&draft));
    let r = app.gql("hub.worker", "mutation($i: RecordHubDecisionInput!) { recordHubDecision(input: $i) { decision { outcome } userErrors { code } } }",
        json!({ "i": { "requestId": draft, "outcome": "ADVICE_INFORMATION", "decidedLevel": "INTENSIVE", "rationale": "Stepped up; advice first",
                       "feedback": "Advice given to the lead practitioner", "expectedVersion": 2 } })).await;
    assert_eq!(r.data()["recordHubDecision"]["userErrors"], json!([]), "{}", r.raw);
    // The closed assessment points at the request; a second submission finds no draft.
    let r = read(&app, "partner.school", &id).await;
    assert_eq!(r.data()["earlyHelpAssessment"]["stepUpRequest"]["status"], "DECIDED", "{}", r.raw);
    let r = app.gql("partner.school", SUBMIT_DRAFT, json!({ "i": draft_completion(&draft, 2) })).await;
    assert_eq!(r.user_errors("submitDraftRequestForSupport"), vec![("input.requestId".into(), "NOT_FOUND".into())]);
}

#[tokio::test]
async fn team_around_the_family_access_ends_when_the_assessment_closes() {
    let app = TestApp::new().await;
    let id = start_assessment(&app, "ehp.earlyhelp", "Taffamily").await["id"].as_str().unwrap().to_string();
    add_taf(&app, "ehp.earlyhelp", &id, "partner.health").await;
    add_taf(&app, "ehp.earlyhelp", &id, "partner.school").await;
    let missing = gid("EarlyHelpAssessment", Uuid::now_v7());
    // Before closure a member reads and contributes.
    let r = read(&app, "partner.health", &id).await;
    assert_eq!(r.data()["earlyHelpAssessment"]["id"], id.as_str(), "{}", r.raw);
    let members: Vec<&str> = r.data()["earlyHelpAssessment"]["teamAroundFamily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["practitioner"]["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["Health Visitor Example", "Teacher Example"], "members see each other without the directory");
    let v = eha_version(&app, &id).await;
    eh_ok(
        &app,
        "partner.health",
        "updateEarlyHelpAssessment",
        "UpdateEarlyHelpAssessmentInput",
        json!({ "assessmentId": id, "expectedVersion": v, "familyVoice": "Dad would like to be involved too." }),
    )
    .await;
    // A member the lead removes loses access at once; only the lead manages the team.
    let v = eha_version(&app, &id).await;
    let r = mutate(
        &app,
        "partner.health",
        "removeTeamAroundFamilyMember",
        "TeamAroundFamilyMemberInput",
        json!({ "assessmentId": id, "expectedVersion": v, "staffId": gid("Staff", app.staff_id("partner.school")) }),
    )
    .await;
    assert_eq!(r.user_errors("removeTeamAroundFamilyMember"), vec![("input.assessmentId".into(), "NOT_FOUND".into())]);
    eh_ok(
        &app,
        "ehp.earlyhelp",
        "removeTeamAroundFamilyMember",
        "TeamAroundFamilyMemberInput",
        json!({ "assessmentId": id, "expectedVersion": v, "staffId": gid("Staff", app.staff_id("partner.school")) }),
    )
    .await;
    let gone = read(&app, "partner.school", &id).await;
    assert_eq!(gone.code(), "NOT_FOUND");
    assert_eq!(gone.raw, read(&app, "partner.school", &missing).await.raw);

    // The lead closes it: the member's access ends by itself.
    let r = close(&app, "ehp.earlyhelp", &id, "NEEDS_MET", None).await;
    assert_eq!(r.user_errors("closeEarlyHelpAssessment"), vec![], "{}", r.raw);
    let after = read(&app, "partner.health", &id).await;
    assert_eq!(after.code(), "NOT_FOUND", "{}", after.raw);
    assert_eq!(after.raw, read(&app, "partner.health", &missing).await.raw, "closed looks exactly like missing");
    let list =
        app.gql("partner.health", "{ earlyHelpAssessments(first: 100) { edges { node { id } } } }", json!({})).await;
    assert_eq!(ids_of(&list, "earlyHelpAssessments"), Vec::<String>::new());
    let v = eha_version(&app, &id).await;
    let r = mutate(
        &app,
        "partner.health",
        "updateEarlyHelpAssessment",
        "UpdateEarlyHelpAssessmentInput",
        json!({ "assessmentId": id, "expectedVersion": v, "reason": "late edit" }),
    )
    .await;
    assert_eq!(r.user_errors("updateEarlyHelpAssessment"), vec![("input.assessmentId".into(), "NOT_FOUND".into())]);
    // The lead keeps the record, read-only.
    let r = read(&app, "ehp.earlyhelp", &id).await;
    assert_eq!(r.data()["earlyHelpAssessment"]["status"], "CLOSED", "{}", r.raw);
    assert_eq!(
        r.data()["earlyHelpAssessment"]["closure"]["closedBy"]["displayName"],
        "Early Help Practitioner Example"
    );
    let r = mutate(
        &app,
        "ehp.earlyhelp",
        "updateEarlyHelpAssessment",
        "UpdateEarlyHelpAssessmentInput",
        json!({ "assessmentId": id, "expectedVersion": v, "reason": "late edit" }),
    )
    .await;
    assert_eq!(
        r.user_errors("updateEarlyHelpAssessment"),
        vec![("input.assessmentId".into(), "ALREADY_CLOSED".into())]
    );
    let r = close(&app, "ehp.earlyhelp", &id, "NEEDS_MET", None).await;
    assert_eq!(r.user_errors("closeEarlyHelpAssessment"), vec![("input.assessmentId".into(), "ALREADY_CLOSED".into())]);
}

#[tokio::test]
async fn who_sees_an_assessment() {
    let app = TestApp::new().await;
    let a = start_assessment(&app, "partner.school", "Scopefamily").await;
    let id = a["id"].as_str().unwrap().to_string();
    let other = start_assessment(&app, "ehp.earlyhelp", "Otherfamily").await["id"].as_str().unwrap().to_string();
    let missing = gid("EarlyHelpAssessment", Uuid::now_v7());
    let sees = |who: &'static str| {
        let (app, id, missing) = (&app, id.clone(), missing.clone());
        async move {
            let r = read(app, who, &id).await;
            if r.body["errors"].is_null() {
                true
            } else {
                assert_eq!(r.code(), "NOT_FOUND", "{who}: {}", r.raw);
                assert_eq!(r.raw, read(app, who, &missing).await.raw, "{who}: hidden looks like missing");
                false
            }
        }
    };
    // Before any child is linked: the lead, their safeguarding lead, the early help manager.
    for (who, expected) in [
        ("partner.school", true),
        ("dsl.school", true),
        ("eh.manager", true),
        ("partner.health", false),
        ("dsl.health", false),
        ("ehp.earlyhelp", false),
        ("hub.worker", false),
        ("sw.alpha1", false),
        ("tm.alpha", false),
        ("analyst", false),
        ("admin", false),
        ("integration.police", false),
    ] {
        assert_eq!(sees(who).await, expected, "{who}");
    }
    // Lists follow the same scope.
    let list = "{ earlyHelpAssessments(first: 100) { edges { node { id } } } }";
    assert_eq!(ids_of(&app.gql("partner.school", list, json!({})).await, "earlyHelpAssessments"), vec![id.clone()]);
    assert_eq!(ids_of(&app.gql("dsl.school", list, json!({})).await, "earlyHelpAssessments"), vec![id.clone()]);
    assert_eq!(
        ids_of(&app.gql("eh.manager", list, json!({})).await, "earlyHelpAssessments"),
        vec![id.clone(), other.clone()]
    );
    assert_eq!(ids_of(&app.gql("sw.alpha1", list, json!({})).await, "earlyHelpAssessments"), Vec::<String>::new());
    for who in ["analyst", "admin", "integration.police"] {
        assert_eq!(app.gql(who, list, json!({})).await.code(), "FORBIDDEN", "{who}");
    }
    // The hub joins the team and links the first child to team alpha's child record: the
    // social workers and manager who may see that child now see the assessment; bravo does not.
    add_taf(&app, "partner.school", &id, "hub.worker").await;
    assert!(sees("hub.worker").await);
    let known = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let restricted = fixtures::open_case_of(&app, "sw.alpha1", true).await;
    let link = |child: Uuid, version: i32| json!({ "assessmentChildId": a["children"][0]["id"], "childId": gid("Child", child), "expectedVersion": version });
    let v = eha_version(&app, &id).await;
    let r =
        mutate(&app, "hub.worker", "linkEarlyHelpChild", "LinkEarlyHelpChildInput", link(restricted.child_id, v)).await;
    assert_eq!(
        r.user_errors("linkEarlyHelpChild"),
        vec![("input.childId".into(), "NOT_FOUND".into())],
        "the hub cannot see restricted children"
    );
    let r = app
        .gql(
            "partner.school",
            "mutation($i: LinkEarlyHelpChildInput!) { linkEarlyHelpChild(input: $i) { userErrors { code } } }",
            json!({ "i": link(known.child_id, v) }),
        )
        .await;
    assert_eq!(r.code(), "FORBIDDEN", "partners cannot see child records, so cannot link them");
    // The names and date of birth disagree: refused, unless the hub says why they are the same
    // child (kept with the link).
    let r = mutate(&app, "hub.worker", "linkEarlyHelpChild", "LinkEarlyHelpChildInput", link(known.child_id, v)).await;
    assert_eq!(r.user_errors("linkEarlyHelpChild"), vec![("input.childId".into(), "IDENTITY_MISMATCH".into())]);
    let mut why = link(known.child_id, v);
    why["overrideReason"] = json!("Known by a previous surname; checked with the school");
    eh_ok(&app, "hub.worker", "linkEarlyHelpChild", "LinkEarlyHelpChildInput", why).await;
    let stored = entity::early_help_child::Entity::find_by_id(uuid_of(a["children"][0]["id"].as_str().unwrap()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.link_override_reason.as_deref(), Some("Known by a previous surname; checked with the school"));
    let reason = "query($id: ID!) { earlyHelpAssessment(id: $id) { children { linkOverrideReason } } }";
    let r = app.gql("hub.worker", reason, json!({ "id": id })).await;
    assert_eq!(
        r.data()["earlyHelpAssessment"]["children"][0]["linkOverrideReason"],
        "Known by a previous surname; checked with the school",
        "{}",
        r.raw
    );
    let r = app.gql("partner.school", reason, json!({ "id": id })).await;
    assert_eq!(
        r.data()["earlyHelpAssessment"]["children"][0]["linkOverrideReason"],
        Value::Null,
        "a partner never learns of the link"
    );
    let r =
        mutate(&app, "hub.worker", "linkEarlyHelpChild", "LinkEarlyHelpChildInput", link(known.child_id, v + 1)).await;
    assert_eq!(r.user_errors("linkEarlyHelpChild"), vec![("input.assessmentChildId".into(), "CONFLICT".into())]);
    for (who, expected) in
        [("sw.alpha1", true), ("sw.alpha2", true), ("tm.alpha", true), ("sw.bravo1", false), ("tm.bravo", false)]
    {
        assert_eq!(sees(who).await, expected, "{who}");
    }
    assert_eq!(ids_of(&app.gql("sw.alpha1", list, json!({})).await, "earlyHelpAssessments"), vec![id.clone()]);
    // Taken off the team, the hub still sees it through the child it may see.
    let v = eha_version(&app, &id).await;
    eh_ok(
        &app,
        "partner.school",
        "removeTeamAroundFamilyMember",
        "TeamAroundFamilyMemberInput",
        json!({ "assessmentId": id, "expectedVersion": v, "staffId": gid("Staff", app.staff_id("hub.worker")) }),
    )
    .await;
    assert!(sees("hub.worker").await);
    // The same scope on node(id:).
    let node = app.gql("partner.health", "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
    assert_eq!(node.code(), "NOT_FOUND");
    let node = app
        .gql(
            "dsl.school",
            "query($id: ID!) { node(id: $id) { id ... on EarlyHelpAssessment { reference } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(node.data()["node"]["reference"], a["reference"], "{}", node.raw);
}

#[tokio::test]
async fn fields_each_role_sees() {
    let app = TestApp::new().await;
    let a = start_assessment(&app, "partner.school", "Fieldfamily").await;
    let id = a["id"].as_str().unwrap().to_string();
    add_taf(&app, "partner.school", &id, "hub.worker").await;
    let known = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let v = eha_version(&app, &id).await;
    eh_ok(&app, "hub.worker", "linkEarlyHelpChild", "LinkEarlyHelpChildInput",
        json!({ "assessmentChildId": a["children"][0]["id"], "childId": gid("Child", known.child_id), "expectedVersion": v, "overrideReason": "Known by a previous surname" })).await;
    // Who sees the linked child record, the voices, the team's names.
    for (who, child_record, sees_links) in [
        ("partner.school", false, false),
        ("dsl.school", false, false),
        ("eh.manager", false, true),
        ("hub.worker", true, true),
        ("sw.alpha1", true, true),
        ("tm.alpha", true, true),
    ] {
        let r = read(&app, who, &id).await;
        let e = &r.data()["earlyHelpAssessment"];
        assert!(e.is_object(), "{who}: {}", r.raw);
        // Only those who may read child records learn that a child is linked; a partner leading
        // the assessment learns nothing about whether the child is known to social care.
        let linked = if sees_links { json!(true) } else { Value::Null };
        assert_eq!(e["children"][0]["linked"], linked, "{who}: {}", r.raw);
        assert_eq!(e["children"][0]["child"].is_object(), child_record, "{who}: {}", r.raw);
        assert_eq!(e["childVoice"], "Likes drawing; says mornings are 'shouty'.", "{who}");
        assert_eq!(e["lead"]["displayName"], "Teacher Example", "{who}");
        assert_eq!(e["teamAroundFamily"][0]["practitioner"]["displayName"], "Hub Worker Example", "{who}");
        assert!(e["changes"].as_array().unwrap().iter().all(|c| c["actor"].is_object()), "{who}");
    }
    // Analysts: counts only. The summary type has no field that could carry personal data.
    let r = read(&app, "analyst", &id).await;
    assert_eq!(r.code(), "NOT_FOUND");
    let r = app
        .gql("analyst", "{ earlyHelpSummary { open overdueReviews closedByOutcome { outcome count } } }", json!({}))
        .await;
    assert_eq!(r.data()["earlyHelpSummary"]["open"], 1, "{}", r.raw);
    let sdl = casegraph::graphql::sdl();
    let start = sdl.find("type EarlyHelpSummary {").unwrap();
    let body = &sdl[start..start + sdl[start..].find("\n}").unwrap()];
    let fields: Vec<&str> = body
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| l.contains(':') && !l.starts_with('"'))
        .map(|l| l.split(':').next().unwrap())
        .collect();
    assert_eq!(fields, ["open", "closedByOutcome", "overdueReviews"]);
    for who in ["partner.school", "hub.worker", "sw.alpha1", "ehp.earlyhelp", "admin"] {
        assert_eq!(app.gql(who, "{ earlyHelpSummary { open } }", json!({})).await.code(), "FORBIDDEN", "{who}");
    }
    assert!(app.gql("eh.manager", "{ earlyHelpSummary { open } }", json!({})).await.body["errors"].is_null());
    // The step-up request: its author sees the draft; the safeguarding lead and the manager
    // see nothing until it is submitted, then the safeguarding lead sees it (their organisation).
    let r = close(&app, "partner.school", &id, "STEP_UP_TO_SOCIAL_CARE", Some("Concern about bruising")).await;
    let draft = r.data()["closeEarlyHelpAssessment"]["draftRequest"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.raw))
        .to_string();
    let step = |who: &'static str| {
        let (app, id) = (&app, id.clone());
        async move { read(app, who, &id).await.data()["earlyHelpAssessment"]["stepUpRequest"].clone() }
    };
    assert_eq!(step("partner.school").await["status"], "DRAFT");
    assert!(step("dsl.school").await.is_null());
    assert!(step("eh.manager").await.is_null());
    let r = app.gql("partner.school", SUBMIT_DRAFT, json!({ "i": draft_completion(&draft, 1) })).await;
    assert_eq!(r.user_errors("submitDraftRequestForSupport"), vec![], "{}", r.raw);
    assert_eq!(step("dsl.school").await["status"], "RECEIVED");
    assert_eq!(
        step("hub.worker").await["status"],
        "RECEIVED",
        "the hub sees it through the linked child and its queue"
    );
    // The linked child went with the request: the hub sees it matched.
    let r = app
        .gql(
            "hub.worker",
            "query($id: ID!) { requestForSupport(id: $id) { children { matched child { id } } } }",
            json!({ "id": draft }),
        )
        .await;
    assert_eq!(r.data()["requestForSupport"]["children"][0]["child"]["id"], gid("Child", known.child_id), "{}", r.raw);
}

#[tokio::test]
async fn review_cadence_and_the_overdue_inbox() {
    let app = TestApp::new().await;
    let a = start_assessment(&app, "ehp.earlyhelp", "Cadencefamily").await;
    let id = a["id"].as_str().unwrap().to_string();
    let untouched = start_assessment(&app, "ehp.earlyhelp", "Noplanfamily").await;
    assert_eq!((untouched["nextReviewDue"].clone(), untouched["reviewOverdue"].clone()), (Value::Null, json!(false)));
    let member = a["household"][0]["id"].as_str().unwrap().to_string();
    let a = add_action(&app, "ehp.earlyhelp", &id, plan_action(&member, &days_ahead(10))).await;
    assert_eq!(
        (a["nextReviewDue"].as_str(), a["reviewOverdue"].as_bool()),
        (Some(days_ahead(42).as_str()), Some(false))
    );
    // The plan was agreed 60 days ago and never reviewed.
    let agreed = Utc::now().date_naive() - chrono::Duration::days(60);
    let due = agreed + chrono::Duration::days(42);
    exec(
        &app,
        "UPDATE early_help_assessments SET plan_agreed_on = $1, next_review_due = $2 WHERE id = $3",
        "UPDATE early_help_assessments SET plan_agreed_on = ?, next_review_due = ? WHERE id = ?",
        vec![agreed.into(), due.into(), uuid_of(&id).into()],
    )
    .await;
    let inbox = "{ earlyHelpAssessments(first: 100, filter: {reviewOverdue: true}) { edges { node { id reviewOverdue nextReviewDue } } } }";
    let r = app.gql("ehp.earlyhelp", inbox, json!({})).await;
    assert_eq!(ids_of(&r, "earlyHelpAssessments"), vec![id.clone()], "the lead's inbox");
    assert_eq!(r.data()["earlyHelpAssessments"]["edges"][0]["node"]["reviewOverdue"], true);
    assert_eq!(
        ids_of(&app.gql("eh.manager", inbox, json!({})).await, "earlyHelpAssessments"),
        vec![id.clone()],
        "the manager's"
    );
    assert_eq!(
        ids_of(&app.gql("partner.school", inbox, json!({})).await, "earlyHelpAssessments"),
        Vec::<String>::new()
    );
    let not_overdue = "{ earlyHelpAssessments(first: 100, filter: {reviewOverdue: false}) { edges { node { id } } } }";
    assert_eq!(
        ids_of(&app.gql("ehp.earlyhelp", not_overdue, json!({})).await, "earlyHelpAssessments"),
        vec![untouched["id"].as_str().unwrap().to_string()]
    );
    let r = app.gql("analyst", "{ earlyHelpSummary { open overdueReviews } }", json!({})).await;
    assert_eq!(r.data()["earlyHelpSummary"], json!({ "open": 2, "overdueReviews": 1 }));

    // A review meeting: later reviews at most three months apart.
    let plan_id = a["plan"][0]["id"].as_str().unwrap().to_string();
    let meeting = |next: Option<String>, version: i32| {
        json!({ "assessmentId": id, "expectedVersion": version, "heldOn": today(),
        "attendees": [{ "person": { "householdMemberId": member }, "attended": true }],
        "actionReviews": [{ "actionId": plan_id, "progress": "Going well", "status": "IN_PROGRESS" }], "nextMeetingOn": next })
    };
    for bad in [days_ahead(100), today(), days_ago(3)] {
        let v = eha_version(&app, &id).await;
        let r = mutate(
            &app,
            "ehp.earlyhelp",
            "recordEarlyHelpMeeting",
            "RecordEarlyHelpMeetingInput",
            meeting(Some(bad.clone()), v),
        )
        .await;
        assert_eq!(
            r.user_errors("recordEarlyHelpMeeting"),
            vec![("input.nextMeetingOn".into(), "INVALID".into())],
            "{bad}"
        );
    }
    let v = eha_version(&app, &id).await;
    let r =
        mutate(&app, "ehp.earlyhelp", "recordEarlyHelpMeeting", "RecordEarlyHelpMeetingInput", meeting(None, v)).await;
    let a = &r.data()["recordEarlyHelpMeeting"]["assessment"];
    let three_months =
        (Utc::now().date_naive().checked_add_months(Months::new(3)).unwrap()).format("%Y-%m-%d").to_string();
    assert_eq!(
        (a["nextReviewDue"].as_str(), a["reviewOverdue"].as_bool()),
        (Some(three_months.as_str()), Some(false)),
        "{}",
        r.raw
    );
    assert_eq!(ids_of(&app.gql("ehp.earlyhelp", inbox, json!({})).await, "earlyHelpAssessments"), Vec::<String>::new());
    // A next meeting date sooner than the limit is when the review falls due.
    let v = eha_version(&app, &id).await;
    let r = mutate(
        &app,
        "ehp.earlyhelp",
        "recordEarlyHelpMeeting",
        "RecordEarlyHelpMeetingInput",
        meeting(Some(days_ahead(21)), v),
    )
    .await;
    assert_eq!(r.data()["recordEarlyHelpMeeting"]["assessment"]["nextReviewDue"], days_ahead(21), "{}", r.raw);
    let r = app.gql("analyst", "{ earlyHelpSummary { overdueReviews } }", json!({})).await;
    assert_eq!(r.data()["earlyHelpSummary"]["overdueReviews"], 0);
}

async fn first_member(app: &TestApp, id: &str) -> String {
    let r = read(app, "ehp.earlyhelp", id).await;
    r.data()["earlyHelpAssessment"]["household"][0]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn closure_outcomes_and_the_counts() {
    let app = TestApp::new().await;
    let mut ids = vec![];
    for n in 0..5 {
        ids.push(
            start_assessment(&app, "ehp.earlyhelp", &format!("Closurefamily{n}")).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    // Needs met, nothing open: no reason needed.
    let r = close(&app, "ehp.earlyhelp", &ids[0], "NEEDS_MET", None).await;
    assert_eq!(r.user_errors("closeEarlyHelpAssessment"), vec![]);
    assert!(r.data()["closeEarlyHelpAssessment"]["draftRequest"].is_null());
    // Open actions need a reason; with one, the remaining actions go to a single agency.
    let m = first_member(&app, &ids[1]).await;
    add_action(&app, "ehp.earlyhelp", &ids[1], plan_action(&m, &days_ahead(10))).await;
    let before = counts(&app).await;
    let r = close(&app, "ehp.earlyhelp", &ids[1], "SINGLE_AGENCY", None).await;
    assert_eq!(r.user_errors("closeEarlyHelpAssessment"), vec![("input.reason".into(), "REQUIRED".into())]);
    assert_eq!(counts(&app).await, before, "nothing stored");
    let r = close(&app, "ehp.earlyhelp", &ids[1], "SINGLE_AGENCY", Some("School will carry on the routine work")).await;
    assert_eq!(r.user_errors("closeEarlyHelpAssessment"), vec![]);
    assert_eq!(
        r.data()["closeEarlyHelpAssessment"]["assessment"]["closure"]["reason"],
        "School will carry on the routine work"
    );
    // A finished plan closes without a reason.
    let m = first_member(&app, &ids[2]).await;
    let a = add_action(&app, "ehp.earlyhelp", &ids[2], plan_action(&m, &days_ahead(10))).await;
    let v = eha_version(&app, &ids[2]).await;
    eh_ok(
        &app,
        "ehp.earlyhelp",
        "updateEarlyHelpPlanAction",
        "UpdateEarlyHelpPlanActionInput",
        json!({ "actionId": a["plan"][0]["id"], "expectedVersion": v, "status": "DONE" }),
    )
    .await;
    let r = close(&app, "ehp.earlyhelp", &ids[2], "STEP_DOWN_TO_UNIVERSAL", None).await;
    assert_eq!(r.user_errors("closeEarlyHelpAssessment"), vec![]);
    let r =
        close(&app, "ehp.earlyhelp", &ids[3], "CONSENT_WITHDRAWN", Some("Mum withdrew consent at the review")).await;
    assert_eq!(r.user_errors("closeEarlyHelpAssessment"), vec![]);
    // A step up always needs the concern; a closure date cannot be in the future or before the start.
    let r = close(&app, "ehp.earlyhelp", &ids[4], "STEP_UP_TO_SOCIAL_CARE", None).await;
    assert_eq!(r.user_errors("closeEarlyHelpAssessment"), vec![("input.reason".into(), "REQUIRED".into())]);
    for (date, code) in [(days_ahead(1), "IN_FUTURE"), (days_ago(400), "INVALID")] {
        let r = app.gql("ehp.earlyhelp", CLOSE, json!({ "i": { "assessmentId": ids[4], "expectedVersion": 1, "outcome": "NEEDS_MET", "closedOn": date } })).await;
        assert_eq!(r.user_errors("closeEarlyHelpAssessment"), vec![("input.closedOn".into(), code.into())]);
    }
    // Only the lead closes: a team member and an outsider are told there is no such assessment.
    add_taf(&app, "ehp.earlyhelp", &ids[4], "partner.health").await;
    for who in ["partner.health", "partner.school"] {
        let r = close(&app, who, &ids[4], "NEEDS_MET", None).await;
        assert_eq!(
            r.user_errors("closeEarlyHelpAssessment"),
            vec![("input.assessmentId".into(), "NOT_FOUND".into())],
            "{who}"
        );
    }
    assert_eq!(close(&app, "dsl.school", &ids[4], "NEEDS_MET", None).await.code(), "FORBIDDEN");
    let r = app
        .gql("analyst", "{ earlyHelpSummary { open overdueReviews closedByOutcome { outcome count } } }", json!({}))
        .await;
    assert_eq!(
        r.data()["earlyHelpSummary"],
        json!({ "open": 1, "overdueReviews": 0, "closedByOutcome": [
            { "outcome": "NEEDS_MET", "count": 1 }, { "outcome": "STEP_DOWN_TO_UNIVERSAL", "count": 1 },
            { "outcome": "SINGLE_AGENCY", "count": 1 }, { "outcome": "CONSENT_WITHDRAWN", "count": 1 },
            { "outcome": "STEP_UP_TO_SOCIAL_CARE", "count": 0 } ] }),
        "{}",
        r.raw
    );
}

#[tokio::test]
async fn a_step_up_draft_is_submitted_under_the_request_rules() {
    let app = TestApp::new().await;
    let id = start_assessment(&app, "partner.school", "Draftfamily").await["id"].as_str().unwrap().to_string();
    let v = eha_version(&app, &id).await;
    eh_ok(
        &app,
        "partner.school",
        "updateEarlyHelpAssessment",
        "UpdateEarlyHelpAssessmentInput",
        json!({ "assessmentId": id, "expectedVersion": v, "level": "SPECIALIST" }),
    )
    .await;
    let r = close(&app, "partner.school", &id, "STEP_UP_TO_SOCIAL_CARE", Some("Neglect has worsened despite the plan"))
        .await;
    let draft = r.data()["closeEarlyHelpAssessment"]["draftRequest"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.raw))
        .to_string();
    assert_eq!(r.data()["closeEarlyHelpAssessment"]["draftRequest"]["referrerLevel"], "SPECIALIST");
    let keep = |edit: &dyn Fn(&mut Value)| {
        let mut i = draft_completion(&draft, 1);
        i.as_object_mut().unwrap().remove("referrerLevel");
        edit(&mut i);
        json!({ "i": i })
    };
    let before = (app.count("requests_for_support").await, app.count("reference_counters").await);
    // R6: immediate risk of significant harm is a phone call; the draft stays a draft.
    let r = app.gql("partner.school", SUBMIT_DRAFT, keep(&|i| i["immediateRiskOfSignificantHarm"] = json!(true))).await;
    assert_eq!(
        r.user_errors("submitDraftRequestForSupport"),
        vec![("input.immediateRiskOfSignificantHarm".into(), "TELEPHONE_MASH_NOW".into())]
    );
    assert!(
        r.data()["submitDraftRequestForSupport"]["userErrors"][0]["message"].as_str().unwrap().contains("01253 477299")
    );
    // R8: neglect at level 4 (the assessment's level) needs a neglect screening.
    let r = app.gql("partner.school", SUBMIT_DRAFT, keep(&|_| {})).await;
    assert_eq!(
        r.user_errors("submitDraftRequestForSupport"),
        vec![("input.neglectScreeningId".into(), "NEGLECT_SCREENING_REQUIRED".into())]
    );
    // The referrer's own checks, as for any request.
    let r = app
        .gql(
            "partner.school",
            SUBMIT_DRAFT,
            keep(&|i| {
                i["safeguardingLeadName"] = Value::Null;
                i["concernCategories"] = json!([]);
            }),
        )
        .await;
    let errs = r.user_errors("submitDraftRequestForSupport");
    assert!(
        errs.contains(&("input.safeguardingLeadName".into(), "REQUIRED".into()))
            && errs.contains(&("input.concernCategories".into(), "REQUIRED".into())),
        "{errs:?}"
    );
    let r = app.gql("partner.school", SUBMIT_DRAFT, keep(&|i| i["expectedVersion"] = json!(5))).await;
    assert_eq!(
        r.user_errors("submitDraftRequestForSupport"),
        vec![("input.expectedVersion".into(), "CONFLICT".into())]
    );
    // Someone else's draft is not found; roles that cannot submit drafts are refused.
    let r = app.gql("partner.health", SUBMIT_DRAFT, keep(&|_| {})).await;
    assert_eq!(r.user_errors("submitDraftRequestForSupport"), vec![("input.requestId".into(), "NOT_FOUND".into())]);
    for who in ["dsl.school", "hub.worker", "analyst"] {
        assert_eq!(app.gql(who, SUBMIT_DRAFT, keep(&|_| {})).await.code(), "FORBIDDEN", "{who}");
    }
    assert_eq!((app.count("requests_for_support").await, app.count("reference_counters").await), before);
    let r = app
        .gql(
            "partner.school",
            "query($id: ID!) { requestForSupport(id: $id) { status version } }",
            json!({ "id": draft }),
        )
        .await;
    assert_eq!(r.data()["requestForSupport"], json!({ "status": "DRAFT", "version": 1 }), "nothing changed");
    // With the lead's own screening attached it goes through at level 4.
    let screening = fixtures::submit_screening_of(
        &app,
        "partner.school",
        fixtures::screening_of("Testchild", "Draftfamily", "2017-03-14"),
    )
    .await;
    let r = app.gql("partner.school", SUBMIT_DRAFT, keep(&|i| i["neglectScreeningId"] = json!(screening))).await;
    assert_eq!(r.user_errors("submitDraftRequestForSupport"), vec![], "{}", r.raw);
    let s = &r.data()["submitDraftRequestForSupport"]["request"];
    assert_eq!(
        (s["status"].as_str(), s["referrerLevel"].as_str(), s["urgent"].as_bool()),
        (Some("RECEIVED"), Some("SPECIALIST"), Some(false))
    );
    // A written follow-up to a phone call is urgent, as with any request.
    let id2 = start_assessment(&app, "ehp.earlyhelp", "Phonefamily").await["id"].as_str().unwrap().to_string();
    let r = close(&app, "ehp.earlyhelp", &id2, "STEP_UP_TO_SOCIAL_CARE", Some("Disclosure; MASH phoned")).await;
    let draft2 = r.data()["closeEarlyHelpAssessment"]["draftRequest"]["id"].as_str().unwrap().to_string();
    let mut i = draft_completion(&draft2, 1);
    i["immediateRiskOfSignificantHarm"] = json!(true);
    i["phoneContactMadeAt"] = json!((Utc::now() - chrono::Duration::minutes(10)).to_rfc3339());
    i["concernCategories"] = json!(["PHYSICAL_ABUSE_ADULT_ON_CHILD"]);
    let r = app.gql("ehp.earlyhelp", SUBMIT_DRAFT, json!({ "i": i })).await;
    assert_eq!(r.data()["submitDraftRequestForSupport"]["request"]["urgent"], true, "{}", r.raw);
    let q = app
        .gql(
            "hub.worker",
            "{ requestsForSupport(first: 10, filter: {status: RECEIVED}) { edges { node { id urgent } } } }",
            json!({}),
        )
        .await;
    assert_eq!(q.data()["requestsForSupport"]["edges"][0]["node"]["id"], draft2.as_str(), "urgent first: {}", q.raw);
    // The early help practitioner follows their own request, and only that.
    let mine = app.gql("ehp.earlyhelp", QUEUE, json!({})).await;
    assert_eq!(ids_of(&mine, "requestsForSupport"), vec![draft2]);
}

#[tokio::test]
async fn bad_input_is_typed_and_nothing_is_stored_half_way() {
    let app = TestApp::new().await;
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut i = eha_input("Badfamily");
        f(&mut i);
        i
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (edit(&|i| i["children"] = json!([])), "input.children", "REQUIRED"),
        (edit(&|i| i["children"][0]["dateOfBirth"] = json!("2999-01-01")), "input.children.0.dateOfBirth", "IN_FUTURE"),
        (
            edit(&|i| {
                i["children"][1].as_object_mut().unwrap().remove("dateOfBirth");
            }),
            "input.children.1.dateOfBirth",
            "REQUIRED",
        ),
        (edit(&|i| i["household"][0]["givenName"] = json!("x".repeat(101))), "input.household.0.givenName", "TOO_LONG"),
        (edit(&|i| i["reason"] = json!("   ")), "input.reason", "REQUIRED"),
        (edit(&|i| i["reason"] = json!("x".repeat(10_001))), "input.reason", "TOO_LONG"),
        (edit(&|i| i["childVoice"] = json!("bad \u{0} byte")), "input.childVoice", "INVALID"),
        (edit(&|i| i["consent"] = json!({ "status": "REFUSED" })), "input.consent.reason", "REQUIRED"),
        (
            edit(&|i| i["consent"] = json!({ "status": "NOT_REQUIRED_SAFEGUARDING" })),
            "input.consent.safeguardingReason",
            "REQUIRED",
        ),
        (edit(&|i| i["startedOn"] = json!(days_ahead(2))), "input.startedOn", "IN_FUTURE"),
        (edit(&|i| i["strengths"][0]["score"] = json!(9)), "input.strengths.0.score", "INVALID"),
        (edit(&|i| i["needs"][0]["description"] = json!("")), "input.needs.0.description", "REQUIRED"),
    ];
    let before = counts(&app).await;
    for (input, field, code) in cases {
        let r =
            mutate(&app, "partner.school", "startEarlyHelpAssessment", "StartEarlyHelpAssessmentInput", input).await;
        let errs = r.user_errors("startEarlyHelpAssessment");
        assert!(errs.contains(&(field.to_string(), code.to_string())), "{field} {code}: {errs:?}");
        assert!(r.data()["startEarlyHelpAssessment"]["assessment"].is_null());
    }
    // Unknown codes and server-owned fields never reach a resolver.
    for (key, value) in [("level", json!("LEVEL_5")), ("leadId", json!("x")), ("status", json!("CLOSED"))] {
        let r = mutate(
            &app,
            "partner.school",
            "startEarlyHelpAssessment",
            "StartEarlyHelpAssessmentInput",
            edit(&|i| i[key] = value.clone()),
        )
        .await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.raw);
    }
    let r = mutate(
        &app,
        "partner.school",
        "startEarlyHelpAssessment",
        "StartEarlyHelpAssessmentInput",
        edit(&|i| i["strengths"][0]["compartment"] = json!("HAPPINESS")),
    )
    .await;
    assert_eq!(r.code(), "BAD_USER_INPUT", "only the five compartments");
    assert_eq!(counts(&app).await, before, "nothing stored");

    let a = start_assessment(&app, "partner.school", "Badfamily").await;
    let id = a["id"].as_str().unwrap().to_string();
    let member = a["household"][0]["id"].as_str().unwrap().to_string();
    add_action(&app, "partner.school", &id, plan_action(&member, &days_ahead(14))).await;
    let other = start_assessment(&app, "partner.school", "Elsewhere").await;
    let before = counts(&app).await;
    let v = eha_version(&app, &id).await;
    let with_action = |f: &dyn Fn(&mut Value)| {
        let mut p = plan_action(&member, &days_ahead(14));
        f(&mut p);
        json!({ "assessmentId": id, "expectedVersion": v, "planAction": p })
    };
    let analyst = gid("Staff", app.staff_id("analyst"));
    let plan_cases: Vec<(Value, &str, &str)> = vec![
        (with_action(&|p| p["targetDate"] = json!(days_ago(31))), "input.planAction.targetDate", "INVALID"),
        (with_action(&|p| p["responsible"] = json!({})), "input.planAction.responsible", "REQUIRED"),
        (
            with_action(&|p| {
                p["responsible"] = json!({ "householdMemberId": member, "name": "Also Someone", "organisation": "X" })
            }),
            "input.planAction.responsible",
            "INVALID",
        ),
        (
            with_action(&|p| p["responsible"] = json!({ "staffId": analyst })),
            "input.planAction.responsible.staffId",
            "NOT_FOUND",
        ),
        (
            with_action(&|p| p["responsible"] = json!({ "name": "Sample Officer" })),
            "input.planAction.responsible.organisation",
            "REQUIRED",
        ),
        (
            with_action(&|p| {
                p["responsible"] = json!({ "householdMemberId": gid("EarlyHelpHouseholdMember", Uuid::now_v7()) })
            }),
            "input.planAction.responsible.householdMemberId",
            "NOT_FOUND",
        ),
        (with_action(&|p| p["action"] = json!("x".repeat(2001))), "input.planAction.action", "TOO_LONG"),
    ];
    for (input, field, code) in plan_cases {
        let r = mutate(&app, "partner.school", "addEarlyHelpPlanAction", "AddEarlyHelpPlanActionInput", input).await;
        let errs = r.user_errors("addEarlyHelpPlanAction");
        assert!(errs.contains(&(field.to_string(), code.to_string())), "{field} {code}: {errs:?}");
    }
    // A stale version.
    let r = mutate(
        &app,
        "partner.school",
        "updateEarlyHelpAssessment",
        "UpdateEarlyHelpAssessmentInput",
        json!({ "assessmentId": id, "expectedVersion": v - 1, "reason": "Overwrite?" }),
    )
    .await;
    assert_eq!(r.user_errors("updateEarlyHelpAssessment"), vec![("input.expectedVersion".into(), "CONFLICT".into())]);
    // A team member who is not a known practitioner (unknown, an analyst, an admin, a manager),
    // the lead themselves, and someone already on the team.
    let taf = |staff: String| json!({ "assessmentId": id, "expectedVersion": v, "staffId": staff });
    for (staff, code) in [
        (gid("Staff", Uuid::now_v7()), "NOT_FOUND"),
        (analyst.clone(), "NOT_FOUND"),
        (gid("Staff", app.staff_id("admin")), "NOT_FOUND"),
        (gid("Staff", app.staff_id("tm.alpha")), "NOT_FOUND"),
        (gid("Staff", app.staff_id("integration.police")), "NOT_FOUND"),
        (gid("Staff", app.staff_id("partner.school")), "INVALID"),
        ("not-an-id".to_string(), "INVALID"),
    ] {
        let r = mutate(&app, "partner.school", "addTeamAroundFamilyMember", "TeamAroundFamilyMemberInput", taf(staff))
            .await;
        assert_eq!(r.user_errors("addTeamAroundFamilyMember"), vec![("input.staffId".into(), code.into())]);
    }
    // Completing without the voices; a completion date before the start.
    let r = mutate(
        &app,
        "partner.school",
        "updateEarlyHelpAssessment",
        "UpdateEarlyHelpAssessmentInput",
        json!({ "assessmentId": id, "expectedVersion": v, "childVoice": "", "completedOn": today() }),
    )
    .await;
    assert_eq!(r.user_errors("updateEarlyHelpAssessment"), vec![("input.childVoice".into(), "REQUIRED".into())]);
    let r = mutate(
        &app,
        "partner.school",
        "updateEarlyHelpAssessment",
        "UpdateEarlyHelpAssessmentInput",
        json!({ "assessmentId": id, "expectedVersion": v, "completedOn": days_ago(45) }),
    )
    .await;
    assert_eq!(r.user_errors("updateEarlyHelpAssessment"), vec![("input.completedOn".into(), "INVALID".into())]);
    // No child left; an ID from another assessment; a household member the plan names.
    let r = mutate(
        &app,
        "partner.school",
        "updateEarlyHelpAssessment",
        "UpdateEarlyHelpAssessmentInput",
        json!({ "assessmentId": id, "expectedVersion": v, "children": [] }),
    )
    .await;
    assert_eq!(r.user_errors("updateEarlyHelpAssessment"), vec![("input.children".into(), "REQUIRED".into())]);
    let mut foreign = eha_input("Elsewhere")["children"][0].clone();
    foreign["id"] = other["children"][0]["id"].clone();
    let r = mutate(
        &app,
        "partner.school",
        "updateEarlyHelpAssessment",
        "UpdateEarlyHelpAssessmentInput",
        json!({ "assessmentId": id, "expectedVersion": v, "children": [foreign] }),
    )
    .await;
    assert_eq!(r.user_errors("updateEarlyHelpAssessment"), vec![("input.children.0.id".into(), "NOT_FOUND".into())]);
    let r = mutate(
        &app,
        "partner.school",
        "updateEarlyHelpAssessment",
        "UpdateEarlyHelpAssessmentInput",
        json!({ "assessmentId": id, "expectedVersion": v, "household": [] }),
    )
    .await;
    assert_eq!(r.user_errors("updateEarlyHelpAssessment"), vec![("input.household".into(), "INVALID".into())]);
    // A meeting that leaves an open action unreviewed, or is dated before the assessment.
    let r = mutate(
        &app,
        "partner.school",
        "recordEarlyHelpMeeting",
        "RecordEarlyHelpMeetingInput",
        json!({ "assessmentId": id, "expectedVersion": v, "heldOn": days_ago(40), "attendees": [] }),
    )
    .await;
    let errs = r.user_errors("recordEarlyHelpMeeting");
    for e in [("input.heldOn", "INVALID"), ("input.attendees", "REQUIRED"), ("input.actionReviews", "REQUIRED")] {
        assert!(errs.contains(&(e.0.into(), e.1.into())), "{e:?}: {errs:?}");
    }
    let plan_id = read(&app, "partner.school", &id).await.data()["earlyHelpAssessment"]["plan"][0]["id"].clone();
    let review = json!({ "actionId": plan_id, "progress": "Some", "status": "DONE" });
    let r = mutate(
        &app,
        "partner.school",
        "recordEarlyHelpMeeting",
        "RecordEarlyHelpMeetingInput",
        json!({ "assessmentId": id, "expectedVersion": v, "heldOn": today(),
                "attendees": [{ "person": { "householdMemberId": member }, "attended": true }],
                "actionReviews": [review.clone(), review, { "actionId": gid("EarlyHelpPlanAction", Uuid::now_v7()), "progress": "x", "status": "DONE" }] }),
    )
    .await;
    assert_eq!(
        r.user_errors("recordEarlyHelpMeeting"),
        vec![
            ("input.actionReviews.1.actionId".into(), "INVALID".into()),
            ("input.actionReviews.2.actionId".into(), "NOT_FOUND".into())
        ]
    );
    // Closing with an open action and no reason.
    let r = close(&app, "partner.school", &id, "NEEDS_MET", None).await;
    assert_eq!(r.user_errors("closeEarlyHelpAssessment"), vec![("input.reason".into(), "REQUIRED".into())]);
    assert_eq!(counts(&app).await, before, "nothing stored by any refused edit");
    assert_eq!(eha_version(&app, &id).await, v, "and the version did not move");
}

#[tokio::test]
async fn concurrent_edits_with_the_same_version_one_wins() {
    let app = TestApp::new().await;
    let id = start_assessment(&app, "partner.school", "Racefamily").await["id"].as_str().unwrap().to_string();
    add_taf(&app, "partner.school", &id, "ehp.earlyhelp").await;
    let v = eha_version(&app, &id).await;
    let q = "mutation($i: UpdateEarlyHelpAssessmentInput!) { updateEarlyHelpAssessment(input: $i) { assessment { version } userErrors { field code } } }";
    let (x, y) = tokio::join!(
        app.gql(
            "partner.school",
            q,
            json!({ "i": { "assessmentId": id, "expectedVersion": v, "familyVoice": "Version from the lead" } })
        ),
        app.gql(
            "ehp.earlyhelp",
            q,
            json!({ "i": { "assessmentId": id, "expectedVersion": v, "familyVoice": "Version from the team" } })
        ),
    );
    let ok = |r: &Resp| r.data()["updateEarlyHelpAssessment"]["userErrors"] == json!([]);
    assert!(ok(&x) ^ ok(&y), "exactly one wins: {} / {}", x.raw, y.raw);
    let loser = if ok(&x) { &y } else { &x };
    assert_eq!(
        loser.data()["updateEarlyHelpAssessment"]["userErrors"],
        json!([{ "field": ["input", "expectedVersion"], "code": "CONFLICT" }])
    );
    assert_eq!(eha_version(&app, &id).await, v + 1);
    let changes = read(&app, "partner.school", &id).await;
    let voice_changes = changes.data()["earlyHelpAssessment"]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["summary"].as_str().unwrap().contains("familyVoice"))
        .count();
    assert_eq!(voice_changes, 1, "the loser left no trace");
}

#[tokio::test]
async fn every_read_and_write_is_audited() {
    let app = TestApp::new().await;
    let rows = |r: &Resp| {
        let rid = r.headers["x-request-id"].to_str().unwrap().to_string();
        let db = app.db.clone();
        async move { audit_event::Entity::find().filter(audit_event::Column::RequestId.eq(rid)).all(&db).await.unwrap() }
    };
    let has = |rows: &[audit_event::Model], action: AuditAction, kind: &str, outcome: entity::enums::AuditOutcome| {
        rows.iter().any(|a| a.action == action && a.record_type == kind && a.outcome == outcome)
    };
    use entity::enums::AuditOutcome::{Allowed, Denied};
    let r = mutate(
        &app,
        "partner.school",
        "startEarlyHelpAssessment",
        "StartEarlyHelpAssessmentInput",
        eha_input("Auditeh"),
    )
    .await;
    assert!(has(&rows(&r).await, AuditAction::Create, "EARLY_HELP_ASSESSMENT", Allowed));
    let a = r.data()["startEarlyHelpAssessment"]["assessment"].clone();
    let id = a["id"].as_str().unwrap().to_string();
    let r = mutate(
        &app,
        "partner.school",
        "updateEarlyHelpAssessment",
        "UpdateEarlyHelpAssessmentInput",
        json!({ "assessmentId": id, "expectedVersion": 1, "reason": "Updated reason" }),
    )
    .await;
    assert!(has(&rows(&r).await, AuditAction::Update, "EARLY_HELP_ASSESSMENT", Allowed));
    let r = read(&app, "dsl.school", &id).await;
    assert!(has(&rows(&r).await, AuditAction::Read, "EARLY_HELP_ASSESSMENT", Allowed));
    let r = app.gql("eh.manager", "{ earlyHelpAssessments(first: 10) { edges { node { id } } } }", json!({})).await;
    assert!(has(&rows(&r).await, AuditAction::Read, "EARLY_HELP_ASSESSMENT", Allowed));
    let r = read(&app, "partner.health", &id).await;
    assert!(has(&rows(&r).await, AuditAction::Read, "EARLY_HELP_ASSESSMENT", Denied));
    let r = mutate(
        &app,
        "partner.health",
        "updateEarlyHelpAssessment",
        "UpdateEarlyHelpAssessmentInput",
        json!({ "assessmentId": id, "expectedVersion": 2, "reason": "Not mine" }),
    )
    .await;
    assert!(has(&rows(&r).await, AuditAction::Update, "EARLY_HELP_ASSESSMENT", Denied));
    let r = app.gql("analyst", "{ earlyHelpSummary { open } }", json!({})).await;
    assert!(has(&rows(&r).await, AuditAction::Read, "EARLY_HELP_SUMMARY", Allowed));
    // Once a child is linked, reads of the assessment are on that child's trail.
    add_taf(&app, "partner.school", &id, "hub.worker").await;
    let known = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let v = eha_version(&app, &id).await;
    eh_ok(&app, "hub.worker", "linkEarlyHelpChild", "LinkEarlyHelpChildInput",
        json!({ "assessmentChildId": a["children"][0]["id"], "childId": gid("Child", known.child_id), "expectedVersion": v, "overrideReason": "Known by a previous surname" })).await;
    let r = read(&app, "sw.alpha1", &id).await;
    assert!(
        rows(&r).await.iter().any(|e| e.record_type == "EARLY_HELP_ASSESSMENT" && e.child_id == Some(known.child_id))
    );
    let trail = app
        .gql(
            "tm.alpha",
            "query($id: ID!) { auditEvents(childId: $id, first: 100) { edges { node { recordType action } } } }",
            json!({ "id": gid("Child", known.child_id) }),
        )
        .await;
    assert!(trail.raw.contains("EARLY_HELP_ASSESSMENT"), "{}", trail.raw);
    // Closing with a step up records the draft request's creation in the same transaction.
    let r = close(&app, "partner.school", &id, "STEP_UP_TO_SOCIAL_CARE", Some("Concern")).await;
    let rows = rows(&r).await;
    assert!(
        has(&rows, AuditAction::Create, "REQUEST_FOR_SUPPORT", Allowed)
            && has(&rows, AuditAction::Update, "EARLY_HELP_ASSESSMENT", Allowed)
    );
}

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn logs_hold_no_personal_data_from_early_help() {
    let buf = Buffer::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("debug,sqlx=warn,sea_orm=warn,hyper=info,h2=info,tower=info")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::new().await;
    let mut input = eha_input("ZZSENTINELFAM");
    input["childVoice"] = json!("ZZSENTINEL-VOICE");
    input["children"][0]["dateOfBirth"] = json!("1999-09-09");
    let a = mutate(&app, "partner.school", "startEarlyHelpAssessment", "StartEarlyHelpAssessmentInput", input.clone())
        .await;
    let id = a.data()["startEarlyHelpAssessment"]["assessment"]["id"].as_str().unwrap().to_string();
    input["reason"] = json!("ZZSENTINEL-REASON\u{0}");
    mutate(&app, "partner.school", "startEarlyHelpAssessment", "StartEarlyHelpAssessmentInput", input).await;
    app.db.execute_unprepared("ALTER TABLE early_help_children RENAME TO ehc_moved").await.unwrap();
    read(&app, "partner.school", &id).await;
    app.db.execute_unprepared("ALTER TABLE ehc_moved RENAME TO early_help_children").await.unwrap();
    close(&app, "partner.school", &id, "STEP_UP_TO_SOCIAL_CARE", Some("ZZSENTINEL-CONCERN")).await;
    let logs = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("database error"), "the test captured the failure:\n{logs}");
    for secret in ["ZZSENTINEL", "zzsentinel", "1999-09-09", "Sample Carer"] {
        assert!(!logs.contains(secret), "{secret} found in logs:\n{logs}");
    }
}

/// Mutations that take the ID of a row below an assessment answer a real ID the caller may not
/// edit exactly as they answer a random one: same bytes, same status.
#[tokio::test]
async fn a_forbidden_row_id_answers_like_a_random_one() {
    let app = TestApp::new().await;
    let a = start_assessment(&app, "partner.school", "Hiddenrow").await;
    let id = a["id"].as_str().unwrap().to_string();
    let member = a["household"][0]["id"].as_str().unwrap().to_string();
    let planned = add_action(&app, "partner.school", &id, plan_action(&member, &fixtures::days_ahead(30))).await;
    let action = planned["plan"][0]["id"].as_str().unwrap().to_string();
    let child = planned["children"][0]["id"].as_str().unwrap().to_string();
    let v = eha_version(&app, &id).await;
    let random = |kind: &str| gid(kind, Uuid::now_v7());
    let update = |action: String| json!({ "actionId": action, "expectedVersion": v, "status": "DONE" });
    // A practitioner who is not on this assessment's team around the family.
    for who in ["partner.health", "ehp.earlyhelp", "hub.worker"] {
        let real =
            mutate(&app, who, "updateEarlyHelpPlanAction", "UpdateEarlyHelpPlanActionInput", update(action.clone()))
                .await;
        let fake = mutate(
            &app,
            who,
            "updateEarlyHelpPlanAction",
            "UpdateEarlyHelpPlanActionInput",
            update(random("EarlyHelpPlanAction")),
        )
        .await;
        assert_eq!(real.user_errors("updateEarlyHelpPlanAction"), vec![("input.actionId".into(), "NOT_FOUND".into())]);
        assert_eq!(real.raw, fake.raw, "{who}: a real plan action and a random one must answer alike");
        assert_eq!(real.status, fake.status);
    }
    // Linking: a hub worker who may not see the assessment (no linked child it can see, not on
    // its team), with a child record it may see.
    let known = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let link =
        |c: String| json!({ "assessmentChildId": c, "childId": gid("Child", known.child_id), "expectedVersion": v });
    let real = mutate(&app, "hub.worker", "linkEarlyHelpChild", "LinkEarlyHelpChildInput", link(child.clone())).await;
    let fake =
        mutate(&app, "hub.worker", "linkEarlyHelpChild", "LinkEarlyHelpChildInput", link(random("EarlyHelpChild")))
            .await;
    assert_eq!(real.user_errors("linkEarlyHelpChild"), vec![("input.assessmentChildId".into(), "NOT_FOUND".into())]);
    assert_eq!(real.raw, fake.raw, "a real assessment child and a random one must answer alike");
    assert_eq!(eha_version(&app, &id).await, v, "nothing was changed");
}
