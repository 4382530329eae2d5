//! openCase / allocateCase / closeCase: rules, optimistic concurrency, one transaction each.
use crate::common::*;
use crate::fixtures;
use entity::{audit_event, case, case_event, enums::CaseStatus};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const OPEN: &str = "mutation($i: OpenCaseInput!) { openCase(input: $i) { case { id kind status version allocatedWorker { displayName } team { name } child { id } history { kind } } userErrors { field code message } } }";
const ALLOCATE: &str = "mutation($i: AllocateCaseInput!) { allocateCase(input: $i) { case { id version allocatedWorker { id } history { kind } } userErrors { field code message } } }";
const CLOSE: &str = "mutation($i: CloseCaseInput!) { closeCase(input: $i) { case { id status closureReason closedAt version } userErrors { field code message } } }";

#[tokio::test]
async fn hub_opens_a_case_with_history_and_audit_in_one_go() {
    let app = TestApp::new().await;
    let child = fixtures::children_without_cases(&app).await.remove(0);
    let team = fixtures::team_of(&app, "sw.alpha1").await;
    let input = json!({ "childId": gid("Child", child.id), "kind": "ASSESSMENT", "teamId": gid("Team", team), "allocatedWorkerId": gid("Staff", app.staff_id("sw.alpha1")) });
    let r = app.gql("hub.worker", OPEN, json!({ "i": input })).await;
    let c = &r.data()["openCase"]["case"];
    assert_eq!(c["status"], "OPEN", "{}", r.raw);
    assert_eq!(c["version"], 1);
    assert_eq!(c["allocatedWorker"]["displayName"], "Social Worker Alpha One");
    assert_eq!(c["history"], json!([{ "kind": "OPENED" }, { "kind": "ALLOCATED" }]));
    let request_id = r.headers["x-request-id"].to_str().unwrap().to_string();
    let rows =
        audit_event::Entity::find().filter(audit_event::Column::RequestId.eq(request_id)).all(&app.db).await.unwrap();
    assert!(rows.iter().any(|a| a.action == entity::enums::AuditAction::Create
        && a.record_type == "CASE"
        && a.child_id == Some(child.id)));
    // The new case is on the worker's caseload.
    let r = app.gql("sw.alpha1", "{ caseload(first: 100) { edges { node { id } } } }", json!({})).await;
    assert!(r.raw.contains(c["id"].as_str().unwrap()));
    // A second open case for the same child is refused, and nothing is written.
    let before = app.count("cases").await;
    let r = app.gql("hub.worker", OPEN, json!({ "i": input })).await;
    assert_eq!(r.user_errors("openCase"), vec![("input.childId".into(), "ALREADY_OPEN".into())]);
    assert!(r.data()["openCase"]["case"].is_null());
    assert_eq!(app.count("cases").await, before);
}

#[tokio::test]
async fn open_case_input_rules() {
    let app = TestApp::new().await;
    let free = fixtures::children_without_cases(&app).await;
    let alpha = fixtures::team_of(&app, "tm.alpha").await;
    let bravo = fixtures::team_of(&app, "tm.bravo").await;
    let hidden = fixtures::open_case_of(&app, "sw.alpha1", true).await; // restricted: hidden from the hub
    let early_help_team = fixtures::team_of(&app, "ehp.earlyhelp").await;
    let base = |child: &str, team: String| json!({ "childId": child, "kind": "CHILD_IN_NEED", "teamId": team });
    let cases: Vec<(&str, Value, (&str, &str))> = vec![
        ("hub.worker", base(&gid("Child", hidden.child_id), gid("Team", alpha)), ("input.childId", "NOT_FOUND")),
        (
            "hub.worker",
            base(&gid("Child", sea_orm::prelude::Uuid::now_v7()), gid("Team", alpha)),
            ("input.childId", "NOT_FOUND"),
        ),
        ("hub.worker", base("not-an-id", gid("Team", alpha)), ("input.childId", "INVALID")),
        ("hub.worker", base(&gid("Case", free[0].id), gid("Team", alpha)), ("input.childId", "INVALID")),
        ("hub.worker", base(&gid("Child", free[0].id), gid("Team", early_help_team)), ("input.teamId", "NOT_FOUND")),
        ("tm.alpha", base(&gid("Child", free[0].id), gid("Team", bravo)), ("input.teamId", "NOT_ALLOWED")),
        (
            "hub.worker",
            json!({ "childId": gid("Child", free[0].id), "kind": "ASSESSMENT", "teamId": gid("Team", alpha), "allocatedWorkerId": gid("Staff", app.staff_id("sw.bravo1")) }),
            ("input.allocatedWorkerId", "NOT_ALLOWED"),
        ),
        (
            "hub.worker",
            json!({ "childId": gid("Child", free[0].id), "kind": "ASSESSMENT", "teamId": gid("Team", alpha), "allocatedWorkerId": gid("Staff", app.staff_id("partner.school")) }),
            ("input.allocatedWorkerId", "NOT_ALLOWED"),
        ),
    ];
    let before = (app.count("cases").await, app.count("case_events").await);
    for (who, input, (field, code)) in cases {
        let r = app.gql(who, OPEN, json!({ "i": input })).await;
        assert_eq!(r.user_errors("openCase"), vec![(field.to_string(), code.to_string())], "{who} {input}");
        assert!(r.data()["openCase"]["case"].is_null());
    }
    assert_eq!((app.count("cases").await, app.count("case_events").await), before, "no half-written rows");
    // Unknown enum values never reach a resolver.
    let r = app
        .gql(
            "hub.worker",
            OPEN,
            json!({ "i": { "childId": gid("Child", free[0].id), "kind": "NOT_A_KIND", "teamId": gid("Team", alpha) } }),
        )
        .await;
    assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.raw);
}

#[tokio::test]
async fn manager_allocates_with_optimistic_concurrency() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let input = |worker: &str, v: i32| json!({ "i": { "caseId": gid("Case", c.id), "workerId": gid("Staff", app.staff_id(worker)), "expectedVersion": v } });
    let r = app.gql("tm.alpha", ALLOCATE, input("sw.alpha2", 1)).await;
    assert_eq!(r.data()["allocateCase"]["case"]["version"], 2, "{}", r.raw);
    assert_eq!(r.data()["allocateCase"]["case"]["allocatedWorker"]["id"], gid("Staff", app.staff_id("sw.alpha2")));
    let after = fixtures::case(&app, c.id).await;
    // A stale version changes nothing.
    let r = app.gql("tm.alpha", ALLOCATE, input("sw.alpha1", 1)).await;
    assert_eq!(r.user_errors("allocateCase"), vec![("input.expectedVersion".into(), "CONFLICT".into())]);
    let now = fixtures::case(&app, c.id).await;
    assert_eq!(
        (now.version, now.updated_at, now.allocated_worker_id),
        (after.version, after.updated_at, after.allocated_worker_id)
    );
    // The worker must belong to the case's team; another team's manager cannot touch it.
    let r = app.gql("tm.alpha", ALLOCATE, input("sw.bravo1", 2)).await;
    assert_eq!(r.user_errors("allocateCase"), vec![("input.workerId".into(), "NOT_ALLOWED".into())]);
    let r = app.gql("tm.bravo", ALLOCATE, input("sw.bravo1", 2)).await;
    assert_eq!(r.user_errors("allocateCase"), vec![("input.caseId".into(), "NOT_FOUND".into())]);
    // A social worker may not allocate at all.
    let r = app.gql("sw.alpha1", ALLOCATE, input("sw.alpha1", 2)).await;
    assert_eq!(r.code(), "FORBIDDEN");
    assert_eq!(fixtures::case(&app, c.id).await.version, 2);
}

#[tokio::test]
async fn rel_05_concurrent_edits_with_the_same_version_one_wins() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha2", false).await;
    let input = |worker: &str| json!({ "i": { "caseId": gid("Case", c.id), "workerId": gid("Staff", app.staff_id(worker)), "expectedVersion": c.version } });
    let (a, b) = tokio::join!(
        app.gql("tm.alpha", ALLOCATE, input("sw.alpha1")),
        app.gql("tm.alpha", ALLOCATE, input("tm.alpha"))
    );
    let won = [&a, &b].iter().filter(|r| r.data()["allocateCase"]["userErrors"] == json!([])).count();
    assert_eq!(won, 1, "{} / {}", a.raw, b.raw);
    assert_eq!(fixtures::case(&app, c.id).await.version, c.version + 1);
    let allocations =
        case_event::Entity::find().filter(case_event::Column::CaseId.eq(c.id)).all(&app.db).await.unwrap();
    assert_eq!(
        allocations.iter().filter(|e| e.kind == entity::enums::CaseEventKind::Allocated).count(),
        2,
        "seeded allocation + exactly one new"
    );
}

#[tokio::test]
async fn manager_closes_a_case_once() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let input = |v: i32| json!({ "i": { "caseId": gid("Case", c.id), "reason": "NO_FURTHER_ACTION_AFTER_ASSESSMENT", "expectedVersion": v } });
    let r = app.gql("sw.alpha1", CLOSE, input(1)).await;
    assert_eq!(r.code(), "FORBIDDEN");
    let r = app.gql("tm.alpha", CLOSE, input(1)).await;
    let closed = &r.data()["closeCase"]["case"];
    assert_eq!(closed["status"], "CLOSED", "{}", r.raw);
    assert_eq!(closed["closureReason"], "NO_FURTHER_ACTION_AFTER_ASSESSMENT");
    assert!(
        closed["closedAt"].as_str().unwrap().ends_with('Z') || closed["closedAt"].as_str().unwrap().contains("+00:00")
    );
    let r = app.gql("tm.alpha", CLOSE, input(2)).await;
    assert_eq!(r.user_errors("closeCase"), vec![("input.caseId".into(), "ALREADY_CLOSED".into())]);
    // Closed cases leave the caseload; the child can have a new case opened.
    let r = app.gql("sw.alpha1", "{ caseload(first: 100) { edges { node { id } } } }", json!({})).await;
    assert!(!r.raw.contains(&gid("Case", c.id)));
    let stored = fixtures::case(&app, c.id).await;
    assert_eq!(stored.status, CaseStatus::Closed);
    let r = app.gql("hub.worker", OPEN, json!({ "i": { "childId": gid("Child", c.child_id), "kind": "CHILD_IN_NEED", "teamId": gid("Team", c.team_id) } })).await;
    assert_eq!(r.data()["openCase"]["userErrors"], json!([]), "{}", r.raw);
}

#[tokio::test]
async fn rel_03_aud_03_a_mutation_whose_audit_row_fails_leaves_nothing() {
    let app = TestApp::new().await;
    let child = fixtures::children_without_cases(&app).await.remove(0);
    let team = fixtures::team_of(&app, "tm.alpha").await;
    let before = (app.count("cases").await, app.count("case_events").await);
    // Make the audit insert fail inside the mutation's transaction.
    app.db.execute_unprepared("ALTER TABLE audit_events RENAME TO audit_events_gone").await.unwrap();
    let r = app
        .gql(
            "hub.worker",
            OPEN,
            json!({ "i": { "childId": gid("Child", child.id), "kind": "ASSESSMENT", "teamId": gid("Team", team) } }),
        )
        .await;
    assert!(["UNAVAILABLE", "INTERNAL"].contains(&r.code().as_str()), "{}", r.raw);
    for leak in ["audit_events", "SELECT", "INSERT", "sqlx", "relation", "no such table"] {
        assert!(!r.raw.contains(leak), "{leak} leaked: {}", r.raw);
    }
    app.db.execute_unprepared("ALTER TABLE audit_events_gone RENAME TO audit_events").await.unwrap();
    assert_eq!(
        (app.count("cases").await, app.count("case_events").await),
        before,
        "the case was rolled back with its audit row"
    );
    assert!(case::Entity::find().filter(case::Column::ChildId.eq(child.id)).one(&app.db).await.unwrap().is_none());
}
