//! Requests for support end to end: submission rules, the significant-harm route, the Neglect
//! Protocol, idempotency, the hub queue, decisions, and what the referrer sees.
use crate::common::*;
use crate::fixtures::{self, SCREEN, SUBMIT, request_input, screening_input, submit_request};
use casegraph::domain::calendar;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};

const GET: &str = "query($id: ID!) { requestForSupport(id: $id) { id reference status urgent overdue dueAt concerns consent { status givenBy reason safeguardingReason } children { id matched child { id } } household { givenName relationship } decision { outcome decidedAt feedback rationale late cases { id kind } } } }";
const DECIDE: &str = "mutation($i: RecordHubDecisionInput!) { recordHubDecision(input: $i) { request { status version } decision { outcome late cases { id kind status child { id } } } userErrors { field code message } } }";

#[tokio::test]
async fn a_request_goes_from_submission_to_decision_to_the_referrers_view() {
    let app = TestApp::new().await;
    let before = now();
    let r = app.gql("partner.school", SUBMIT, json!({ "i": request_input("Journeyfamily") })).await;
    let req = &r.data()["submitRequestForSupport"]["request"];
    assert_eq!(r.user_errors("submitRequestForSupport"), vec![]);
    let reference = req["reference"].as_str().unwrap();
    let year = Utc::now().format("%Y").to_string();
    assert!(reference.starts_with(&format!("RFS-{year}-")) && reference.len() == 15, "{reference}");
    assert_eq!((req["status"].as_str(), req["urgent"].as_bool()), (Some("RECEIVED"), Some(false)));
    // Due one working day after receipt, per the stored calendar.
    let received: DateTime<Utc> = req["receivedAt"].as_str().unwrap().parse().unwrap();
    let due: DateTime<Utc> = req["dueAt"].as_str().unwrap().parse().unwrap();
    let cal = calendar::load(&app.db).await.unwrap();
    assert_eq!(due, cal.due_after_working_days(received, 1));
    assert!(received.timestamp() as u64 >= before - 1 && due > received);
    let id = req["id"].as_str().unwrap().to_string();
    let child = req["children"][0]["id"].as_str().unwrap().to_string();

    // The hub creates the child's record from the request and decides: an assessment (s17),
    // which opens a case in the same transaction.
    let r = app
        .gql("hub.worker", "mutation($i: CreateChildFromRequestInput!) { createChildFromRequest(input: $i) { requestChild { matched child { id familyName } } userErrors { code } } }", json!({ "i": { "requestChildId": child } }))
        .await;
    let created = &r.data()["createChildFromRequest"]["requestChild"];
    assert_eq!(created["child"]["familyName"], "Journeyfamily", "{}", r.raw);
    let child_record = created["child"]["id"].as_str().unwrap().to_string();
    let alpha = fixtures::team_of(&app, "tm.alpha").await;
    let decision = json!({ "i": { "requestId": id, "outcome": "CHILD_AND_FAMILY_ASSESSMENT", "decidedLevel": "SPECIALIST",
        "rationale": "Neglect indicators across several domains", "feedback": "We are starting a child and family assessment; a social worker will contact you.",
        "expectedVersion": 1, "teamId": gid("Team", alpha), "allocatedWorkerId": gid("Staff", app.staff_id("sw.alpha1")) } });
    let r = app.gql("hub.worker", DECIDE, decision.clone()).await;
    assert_eq!(r.user_errors("recordHubDecision"), vec![], "{}", r.raw);
    let d = &r.data()["recordHubDecision"];
    assert_eq!(d["request"]["status"], "DECIDED");
    assert_eq!(d["decision"]["late"], false);
    assert_eq!(d["decision"]["cases"][0]["kind"], "ASSESSMENT");
    assert_eq!(d["decision"]["cases"][0]["child"]["id"], child_record);
    // The allocated worker has it on their caseload.
    let r = app.gql("sw.alpha1", "{ caseload(first: 100) { edges { node { id } } } }", json!({})).await;
    assert!(r.raw.contains(d["decision"]["cases"][0]["id"].as_str().unwrap()));
    // A second decision is a conflict and changes nothing.
    let r = app.gql("hub.worker", DECIDE, decision).await;
    assert_eq!(r.user_errors("recordHubDecision"), vec![("input.requestId".into(), "CONFLICT".into())]);
    assert_eq!(app.count("hub_decisions").await, 1);

    // The referrer sees the outcome, the date and the feedback: never the case, the record or
    // the hub's reasoning.
    let r = app.gql("partner.school", GET, json!({ "id": id })).await;
    let seen = &r.data()["requestForSupport"];
    assert_eq!(seen["decision"]["outcome"], "CHILD_AND_FAMILY_ASSESSMENT", "{}", r.raw);
    assert!(seen["decision"]["feedback"].as_str().unwrap().starts_with("We are starting"));
    assert!(seen["decision"]["decidedAt"].is_string());
    assert!(seen["decision"]["rationale"].is_null());
    assert_eq!(seen["decision"]["cases"], json!([]));
    assert_eq!(seen["children"][0]["matched"], true);
    assert!(seen["children"][0]["child"].is_null());
    // Their safeguarding lead sees it too; the hub sees the reasoning and the case.
    let r = app.gql("dsl.school", GET, json!({ "id": id })).await;
    assert_eq!(r.data()["requestForSupport"]["decision"]["outcome"], "CHILD_AND_FAMILY_ASSESSMENT");
    let r = app.gql("hub.worker", GET, json!({ "id": id })).await;
    assert_eq!(r.data()["requestForSupport"]["decision"]["rationale"], "Neglect indicators across several domains");
    assert_eq!(r.data()["requestForSupport"]["decision"]["cases"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn other_organisations_never_see_a_request() {
    let app = TestApp::new().await;
    let (id, _, _) = submit_request(&app, "partner.school", request_input("Privatefamily")).await;
    let missing = gid("RequestForSupport", sea_orm::prelude::Uuid::now_v7());
    for who in [
        "partner.health",
        "dsl.health",
        "sw.alpha1",
        "tm.alpha",
        "analyst",
        "admin",
        "ehp.earlyhelp",
        "integration.police",
    ] {
        let a = app.gql(who, GET, json!({ "id": id })).await;
        let b = app.gql(who, GET, json!({ "id": missing })).await;
        assert_eq!(a.code(), "NOT_FOUND", "{who}: {}", a.raw);
        assert_eq!(a.raw, b.raw, "{who}: forbidden and missing look the same");
        let node = app.gql(who, "query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        assert!(node.data().is_null() || node.data()["node"].is_null(), "{who}: {}", node.raw);
    }
    // Lists: each partner sees only their own; a lead their organisation's.
    let (health_id, _, _) = submit_request(&app, "partner.health", request_input("Healthfamily")).await;
    let list = "{ requestsForSupport(first: 100) { edges { node { id } } } }";
    let ids = |r: &Resp| {
        r.data()["requestsForSupport"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&app.gql("partner.school", list, json!({})).await), vec![id.clone()]);
    assert_eq!(ids(&app.gql("dsl.school", list, json!({})).await), vec![id.clone()]);
    assert_eq!(ids(&app.gql("partner.health", list, json!({})).await), vec![health_id.clone()]);
    let hub = ids(&app.gql("hub.worker", list, json!({})).await);
    assert!(hub.contains(&id) && hub.contains(&health_id));
    // A partner cannot decide: refused before anything is read or written.
    let r = app.gql("partner.school", DECIDE, json!({ "i": { "requestId": id, "outcome": "NO_FURTHER_ACTION", "decidedLevel": "UNIVERSAL", "rationale": "x", "feedback": "x", "expectedVersion": 1 } })).await;
    assert_eq!(r.code(), "FORBIDDEN");
    assert_eq!(app.count("hub_decisions").await, 0);
}

#[tokio::test]
async fn significant_harm_is_a_phone_call_not_a_routine_request() {
    let app = TestApp::new().await;
    let mut input = request_input("Harmfamily");
    input["immediateRiskOfSignificantHarm"] = json!(true);
    let before = (app.count("requests_for_support").await, app.count("request_children").await);
    let r = app.gql("partner.school", SUBMIT, json!({ "i": input })).await;
    assert_eq!(
        r.user_errors("submitRequestForSupport"),
        vec![("input.immediateRiskOfSignificantHarm".into(), "TELEPHONE_MASH_NOW".into())]
    );
    assert!(r.data()["submitRequestForSupport"]["userErrors"][0]["message"].as_str().unwrap().contains("01253 477299"));
    assert!(r.data()["submitRequestForSupport"]["request"].is_null());
    assert_eq!(
        (app.count("requests_for_support").await, app.count("request_children").await),
        before,
        "nothing queued"
    );
    // Even with other mistakes, the phone call comes first.
    input["concerns"] = json!("");
    let r = app.gql("partner.school", SUBMIT, json!({ "i": input })).await;
    assert_eq!(r.user_errors("submitRequestForSupport")[0].1, "TELEPHONE_MASH_NOW");
    // The written follow-up to a call is accepted, marked urgent, and tops the queue.
    let (routine, _, _) = submit_request(&app, "partner.school", request_input("Routinefamily")).await;
    let mut follow_up = request_input("Harmfamily");
    follow_up["immediateRiskOfSignificantHarm"] = json!(true);
    follow_up["phoneContactMadeAt"] = json!((Utc::now() - chrono::Duration::minutes(20)).to_rfc3339());
    let r = app.gql("partner.school", SUBMIT, json!({ "i": follow_up })).await;
    let urgent = &r.data()["submitRequestForSupport"]["request"];
    assert_eq!(urgent["urgent"], true, "{}", r.raw);
    let q = app
        .gql(
            "hub.worker",
            "{ requestsForSupport(first: 10, filter: {status: RECEIVED}) { edges { node { id urgent } } } }",
            json!({}),
        )
        .await;
    let edges = q.data()["requestsForSupport"]["edges"].as_array().unwrap();
    assert_eq!(edges[0]["node"]["id"], urgent["id"], "urgent first: {}", q.raw);
    assert!(edges.iter().any(|e| e["node"]["id"] == routine.as_str()));
    let only = app
        .gql(
            "hub.worker",
            "{ requestsForSupport(first: 10, filter: {urgent: true}) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(only.data()["requestsForSupport"]["edges"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_neglect_protocol_needs_a_screening_at_level_four() {
    let app = TestApp::new().await;
    let mut input = request_input("Neglectfamily");
    input["referrerLevel"] = json!("SPECIALIST");
    let before = app.count("requests_for_support").await;
    let r = app.gql("partner.school", SUBMIT, json!({ "i": input })).await;
    assert_eq!(
        r.user_errors("submitRequestForSupport"),
        vec![("input.neglectScreeningId".into(), "NEGLECT_SCREENING_REQUIRED".into())]
    );
    assert!(
        r.data()["submitRequestForSupport"]["userErrors"][0]["message"].as_str().unwrap().contains("Neglect Protocol")
    );
    assert_eq!(app.count("requests_for_support").await, before);
    // Another organisation's screening cannot be attached.
    let theirs = fixtures::submit_screening(&app, "partner.health", "Neglectfamily").await;
    input["neglectScreeningId"] = json!(theirs);
    let r = app.gql("partner.school", SUBMIT, json!({ "i": input })).await;
    assert_eq!(r.user_errors("submitRequestForSupport"), vec![("input.neglectScreeningId".into(), "NOT_FOUND".into())]);
    // With one's own completed screening it goes through, and the hub sees the screening.
    let ours = fixtures::submit_screening(&app, "partner.school", "Neglectfamily").await;
    input["neglectScreeningId"] = json!(ours);
    let r = app.gql("partner.school", SUBMIT, json!({ "i": input })).await;
    let id = r.data()["submitRequestForSupport"]["request"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.raw))
        .to_string();
    let r = app
        .gql(
            "hub.worker",
            "query($id: ID!) { requestForSupport(id: $id) { neglectScreening { id flagged outcome } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r.data()["requestForSupport"]["neglectScreening"]["outcome"], "INDICATORS_FOUND_GCP2_RECOMMENDED");
    // Level 3 neglect does not need one.
    let mut level3 = request_input("Neglectfamily");
    level3["referrerLevel"] = json!("INTENSIVE");
    submit_request(&app, "partner.school", level3).await;
}

#[tokio::test]
async fn neglect_screening_scores_and_rules() {
    let app = TestApp::new().await;
    let r = app.gql("partner.school", SCREEN, json!({ "i": screening_input() })).await;
    let s = &r.data()["submitNeglectScreening"]["screening"];
    assert_eq!(s["flagged"], true, "{}", r.raw);
    assert_eq!(s["outcome"], "INDICATORS_FOUND_GCP2_RECOMMENDED");
    let scores: Vec<(String, i64, bool)> = s["domainScores"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["domain"].as_str().unwrap().into(), d["score"].as_i64().unwrap(), d["flagged"].as_bool().unwrap()))
        .collect();
    assert!(scores.contains(&("SAFETY".into(), 4, true)) && scores.contains(&("PHYSICAL_CARE".into(), 1, false)));
    let bad = |edit: &dyn Fn(&mut Value)| {
        let mut i = screening_input();
        edit(&mut i);
        i
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            bad(&|i| i["domains"][1]["items"][0]["evidence"] = Value::Null),
            "input.domains.1.items.0.evidence",
            "REQUIRED",
        ),
        (bad(&|i| i["domains"][0]["domain"] = json!("ANTENATAL_CARE")), "input.domains.0.domain", "INVALID"),
        (bad(&|i| i["tool"] = json!("PRE_BIRTH")), "input.domains.0.domain", "INVALID"),
        (bad(&|i| i["completedOn"] = json!("2999-01-01")), "input.completedOn", "IN_FUTURE"),
        (
            bad(&|i| {
                i["domains"].as_array_mut().unwrap().pop();
            }),
            "input.domains",
            "REQUIRED",
        ),
    ];
    let before = app.count("neglect_screenings").await;
    for (input, field, code) in cases {
        let r = app.gql("partner.school", SCREEN, json!({ "i": input })).await;
        let errs = r.user_errors("submitNeglectScreening");
        assert!(errs.contains(&(field.to_string(), code.to_string())), "{field} {code}: {errs:?}");
    }
    assert_eq!(app.count("neglect_screenings").await, before);
    // A screening with no indicators recommends nothing further.
    let domains: Vec<Value> = ["ANTENATAL_CARE", "PARENTAL_WELLBEING", "HOME_ENVIRONMENT", "SUPPORT_NETWORK"]
        .iter()
        .map(|d| json!({ "domain": d, "items": [{ "item": 1, "response": "DOES_NOT_APPLY" }] }))
        .collect();
    let due = (chrono::Utc::now().date_naive() + chrono::Duration::days(60)).to_string();
    let clean = json!({ "tool": "PRE_BIRTH", "completedOn": "2026-11-20", "domains": domains,
                        "child": { "familyName": "Screenfamily", "expectedDeliveryDate": due } });
    let r = app.gql("ehp.earlyhelp", SCREEN, json!({ "i": clean })).await;
    assert_eq!(r.data()["submitNeglectScreening"]["screening"]["outcome"], "NO_INDICATORS", "{}", r.raw);
}

#[tokio::test]
async fn consent_is_a_state_with_its_reasons() {
    let app = TestApp::new().await;
    let with = |consent: Value| {
        let mut i = request_input("Consentfamily");
        i["consent"] = consent;
        json!({ "i": i })
    };
    let before = app.count("requests_for_support").await;
    for (consent, field) in [
        (json!({ "status": "NOT_SOUGHT" }), "input.consent.reason"),
        (json!({ "status": "REFUSED", "reason": "   " }), "input.consent.reason"),
        (json!({ "status": "GIVEN" }), "input.consent.givenBy"),
        (json!({ "status": "NOT_REQUIRED_SAFEGUARDING" }), "input.consent.safeguardingReason"),
    ] {
        let r = app.gql("partner.school", SUBMIT, with(consent.clone())).await;
        assert_eq!(
            r.user_errors("submitRequestForSupport"),
            vec![(field.to_string(), "REQUIRED".to_string())],
            "{consent}"
        );
    }
    assert_eq!(app.count("requests_for_support").await, before);
    let r = app
        .gql(
            "partner.school",
            SUBMIT,
            with(json!({ "status": "NOT_REQUIRED_SAFEGUARDING", "safeguardingReason": "WOULD_INCREASE_RISK" })),
        )
        .await;
    let id = r.data()["submitRequestForSupport"]["request"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.raw))
        .to_string();
    let r = app.gql("partner.school", GET, json!({ "id": id })).await;
    assert_eq!(
        r.data()["requestForSupport"]["consent"],
        json!({ "status": "NOT_REQUIRED_SAFEGUARDING", "givenBy": null, "reason": null, "safeguardingReason": "WOULD_INCREASE_RISK" })
    );
    let r = app
        .gql(
            "partner.school",
            SUBMIT,
            with(json!({ "status": "NOT_SOUGHT", "reason": "Parent unreachable this week" })),
        )
        .await;
    assert_eq!(r.user_errors("submitRequestForSupport"), vec![]);
}

#[tokio::test]
async fn bad_input_names_the_field_and_stores_nothing() {
    let app = TestApp::new().await;
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut i = request_input("Badfamily");
        f(&mut i);
        json!({ "i": i })
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (edit(&|i| i["children"][0]["dateOfBirth"] = json!("2999-01-01")), "input.children.0.dateOfBirth", "IN_FUTURE"),
        (
            edit(&|i| i["children"][0]["expectedDateOfDelivery"] = json!("2027-01-01")),
            "input.children.0.dateOfBirth",
            "INVALID",
        ),
        (
            edit(&|i| {
                i["children"][0].as_object_mut().unwrap().remove("dateOfBirth");
            }),
            "input.children.0.dateOfBirth",
            "REQUIRED",
        ),
        (edit(&|i| i["children"] = json!([])), "input.children", "REQUIRED"),
        (edit(&|i| i["concerns"] = json!("x".repeat(10_001))), "input.concerns", "TOO_LONG"),
        (edit(&|i| i["concerns"] = json!("bad \u{0} byte")), "input.concerns", "INVALID"),
        (edit(&|i| i["children"][0]["givenName"] = json!("x".repeat(101))), "input.children.0.givenName", "TOO_LONG"),
        (edit(&|i| i["safeguardingLeadName"] = Value::Null), "input.safeguardingLeadName", "REQUIRED"),
        (edit(&|i| i["parentsAware"] = json!(false)), "input.parentsNotAwareReason", "REQUIRED"),
        (edit(&|i| i["concernCategories"] = json!([])), "input.concernCategories", "REQUIRED"),
        (edit(&|i| i["phoneContactMadeAt"] = json!("2999-01-01T00:00:00Z")), "input.phoneContactMadeAt", "IN_FUTURE"),
        (edit(&|i| i["neglectScreeningId"] = json!("not-an-id")), "input.neglectScreeningId", "INVALID"),
    ];
    let before = (
        app.count("requests_for_support").await,
        app.count("request_children").await,
        app.count("reference_counters").await,
    );
    for (input, field, code) in cases {
        let r = app.gql("partner.school", SUBMIT, input).await;
        let errs = r.user_errors("submitRequestForSupport");
        assert!(errs.contains(&(field.to_string(), code.to_string())), "{field} {code}: {errs:?}");
        assert!(r.data()["submitRequestForSupport"]["request"].is_null());
    }
    assert_eq!(
        (
            app.count("requests_for_support").await,
            app.count("request_children").await,
            app.count("reference_counters").await
        ),
        before
    );
    // Unknown levels and server-owned fields never reach a resolver.
    for (key, value) in
        [("referrerLevel", "LEVEL_5"), ("referrerId", "x"), ("status", "DECIDED"), ("referrerOrgId", "x")]
    {
        let r = app.gql("partner.school", SUBMIT, edit(&|i| i[key] = json!(value))).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.raw);
    }
    // An unborn child is described by an expected date of delivery.
    let unborn = edit(&|i| {
        i["children"][0].as_object_mut().unwrap().remove("dateOfBirth");
        i["children"][0]["expectedDateOfDelivery"] =
            json!((Utc::now() + chrono::Duration::days(60)).format("%Y-%m-%d").to_string());
    });
    let r = app.gql("partner.school", SUBMIT, unborn).await;
    assert_eq!(r.user_errors("submitRequestForSupport"), vec![], "{}", r.raw);
}

#[tokio::test]
async fn rel_04_idempotency_keys() {
    let app = TestApp::new().await;
    let mut input = request_input("Retryfamily");
    input["idempotencyKey"] = json!("school-form-7f3a");
    let (a, _, _) = submit_request(&app, "partner.school", input.clone()).await;
    let (b, _, _) = submit_request(&app, "partner.school", input.clone()).await;
    assert_eq!(a, b, "same key, same payload: the same request");
    assert_eq!(app.count("requests_for_support").await, 1);
    let mut changed = input.clone();
    changed["concerns"] = json!("Something else entirely");
    let r = app.gql("partner.school", SUBMIT, json!({ "i": changed })).await;
    assert_eq!(r.user_errors("submitRequestForSupport"), vec![("input.idempotencyKey".into(), "CONFLICT".into())]);
    assert_eq!(app.count("requests_for_support").await, 1);
    // Keys belong to their caller.
    let (c, _, _) = submit_request(&app, "dsl.school", input.clone()).await;
    assert_ne!(a, c);
    // Two at once with a new key: exactly one row.
    input["idempotencyKey"] = json!("school-form-race");
    let (x, y) = tokio::join!(
        app.gql("partner.school", SUBMIT, json!({ "i": input.clone() })),
        app.gql("partner.school", SUBMIT, json!({ "i": input.clone() }))
    );
    let id = |r: &Resp| r.data()["submitRequestForSupport"]["request"]["id"].clone();
    assert_eq!(id(&x), id(&y), "{} / {}", x.raw, y.raw);
    assert_eq!(app.count("requests_for_support").await, 3);
}

#[tokio::test]
async fn queue_overdue_late_and_pagination() {
    let app = TestApp::new().await;
    let mut ids = vec![];
    for n in 0..5 {
        ids.push(submit_request(&app, "partner.school", request_input(&format!("Queuefamily{n}"))).await.0);
    }
    // Make the first one overdue.
    let overdue_uuid = {
        use base64::Engine;
        let raw = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&ids[0]).unwrap()).unwrap();
        sea_orm::prelude::Uuid::parse_str(raw.split_once(':').unwrap().1).unwrap()
    };
    let past = (Utc::now() - chrono::Duration::hours(2)).to_rfc3339();
    let stmt = sea_orm::Statement::from_sql_and_values(
        app.db.get_database_backend(),
        if app.db.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
            "UPDATE requests_for_support SET due_at = $1 WHERE id = $2"
        } else {
            "UPDATE requests_for_support SET due_at = ? WHERE id = ?"
        },
        [past.parse::<DateTime<Utc>>().unwrap().into(), overdue_uuid.into()],
    );
    app.db.execute_raw(stmt).await.unwrap();
    let q = "query($f: RequestQueueFilter, $after: String) { requestsForSupport(first: 2, filter: $f, after: $after) { edges { node { id overdue } } pageInfo { hasNextPage endCursor } } }";
    let r = app.gql("hub.worker", q, json!({ "f": { "overdue": true } })).await;
    let edges = r.data()["requestsForSupport"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 1, "{}", r.raw);
    assert_eq!(edges[0]["node"]["id"], ids[0].as_str());
    assert_eq!(edges[0]["node"]["overdue"], true);
    // Overdue comes first (earliest due); pages of two cover all five once.
    let mut seen = vec![];
    let mut after: Option<String> = None;
    loop {
        let r = app.gql("hub.worker", q, json!({ "after": after })).await;
        let page = &r.data()["requestsForSupport"];
        seen.extend(
            page["edges"]
                .as_array()
                .unwrap_or_else(|| panic!("{}", r.raw))
                .iter()
                .map(|e| e["node"]["id"].as_str().unwrap().to_string()),
        );
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(seen[0], ids[0]);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 5);
    assert_eq!(seen.len(), 5);
    // Deciding it now records it as late, visible in the queue.
    let r = app.gql("hub.worker", DECIDE, json!({ "i": { "requestId": ids[0], "outcome": "SIGNPOST_UNIVERSAL", "decidedLevel": "UNIVERSAL", "rationale": "Universal services fit", "feedback": "Signposted to the school nurse", "expectedVersion": 1 } })).await;
    assert_eq!(r.data()["recordHubDecision"]["decision"]["late"], true, "{}", r.raw);
    let r = app
        .gql(
            "hub.worker",
            "query($id: ID!) { requestForSupport(id: $id) { overdue decision { late } } }",
            json!({ "id": ids[0] }),
        )
        .await;
    assert_eq!(r.data()["requestForSupport"], json!({ "overdue": false, "decision": { "late": true } }));
    let r = app.gql("hub.worker", q, json!({ "after": "garbage" })).await;
    assert_eq!(r.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn decisions_that_open_cases_follow_the_open_case_rules() {
    let app = TestApp::new().await;
    let alpha = fixtures::team_of(&app, "tm.alpha").await;
    let (id, child, _) = submit_request(&app, "partner.school", request_input("Rulesfamily")).await;
    let s47 = |version: i64| json!({ "i": { "requestId": id, "outcome": "STRATEGY_DISCUSSION", "decidedLevel": "SPECIALIST", "rationale": "Significant harm suspected", "feedback": "A strategy discussion is being held", "expectedVersion": version, "teamId": gid("Team", alpha) } });
    // Children must be matched first.
    let r = app.gql("hub.worker", DECIDE, s47(1)).await;
    assert_eq!(r.user_errors("recordHubDecision"), vec![("input.requestId".into(), "NOT_MATCHED".into())]);
    // Matched to a child who already has an open case: the whole decision rolls back.
    let open = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let r = app.gql("hub.worker", "mutation($i: MatchRequestChildInput!) { matchRequestChild(input: $i) { requestChild { matched } userErrors { code } } }", json!({ "i": { "requestChildId": child, "childId": gid("Child", open.child_id) } })).await;
    assert_eq!(r.data()["matchRequestChild"]["requestChild"]["matched"], true, "{}", r.raw);
    let before = (app.count("cases").await, app.count("hub_decisions").await);
    let r = app.gql("hub.worker", DECIDE, s47(1)).await;
    assert_eq!(r.user_errors("recordHubDecision"), vec![("input.requestId.children.0".into(), "ALREADY_OPEN".into())]);
    assert_eq!((app.count("cases").await, app.count("hub_decisions").await), before);
    let r = app.gql("hub.worker", GET, json!({ "id": id })).await;
    assert_eq!(r.data()["requestForSupport"]["status"], "RECEIVED");
    // Stale version.
    let r = app.gql("hub.worker", DECIDE, s47(7)).await;
    assert_eq!(r.user_errors("recordHubDecision"), vec![("input.expectedVersion".into(), "CONFLICT".into())]);
    // Passing it to the allocated worker is the right outcome for an open case.
    let r = app.gql("hub.worker", DECIDE, json!({ "i": { "requestId": id, "outcome": "PASS_TO_ALLOCATED_WORKER", "decidedLevel": "SPECIALIST", "rationale": "Case already open", "feedback": "Passed to the allocated social worker", "expectedVersion": 1 } })).await;
    assert_eq!(r.user_errors("recordHubDecision"), vec![], "{}", r.raw);
    assert_eq!(app.count("cases").await, before.0);
    // Matching to a child the hub may not see (restricted) looks like not found.
    let (_, other_child, _) = submit_request(&app, "partner.school", request_input("Hiddenfamily")).await;
    let restricted = fixtures::open_case_of(&app, "sw.alpha1", true).await;
    let r = app.gql("hub.worker", "mutation($i: MatchRequestChildInput!) { matchRequestChild(input: $i) { requestChild { matched } userErrors { field code } } }", json!({ "i": { "requestChildId": other_child, "childId": gid("Child", restricted.child_id) } })).await;
    assert_eq!(
        r.data()["matchRequestChild"]["userErrors"],
        json!([{ "field": ["input", "childId"], "code": "NOT_FOUND" }])
    );
}

#[tokio::test]
async fn integration_clients_need_the_requests_scope() {
    let app = TestApp::new().await;
    let r = app.gql("integration.police", SUBMIT, json!({ "i": request_input("Policefamily") })).await;
    assert_eq!(r.user_errors("submitRequestForSupport"), vec![], "{}", r.raw);
    let mut claims = app.claims("integration.police");
    claims["scope"] = json!("partner_updates:write");
    let r = app
        .post(Some(&sign(&claims)), &json!({ "query": SUBMIT, "variables": { "i": request_input("Policefamily") } }))
        .await;
    assert_eq!(r.code(), "FORBIDDEN");
    let r = app
        .post(Some(&sign(&claims)), &json!({ "query": "{ requestsForSupport(first: 5) { edges { node { id } } } }" }))
        .await;
    assert_eq!(r.code(), "FORBIDDEN", "a write-only client cannot read");
}

#[tokio::test]
async fn advice_line_consultations_hold_no_identity() {
    let app = TestApp::new().await;
    // The input type offers no field for a child, a family or an address.
    let sdl = casegraph::graphql::sdl();
    let start = sdl.find("input LogAdviceConsultationInput {").unwrap();
    let body = &sdl[start..start + sdl[start..].find("\n}").unwrap()];
    let fields: Vec<&str> = body
        .lines()
        .skip(1)
        .map(str::trim)
        // Field lines (`name: Type`), not their descriptions.
        .filter_map(|l| l.split_once(':').map(|(name, _)| name))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()))
        .collect();
    assert_eq!(
        fields,
        [
            "calledAt",
            "durationMinutes",
            "callerAgencyType",
            "concernCategories",
            "levelDiscussed",
            "summary",
            "outcome",
            "requestForSupportAdvised"
        ]
    );
    let log = "mutation($i: LogAdviceConsultationInput!) { logAdviceConsultation(input: $i) { consultation { id summary outcome } userErrors { field code } } }";
    let input = |summary: &str| json!({ "i": { "calledAt": "2026-11-20T10:00:00Z", "durationMinutes": 15, "callerAgencyType": "HEALTH_VISITOR", "concernCategories": ["DOMESTIC_ABUSE_PARENT"], "levelDiscussed": "INTENSIVE", "summary": summary, "outcome": "REQUEST_FOR_SUPPORT_ADVISED", "requestForSupportAdvised": true } });
    // The advice line's findings: a child on record by name, a parent and a son by name, a street.
    let on_record = fixtures::children(&app).await.into_iter().next().unwrap();
    let named = format!(
        "worried about {} {} lately",
        on_record.given_name.to_lowercase(),
        on_record.family_name.to_lowercase()
    );
    for identifying in [
        "Baby born 03/09/2026, mum worried",
        "Family at FY1 4AB",
        "NHS no 9434765919",
        "Child is Echo Fixturly, aged 7",
        "Mum Sarah Smith says son Jack is not sleeping",
        "lives on Mockley Street",
        named.as_str(),
    ] {
        let r = app.gql("hub.worker", log, input(identifying)).await;
        assert_eq!(
            r.data()["logAdviceConsultation"]["userErrors"],
            json!([{ "field": ["input", "summary"], "code": "LOOKS_IDENTIFYING" }]),
            "{identifying}"
        );
    }
    // The message says what looked identifying, never the text itself.
    let r = app
        .gql(
            "hub.worker",
            "mutation($i: LogAdviceConsultationInput!) { logAdviceConsultation(input: $i) { userErrors { message } } }",
            input(&named),
        )
        .await;
    let message = r.data()["logAdviceConsultation"]["userErrors"][0]["message"].as_str().unwrap().to_string();
    assert!(message.contains("the full name of a child on record"), "{message}");
    assert!(!message.to_lowercase().contains(&on_record.family_name.to_lowercase()), "{message}");
    assert_eq!(app.count("advice_consultations").await, 0);
    let r = app
        .gql("hub.worker", log, input("Health visitor worried about domestic abuse; advised a request for support."))
        .await;
    assert_eq!(r.data()["logAdviceConsultation"]["userErrors"], json!([]), "{}", r.raw);
    let r = app.gql("partner.health", log, input("x")).await;
    assert_eq!(r.code(), "FORBIDDEN");
    let r = app
        .gql(
            "hub.worker",
            "{ adviceConsultations(first: 5) { edges { node { outcome callerAgencyType } } } }",
            json!({}),
        )
        .await;
    assert_eq!(r.data()["adviceConsultations"]["edges"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn bank_holidays_are_reference_data_admins_edit() {
    let app = TestApp::new().await;
    let r = app.gql("partner.school", "{ bankHolidays(year: 2026) { date title substitute } }", json!({})).await;
    let days = r.data()["bankHolidays"].as_array().unwrap();
    assert_eq!(days.len(), 8, "{}", r.raw);
    assert!(days.iter().any(|d| d["date"] == "2026-12-28" && d["substitute"] == true));
    assert!(days.iter().any(|d| d["date"] == "2026-04-03"), "Good Friday");
    let set = "mutation($i: SetBankHolidayInput!) { setBankHoliday(input: $i) { bankHoliday { date kind } userErrors { field code } } }";
    let r = app
        .gql(
            "admin",
            set,
            json!({ "i": { "date": "2026-12-24", "title": "Council closure day", "kind": "LOCAL_CLOSURE" } }),
        )
        .await;
    assert_eq!(r.data()["setBankHoliday"]["bankHoliday"]["kind"], "LOCAL_CLOSURE", "{}", r.raw);
    let r = app.gql("admin", set, json!({ "i": { "date": "2026-12-24", "title": "x", "kind": "PARTY" } })).await;
    assert_eq!(r.data()["setBankHoliday"]["userErrors"], json!([{ "field": ["input", "kind"], "code": "INVALID" }]));
    assert_eq!(
        app.gql("hub.worker", set, json!({ "i": { "date": "2026-12-24", "title": "x", "kind": "LOCAL_CLOSURE" } }))
            .await
            .code(),
        "FORBIDDEN"
    );
    let cal = calendar::load(&app.db).await.unwrap();
    assert!(!cal.is_working_day(chrono::NaiveDate::from_ymd_opt(2026, 12, 24).unwrap()));
}

#[tokio::test]
async fn submissions_and_reads_are_audited() {
    let app = TestApp::new().await;
    let r = app.gql("partner.school", SUBMIT, json!({ "i": request_input("Auditfamily") })).await;
    let rid = r.headers["x-request-id"].to_str().unwrap().to_string();
    let rows = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::RequestId.eq(rid))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        rows.iter().any(|a| a.record_type == "REQUEST_FOR_SUPPORT" && a.action == entity::enums::AuditAction::Create),
        "{rows:?}"
    );
    let id = r.data()["submitRequestForSupport"]["request"]["id"].as_str().unwrap().to_string();
    let r = app.gql("hub.worker", GET, json!({ "id": id })).await;
    let rows = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::RequestId.eq(r.headers["x-request-id"].to_str().unwrap()))
        .all(&app.db)
        .await
        .unwrap();
    assert!(
        rows.iter().any(|a| a.record_type == "REQUEST_FOR_SUPPORT" && a.action == entity::enums::AuditAction::Read)
    );
}

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// A request submitted without a safeguarding-lead discussion, or at level 1 or 2, is accepted
/// with warnings saying what the thresholds guidance expects; otherwise `warnings: []`. A refused
/// request carries none.
#[tokio::test]
async fn guidance_at_intake_comes_as_warnings() {
    let app = TestApp::new().await;
    let q = "mutation($i: SubmitRequestForSupportInput!) { submitRequestForSupport(input: $i) { request { id status } userErrors { field } warnings { code message } } }";
    let codes = |r: &Resp| -> Vec<String> {
        r.data()["submitRequestForSupport"]["warnings"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.raw))
            .iter()
            .map(|w| w["code"].as_str().unwrap().to_string())
            .collect()
    };
    let r = app.gql("partner.school", q, json!({ "i": request_input("Guidanceone") })).await;
    assert_eq!(r.data()["submitRequestForSupport"]["warnings"], json!([]), "{}", r.raw);
    let mut alone = request_input("Guidancetwo");
    alone["discussedWithSafeguardingLead"] = json!(false);
    alone.as_object_mut().unwrap().remove("safeguardingLeadName");
    alone.as_object_mut().unwrap().remove("safeguardingLeadConsultedOn");
    alone["referrerLevel"] = json!("UNIVERSAL_PLUS");
    let r = app.gql("partner.school", q, json!({ "i": alone })).await;
    assert_eq!(r.data()["submitRequestForSupport"]["request"]["status"], "RECEIVED", "accepted: {}", r.raw);
    assert_eq!(codes(&r), ["NO_SAFEGUARDING_LEAD_DISCUSSION", "BELOW_STATUTORY_THRESHOLD"]);
    let text = r.data()["submitRequestForSupport"]["warnings"][0]["message"].as_str().unwrap();
    assert!(text.contains("safeguarding lead"), "{text}");
    let mut universal = request_input("Guidancethree");
    universal["referrerLevel"] = json!("UNIVERSAL");
    let r = app.gql("partner.school", q, json!({ "i": universal })).await;
    assert_eq!(codes(&r), ["BELOW_STATUTORY_THRESHOLD"]);
    let mut refused = request_input("Guidancefour");
    refused["referrerLevel"] = json!("UNIVERSAL");
    refused["concerns"] = json!("");
    let r = app.gql("partner.school", q, json!({ "i": refused })).await;
    assert!(r.data()["submitRequestForSupport"]["request"].is_null(), "{}", r.raw);
    assert_eq!(codes(&r), Vec::<String>::new(), "a refused request carries no guidance");
}

/// Every signed-in caller can read the numbers a portal shows: the MASH for immediate risk of
/// significant harm and the advice line with the hub's hours and whether it is open now.
#[tokio::test]
async fn service_contacts_give_the_mash_and_the_advice_line_with_its_hours() {
    let app = TestApp::new().await;
    let q = "{ serviceContacts { mash { name phone purpose } adviceLine { line { phone purpose } hours { weekday opens closes } openNow nextOpensAt } } }";
    for who in ["partner.school", "integration.police", "analyst", "hub.worker"] {
        let r = app.gql(who, q, json!({})).await;
        let c = &r.data()["serviceContacts"];
        assert_eq!(c["mash"]["phone"], "01253 477299", "{who}: {}", r.raw);
        assert_eq!(c["adviceLine"]["line"]["phone"], "01253 478959");
        let hours = c["adviceLine"]["hours"].as_array().unwrap();
        let days: Vec<&str> = hours.iter().map(|h| h["weekday"].as_str().unwrap()).collect();
        assert_eq!(days, ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY"]);
        assert_eq!((hours[0]["opens"].as_str(), hours[0]["closes"].as_str()), (Some("09:00"), Some("17:00")));
        assert_eq!(hours[4]["closes"], "16:30");
        // Open now exactly when the next opening is now (the calendar's own rule).
        let next: DateTime<Utc> = c["adviceLine"]["nextOpensAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(c["adviceLine"]["openNow"], json!(next <= Utc::now()), "{}", r.raw);
    }
}

/// A safeguarding lead sees who referred from their own organisation; a partner still sees only
/// themselves, and nobody outside the organisation (or the hub) sees the referrer's colleagues.
#[tokio::test]
async fn a_safeguarding_lead_sees_who_referred_in_their_organisation() {
    let app = TestApp::new().await;
    let (id, _, _) = submit_request(&app, "partner.school", request_input("Whoreferred")).await;
    let q = "query($id: ID!) { requestForSupport(id: $id) { referrer { id displayName } } }";
    let r = app.gql("dsl.school", q, json!({ "id": id })).await;
    assert_eq!(
        r.data()["requestForSupport"]["referrer"]["id"],
        gid("Staff", app.staff_id("partner.school")),
        "{}",
        r.raw
    );
    for who in ["partner.school", "hub.worker"] {
        let r = app.gql(who, q, json!({ "id": id })).await;
        assert!(r.data()["requestForSupport"]["referrer"].is_object(), "{who}: {}", r.raw);
    }
    // Another organisation's safeguarding lead sees neither the request nor its referrer.
    let r = app.gql("dsl.health", q, json!({ "id": id })).await;
    assert_eq!(r.code(), "NOT_FOUND");
    let viewer = "query($id: ID!) { node(id: $id) { id } }";
    let r = app.gql("dsl.health", viewer, json!({ "id": gid("Staff", app.staff_id("partner.school")) })).await;
    assert!(r.body["data"]["node"].is_null() || r.code() == "NOT_FOUND", "{}", r.raw);
}
