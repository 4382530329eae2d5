//! Signing in and out. Dev profile: choose a demo person (casegraph's dev-only `/dev/people`
//! and `/dev/token`). Production: OpenID Connect authorization code flow with PKCE
//! ([`crate::oidc`]). Either way the session gets an ID it did not have before, and its sign-in
//! ends when the token expires.
use super::Ctx;
use crate::App;
use crate::html::{self, Input, Label, choice};
use crate::ops::{Viewer, viewer};
use crate::session::{Answers, Person};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

/// The people a partner portal is for.
const PORTAL_ROLES: &[&str] = &["PARTNER_PRACTITIONER", "SAFEGUARDING_LEAD"];

#[derive(Deserialize)]
struct DevPerson {
    handle: String,
    name: String,
    organisation: String,
    roles: Vec<String>,
}

fn dev_base(app: &App) -> String {
    app.cfg.api_url.trim_end_matches("/graphql").to_string()
}

pub async fn sign_in_page(State(app): State<App>, headers: HeaderMap) -> Response {
    let mut ctx = Ctx::load(&app, &headers);
    if let Some(oidc) = app.cfg.oidc.clone() {
        return match crate::oidc::start(app.api.http(), &oidc).await {
            Ok((url, pending)) => {
                ctx.s.oidc = Some(pending);
                ctx.reply(&app, Redirect::to(&url))
            }
            Err(e) => ctx.api_failed(&app, "/portal/", crate::api::ApiError::Outage(e), None),
        };
    }
    if !app.cfg.dev {
        return ctx.api_failed(&app, "/portal/", crate::api::ApiError::Outage("no sign-in configured".into()), None);
    }
    let people = dev_people(&app).await;
    render_sign_in(ctx, &app, &people, &[])
}

fn field(posted: &[(String, String)], name: &str) -> String {
    posted.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// The demo people a partner portal is for.
async fn dev_people(app: &App) -> Vec<DevPerson> {
    let people: Vec<DevPerson> = match app.api.http().get(format!("{}/dev/people", dev_base(app))).send().await {
        Ok(r) if r.status().is_success() => r.json().await.unwrap_or_default(),
        _ => vec![],
    };
    people.into_iter().filter(|p| p.roles.iter().any(|r| PORTAL_ROLES.contains(&r.as_str()))).collect()
}

fn render_sign_in(ctx: Ctx, app: &App, people: &[DevPerson], errors: &[html::FieldError]) -> Response {
    let labels: Vec<(String, String)> = people
        .iter()
        .map(|p| (p.handle.clone(), format!("{} ({}, {})", p.name, p.organisation, html::words(&p.roles.join(", ")))))
        .collect();
    let choices = labels.iter().map(|(h, l)| choice(h, l)).collect();
    let expired = ctx.s.return_to.is_some() && ctx.s.person.is_some();
    let body = html! {
        (html::error_summary(errors))
        @if expired {
            (html::banner("Important", html! { p class="govuk-notification-banner__heading" { "You have been signed out because your session ended. Sign in again to carry on: what you had entered is kept." } }, false))
        }
        form method="post" action="/portal/sign-in" novalidate {
            (html::csrf(&ctx.s.csrf))
            (html::radios(&Input { name: "person", label: "Sign in as a demo person", hint: Some("Development only: in production you sign in with your organisation's account."), how: Label::Heading, width: None, autocomplete: None }, choices, &Answers::new(), errors))
            (html::button("Sign in"))
        }
    };
    let mut f = ctx.frame("Sign in", "");
    f.has_errors = !errors.is_empty();
    ctx.page(app, f, body)
}

#[derive(Deserialize)]
struct Issued {
    token: String,
    #[serde(rename = "expiresAt")]
    expires_at: i64,
}

pub async fn sign_in(
    State(app): State<App>,
    headers: HeaderMap,
    Form(posted): Form<Vec<(String, String)>>,
) -> Response {
    let ctx = Ctx::load(&app, &headers);
    if !ctx.csrf_ok(&posted) {
        return ctx.csrf_failed(&app);
    }
    if !app.cfg.dev {
        return (StatusCode::NOT_FOUND, "").into_response();
    }
    let handle = field(&posted, "person");
    if handle.is_empty() {
        let errors = [html::FieldError { id: "person".into(), message: "Select who you are signing in as".into() }];
        let people = dev_people(&app).await;
        return render_sign_in(ctx, &app, &people, &errors);
    }
    let issued = app
        .api
        .http()
        .post(format!("{}/dev/token", dev_base(&app)))
        // A shorter life than the default, for trying what happens when a sign-in ends.
        .json(&serde_json::json!({ "handle": handle, "ttlSeconds": field(&posted, "ttl").parse::<u64>().ok() }))
        .send()
        .await;
    let issued: Issued = match issued {
        Ok(r) if r.status().is_success() => match r.json().await {
            Ok(i) => i,
            Err(e) => {
                return ctx.api_failed(
                    &app,
                    "/portal/",
                    crate::api::ApiError::Outage(format!("dev token: {}", e.without_url())),
                    None,
                );
            }
        },
        _ => return ctx.api_failed(&app, "/portal/", crate::api::ApiError::Outage("dev token refused".into()), None),
    };
    signed_in(ctx, &app, issued.token, issued.expires_at).await
}

/// Completes a sign-in: asks the API who the token speaks for, renews the session's ID, keeps
/// answers in progress only for the same person, and goes back to where the person was.
pub async fn signed_in(mut ctx: Ctx, app: &App, token: String, expires_at: i64) -> Response {
    let me = match app.api.run::<Viewer>(&token, viewer::Variables).await {
        Ok(d) => d.viewer,
        Err(e) => return ctx.api_failed(app, "/portal/", e, None),
    };
    if ctx.s.person.as_ref().map(|p| p.id.as_str()) != Some(me.id.as_str()) {
        ctx.s.forms.clear();
        ctx.s.field_errors.clear();
        ctx.s.resume = None;
        ctx.s.done.clear();
    }
    ctx.s.person = Some(Person {
        id: me.id,
        name: me.staff.map(|s| s.display_name).unwrap_or_else(|| "Signed in".into()),
        organisation: me.organisation.map(|o| o.name).unwrap_or_default(),
        roles: me.roles.iter().map(super::code).collect(),
    });
    ctx.s.token = Some(token);
    ctx.s.expires_at = expires_at;
    ctx.s.oidc = None;
    ctx.s.csrf = crate::session::random_id();
    let to = ctx
        .s
        .return_to
        .take()
        .filter(|p| p.starts_with("/portal/") && !p.starts_with("//"))
        .unwrap_or("/portal/".into());
    let new_id = app.store.renew(&ctx.id, ctx.s.clone());
    let mut res = Redirect::to(&to).into_response();
    res.headers_mut().append(header::SET_COOKIE, crate::session::set_cookie(&new_id, app.cfg.secure_cookies));
    res
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
}

pub async fn oidc_callback(State(app): State<App>, headers: HeaderMap, Query(q): Query<Callback>) -> Response {
    let mut ctx = Ctx::load(&app, &headers);
    let (Some(oidc), Some(pending)) = (app.cfg.oidc.clone(), ctx.s.oidc.take()) else {
        return ctx.reply(&app, Redirect::to("/portal/sign-in"));
    };
    let (Some(code), Some(state)) = (q.code, q.state) else {
        return ctx.reply(&app, Redirect::to("/portal/sign-in"));
    };
    match crate::oidc::finish(app.api.http(), &oidc, &pending, &code, &state).await {
        Ok((token, expires_at)) => signed_in(ctx, &app, token, expires_at).await,
        Err(e) => ctx.api_failed(&app, "/portal/", crate::api::ApiError::Outage(e), None),
    }
}

pub async fn sign_out(
    State(app): State<App>,
    headers: HeaderMap,
    Form(posted): Form<Vec<(String, String)>>,
) -> Response {
    let ctx = Ctx::load(&app, &headers);
    if !ctx.csrf_ok(&posted) {
        return ctx.csrf_failed(&app);
    }
    app.store.remove(&ctx.id);
    let body = html! {
        h1 class="govuk-heading-l" { "You have signed out" }
        p class="govuk-body" { a class="govuk-link" href="/portal/sign-in" { "Sign in again" } }
    };
    let f = crate::html::Frame {
        title: "You have signed out",
        person: None,
        csrf: String::new(),
        current: "",
        has_errors: false,
        back: None,
    };
    let mut res = axum::response::Html(crate::html::page(&f, body).into_string()).into_response();
    res.headers_mut().append(header::SET_COOKIE, crate::session::clear_cookie(app.cfg.secure_cookies));
    res
}
