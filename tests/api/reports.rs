//! Issue 18: reports for analysts, performance officers and team managers, with small numbers
//! suppressed and no identifiers, in GraphQL and as CSV; the statutory extracts. Counts are
//! checked against what each test's fixtures make, counted in the test itself (never by the SQL
//! under test), with the fixtures moved into a period of their own (2020) so that nothing else
//! is counted there.
use crate::common::*;
use crate::fixtures;
use axum::{
    body::Body,
    http::{Request, StatusCode},
};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde_json::{Value, json};

const REPORT: &str = "query($from: Date!, $to: Date!, $by: Grouping!) { reports { report(name: REQUESTS_RECEIVED, from: $from, to: $to, by: $by) { name from to by columns rows { periodStart counts { value suppressed } total { value suppressed } } columnTotals { value suppressed } total { value suppressed } } } }";

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
    let rep = &r.data()["reports"]["report"];
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
    for who in ["tm.alpha", "sw.alpha1", "partner.school", "hub.worker", "admin"] {
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
    let q = "query($from: Date!, $to: Date!) { reports { report(name: HUB_TIMELINESS, from: $from, to: $to, by: MONTH) { columns measures totalMeasures rows { periodStart counts { value suppressed } total { value suppressed } measures } } } }";
    let r = app.gql("analyst", q, json!({ "from": "2020-01-01", "to": "2020-02-29" })).await;
    let rep = &r.data()["reports"]["report"];
    assert_eq!(
        rep["columns"],
        json!(["decided_on_time", "decided_late", "awaiting_overdue", "awaiting_in_time", "withdrawn"]),
        "{}",
        r.raw
    );
    assert_eq!(rep["measures"], json!(["on_time_rate", "median_working_hours_to_decision"]));
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
    assert!(rows[0]["measures"][0].is_null(), "a rate over a hidden count is hidden: {}", r.raw);
    assert!(rows[0]["measures"][1].is_null(), "a median over a hidden count is hidden: {}", r.raw);
    // February: 10 of 15 on time, when both are shown.
    if rows[1]["counts"][0]["value"].is_i64() && rows[1]["counts"][1]["value"].is_i64() {
        let rate = rows[1]["measures"][0].as_f64().unwrap();
        assert!((rate - 10.0 / 15.0).abs() < 1e-9, "{rate}");
        // Every February request: received 10:00 (GMT) one day, decided at 17:00 the next: 7 +
        // 8 working hours.
        assert_eq!(rows[1]["measures"][1], json!(15.0), "{}", r.raw);
    } else {
        assert!(rows[1]["measures"][0].is_null());
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
            "period_start,decided_on_time,decided_late,awaiting_overdue,awaiting_in_time,withdrawn,total,on_time_rate,median_working_hours_to_decision"
        ),
        "{}",
        csv.raw
    );
    assert!(!csv.raw.contains("Timelyfamily") && !r.raw.contains("Timelyfamily"));
}

// ---- shared helpers -------------------------------------------------------------------------

const ANY_REPORT: &str = "query($name: ReportName!, $from: Date!, $to: Date!, $by: Grouping!, $team: ID) { reports { report(name: $name, from: $from, to: $to, by: $by, team: $team) { name team snapshot columns measures totalMeasures rows { periodStart counts { value suppressed } total { value suppressed } measures } columnTotals { value suppressed } total { value suppressed } } } }";

/// A report as `who` sees it (GraphQL), or the response when it is refused.
async fn report_as(app: &TestApp, who: &str, name: &str, from: &str, to: &str, team: Option<String>) -> (Value, Resp) {
    let vars = json!({ "name": name, "from": from, "to": to, "by": "MONTH", "team": team });
    let r = app.gql(who, ANY_REPORT, vars).await;
    (r.body["data"]["reports"]["report"].clone(), r)
}

/// Checks a report against the truth counted from the fixtures: `truth[row]` maps a column to its
/// true count (absent: 0). Every shown count must be the true one, every row total the row's
/// sum, nothing from 1 to 4 may be shown, and every true count from 1 to 4 must be hidden.
fn check(rep: &Value, truth: &[&[(&str, i64)]], raw: &str) {
    let columns: Vec<&str> = rep["columns"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    let rows = rep["rows"].as_array().unwrap_or_else(|| panic!("no rows: {raw}"));
    assert_eq!(rows.len(), truth.len(), "{raw}");
    let mut column_sums = vec![0i64; columns.len()];
    for (i, row) in rows.iter().enumerate() {
        for (name, _) in truth[i] {
            assert!(columns.contains(name), "no column {name}: {raw}");
        }
        let mut sum = 0;
        for (j, c) in row["counts"].as_array().unwrap().iter().enumerate() {
            let want = truth[i].iter().find(|(n, _)| *n == columns[j]).map_or(0, |(_, v)| *v);
            sum += want;
            column_sums[j] += want;
            match c["value"].as_i64() {
                Some(v) => {
                    assert_eq!(v, want, "row {i} column {}: {raw}", columns[j]);
                    assert!(v == 0 || v >= 5, "{v} shown: {raw}");
                }
                None => assert_eq!(c["suppressed"], true, "{raw}"),
            }
            if (1..5).contains(&want) {
                assert_eq!(c["suppressed"], true, "row {i} column {} is {want}: {raw}", columns[j]);
            }
        }
        if let Some(v) = row["total"]["value"].as_i64() {
            assert_eq!(v, sum, "row {i} total: {raw}");
        }
    }
    if !rep["snapshot"].as_bool().unwrap_or(false) {
        for (j, c) in rep["columnTotals"].as_array().unwrap().iter().enumerate() {
            if let Some(v) = c["value"].as_i64() {
                assert_eq!(v, column_sums[j], "column {} total: {raw}", columns[j]);
            }
        }
    }
}

/// A row's measure by name.
fn measure(rep: &Value, row: usize, name: &str) -> Value {
    let i = rep["measures"].as_array().unwrap().iter().position(|m| m == name).unwrap();
    rep["rows"][row]["measures"][i].clone()
}

async fn get_as(app: &TestApp, who: &str, path: &str) -> Resp {
    app.send(
        Request::get(path).header("authorization", format!("Bearer {}", app.token(who))).body(Body::empty()).unwrap(),
    )
    .await
}

/// Submits a request as the school, received at `at`, and — when `decision` is given — decided
/// then with that outcome and level. Returns the request's ID and its child's entry ID.
async fn request_with(app: &TestApp, at: &str, decision: Option<(&str, entity::enums::Level)>) -> (Uuid, Uuid) {
    let (id, rc, _) = fixtures::submit_request(app, "partner.school", fixtures::request_input("Reportfamily")).await;
    let id = uuid_of(&id);
    let mut r: entity::request_for_support::ActiveModel =
        entity::request_for_support::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap().into();
    r.received_at = Set(at.parse().unwrap());
    r.due_at = Set(at.parse::<chrono::DateTime<chrono::Utc>>().unwrap() + chrono::Duration::days(1));
    if decision.is_some() {
        r.status = Set(entity::enums::RequestStatus::Decided);
    }
    r.update(&app.db).await.unwrap();
    if let Some((outcome, level)) = decision {
        entity::hub_decision::ActiveModel {
            id: Set(Uuid::now_v7()),
            request_id: Set(id),
            outcome: Set(outcome.into()),
            decided_level: Set(level),
            rationale: Set(String::new()),
            feedback: Set(String::new()),
            decided_by: Set(app.staff_id("hub.worker")),
            decided_at: Set(at.parse().unwrap()),
            late: Set(false),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    (id, uuid_of(&rc))
}

/// A synthetic child record.
async fn new_child(app: &TestApp, n: usize) -> Uuid {
    let id = Uuid::now_v7();
    entity::child::ActiveModel {
        id: Set(id),
        given_name: Set("Reportchild".into()),
        family_name: Set(format!("Synthetic{n}")),
        given_key: Set("reportchild".into()),
        family_key: Set(format!("synthetic{n}")),
        date_of_birth: Set(chrono::NaiveDate::from_ymd_opt(2015, 6, 1)),
        expected_delivery_date: Set(None),
        sex: Set(entity::enums::Sex::Male),
        ethnicity: Set(Some(entity::enums::Ethnicity::Wbri)),
        address_line: Set(Some("1 Report Street".into())),
        town: Set(None),
        postcode: Set(None),
        nhs_number: Set(None),
        upn: Set(None),
        restricted: Set(false),
        synthetic: Set(true),
        version: Set(1),
        created_at: Set(chrono::Utc::now()),
        updated_at: Set(chrono::Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

async fn match_entry(app: &TestApp, entry: Uuid, child: Uuid) {
    let mut e: entity::request_child::ActiveModel =
        entity::request_child::Entity::find_by_id(entry).one(&app.db).await.unwrap().unwrap().into();
    e.child_id = Set(Some(child));
    e.update(&app.db).await.unwrap();
}

use entity::enums::Level;
use sea_orm::prelude::Uuid;

// ---- requests ---------------------------------------------------------------------------------

#[tokio::test]
async fn requests_by_level_outcome_and_concern() {
    let app = TestApp::new().await;
    // January 2020: 6 requests (referrer's level INTENSIVE, concerns 16A and 4B), 5 stepped down
    // to early help at UNIVERSAL_PLUS, 1 awaiting. February: 7 decided NFA at UNIVERSAL, 1
    // withdrawn.
    for d in 0..5 {
        request_with(&app, &format!("2020-01-{:02}T10:00:00Z", d + 6), Some(("EARLY_HELP", Level::UniversalPlus)))
            .await;
    }
    request_with(&app, "2020-01-20T10:00:00Z", None).await;
    for d in 0..7 {
        request_with(&app, &format!("2020-02-{:02}T10:00:00Z", d + 3), Some(("NO_FURTHER_ACTION", Level::Universal)))
            .await;
    }
    let (withdrawn, _) = request_with(&app, "2020-02-20T10:00:00Z", None).await;
    let mut w: entity::request_for_support::ActiveModel =
        entity::request_for_support::Entity::find_by_id(withdrawn).one(&app.db).await.unwrap().unwrap().into();
    w.status = Set(entity::enums::RequestStatus::Withdrawn);
    w.update(&app.db).await.unwrap();

    let (rep, r) = report_as(&app, "analyst", "REQUESTS_BY_REFERRER_LEVEL", "2020-01-01", "2020-02-29", None).await;
    check(&rep, &[&[("INTENSIVE", 6)], &[("INTENSIVE", 8)]], &r.raw);
    assert_eq!(rep["rows"][0]["counts"][2]["value"], 6, "{}", r.raw);

    let (rep, r) = report_as(&app, "analyst", "REQUESTS_BY_DECIDED_LEVEL", "2020-01-01", "2020-02-29", None).await;
    check(&rep, &[&[("UNIVERSAL_PLUS", 5), ("awaiting_decision", 1)], &[("UNIVERSAL", 7), ("withdrawn", 1)]], &r.raw);

    let (rep, r) = report_as(&app, "analyst", "REQUESTS_BY_OUTCOME", "2020-01-01", "2020-02-29", None).await;
    check(
        &rep,
        &[&[("EARLY_HELP", 5), ("awaiting_decision", 1)], &[("NO_FURTHER_ACTION", 7), ("withdrawn", 1)]],
        &r.raw,
    );

    // Every request names two categories: mentions, not requests.
    let (rep, r) = report_as(&app, "analyst", "REQUESTS_BY_CONCERN", "2020-01-01", "2020-02-29", None).await;
    check(&rep, &[&[("16A", 6), ("4B", 6)], &[("16A", 8), ("4B", 8)]], &r.raw);
    assert_eq!(rep["rows"][1]["total"]["value"], 16, "{}", r.raw);
}

#[tokio::test]
async fn re_referrals_count_children_seen_in_the_12_months_before() {
    let app = TestApp::new().await;
    // Child X: a request in June 2019, then 6 in January 2020 — each a re-referral. Children
    // A–E: one request each in January 2020, and E also one in December 2018 (over 12 months
    // before): 5 first requests. 5 more children not matched to a record.
    let x = new_child(&app, 0).await;
    let (_, e) = request_with(&app, "2019-06-10T10:00:00Z", None).await;
    match_entry(&app, e, x).await;
    for d in 0..6 {
        let (_, e) = request_with(&app, &format!("2020-01-{:02}T10:00:00Z", d + 6), None).await;
        match_entry(&app, e, x).await;
    }
    for n in 1..=5 {
        let c = new_child(&app, n).await;
        let (_, e) = request_with(&app, &format!("2020-01-{:02}T11:00:00Z", n + 13), None).await;
        match_entry(&app, e, c).await;
        if n == 5 {
            let (_, old) = request_with(&app, "2018-12-15T10:00:00Z", None).await;
            match_entry(&app, old, c).await;
        }
    }
    for n in 0..5 {
        request_with(&app, &format!("2020-01-{:02}T12:00:00Z", n + 20), None).await;
    }
    let (rep, r) = report_as(&app, "analyst", "RE_REFERRALS", "2020-01-01", "2020-01-31", None).await;
    check(&rep, &[&[("re_referral", 6), ("first_in_12_months", 5), ("not_matched", 5)]], &r.raw);
    let rate = measure(&rep, 0, "re_referral_rate").as_f64().unwrap();
    assert!((rate - 6.0 / 11.0).abs() < 1e-9, "{}", r.raw);
}

// ---- partner updates --------------------------------------------------------------------------

/// An update from the school received at `at` (due at `due`), of `kind`, matched to `case` or
/// not, reviewed at `reviewed` or not, a concern or not.
async fn update_with(
    app: &TestApp,
    at: &str,
    due: &str,
    kind: &str,
    case: Option<&entity::case::Model>,
    reviewed: Option<&str>,
    concern: bool,
) {
    let (id, _) = fixtures::submit_update_named(app, "partner.school", "Unknownchild", "Nobodyfamily").await;
    let mut u: entity::partner_update::ActiveModel =
        entity::partner_update::Entity::find_by_id(uuid_of(&id)).one(&app.db).await.unwrap().unwrap().into();
    u.received_at = Set(at.parse().unwrap());
    u.due_at = Set(due.parse().unwrap());
    u.kind = Set(kind.into());
    u.concern = Set(concern);
    u.child_id = Set(case.map(|c| c.child_id));
    u.case_id = Set(case.map(|c| c.id));
    u.matched_at = Set(case.map(|_| at.parse().unwrap()));
    u.reviewed_at = Set(reviewed.map(|r| r.parse().unwrap()));
    u.reviewed_by = Set(reviewed.map(|_| app.staff_id("sw.alpha1")));
    u.update(&app.db).await.unwrap();
}

#[tokio::test]
async fn partner_update_reports_by_kind_agency_matching_and_review() {
    let app = TestApp::new().await;
    let alpha = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    // January 2020, all from the school, received Monday 6th at 10:00 and due at the 15:00 check:
    // - 6 matched, reviewed on time at 14:00 (5 of them concerns);
    // - 5 matched, reviewed late at 16:30 (all concerns);
    // - 5 matched, never reviewed (overdue now);
    // - 5 unmatched.
    // Kinds: the 6 on time are CONTACT_WITH_CHILD, the rest UNSUCCESSFUL_CONTACT.
    let (at, due) = ("2020-01-06T10:00:00Z", "2020-01-06T15:00:00Z");
    for i in 0..6 {
        update_with(&app, at, due, "CONTACT_WITH_CHILD", Some(&alpha), Some("2020-01-06T14:00:00Z"), i < 5).await;
    }
    for _ in 0..5 {
        update_with(&app, at, due, "UNSUCCESSFUL_CONTACT", Some(&alpha), Some("2020-01-06T16:30:00Z"), true).await;
    }
    for _ in 0..5 {
        update_with(&app, at, due, "UNSUCCESSFUL_CONTACT", Some(&alpha), None, false).await;
    }
    for _ in 0..5 {
        update_with(&app, at, due, "UNSUCCESSFUL_CONTACT", None, None, false).await;
    }
    let (from, to) = ("2020-01-01", "2020-01-31");
    let (rep, r) = report_as(&app, "analyst", "PARTNER_UPDATES_BY_KIND", from, to, None).await;
    check(&rep, &[&[("CONTACT_WITH_CHILD", 6), ("UNSUCCESSFUL_CONTACT", 15)]], &r.raw);
    let (rep, r) = report_as(&app, "analyst", "PARTNER_UPDATES_BY_AGENCY", from, to, None).await;
    check(&rep, &[&[("SCHOOL", 21)]], &r.raw);
    let (rep, r) = report_as(&app, "analyst", "PARTNER_UPDATES_MATCHING", from, to, None).await;
    check(&rep, &[&[("matched", 16), ("unmatched", 5)]], &r.raw);
    let reviews: &[&[(&str, i64)]] = &[&[("reviewed_on_time", 6), ("reviewed_late", 5), ("overdue_now", 5)]];
    let (rep, r) = report_as(&app, "analyst", "PARTNER_UPDATE_REVIEWS", from, to, None).await;
    check(&rep, reviews, &r.raw);
    assert!((measure(&rep, 0, "on_time_rate").as_f64().unwrap() - 6.0 / 11.0).abs() < 1e-9);
    // Concerns: 5 on time after 4 working hours, 5 late after 6.5: the median is 5.25.
    let (rep, r) = report_as(&app, "analyst", "PARTNER_UPDATE_CONCERNS", from, to, None).await;
    check(&rep, &[&[("reviewed_on_time", 5), ("reviewed_late", 5)]], &r.raw);
    assert_eq!(measure(&rep, 0, "median_working_hours_to_review"), json!(5.25), "{}", r.raw);

    // About cases: team alpha's manager gets their team's (all of them); bravo's gets none;
    // alpha's manager may not ask for bravo's; an analyst may name a team.
    let (rep, r) = report_as(&app, "tm.alpha", "PARTNER_UPDATE_REVIEWS", from, to, None).await;
    check(&rep, reviews, &r.raw);
    assert_eq!(rep["team"], gid("Team", fixtures::team_of(&app, "tm.alpha").await), "{}", r.raw);
    let (rep, r) = report_as(&app, "tm.bravo", "PARTNER_UPDATE_REVIEWS", from, to, None).await;
    check(&rep, &[&[]], &r.raw);
    let bravo = gid("Team", fixtures::team_of(&app, "tm.bravo").await);
    let (_, r) = report_as(&app, "tm.alpha", "PARTNER_UPDATE_REVIEWS", from, to, Some(bravo.clone())).await;
    assert_eq!(r.code(), "FORBIDDEN", "{}", r.raw);
    let (rep, r) = report_as(&app, "analyst", "PARTNER_UPDATE_REVIEWS", from, to, Some(bravo.clone())).await;
    check(&rep, &[&[]], &r.raw);
    let csv =
        get_as(&app, "tm.alpha", &format!("/reports/partner-update-reviews.csv?from={from}&to={to}&team={bravo}"))
            .await;
    assert_eq!(csv.status, StatusCode::FORBIDDEN, "{}", csv.raw);
    // A team manager has no service-wide report.
    let (_, r) = report_as(&app, "tm.alpha", "PARTNER_UPDATES_BY_KIND", from, to, None).await;
    assert_eq!(r.code(), "FORBIDDEN", "{}", r.raw);
}

// ---- early help and the advice line -----------------------------------------------------------

#[tokio::test]
async fn early_help_reports_started_closed_open_reviews_and_referrals() {
    let app = TestApp::new().await;
    // 6 assessments started in January 2020 with a plan agreed on the 10th; 5 closed in February
    // (needs met). Reviews: all 6 met on 5 February (due by 21 February: on time); 5 of them met
    // again on 20 February, after the 12 February the first meeting set (late).
    let mut ids = vec![];
    for d in 0..6 {
        let a = fixtures::start_assessment(&app, "ehp.earlyhelp", "Earlyfamily").await;
        let id = uuid_of(a["id"].as_str().unwrap());
        let mut m: entity::early_help_assessment::ActiveModel =
            entity::early_help_assessment::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap().into();
        m.started_on = Set(chrono::NaiveDate::from_ymd_opt(2020, 1, 6 + d).unwrap());
        m.plan_agreed_on = Set(chrono::NaiveDate::from_ymd_opt(2020, 1, 10));
        if d < 5 {
            m.status = Set(entity::enums::EarlyHelpStatus::Closed);
            m.closed_on = Set(chrono::NaiveDate::from_ymd_opt(2020, 2, 24));
            m.closure_outcome = Set(Some("NEEDS_MET".into()));
        }
        m.update(&app.db).await.unwrap();
        ids.push(id);
    }
    let meeting =
        |assessment: Uuid, held: (u32, u32), next: Option<(u32, u32)>| entity::early_help_meeting::ActiveModel {
            id: Set(Uuid::now_v7()),
            assessment_id: Set(assessment),
            held_on: Set(chrono::NaiveDate::from_ymd_opt(2020, held.0, held.1).unwrap()),
            child_views: Set(None),
            family_views: Set(None),
            next_meeting_on: Set(next.map(|(m, d)| chrono::NaiveDate::from_ymd_opt(2020, m, d).unwrap())),
            recorded_by: Set(app.staff_id("ehp.earlyhelp")),
            recorded_at: Set(chrono::Utc::now()),
        };
    for (i, id) in ids.iter().enumerate() {
        meeting(*id, (2, 5), Some((2, 12))).insert(&app.db).await.unwrap();
        if i < 5 {
            meeting(*id, (2, 20), None).insert(&app.db).await.unwrap();
        }
    }
    let (from, to) = ("2020-01-01", "2020-02-29");
    let (rep, r) = report_as(&app, "analyst", "EARLY_HELP_ACTIVITY", from, to, None).await;
    check(&rep, &[&[("started", 6)], &[("closed_NEEDS_MET", 5)]], &r.raw);
    // Open at the end of each month (a snapshot, no column totals), by level.
    let (rep, r) = report_as(&app, "analyst", "EARLY_HELP_OPEN", from, to, None).await;
    assert_eq!(rep["snapshot"], true);
    assert_eq!(rep["columnTotals"], json!([]), "{}", r.raw);
    assert!(rep["total"].is_null());
    check(&rep, &[&[("UNIVERSAL_PLUS", 6)], &[("UNIVERSAL_PLUS", 1)]], &r.raw);
    let (rep, r) = report_as(&app, "analyst", "EARLY_HELP_REVIEWS", from, to, None).await;
    check(&rep, &[&[], &[("on_time", 6), ("late", 5)]], &r.raw);
    assert!((measure(&rep, 1, "on_time_rate").as_f64().unwrap() - 6.0 / 11.0).abs() < 1e-9);

    // The hub's referrals to early help: 6 made Monday 6 January and allocated on the 8th (two
    // working days), 5 awaiting.
    for i in 0..11 {
        let (request, _) = request_with(&app, "2020-01-06T09:00:00Z", None).await;
        let at: chrono::DateTime<chrono::Utc> = "2020-01-06T10:00:00Z".parse().unwrap();
        entity::early_help_referral::ActiveModel {
            id: Set(Uuid::now_v7()),
            request_id: Set(request),
            status: Set(if i < 6 { "ALLOCATED" } else { "AWAITING_ALLOCATION" }.into()),
            lead_id: Set((i < 6).then(|| app.staff_id("ehp.earlyhelp"))),
            allocated_by: Set((i < 6).then(|| app.staff_id("eh.manager"))),
            allocated_at: Set((i < 6).then(|| "2020-01-08T10:00:00Z".parse().unwrap())),
            assessment_id: Set(None),
            version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let (rep, r) = report_as(&app, "analyst", "EARLY_HELP_REFERRALS", from, to, None).await;
    check(&rep, &[&[("allocated", 6), ("awaiting_allocation", 5)], &[]], &r.raw);
    assert_eq!(measure(&rep, 0, "median_working_days_to_allocation"), json!(2.0), "{}", r.raw);
}

#[tokio::test]
async fn advice_line_reports_by_agency_topic_and_outcome() {
    let app = TestApp::new().await;
    // January 2020: 6 calls from schools advised to make a request (neglect); 5 from the police
    // given advice only (neglect, and domestic abuse with a parent as the subject).
    for i in 0..11 {
        let school = i < 6;
        entity::advice_consultation::ActiveModel {
            id: Set(Uuid::now_v7()),
            logged_by: Set(app.staff_id("hub.worker")),
            called_at: Set(format!("2020-01-{:02}T11:00:00Z", i + 6).parse().unwrap()),
            duration_minutes: Set(15),
            caller_agency_type: Set(if school {
                entity::enums::AgencyType::School
            } else {
                entity::enums::AgencyType::Police
            }),
            concern_categories: Set(if school { "16A" } else { "16A,3B" }.into()),
            level_discussed: Set(None),
            summary: Set("Advice given about routines.".into()),
            outcome: Set(if school { "REQUEST_FOR_SUPPORT_ADVISED" } else { "ADVICE_ONLY" }.into()),
            request_advised: Set(school),
            created_at: Set(chrono::Utc::now()),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let (from, to) = ("2020-01-01", "2020-01-31");
    let (rep, r) = report_as(&app, "analyst", "ADVICE_LINE_BY_AGENCY", from, to, None).await;
    check(&rep, &[&[("SCHOOL", 6), ("POLICE", 5)]], &r.raw);
    let (rep, r) = report_as(&app, "analyst", "ADVICE_LINE_BY_TOPIC", from, to, None).await;
    check(&rep, &[&[("16A", 11), ("3B", 5)]], &r.raw);
    let (rep, r) = report_as(&app, "analyst", "ADVICE_LINE_OUTCOMES", from, to, None).await;
    check(&rep, &[&[("REQUEST_FOR_SUPPORT_ADVISED", 6), ("ADVICE_ONLY", 5)]], &r.raw);
    let share = measure(&rep, 0, "share_advised_to_request_support").as_f64().unwrap();
    assert!((share - 6.0 / 11.0).abs() < 1e-9, "{}", r.raw);
    assert!(!r.raw.contains("routines"), "no free text");
}

// ---- caseloads ---------------------------------------------------------------------------------

#[tokio::test]
async fn caseloads_for_a_team_manager_their_own_team() {
    let app = TestApp::new().await;
    let alpha = fixtures::team_of(&app, "tm.alpha").await;
    // Team alpha: 6 cases opened Monday 6 January 2020 and allocated the next day, 3 each to its
    // two workers (one closed 10 February); 5 opened Monday 20 January and never allocated.
    let case = |n: usize, opened: &str, closed: Option<&str>| {
        let opened: chrono::DateTime<chrono::Utc> = opened.parse().unwrap();
        let closed: Option<chrono::DateTime<chrono::Utc>> = closed.map(|c| c.parse().unwrap());
        let app = &app;
        async move {
            let child = new_child(app, n).await;
            let id = Uuid::now_v7();
            entity::case::ActiveModel {
                id: Set(id),
                child_id: Set(child),
                kind: Set(entity::enums::CaseKind::ChildInNeed),
                status: Set(if closed.is_some() {
                    entity::enums::CaseStatus::Closed
                } else {
                    entity::enums::CaseStatus::Open
                }),
                team_id: Set(alpha),
                allocated_worker_id: Set(None),
                opened_at: Set(opened),
                closed_at: Set(closed),
                closure_reason: Set(closed.map(|_| entity::enums::ClosureReason::ServicesCeased)),
                synthetic: Set(true),
                origin_request_id: Set(None),
                access_until: Set(None),
                version: Set(1),
                created_at: Set(opened),
                updated_at: Set(opened),
            }
            .insert(&app.db)
            .await
            .unwrap();
            id
        }
    };
    let mut allocated = vec![];
    for n in 0..6 {
        allocated.push(case(n, "2020-01-06T10:00:00Z", (n == 0).then_some("2020-02-10T10:00:00Z")).await);
    }
    for n in 6..11 {
        case(n, "2020-01-20T10:00:00Z", None).await;
    }
    for (i, id) in allocated.iter().enumerate() {
        entity::case_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            case_id: Set(*id),
            kind: Set(entity::enums::CaseEventKind::Allocated),
            actor_id: Set(app.staff_id("tm.alpha")),
            at: Set("2020-01-07T10:00:00Z".parse().unwrap()),
            team_id: Set(Some(alpha)),
            worker_id: Set(Some(app.staff_id(if i % 2 == 0 { "sw.alpha1" } else { "sw.alpha2" }))),
            closure_reason: Set(None),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let (from, to) = ("2020-01-01", "2020-02-29");
    // End of January: 6 allocated, 5 waiting 9 working days. End of February: 5 allocated, the 5
    // waiting 29 working days.
    let truth: &[&[(&str, i64)]] =
        &[&[("allocated", 6), ("unallocated_6_10_days", 5)], &[("allocated", 5), ("unallocated_over_20_days", 5)]];
    for who in ["tm.alpha", "analyst"] {
        let team = (who == "analyst").then(|| gid("Team", alpha));
        let (rep, r) = report_as(&app, who, "CASELOADS", from, to, team).await;
        assert_eq!(rep["snapshot"], true);
        check(&rep, truth, &r.raw);
        assert_eq!(measure(&rep, 0, "open_cases_per_allocated_worker"), json!(3.0), "{}", r.raw);
        assert_eq!(measure(&rep, 1, "open_cases_per_allocated_worker"), json!(2.5), "{}", r.raw);
        assert_eq!(measure(&rep, 0, "median_working_days_unallocated"), json!(9.0), "{}", r.raw);
        assert_eq!(measure(&rep, 1, "median_working_days_unallocated"), json!(29.0), "{}", r.raw);
    }
    let (rep, r) = report_as(&app, "tm.bravo", "CASELOADS", from, to, None).await;
    check(&rep, &[&[], &[]], &r.raw);
    let (_, r) = report_as(&app, "tm.bravo", "CASELOADS", from, to, Some(gid("Team", alpha))).await;
    assert_eq!(r.code(), "FORBIDDEN");
    // The CSV of a snapshot has no totals row.
    let csv = get_as(&app, "tm.alpha", &format!("/reports/caseloads.csv?from={from}&to={to}&by=month")).await;
    assert_eq!(csv.status, StatusCode::OK, "{}", csv.raw);
    assert_eq!(csv.raw.lines().count(), 3, "{}", csv.raw);
    assert!(csv.raw.lines().nth(1).unwrap().starts_with("2020-01-01,6,0,5,0,0,11,3.000,9.000"), "{}", csv.raw);
}

// ---- statutory extracts -----------------------------------------------------------------------

#[tokio::test]
async fn extracts_for_performance_officers_annex_a_and_the_cin_census() {
    let app = TestApp::new().await;
    // A referral: the school's request about a new child (recorded from the request), decided
    // into an assessment; received 10 January 2020, the assessment opened on the 13th and closed
    // on 2 March (no further action after assessment).
    let (request, case) = fixtures::request_to_case(&app, "Extractfamily", "sw.alpha1").await;
    let (request, case) = (uuid_of(&request), uuid_of(&case));
    let mut r: entity::request_for_support::ActiveModel =
        entity::request_for_support::Entity::find_by_id(request).one(&app.db).await.unwrap().unwrap().into();
    r.received_at = Set("2020-01-10T10:00:00Z".parse().unwrap());
    r.update(&app.db).await.unwrap();
    let mut c: entity::case::ActiveModel =
        entity::case::Entity::find_by_id(case).one(&app.db).await.unwrap().unwrap().into();
    c.opened_at = Set("2020-01-13T10:00:00Z".parse().unwrap());
    c.closed_at = Set(Some("2020-03-02T10:00:00Z".parse().unwrap()));
    c.status = Set(entity::enums::CaseStatus::Closed);
    c.closure_reason = Set(Some(entity::enums::ClosureReason::NoFurtherActionAfterAssessment));
    c.update(&app.db).await.unwrap();
    let case = fixtures::case(&app, case).await;
    let child = fixtures::child(&app, case.child_id).await;
    // Two contacts that were not referrals (no further action), about children not matched to a
    // record; one unborn.
    let (_, nfa1) = request_with(&app, "2020-01-15T10:00:00Z", Some(("NO_FURTHER_ACTION", Level::Universal))).await;
    let (_, unborn) = request_with(&app, "2020-01-16T10:00:00Z", Some(("NO_FURTHER_ACTION", Level::Universal))).await;
    let mut e: entity::request_child::ActiveModel =
        entity::request_child::Entity::find_by_id(unborn).one(&app.db).await.unwrap().unwrap().into();
    e.date_of_birth = Set(None);
    e.expected_delivery_date = Set(chrono::NaiveDate::from_ymd_opt(2020, 5, 1));
    e.sex = Set(entity::enums::Sex::Unknown);
    e.update(&app.db).await.unwrap();
    // Early help: an assessment started 3 February 2020 about two children.
    let a = fixtures::start_assessment(&app, "ehp.earlyhelp", "Extractfamily").await;
    let mut m: entity::early_help_assessment::ActiveModel =
        entity::early_help_assessment::Entity::find_by_id(uuid_of(a["id"].as_str().unwrap()))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .into();
    m.started_on = Set(chrono::NaiveDate::from_ymd_opt(2020, 2, 3).unwrap());
    m.update(&app.db).await.unwrap();

    let q = "?from=2020-01-01&to=2020-06-30";
    // List 1: the three contacts, in order, under the child record's ID where matched.
    let l1 = get_as(&app, "performance", &format!("/extracts/annex-a-list-1.csv{q}")).await;
    assert_eq!(l1.status, StatusCode::OK, "{}", l1.raw);
    assert_eq!(l1.headers["content-disposition"], "attachment; filename=\"annex-a-list-1_2020-01-01_2020-06-30.csv\"");
    let lines: Vec<&str> = l1.raw.lines().collect();
    assert_eq!(lines[0], "child_id,sex,ethnicity,date_of_birth,age,contact_date,contact_source");
    assert_eq!(lines.len(), 4, "{}", l1.raw);
    assert_eq!(lines[1], format!("{},F,,2018-05-04,1,2020-01-10,2A", child.id), "{}", l1.raw);
    assert_eq!(lines[2], format!("{nfa1},F,,2018-05-04,1,2020-01-15,2A"), "{}", l1.raw);
    assert_eq!(lines[3], format!("{unborn},U,,,-1,2020-01-16,2A"), "{}", l1.raw);

    // List 3: the one referral, with its team and worker.
    let l3 = get_as(&app, "performance", &format!("/extracts/annex-a-list-3.csv{q}")).await;
    assert_eq!(l3.status, StatusCode::OK, "{}", l3.raw);
    let lines: Vec<&str> = l3.raw.lines().collect();
    assert_eq!(
        lines[0],
        "child_id,sex,ethnicity,date_of_birth,age,referral_date,referral_source,referral_nfa,referrals_in_previous_12_months,team,worker_id"
    );
    assert_eq!(lines.len(), 2, "{}", l3.raw);
    let team = entity::team::Entity::find_by_id(case.team_id).one(&app.db).await.unwrap().unwrap();
    assert_eq!(
        lines[1],
        format!("{},F,,2018-05-04,1,2020-01-10,2A,N,0,{},{}", child.id, team.name, app.staff_id("sw.alpha1"))
    );

    // List 2: the assessment's two children, not matched to records.
    let l2 = get_as(&app, "performance", &format!("/extracts/annex-a-list-2.csv{q}")).await;
    assert_eq!(l2.status, StatusCode::OK, "{}", l2.raw);
    let lines: Vec<&str> = l2.raw.lines().collect();
    assert_eq!(
        lines[0],
        "child_id,sex,ethnicity,date_of_birth,age,early_help_start_date,early_help_completion_date,organisation"
    );
    let mut rows: Vec<&str> = lines[1..].iter().map(|l| l.split_once(',').unwrap().1).collect();
    rows.sort();
    assert_eq!(
        rows,
        [
            "F,,2017-03-14,2,2020-02-03,,Example Early Help Service",
            "M,,2023-01-20,-1,2020-02-03,,Example Early Help Service"
        ],
        "{}",
        l2.raw
    );

    // The CIN census XML: the referral's child, valid against the schema.
    let x = get_as(&app, "performance", &format!("/extracts/cin-census.xml{q}")).await;
    assert_eq!(x.status, StatusCode::OK, "{}", x.raw);
    assert!(x.headers["content-type"].to_str().unwrap().starts_with("application/xml"));
    crate::xsd::validate(include_str!("../../docs/extracts/cin-census.xsd"), &x.raw)
        .unwrap_or_else(|e| panic!("{e:#?}\n{}", x.raw));
    let doc = roxmltree::Document::parse(&x.raw).unwrap();
    let texts = |name: &str| -> Vec<String> {
        doc.descendants().filter(|n| n.has_tag_name(name)).map(|n| n.text().unwrap_or("").to_string()).collect()
    };
    assert_eq!(texts("LAchildID"), [child.id.to_string()]);
    assert_eq!(texts("PersonBirthDate"), ["2018-05-04"]);
    assert_eq!(texts("Sex"), ["F"]);
    assert_eq!(texts("Ethnicity"), ["NOBT"]);
    assert_eq!(texts("CINreferralDate"), ["2020-01-10"]);
    assert_eq!(texts("ReferralSource"), ["2A"]);
    assert_eq!(texts("CINclosureDate"), ["2020-03-02"]);
    assert_eq!(texts("ReasonForClosure"), ["RC8"]);
    assert_eq!(texts("ReferralNFA"), ["false"]);
    assert_eq!(texts("AssessmentActualStartDate"), ["2020-01-13"]);
    assert_eq!(texts("AssessmentAuthorisationDate"), ["2020-03-02"]);
    assert_eq!(texts("ReferenceDate"), ["2021-03-31"], "the census year holding the range's end");

    // No names, addresses or free text in any extract (dates of birth are what they are for).
    for body in [&l1.raw, &l2.raw, &l3.raw, &x.raw] {
        for personal in [
            "Testchild",
            "Sampletot",
            "Extractfamily",
            "Reportfamily",
            "Sample Carer",
            "Example Street",
            "ZZ9",
            "hungry",
        ] {
            assert!(!body.contains(personal), "{personal} in an extract");
        }
    }
    // Each extract is audited with every child it holds.
    let audit = entity::audit_event::Entity::find().all(&app.db).await.unwrap();
    let audited = |op: &str, child: Uuid| {
        audit.iter().filter(|a| a.operation == op && a.record_type == "CHILD" && a.record_id == Some(child)).count()
    };
    assert_eq!(audited("extract_annex_a_list_1", child.id), 1);
    assert_eq!(audited("extract_annex_a_list_1", unborn), 1);
    assert_eq!(audited("extract_annex_a_list_3", child.id), 1);
    assert_eq!(audited("extract_cin_census", child.id), 1);
    let list_2 = audit.iter().filter(|a| a.operation == "extract_annex_a_list_2" && a.record_type == "CHILD").count();
    assert_eq!(list_2, 2);
    let matched = audit.iter().find(|a| a.operation == "extract_annex_a_list_1" && a.record_id == Some(child.id));
    assert_eq!(matched.and_then(|a| a.child_id), Some(child.id), "a matched child's row names the child");

    // Extracts are for performance officers only.
    for who in ["analyst", "tm.alpha", "hub.worker", "admin"] {
        let r = get_as(&app, who, &format!("/extracts/annex-a-list-1.csv{q}")).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    for (path, status, field) in [
        ("/extracts/annex-a-list-9.csv?from=2020-01-01&to=2020-06-30", StatusCode::NOT_FOUND, None),
        ("/extracts/cin-census.xml?from=2020-06-30&to=2020-01-01", StatusCode::BAD_REQUEST, Some("from")),
        ("/extracts/cin-census.xml?from=2020-01-01&to=2025-06-30", StatusCode::BAD_REQUEST, Some("to")),
        ("/extracts/cin-census.xml?from=2020-01-01", StatusCode::BAD_REQUEST, Some("from")),
    ] {
        let r = get_as(&app, "performance", path).await;
        assert_eq!(r.status, status, "{path}: {}", r.raw);
        if let Some(f) = field {
            assert_eq!(r.body["errors"][0]["extensions"]["field"], f, "{path}");
        }
    }
    // Nothing was exported by a refusal: one audit row set per successful extract only.
    assert_eq!(app.count("audit_events WHERE operation LIKE 'extract_%' AND outcome = 'DENIED'").await, 0);

    // Every report, as CSV and in GraphQL, over the same fixtures: no name or date of birth.
    for kind in casegraph::domain::report::Kind::ALL {
        let csv =
            get_as(&app, "performance", &format!("/reports/{}.csv?from=2020-01-01&to=2020-06-30&by=week", kind.name()))
                .await;
        assert_eq!(csv.status, StatusCode::OK, "{}: {}", kind.name(), csv.raw);
        let gql_name = kind.name().to_uppercase().replace('-', "_");
        let (_, r) = report_as(&app, "performance", &gql_name, "2020-01-01", "2020-06-30", None).await;
        assert!(r.body["errors"].is_null(), "{}", r.raw);
        for body in [&csv.raw, &r.raw] {
            for personal in [
                "Testchild",
                "Extractfamily",
                "Reportfamily",
                "2018-05-04",
                "2017-03-14",
                "Sample Carer",
                "Street",
                &child.id.to_string(),
            ] {
                assert!(!body.contains(personal), "{personal} in {}", kind.name());
            }
        }
    }
}

#[tokio::test]
async fn report_input_errors_are_typed_and_export_nothing() {
    let app = TestApp::new().await;
    // A team on a service-wide report; a team ID that is not one; a by that is not a grouping.
    let bravo = gid("Team", fixtures::team_of(&app, "tm.bravo").await);
    for (path, field) in [
        (format!("/reports/requests-received.csv?from=2020-01-01&to=2020-01-31&team={bravo}"), "team"),
        ("/reports/caseloads.csv?from=2020-01-01&to=2020-01-31&team=not-an-id".to_string(), "team"),
        ("/reports/caseloads.csv?from=2020-01-01&to=2020-01-31&by=day".to_string(), "by"),
    ] {
        let r = get_as(&app, "analyst", &path).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{path}: {}", r.raw);
        assert_eq!(r.body["errors"][0]["extensions"]["field"], field, "{path}");
    }
    let (_, r) = report_as(&app, "analyst", "REQUESTS_RECEIVED", "2020-01-01", "2020-01-31", Some(bravo)).await;
    assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.raw);
    let (_, r) = report_as(&app, "analyst", "CASELOADS", "2020-01-01", "2025-01-01", None).await;
    assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.raw);
    // The catalogue lists every report with its CSV name.
    let r = app.gql("tm.alpha", "{ reports { catalogue { report name aboutCases snapshot } } }", json!({})).await;
    let names: Vec<&str> =
        r.data()["reports"]["catalogue"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 21, "{}", r.raw);
    assert!(names.contains(&"caseloads") && names.contains(&"re-referrals"));
    // None of these refusals was audited as a report read.
    assert_eq!(app.count("audit_events WHERE record_type = 'REPORT'").await, 0);
}
