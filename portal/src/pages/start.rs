//! The start page (what the portal is for, the MASH and the advice line) and the levels of need.
use super::{Ctx, when};
use crate::App;
use crate::html::{self, warning};
use crate::ops::{LevelsOfNeed, StartPage, levels_of_need, start_page};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use maud::html;

pub async fn start(State(app): State<App>, headers: HeaderMap) -> Response {
    let ctx = Ctx::load(&app, &headers);
    let Some(token) = ctx.token() else { return ctx.send_to_sign_in(&app, "/portal/", None) };
    let data = match app.api.run::<StartPage>(&token, start_page::Variables).await {
        Ok(d) => d,
        Err(e) => return ctx.api_failed(&app, "/portal/", e, None),
    };
    let c = data.service_contacts;
    let advice = &c.advice_line;
    let body = html! {
        div class="govuk-grid-row" {
            div class="govuk-grid-column-two-thirds" {
                h1 class="govuk-heading-xl" { "Request support for a child, or share an update" }
                p class="govuk-body" { "Use this service if you work with children in Blackpool — in a school, early years, health, police, housing or another agency — and you:" }
                ul class="govuk-list govuk-list--bullet" {
                    li { "are worried about a child and think they or their family need support" }
                    li { "have news about a child who has a social worker" }
                    li { "want to know what happened to a request you made" }
                }
                (warning(html! {
                    "If a child is at immediate risk of significant harm, do not use this service. Telephone the "
                    (c.mash.name) " on " (c.mash.phone) " now."
                }))
                a href="/portal/request/risk" role="button" draggable="false" class="govuk-button govuk-button--start" data-module="govuk-button" {
                    "Start a request for support"
                    svg class="govuk-button__start-icon" xmlns="http://www.w3.org/2000/svg" width="17.5" height="19" viewBox="0 0 33 40" aria-hidden="true" focusable="false" {
                        path fill="currentColor" d="M0 0h13l20 20-20 20H0l20-20z" {}
                    }
                }
                h2 class="govuk-heading-m" { "Before you start" }
                p class="govuk-body" {
                    "Not sure whether to make a request? Talk it through with the " (advice.line.name) " on "
                    strong { (advice.line.phone) } "."
                }
                @if advice.open_now {
                    p class="govuk-body" { (html::tag("Open now", Some("green"))) }
                } @else {
                    p class="govuk-body" { (html::tag("Closed", Some("grey"))) " It opens " (when(&advice.next_opens_at)) "." }
                }
                table class="govuk-table" {
                    caption class="govuk-table__caption govuk-table__caption--s" { "Opening hours" }
                    thead class="govuk-table__head" {
                        tr class="govuk-table__row" {
                            th scope="col" class="govuk-table__header" { "Day" }
                            th scope="col" class="govuk-table__header" { "Opens" }
                            th scope="col" class="govuk-table__header" { "Closes" }
                        }
                    }
                    tbody class="govuk-table__body" {
                        @for h in &advice.hours {
                            tr class="govuk-table__row" {
                                th scope="row" class="govuk-table__header" { (html::words(&h.weekday)) }
                                td class="govuk-table__cell" { (clock(&h.opens)) }
                                td class="govuk-table__cell" { (clock(&h.closes)) }
                            }
                        }
                    }
                }
                p class="govuk-body" { a class="govuk-link" href="/portal/levels-of-need" { "Levels of need: which one fits the child" } }
            }
            div class="govuk-grid-column-one-third" {
                h2 class="govuk-heading-s" { "Also in this service" }
                ul class="govuk-list" {
                    li { a class="govuk-link" href="/portal/update/guard" { "Share an update about a child with a social worker" } }
                    li { a class="govuk-link" href="/portal/requests" { "Your requests and their outcomes" } }
                    li { a class="govuk-link" href="/portal/notifications" { "Notifications" } }
                }
            }
        }
    };
    let f = ctx.frame("Home", "/portal/");
    ctx.page(&app, f, body)
}

/// "09:00" → "9am", "16:30" → "4:30pm" (the GOV.UK style for times).
fn clock(t: &str) -> String {
    chrono::NaiveTime::parse_from_str(t, "%H:%M")
        .map(|t| t.format("%-I:%M%P").to_string().replace(":00", ""))
        .unwrap_or_else(|_| t.to_string())
}

pub async fn levels(State(app): State<App>, headers: HeaderMap) -> Response {
    let ctx = Ctx::load(&app, &headers);
    let path = "/portal/levels-of-need";
    let Some(token) = ctx.token() else { return ctx.send_to_sign_in(&app, path, None) };
    let data = match app.api.run::<LevelsOfNeed>(&token, levels_of_need::Variables).await {
        Ok(d) => d,
        Err(e) => return ctx.api_failed(&app, path, e, None),
    };
    let body = html! {
        h1 class="govuk-heading-xl" { "Levels of need" }
        p class="govuk-body" { "Blackpool's continuum of need has four levels. Choose the one that best fits what you see; the hub decides the level when it reviews your request." }
        @for l in &data.levels_of_need {
            h2 class="govuk-heading-m" { "Level " (l.ordinal) ": " (l.name) }
            p class="govuk-body" { (l.expected_response) }
            details class="govuk-details" {
                summary class="govuk-details__summary" { span class="govuk-details__summary-text" { "Indicators at level " (l.ordinal) } }
                div class="govuk-details__text" {
                    ul class="govuk-list govuk-list--bullet" {
                        @for i in &l.indicators { li { strong { (i.domain) } ": " (i.text) } }
                    }
                }
            }
        }
    };
    let mut f = ctx.frame("Levels of need", "");
    f.back = Some("/portal/");
    ctx.page(&app, f, body)
}
