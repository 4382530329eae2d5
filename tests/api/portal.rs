//! Issue 21: the partner portal, driven as a browser would (forms, cookies, redirects) against
//! casegraph served on a loopback port — the portal reaches it only over HTTP. The browser
//! journey with axe-core is `.ci/run`'s (tools/portal-check); these are the rules behind it.
use crate::common::{TestApp, sign};
use crate::fixtures::{child, open_case_of};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tower::ServiceExt;

/// casegraph on a loopback port; its base URL.
async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.ok() });
    format!("http://{addr}")
}

fn portal_on(base: &str, oidc: Option<portal::oidc::Settings>) -> Router {
    portal::router(portal::Config {
        api_url: format!("{base}/graphql"),
        dev: oidc.is_none(),
        secure_cookies: oidc.is_some(),
        oidc,
    })
}

/// A browser: one cookie, the CSRF token of the last page it saw.
struct Browser {
    portal: Router,
    cookie: Option<String>,
    csrf: String,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Browser {
    fn new(portal: Router) -> Self {
        Browser { portal, cookie: None, csrf: String::new() }
    }

    async fn send(&mut self, req: axum::http::request::Builder, body: Body) -> Page {
        let mut req = req;
        if let Some(c) = &self.cookie {
            req = req.header(header::COOKIE, c.clone());
        }
        let res = self.portal.clone().oneshot(req.body(body).unwrap()).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for c in headers.get_all(header::SET_COOKIE) {
            let c = c.to_str().unwrap();
            let pair = c.split(';').next().unwrap().to_string();
            self.cookie = if pair.ends_with('=') { None } else { Some(pair) };
        }
        let location = headers.get(header::LOCATION).map(|l| l.to_str().unwrap().to_string());
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&bytes).to_string();
        if let Some(i) = body.find("name=\"csrf\" value=\"") {
            let rest = &body[i + 19..];
            self.csrf = rest[..rest.find('"').unwrap()].to_string();
        }
        Page { status, location, headers, body }
    }

    async fn get(&mut self, path: &str) -> Page {
        self.send(Request::get(path), Body::empty()).await
    }

    /// Posts a form with this page's CSRF token.
    async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.csrf.clone();
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body: String = fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&");
        self.send(
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(body),
        )
        .await
    }

    /// Posts a page of a form and expects to be sent on to `next`.
    async fn answer(&mut self, path: &str, fields: &[(&str, &str)], next: &str) {
        self.get(path).await;
        let p = self.post(path, fields).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{path}: {}", p.body);
        assert_eq!(p.location.as_deref(), Some(next), "{path}");
    }

    async fn sign_in(&mut self, handle: &str) {
        let p = self.get("/portal/sign-in").await;
        assert!(p.body.contains(handle), "the demo people are offered: {}", p.body);
        let p = self.post("/portal/sign-in", &[("person", handle)]).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Answers every page of the request form up to "check your answers".
async fn fill_request(b: &mut Browser, family: &str, dob: (&str, &str, &str)) {
    b.answer("/portal/request/risk", &[("immediate_risk", "no")], "/portal/request/child").await;
    b.answer(
        "/portal/request/child",
        &[
            ("child_given", "Robin"),
            ("child_family", family),
            ("child_dob-day", dob.0),
            ("child_dob-month", dob.1),
            ("child_dob-year", dob.2),
            ("child_sex", "FEMALE"),
        ],
        "/portal/request/children",
    )
    .await;
    b.answer("/portal/request/children", &[("another_child", "no")], "/portal/request/household").await;
    b.answer("/portal/request/household", &[], "/portal/request/concerns").await;
    b.answer(
        "/portal/request/concerns",
        &[("concerns", "Robin is often hungry and tired.")],
        "/portal/request/categories",
    )
    .await;
    b.answer(
        "/portal/request/categories",
        &[("categories", "EMOTIONAL_ABUSE"), ("categories", "MENTAL_HEALTH_PARENT")],
        "/portal/request/views",
    )
    .await;
    b.answer("/portal/request/views", &[], "/portal/request/support").await;
    b.answer("/portal/request/support", &[("support_in_place", "Breakfast club.")], "/portal/request/consent").await;
    // A follow-up question has its own page, asked only when the answer before opens it.
    b.answer("/portal/request/consent", &[("consent", "NOT_SOUGHT")], "/portal/request/consent-reason").await;
    b.answer(
        "/portal/request/consent-reason",
        &[("consent_reason", "The family were not reachable this week.")],
        "/portal/request/parents",
    )
    .await;
    b.answer("/portal/request/parents", &[("parents_aware", "yes")], "/portal/request/lead").await;
    b.answer("/portal/request/lead", &[("lead_discussed", "no")], "/portal/request/level").await;
    b.answer("/portal/request/level", &[("level", "UNIVERSAL_PLUS")], "/portal/request/check").await;
}

async fn requests_of(app: &TestApp, family: &str) -> Vec<Value> {
    let r = app
        .gql(
            "hub.worker",
            "{ requestsForSupport(first: 100) { nodes { id reference version status children { familyName } } } }",
            json!({}),
        )
        .await;
    r.data()["requestsForSupport"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["children"][0]["familyName"] == family)
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_practitioner_makes_a_request_page_by_page_and_hears_back_in_the_portal() {
    let app = TestApp::new().await;
    let base = serve(app.router.clone()).await;
    let mut b = Browser::new(portal_on(&base, None));
    // Signed out: every page goes to sign-in, which offers the partner demo people only.
    let p = b.get("/portal/requests").await;
    assert_eq!(p.location.as_deref(), Some("/portal/sign-in"));
    let p = b.get("/portal/sign-in").await;
    assert!(p.body.contains("partner.school") && !p.body.contains("hub.worker"), "{}", p.body);
    b.sign_in("partner.school").await;
    let p = b.get("/portal/").await;
    assert_eq!(p.status, StatusCode::OK);
    for text in ["01253 477299", "01253 478959", "Teacher Example", "Opening hours"] {
        assert!(p.body.contains(text), "the start page shows {text}");
    }
    // The significant-harm question first: yes shows the MASH number and stops.
    b.answer("/portal/request/risk", &[("immediate_risk", "yes")], "/portal/request/call-mash").await;
    assert!(b.get("/portal/request/call-mash").await.body.contains("01253 477299"));
    // A page left unanswered says so, on the field, with the summary linking to it.
    b.get("/portal/request/child").await;
    let p = b
        .post("/portal/request/child", &[("child_dob-day", "31"), ("child_dob-month", "2"), ("child_dob-year", "2019")])
        .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("<title>Error: About the child"), "{}", p.body);
    assert!(p.body.contains(r##"href="#child_given""##) && p.body.contains(r#"id="child_given-error""#));
    assert!(p.body.contains("Date of birth must be a real date") || p.body.contains("must be a real date"));

    fill_request(&mut b, "Portalfamily", ("14", "6", "2019")).await;
    let p = b.get("/portal/request/check").await;
    for text in
        ["Check your answers before sending", "Robin Portalfamily", "14 June 2019", "Emotional abuse", "Universal plus"]
    {
        assert!(p.body.contains(text), "check your answers shows {text}");
    }
    assert!(p.body.contains("/portal/request/child?change=1"), "each answer can be changed");
    // Changing an answer goes back to the check, or first to a follow-up the change opened.
    b.get("/portal/request/lead?change=1").await;
    let p = b.post("/portal/request/lead", &[("change", "1"), ("lead_discussed", "yes")]).await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/lead-details?change=1"));
    b.get("/portal/request/lead-details?change=1").await;
    let p = b
        .post(
            "/portal/request/lead-details",
            &[
                ("change", "1"),
                ("lead_name", "A Lead"),
                ("lead_date-day", "2"),
                ("lead_date-month", "11"),
                ("lead_date-year", "2026"),
            ],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/check"));
    let p = b.post("/portal/request/check", &[]).await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/done"), "{}", p.body);
    // A second press of Send (the same form, resent) makes no second request.
    let again = b.post("/portal/request/check", &[]).await;
    assert_eq!(again.location.as_deref(), Some("/portal/request/done"));
    let p = b.get("/portal/request/done").await;
    let stored = requests_of(&app, "Portalfamily").await;
    assert_eq!(stored.len(), 1, "one request for two presses");
    let reference = stored[0]["reference"].as_str().unwrap();
    assert!(p.body.contains("govuk-panel--confirmation") && p.body.contains(reference), "{}", p.body);
    assert!(p.body.contains("The hub will decide what support the child needs by"));

    // The hub decides it through the API; the portal shows the notification and the outcome.
    let decide =
        "mutation($i: RecordHubDecisionInput!) { recordHubDecision(input: $i) { userErrors { code message } } }";
    let r = app
        .gql(
            "hub.worker",
            decide,
            json!({ "i": { "requestId": stored[0]["id"], "outcome": "ADVICE_INFORMATION", "decidedLevel": "UNIVERSAL_PLUS",
                "rationale": "Needs met with advice.", "feedback": "Thank you: keep the breakfast club going.",
                "expectedVersion": stored[0]["version"] } }),
        )
        .await;
    assert_eq!(r.user_errors("recordHubDecision"), vec![]);
    let p = b.get("/portal/notifications").await;
    assert!(p.body.contains("The hub decided your request") && p.body.contains(reference), "{}", p.body);
    let p = b.get("/portal/requests").await;
    assert!(p.body.contains(reference) && p.body.contains("Advice information"), "{}", p.body);
    let id = stored[0]["id"].as_str().unwrap();
    let p = b.get(&format!("/portal/requests/{id}")).await;
    assert!(p.body.contains("Feedback from the hub") && p.body.contains("keep the breakfast club going"), "{}", p.body);
    // Mark as read: the alert is acknowledged through the API.
    let p = b.get("/portal/notifications").await;
    let i = p.body.find(r#"name="alert" value=""#).unwrap() + 20;
    let alert = p.body[i..i + p.body[i..].find('"').unwrap()].to_string();
    let p = b.post("/portal/notifications", &[("alert", &alert)]).await;
    assert_eq!(p.location.as_deref(), Some("/portal/notifications"));
    assert!(!b.get("/portal/notifications").await.body.contains("Mark as read"));
    // Another practitioner's request is not this one's to see.
    let mut other = Browser::new(portal_on(&base, None));
    other.sign_in("partner.health").await;
    assert_eq!(other.get(&format!("/portal/requests/{id}")).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_apis_user_errors_show_on_the_field_they_name() {
    let app = TestApp::new().await;
    let base = serve(app.router.clone()).await;
    let mut b = Browser::new(portal_on(&base, None));
    b.sign_in("partner.school").await;
    // A real date, but in the future: only the API knows that rule.
    let next_year = (chrono::Utc::now().date_naive() + chrono::Duration::days(400)).format("%Y").to_string();
    fill_request(&mut b, "Futurefamily", ("1", "1", &next_year)).await;
    let p = b.post("/portal/request/check", &[]).await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    assert!(p.body.contains("There is a problem"), "{}", p.body);
    assert!(p.body.contains(r#"href="/portal/request/child#child_dob""#), "the summary links to the field: {}", p.body);
    assert!(requests_of(&app, "Futurefamily").await.is_empty(), "nothing was stored");
    let p = b.get("/portal/request/child").await;
    assert!(p.body.contains(r#"id="child_dob-error""#) && p.body.contains("govuk-form-group--error"), "{}", p.body);
    // Corrected, it goes.
    let p = b
        .post(
            "/portal/request/child?change=1",
            &[
                ("change", "1"),
                ("child_given", "Robin"),
                ("child_family", "Futurefamily"),
                ("child_dob-day", "1"),
                ("child_dob-month", "1"),
                ("child_dob-year", "2020"),
                ("child_sex", "FEMALE"),
            ],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/check"));
    let p = b.post("/portal/request/check", &[]).await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/done"), "{}", p.body);
    assert_eq!(requests_of(&app, "Futurefamily").await.len(), 1);
}

#[tokio::test]
async fn an_ended_sign_in_goes_to_sign_in_and_keeps_what_was_typed() {
    let app = TestApp::new().await;
    let base = serve(app.router.clone()).await;
    let mut b = Browser::new(portal_on(&base, None));
    b.get("/portal/sign-in").await;
    let p = b.post("/portal/sign-in", &[("person", "partner.school"), ("ttl", "1")]).await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    b.answer("/portal/request/risk", &[("immediate_risk", "no")], "/portal/request/child").await;
    b.get("/portal/request/concerns").await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let typed = "Typed just as the sign-in ended.";
    let p = b.post("/portal/request/concerns", &[("concerns", typed)]).await;
    assert_eq!(p.location.as_deref(), Some("/portal/sign-in"), "an ended sign-in goes back to sign in");
    let p = b.get("/portal/sign-in").await;
    assert!(p.body.contains("what you had entered is kept"), "{}", p.body);
    let p = b.post("/portal/sign-in", &[("person", "partner.school")]).await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/concerns"), "back to the page");
    let p = b.get("/portal/request/concerns").await;
    assert!(p.body.contains(typed), "what was typed is there: {}", p.body);
    assert!(b.get("/portal/request/concerns").await.body.contains(typed), "and stays on a reload");
    // Someone else signing in on the same browser does not get it.
    b.sign_in("partner.health").await;
    assert!(!b.get("/portal/request/concerns").await.body.contains(typed));
    let p = b.post("/portal/sign-out", &[]).await;
    assert!(p.body.contains("You have signed out"));
    assert_eq!(b.get("/portal/").await.location.as_deref(), Some("/portal/sign-in"));
}

#[tokio::test]
async fn forms_need_their_csrf_token_and_pages_carry_a_strict_policy() {
    let app = TestApp::new().await;
    let base = serve(app.router.clone()).await;
    let mut b = Browser::new(portal_on(&base, None));
    b.sign_in("partner.school").await;
    let p = b.get("/portal/request/risk").await;
    let csp = p.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe"),
        "{csp}"
    );
    assert_eq!(p.headers[header::CACHE_CONTROL], "no-store");
    assert!(!p.body.contains("<script>"), "no inline script");
    assert!(p.body.contains(r#"<script src="/portal/assets/init.js">"#));
    let cookie = b.cookie.clone().unwrap();
    let p = b.post_raw("/portal/request/risk", &[("immediate_risk", "no")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "no CSRF token");
    let p = b.post_raw("/portal/request/risk", &[("csrf", "0000"), ("immediate_risk", "no")]).await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "a wrong CSRF token");
    assert_eq!(b.cookie.as_deref(), Some(cookie.as_str()));
    // The session cookie: HttpOnly, SameSite; a new ID after sign-in.
    let mut c = Browser::new(portal_on(&base, None));
    let p = c.get("/portal/sign-in").await;
    let set = p.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/portal"), "{set}");
    let before = c.cookie.clone();
    c.post("/portal/sign-in", &[("person", "partner.school")]).await;
    assert_ne!(c.cookie, before, "the session ID changes at sign-in");
    // The design system's files are served by the portal itself.
    let css = c.get("/portal/assets/govuk-frontend.min.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.body.contains(".govuk-button") && !css.body.contains("@font-face"));
    assert_eq!(c.get("/portal/assets/nothing.js").await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_api_outage_shows_the_sorry_page() {
    // A stand-in API: dev sign-in and `viewer` work, then every GraphQL call fails.
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    let fake = Router::new()
        .route(
            "/dev/people",
            axum::routing::get(|| async {
                axum::Json(json!([{ "handle": "p", "name": "P", "organisation": "O", "roles": ["PARTNER_PRACTITIONER"] }]))
            }),
        )
        .route(
            "/dev/token",
            axum::routing::post(|| async { axum::Json(json!({ "token": "t", "expiresAt": 4102444800i64 })) }),
        )
        .route(
            "/graphql",
            axum::routing::post(move || {
                let c = c.clone();
                async move {
                    if c.fetch_add(1, Ordering::SeqCst) == 0 {
                        axum::Json(json!({ "data": { "viewer": { "id": "p", "roles": ["PARTNER_PRACTITIONER"], "organisation": { "name": "O" }, "staff": { "displayName": "P" } } } })).into_response()
                    } else {
                        (StatusCode::INTERNAL_SERVER_ERROR, "boom: stack trace here").into_response()
                    }
                }
            }),
        );
    use axum::response::IntoResponse;
    let base = serve(fake).await;
    let mut b = Browser::new(portal_on(&base, None));
    b.sign_in("p").await;
    let p = b.get("/portal/").await;
    assert_eq!(p.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(p.body.contains("Sorry, there is a problem with the service"), "{}", p.body);
    assert!(!p.body.contains("boom") && !p.body.contains("stack"), "{}", p.body);
    assert!(calls.load(Ordering::SeqCst) >= 2);
    // An API that cannot be reached at all: the same page.
    let mut gone = Browser::new(portal_on("http://127.0.0.1:9", None));
    gone.get("/portal/sign-in").await;
    let p = gone.post("/portal/sign-in", &[("person", "partner.school")]).await;
    assert_eq!(p.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(p.body.contains("Sorry, there is a problem with the service"), "{}", p.body);
}

#[tokio::test]
async fn an_update_is_confirmed_alike_whether_or_not_the_child_is_known() {
    let app = TestApp::new().await;
    let base = serve(app.router.clone()).await;
    let known = child(&app, open_case_of(&app, "sw.alpha1", false).await.child_id).await;
    let dob = known.date_of_birth.unwrap();
    let mut pages = vec![];
    for (given, family) in [(known.given_name.as_str(), known.family_name.as_str()), ("Nobody", "Unknownfamily")] {
        let mut b = Browser::new(portal_on(&base, None));
        b.sign_in("partner.school").await;
        b.answer("/portal/update/guard", &[("immediate", "no")], "/portal/update/child").await;
        let (d, m, y) = (dob.format("%-d").to_string(), dob.format("%-m").to_string(), dob.format("%Y").to_string());
        b.answer(
            "/portal/update/child",
            &[("u_given", given), ("u_family", family), ("u_dob-day", &d), ("u_dob-month", &m), ("u_dob-year", &y)],
            "/portal/update/kind",
        )
        .await;
        b.answer("/portal/update/kind", &[("kind", "CONTACT_WITH_CHILD")], "/portal/update/contact").await;
        b.answer("/portal/update/contact", &[("contact_mode", "FACE_TO_FACE")], "/portal/update/when").await;
        b.answer(
            "/portal/update/when",
            &[("occurred-day", "2"), ("occurred-month", "11"), ("occurred-year", "2026"), ("occurred_time", "09:15")],
            "/portal/update/details",
        )
        .await;
        b.answer(
            "/portal/update/details",
            &[("details", "Seen at school, well."), ("concern", "no")],
            "/portal/update/check",
        )
        .await;
        let p = b.post("/portal/update/check", &[]).await;
        assert_eq!(p.location.as_deref(), Some("/portal/update/done"), "{}", p.body);
        let p = b.get("/portal/update/done").await;
        assert!(p.body.contains("Update sent"));
        // Everything but the reference, the check time and the CSRF token is the same.
        let re = |s: &str| {
            let s = s
                .split("<strong>")
                .map(|part| part.split_once("</strong>").map(|(_, r)| r).unwrap_or(part))
                .collect::<Vec<_>>();
            let s = s.join("");
            s.split("name=\"csrf\" value=\"")
                .map(|part| part.split_once('"').map(|(_, r)| r).unwrap_or(part))
                .collect::<Vec<_>>()
                .join("")
        };
        pages.push(re(&p.body));
    }
    let matched: i64 = {
        use sea_orm::{ConnectionTrait, Statement};
        let row = app
            .db
            .query_one_raw(Statement::from_string(
                app.db.get_database_backend(),
                "SELECT COUNT(*) AS n FROM partner_updates WHERE child_id IS NOT NULL AND details = 'Seen at school, well.'"
                    .to_string(),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get("", "n").unwrap()
    };
    assert_eq!(matched, 1, "one of the two matched a child");
    assert_eq!(pages[0], pages[1], "the confirmation does not hint whether the child is known");
}

#[tokio::test]
async fn the_portals_operations_are_registered_and_run_when_persisted_operations_are_enforced() {
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("portal/persisted-operations.json");
    let on_disk = std::fs::read_to_string(&manifest).unwrap_or_default();
    assert_eq!(
        on_disk,
        portal::ops::manifest(),
        "portal/persisted-operations.json is stale: cargo run -p portal -- manifest > portal/persisted-operations.json"
    );
    let app = TestApp::with(|c| {
        c.persisted_mode = casegraph::persisted::Mode::Enforce;
        c.persisted_operations = Some(manifest.clone());
        c.profile = casegraph::config::Profile::Dev;
    })
    .await;
    let base = serve(app.router.clone()).await;
    let mut b = Browser::new(portal_on(&base, None));
    b.sign_in("partner.school").await;
    let p = b.get("/portal/").await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.body);
    fill_request(&mut b, "Enforcedfamily", ("3", "4", "2017")).await;
    let p = b.post("/portal/request/check", &[]).await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/done"), "{}", p.body);
    // Another operation from a partner is refused in this mode: the portal ran registered ones.
    let r = app.gql("partner.school", "{ viewer { id } }", json!({})).await;
    assert_eq!(r.code(), "PERSISTED_QUERY_NOT_FOUND", "{}", r.raw);
}

#[tokio::test]
async fn the_dev_token_routes_exist_in_the_dev_profile_only() {
    let app = TestApp::new().await;
    let r = app
        .send(
            Request::post("/dev/token")
                .header("content-type", "application/json")
                .body(Body::from(r#"{"handle":"partner.school","ttlSeconds":60}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let token = r.body["token"].as_str().unwrap();
    assert!(r.body["expiresAt"].as_u64().unwrap() <= crate::common::now() + 61);
    let me = app.post(Some(token), &json!({ "query": "{ viewer { roles } }" })).await;
    assert_eq!(me.data()["viewer"]["roles"], json!(["PARTNER_PRACTITIONER"]));
    let r = app
        .send(
            Request::post("/dev/token")
                .header("content-type", "application/json")
                .body(Body::from(r#"{"handle":"nobody"}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let prod = TestApp::with(|c| {
        c.profile = casegraph::config::Profile::Prod;
        c.jwt_algorithms = vec!["RS256".into()];
        c.jwt_hs256_secret = None;
        c.jwt_public_key_pem = Some(crate::common::keys_dir().join("rsa-public.pem"));
    })
    .await;
    for req in [
        Request::get("/dev/people").body(Body::empty()).unwrap(),
        Request::post("/dev/token")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"handle":"partner.school"}"#))
            .unwrap(),
    ] {
        assert_eq!(prod.send(req).await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn production_sign_in_is_openid_connect_with_pkce() {
    let app = TestApp::new().await;
    let api = serve(app.router.clone()).await;
    // A stand-in issuer: discovery, and a token endpoint that checks the PKCE verifier against
    // the challenge the authorization request carried.
    let challenge: Arc<std::sync::Mutex<String>> = Default::default();
    let nonce: Arc<std::sync::Mutex<String>> = Default::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", listener.local_addr().unwrap());
    let access = app.token("partner.school");
    let (ch, no, iss, acc) = (challenge.clone(), nonce.clone(), issuer.clone(), access.clone());
    let idp = Router::new()
        .route(
            "/.well-known/openid-configuration",
            axum::routing::get({
                let iss = iss.clone();
                move || async move {
                    axum::Json(json!({ "issuer": iss, "authorization_endpoint": format!("{iss}/authorize"), "token_endpoint": format!("{iss}/token") }))
                }
            }),
        )
        .route(
            "/token",
            axum::routing::post(move |axum::Form(f): axum::Form<std::collections::HashMap<String, String>>| {
                let (ch, no, iss, acc) = (ch.clone(), no.clone(), iss.clone(), acc.clone());
                async move {
                    use axum::response::IntoResponse;
                    if portal::oidc::challenge(&f["code_verifier"]) != *ch.lock().unwrap() || f["code"] != "the-code" {
                        return (StatusCode::BAD_REQUEST, "invalid_grant").into_response();
                    }
                    let id = sign(&json!({ "iss": iss, "aud": "portal", "nonce": *no.lock().unwrap(), "exp": crate::common::now() + 300, "sub": "x" }));
                    axum::Json(json!({ "access_token": acc, "token_type": "Bearer", "expires_in": 300, "id_token": id })).into_response()
                }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, idp).await.ok() });
    let settings = portal::oidc::Settings {
        issuer: issuer.clone(),
        client_id: "portal".into(),
        client_secret: None,
        redirect_url: "https://portal.example.org/portal/oidc/callback".into(),
        scopes: "openid".into(),
    };
    let mut b = Browser::new(portal_on(&api, Some(settings)));
    let p = b.get("/portal/sign-in").await;
    let to = reqwest::Url::parse(p.location.as_deref().expect("to the issuer")).unwrap();
    assert!(to.as_str().starts_with(&format!("{issuer}/authorize")));
    let q: std::collections::HashMap<String, String> = to.query_pairs().into_owned().collect();
    assert_eq!(
        (q["response_type"].as_str(), q["code_challenge_method"].as_str(), q["client_id"].as_str()),
        ("code", "S256", "portal")
    );
    *challenge.lock().unwrap() = q["code_challenge"].clone();
    *nonce.lock().unwrap() = q["nonce"].clone();
    let set = p.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.contains("Secure") && set.contains("HttpOnly"), "{set}");
    // A forged state is refused: not signed in.
    let p = b.get("/portal/oidc/callback?code=the-code&state=forged").await;
    assert_ne!(p.status, StatusCode::SEE_OTHER, "{:?}", p.location);
    // Start again, and come back properly.
    let p = b.get("/portal/sign-in").await;
    let to = reqwest::Url::parse(p.location.as_deref().unwrap()).unwrap();
    let q: std::collections::HashMap<String, String> = to.query_pairs().into_owned().collect();
    *challenge.lock().unwrap() = q["code_challenge"].clone();
    *nonce.lock().unwrap() = q["nonce"].clone();
    let p = b.get(&format!("/portal/oidc/callback?code=the-code&state={}", q["state"])).await;
    assert_eq!(p.location.as_deref(), Some("/portal/"), "{}", p.body);
    let p = b.get("/portal/").await;
    assert!(p.body.contains("Teacher Example"), "signed in with the issuer's token: {}", p.body);
}

#[tokio::test]
async fn a_request_can_be_about_several_children() {
    let app = TestApp::new().await;
    let base = serve(app.router.clone()).await;
    let mut b = Browser::new(portal_on(&base, None));
    b.sign_in("partner.school").await;
    fill_request(&mut b, "Siblingfamily", ("14", "6", "2019")).await;
    // Two more children, through "add another".
    b.answer("/portal/request/children", &[("another_child", "yes")], "/portal/request/child?n=1").await;
    let p = b.get("/portal/request/child?n=1").await;
    assert!(p.body.contains(r#"name="n" value="1""#) && !p.body.contains("Robin"), "a blank page for child 2");
    let next_year = (chrono::Utc::now().date_naive() + chrono::Duration::days(400)).format("%Y").to_string();
    let p = b
        .post(
            "/portal/request/child",
            &[
                ("n", "1"),
                ("child_given", "Ash"),
                ("child_family", "Siblingfamily"),
                ("child_dob-day", "2"),
                ("child_dob-month", "2"),
                ("child_dob-year", &next_year),
                ("child_sex", "MALE"),
            ],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/children"));
    b.answer("/portal/request/children", &[("another_child", "yes")], "/portal/request/child?n=2").await;
    b.post(
        "/portal/request/child",
        &[("n", "2"), ("child_given", "Remy"), ("child_family", "Siblingfamily"), ("child_sex", "UNKNOWN")],
    )
    .await;
    let p = b.get("/portal/request/children").await;
    for name in ["Robin Siblingfamily", "Ash Siblingfamily", "Remy Siblingfamily"] {
        assert!(p.body.contains(name), "{name} is listed: {}", p.body);
    }
    // Remove the third.
    let p = b.post("/portal/request/children/remove", &[("n", "2")]).await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/children"));
    let p = b.get("/portal/request/children").await;
    assert!(!p.body.contains("Remy") && p.body.contains("Ash Siblingfamily"));
    b.post("/portal/request/children", &[("another_child", "no")]).await;
    let p = b.get("/portal/request/check").await;
    assert!(p.body.contains("Child 2") && p.body.contains("Ash Siblingfamily"), "{}", p.body);
    // Child 2's date of birth is in the future: the API's error goes to child 2's page and field.
    let p = b.post("/portal/request/check", &[]).await;
    assert!(p.body.contains(r#"href="/portal/request/child?n=1#child_dob""#), "{}", p.body);
    assert!(p.body.contains("(child 2)"), "the message says which child: {}", p.body);
    let p = b.get("/portal/request/child?n=1").await;
    assert!(p.body.contains(r#"id="child_dob-error""#) && p.body.contains("Ash"), "{}", p.body);
    assert!(requests_of(&app, "Siblingfamily").await.is_empty());
    let p = b
        .post(
            "/portal/request/child",
            &[
                ("n", "1"),
                ("change", "1"),
                ("child_given", "Ash"),
                ("child_family", "Siblingfamily"),
                ("child_dob-day", "2"),
                ("child_dob-month", "2"),
                ("child_dob-year", "2021"),
                ("child_sex", "MALE"),
            ],
        )
        .await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/check"));
    let p = b.post("/portal/request/check", &[]).await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/done"), "{}", p.body);
    let stored = requests_of(&app, "Siblingfamily").await;
    assert_eq!(stored.len(), 1);
    let r = app
        .gql(
            "hub.worker",
            "query($id: ID!) { requestForSupport(id: $id) { children { givenName dateOfBirth sex } } }",
            json!({ "id": stored[0]["id"] }),
        )
        .await;
    assert_eq!(
        r.data()["requestForSupport"]["children"],
        json!([{ "givenName": "Robin", "dateOfBirth": "2019-06-14", "sex": "FEMALE" }, { "givenName": "Ash", "dateOfBirth": "2021-02-02", "sex": "MALE" }])
    );
}

#[tokio::test]
async fn a_neglect_request_at_level_4_asks_for_its_neglect_screening() {
    let app = TestApp::new().await;
    let base = serve(app.router.clone()).await;
    let mut b = Browser::new(portal_on(&base, None));
    b.sign_in("partner.school").await;
    fill_request(&mut b, "Neglectfamily", ("14", "6", "2019")).await;
    // Neglect among the concerns, and level 4: the screening page opens before the check.
    b.get("/portal/request/categories?change=1").await;
    let p = b.post("/portal/request/categories", &[("change", "1"), ("categories", "NEGLECT")]).await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/check"));
    b.get("/portal/request/level?change=1").await;
    let p = b.post("/portal/request/level", &[("change", "1"), ("level", "SPECIALIST")]).await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/neglect?change=1"));
    let p = b.get("/portal/request/neglect?change=1").await;
    assert!(p.body.contains("Neglect Protocol"), "{}", p.body);
    let p = b.post("/portal/request/neglect", &[("change", "1")]).await;
    assert!(p.body.contains(r#"id="neglect_screening-error""#), "the screening is asked for: {}", p.body);
    // A screening that is not one: the API's refusal shows on the field.
    b.post("/portal/request/neglect", &[("change", "1"), ("neglect_screening", "not-a-screening")]).await;
    let p = b.post("/portal/request/check", &[]).await;
    assert!(p.body.contains(r#"href="/portal/request/neglect#neglect_screening""#), "{}", p.body);
    assert!(requests_of(&app, "Neglectfamily").await.is_empty());
    // The screening the practitioner completed: the request goes, with it attached.
    let screening = crate::fixtures::submit_screening_of(
        &app,
        "partner.school",
        crate::fixtures::screening_of("Robin", "Neglectfamily", "2019-06-14"),
    )
    .await;
    b.get("/portal/request/neglect?change=1").await;
    b.post("/portal/request/neglect", &[("change", "1"), ("neglect_screening", &screening)]).await;
    let p = b.post("/portal/request/check", &[]).await;
    assert_eq!(p.location.as_deref(), Some("/portal/request/done"), "{}", p.body);
    let stored = requests_of(&app, "Neglectfamily").await;
    let r = app
        .gql(
            "hub.worker",
            "query($id: ID!) { requestForSupport(id: $id) { referrerLevel neglectScreening { id } } }",
            json!({ "id": stored[0]["id"] }),
        )
        .await;
    assert_eq!(r.data()["requestForSupport"]["neglectScreening"]["id"], json!(screening), "{}", r.raw);
}
