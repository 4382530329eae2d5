//! AUD-xx: every read of a child's identifying data and every write is one row, IDs only.
use crate::common::*;
use crate::fixtures;
use entity::{
    audit_event,
    enums::{AuditAction, AuditOutcome},
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

async fn rows_for(app: &TestApp, request_id: &str) -> Vec<audit_event::Model> {
    audit_event::Entity::find().filter(audit_event::Column::RequestId.eq(request_id)).all(&app.db).await.unwrap()
}

#[tokio::test]
async fn aud_01_07_each_child_read_is_one_row_of_ids() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, c.child_id).await;
    let r = app
        .gql(
            "sw.alpha1",
            "query ChildCard($id: ID!) { child(id: $id) { givenName } }",
            json!({ "id": gid("Child", c.child_id) }),
        )
        .await;
    assert!(r.body["errors"].is_null());
    let rid = r.headers["x-request-id"].to_str().unwrap().to_string();
    let rows = rows_for(&app, &rid).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    let a = &rows[0];
    assert_eq!((a.action, a.outcome, a.record_type.as_str()), (AuditAction::Read, AuditOutcome::Allowed, "CHILD"));
    assert_eq!((a.record_id, a.child_id, a.actor_id), (Some(child.id), Some(child.id), app.staff_id("sw.alpha1")));
    assert_eq!(a.roles, "SOCIAL_WORKER");
    assert_eq!(a.organisation_id, Some(app.staff["sw.alpha1"].organisation_id));
    assert_eq!(a.operation, "ChildCard");
    // Rows hold IDs and codes only, never the child's name or date of birth.
    let text = format!("{a:?}");
    assert!(!text.contains(&child.given_name) && !text.contains(&child.family_name));
    // A caseload page: one row per case and one per child it shows.
    let r = app.gql("sw.alpha1", "{ caseload(first: 3) { edges { node { id child { id } } } } }", json!({})).await;
    let rows = rows_for(&app, r.headers["x-request-id"].to_str().unwrap()).await;
    assert_eq!(rows.iter().filter(|a| a.record_type == "CASE").count(), 3);
    assert_eq!(rows.iter().filter(|a| a.record_type == "CHILD").count(), 3);
}

#[tokio::test]
async fn aud_04_a_read_that_cannot_be_audited_fails_closed() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    app.db.execute_unprepared("ALTER TABLE audit_events RENAME TO audit_events_away").await.unwrap();
    let r = app
        .gql("sw.alpha1", "query($id: ID!) { child(id: $id) { givenName } }", json!({ "id": gid("Child", c.child_id) }))
        .await;
    assert_eq!(r.code(), "UNAVAILABLE", "{}", r.raw);
    assert!(r.data().is_null(), "no data without its audit row: {}", r.raw);
    assert_eq!(r.status, axum::http::StatusCode::SERVICE_UNAVAILABLE);
    let r = app.gql("sw.alpha1", "{ caseload(first: 5) { edges { node { child { givenName } } } } }", json!({})).await;
    assert!(r.data().is_null() || r.data()["caseload"].is_null(), "{}", r.raw);
    app.db.execute_unprepared("ALTER TABLE audit_events_away RENAME TO audit_events").await.unwrap();
}

#[tokio::test]
async fn aud_05_the_trail_is_append_only_in_the_database() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    app.gql("sw.alpha1", "query($id: ID!) { child(id: $id) { id } }", json!({ "id": gid("Child", c.child_id) })).await;
    let n = app.count("audit_events").await;
    assert!(n > 0);
    assert!(app.db.execute_unprepared("UPDATE audit_events SET outcome = 'DENIED'").await.is_err());
    assert!(app.db.execute_unprepared("DELETE FROM audit_events").await.is_err());
    assert_eq!(app.count("audit_events").await, n);
}

#[tokio::test]
async fn audit_events_for_managers_and_admins() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let id = gid("Child", c.child_id);
    app.gql("sw.alpha1", "query($id: ID!) { child(id: $id) { id } }", json!({ "id": id })).await;
    app.gql("partner.school", "query($id: ID!) { child(id: $id) { id } }", json!({ "id": id })).await;
    let q = "query($id: ID!) { auditEvents(childId: $id, first: 50) { edges { node { actorId action outcome recordType recordId operation requestId at } } } }";
    for who in ["tm.alpha", "admin"] {
        let r = app.gql(who, q, json!({ "id": id })).await;
        let events = r.data()["auditEvents"]["edges"].as_array().unwrap_or_else(|| panic!("{}", r.raw));
        let by = |h: &str, outcome: &str| {
            events
                .iter()
                .any(|e| e["node"]["actorId"] == gid("Staff", app.staff_id(h)) && e["node"]["outcome"] == outcome)
        };
        assert!(by("sw.alpha1", "ALLOWED"), "{who}: {}", r.raw);
        assert!(by("partner.school", "DENIED"), "{who}: the partner's attempt is on the trail");
    }
    // Another team's manager: not found, like any child they cannot see. Social workers: forbidden.
    assert_eq!(app.gql("tm.bravo", q, json!({ "id": id })).await.code(), "NOT_FOUND");
    assert_eq!(app.gql("sw.alpha1", q, json!({ "id": id })).await.code(), "FORBIDDEN");
}

#[tokio::test]
async fn concurrent_requests_share_audit_statements_but_each_keeps_its_rows() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let q = "query ChildCard($id: ID!) { child(id: $id) { givenName } }";
    let vars = json!({ "id": gid("Child", c.child_id) });
    let answers = futures_util::future::join_all((0..24).map(|_| app.gql("sw.alpha1", q, vars.clone()))).await;
    for r in answers {
        assert!(r.body["errors"].is_null(), "{}", r.raw);
        let rows = rows_for(&app, r.headers["x-request-id"].to_str().unwrap()).await;
        assert_eq!(rows.len(), 1, "each request's own read row, stored before it answered: {rows:?}");
        assert_eq!((rows[0].record_id, rows[0].operation.as_str()), (Some(c.child_id), "ChildCard"));
    }
}

/// A large batch is stored whole and exactly: every row, the client's request ID with its
/// backslashes and quotes intact, and one statement for all of them.
#[tokio::test]
async fn a_large_batch_is_stored_whole_and_exactly_in_one_statement() {
    use casegraph::auth::{Principal, Role};
    use casegraph::context::{Entry, RecordType};
    use sea_orm::prelude::Uuid;
    let app = TestApp::new().await;
    let user = app.staff_id("hub.worker");
    let principal = Principal {
        user,
        roles: vec![Role::HubWorker],
        organisation: None,
        team: None,
        scopes: vec![],
        expires_at: now() + 600,
    };
    let request_id = r#"bulk\read\t"quoted"'x'"#;
    let ctx = casegraph::context::RequestCtx::new(principal, request_id, Some("BulkRead")).deferring_reads();
    let children: Vec<Uuid> = (0..150).map(|_| Uuid::now_v7()).collect();
    let entries: Vec<Entry> =
        children.iter().map(|c| Entry::allowed(AuditAction::Read, RecordType::Child, *c, Some(*c))).collect();
    casegraph::audit::note(&app.db, &ctx, &entries).await.unwrap();
    let before = app.state.statements.get();
    assert_eq!(app.state.audit.flush(&ctx).await.unwrap(), 150);
    assert_eq!(app.state.statements.get() - before, 1, "one statement for the batch");
    let rows = rows_for(&app, request_id).await;
    assert_eq!(rows.len(), 150, "every row, under the exact request ID");
    let mut stored: Vec<Uuid> = rows.iter().map(|r| r.child_id.unwrap()).collect();
    stored.sort();
    let mut expected = children.clone();
    expected.sort();
    assert_eq!(stored, expected);
    assert!(rows.iter().all(|r| r.operation == "BulkRead"
        && r.actor_id == user
        && r.organisation_id.is_none()
        && r.record_ids.is_none()
        && r.record_id == r.child_id
        && r.outcome == AuditOutcome::Allowed));
}
