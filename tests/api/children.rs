//! Child reads and search: normalised matching, keyset pagination, bad input, DataLoaders.
use crate::common::*;
use crate::fixtures;
use serde_json::{Value, json};

const SEARCH: &str = "query($s: ChildSearch!, $first: Int!, $after: String) { children(search: $s, first: $first, after: $after) { edges { cursor node { id givenName familyName dateOfBirth } } pageInfo { hasNextPage hasPreviousPage endCursor } } }";

fn names(r: &Resp) -> Vec<(String, String)> {
    r.data()["children"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.raw))
        .iter()
        .map(|e| (e["node"]["givenName"].as_str().unwrap().into(), e["node"]["familyName"].as_str().unwrap().into()))
        .collect()
}

#[tokio::test]
async fn search_ignores_case_accents_spaces_and_hyphens() {
    let app = TestApp::new().await;
    let zoe = fixtures::children(&app).await.into_iter().find(|c| c.given_name == "Zoë").unwrap();
    let hyphenated =
        fixtures::children(&app).await.into_iter().find(|c| c.family_name.contains('-') && !c.restricted).unwrap();
    for given in ["zoe", "ZOË", " Zo e "] {
        let r = app
            .gql(
                "hub.worker",
                SEARCH,
                json!({ "s": { "givenName": given, "familyName": zoe.family_name.to_uppercase() }, "first": 10 }),
            )
            .await;
        assert_eq!(names(&r), vec![("Zoë".to_string(), zoe.family_name.clone())], "{given}");
    }
    let spaced = hyphenated.family_name.replace('-', " ").to_lowercase();
    let r = app
        .gql(
            "hub.worker",
            SEARCH,
            json!({ "s": { "familyName": spaced, "givenName": hyphenated.given_name }, "first": 10 }),
        )
        .await;
    assert!(names(&r).contains(&(hyphenated.given_name.clone(), hyphenated.family_name.clone())), "{}", r.raw);
    // Date of birth narrows to exact matches.
    let dob = hyphenated.date_of_birth.unwrap().to_string();
    let r = app.gql("hub.worker", SEARCH, json!({ "s": { "dateOfBirth": dob }, "first": 100 })).await;
    assert!(r.data()["children"]["edges"].as_array().unwrap().iter().all(|e| e["node"]["dateOfBirth"] == dob));
    assert!(!names(&r).is_empty());
}

#[tokio::test]
async fn keyset_pages_cover_everything_once() {
    let app = TestApp::new().await;
    let all = fixtures::children(&app).await.into_iter().filter(|c| !c.restricted).count();
    let mut seen = vec![];
    // Page, three at a time, through every family-name initial the seed uses.
    for prefix in ["t", "s", "m", "d", "f", "e", "p", "i"] {
        let mut after: Option<String> = None;
        loop {
            let r = app
                .gql("hub.worker", SEARCH, json!({ "s": { "familyName": prefix }, "first": 3, "after": after }))
                .await;
            let edges = r.data()["children"]["edges"].as_array().unwrap_or_else(|| panic!("{}", r.raw)).clone();
            assert!(edges.len() <= 3);
            seen.extend(edges.iter().map(|e| e["node"]["id"].as_str().unwrap().to_string()));
            let info = &r.data()["children"]["pageInfo"];
            assert_eq!(info["hasPreviousPage"], after.is_some());
            if info["hasNextPage"] == false {
                break;
            }
            after = Some(info["endCursor"].as_str().unwrap().to_string());
        }
    }
    let unique: std::collections::BTreeSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "no child twice");
    assert_eq!(seen.len(), all, "every unrestricted child exactly once");
}

#[tokio::test]
async fn bad_input_is_a_typed_error_naming_the_field() {
    let app = TestApp::new().await;
    let long = "x".repeat(101);
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "s": { "familyName": long }, "first": 5 }), "search.familyName"),
        (json!({ "s": { "familyName": "a\u{0000}b" }, "first": 5 }), "search.familyName"),
        (json!({ "s": { "givenName": "\u{202E}evil" }, "first": 5 }), "search.givenName"),
        (json!({ "s": {}, "first": 5 }), "search"),
        (json!({ "s": { "familyName": "T" }, "first": 0 }), "first"),
        (json!({ "s": { "familyName": "T" }, "first": 10000 }), "first"),
        (json!({ "s": { "familyName": "T" }, "first": 5, "after": "bm90LWEtY3Vyc29y" }), "after"),
    ];
    for (vars, field) in cases {
        let r = app.gql("hub.worker", SEARCH, vars.clone()).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{vars}: {}", r.raw);
        assert_eq!(r.body["errors"][0]["extensions"]["field"], field, "{vars}");
        assert!(!r.raw.contains('\u{0}'));
    }
    // Impossible dates, wrong shapes, unknown enum values and missing `first`: refused before
    // anything runs.
    for vars in [
        json!({ "s": { "dateOfBirth": "2023-02-30" }, "first": 5 }),
        json!({ "s": { "dateOfBirth": "30/01/2020" }, "first": 5 }),
        json!({ "s": { "dateOfBirth": 20200101 }, "first": 5 }),
        json!({ "s": { "familyName": "T" } }),
    ] {
        let r = app.gql("hub.worker", SEARCH, vars.clone()).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{vars}: {}", r.raw);
        assert!(r.body.get("data").is_none() || r.data().is_null());
    }
    let r =
        app.gql("hub.worker", "{ children(search: {familyName: \"T\"}) { edges { node { id } } } }", json!({})).await;
    assert!(!r.codes().is_empty(), "first is required");
    // A date of birth in the future is refused (an unborn child has an expected date of delivery).
    let r = app.gql("hub.worker", SEARCH, json!({ "s": { "dateOfBirth": "2999-01-01" }, "first": 5 })).await;
    assert_eq!(r.code(), "BAD_USER_INPUT");
    assert_eq!(r.body["errors"][0]["extensions"]["field"], "search.dateOfBirth");
    // Malformed and foreign IDs.
    let c = fixtures::cases(&app).await.remove(0);
    for id in ["", "garbage", "Q2hpbGQ6", &gid("Case", c.id), &"A".repeat(5000)] {
        let r = app.gql("hub.worker", "query($id: ID!) { child(id: $id) { id } }", json!({ "id": id })).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{id}: {}", r.raw);
        assert_eq!(r.body["errors"][0]["extensions"]["field"], "id");
    }
}

#[tokio::test]
async fn val_02_injection_strings_are_data() {
    let app = TestApp::new().await;
    let before = app.count("children").await;
    for s in ["' OR '1'='1", "\"; DROP TABLE children; --", "%", "_", "a%' --", "\\"] {
        let r = app.gql("hub.worker", SEARCH, json!({ "s": { "familyName": s, "givenName": s }, "first": 100 })).await;
        assert!(r.body["errors"].is_null() || r.code() == "BAD_USER_INPUT", "{s}: {}", r.raw);
        if r.body["errors"].is_null() {
            assert!(names(&r).is_empty(), "{s} matched: {}", r.raw);
        }
    }
    assert_eq!(app.count("children").await, before);
}

#[tokio::test]
async fn child_with_household_cases_and_unborn() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let r = app
        .gql(
            "sw.alpha1",
            "query($id: ID!) { child(id: $id) { id givenName sex ethnicity address { line town postcode } nhsNumber upn unborn household { givenName relationship livesWithChild } cases { id status allocatedWorker { displayName } } } }",
            json!({ "id": gid("Child", c.child_id) }),
        )
        .await;
    let child = &r.data()["child"];
    assert!(!child["household"].as_array().unwrap().is_empty(), "{}", r.raw);
    assert_eq!(child["cases"][0]["id"], gid("Case", c.id));
    assert_eq!(child["address"]["town"], "Testtown");
    assert_eq!(child["unborn"], false);
    let unborn =
        fixtures::children(&app).await.into_iter().find(|c| c.date_of_birth.is_none() && !c.restricted).unwrap();
    let r = app
        .gql(
            "hub.worker",
            "query($id: ID!) { child(id: $id) { unborn dateOfBirth expectedDateOfDelivery } }",
            json!({ "id": gid("Child", unborn.id) }),
        )
        .await;
    assert_eq!(r.data()["child"]["unborn"], true, "{}", r.raw);
    assert!(r.data()["child"]["dateOfBirth"].is_null());
    assert!(r.data()["child"]["expectedDateOfDelivery"].is_string());
}

#[tokio::test]
async fn statements_per_request_do_not_grow_with_rows() {
    let app = TestApp::new().await;
    let q = "query($n: Int!) { caseload(first: $n) { edges { node { id child { id givenName household { givenName } cases { id } } allocatedWorker { displayName team { name organisation { name } } } team { name } history { kind } } } } }";
    let run = |n: i32| {
        let app = &app;
        async move {
            let before = app.state.statements.get();
            let r = app.gql("tm.alpha", q, json!({ "n": n })).await;
            assert!(r.body["errors"].is_null(), "{}", r.raw);
            let rows = r.data()["caseload"]["edges"].as_array().unwrap().len();
            (rows, app.state.statements.get() - before)
        }
    };
    run(2).await; // warms the organisation cache (reference data, reloaded once a minute)
    let (small_rows, small) = run(2).await;
    let (big_rows, big) = run(20).await;
    assert_eq!(small_rows, 2);
    assert!(big_rows > 5, "fixture: team alpha has a real caseload ({big_rows})");
    assert_eq!(small, big, "statements: {small} for {small_rows} rows, {big} for {big_rows} rows");
}

#[tokio::test]
async fn the_benchmarks_caseload_page_takes_at_most_four_statements() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, c.child_id).await;
    for _ in 0..3 {
        fixtures::submit_update(&app, "partner.school", &child, false).await;
    }
    let q = "query($n: Int!) { caseload(first: $n) { edges { node { id kind status openedAt child { id givenName familyName dateOfBirth partnerUpdates(first: 5) { nodes { id kind details receivedAt reviewedAt senderOrganisation { name agencyType } } } } } } } }";
    let count = |n: i32| {
        let app = &app;
        async move {
            let before = app.state.statements.get();
            let r = app.gql("tm.alpha", q, json!({ "n": n })).await;
            assert!(r.body["errors"].is_null(), "{}", r.raw);
            app.state.statements.get() - before
        }
    };
    count(20).await; // warms the organisation cache
    let (one, twenty) = (count(1).await, count(20).await);
    // caseload, children, their partner updates, and one audit insert for all the reads.
    assert_eq!(one, twenty);
    assert!(twenty <= 4, "{twenty} statements");
}

/// The request pool and the audit writers are told apart in `pg_stat_activity` by their
/// `application_name` (the benchmark splits PostgreSQL's CPU by it; so can an operator).
#[tokio::test]
async fn postgres_connections_are_named_by_pool() {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let app = TestApp::new().await;
    if app.db.get_database_backend() != DatabaseBackend::Postgres {
        return;
    }
    let names = Statement::from_string(
        DatabaseBackend::Postgres,
        "SELECT string_agg(DISTINCT application_name, ',' ORDER BY application_name) FROM pg_stat_activity \
         WHERE datname = current_database()",
    );
    let row = app.db.query_one_raw(names).await.unwrap().unwrap();
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "casegraph,casegraph-audit");
}

/// PostgreSQL plans each casegraph statement once per connection (a generic plan), and the name
/// search is written so that plan still finds children by a name prefix through the index.
#[tokio::test]
async fn postgres_plans_once_and_a_name_prefix_still_uses_the_index() {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, TransactionTrait};
    let app = TestApp::new().await;
    if app.db.get_database_backend() != DatabaseBackend::Postgres {
        return; // SQLite plans each prepared statement once already.
    }
    let show = Statement::from_string(DatabaseBackend::Postgres, "SHOW plan_cache_mode");
    let row = app.db.query_one_raw(show).await.unwrap().unwrap();
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), "force_generic_plan");
    // One connection: PREPARE is per session.
    let txn = app.db.begin().await.unwrap();
    txn.execute_unprepared(
        "PREPARE prefix_search(text, text) AS SELECT id FROM children WHERE family_key >= $1 AND family_key < $2",
    )
    .await
    .unwrap();
    let plan = explain(&txn, "EXPLAIN EXECUTE prefix_search('ben', 'ben' || chr(1114111))").await;
    assert!(plan.iter().any(|l| l.contains("ix_children_names_dob")), "{plan:?}");
    // Matching a partner update (both keys and the date of birth) descends that one index.
    txn.execute_unprepared(
        "PREPARE exact(text, text, date) AS SELECT id FROM children \
         WHERE family_key = $1 AND given_key = $2 AND date_of_birth = $3",
    )
    .await
    .unwrap();
    let plan = explain(&txn, "EXPLAIN EXECUTE exact('ben', 'amy', '2015-01-01')").await;
    assert!(plan.iter().any(|l| l.contains("Index") && l.contains("ix_children_names_dob")), "{plan:?}");
    assert!(!plan.iter().any(|l| l.contains("BitmapAnd")), "{plan:?}");
    // A team's managers (alerts for unallocated cases, concerns, overdue updates) are found by
    // the team, not by reading every staff row. The test team is small enough for a scan to
    // be cheaper, so scans are ruled out to ask whether the index can serve the query at all.
    txn.execute_unprepared("SET LOCAL enable_seqscan = off").await.unwrap();
    let plan = explain(
        &txn,
        "EXPLAIN SELECT id FROM staff WHERE team_id = '00000000-0000-0000-0000-000000000001' AND active \
         AND roles LIKE '%TEAM_MANAGER%'",
    )
    .await;
    assert!(plan.iter().any(|l| l.contains("ix_staff_team")), "{plan:?}");
}

/// The plan PostgreSQL chooses for `sql` (an `EXPLAIN ...`), one line per entry.
async fn explain(conn: &impl sea_orm::ConnectionTrait, sql: &str) -> Vec<String> {
    let stmt = sea_orm::Statement::from_string(sea_orm::DatabaseBackend::Postgres, sql);
    let rows = conn.query_all_raw(stmt).await.unwrap();
    rows.iter().map(|r| r.try_get_by_index::<String>(0).unwrap()).collect()
}

/// The text of the JSON object that follows the first `"key":` in `raw`, as sent (key order kept).
fn object_text<'a>(raw: &'a str, key: &str) -> &'a str {
    let start = raw.find(&format!("\"{key}\":{{")).unwrap_or_else(|| panic!("no {key} in {raw}")) + key.len() + 3;
    let (mut depth, mut in_str, mut escaped) = (0, false, false);
    for (i, c) in raw[start..].char_indices() {
        match (in_str, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => in_str = false,
            (false, _, '"') => in_str = true,
            (false, _, '{') => depth += 1,
            (false, _, '}') => {
                depth -= 1;
                if depth == 0 {
                    return &raw[start..start + i + 1];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced {raw}")
}

/// The caseload's children and their timelines resolve without a future per field
/// (`graphql::fast`); `child(id:)` resolves the same type the stock way. Both give the same
/// answer, byte for byte, for aliases, `__typename`, fragments on the type, a repeated key, a
/// nested list and a field that fails; a fragment on an interface takes the stock path.
#[tokio::test]
async fn fast_resolution_answers_exactly_as_the_stock_path() {
    let app = TestApp::new().await;
    let first = app.gql("sw.alpha1", "{ caseload(first: 1) { edges { node { child { id } } } } }", json!({})).await;
    let id = first.data()["caseload"]["edges"][0]["node"]["child"]["id"].as_str().expect("a caseload").to_string();
    let child = fixtures::child(&app, uuid_of(&id)).await;
    for concern in [false, true, false] {
        fixtures::submit_update(&app, "partner.school", &child, concern).await;
    }
    let fragments = "fragment U on PartnerUpdate { receivedAt id } \
        fragment Sel on Child { __typename a: id id givenName ... on Child { familyName givenName } \
        ... { dateOfBirth } dob: dateOfBirth ...More \
        partnerUpdates(first: 2) { nodes { __typename id kind ...U senderOrganisation { name n: name __typename } } } } \
        fragment More on Child { sex familyName }";
    for extra in ["", "... on Node { nid: id }"] {
        let fragments = fragments.replace("...More", &format!("...More {extra}"));
        let fast = app
            .gql(
                "sw.alpha1",
                &format!("{{ caseload(first: 1) {{ edges {{ node {{ child {{ ...Sel }} }} }} }} }} {fragments}"),
                json!({}),
            )
            .await;
        let stock = app
            .gql(
                "sw.alpha1",
                &format!("query($id: ID!) {{ child(id: $id) {{ ...Sel }} }} {fragments}"),
                json!({ "id": id }),
            )
            .await;
        let (f, s) = (object_text(&fast.raw, "child"), object_text(&stock.raw, "child"));
        assert_eq!(f, s, "\nfast:  {}\nstock: {}", fast.raw, stock.raw);
        assert!(f.starts_with(&format!("{{\"__typename\":\"Child\",\"a\":\"{id}\",\"id\":\"{id}\"")), "{f}");
        assert!(f.contains("\"senderOrganisation\":{\"name\":"), "{f}");
        assert!(fast.body.get("errors").is_none(), "{}", fast.raw);
    }
    // A failing field is reported once, the same way on both paths; `partnerUpdates` is
    // non-null, so (issue 20, the spec's null propagation) the child it belongs to is null: the
    // case's `child` on the fast path, and `data` itself for the root `child(id:)`, which is
    // non-null too.
    let bad = "fragment B on Child { id bad: partnerUpdates(first: 101) { nodes { id } } }";
    let fast = app
        .gql(
            "sw.alpha1",
            &format!("{{ caseload(first: 1) {{ edges {{ node {{ child {{ ...B }} }} }} }} }} {bad}"),
            json!({}),
        )
        .await;
    let stock = app
        .gql("sw.alpha1", &format!("query($id: ID!) {{ child(id: $id) {{ ...B }} }} {bad}"), json!({ "id": id }))
        .await;
    let message = |r: &Resp| r.body["errors"][0]["message"].as_str().map(str::to_string);
    assert_eq!(fast.body["errors"].as_array().map(Vec::len), Some(1), "{}", fast.raw);
    assert_eq!(message(&fast), message(&stock));
    assert!(message(&fast).is_some_and(|m| m.contains("first")), "{}", fast.raw);
    assert_eq!(fast.body["errors"][0]["path"], json!(["caseload", "edges", 0, "node", "child", "bad"]));
    assert_eq!(fast.body["data"]["caseload"]["edges"][0]["node"]["child"], Value::Null, "{}", fast.raw);
    assert!(stock.body["data"].is_null(), "{}", stock.raw);
}
