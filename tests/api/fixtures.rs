//! Finding seeded rows the tests need, straight from the database.
use crate::common::{TestApp, gid};
use entity::{case, child, enums::CaseStatus};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, prelude::Uuid};

pub async fn children(app: &TestApp) -> Vec<child::Model> {
    child::Entity::find().order_by_asc(child::Column::Id).all(&app.db).await.unwrap()
}

pub async fn cases(app: &TestApp) -> Vec<case::Model> {
    case::Entity::find().order_by_asc(case::Column::Id).all(&app.db).await.unwrap()
}

pub async fn child(app: &TestApp, id: Uuid) -> child::Model {
    child::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap()
}

pub async fn case(app: &TestApp, id: Uuid) -> case::Model {
    case::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap()
}

/// An open case allocated to `worker`, whose child is (or is not) restricted.
pub async fn open_case_of(app: &TestApp, worker: &str, restricted: bool) -> case::Model {
    let w = app.staff_id(worker);
    for c in case::Entity::find()
        .filter(case::Column::AllocatedWorkerId.eq(w))
        .filter(case::Column::Status.eq(CaseStatus::Open))
        .order_by_asc(case::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
    {
        if child(app, c.child_id).await.restricted == restricted {
            return c;
        }
    }
    panic!("no open case of {worker} (restricted: {restricted}) in the fixture");
}

/// Children that have never had a case.
pub async fn children_without_cases(app: &TestApp) -> Vec<child::Model> {
    let cs = cases(app).await;
    children(app).await.into_iter().filter(|c| !cs.iter().any(|k| k.child_id == c.id)).collect()
}

pub async fn team_of(app: &TestApp, handle: &str) -> Uuid {
    app.staff[handle].team_id.unwrap()
}

/// A complete, valid request for support about one child (synthetic data).
pub fn request_input(family: &str) -> serde_json::Value {
    serde_json::json!({
        "children": [{ "givenName": "Testchild", "familyName": family, "dateOfBirth": "2018-05-04", "sex": "FEMALE",
                       "addressLine": "7 Example Street", "postcode": "ZZ9 9ZZ", "schoolOrSetting": "Example Primary School" }],
        "household": [{ "givenName": "Sample Carer", "familyName": family, "relationship": "MOTHER",
                        "parentalResponsibility": true, "livesWithChild": true }],
        "concerns": "Often arrives hungry; attendance has fallen to 80% this term.\nSeems withdrawn.",
        "concernCategories": ["NEGLECT", "MENTAL_HEALTH_PARENT"],
        "supportInPlace": "Breakfast club since September",
        "supportOutcome": "Some improvement in mornings",
        "childViews": "Says home is 'noisy' and she is tired",
        "referrerLevel": "INTENSIVE",
        "discussedWithSafeguardingLead": true,
        "safeguardingLeadName": "Safeguarding Lead Example",
        "safeguardingLeadConsultedOn": "2026-11-02",
        "parentsAware": true,
        "consent": { "status": "GIVEN", "givenBy": "PARENT_CARER", "covers": "the child and her mother" },
        "immediateRiskOfSignificantHarm": false
    })
}

pub const SUBMIT: &str = "mutation Submit($i: SubmitRequestForSupportInput!) { submitRequestForSupport(input: $i) { request { id reference status urgent receivedAt dueAt version children { id given: givenName matched } } userErrors { field code message } } }";

/// Submits a request as `who` and returns (request ID, first request-child ID, version).
pub async fn submit_request(app: &TestApp, who: &str, input: serde_json::Value) -> (String, String, i64) {
    let r = app.gql(who, SUBMIT, serde_json::json!({ "i": input })).await;
    let req = &r.data()["submitRequestForSupport"]["request"];
    assert!(req.is_object(), "{}", r.raw);
    (
        req["id"].as_str().unwrap().to_string(),
        req["children"][0]["id"].as_str().unwrap().to_string(),
        req["version"].as_i64().unwrap(),
    )
}

pub const SCREEN: &str = "mutation Screen($i: SubmitNeglectScreeningInput!) { submitNeglectScreening(input: $i) { screening { id flagged outcome domainScores { domain score flagged } } userErrors { field code message } } }";

/// A child-tool screening with the safety domain over the threshold, of the child
/// `request_input(family)` names.
pub fn screening_input() -> serde_json::Value {
    screening_of("Testchild", "Screenfamily", "2018-05-04")
}

/// A child-tool screening of one child.
pub fn screening_of(given: &str, family: &str, dob: &str) -> serde_json::Value {
    let item = |n: i32, r: &str| serde_json::json!({ "item": n, "response": r, "evidence": if r == "DOES_NOT_APPLY" { serde_json::Value::Null } else { serde_json::json!("observed at drop-off") } });
    serde_json::json!({
        "tool": "CHILD", "completedOn": chrono::Utc::now().date_naive().to_string(),
        "child": { "givenName": given, "familyName": family, "dateOfBirth": dob },
        "domains": [
            { "domain": "PHYSICAL_CARE", "items": [item(1, "SOMETIMES"), item(2, "DOES_NOT_APPLY")] },
            { "domain": "SAFETY", "items": [item(1, "APPLIES"), item(2, "APPLIES")] },
            { "domain": "EMOTIONAL_CARE", "items": [item(1, "DOES_NOT_APPLY")] },
            { "domain": "DEVELOPMENTAL_CARE", "items": [item(1, "NOT_KNOWN")] }
        ]
    })
}

/// Submits a screening of the child `request_input(family)` names.
pub async fn submit_screening(app: &TestApp, who: &str, family: &str) -> String {
    submit_screening_of(app, who, screening_of("Testchild", family, "2018-05-04")).await
}

pub async fn submit_screening_of(app: &TestApp, who: &str, input: serde_json::Value) -> String {
    let r = app.gql(who, SCREEN, serde_json::json!({ "i": input })).await;
    r.data()["submitNeglectScreening"]["screening"]["id"].as_str().unwrap_or_else(|| panic!("{}", r.raw)).to_string()
}

pub const SUBMIT_UPDATE: &str = "mutation Update($i: SubmitPartnerUpdateInput!) { submitPartnerUpdate(input: $i) { partnerUpdate { id reference dueAt receivedAt reviewed matched version } userErrors { field code message } } }";

/// A partner update about a seeded child, as a school would send it.
pub fn update_input(child: &entity::child::Model, concern: bool) -> serde_json::Value {
    serde_json::json!({
        "childGivenName": child.given_name, "childFamilyName": child.family_name,
        "childDateOfBirth": child.date_of_birth.map(|d| d.to_string()).unwrap_or_else(|| "2015-01-01".into()),
        "kind": "UNSUCCESSFUL_CONTACT", "unsuccessfulReason": "NOT_BROUGHT_TO_APPOINTMENT",
        "occurredAt": "2026-11-20T09:30:00Z", "details": "Not brought to the school nurse appointment.",
        "concern": concern, "needsImmediateSafeguardingResponse": false
    })
}

/// Submits an update and returns (ID, version).
pub async fn submit_update(app: &TestApp, who: &str, child: &entity::child::Model, concern: bool) -> (String, i64) {
    let r = app.gql(who, SUBMIT_UPDATE, serde_json::json!({ "i": update_input(child, concern) })).await;
    let u = &r.data()["submitPartnerUpdate"]["partnerUpdate"];
    assert!(u.is_object(), "{}", r.raw);
    (u["id"].as_str().unwrap().to_string(), u["version"].as_i64().unwrap())
}

/// Submits an update about a child by name (possibly unknown), dated 2015-01-01.
pub async fn submit_update_named(app: &TestApp, who: &str, given: &str, family: &str) -> (String, i64) {
    let mut input = update_input(
        &entity::child::Model {
            id: Uuid::nil(),
            given_name: given.into(),
            family_name: family.into(),
            given_key: String::new(),
            family_key: String::new(),
            date_of_birth: chrono::NaiveDate::from_ymd_opt(2015, 1, 1),
            expected_delivery_date: None,
            sex: entity::enums::Sex::Unknown,
            ethnicity: None,
            address_line: None,
            town: None,
            postcode: None,
            nhs_number: None,
            upn: None,
            restricted: false,
            synthetic: true,
            version: 1,
            created_at: chrono::Utc::now(),
            updated_at: chrono::Utc::now(),
        },
        false,
    );
    input["details"] = serde_json::json!("Changed school this week.");
    let r = app.gql(who, SUBMIT_UPDATE, serde_json::json!({ "i": input })).await;
    let u = &r.data()["submitPartnerUpdate"]["partnerUpdate"];
    assert!(u.is_object(), "{}", r.raw);
    (u["id"].as_str().unwrap().to_string(), u["version"].as_i64().unwrap())
}

/// The UUID inside a global ID.
pub fn uuid_of(id: &str) -> Uuid {
    use base64::Engine;
    let raw = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(id).unwrap()).unwrap();
    Uuid::parse_str(raw.split_once(':').unwrap().1).unwrap()
}

pub fn days_ago(n: i64) -> String {
    (chrono::Utc::now().date_naive() - chrono::Duration::days(n)).format("%Y-%m-%d").to_string()
}

pub fn days_ahead(n: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(n)).format("%Y-%m-%d").to_string()
}

/// A complete early help assessment for a family of two children and two adults (synthetic).
pub fn eha_input(family: &str) -> serde_json::Value {
    serde_json::json!({
        "children": [
            { "givenName": "Testchild", "familyName": family, "dateOfBirth": "2017-03-14", "sex": "FEMALE",
              "addressLine": "9 Example Road", "postcode": "ZZ9 8ZZ", "schoolOrSetting": "Example Primary School" },
            { "givenName": "Sampletot", "familyName": family, "dateOfBirth": "2023-01-20", "sex": "MALE" }
        ],
        "household": [
            { "givenName": "Sample Carer", "familyName": family, "relationship": "MOTHER", "parentalResponsibility": true, "livesWithChild": true },
            { "givenName": "Sample Nan", "familyName": family, "relationship": "GRANDPARENT", "parentalResponsibility": false, "livesWithChild": false }
        ],
        "consent": { "status": "GIVEN", "givenBy": "PARENT_CARER", "covers": "the whole household" },
        "reason": "Attendance has fallen this term and mum says she is struggling with the toddler's sleep.",
        "childVoice": "Likes drawing; says mornings are 'shouty'.",
        "familyVoice": "Mum wants help with routines and is worried about money.",
        "strengths": [
            { "domain": "PARENTING_CAPACITY", "compartment": "BELONGING", "description": "Warm relationship with both children", "score": 2 },
            { "domain": "FAMILY_AND_ENVIRONMENTAL_FACTORS", "compartment": "BELONGING", "description": "Nan visits weekly" }
        ],
        "needs": [
            { "domain": "CHILD_DEVELOPMENTAL_NEEDS", "compartment": "LEARNING", "description": "School attendance at 82%" },
            { "domain": "FAMILY_AND_ENVIRONMENTAL_FACTORS", "compartment": "BASICS", "description": "Rent arrears; food running short", "score": 4 }
        ],
        "level": "UNIVERSAL_PLUS",
        "startedOn": days_ago(30)
    })
}

pub const EHA_FIELDS: &str = "id reference status version level nextReviewDue reviewOverdue children { id linked } household { id } plan { id status } teamAroundFamily { current practitioner { id } }";

/// Runs an early help mutation that returns `{ assessment, userErrors }` and returns the
/// assessment, failing the test on any error.
pub async fn eh_ok(
    app: &TestApp,
    who: &str,
    field: &str,
    input_type: &str,
    input: serde_json::Value,
) -> serde_json::Value {
    let q = format!(
        "mutation($i: {input_type}!) {{ {field}(input: $i) {{ assessment {{ {EHA_FIELDS} }} userErrors {{ field code message }} }} }}"
    );
    let r = app.gql(who, &q, serde_json::json!({ "i": input })).await;
    assert_eq!(r.data()[field]["userErrors"], serde_json::json!([]), "{who} {field}: {}", r.raw);
    r.data()[field]["assessment"].clone()
}

/// Starts an assessment as `who` and returns it.
pub async fn start_assessment(app: &TestApp, who: &str, family: &str) -> serde_json::Value {
    eh_ok(app, who, "startEarlyHelpAssessment", "StartEarlyHelpAssessmentInput", eha_input(family)).await
}

/// The stored version of an assessment (tests send it back as `expectedVersion`).
pub async fn eha_version(app: &TestApp, id: &str) -> i32 {
    entity::early_help_assessment::Entity::find_by_id(uuid_of(id)).one(&app.db).await.unwrap().unwrap().version
}

/// The lead adds a practitioner to the team around the family.
pub async fn add_taf(app: &TestApp, lead: &str, id: &str, member: &str) {
    let v = eha_version(app, id).await;
    eh_ok(
        app,
        lead,
        "addTeamAroundFamilyMember",
        "TeamAroundFamilyMemberInput",
        serde_json::json!({ "assessmentId": id, "expectedVersion": v, "staffId": gid("Staff", app.staff_id(member)) }),
    )
    .await;
}

/// A plan action for which the first household member is responsible.
pub fn plan_action(member_id: &str, target: &str) -> serde_json::Value {
    serde_json::json!({
        "need": "Mornings are chaotic and she arrives late",
        "action": "Agree a morning routine chart with mum",
        "responsible": { "householdMemberId": member_id },
        "intendedOutcome": "On time four days out of five",
        "targetDate": target,
        "compartment": "BASICS",
        "agreedWithFamily": true
    })
}

pub const CREATE_CHILD: &str = "mutation($i: CreateChildFromRequestInput!) { createChildFromRequest(input: $i) { requestChild { matched child { id } } possibleDuplicates { id } userErrors { field code message } } }";
pub const DECIDE: &str = "mutation($i: RecordHubDecisionInput!) { recordHubDecision(input: $i) { decision { outcome cases { id } } userErrors { field code message } } }";

/// The hub's decision on a request, failing the test on any user error; returns the decision.
pub async fn decide(app: &TestApp, hub: &str, input: serde_json::Value) -> serde_json::Value {
    let r = app.gql(hub, DECIDE, serde_json::json!({ "i": input })).await;
    assert_eq!(r.data()["recordHubDecision"]["userErrors"], serde_json::json!([]), "{}", r.raw);
    r.data()["recordHubDecision"]["decision"].clone()
}

/// A school's request about a new child, which the hub records as a new child and decides into
/// an assessment case in `worker`'s team allocated to them. Returns (request ID, case ID).
pub async fn request_to_case(app: &TestApp, family: &str, worker: &str) -> (String, String) {
    let (request, rc, version) = submit_request(app, "partner.school", request_input(family)).await;
    let r = app.gql("hub.worker", CREATE_CHILD, serde_json::json!({ "i": { "requestChildId": rc } })).await;
    assert_eq!(r.data()["createChildFromRequest"]["userErrors"], serde_json::json!([]), "{}", r.raw);
    let team = team_of(app, worker).await;
    let d = decide(
        app,
        "hub.worker",
        serde_json::json!({ "requestId": request, "outcome": "CHILD_AND_FAMILY_ASSESSMENT", "decidedLevel": "SPECIALIST",
            "rationale": "Escalating neglect indicators", "feedback": "Accepted for a child and family assessment",
            "expectedVersion": version, "teamId": crate::common::gid("Team", team),
            "allocatedWorkerId": crate::common::gid("Staff", app.staff_id(worker)) }),
    )
    .await;
    (request, d["cases"][0]["id"].as_str().expect("a case").to_string())
}
