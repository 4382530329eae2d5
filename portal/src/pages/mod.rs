//! The portal's pages, and what every page handler shares: the session, sign-in, CSRF, and the
//! answers to an API that failed or signed the person out.
mod account;
mod lists;
mod start;

use crate::App;
use crate::api::ApiError;
use crate::html::{self, Frame};
use crate::session::{self, Answers, Session};
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/portal/", get(start::start))
        .route("/portal/levels-of-need", get(start::levels))
        .route("/portal/sign-in", get(account::sign_in_page).post(account::sign_in))
        .route("/portal/oidc/callback", get(account::oidc_callback))
        .route("/portal/sign-out", axum::routing::post(account::sign_out))
        .route("/portal/requests", get(lists::requests))
        .route("/portal/requests/{id}", get(lists::request))
        .route("/portal/notifications", get(lists::notifications).post(lists::acknowledge))
        .merge(crate::forms::routes())
}

/// One request's view of its session.
pub struct Ctx {
    pub id: String,
    pub s: Session,
    pub fresh: bool,
    pub now: i64,
}

impl Ctx {
    pub fn load(app: &App, headers: &HeaderMap) -> Ctx {
        let now = chrono::Utc::now().timestamp();
        let (id, s, fresh) = app.store.load(headers, now);
        Ctx { id, s, fresh, now }
    }

    /// The token, when the person is signed in and it has not expired.
    pub fn token(&self) -> Option<String> {
        self.s.signed_in(self.now).then(|| self.s.token.clone()).flatten()
    }

    pub fn frame<'a>(&self, title: &'a str, current: &'a str) -> Frame<'a> {
        Frame {
            title,
            person: self.s.person.clone().filter(|_| self.s.signed_in(self.now)),
            csrf: self.s.csrf.clone(),
            current,
            has_errors: false,
            back: None,
        }
    }

    /// Saves the session and answers with `body`, setting the cookie for a new session.
    pub fn reply(self, app: &App, body: impl IntoResponse) -> Response {
        let mut res = body.into_response();
        if self.fresh {
            res.headers_mut().append(header::SET_COOKIE, session::set_cookie(&self.id, app.cfg.secure_cookies));
        }
        app.store.save(&self.id, self.s);
        res
    }

    pub fn page(self, app: &App, frame: Frame, content: Markup) -> Response {
        let markup = html::page(&frame, content);
        self.reply(app, Html(markup.into_string()))
    }

    /// To sign-in, coming back to `path` afterwards (and, for a form, with what was posted).
    pub fn send_to_sign_in(mut self, app: &App, path: &str, posted: Option<Answers>) -> Response {
        self.s.token = None;
        self.s.return_to = Some(path.to_string());
        if let Some(fields) = posted {
            self.s.resume = Some((path.to_string(), fields));
        }
        self.reply(app, Redirect::to("/portal/sign-in"))
    }

    /// The page for an API that failed: signed out → sign in; refused → not found; otherwise
    /// "sorry, there is a problem" (the cause goes to the log, codes only).
    pub fn api_failed(self, app: &App, path: &str, e: ApiError, posted: Option<Answers>) -> Response {
        match e {
            ApiError::SignedOut => self.send_to_sign_in(app, path, posted),
            ApiError::Refused(_) => {
                let f = self.frame("Page not found", "");
                let body = not_found_body();
                let res = self.page(app, f, body);
                (StatusCode::NOT_FOUND, res).into_response()
            }
            ApiError::Outage(cause) => {
                tracing::warn!(%cause, "the API failed a portal page");
                let f = self.frame("Sorry, there is a problem with the service", "");
                let body = html! {
                    h1 class="govuk-heading-l" { "Sorry, there is a problem with the service" }
                    p class="govuk-body" { "Try again later. What you have entered on earlier pages has been kept." }
                    p class="govuk-body" { "If a child is at immediate risk of significant harm, telephone the MASH on 01253 477299 now." }
                };
                let res = self.page(app, f, body);
                (StatusCode::SERVICE_UNAVAILABLE, res).into_response()
            }
        }
    }

    /// Whether a posted form carries this session's CSRF token.
    pub fn csrf_ok(&self, posted: &[(String, String)]) -> bool {
        let sent = posted.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_bytes()).unwrap_or_default();
        let mine = self.s.csrf.as_bytes();
        // Compared in constant time: the token is a secret.
        sent.len() == mine.len() && sent.iter().zip(mine).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }

    pub fn csrf_failed(self, app: &App) -> Response {
        let f = self.frame("Your form could not be sent", "");
        let body = html! {
            h1 class="govuk-heading-l" { "Your form could not be sent" }
            p class="govuk-body" { "The page was open too long or was sent from somewhere else. Go back, reload the page and try again." }
        };
        let res = self.page(app, f, body);
        (StatusCode::FORBIDDEN, res).into_response()
    }
}

fn not_found_body() -> Markup {
    html! {
        h1 class="govuk-heading-l" { "Page not found" }
        p class="govuk-body" { "If you typed the web address, check it is correct." }
        p class="govuk-body" { a class="govuk-link" href="/portal/" { "Go to the start page" } }
    }
}

pub async fn not_found(axum::extract::State(app): axum::extract::State<App>, headers: HeaderMap) -> Response {
    let ctx = Ctx::load(&app, &headers);
    let f = ctx.frame("Page not found", "");
    let res = ctx.page(&app, f, not_found_body());
    (StatusCode::NOT_FOUND, res).into_response()
}

/// The string an API enum serialises to.
pub fn code<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// A time from the API as people in Blackpool read it: "Monday 30 November 2026 at 2:05pm".
pub fn when(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|d| {
            let local = d.with_timezone(&chrono_tz::Europe::London);
            let time = local.format("%-I:%M%P").to_string().replace(":00", "");
            format!("{} at {}", local.format("%A %-d %B %Y"), time)
        })
        .unwrap_or_else(|_| t.to_string())
}

/// A date from the API: "30 November 2026".
pub fn day(d: &str) -> String {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_else(|_| d.to_string())
}
