//! Issue 18 (in part): reports for analysts, with small numbers suppressed and no identifiers,
//! in GraphQL and as CSV. Counts are checked against the fixtures each test creates, moved into a
//! period of their own (2020) so that nothing else is counted there.
use crate::common::*;
use crate::fixtures;
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};

const REPORT: &str = "query($from: Date!, $to: Date!, $by: Grouping!) { reports { requestsReceived(from: $from, to: $to, by: $by) { name from to by columns rows { periodStart counts { value suppressed } total { value suppressed } } columnTotals { value suppressed } total { value suppressed } } } }";

/// Submits a request as `who` and moves its receipt to `at` (and makes it anonymous if asked).
async fn request_at(app: &TestApp, who: &str, at: &str, anonymous: bool) {
    let (id, _, _) = fixtures::submit_request(app, who, fixtures::request_input("Reportfamily")).await;
    let mut r: entity::request_for_support::ActiveModel =
        entity::request_for_support::Entity::find_by_id(uuid_of(&id)).one(&app.db).await.unwrap().unwrap().into();
    r.received_at = Set(at.parse().unwrap());
    r.anonymous_source = Set(anonymous);
    r.update(&app.db).await.unwrap();
}

fn column(r: &Value, code: &str) -> usize {
    r["columns"].as_array().unwrap().iter().position(|c| c == code).unwrap()
}

#[tokio::test]
async fn requests_received_by_month_and_source_with_small_numbers_hidden() {
    let app = TestApp::new().await;
    // January 2020: 6 from the school (2A). February: 3 from the health visitor (3B), 1
    // anonymous (9). March: none.
    for d in 1..=6 {
        request_at(&app, "partner.school", &format!("2020-01-{:02}T10:00:00Z", d + 5), false).await;
    }
    for d in 1..=3 {
        request_at(&app, "partner.health", &format!("2020-02-{:02}T10:00:00Z", d + 5), false).await;
    }
    request_at(&app, "partner.school", "2020-02-20T10:00:00Z", true).await;
    let vars = json!({ "from": "2020-01-01", "to": "2020-03-31", "by": "MONTH" });
    let r = app.gql("analyst", REPORT, vars.clone()).await;
    let rep = &r.data()["reports"]["requestsReceived"];
    assert!(rep.is_object(), "{}", r.raw);
    let rows = rep["rows"].as_array().unwrap();
    assert_eq!(
        rows.iter().map(|r| r["periodStart"].as_str().unwrap()).collect::<Vec<_>>(),
        ["2020-01-01", "2020-02-01", "2020-03-01"]
    );
    let (a2, b3, anon) = (column(rep, "2A"), column(rep, "3B"), column(rep, "9"));
    // What the fixtures make, counted here: every shown count must be the true one.
    let mut truth = std::collections::HashMap::new();
    truth.insert((0usize, a2), 6i64);
    truth.insert((1, b3), 3);
    truth.insert((1, anon), 1);
    for (i, row) in rows.iter().enumerate() {
        for (j, c) in row["counts"].as_array().unwrap().iter().enumerate() {
            if let Some(v) = c["value"].as_i64() {
                assert_eq!(v, truth.get(&(i, j)).copied().unwrap_or(0), "row {i} column {j}: {}", r.raw);
            }
        }
    }
    let row_truth = [6i64, 4, 0];
    for (i, row) in rows.iter().enumerate() {
        if let Some(v) = row["total"]["value"].as_i64() {
            assert_eq!(v, row_truth[i]);
        }
    }
    if let Some(total) = rep["total"]["value"].as_i64() {
        assert_eq!(total, 10);
    }
    assert_eq!(rows[1]["counts"][b3], json!({ "value": null, "suppressed": true }), "3 is hidden");
    assert_eq!(rows[1]["counts"][anon], json!({ "value": null, "suppressed": true }), "1 is hidden");
    assert_eq!(rows[1]["total"]["suppressed"], true, "February's 4 is hidden");
    // No count from 1 to 4 anywhere (zero may be shown, or hidden to protect another count).
    let all: Vec<&Value> = rows
        .iter()
        .flat_map(|r| r["counts"].as_array().unwrap().iter().chain(std::iter::once(&r["total"])))
        .chain(rep["columnTotals"].as_array().unwrap().iter())
        .chain(std::iter::once(&rep["total"]))
        .collect();
    for c in &all {
        if let Some(v) = c["value"].as_i64() {
            assert!(v == 0 || v >= 5, "{v} shown");
        }
    }
    // The grand total is 10; with February hidden, January (6), March (0) and the total would
    // give February's 4 away, so one of them is hidden too.
    let total_shown = rep["total"]["value"].as_i64();
    let jan = rows[0]["total"]["value"].as_i64();
    let mar = rows[2]["total"]["value"].as_i64();
    assert!(!(total_shown.is_some() && jan.is_some() && mar.is_some()), "February recoverable: {}", r.raw);

    // The same as CSV.
    let csv = app
        .send(
            Request::get("/reports/requests-received.csv?from=2020-01-01&to=2020-03-31&by=month")
                .header("authorization", format!("Bearer {}", app.token("analyst")))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    assert_eq!(
        csv.headers["content-disposition"],
        "attachment; filename=\"requests-received_2020-01-01_2020-03-31.csv\""
    );
    let lines: Vec<&str> = csv.raw.lines().collect();
    assert!(lines[0].starts_with("period_start,2A,2B,"), "{}", lines[0]);
    assert!(lines[0].ends_with(",total"));
    assert_eq!(lines.len(), 5, "header, three months, totals: {}", csv.raw);
    let jan_cells: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(jan_cells[0], "2020-01-01");
    let shown = |c: &Value| c["value"].as_i64().map(|v| v.to_string()).unwrap_or_default();
    assert_eq!(jan_cells[1 + a2], shown(&rows[0]["counts"][a2]), "CSV and GraphQL agree");
    assert_eq!(*jan_cells.last().unwrap(), shown(&rows[0]["total"]));
    let feb_cells: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(feb_cells[1 + b3], "", "suppressed cells are empty");

    // No names, dates of birth or free text from the fixtures in either.
    for text in [&r.raw, &csv.raw] {
        for personal in ["Testchild", "Reportfamily", "2018-05-04", "Sample Carer", "hungry", "Example Street"] {
            assert!(!text.contains(personal), "{personal} in a report");
        }
    }
    // The reads are on the audit trail.
    assert!(app.count("audit_events WHERE record_type = 'REPORT'").await >= 2);
}

#[tokio::test]
async fn reports_refuse_bad_input_and_other_roles() {
    let app = TestApp::new().await;
    let get = |path: &str, who: &str| {
        Request::get(path).header("authorization", format!("Bearer {}", app.token(who))).body(Body::empty()).unwrap()
    };
    for (path, field) in [
        ("/reports/requests-received.csv?from=2020-03-01&to=2020-01-01", "from"),
        ("/reports/requests-received.csv?from=2020-01-01&to=2026-01-01", "to"),
        ("/reports/requests-received.csv?from=2020-01-01&to=2020-02-01&by=fortnight", "by"),
        ("/reports/requests-received.csv?from=2020-02-30&to=2020-03-01", "from"),
    ] {
        let r = app.send(get(path, "analyst")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.raw);
        assert_eq!(r.code(), "BAD_USER_INPUT");
        assert_eq!(r.body["errors"][0]["extensions"]["field"], field, "{path}");
    }
    let r = app.send(get("/reports/everything.csv?from=2020-01-01&to=2020-02-01", "analyst")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for who in ["tm.alpha", "sw.alpha1", "partner.school", "hub.worker"] {
        let r = app.send(get("/reports/requests-received.csv?from=2020-01-01&to=2020-02-01", who)).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        let q = app.gql(who, REPORT, json!({ "from": "2020-01-01", "to": "2020-02-01", "by": "MONTH" })).await;
        assert_eq!(q.code(), "FORBIDDEN", "{who}");
    }
    let r = app
        .send(Request::get("/reports/requests-received.csv?from=2020-01-01&to=2020-02-01").body(Body::empty()).unwrap())
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let q = app.gql("analyst", REPORT, json!({ "from": "2020-03-01", "to": "2020-01-01", "by": "MONTH" })).await;
    assert_eq!(q.code(), "BAD_USER_INPUT");
}

/// Submits a request received at `at`, due at `due`, and — when `late` is given — decided then,
/// on time or late.
async fn request_decided(app: &TestApp, at: &str, due: &str, late: Option<bool>) {
    let (id, _, _) = fixtures::submit_request(app, "partner.school", fixtures::request_input("Timelyfamily")).await;
    let id = uuid_of(&id);
    let mut r: entity::request_for_support::ActiveModel =
        entity::request_for_support::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap().into();
    r.received_at = Set(at.parse().unwrap());
    r.due_at = Set(due.parse().unwrap());
    if late.is_some() {
        r.status = Set(entity::enums::RequestStatus::Decided);
    }
    r.update(&app.db).await.unwrap();
    if let Some(late) = late {
        entity::hub_decision::ActiveModel {
            id: Set(sea_orm::prelude::Uuid::now_v7()),
            request_id: Set(id),
            outcome: Set("NO_FURTHER_ACTION".into()),
            decided_level: Set(entity::enums::Level::Universal),
            rationale: Set(String::new()),
            feedback: Set(String::new()),
            decided_by: Set(app.staff_id("hub.worker")),
            decided_at: Set(due.parse().unwrap()),
            late: Set(late),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn hub_timeliness_by_month_with_its_rate() {
    let app = TestApp::new().await;
    // January 2020: 6 on time, 1 late, 2 awaiting past their due time. February: 10 on time, 5 late.
    for _ in 0..6 {
        request_decided(&app, "2020-01-10T10:00:00Z", "2020-01-13T17:00:00Z", Some(false)).await;
    }
    request_decided(&app, "2020-01-10T10:00:00Z", "2020-01-13T17:00:00Z", Some(true)).await;
    for _ in 0..2 {
        request_decided(&app, "2020-01-20T10:00:00Z", "2020-01-21T17:00:00Z", None).await;
    }
    for _ in 0..10 {
        request_decided(&app, "2020-02-10T10:00:00Z", "2020-02-11T17:00:00Z", Some(false)).await;
    }
    for _ in 0..5 {
        request_decided(&app, "2020-02-12T10:00:00Z", "2020-02-13T17:00:00Z", Some(true)).await;
    }
    let q = "query($from: Date!, $to: Date!) { reports { hubTimeliness(from: $from, to: $to, by: MONTH) { columns rateName totalRate rows { periodStart counts { value suppressed } total { value suppressed } rate } } } }";
    let r = app.gql("analyst", q, json!({ "from": "2020-01-01", "to": "2020-02-29" })).await;
    let rep = &r.data()["reports"]["hubTimeliness"];
    assert_eq!(
        rep["columns"],
        json!(["decided_on_time", "decided_late", "awaiting_overdue", "awaiting_in_time", "withdrawn"]),
        "{}",
        r.raw
    );
    assert_eq!(rep["rateName"], "on_time_rate");
    let truth = [[6i64, 1, 2, 0, 0], [10, 5, 0, 0, 0]];
    let rows = rep["rows"].as_array().unwrap();
    for (i, row) in rows.iter().enumerate() {
        for (j, c) in row["counts"].as_array().unwrap().iter().enumerate() {
            match c["value"].as_i64() {
                Some(v) => {
                    assert_eq!(v, truth[i][j], "{}", r.raw);
                    assert!(v == 0 || v >= 5);
                }
                None => assert!(c["suppressed"].as_bool().unwrap()),
            }
        }
    }
    assert!(rows[0]["counts"][1]["suppressed"].as_bool().unwrap(), "1 late is hidden");
    assert!(rows[0]["rate"].is_null(), "a rate over a hidden count is hidden: {}", r.raw);
    // February: 10 of 15 on time, when both are shown.
    if rows[1]["counts"][0]["value"].is_i64() && rows[1]["counts"][1]["value"].is_i64() {
        let rate = rows[1]["rate"].as_f64().unwrap();
        assert!((rate - 10.0 / 15.0).abs() < 1e-9, "{rate}");
    } else {
        assert!(rows[1]["rate"].is_null());
    }
    let csv = app
        .send(
            Request::get("/reports/hub-timeliness.csv?from=2020-01-01&to=2020-02-29&by=month")
                .header("authorization", format!("Bearer {}", app.token("analyst")))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.raw);
    assert!(
        csv.raw.starts_with(
            "period_start,decided_on_time,decided_late,awaiting_overdue,awaiting_in_time,withdrawn,total,on_time_rate"
        ),
        "{}",
        csv.raw
    );
    assert!(!csv.raw.contains("Timelyfamily") && !r.raw.contains("Timelyfamily"));
}
