//! Issue 19: integrating agencies. The outbox written with each change, webhooks delivered to a
//! real HTTP receiver on a loopback port (signatures checked with the test's own HMAC), retries,
//! dead letters and replays, two deliverers racing on one database, the events feed and its
//! cursors, the case management system's feed, and agencies reading back their requests.
use crate::common::*;
use crate::fixtures;
use axum::http::{HeaderMap, StatusCode};
use base64::{Engine, engine::general_purpose::STANDARD};
use casegraph::domain::webhook::Settings;
use casegraph::webhooks::Dispatcher;
use hmac::{Hmac, Mac};
use sea_orm::{EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// What the receiver was sent.
#[derive(Debug, Clone)]
struct Got {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
    answered: u16,
}

/// The statuses still to answer, the status after them, and what arrived.
type Script = (VecDeque<u16>, u16, Vec<Got>);

/// A webhook receiver on a loopback port: answers from a script of statuses (then `default`).
#[derive(Clone)]
struct Receiver {
    url: String,
    state: Arc<Mutex<Script>>,
}

impl Receiver {
    async fn start(script: &[u16], default: u16) -> Receiver {
        let state = Arc::new(Mutex::new((script.iter().copied().collect::<VecDeque<u16>>(), default, vec![])));
        let s = state.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let s = s.clone();
                async move {
                    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                    let answered = {
                        let mut st = s.lock().unwrap();
                        let answered = st.0.pop_front().unwrap_or(st.1);
                        st.2.push(Got {
                            id: h("webhook-id"),
                            timestamp: h("webhook-timestamp"),
                            signature: h("webhook-signature"),
                            body,
                            answered,
                        });
                        answered
                    };
                    // 599 in a script: answer 200, but only after 3 s (past the sender's timeout).
                    let answered = if answered == 599 {
                        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                        200
                    } else {
                        answered
                    };
                    let mut res = axum::response::Response::new(axum::body::Body::empty());
                    *res.status_mut() = StatusCode::from_u16(answered).unwrap();
                    if answered == 302 {
                        res.headers_mut().insert("location", "http://127.0.0.1:9/elsewhere".parse().unwrap());
                    }
                    res
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Receiver { url, state }
    }

    fn got(&self) -> Vec<Got> {
        self.state.lock().unwrap().2.clone()
    }

    fn answer(&self, default: u16) {
        self.state.lock().unwrap().1 = default;
    }
}

/// The test's own Standard Webhooks check: HMAC-SHA256 over `id.timestamp.body` with the
/// base64 key after `whsec_`, compared with each `v1,` signature in the header.
fn verify(secret: &str, g: &Got) -> bool {
    let key = STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", g.id, g.timestamp, g.body).as_bytes());
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    g.signature.split(' ').any(|s| s.strip_prefix("v1,") == Some(expected.as_str()))
}

fn settings(max_attempts: i32) -> Arc<Settings> {
    settings_with(max_attempts, std::time::Duration::from_secs(2))
}

fn settings_with(max_attempts: i32, timeout: std::time::Duration) -> Arc<Settings> {
    Arc::new(Settings {
        https_only: false,
        allow_hosts: vec!["127.0.0.1".into()],
        timeout,
        max_attempts,
        backoff: std::time::Duration::ZERO,
        retention: chrono::Duration::days(30),
    })
}

const CREATE: &str = "mutation($i: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $i) { subscription { id version active } secret userErrors { field code message } } }";

/// Registers `url` for `org` (a seeded organisation's handle's org) as the admin: (ID, secret).
async fn subscribe(app: &TestApp, org_of: &str, url: &str, types: &[&str]) -> (String, String) {
    let org = gid("Organisation", app.staff[org_of].organisation_id);
    let r = app.gql("admin", CREATE, json!({ "i": { "organisationId": org, "url": url, "eventTypes": types } })).await;
    let p = &r.data()["createWebhookSubscription"];
    assert_eq!(p["userErrors"], json!([]), "{}", r.raw);
    (p["subscription"]["id"].as_str().unwrap().to_string(), p["secret"].as_str().unwrap().to_string())
}

/// On PostgreSQL an event is readable once no transaction older than its own is still running
/// anywhere in the cluster (other tests run beside this one): waits for that, as a poller would.
async fn settle(app: &TestApp) {
    if app.db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    for _ in 0..100 {
        let waiting = app.count("events WHERE txid >= pg_snapshot_xmin(pg_current_snapshot())::text::bigint").await;
        if waiting == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("events still not readable after 5 s");
}

/// One delivery pass once every committed event is readable.
async fn pass(app: &TestApp, d: &Dispatcher) -> usize {
    settle(app).await;
    d.run_once().await.unwrap()
}

fn body(g: &Got) -> Value {
    serde_json::from_str(&g.body).unwrap()
}

async fn events_of(app: &TestApp, kind: &str) -> Vec<entity::event::Model> {
    entity::event::Entity::find()
        .filter(sea_orm::ColumnTrait::eq(&entity::event::Column::Kind, kind))
        .order_by_asc(entity::event::Column::Seq)
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn events_are_written_with_their_change_and_never_without_it() {
    let app = TestApp::new().await;
    let case = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, case.child_id).await;
    // A partner update that matches: the sender's "received" and the authority's "matched".
    let (update, _) = fixtures::submit_update(&app, "partner.school", &child, false).await;
    let received = events_of(&app, "partner_update.received").await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].org_id, Some(app.staff["partner.school"].organisation_id));
    assert_eq!(received[0].subject_id, uuid_of(&update));
    let data: Value = serde_json::from_str(&received[0].payload).unwrap();
    assert_eq!(data["partnerUpdateId"], update.as_str());
    assert!(
        data.get("childId").is_none() && data.get("matched").is_none(),
        "the sender's event says nothing of a match"
    );
    let matched = events_of(&app, "partner_update.matched").await;
    assert_eq!(matched.len(), 1);
    assert_eq!(matched[0].org_id, None, "the local authority's only");
    // A request: received; a stale decision is refused and writes nothing.
    let (request, _, version) =
        fixtures::submit_request(&app, "partner.school", fixtures::request_input("Outboxfamily")).await;
    assert_eq!(events_of(&app, "request.received").await.len(), 1);
    let r = app
        .gql(
            "hub.worker",
            fixtures::DECIDE,
            json!({ "i": { "requestId": request, "outcome": "NO_FURTHER_ACTION", "decidedLevel": "UNIVERSAL",
                           "rationale": "r", "feedback": "f", "expectedVersion": version + 5 } }),
        )
        .await;
    assert_ne!(r.data()["recordHubDecision"]["userErrors"], json!([]), "{}", r.raw);
    assert!(events_of(&app, "request.decided").await.is_empty(), "a refused change leaves no event");
    // A transaction that wrote an event and rolled back leaves none.
    let before = app.count("events").await;
    let stored =
        entity::request_for_support::Entity::find_by_id(uuid_of(&request)).one(&app.db).await.unwrap().unwrap();
    let e = casegraph::domain::outbox::events::request_withdrawn(&stored);
    let txn = app.db.begin().await.unwrap();
    casegraph::domain::outbox::emit(&txn, &[e]).await.unwrap();
    txn.rollback().await.unwrap();
    assert_eq!(app.count("events").await, before);
    // Deciding writes the referrer's event.
    fixtures::decide(
        &app,
        "hub.worker",
        json!({ "requestId": request, "outcome": "NO_FURTHER_ACTION", "decidedLevel": "UNIVERSAL",
                "rationale": "r", "feedback": "f", "expectedVersion": version }),
    )
    .await;
    let decided = events_of(&app, "request.decided").await;
    assert_eq!(decided.len(), 1);
    assert_eq!(decided[0].org_id, Some(app.staff["partner.school"].organisation_id));
}

#[tokio::test]
async fn webhooks_are_signed_retried_and_each_event_delivered_once() {
    let app = TestApp::new().await;
    let receiver = Receiver::start(&[500, 500], 200).await;
    let (_, secret) = subscribe(&app, "partner.school", &receiver.url, &["REQUEST_RECEIVED", "REQUEST_DECIDED"]).await;
    let d = Dispatcher::new(app.db.clone(), settings(5));
    let (request, _, version) =
        fixtures::submit_request(&app, "partner.school", fixtures::request_input("Hookfamily")).await;
    // Fails twice, then succeeds: three sends of one event, each with the same webhook-id.
    assert_eq!(pass(&app, &d).await, 0);
    assert_eq!(pass(&app, &d).await, 0);
    assert_eq!(pass(&app, &d).await, 1);
    assert_eq!(pass(&app, &d).await, 0, "nothing sent twice");
    let got = receiver.got();
    assert_eq!(got.iter().map(|g| g.answered).collect::<Vec<_>>(), [500, 500, 200]);
    assert!(got.iter().all(|g| g.id == got[0].id), "the same webhook-id on every attempt");
    for g in &got {
        assert!(verify(&secret, g), "signature: {g:?}");
        assert!((g.timestamp.parse::<i64>().unwrap() - chrono::Utc::now().timestamp()).abs() < 60);
    }
    let b = body(&got[2]);
    assert_eq!(b["type"], "request.received");
    assert_eq!(b["id"], got[2].id);
    assert_eq!(b["data"]["requestId"], request.as_str());
    // A tampered body fails the check.
    let mut forged = got[2].clone();
    forged.body = forged.body.replace("request.received", "request.decided");
    assert!(!verify(&secret, &forged));
    // The decision follows, in order; the case the hub's system sees is not sent to the school.
    fixtures::decide(
        &app,
        "hub.worker",
        json!({ "requestId": request, "outcome": "NO_FURTHER_ACTION", "decidedLevel": "UNIVERSAL",
                "rationale": "r", "feedback": "f", "expectedVersion": version }),
    )
    .await;
    assert_eq!(pass(&app, &d).await, 1);
    let got = receiver.got();
    assert_eq!(body(&got[3])["type"], "request.decided");
    assert_eq!(body(&got[3])["data"]["outcome"], "NO_FURTHER_ACTION");
    // The admin sees the attempts.
    let q =
        "{ webhookSubscriptions { failedAttempts lastStatus deliveries(first: 10) { outcome statusCode attempt } } }";
    let r = app.gql("admin", q, json!({})).await;
    let outcomes: Vec<&str> = r.data()["webhookSubscriptions"][0]["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "DELIVERED").count(), 2, "{}", r.raw);
    assert_eq!(outcomes.iter().filter(|o| **o == "FAILED").count(), 2, "{}", r.raw);

    // Rotation: the new secret signs, and the old one too during the overlap.
    let list = app.gql("admin", "{ webhookSubscriptions { id } }", json!({})).await;
    let id = list.data()["webhookSubscriptions"][0]["id"].as_str().unwrap().to_string();
    let rot = app
        .gql(
            "admin",
            "mutation($i: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $i) { secret subscription { previousSecretUntil } userErrors { code } } }",
            json!({ "i": { "id": id, "overlapHours": 1 } }),
        )
        .await;
    let new_secret = rot.data()["rotateWebhookSecret"]["secret"].as_str().unwrap().to_string();
    assert_ne!(new_secret, secret);
    fixtures::submit_request(&app, "partner.school", fixtures::request_input("Rotatefamily")).await;
    assert_eq!(pass(&app, &d).await, 1);
    let last = receiver.got().pop().unwrap();
    assert!(verify(&new_secret, &last) && verify(&secret, &last), "both secrets sign during the overlap");
}

#[tokio::test]
async fn a_dead_endpoint_ends_in_dead_letter_and_replays_gone_stops_and_redirects_fail() {
    let app = TestApp::new().await;
    let receiver = Receiver::start(&[], 500).await;
    let (sub_id, secret) = subscribe(&app, "partner.school", &receiver.url, &["REQUEST_RECEIVED"]).await;
    let d = Dispatcher::new(app.db.clone(), settings(3));
    fixtures::submit_request(&app, "partner.school", fixtures::request_input("Deadfamily")).await;
    fixtures::submit_request(&app, "partner.school", fixtures::request_input("Nextfamily")).await;
    // Three attempts at the first event, then a dead letter, and on to the second (which fails
    // once in the same pass).
    for _ in 0..3 {
        pass(&app, &d).await;
    }
    let q = "query($id: ID) { webhookSubscriptions(organisationId: $id) { deadLetters { id eventId attempts status lastError } } }";
    let org = gid("Organisation", app.staff["partner.school"].organisation_id);
    let r = app.gql("admin", q, json!({ "id": org })).await;
    let dead = r.data()["webhookSubscriptions"][0]["deadLetters"].as_array().unwrap().clone();
    assert_eq!(dead.len(), 1, "{}", r.raw);
    assert_eq!(dead[0]["status"], "DEAD");
    assert_eq!(dead[0]["attempts"], 3);
    assert_eq!(dead[0]["lastError"], "the endpoint answered 500");
    let first_id = receiver.got()[0].id.clone();
    assert_eq!(dead[0]["eventId"], first_id.as_str());
    // The endpoint recovers; the admin replays the dead letter: it is sent again (same
    // webhook-id) before the endpoint's next events, and both arrive.
    receiver.answer(200);
    let replay = app
        .gql(
            "admin",
            "mutation($i: ReplayWebhookDeadLetterInput!) { replayWebhookDeadLetter(input: $i) { deadLetter { status } userErrors { code } } }",
            json!({ "i": { "id": dead[0]["id"] } }),
        )
        .await;
    assert_eq!(replay.data()["replayWebhookDeadLetter"]["deadLetter"]["status"], "REPLAY_PENDING", "{}", replay.raw);
    pass(&app, &d).await;
    let ok: Vec<Got> = receiver.got().into_iter().filter(|g| g.answered == 200).collect();
    assert_eq!(ok.len(), 2, "{ok:?}");
    assert_eq!(ok[0].id, first_id, "the replay first");
    assert!(ok.iter().all(|g| verify(&secret, g)));
    let r = app.gql("admin", q, json!({ "id": org })).await;
    assert_eq!(r.data()["webhookSubscriptions"][0]["deadLetters"][0]["status"], "REPLAYED");
    pass(&app, &d).await;
    assert_eq!(receiver.got().iter().filter(|g| g.answered == 200).count(), 2, "nothing sent twice");

    // A redirect is a failed attempt (not followed); 410 Gone stops the subscription.
    receiver.answer(302);
    fixtures::submit_request(&app, "partner.school", fixtures::request_input("Movedfamily")).await;
    pass(&app, &d).await;
    let subs =
        app.gql("admin", "{ webhookSubscriptions { active lastError deactivatedReason version } }", json!({})).await;
    assert_eq!(subs.data()["webhookSubscriptions"][0]["lastError"], "the endpoint redirected (not followed)");
    receiver.answer(410);
    pass(&app, &d).await;
    let subs = app.gql("admin", "{ webhookSubscriptions { active deactivatedReason version } }", json!({})).await;
    assert_eq!(subs.data()["webhookSubscriptions"][0]["active"], false, "{}", subs.raw);
    assert_eq!(subs.data()["webhookSubscriptions"][0]["deactivatedReason"], "the endpoint answered 410 Gone");
    let sent = receiver.got().len();
    pass(&app, &d).await;
    assert_eq!(receiver.got().len(), sent, "a stopped subscription gets nothing");
    // Resumed, it carries on from the event that was refused.
    receiver.answer(200);
    let version = subs.data()["webhookSubscriptions"][0]["version"].as_i64().unwrap();
    let r = app
        .gql(
            "admin",
            "mutation($i: UpdateWebhookSubscriptionInput!) { updateWebhookSubscription(input: $i) { subscription { active } userErrors { code } } }",
            json!({ "i": { "id": sub_id, "active": true, "expectedVersion": version } }),
        )
        .await;
    assert_eq!(r.data()["updateWebhookSubscription"]["subscription"]["active"], true, "{}", r.raw);
    assert_eq!(pass(&app, &d).await, 1);
}

#[tokio::test]
async fn two_deliverers_on_one_database_send_each_event_exactly_once() {
    let app = TestApp::new().await;
    let receiver = Receiver::start(&[], 200).await;
    subscribe(&app, "partner.school", &receiver.url, &["REQUEST_RECEIVED"]).await;
    for i in 0..12 {
        fixtures::submit_request(&app, "partner.school", fixtures::request_input(&format!("Racefamily{i}"))).await;
    }
    // A second instance: on PostgreSQL its own pool on the same database; SQLite has one
    // process owning its file, so there the two deliverers share it.
    let other = if app.db.get_database_backend() == sea_orm::DbBackend::Postgres {
        sea_orm::Database::connect(app.url()).await.unwrap()
    } else {
        app.db.clone()
    };
    let (a, b) = (Dispatcher::new(app.db.clone(), settings(5)), Dispatcher::new(other, settings(5)));
    settle(&app).await;
    let run = |d: Dispatcher| async move {
        let mut n = 0;
        for _ in 0..6 {
            n += d.run_once().await.unwrap();
        }
        n
    };
    let (na, nb) = tokio::join!(run(a), run(b));
    assert_eq!(na + nb, 12, "{na} + {nb}");
    let got = receiver.got();
    let mut ids: Vec<&str> = got.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids.len(), 12, "no event sent twice");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12);
    // In commit order: the references rise.
    let refs: Vec<String> = got.iter().map(|g| body(g)["data"]["reference"].as_str().unwrap().to_string()).collect();
    let mut sorted = refs.clone();
    sorted.sort();
    assert_eq!(refs, sorted);
}

const FEED: &str = "query($after: String, $first: Int, $types: [EventType!]) { events(after: $after, first: $first, types: $types) { edges { cursor node { eventId type occurredAt data } } endCursor hasNextPage } }";

#[tokio::test]
async fn the_feed_shows_an_organisation_its_own_events_in_order() {
    let app = TestApp::new().await;
    // The school's request, the police system's own request, and a matched update the police
    // system sends.
    fixtures::submit_request(&app, "partner.school", fixtures::request_input("Schoolfamily")).await;
    let r =
        app.gql("integration.police", fixtures::SUBMIT, json!({ "i": fixtures::request_input("Policefamily") })).await;
    let police_request = r.data()["submitRequestForSupport"]["request"]["id"].as_str().unwrap().to_string();
    let case = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, case.child_id).await;
    let (update, _) = fixtures::submit_update(&app, "integration.police", &child, false).await;

    settle(&app).await;
    let r = app.gql("integration.police", FEED, json!({})).await;
    let edges = r.data()["events"]["edges"].as_array().unwrap_or_else(|| panic!("{}", r.raw)).clone();
    let types: Vec<&str> = edges.iter().map(|e| e["node"]["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["REQUEST_RECEIVED", "PARTNER_UPDATE_RECEIVED"], "{}", r.raw);
    assert_eq!(edges[0]["node"]["data"]["requestId"], police_request.as_str());
    assert_eq!(edges[1]["node"]["data"]["partnerUpdateId"], update.as_str());
    assert!(!r.raw.contains("MATCHED") && !r.raw.contains("childId"), "never whether the child is known");
    // The local authority's system sees everything, matched included; a type filter narrows it.
    settle(&app).await;
    let r = app.gql("integration.cms", FEED, json!({ "types": ["PARTNER_UPDATE_MATCHED"] })).await;
    let edges = r.data()["events"]["edges"].as_array().unwrap_or_else(|| panic!("{}", r.raw));
    assert_eq!(edges.len(), 1, "{}", r.raw);
    assert_eq!(edges[0]["node"]["data"]["caseId"], gid("Case", case.id));
    let all = app.gql("integration.cms", FEED, json!({})).await;
    assert_eq!(all.data()["events"]["edges"].as_array().unwrap().len(), 4, "{}", all.raw);
    // Paging: one at a time, on from each cursor; an empty page keeps the cursor.
    let mut after: Option<String> = None;
    let mut seen = vec![];
    for _ in 0..5 {
        let r = app.gql("integration.cms", FEED, json!({ "after": after, "first": 1 })).await;
        let page = &r.data()["events"];
        for e in page["edges"].as_array().unwrap() {
            seen.push(e["node"]["eventId"].as_str().unwrap().to_string());
        }
        after = page["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(seen.len(), 4);
    let ids: Vec<String> = all.data()["events"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["eventId"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(seen, ids);
    // Bad cursors: malformed, and older than the feed keeps.
    let r = app.gql("integration.cms", FEED, json!({ "after": "not-a-cursor" })).await;
    assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.raw);
    let old = casegraph::domain::outbox::cursor(
        casegraph::domain::outbox::Position { txid: 0, seq: 1 },
        chrono::Utc::now() - chrono::Duration::days(31),
    );
    let r = app.gql("integration.cms", FEED, json!({ "after": old })).await;
    assert_eq!(r.code(), "CURSOR_EXPIRED", "{}", r.raw);
    // Past the retention window, events are pruned (the server does it hourly).
    let gone =
        casegraph::domain::outbox::prune(&app.db, chrono::Utc::now() + chrono::Duration::seconds(1)).await.unwrap();
    assert_eq!(gone, 4);
    let r = app.gql("integration.cms", FEED, json!({})).await;
    assert_eq!(r.data()["events"]["edges"], json!([]));
    // People read their work through the API, not the feed.
    for who in ["partner.school", "hub.worker", "admin"] {
        assert_eq!(app.gql(who, FEED, json!({})).await.code(), "FORBIDDEN", "{who}");
    }
}

#[tokio::test]
async fn webhook_subscriptions_refuse_bad_input() {
    let app = TestApp::new().await;
    let school = gid("Organisation", app.staff["partner.school"].organisation_id);
    for (input, field, code) in [
        (
            json!({ "organisationId": school, "url": "http://10.0.0.8/hook", "eventTypes": ["REQUEST_RECEIVED"] }),
            "input.url",
            "INVALID",
        ),
        (
            json!({ "organisationId": school, "url": "http://169.254.169.254/latest", "eventTypes": ["REQUEST_RECEIVED"] }),
            "input.url",
            "INVALID",
        ),
        (
            json!({ "organisationId": school, "url": "ftp://example.org/", "eventTypes": ["REQUEST_RECEIVED"] }),
            "input.url",
            "INVALID",
        ),
        // A partner cannot subscribe to the authority's events (nor learn of matches).
        (
            json!({ "organisationId": school, "url": "http://127.0.0.1:9/hook", "eventTypes": ["PARTNER_UPDATE_MATCHED"] }),
            "input.eventTypes",
            "NOT_ALLOWED",
        ),
        (
            json!({ "organisationId": school, "url": "http://127.0.0.1:9/hook", "eventTypes": [] }),
            "input.eventTypes",
            "REQUIRED",
        ),
        (
            json!({ "organisationId": gid("Organisation", sea_orm::prelude::Uuid::now_v7()), "url": "http://127.0.0.1:9/hook", "eventTypes": ["REQUEST_RECEIVED"] }),
            "input.organisationId",
            "NOT_FOUND",
        ),
    ] {
        let r = app.gql("admin", CREATE, json!({ "i": input })).await;
        let errs = &r.data()["createWebhookSubscription"]["userErrors"];
        assert_eq!(errs[0]["field"], json!(field.split('.').collect::<Vec<_>>()), "{}", r.raw);
        assert_eq!(errs[0]["code"], code, "{}", r.raw);
        assert!(r.data()["createWebhookSubscription"]["secret"].is_null());
    }
    // An unknown event type is refused by the schema; only admins manage subscriptions.
    let r = app
        .gql("admin", CREATE, json!({ "i": { "organisationId": school, "url": "http://127.0.0.1:9/hook", "eventTypes": ["CHILD_ADOPTED"] } }))
        .await;
    assert!(r.body["errors"].is_array(), "{}", r.raw);
    for who in ["hub.worker", "integration.police", "tm.alpha"] {
        let r = app
            .gql(who, CREATE, json!({ "i": { "organisationId": school, "url": "http://127.0.0.1:9/hook", "eventTypes": ["REQUEST_RECEIVED"] } }))
            .await;
        assert_eq!(r.code(), "FORBIDDEN", "{who}");
    }
    assert_eq!(app.count("webhook_subscriptions").await, 0, "nothing stored");
}

#[tokio::test]
async fn the_case_management_system_records_matched_updates_and_agencies_read_back_requests() {
    let app = TestApp::new().await;
    let case = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, case.child_id).await;
    let (update, _) = fixtures::submit_update(&app, "partner.school", &child, false).await;
    fixtures::submit_update_named(&app, "partner.school", "Unknownchild", "Nobodyfamily").await;
    let q = "query($f: PartnerUpdateFilter) { partnerUpdates(filter: $f, first: 20) { edges { node { id details matched recordedAt recordReference } } } }";
    // The CMS sees the matched update, with its content, as not yet recorded; not the unmatched.
    let r = app.gql("integration.cms", q, json!({ "f": { "recorded": false } })).await;
    let edges = r.data()["partnerUpdates"]["edges"].as_array().unwrap().clone();
    assert_eq!(edges.len(), 1, "{}", r.raw);
    assert_eq!(edges[0]["node"]["id"], update.as_str());
    assert_eq!(edges[0]["node"]["matched"], true);
    assert!(edges[0]["node"]["details"].as_str().unwrap().contains("school nurse"));
    let ack = "mutation($i: AcknowledgePartnerUpdateRecordedInput!) { acknowledgePartnerUpdateRecorded(input: $i) { partnerUpdate { recordedAt recordReference } userErrors { field code } } }";
    let r = app
        .gql("integration.cms", ack, json!({ "i": { "partnerUpdateId": update, "recordReference": "CMS-ENTRY-42" } }))
        .await;
    assert_eq!(
        r.data()["acknowledgePartnerUpdateRecorded"]["partnerUpdate"]["recordReference"],
        "CMS-ENTRY-42",
        "{}",
        r.raw
    );
    let r = app.gql("integration.cms", q, json!({ "f": { "recorded": false } })).await;
    assert_eq!(r.data()["partnerUpdates"]["edges"], json!([]), "{}", r.raw);
    // The hub sees it recorded; before, it would have been in its "not yet recorded" list.
    let r = app.gql("hub.worker", q, json!({ "f": { "recorded": true } })).await;
    assert_eq!(r.data()["partnerUpdates"]["edges"][0]["node"]["recordReference"], "CMS-ENTRY-42", "{}", r.raw);
    // The sender learns nothing of it, may not filter by it, and no other system may acknowledge.
    let r = app.gql("partner.school", q, json!({})).await;
    for e in r.data()["partnerUpdates"]["edges"].as_array().unwrap() {
        assert!(e["node"]["recordedAt"].is_null() && e["node"]["matched"].is_null(), "{}", r.raw);
    }
    assert_eq!(app.gql("partner.school", q, json!({ "f": { "recorded": false } })).await.code(), "BAD_USER_INPUT");
    let r =
        app.gql("integration.police", ack, json!({ "i": { "partnerUpdateId": update, "recordReference": "X" } })).await;
    assert_eq!(r.code(), "FORBIDDEN", "{}", r.raw);

    // Agencies read back what they sent: the police system's request, decided by the hub.
    let r = app
        .gql("integration.police", fixtures::SUBMIT, json!({ "i": fixtures::request_input("Readbackfamily") }))
        .await;
    let req = r.data()["submitRequestForSupport"]["request"].clone();
    let version = req["version"].as_i64().unwrap();
    fixtures::decide(
        &app,
        "hub.worker",
        json!({ "requestId": req["id"], "outcome": "SIGNPOST_UNIVERSAL", "decidedLevel": "UNIVERSAL_PLUS",
                "rationale": "Needs met by universal services", "feedback": "Signposted to the family hub",
                "expectedVersion": version }),
    )
    .await;
    let r = app
        .gql(
            "integration.police",
            "{ requestsForSupport(first: 10) { edges { node { id status decision { outcome feedback } } } } }",
            json!({}),
        )
        .await;
    let edges = r.data()["requestsForSupport"]["edges"].as_array().unwrap().clone();
    assert_eq!(edges.len(), 1, "only its organisation's: {}", r.raw);
    assert_eq!(edges[0]["node"]["status"], "DECIDED");
    assert_eq!(edges[0]["node"]["decision"]["outcome"], "SIGNPOST_UNIVERSAL");
    assert_eq!(edges[0]["node"]["decision"]["feedback"], "Signposted to the family hub");
}

#[tokio::test]
async fn a_slow_receiver_times_out_and_another_organisation_gets_nothing() {
    let app = TestApp::new().await;
    let school = Receiver::start(&[599], 200).await;
    let health = Receiver::start(&[], 200).await;
    subscribe(&app, "partner.school", &school.url, &["REQUEST_RECEIVED", "REQUEST_DECIDED"]).await;
    subscribe(&app, "partner.health", &health.url, &["REQUEST_RECEIVED", "REQUEST_DECIDED"]).await;
    let d = Dispatcher::new(app.db.clone(), settings_with(5, std::time::Duration::from_secs(1)));
    fixtures::submit_request(&app, "partner.school", fixtures::request_input("Slowfamily")).await;
    // The first send outlasts the timeout: a failed attempt, sent again on the next pass.
    assert_eq!(pass(&app, &d).await, 0);
    let r = app
        .gql("admin", "{ webhookSubscriptions { lastError deliveries(first: 5) { outcome error } } }", json!({}))
        .await;
    let subs = r.data()["webhookSubscriptions"].as_array().unwrap().clone();
    assert!(subs.iter().any(|s| s["lastError"] == "timed out"), "{}", r.raw);
    assert_eq!(pass(&app, &d).await, 1);
    let got = school.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].id, got[1].id);
    // The health visiting service's endpoint never hears of the school's request.
    assert!(health.got().is_empty());
}
