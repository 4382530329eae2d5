//! Partner updates: the mailbox as an API, matching, check windows, review, alerts (listed and
//! live over graphql-transport-ws), overdue escalation, and two instances on one database.
use crate::common::*;
use crate::fixtures::{self, SUBMIT_UPDATE, submit_update, submit_update_named, update_input};
use casegraph::domain::calendar;
use chrono::{DateTime, NaiveTime, Utc};
use futures_util::{SinkExt, StreamExt};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::{self, client::IntoClientRequest};

const ALERTS: &str =
    "{ alerts(first: 20) { edges { node { id kind acknowledgedAt partnerUpdate { id reference } case { id } } } } }";
const REVIEW: &str = "mutation($i: ReviewPartnerUpdateInput!) { reviewPartnerUpdate(input: $i) { partnerUpdate { id reviewed reviewAction version } userErrors { field code } } }";

async fn alert_kinds(app: &TestApp, who: &str) -> Vec<String> {
    let r = app.gql(who, ALERTS, json!({})).await;
    r.data()["alerts"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.raw))
        .iter()
        .map(|e| e["node"]["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_sender_gets_the_same_answer_whether_or_not_the_child_is_known() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let known = fixtures::child(&app, c.child_id).await;
    let a = app.gql("partner.school", SUBMIT_UPDATE, json!({ "i": update_input(&known, false) })).await;
    let mut unknown_input = update_input(&known, false);
    unknown_input["childFamilyName"] = json!("Nosuchfamily");
    let b = app.gql("partner.school", SUBMIT_UPDATE, json!({ "i": unknown_input })).await;
    let shape = |r: &Resp| {
        let mut v = r.data()["submitPartnerUpdate"].clone();
        for k in ["id", "reference", "dueAt", "receivedAt"] {
            v["partnerUpdate"][k] = json!("*");
        }
        v
    };
    assert_eq!(shape(&a), shape(&b), "matched: {} / unmatched: {}", a.raw, b.raw);
    assert!(a.data()["submitPartnerUpdate"]["partnerUpdate"]["matched"].is_null());
    assert!(a.data()["submitPartnerUpdate"]["partnerUpdate"]["reference"].as_str().unwrap().starts_with("PU-"));
    // Both are due at the same check: the SLA of the mailbox (docs/domain.md §7.3).
    for r in [&a, &b] {
        let u = &r.data()["submitPartnerUpdate"]["partnerUpdate"];
        let received: DateTime<Utc> = u["receivedAt"].as_str().unwrap().parse().unwrap();
        let due: DateTime<Utc> = u["dueAt"].as_str().unwrap().parse().unwrap();
        let cal = calendar::load(&app.db).await.unwrap();
        let (ten, three) = (NaiveTime::from_hms_opt(10, 0, 0).unwrap(), NaiveTime::from_hms_opt(15, 0, 0).unwrap());
        assert_eq!(due, cal.check_slot_due(received, ten, three));
    }
    // The matched one reached the allocated worker; the unmatched one waits in the hub's queue.
    assert_eq!(alert_kinds(&app, "sw.alpha1").await, vec!["NEW_UPDATE"]);
    let q = app
        .gql(
            "hub.worker",
            "{ partnerUpdates(first: 10, filter: {matched: false}) { edges { node { id matched } } } }",
            json!({}),
        )
        .await;
    let ids: Vec<&str> = q.data()["partnerUpdates"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![b.data()["submitPartnerUpdate"]["partnerUpdate"]["id"].as_str().unwrap()]);
    // A sender may not ask which of their updates matched.
    let r = app
        .gql(
            "partner.school",
            "{ partnerUpdates(first: 10, filter: {matched: true}) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(r.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn matching_ignores_case_accents_spaces_and_hyphens_and_refuses_ambiguity() {
    let app = TestApp::new().await;
    let zoe = fixtures::children(&app).await.into_iter().find(|c| c.given_name == "Zoë").unwrap();
    let mut input = update_input(&zoe, true);
    input["childGivenName"] = json!("  ZOE ");
    input["childFamilyName"] = json!(zoe.family_name.to_uppercase().replace('-', " "));
    let r = app.gql("partner.school", SUBMIT_UPDATE, json!({ "i": input })).await;
    let id = r.data()["submitPartnerUpdate"]["partnerUpdate"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{}", r.raw))
        .to_string();
    let r = app
        .gql(
            "hub.worker",
            "query($id: ID!) { partnerUpdate(id: $id) { matched child { id } case { id team { name } } } }",
            json!({ "id": id }),
        )
        .await;
    assert_eq!(r.data()["partnerUpdate"]["matched"], true, "{}", r.raw);
    assert_eq!(r.data()["partnerUpdate"]["child"]["id"], gid("Child", zoe.id));
    // A concern goes straight to the team's manager too.
    assert_eq!(alert_kinds(&app, "sw.bravo1").await, vec!["NEW_UPDATE"]);
    assert_eq!(alert_kinds(&app, "tm.bravo").await, vec!["CONCERN"]);
    // Two open children with the same name and date of birth: nobody is guessed at.
    let twin = fixtures::open_case_of(&app, "sw.alpha2", false).await;
    let original = fixtures::child(&app, twin.child_id).await;
    let mut copy: entity::child::ActiveModel = original.clone().into();
    let copy_id = sea_orm::prelude::Uuid::now_v7();
    copy.id = Set(copy_id);
    entity::child::Entity::insert(copy).exec_without_returning(&app.db).await.unwrap();
    let mut case: entity::case::ActiveModel = fixtures::case(&app, twin.id).await.into();
    case.id = Set(sea_orm::prelude::Uuid::now_v7());
    case.child_id = Set(copy_id);
    entity::case::Entity::insert(case).exec_without_returning(&app.db).await.unwrap();
    let before = alert_kinds(&app, "sw.alpha2").await.len();
    let r = app.gql("partner.school", SUBMIT_UPDATE, json!({ "i": update_input(&original, false) })).await;
    let id = r.data()["submitPartnerUpdate"]["partnerUpdate"]["id"].as_str().unwrap().to_string();
    let r = app.gql("hub.worker", "query($id: ID!) { partnerUpdate(id: $id) { matched } }", json!({ "id": id })).await;
    assert_eq!(r.data()["partnerUpdate"]["matched"], false);
    assert_eq!(alert_kinds(&app, "sw.alpha2").await.len(), before);
    // Matched, ambiguous (two rows read beside the number) or unmatched: each submission takes
    // exactly one reference number, in order.
    submit_update_named(&app, "partner.health", "Nobody", "Known").await;
    let mut stored = entity::partner_update::Entity::find().all(&app.db).await.unwrap();
    stored.sort_by_key(|u| u.id);
    let numbers: Vec<i64> = stored.iter().map(|u| u.reference.rsplit('-').next().unwrap().parse().unwrap()).collect();
    assert_eq!(numbers.len(), 3);
    assert!(numbers.windows(2).all(|w| w[1] == w[0] + 1), "{numbers:?}");
}

#[tokio::test]
async fn immediate_safeguarding_is_a_phone_call_and_bad_input_stores_nothing() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, c.child_id).await;
    let before = (app.count("partner_updates").await, app.count("alerts").await);
    let mut urgent = update_input(&child, true);
    urgent["needsImmediateSafeguardingResponse"] = json!(true);
    let r = app.gql("partner.school", SUBMIT_UPDATE, json!({ "i": urgent })).await;
    assert_eq!(
        r.user_errors("submitPartnerUpdate"),
        vec![("input.needsImmediateSafeguardingResponse".into(), "TELEPHONE_MASH_NOW".into())]
    );
    assert!(r.raw.contains("01253 477299"));
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut i = update_input(&child, false);
        f(&mut i);
        json!({ "i": i })
    };
    for (vars, field, code) in [
        (edit(&|i| i["childDateOfBirth"] = json!("2999-02-01")), "input.childDateOfBirth", "IN_FUTURE"),
        (edit(&|i| i["details"] = json!("x".repeat(5001))), "input.details", "TOO_LONG"),
        (edit(&|i| i["details"] = json!("   ")), "input.details", "REQUIRED"),
        (edit(&|i| i["childGivenName"] = json!("a\u{202E}b")), "input.childGivenName", "INVALID"),
        (edit(&|i| i["kind"] = json!("CONTACT_WITH_CHILD")), "input.contactMode", "REQUIRED"),
        (edit(&|i| i["nhsNumber"] = json!("12345")), "input.nhsNumber", "INVALID"),
        (edit(&|i| i["occurredAt"] = json!("2999-01-01T00:00:00Z")), "input.occurredAt", "IN_FUTURE"),
    ] {
        let r = app.gql("partner.school", SUBMIT_UPDATE, vars).await;
        assert!(
            r.user_errors("submitPartnerUpdate").contains(&(field.to_string(), code.to_string())),
            "{field}: {}",
            r.raw
        );
    }
    for vars in [
        edit(&|i| {
            i.as_object_mut().unwrap().remove("childDateOfBirth");
        }),
        edit(&|i| i["kind"] = json!("GOSSIP")),
        edit(&|i| i["childDateOfBirth"] = json!("2020-02-30")),
    ] {
        let r = app.gql("partner.school", SUBMIT_UPDATE, vars).await;
        assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.raw);
    }
    assert_eq!(
        (app.count("partner_updates").await, app.count("alerts").await),
        before,
        "nothing stored, nothing alerted"
    );
}

#[tokio::test]
async fn review_with_optimistic_concurrency_and_escalation() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, c.child_id).await;
    let (id, version) = submit_update(&app, "partner.school", &child, false).await;
    let review = |action: &str, v: i64| json!({ "i": { "partnerUpdateId": id, "action": action, "note": "Visit booked for 15:30", "expectedVersion": v } });
    // Someone who may not see the child: not found, like a missing update.
    let r = app.gql("sw.bravo1", REVIEW, review("CONTACT_MADE", version)).await;
    assert_eq!(r.user_errors("reviewPartnerUpdate"), vec![("input.partnerUpdateId".into(), "NOT_FOUND".into())]);
    let r = app.gql("sw.alpha1", REVIEW, review("ESCALATED", version + 5)).await;
    assert_eq!(r.user_errors("reviewPartnerUpdate"), vec![("input.expectedVersion".into(), "CONFLICT".into())]);
    let r = app.gql("sw.alpha1", REVIEW, review("ESCALATED", version)).await;
    assert_eq!(r.data()["reviewPartnerUpdate"]["partnerUpdate"]["reviewed"], true, "{}", r.raw);
    assert_eq!(r.data()["reviewPartnerUpdate"]["partnerUpdate"]["version"], version + 1);
    assert!(alert_kinds(&app, "tm.alpha").await.contains(&"ESCALATED".to_string()));
    let r = app.gql("tm.alpha", REVIEW, review("NONE", version + 1)).await;
    assert_eq!(r.user_errors("reviewPartnerUpdate"), vec![("input.partnerUpdateId".into(), "CONFLICT".into())]);
    // The sender sees that it was reviewed, not how.
    let r = app.gql("partner.school", "query($id: ID!) { partnerUpdate(id: $id) { reviewed reviewedAt reviewAction reviewNote matched case { id } child { id } } }", json!({ "id": id })).await;
    let u = &r.data()["partnerUpdate"];
    assert_eq!(u["reviewed"], true, "{}", r.raw);
    assert!(u["reviewedAt"].is_string());
    for hidden in ["reviewAction", "reviewNote", "matched", "case", "child"] {
        assert!(u[hidden].is_null(), "{hidden} leaked to the sender: {}", r.raw);
    }
    // It is on the child's timeline for the worker, reviewed.
    let r = app
        .gql(
            "sw.alpha1",
            "query($id: ID!) { child(id: $id) { partnerUpdates(first: 5) { nodes { id reviewed reviewAction } } } }",
            json!({ "id": gid("Child", child.id) }),
        )
        .await;
    assert_eq!(r.data()["child"]["partnerUpdates"]["nodes"][0]["reviewAction"], "ESCALATED", "{}", r.raw);
}

#[tokio::test]
async fn senders_and_organisations_see_only_their_own() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, c.child_id).await;
    let (id, _) = submit_update(&app, "partner.school", &child, false).await;
    let missing = gid("PartnerUpdate", sea_orm::prelude::Uuid::now_v7());
    let q = "query($id: ID!) { partnerUpdate(id: $id) { id details } }";
    for who in ["partner.health", "dsl.health", "sw.bravo1", "tm.bravo", "analyst", "admin", "ehp.earlyhelp"] {
        let a = app.gql(who, q, json!({ "id": id })).await;
        let b = app.gql(who, q, json!({ "id": missing })).await;
        assert_eq!(a.code(), "NOT_FOUND", "{who}: {}", a.raw);
        assert_eq!(a.raw, b.raw, "{who}");
    }
    for who in ["partner.school", "dsl.school", "sw.alpha1", "tm.alpha", "hub.worker"] {
        assert!(app.gql(who, q, json!({ "id": id })).await.body["errors"].is_null(), "{who}");
    }
    // A service account writes with partner_updates:write and reads nothing without :read.
    let r = app.gql("integration.police", SUBMIT_UPDATE, json!({ "i": update_input(&child, false) })).await;
    assert_eq!(r.user_errors("submitPartnerUpdate"), vec![], "{}", r.raw);
    let r = app.gql("integration.police", "{ partnerUpdates(first: 5) { edges { node { id } } } }", json!({})).await;
    assert_eq!(r.code(), "FORBIDDEN");
    // A token may carry only scopes its service account holds: grant the read scope first.
    let police = app.staff_id("integration.police");
    entity::staff::ActiveModel {
        id: Set(police),
        scopes: Set("partner_updates:write partner_updates:read".into()),
        ..Default::default()
    }
    .update(&app.db)
    .await
    .unwrap();
    app.state.identities.forget(police);
    let mut claims = app.claims("integration.police");
    claims["scope"] = json!("partner_updates:write partner_updates:read");
    let r = app
        .post(
            Some(&sign(&claims)),
            &json!({ "query": "{ partnerUpdates(first: 5) { edges { node { id matched } } } }" }),
        )
        .await;
    let edges = r.data()["partnerUpdates"]["edges"].as_array().unwrap_or_else(|| panic!("{}", r.raw));
    assert_eq!(edges.len(), 1, "only its own");
    assert!(edges[0]["node"]["matched"].is_null());
}

#[tokio::test]
async fn the_hub_matches_the_unmatched_queue() {
    let app = TestApp::new().await;
    let (id, version) = submit_update_named(&app, "partner.school", "Nobody", "Knownchild").await;
    let c = fixtures::open_case_of(&app, "sw.alpha2", false).await;
    let m = "mutation($i: MatchPartnerUpdateInput!) { matchPartnerUpdate(input: $i) { partnerUpdate { matched case { id } version } userErrors { field code } } }";
    // A child whose only case is closed is not open to social care: refused.
    let cases = fixtures::cases(&app).await;
    let closed = cases
        .iter()
        .find(|k| {
            k.status == entity::enums::CaseStatus::Closed
                && !cases.iter().any(|o| o.child_id == k.child_id && o.status == entity::enums::CaseStatus::Open)
        })
        .unwrap();
    let r = app.gql("hub.worker", m, json!({ "i": { "partnerUpdateId": id, "childId": gid("Child", closed.child_id), "expectedVersion": version } })).await;
    assert_eq!(r.user_errors("matchPartnerUpdate"), vec![("input.childId".into(), "INVALID".into())]);
    let r = app
        .gql(
            "hub.worker",
            m,
            json!({ "i": { "partnerUpdateId": id, "childId": gid("Child", c.child_id), "expectedVersion": version } }),
        )
        .await;
    assert_eq!(r.data()["matchPartnerUpdate"]["partnerUpdate"]["case"]["id"], gid("Case", c.id), "{}", r.raw);
    assert_eq!(alert_kinds(&app, "sw.alpha2").await, vec!["NEW_UPDATE"]);
    let r = app.gql("hub.worker", m, json!({ "i": { "partnerUpdateId": id, "childId": gid("Child", c.child_id), "expectedVersion": version + 1 } })).await;
    assert_eq!(r.user_errors("matchPartnerUpdate"), vec![("input.partnerUpdateId".into(), "CONFLICT".into())]);
    assert_eq!(
        app.gql(
            "sw.alpha2",
            m,
            json!({ "i": { "partnerUpdateId": id, "childId": gid("Child", c.child_id), "expectedVersion": 1 } })
        )
        .await
        .code(),
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn alerts_are_the_recipients_own_and_can_be_acknowledged() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, c.child_id).await;
    submit_update(&app, "partner.school", &child, true).await;
    let r = app.gql("sw.alpha1", ALERTS, json!({})).await;
    let alert = r.data()["alerts"]["edges"][0]["node"].clone();
    assert_eq!(alert["kind"], "NEW_UPDATE", "{}", r.raw);
    assert_eq!(alert["case"]["id"], gid("Case", c.id));
    let ack = "mutation($i: AcknowledgeAlertInput!) { acknowledgeAlert(input: $i) { alert { acknowledgedAt } userErrors { field code } } }";
    let r = app.gql("tm.alpha", ack, json!({ "i": { "alertId": alert["id"] } })).await;
    assert_eq!(
        r.user_errors("acknowledgeAlert"),
        vec![("input.alertId".into(), "NOT_FOUND".into())],
        "someone else's alert"
    );
    let r = app.gql("sw.alpha1", ack, json!({ "i": { "alertId": alert["id"] } })).await;
    assert!(r.data()["acknowledgeAlert"]["alert"]["acknowledgedAt"].is_string(), "{}", r.raw);
    let r = app
        .gql("sw.alpha1", "{ alerts(first: 5, unacknowledgedOnly: true) { edges { node { id } } } }", json!({}))
        .await;
    assert_eq!(r.data()["alerts"]["edges"], json!([]));
    assert_eq!(alert_kinds(&app, "tm.alpha").await, vec!["CONCERN"]);
}

#[tokio::test]
async fn overdue_updates_alert_the_manager_once_even_with_several_scanners() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, c.child_id).await;
    let (id, _) = submit_update(&app, "partner.school", &child, false).await;
    let uuid = {
        use base64::Engine;
        let raw = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&id).unwrap()).unwrap();
        sea_orm::prelude::Uuid::parse_str(raw.split_once(':').unwrap().1).unwrap()
    };
    let mut row: entity::partner_update::ActiveModel =
        entity::partner_update::Entity::find_by_id(uuid).one(&app.db).await.unwrap().unwrap().into();
    row.due_at = Set(Utc::now() - chrono::Duration::minutes(5));
    row.update(&app.db).await.unwrap();
    let r = app
        .gql(
            "tm.alpha",
            "{ partnerUpdates(first: 10, filter: {overdue: true}) { edges { node { id overdue } } } }",
            json!({}),
        )
        .await;
    assert_eq!(r.data()["partnerUpdates"]["edges"][0]["node"], json!({ "id": id, "overdue": true }), "{}", r.raw);
    // Two scanners at once (as two instances would), then a third later: one alert in all.
    let bus = app.state.services.bus.clone();
    let (a, b) = tokio::join!(
        casegraph::domain::partner_update::raise_overdue(&app.db, &bus, Utc::now()),
        casegraph::domain::partner_update::raise_overdue(&app.db, &bus, Utc::now())
    );
    let again = casegraph::domain::partner_update::raise_overdue(&app.db, &bus, Utc::now()).await.unwrap();
    assert_eq!(a.unwrap() + b.unwrap() + again, 1);
    assert_eq!(alert_kinds(&app, "tm.alpha").await, vec!["OVERDUE"]);
    let audit = app
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM audit_events WHERE record_type = 'ALERT'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(audit, 1, "the escalation is on the audit trail");
}

// ---- live alerts over WebSocket ----

struct Server {
    addr: std::net::SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(router: axum::Router) -> Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.ok();
    });
    Server { addr, task }
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(addr: std::net::SocketAddr) -> Ws {
    let mut req = format!("ws://{addr}/graphql/ws").into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (ws, resp) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(resp.headers()["sec-websocket-protocol"], "graphql-transport-ws");
    ws
}

async fn next_json(ws: &mut Ws) -> Result<Value, Option<(u16, String)>> {
    loop {
        match tokio::time::timeout(Duration::from_secs(10), ws.next()).await {
            Ok(Some(Ok(tungstenite::Message::Text(t)))) => return Ok(serde_json::from_str(&t).unwrap()),
            Ok(Some(Ok(tungstenite::Message::Close(frame)))) => {
                return Err(frame.map(|f| (u16::from(f.code), f.reason.to_string())));
            }
            Ok(Some(Ok(_))) => continue,
            Ok(_) => return Err(None),
            Err(_) => panic!("no message within 10 s"),
        }
    }
}

async fn subscribe(ws: &mut Ws, token: &str) {
    ws.send(tungstenite::Message::Text(
        json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {token}") } })
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    assert_eq!(next_json(ws).await.unwrap()["type"], "connection_ack");
    let q = "subscription { alertRaised { id kind partnerUpdate { id reference concern } case { id } } }";
    ws.send(tungstenite::Message::Text(
        json!({ "id": "1", "type": "subscribe", "payload": { "query": q } }).to_string().into(),
    ))
    .await
    .unwrap();
}

#[tokio::test]
async fn subscription_delivers_only_the_subscribers_own_alerts() {
    let app = TestApp::new().await;
    let server = serve(app.router.clone()).await;
    let mut ws = connect(server.addr).await;
    subscribe(&mut ws, &app.token("sw.alpha1")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    // An alert for someone else first (team bravo), then one for the subscriber.
    let bravo = fixtures::open_case_of(&app, "sw.bravo1", false).await;
    submit_update(&app, "partner.school", &fixtures::child(&app, bravo.child_id).await, false).await;
    let mine = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    submit_update(&app, "partner.school", &fixtures::child(&app, mine.child_id).await, true).await;
    let msg = next_json(&mut ws).await.unwrap();
    assert_eq!(msg["type"], "next", "{msg}");
    let alert = &msg["payload"]["data"]["alertRaised"];
    assert_eq!(alert["kind"], "NEW_UPDATE");
    assert_eq!(alert["case"]["id"], gid("Case", mine.id), "the bravo alert was not delivered here: {msg}");
    assert_eq!(alert["partnerUpdate"]["concern"], true);
}

#[tokio::test]
async fn subscription_refuses_bad_tokens_and_roles_and_closes_at_expiry() {
    let app = TestApp::new().await;
    let server = serve(app.router.clone()).await;
    // A bad token: closed with 4403, before any subscription.
    let mut ws = connect(server.addr).await;
    ws.send(tungstenite::Message::Text(
        json!({ "type": "connection_init", "payload": { "Authorization": "Bearer nonsense" } }).to_string().into(),
    ))
    .await
    .unwrap();
    assert_eq!(next_json(&mut ws).await.unwrap_err().map(|c| c.0), Some(4403));
    // No token at all.
    let mut ws = connect(server.addr).await;
    ws.send(tungstenite::Message::Text(json!({ "type": "connection_init", "payload": {} }).to_string().into()))
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws).await.unwrap_err().map(|c| c.0), Some(4403));
    // An analyst may connect but may not subscribe to alerts (partners may: they hear back).
    let mut ws = connect(server.addr).await;
    subscribe(&mut ws, &app.token("analyst")).await;
    let msg = next_json(&mut ws).await.unwrap();
    assert!(msg["payload"]["data"].is_null(), "{msg}");
    assert_eq!(msg["payload"]["errors"][0]["extensions"]["code"], "FORBIDDEN", "{msg}");
    // A token about to expire: the socket closes at its expiry with 4401.
    let mut claims = app.claims("sw.alpha1");
    claims["exp"] = json!(now() + 2);
    let mut ws = connect(server.addr).await;
    subscribe(&mut ws, &sign(&claims)).await;
    let started = std::time::Instant::now();
    let closed = next_json(&mut ws).await.unwrap_err();
    assert_eq!(closed.map(|c| c.0), Some(4401));
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn alerts_raised_on_one_instance_reach_subscribers_on_another() {
    // Instance A takes the update; instance B holds the subscriber. On PostgreSQL they are two
    // servers with their own pools and listeners on one database (LISTEN/NOTIFY); on SQLite,
    // where one process owns the file, the same path runs through the in-process channel.
    let a = TestApp::new().await;
    let b_router = if std::env::var("DATABASE_URL").is_ok_and(|u| u.starts_with("postgres")) {
        let url = a.db.get_postgres_connection_pool().connect_options().get_database().map(str::to_string).unwrap();
        let base = std::env::var("DATABASE_URL").unwrap();
        let (root, _) = base.rsplit_once('/').unwrap();
        let cfg = test_config(format!("{root}/{url}"));
        let b = casegraph::build_state(&cfg).await.unwrap();
        assert!(!std::sync::Arc::ptr_eq(&a.state.services.bus, &b.services.bus), "two instances, two buses");
        casegraph::app(b, &cfg)
    } else {
        a.router.clone()
    };
    let (server_a, server_b) = (serve(a.router.clone()).await, serve(b_router).await);
    // A subscriber on each instance: B hears A's relay; A hears its own alerts at once and must
    // not hear them a second time when its relay's NOTIFY comes back to its own listener.
    let (mut ws_a, mut ws_b) = (connect(server_a.addr).await, connect(server_b.addr).await);
    subscribe(&mut ws_a, &a.token("sw.alpha1")).await;
    subscribe(&mut ws_b, &a.token("sw.alpha1")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mine = fixtures::open_case_of(&a, "sw.alpha1", false).await;
    let child = fixtures::child(&a, mine.child_id).await;
    let sent = [
        submit_update(&a, "partner.school", &child, false).await.0,
        submit_update(&a, "partner.health", &child, false).await.0,
    ];
    for ws in [&mut ws_a, &mut ws_b] {
        for update in &sent {
            let msg = next_json(ws).await.unwrap();
            assert_eq!(msg["payload"]["data"]["alertRaised"]["case"]["id"], gid("Case", mine.id), "{msg}");
            assert_eq!(msg["payload"]["data"]["alertRaised"]["partnerUpdate"]["id"], *update, "in order: {msg}");
        }
    }
    for ws in [&mut ws_a, &mut ws_b] {
        match tokio::time::timeout(Duration::from_secs(1), ws.next()).await {
            Err(_) => {}
            Ok(m) => panic!("each alert is heard once per subscriber, then: {m:?}"),
        }
    }
}

#[tokio::test]
async fn rel_04_partner_update_idempotency_keys() {
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, c.child_id).await;
    let mut input = update_input(&child, false);
    input["idempotencyKey"] = json!("mis-export-0042");
    let first = app.gql("partner.school", SUBMIT_UPDATE, json!({ "i": input })).await;
    let again = app.gql("partner.school", SUBMIT_UPDATE, json!({ "i": input })).await;
    let id = |r: &Resp| r.data()["submitPartnerUpdate"]["partnerUpdate"]["id"].clone();
    assert!(id(&first).is_string(), "{}", first.raw);
    assert_eq!(id(&first), id(&again), "same key, same payload: the same update");
    assert_eq!(app.count("partner_updates").await, 1);
    assert_eq!(alert_kinds(&app, "sw.alpha1").await.len(), 1, "and one alert");
    input["details"] = json!("Something else");
    let r = app.gql("partner.school", SUBMIT_UPDATE, json!({ "i": input })).await;
    assert_eq!(r.user_errors("submitPartnerUpdate"), vec![("input.idempotencyKey".into(), "CONFLICT".into())]);
    // Keys belong to their sender.
    let other = app.gql("dsl.school", SUBMIT_UPDATE, json!({ "i": input })).await;
    assert_ne!(id(&other), id(&first));
    assert_eq!(app.count("partner_updates").await, 2);
}

#[tokio::test]
async fn a_timeline_is_the_newest_first_of_each_child_and_only_those_are_audited() {
    let app = TestApp::new().await;
    let mine: Vec<_> = fixtures::cases(&app)
        .await
        .into_iter()
        .filter(|c| c.allocated_worker_id == Some(app.staff_id("sw.alpha1")) && c.closed_at.is_none())
        .collect();
    let (k1, k2) = (fixtures::child(&app, mine[0].child_id).await, fixtures::child(&app, mine[1].child_id).await);
    assert_ne!(k1.id, k2.id);
    let mut sent = vec![];
    for _ in 0..4 {
        sent.push(submit_update(&app, "partner.school", &k1, false).await.0);
    }
    let other = submit_update(&app, "partner.health", &k2, false).await.0;
    // Two counts for one child and one for another, in one document: each list is the newest N.
    let q = "query($a: ID!, $b: ID!) { a: child(id: $a) { one: partnerUpdates(first: 1) { nodes { id } } \
             three: partnerUpdates(first: 3) { nodes { id } pageInfo { hasNextPage endCursor } } } \
             b: child(id: $b) { partnerUpdates(first: 3) { nodes { id } } } }";
    let r = app.gql("sw.alpha1", q, json!({ "a": gid("Child", k1.id), "b": gid("Child", k2.id) })).await;
    let ids = |v: &Value| {
        v["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", r.raw))
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    let newest: Vec<String> = sent.iter().rev().cloned().collect();
    assert_eq!(ids(&r.data()["a"]["one"]), newest[..1].to_vec(), "{}", r.raw);
    assert_eq!(ids(&r.data()["a"]["three"]), newest[..3].to_vec(), "{}", r.raw);
    let b = ids(&r.data()["b"]["partnerUpdates"]);
    assert_eq!(b[0], other, "{}", r.raw);
    assert!(b.iter().all(|u| !sent.contains(u)), "another child's updates: {}", r.raw);
    // The audit trail lists the updates shown, not the one that was not.
    let rid = r.headers["x-request-id"].to_str().unwrap().to_string();
    let rows = entity::audit_event::Entity::find()
        .filter(entity::audit_event::Column::RequestId.eq(rid))
        .filter(entity::audit_event::Column::RecordType.eq("PARTNER_UPDATE"))
        .all(&app.db)
        .await
        .unwrap();
    let listed: String = rows.iter().map(|a| format!("{:?} {:?};", a.record_id, a.record_ids)).collect();
    let raw = |g: &String| uuid_of(g).to_string();
    for shown in newest[..3].iter().chain([&other]) {
        assert!(listed.contains(&raw(shown)), "{listed}");
    }
    assert!(!listed.contains(&raw(&newest[3])), "the oldest was not shown: {listed}");
    // The whole timeline pages on from where a page ended: no cap but the page size.
    assert_eq!(r.data()["a"]["three"]["pageInfo"]["hasNextPage"], true, "{}", r.raw);
    let cursor = r.data()["a"]["three"]["pageInfo"]["endCursor"].clone();
    let next = app
        .gql(
            "sw.alpha1",
            "query($a: ID!, $c: String) { child(id: $a) { partnerUpdates(first: 1, after: $c) { nodes { id } pageInfo { hasPreviousPage } } } }",
            json!({ "a": gid("Child", k1.id), "c": cursor }),
        )
        .await;
    assert_eq!(next.data()["child"]["partnerUpdates"]["nodes"][0]["id"], json!(newest[3]), "{}", next.raw);
    assert_eq!(next.data()["child"]["partnerUpdates"]["pageInfo"]["hasPreviousPage"], true);
}

/// The caseload's rows are decoded by position (`casegraph::rows`). Decoded the derived way
/// (by column name) the same rows are equal, field for field: matched and unmatched updates, a
/// reviewed one, and every seeded child and case (with and without their optional columns).
#[tokio::test]
async fn rows_decoded_by_position_equal_the_derived_decoder() {
    use entity::{case, child, partner_update};
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let kid = fixtures::child(&app, c.child_id).await;
    let (id, version) = submit_update(&app, "partner.school", &kid, true).await;
    submit_update_named(&app, "partner.health", "Nobody", "Known").await;
    let review = json!({ "i": { "partnerUpdateId": id, "action": "CONTACT_MADE", "note": "Visit booked", "expectedVersion": version } });
    let r = app.gql("sw.alpha1", REVIEW, review).await;
    assert_eq!(r.data()["reviewPartnerUpdate"]["partnerUpdate"]["reviewed"], true, "{}", r.raw);

    let updates = partner_update::Entity::find().all(&app.db).await.unwrap();
    assert!(updates.iter().any(|u| u.child_id.is_none()) && updates.iter().any(|u| u.review_note.is_some()));
    let by_position = casegraph::rows::select_all(&app.db, partner_update::Entity::find()).await.unwrap();
    assert_eq!(by_position, updates);
    let children = child::Entity::find().all(&app.db).await.unwrap();
    assert!(children.iter().any(|c| c.date_of_birth.is_none()) || children.iter().any(|c| c.nhs_number.is_none()));
    assert_eq!(casegraph::rows::select_all(&app.db, child::Entity::find()).await.unwrap(), children);
    let cases = case::Entity::find().all(&app.db).await.unwrap();
    assert!(cases.iter().any(|c| c.allocated_worker_id.is_some()));
    assert_eq!(casegraph::rows::select_all(&app.db, case::Entity::find()).await.unwrap(), cases);
}

/// Rows after the first are decoded without the driver's per-value type check on PostgreSQL:
/// the first row's check must therefore cover every column, also one whose value is NULL there.
/// Here a column holds the wrong type from the second row on: on PostgreSQL a time without zone
/// where a UTC time belongs (same bytes, so decoding it unchecked would silently succeed); on
/// SQLite, which checks every value, a number where an ID belongs.
#[tokio::test]
async fn a_column_of_the_wrong_type_is_refused_even_when_the_first_row_is_null() {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let app = TestApp::new().await;
    let backend = app.db.get_database_backend();
    let first_null = |col: &str, expr: &str| {
        let cols = ["id", "child_id", "kind", "status", "team_id", "allocated_worker_id", "opened_at", "closed_at"];
        let cols = cols.map(|c| {
            if c == col {
                format!("CASE WHEN id = (SELECT id FROM cases ORDER BY id LIMIT 1) THEN NULL ELSE {expr} END AS {c}")
            } else {
                c.to_string()
            }
        });
        format!(
            "SELECT {}, closure_reason, synthetic, origin_request_id, access_until, version, created_at, updated_at FROM cases ORDER BY id",
            cols.join(", ")
        )
    };
    let run = |sql: String| {
        let db = app.db.clone();
        async move {
            let rows = db.query_all_raw(Statement::from_string(backend, sql)).await.unwrap();
            assert!(rows.len() > 2);
            casegraph::rows::decode_all::<entity::case::Model>(&rows)
        }
    };
    // The right types, NULL in the first row: decodes, and equals the derived decoder's answer.
    let right = run(first_null("allocated_worker_id", "allocated_worker_id")).await.unwrap();
    assert_eq!(right[0].allocated_worker_id, None);
    let derived = entity::case::Entity::find().order_by_asc(entity::case::Column::Id).all(&app.db).await.unwrap();
    assert_eq!(right[1..], derived[1..]);
    let wrong = match backend {
        DatabaseBackend::Postgres => first_null("closed_at", "COALESCE(closed_at, opened_at)::timestamp"),
        _ => first_null("allocated_worker_id", "42"),
    };
    let wrong = run(wrong).await;
    assert!(wrong.is_err(), "{wrong:?}");
}

/// REL-03 / AUD-03 for the one-statement write: when the audit row cannot be stored (a trigger
/// refuses it, after the update and its alert were inserted in the same statement), nothing
/// of the submission is kept, and the sender is told nothing about why.
#[tokio::test]
async fn a_submission_whose_audit_row_fails_leaves_nothing() {
    use sea_orm::{ConnectionTrait, DatabaseBackend};
    let app = TestApp::new().await;
    let c = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, c.child_id).await;
    let before = (app.count("partner_updates").await, app.count("alerts").await, app.count("audit_events").await);
    let (refuse, allow) = match app.db.get_database_backend() {
        DatabaseBackend::Postgres => (
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store down'; END $$; \
             CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
            "DROP TRIGGER refuse_audit ON audit_events",
        ),
        _ => (
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit store down'); END",
            "DROP TRIGGER refuse_audit",
        ),
    };
    app.db.execute_unprepared(refuse).await.unwrap();
    let r = app.gql("partner.school", SUBMIT_UPDATE, json!({ "i": update_input(&child, true) })).await;
    app.db.execute_unprepared(allow).await.unwrap();
    assert!(["UNAVAILABLE", "INTERNAL"].contains(&r.code().as_str()), "{}", r.raw);
    for leak in ["audit", "trigger", "INSERT", "WITH", "sqlx"] {
        assert!(!r.raw.contains(leak), "{leak} leaked: {}", r.raw);
    }
    assert!(r.data().is_null() || r.data()["submitPartnerUpdate"].is_null(), "{}", r.raw);
    let after = (app.count("partner_updates").await, app.count("alerts").await, app.count("audit_events").await);
    assert_eq!(after, before, "no update, alert or audit row was kept");
    // With the audit store back, the same submission goes through and alerts.
    let r = app.gql("partner.school", SUBMIT_UPDATE, json!({ "i": update_input(&child, true) })).await;
    assert!(r.data()["submitPartnerUpdate"]["partnerUpdate"]["id"].is_string(), "{}", r.raw);
    assert!(app.count("alerts").await > before.1);
}

/// An update matched to a restricted child is visible only to those who may see that child: the
/// hub's queue and reads by ID leave it out (a random ID and its ID answer alike), while the
/// allocated worker sees it; no field lets the hub tell it from an unmatched one.
#[tokio::test]
async fn an_update_about_a_restricted_child_is_hidden_from_the_hub() {
    let app = TestApp::new().await;
    let restricted = fixtures::open_case_of(&app, "sw.alpha1", true).await;
    let child = fixtures::child(&app, restricted.child_id).await;
    assert!(child.restricted);
    let (hidden, _) = submit_update(&app, "partner.school", &child, true).await;
    let (queued, _) = submit_update_named(&app, "partner.school", "Nobody", "Knownnowhere").await;
    let list = "{ partnerUpdates(first: 100) { edges { node { id matched childGivenName child { id } } } } }";
    let r = app.gql("hub.worker", list, json!({})).await;
    let ids: Vec<&str> = r.data()["partnerUpdates"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&queued.as_str()), "the unmatched queue stays the hub's: {}", r.raw);
    assert!(!ids.contains(&hidden.as_str()), "an update about a restricted child is not the hub's: {}", r.raw);
    for e in r.data()["partnerUpdates"]["edges"].as_array().unwrap() {
        assert!(
            !(e["node"]["matched"] == true && e["node"]["child"].is_null()),
            "matched with no visible child would pick out a restricted child: {}",
            r.raw
        );
    }
    let one = "query($id: ID!) { partnerUpdate(id: $id) { id childGivenName } }";
    let real = app.gql("hub.worker", one, json!({ "id": hidden })).await;
    let random =
        app.gql("hub.worker", one, json!({ "id": gid("PartnerUpdate", sea_orm::prelude::Uuid::now_v7()) })).await;
    assert_eq!(real.code(), "NOT_FOUND", "{}", real.raw);
    assert_eq!(real.raw, random.raw);
    // The allocated worker and the team's manager still see it.
    for who in ["sw.alpha1", "tm.alpha"] {
        let r = app.gql(who, one, json!({ "id": hidden })).await;
        assert_eq!(r.data()["partnerUpdate"]["id"], hidden.as_str(), "{who}: {}", r.raw);
    }
}

/// A valid NHS number with the date of birth matches the child even when the names are written
/// differently; an invalid one is ignored (names and date of birth decide); the sender's answer
/// is the same either way.
#[tokio::test]
async fn a_valid_nhs_number_with_the_date_of_birth_matches_first() {
    use sea_orm::{ActiveModelTrait, Set};
    let app = TestApp::new().await;
    let case = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, case.child_id).await;
    let mut record: entity::child::ActiveModel = child.clone().into();
    record.nhs_number = Set(Some("9434765919".into()));
    record.update(&app.db).await.unwrap();
    let answer = |r: &Resp| {
        let u = &r.data()["submitPartnerUpdate"]["partnerUpdate"];
        (u["reviewed"].clone(), u["matched"].clone(), r.data()["submitPartnerUpdate"]["userErrors"].clone())
    };
    let matched_to = |id: &str| {
        let app = &app;
        let id = fixtures::uuid_of(id);
        async move { entity::partner_update::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap().child_id }
    };
    // Names as another agency writes them, the number and the date of birth.
    let mut input = update_input(&child, false);
    input["childGivenName"] = json!("Differentname");
    input["childFamilyName"] = json!("Otherspelling");
    input["nhsNumber"] = json!("9434765919");
    let by_number = app.gql("partner.health", SUBMIT_UPDATE, json!({ "i": input })).await;
    let id = by_number.data()["submitPartnerUpdate"]["partnerUpdate"]["id"].as_str().unwrap().to_string();
    assert_eq!(matched_to(&id).await, Some(child.id), "matched by NHS number and date of birth: {}", by_number.raw);
    // A number that fails its check digit is no number at all: these names match nobody.
    input["nhsNumber"] = json!("9434765918");
    let invalid = app.gql("partner.health", SUBMIT_UPDATE, json!({ "i": input })).await;
    let id = invalid.data()["submitPartnerUpdate"]["partnerUpdate"]["id"].as_str().unwrap().to_string();
    assert_eq!(matched_to(&id).await, None, "{}", invalid.raw);
    // The sender cannot tell the two apart.
    assert_eq!(answer(&by_number), answer(&invalid));
}

/// The inbox narrows to one child's updates for those who review them; a sender may not ask (the
/// filter would tell them whom their update matched).
#[tokio::test]
async fn the_inbox_filters_by_child_for_reviewers_only() {
    let app = TestApp::new().await;
    let case = fixtures::open_case_of(&app, "sw.alpha1", false).await;
    let child = fixtures::child(&app, case.child_id).await;
    let (one, _) = submit_update(&app, "partner.school", &child, false).await;
    let (two, _) = submit_update(&app, "partner.health", &child, true).await;
    let (_other, _) = submit_update_named(&app, "partner.school", "Nobody", "Knownnowhere").await;
    let q = "query($c: ID!) { partnerUpdates(first: 50, filter: {childId: $c}) { edges { node { id } } } }";
    for who in ["sw.alpha1", "tm.alpha", "hub.worker"] {
        let r = app.gql(who, q, json!({ "c": gid("Child", child.id) })).await;
        let mut ids: Vec<String> = r.data()["partnerUpdates"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{who}: {}", r.raw))
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        let mut want = vec![one.clone(), two.clone()];
        want.sort();
        assert_eq!(ids, want, "{who}");
    }
    let r = app.gql("partner.school", q, json!({ "c": gid("Child", child.id) })).await;
    assert_eq!(r.code(), "BAD_USER_INPUT", "{}", r.raw);
    assert_eq!(r.body["errors"][0]["extensions"]["field"], "filter.childId", "{}", r.raw);
}

#[tokio::test]
async fn a_referrer_hears_the_hubs_decision_live() {
    let app = TestApp::new().await;
    let server = serve(app.router.clone()).await;
    let mut ws = connect(server.addr).await;
    subscribe(&mut ws, &app.token("partner.school")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (request, _, version) =
        fixtures::submit_request(&app, "partner.school", fixtures::request_input("Livefamily")).await;
    fixtures::decide(
        &app,
        "hub.worker",
        json!({ "requestId": request, "outcome": "ADVICE_INFORMATION", "decidedLevel": "UNIVERSAL_PLUS",
                "rationale": "Needs met by school support", "feedback": "Advice given by phone", "expectedVersion": version }),
    )
    .await;
    let msg = next_json(&mut ws).await.unwrap();
    let alert = &msg["payload"]["data"]["alertRaised"];
    assert_eq!(alert["kind"], "REQUEST_DECIDED", "{msg}");
    assert_eq!(alert["case"], Value::Null, "an alert to a partner names no case");
}
