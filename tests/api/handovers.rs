//! Handovers between the teams (issue 16): each journey walked end to end with the real roles,
//! and the rules at each hand-off (who is alerted, who may read what, what is refused).
use crate::common::*;
use crate::fixtures::{self, CREATE_CHILD, SUBMIT_UPDATE, decide, request_input, submit_request};
use chrono::Utc;
use entity::{audit_event, case, child_duplicate_confirmation};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set, prelude::Uuid};
use serde_json::{Value, json};

const ALERTS: &str = "{ alerts(first: 20) { edges { node { id kind addressedToTeam acknowledgedAt acknowledgedBy { id } \
    case { id } partnerUpdate { id } earlyHelpReferral { id status } \
    requestForSupport { id reference status decision { outcome feedback } } } } } }";

const ACK: &str = "mutation($i: AcknowledgeAlertInput!) { acknowledgeAlert(input: $i) { alert { acknowledgedAt } userErrors { field code } } }";

/// The caller's alerts, newest first.
async fn alerts(app: &TestApp, who: &str) -> Vec<Value> {
    let r = app.gql(who, ALERTS, json!({})).await;
    r.data()["alerts"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{who}: {}", r.raw))
        .iter()
        .map(|e| e["node"].clone())
        .collect()
}

/// The caller's alerts of one kind.
async fn alerts_of(app: &TestApp, who: &str, kind: &str) -> Vec<Value> {
    alerts(app, who).await.into_iter().filter(|a| a["kind"] == kind).collect()
}

/// A request about an existing child record (the referrer writes the same names and date of birth).
fn request_about(family: &str, child: &entity::child::Model) -> Value {
    let mut i = request_input(family);
    i["children"][0]["givenName"] = json!(child.given_name);
    i["children"][0]["familyName"] = json!(child.family_name);
    i["children"][0]["dateOfBirth"] = json!(child.date_of_birth.map(|d| d.to_string()));
    i
}

fn decision(request: &str, version: i64, outcome: &str) -> Value {
    json!({ "requestId": request, "outcome": outcome, "decidedLevel": "INTENSIVE", "expectedVersion": version,
            "rationale": "Hub reasoning for the record", "feedback": "Thank you: the family's worker has this now" })
}

#[tokio::test]
async fn journey_school_to_hub_to_the_allocated_worker() {
    let app = TestApp::new().await;
    let case = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, case.child_id).await;
    // The school asks for support for a child the hub knows has an open case.
    let (request, rc, version) = submit_request(&app, "partner.school", request_about("Passfamily", &child)).await;
    let r = app
        .gql(
            "hub.worker",
            "mutation($i: MatchRequestChildInput!) { matchRequestChild(input: $i) { userErrors { code } } }",
            json!({ "i": { "requestChildId": rc, "childId": gid("Child", child.id) } }),
        )
        .await;
    assert_eq!(r.data()["matchRequestChild"]["userErrors"], json!([]), "{}", r.raw);
    // Before the decision, the worker cannot read the request.
    let read = "query($id: ID!) { requestForSupport(id: $id) { concerns childViews consent { status } referrerOrganisation { name } } }";
    assert_eq!(app.gql("sw.alpha1", read, json!({ "id": request })).await.code(), "NOT_FOUND");
    decide(&app, "hub.worker", decision(&request, version, "PASS_TO_ALLOCATED_WORKER")).await;
    // The worker is alerted, and reads the request from the alert, the case and the child.
    let passed = alerts_of(&app, "sw.alpha1", "REQUEST_PASSED").await;
    assert_eq!(passed.len(), 1, "{passed:?}");
    assert_eq!(passed[0]["requestForSupport"]["id"], request);
    assert_eq!(passed[0]["case"]["id"], gid("Case", case.id));
    let r = app.gql("sw.alpha1", read, json!({ "id": request })).await;
    let got = &r.data()["requestForSupport"];
    assert_eq!(got["childViews"], "Says home is 'noisy' and she is tired", "{}", r.raw);
    assert_eq!(got["consent"]["status"], "GIVEN");
    assert_eq!(got["referrerOrganisation"]["name"], "Example Primary School");
    let on_case = app
        .gql(
            "sw.alpha1",
            "query($id: ID!) { case(id: $id) { requestsForSupport { id } child { requestsForSupport { id } } } }",
            json!({ "id": gid("Case", case.id) }),
        )
        .await;
    assert_eq!(on_case.data()["case"]["requestsForSupport"], json!([{ "id": request }]), "{}", on_case.raw);
    assert_eq!(on_case.data()["case"]["child"]["requestsForSupport"], json!([{ "id": request }]));
    // Read as a read of the child: the child's trail shows who read why.
    let reads = audit_event::Entity::find()
        .filter(audit_event::Column::ActorId.eq(app.staff_id("sw.alpha1")))
        .filter(audit_event::Column::RecordType.eq("REQUEST_FOR_SUPPORT"))
        .filter(audit_event::Column::ChildId.eq(child.id))
        .all(&app.db)
        .await
        .unwrap();
    assert!(!reads.is_empty(), "reading the request is audited against the child");
    // The team's manager reads it too; another team does not.
    assert!(app.gql("tm.alpha", read, json!({ "id": request })).await.body["errors"].is_null());
    assert_eq!(app.gql("sw.bravo1", read, json!({ "id": request })).await.code(), "NOT_FOUND");
    // The inbox: unacknowledged until the worker acknowledges it.
    let r = app.gql("sw.alpha1", ACK, json!({ "i": { "alertId": passed[0]["id"] } })).await;
    assert_eq!(r.data()["acknowledgeAlert"]["userErrors"], json!([]), "{}", r.raw);
    let open = app
        .gql("sw.alpha1", "{ alerts(first: 20, unacknowledgedOnly: true) { edges { node { kind } } } }", json!({}))
        .await;
    assert!(!open.raw.contains("REQUEST_PASSED"), "{}", open.raw);
    // The referrer and their safeguarding lead hear back: the outcome and feedback, no case.
    for who in ["partner.school", "dsl.school"] {
        let heard = alerts_of(&app, who, "REQUEST_DECIDED").await;
        assert_eq!(heard.len(), 1, "{who}: {heard:?}");
        assert_eq!(heard[0]["case"], Value::Null);
        assert_eq!(
            heard[0]["requestForSupport"]["decision"]["feedback"],
            "Thank you: the family's worker has this now"
        );
    }
    // Someone else's alert answers like a missing one, byte for byte.
    let theirs = app.gql("partner.school", ACK, json!({ "i": { "alertId": passed[0]["id"] } })).await;
    let random = app.gql("partner.school", ACK, json!({ "i": { "alertId": gid("Alert", Uuid::now_v7()) } })).await;
    assert_eq!(theirs.raw, random.raw);
    assert_eq!(theirs.data()["acknowledgeAlert"]["userErrors"][0]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn pass_to_worker_needs_an_open_case_and_reaches_the_manager_when_unallocated() {
    let app = TestApp::new().await;
    // No open case: refused, nothing stored.
    let free = fixtures::children_without_cases(&app).await;
    let (request, rc, version) = submit_request(&app, "partner.school", request_about("Nocase", &free[0])).await;
    app.gql(
        "hub.worker",
        "mutation($i: MatchRequestChildInput!) { matchRequestChild(input: $i) { userErrors { code } } }",
        json!({ "i": { "requestChildId": rc, "childId": gid("Child", free[0].id) } }),
    )
    .await;
    let before = (app.count("hub_decisions").await, app.count("alerts").await, app.count("case_requests").await);
    let r = app
        .gql("hub.worker", fixtures::DECIDE, json!({ "i": decision(&request, version, "PASS_TO_ALLOCATED_WORKER") }))
        .await;
    assert_eq!(r.user_errors("recordHubDecision"), vec![("input.outcome".into(), "INVALID".into())]);
    assert_eq!(before, (app.count("hub_decisions").await, app.count("alerts").await, app.count("case_requests").await));
    // An unallocated open case: its team's manager is alerted.
    let unallocated = fixtures::cases(&app)
        .await
        .into_iter()
        .find(|c| c.allocated_worker_id.is_none() && c.status == entity::enums::CaseStatus::Open)
        .expect("an unallocated open case");
    let child = fixtures::child(&app, unallocated.child_id).await;
    let (request, rc, version) = submit_request(&app, "partner.school", request_about("Unallocated", &child)).await;
    app.gql(
        "hub.worker",
        "mutation($i: MatchRequestChildInput!) { matchRequestChild(input: $i) { userErrors { code } } }",
        json!({ "i": { "requestChildId": rc, "childId": gid("Child", child.id) } }),
    )
    .await;
    decide(&app, "hub.worker", decision(&request, version, "PASS_TO_ALLOCATED_WORKER")).await;
    let manager =
        if unallocated.team_id == fixtures::team_of(&app, "tm.alpha").await { "tm.alpha" } else { "tm.bravo" };
    let passed = alerts_of(&app, manager, "REQUEST_PASSED").await;
    assert_eq!(passed.len(), 1, "{manager}: {passed:?}");
}

#[tokio::test]
async fn journey_school_to_hub_to_early_help_and_back_up_to_a_social_worker() {
    let app = TestApp::new().await;
    // School → hub: a new child; the hub decides early help.
    let (request, rc, version) = submit_request(&app, "partner.school", request_input("Journeyfamily")).await;
    let r = app.gql("hub.worker", CREATE_CHILD, json!({ "i": { "requestChildId": rc } })).await;
    assert_eq!(r.data()["createChildFromRequest"]["userErrors"], json!([]), "{}", r.raw);
    let child_id = r.data()["createChildFromRequest"]["requestChild"]["child"]["id"].as_str().unwrap().to_string();
    decide(&app, "hub.worker", decision(&request, version, "EARLY_HELP")).await;
    // The early help manager is alerted and sees the referral in the queue; the hub follows it.
    let queued = alerts_of(&app, "eh.manager", "EARLY_HELP_REFERRAL").await;
    assert_eq!(queued.len(), 1, "{queued:?}");
    let referral = queued[0]["earlyHelpReferral"]["id"].as_str().unwrap().to_string();
    let queue = app
        .gql("eh.manager", "{ earlyHelpReferrals(first: 10, status: AWAITING_ALLOCATION) { edges { node { id version requestForSupport { id } } } } }", json!({}))
        .await;
    assert_eq!(queue.data()["earlyHelpReferrals"]["edges"][0]["node"]["id"], referral, "{}", queue.raw);
    assert_eq!(queue.data()["earlyHelpReferrals"]["edges"][0]["node"]["requestForSupport"]["id"], request);
    let status = "query($id: ID!) { requestForSupport(id: $id) { earlyHelpReferral { status lead { id } } } }";
    let r = app.gql("hub.worker", status, json!({ "id": request })).await;
    assert_eq!(r.data()["requestForSupport"]["earlyHelpReferral"]["status"], "AWAITING_ALLOCATION", "{}", r.raw);
    // Bad allocations: someone who may not lead; a partner who has not agreed; another team's manager.
    let allocate = "mutation($i: AllocateEarlyHelpReferralInput!) { allocateEarlyHelpReferral(input: $i) { referral { status } userErrors { field code } } }";
    let alloc = |lead: &str, agreed: bool, v: i64| json!({ "i": { "referralId": referral, "leadId": gid("Staff", app.staff_id(lead)), "partnerAgreed": agreed, "expectedVersion": v } });
    let r = app.gql("eh.manager", allocate, alloc("admin", false, 1)).await;
    assert_eq!(r.user_errors("allocateEarlyHelpReferral"), vec![("input.leadId".into(), "NOT_ALLOWED".into())]);
    let r = app.gql("eh.manager", allocate, alloc("partner.health", false, 1)).await;
    assert_eq!(r.user_errors("allocateEarlyHelpReferral"), vec![("input.partnerAgreed".into(), "REQUIRED".into())]);
    let forbidden = app.gql("tm.alpha", allocate, alloc("ehp.earlyhelp", false, 1)).await;
    let mut random_id = alloc("ehp.earlyhelp", false, 1);
    random_id["i"]["referralId"] = json!(gid("EarlyHelpReferral", Uuid::now_v7()));
    let random = app.gql("tm.alpha", allocate, random_id).await;
    assert_eq!(forbidden.raw, random.raw, "another team's manager: like a missing referral");
    // Allocated to the early help practitioner, who is alerted and starts the assessment,
    // pre-filled from the request.
    let r = app.gql("eh.manager", allocate, alloc("ehp.earlyhelp", false, 1)).await;
    assert_eq!(r.data()["allocateEarlyHelpReferral"]["referral"]["status"], "ALLOCATED", "{}", r.raw);
    assert_eq!(alerts_of(&app, "ehp.earlyhelp", "EARLY_HELP_REFERRAL_ALLOCATED").await.len(), 1);
    let start = "mutation($i: StartEarlyHelpAssessmentFromReferralInput!) { startEarlyHelpAssessmentFromReferral(input: $i) { \
        assessment { id reference reason childVoice level consent { status } children { id givenName familyName dateOfBirth } household { givenName } } \
        referral { status } userErrors { field code } } }";
    let not_theirs = app.gql("partner.school", start, json!({ "i": { "referralId": referral } })).await;
    let random = app
        .gql("partner.school", start, json!({ "i": { "referralId": gid("EarlyHelpReferral", Uuid::now_v7()) } }))
        .await;
    assert_eq!(not_theirs.raw, random.raw, "someone else's referral: like a missing one");
    let r = app.gql("ehp.earlyhelp", start, json!({ "i": { "referralId": referral } })).await;
    let started = &r.data()["startEarlyHelpAssessmentFromReferral"];
    assert_eq!(started["userErrors"], json!([]), "{}", r.raw);
    assert_eq!(started["referral"]["status"], "ASSESSMENT_STARTED");
    let a = &started["assessment"];
    assert_eq!(a["reason"], request_input("Journeyfamily")["concerns"]);
    assert_eq!(a["childVoice"], "Says home is 'noisy' and she is tired");
    assert_eq!((a["level"].as_str(), a["consent"]["status"].as_str()), (Some("INTENSIVE"), Some("GIVEN")));
    assert_eq!(a["children"][0]["familyName"], "Journeyfamily");
    assert_eq!(a["household"][0]["givenName"], "Sample Carer");
    let assessment = a["id"].as_str().unwrap().to_string();
    let again = app.gql("ehp.earlyhelp", start, json!({ "i": { "referralId": referral } })).await;
    assert_eq!(
        again.user_errors("startEarlyHelpAssessmentFromReferral"),
        vec![("input.referralId".into(), "CONFLICT".into())]
    );
    let r = app.gql("hub.worker", status, json!({ "id": request })).await;
    assert_eq!(r.data()["requestForSupport"]["earlyHelpReferral"]["status"], "ASSESSMENT_STARTED");
    // Things get worse: the lead steps up to social care and submits the draft.
    let v = fixtures::eha_version(&app, &assessment).await;
    let r = app
        .gql(
            "ehp.earlyhelp",
            "mutation($i: CloseEarlyHelpAssessmentInput!) { closeEarlyHelpAssessment(input: $i) { draftRequest { id version children { id } } userErrors { code } } }",
            json!({ "i": { "assessmentId": assessment, "expectedVersion": v, "outcome": "STEP_UP_TO_SOCIAL_CARE", "reason": "Disclosure at the TAF meeting" } }),
        )
        .await;
    let draft = r.data()["closeEarlyHelpAssessment"]["draftRequest"].clone();
    let step_up = draft["id"].as_str().unwrap_or_else(|| panic!("{}", r.raw)).to_string();
    let r = app
        .gql(
            "ehp.earlyhelp",
            "mutation($i: SubmitDraftRequestForSupportInput!) { submitDraftRequestForSupport(input: $i) { request { status version } userErrors { field code } } }",
            json!({ "i": { "requestId": step_up, "expectedVersion": draft["version"], "concernCategories": ["NEGLECT"],
                           "referrerLevel": "INTENSIVE", "discussedWithSafeguardingLead": true, "safeguardingLeadName": "Early Help Manager Example",
                           "safeguardingLeadConsultedOn": fixtures::days_ago(1), "parentsAware": true, "immediateRiskOfSignificantHarm": false } }),
        )
        .await;
    let submitted = &r.data()["submitDraftRequestForSupport"]["request"];
    assert_eq!(submitted["status"], "RECEIVED", "{}", r.raw);
    // The hub reads the assessment it came from, and links the early help child to the record
    // (the names and date of birth agree, so no override is needed).
    let from =
        "query($id: ID!) { requestForSupport(id: $id) { steppedUpFrom { id reference reason children { id } } } }";
    let r = app.gql("hub.worker", from, json!({ "id": step_up })).await;
    assert_eq!(r.data()["requestForSupport"]["steppedUpFrom"]["id"], assessment, "{}", r.raw);
    let ehc = r.data()["requestForSupport"]["steppedUpFrom"]["children"][0]["id"].clone();
    let v = fixtures::eha_version(&app, &assessment).await;
    fixtures::eh_ok(
        &app,
        "hub.worker",
        "linkEarlyHelpChild",
        "LinkEarlyHelpChildInput",
        json!({ "assessmentChildId": ehc, "childId": child_id, "expectedVersion": v }),
    )
    .await;
    // The hub matches the step-up request's child and opens a case for sw.alpha1.
    let rc = draft["children"][0]["id"].clone();
    app.gql(
        "hub.worker",
        "mutation($i: MatchRequestChildInput!) { matchRequestChild(input: $i) { userErrors { code } } }",
        json!({ "i": { "requestChildId": rc, "childId": child_id } }),
    )
    .await;
    let mut d = decision(&step_up, submitted["version"].as_i64().unwrap(), "CHILD_AND_FAMILY_ASSESSMENT");
    d["teamId"] = json!(gid("Team", fixtures::team_of(&app, "sw.alpha1").await));
    d["allocatedWorkerId"] = json!(gid("Staff", app.staff_id("sw.alpha1")));
    let decided = decide(&app, "hub.worker", d).await;
    let case = decided["cases"][0]["id"].as_str().unwrap().to_string();
    // The social worker reads why they have the case, and the assessment behind it.
    let why = "query($id: ID!) { case(id: $id) { originRequest { id concerns steppedUpFrom { id reason } } } }";
    let r = app.gql("sw.alpha1", why, json!({ "id": case })).await;
    let origin = &r.data()["case"]["originRequest"];
    assert_eq!(origin["id"], step_up, "{}", r.raw);
    assert_eq!(origin["steppedUpFrom"]["id"], assessment);
    let read = "query($id: ID!) { earlyHelpAssessment(id: $id) { id } }";
    assert!(app.gql("sw.alpha1", read, json!({ "id": assessment })).await.body["errors"].is_null());
    assert_eq!(app.gql("sw.bravo1", read, json!({ "id": assessment })).await.code(), "NOT_FOUND");
}

#[tokio::test]
async fn journey_an_unmatched_concern_reaches_the_hub_and_then_the_worker() {
    let app = TestApp::new().await;
    let mut input = fixtures::update_input(&fixtures::children(&app).await[0], true);
    input["childGivenName"] = json!("Nobodyknown");
    input["childFamilyName"] = json!("Unmatchedfamily");
    let r = app.gql("partner.school", SUBMIT_UPDATE, json!({ "i": input })).await;
    let update = r.data()["submitPartnerUpdate"]["partnerUpdate"]["id"].as_str().unwrap().to_string();
    // Both hub workers see the hub's alert (addressed to their team); social workers do not.
    let to_hub = alerts_of(&app, "hub.worker", "UNMATCHED_CONCERN").await;
    assert_eq!(to_hub.len(), 1, "{to_hub:?}");
    assert_eq!(
        (to_hub[0]["addressedToTeam"].as_bool(), to_hub[0]["partnerUpdate"]["id"].as_str()),
        (Some(true), Some(update.as_str()))
    );
    assert_eq!(alerts_of(&app, "hub.worker2", "UNMATCHED_CONCERN").await.len(), 1);
    assert!(alerts_of(&app, "sw.alpha1", "UNMATCHED_CONCERN").await.is_empty());
    // The sender's answer says nothing about matching, and they get no alert.
    assert!(alerts(&app, "partner.school").await.is_empty());
    // Any member acknowledges it for the team; the others see who did.
    let r = app.gql("hub.worker2", ACK, json!({ "i": { "alertId": to_hub[0]["id"] } })).await;
    assert_eq!(r.data()["acknowledgeAlert"]["userErrors"], json!([]), "{}", r.raw);
    let seen = alerts_of(&app, "hub.worker", "UNMATCHED_CONCERN").await;
    assert_eq!(seen[0]["acknowledgedBy"]["id"], gid("Staff", app.staff_id("hub.worker2")));
    // The hub matches it to a child with an open case: the worker and the manager are alerted.
    let case = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let r = app
        .gql(
            "hub.worker",
            "mutation($i: MatchPartnerUpdateInput!) { matchPartnerUpdate(input: $i) { partnerUpdate { matched } userErrors { code } } }",
            json!({ "i": { "partnerUpdateId": update, "childId": gid("Child", case.child_id), "expectedVersion": 1 } }),
        )
        .await;
    assert_eq!(r.data()["matchPartnerUpdate"]["userErrors"], json!([]), "{}", r.raw);
    let worker = alerts_of(&app, "sw.alpha1", "NEW_UPDATE").await;
    assert!(worker.iter().any(|a| a["partnerUpdate"]["id"] == update), "{worker:?}");
    assert!(alerts_of(&app, "tm.alpha", "CONCERN").await.iter().any(|a| a["partnerUpdate"]["id"] == update));
}

#[tokio::test]
async fn an_unmatched_update_past_its_check_alerts_the_hub() {
    let app = TestApp::new().await;
    let (id, _) = fixtures::submit_update_named(&app, "partner.school", "Latechild", "Latefamily").await;
    let uuid = fixtures::uuid_of(&id);
    entity::partner_update::Entity::update_many()
        .col_expr(
            entity::partner_update::Column::DueAt,
            sea_orm::sea_query::Expr::value(Utc::now() - chrono::Duration::hours(1)),
        )
        .filter(entity::partner_update::Column::Id.eq(uuid))
        .exec(&app.db)
        .await
        .unwrap();
    let raised =
        casegraph::domain::partner_update::raise_overdue(&app.db, &app.state.services.bus, Utc::now()).await.unwrap();
    assert_eq!(raised, 1, "one alert, to the hub's team");
    let late = alerts_of(&app, "hub.worker", "UNMATCHED_OVERDUE").await;
    assert_eq!(late.len(), 1);
    assert_eq!(late[0]["partnerUpdate"]["id"], id);
    // Run again (another instance, a retry): nothing new.
    assert_eq!(
        casegraph::domain::partner_update::raise_overdue(&app.db, &app.state.services.bus, Utc::now()).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn creating_a_child_lists_possible_duplicates_and_needs_each_confirmed() {
    let app = TestApp::new().await;
    let known =
        fixtures::children(&app).await.into_iter().find(|c| !c.restricted && c.date_of_birth.is_some()).unwrap();
    // A close spelling of a child on record, born the same day.
    let mut close = known.clone();
    close.given_name = format!("{}h", known.given_name);
    let (_, rc, _) = submit_request(&app, "partner.school", request_about("Dupfamily", &close)).await;
    let before = (app.count("children").await, app.count("child_duplicate_confirmations").await);
    let r = app.gql("hub.worker", CREATE_CHILD, json!({ "i": { "requestChildId": rc } })).await;
    let p = &r.data()["createChildFromRequest"];
    assert_eq!(
        r.user_errors("createChildFromRequest"),
        vec![("input.confirmedDifferentFrom".into(), "POSSIBLE_DUPLICATE".into())],
        "{}",
        r.raw
    );
    assert!(p["possibleDuplicates"].as_array().unwrap().iter().any(|c| c["id"] == gid("Child", known.id)), "{}", r.raw);
    // Naming a record that was not a candidate is refused too.
    let stranger = fixtures::children(&app).await.into_iter().find(|c| c.date_of_birth != known.date_of_birth).unwrap();
    let candidates: Vec<Value> = p["possibleDuplicates"].as_array().unwrap().iter().map(|c| c["id"].clone()).collect();
    let mut wrong = candidates.clone();
    wrong.push(json!(gid("Child", stranger.id)));
    let r = app
        .gql("hub.worker", CREATE_CHILD, json!({ "i": { "requestChildId": rc, "confirmedDifferentFrom": wrong } }))
        .await;
    let n = candidates.len();
    assert_eq!(
        r.user_errors("createChildFromRequest"),
        vec![(format!("input.confirmedDifferentFrom.{n}"), "INVALID".into())]
    );
    assert_eq!(
        before,
        (app.count("children").await, app.count("child_duplicate_confirmations").await),
        "nothing stored"
    );
    // Each candidate confirmed as a different child: created, and the confirmations kept.
    let r = app
        .gql("hub.worker", CREATE_CHILD, json!({ "i": { "requestChildId": rc, "confirmedDifferentFrom": candidates } }))
        .await;
    assert_eq!(r.data()["createChildFromRequest"]["userErrors"], json!([]), "{}", r.raw);
    let new_child = uuid_of(r.data()["createChildFromRequest"]["requestChild"]["child"]["id"].as_str().unwrap());
    let kept = child_duplicate_confirmation::Entity::find()
        .filter(child_duplicate_confirmation::Column::ChildId.eq(new_child))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(kept.len(), n);
    assert!(kept.iter().all(|k| k.confirmed_by == app.staff_id("hub.worker")));
    // A child with no record like it is created at once.
    let (_, rc, _) = submit_request(&app, "partner.school", request_input("Brandnewfamily")).await;
    let r = app.gql("hub.worker", CREATE_CHILD, json!({ "i": { "requestChildId": rc } })).await;
    assert_eq!(r.data()["createChildFromRequest"]["userErrors"], json!([]), "{}", r.raw);
}

#[tokio::test]
async fn a_neglect_screening_is_for_one_child_of_the_right_kind_recent_and_used_once() {
    let app = TestApp::new().await;
    let screen = |input: Value| {
        let app = &app;
        async move { app.gql("partner.school", fixtures::SCREEN, json!({ "i": input })).await }
    };
    // The wrong tool for the child.
    let mut pre_birth_of_born = fixtures::screening_of("Testchild", "Kindfamily", "2018-05-04");
    pre_birth_of_born["tool"] = json!("PRE_BIRTH");
    let r = screen(pre_birth_of_born).await;
    assert!(
        r.user_errors("submitNeglectScreening").contains(&("input.child.dateOfBirth".into(), "INVALID".into())),
        "{}",
        r.raw
    );
    let mut child_tool_unborn = fixtures::screening_of("Testchild", "Kindfamily", "2018-05-04");
    child_tool_unborn["child"] =
        json!({ "familyName": "Kindfamily", "expectedDeliveryDate": fixtures::days_ahead(30) });
    let r = screen(child_tool_unborn).await;
    let errs = r.user_errors("submitNeglectScreening");
    assert!(errs.contains(&("input.child.expectedDeliveryDate".into(), "INVALID".into())), "{errs:?}");
    assert!(errs.contains(&("input.child.dateOfBirth".into(), "REQUIRED".into())), "{errs:?}");
    // A level-4 neglect request needs a screening of this child, recent, not used before.
    let submit = |screening: &str, family: &str| {
        let mut i = request_input(family);
        i["referrerLevel"] = json!("SPECIALIST");
        i["neglectScreeningId"] = json!(screening);
        let app = &app;
        async move { app.gql("partner.school", fixtures::SUBMIT, json!({ "i": i })).await }
    };
    let field = |r: &Resp| r.user_errors("submitRequestForSupport");
    let another_childs = fixtures::submit_screening(&app, "partner.school", "Otherchildfamily").await;
    let r = submit(&another_childs, "Boundfamily").await;
    assert_eq!(field(&r), vec![("input.neglectScreeningId".into(), "INVALID".into())], "{}", r.raw);
    let mut old = fixtures::screening_of("Testchild", "Boundfamily", "2018-05-04");
    old["completedOn"] = json!(fixtures::days_ago(91));
    let old = fixtures::submit_screening_of(&app, "partner.school", old).await;
    let r = submit(&old, "Boundfamily").await;
    assert_eq!(field(&r), vec![("input.neglectScreeningId".into(), "EXPIRED".into())], "{}", r.raw);
    let before = app.count("requests_for_support").await;
    let good = fixtures::submit_screening(&app, "partner.school", "Boundfamily").await;
    let r = submit(&good, "Boundfamily").await;
    assert_eq!(field(&r), vec![], "{}", r.raw);
    let r = submit(&good, "Boundfamily").await;
    assert_eq!(field(&r), vec![("input.neglectScreeningId".into(), "ALREADY_USED".into())], "{}", r.raw);
    assert_eq!(app.count("requests_for_support").await, before + 1);
    // An unborn child: the pre-birth tool, due the same day.
    let due = fixtures::days_ahead(60);
    let mut pre = fixtures::screening_of("Testchild", "Unbornfamily", "2018-05-04");
    pre["tool"] = json!("PRE_BIRTH");
    pre["child"] = json!({ "familyName": "Unbornfamily", "expectedDeliveryDate": due });
    pre["domains"] = json!(["ANTENATAL_CARE", "PARENTAL_WELLBEING", "HOME_ENVIRONMENT", "SUPPORT_NETWORK"]
        .iter()
        .map(|d| json!({ "domain": d, "items": [{ "item": 1, "response": "APPLIES", "evidence": "seen at the antenatal visit" }] }))
        .collect::<Vec<_>>());
    let pre = fixtures::submit_screening_of(&app, "partner.school", pre).await;
    let mut i = request_input("Unbornfamily");
    i["children"][0]["dateOfBirth"] = Value::Null;
    i["children"][0]["expectedDateOfDelivery"] = json!(due);
    i["referrerLevel"] = json!("SPECIALIST");
    i["neglectScreeningId"] = json!(pre);
    let r = app.gql("partner.school", fixtures::SUBMIT, json!({ "i": i })).await;
    assert_eq!(field(&r), vec![], "{}", r.raw);
}

#[tokio::test]
async fn access_through_a_case_ends_when_it_closes() {
    let app = TestApp::new().await;
    let read = "query($id: ID!) { child(id: $id) { id } }";
    let close = |c: &case::Model| {
        let app = &app;
        let (id, version) = (gid("Case", c.id), c.version);
        async move {
            let r = app
                .gql(
                    "tm.alpha",
                    "mutation($i: CloseCaseInput!) { closeCase(input: $i) { case { status } userErrors { code } } }",
                    json!({ "i": { "caseId": id, "reason": "SERVICES_CEASED", "expectedVersion": version } }),
                )
                .await;
            assert_eq!(r.data()["closeCase"]["userErrors"], json!([]), "{}", r.raw);
        }
    };
    // A restricted child: access ends at once.
    let restricted = fixtures::open_case_of(&app, "sw.alpha1", true).await;
    let id = json!({ "id": gid("Child", restricted.child_id) });
    assert!(app.gql("sw.alpha1", read, id.clone()).await.body["errors"].is_null());
    close(&restricted).await;
    assert_eq!(app.gql("sw.alpha1", read, id.clone()).await.code(), "NOT_FOUND");
    assert!(app.gql("tm.alpha", read, id).await.body["errors"].is_null(), "the manager keeps the team's records");
    // Otherwise the worker keeps access for recording, until the grace period ends.
    let open = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let id = json!({ "id": gid("Child", open.child_id) });
    close(&open).await;
    let stored = fixtures::case(&app, open.id).await;
    let until = stored.access_until.expect("an access end");
    assert!(until > Utc::now() + chrono::Duration::days(20), "20 working days is four weeks or more: {until}");
    let others = fixtures::cases(&app)
        .await
        .into_iter()
        .any(|c| c.child_id == open.child_id && c.id != open.id && c.status == entity::enums::CaseStatus::Open);
    if !others {
        assert!(app.gql("sw.alpha1", read, id.clone()).await.body["errors"].is_null());
        let mut ended: case::ActiveModel = stored.into();
        ended.access_until = Set(Some(Utc::now() - chrono::Duration::minutes(1)));
        case::Entity::update(ended).exec(&app.db).await.unwrap();
        assert_eq!(app.gql("sw.alpha1", read, id).await.code(), "NOT_FOUND");
    }
}

#[tokio::test]
async fn a_referrer_withdraws_a_request_the_hub_has_not_decided() {
    let app = TestApp::new().await;
    let (request, _, version) = submit_request(&app, "partner.school", request_input("Withdrawnfamily")).await;
    let withdraw = "mutation($i: WithdrawRequestForSupportInput!) { withdrawRequestForSupport(input: $i) { \
        request { status withdrawnAt withdrawalReason } userErrors { field code } } }";
    let input =
        |id: &str, reason: &str| json!({ "i": { "requestId": id, "expectedVersion": version, "reason": reason } });
    let r = app.gql("partner.school", withdraw, input(&request, "  ")).await;
    assert_eq!(r.user_errors("withdrawRequestForSupport"), vec![("input.reason".into(), "REQUIRED".into())]);
    // Only the referrer: anyone else's answer is a missing request's, byte for byte.
    let theirs = app.gql("dsl.school", withdraw, input(&request, "Sent in error")).await;
    let random =
        app.gql("dsl.school", withdraw, input(&gid("RequestForSupport", Uuid::now_v7()), "Sent in error")).await;
    assert_eq!(theirs.raw, random.raw);
    let r = app.gql("partner.school", withdraw, input(&request, "Sent in error: the family moved away")).await;
    let w = &r.data()["withdrawRequestForSupport"]["request"];
    assert_eq!(
        (w["status"].as_str(), w["withdrawalReason"].as_str()),
        (Some("WITHDRAWN"), Some("Sent in error: the family moved away")),
        "{}",
        r.raw
    );
    // The hub (which was waiting on it) and the school's safeguarding lead hear.
    assert_eq!(alerts_of(&app, "hub.worker", "REQUEST_WITHDRAWN").await.len(), 1);
    assert_eq!(alerts_of(&app, "dsl.school", "REQUEST_WITHDRAWN").await.len(), 1);
    assert!(alerts_of(&app, "partner.school", "REQUEST_WITHDRAWN").await.is_empty(), "not to the one who acted");
    // The hub can no longer decide it, and it cannot be withdrawn twice.
    let r = app
        .gql("hub.worker", fixtures::DECIDE, json!({ "i": decision(&request, version + 1, "NO_FURTHER_ACTION") }))
        .await;
    assert_eq!(r.user_errors("recordHubDecision"), vec![("input.requestId".into(), "CONFLICT".into())]);
    let r = app.gql("partner.school", withdraw, input(&request, "again")).await;
    assert_eq!(r.user_errors("withdrawRequestForSupport"), vec![("input.requestId".into(), "NOT_FOUND".into())]);
}

/// Every mutation that takes an ID answers a real ID the caller may not see byte for byte like a
/// random one (AUTHZ-01/02): nothing in the answer tells that the record exists.
#[tokio::test]
async fn every_mutation_answers_a_forbidden_id_like_a_random_one() {
    let app = TestApp::new().await;
    let alpha_case = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let restricted = fixtures::open_case_of(&app, "sw.alpha1", true).await;
    let (update, update_version) =
        fixtures::submit_update(&app, "partner.school", &fixtures::child(&app, alpha_case.child_id).await, false).await;
    let (unmatched, _) = fixtures::submit_update_named(&app, "partner.school", "Nomatch", "Nomatchfamily").await;
    let (_, rc, _) = submit_request(&app, "partner.school", request_input("Forbiddenfamily")).await;
    let assessment =
        fixtures::start_assessment(&app, "partner.school", "Forbiddeneh").await["id"].as_str().unwrap().to_string();
    let v = fixtures::eha_version(&app, &assessment).await;
    let alpha = gid("Team", fixtures::team_of(&app, "sw.alpha1").await);
    let random = |kind: &str| json!(gid(kind, Uuid::now_v7()));
    // (caller, mutation, input type, the input with the real ID, the same with a random one)
    let cases: Vec<(&str, &str, &str, Value, Value)> = vec![
        {
            let i = |id: Value| json!({ "caseId": id, "workerId": gid("Staff", app.staff_id("sw.bravo1")), "expectedVersion": alpha_case.version });
            ("tm.bravo", "allocateCase", "AllocateCaseInput", i(json!(gid("Case", alpha_case.id))), i(random("Case")))
        },
        {
            let i =
                |id: Value| json!({ "caseId": id, "reason": "SERVICES_CEASED", "expectedVersion": alpha_case.version });
            ("tm.bravo", "closeCase", "CloseCaseInput", i(json!(gid("Case", alpha_case.id))), i(random("Case")))
        },
        {
            let i = |id: Value| json!({ "childId": id, "kind": "ASSESSMENT", "teamId": alpha });
            ("hub.worker", "openCase", "OpenCaseInput", i(json!(gid("Child", restricted.child_id))), i(random("Child")))
        },
        {
            let i = |id: Value| json!({ "partnerUpdateId": id, "action": "CONTACT_MADE", "expectedVersion": update_version });
            (
                "sw.bravo1",
                "reviewPartnerUpdate",
                "ReviewPartnerUpdateInput",
                i(json!(update)),
                i(random("PartnerUpdate")),
            )
        },
        {
            let i = |id: Value| json!({ "partnerUpdateId": unmatched, "childId": id, "expectedVersion": 1 });
            (
                "hub.worker",
                "matchPartnerUpdate",
                "MatchPartnerUpdateInput",
                i(json!(gid("Child", restricted.child_id))),
                i(random("Child")),
            )
        },
        {
            let i = |id: Value| json!({ "requestChildId": rc, "childId": id });
            (
                "hub.worker",
                "matchRequestChild",
                "MatchRequestChildInput",
                i(json!(gid("Child", restricted.child_id))),
                i(random("Child")),
            )
        },
        {
            let i = |id: Value| json!({ "assessmentId": id, "expectedVersion": v, "reason": "Changed" });
            (
                "sw.bravo1",
                "updateEarlyHelpAssessment",
                "UpdateEarlyHelpAssessmentInput",
                i(json!(assessment)),
                i(random("EarlyHelpAssessment")),
            )
        },
        {
            let i = |id: Value| json!({ "assessmentId": id, "expectedVersion": v, "staffId": gid("Staff", app.staff_id("dsl.school")) });
            (
                "ehp.earlyhelp",
                "addTeamAroundFamilyMember",
                "TeamAroundFamilyMemberInput",
                i(json!(assessment)),
                i(random("EarlyHelpAssessment")),
            )
        },
        {
            let i = |id: Value| json!({ "assessmentId": id, "expectedVersion": v, "outcome": "NEEDS_MET" });
            (
                "ehp.earlyhelp",
                "closeEarlyHelpAssessment",
                "CloseEarlyHelpAssessmentInput",
                i(json!(assessment)),
                i(random("EarlyHelpAssessment")),
            )
        },
    ];
    for (who, field, input_type, real, fake) in cases {
        let q =
            format!("mutation($i: {input_type}!) {{ {field}(input: $i) {{ userErrors {{ field code message }} }} }}");
        let (a, b) = (app.gql(who, &q, json!({ "i": real })).await, app.gql(who, &q, json!({ "i": fake })).await);
        assert_eq!(a.raw, b.raw, "{who} {field}: a forbidden ID must answer like a random one");
        assert!(a.raw.contains("NOT_FOUND"), "{who} {field}: {}", a.raw);
    }
}
