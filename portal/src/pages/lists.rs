//! Your requests (a safeguarding lead sees the organisation's), one request with its outcome
//! and the hub's feedback, and notifications (the decisions on your requests).
use super::{Ctx, code, when};
use crate::App;
use crate::html::{self, row, summary_list, words};
use crate::ops::{
    AcknowledgeAlert, MyRequests, Notifications, RequestDetail, acknowledge_alert, my_requests, notifications,
    request_detail,
};
use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Redirect, Response};
use maud::html;

fn status_tag(status: &str) -> maud::Markup {
    match status {
        "DECIDED" => html::tag("Decided", Some("green")),
        "WITHDRAWN" => html::tag("Withdrawn", Some("grey")),
        "DRAFT" => html::tag("Draft", Some("yellow")),
        _ => html::tag("With the hub", Some("blue")),
    }
}

pub async fn requests(State(app): State<App>, headers: HeaderMap) -> Response {
    let ctx = Ctx::load(&app, &headers);
    let path = "/portal/requests";
    let Some(token) = ctx.token() else { return ctx.send_to_sign_in(&app, path, None) };
    let data = match app.api.run::<MyRequests>(&token, my_requests::Variables { first: 100 }).await {
        Ok(d) => d,
        Err(e) => return ctx.api_failed(&app, path, e, None),
    };
    let lead = ctx.s.person.as_ref().is_some_and(|p| p.roles.iter().any(|r| r == "SAFEGUARDING_LEAD"));
    let title = if lead { "Your organisation's requests" } else { "Your requests" };
    let nodes = data.requests_for_support.nodes;
    let body = html! {
        h1 class="govuk-heading-l" { (title) }
        @if nodes.is_empty() {
            p class="govuk-body" { "You have not made any requests for support yet." }
        } @else {
            table class="govuk-table" {
                caption class="govuk-table__caption govuk-table__caption--m govuk-visually-hidden" { (title) }
                thead class="govuk-table__head" {
                    tr class="govuk-table__row" {
                        th scope="col" class="govuk-table__header" { "Reference" }
                        th scope="col" class="govuk-table__header" { "Children" }
                        @if lead { th scope="col" class="govuk-table__header" { "Made by" } }
                        th scope="col" class="govuk-table__header" { "Received" }
                        th scope="col" class="govuk-table__header" { "Status" }
                        th scope="col" class="govuk-table__header" { "Outcome" }
                    }
                }
                tbody class="govuk-table__body" {
                    @for r in &nodes {
                        tr class="govuk-table__row" {
                            td class="govuk-table__cell" { a class="govuk-link" href={ "/portal/requests/" (r.id) } { (r.reference) } }
                            td class="govuk-table__cell" {
                                @for (n, c) in r.children.iter().enumerate() { @if n > 0 { ", " } (c.given_name) " " (c.family_name) }
                            }
                            @if lead { td class="govuk-table__cell" { (r.referrer.as_ref().map(|s| s.display_name.as_str()).unwrap_or("")) } }
                            td class="govuk-table__cell" { (when(&r.received_at)) }
                            td class="govuk-table__cell" { (status_tag(&code(&r.status))) }
                            td class="govuk-table__cell" { (r.decision.as_ref().map(|d| words(&code(&d.outcome))).unwrap_or_default()) }
                        }
                    }
                }
            }
        }
    };
    let f = ctx.frame(title, path);
    ctx.page(&app, f, body)
}

pub async fn request(State(app): State<App>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let ctx = Ctx::load(&app, &headers);
    let path = format!("/portal/requests/{id}");
    let Some(token) = ctx.token() else { return ctx.send_to_sign_in(&app, &path, None) };
    let data = match app.api.run::<RequestDetail>(&token, request_detail::Variables { id }).await {
        Ok(d) => d,
        Err(e) => return ctx.api_failed(&app, &path, e, None),
    };
    let r = data.request_for_support;
    let children: Vec<String> = r.children.iter().map(|c| format!("{} {}", c.given_name, c.family_name)).collect();
    let mut rows = vec![
        row("Reference", r.reference.clone()),
        row("Children", children.join(", ")),
        row("Received", when(&r.received_at)),
        row("Level of need you gave", words(&code(&r.referrer_level))),
        row("Concerns", r.concern_categories.iter().map(|c| words(&code(c))).collect::<Vec<_>>().join(", ")),
    ];
    if let Some(s) = &r.referrer {
        rows.push(row("Made by", s.display_name.clone()));
    }
    let title = format!("Request {}", r.reference);
    let body = html! {
        span class="govuk-caption-l" { "Request for support" }
        h1 class="govuk-heading-l" { (r.reference) " " (status_tag(&code(&r.status))) }
        @if let Some(d) = &r.decision {
            (html::banner("The hub's decision", html! {
                p class="govuk-notification-banner__heading" { (words(&code(&d.outcome))) }
                p class="govuk-body" { "Decided " (when(&d.decided_at)) ", at level: " (words(&code(&d.decided_level))) "." }
            }, true))
            h2 class="govuk-heading-m" { "Feedback from the hub" }
            p class="govuk-body" { (html::lines(&d.feedback)) }
        } @else if let Some(w) = &r.withdrawn_at {
            p class="govuk-body" { "Withdrawn " (when(w)) "." }
        } @else {
            p class="govuk-body" { "The hub will decide by " strong { (when(&r.due_at)) } "." }
        }
        h2 class="govuk-heading-m" { "Your request" }
        (summary_list(&rows))
    };
    let mut f = ctx.frame(&title, "/portal/requests");
    f.back = Some("/portal/requests");
    ctx.page(&app, f, body)
}

pub async fn notifications(State(app): State<App>, headers: HeaderMap) -> Response {
    let ctx = Ctx::load(&app, &headers);
    let path = "/portal/notifications";
    let Some(token) = ctx.token() else { return ctx.send_to_sign_in(&app, path, None) };
    let data = match app.api.run::<Notifications>(&token, notifications::Variables { first: 50 }).await {
        Ok(d) => d,
        Err(e) => return ctx.api_failed(&app, path, e, None),
    };
    let nodes = data.alerts.nodes;
    let body = html! {
        h1 class="govuk-heading-l" { "Notifications" }
        @if nodes.is_empty() {
            p class="govuk-body" { "You have no notifications." }
        }
        @for a in &nodes {
            div class="govuk-summary-card" {
                div class="govuk-summary-card__title-wrapper" {
                    h2 class="govuk-summary-card__title" {
                        (alert_title(&code(&a.kind)))
                        @if a.acknowledged_at.is_none() { " " (html::tag("New", None)) }
                    }
                    @if a.acknowledged_at.is_none() {
                        ul class="govuk-summary-card__actions" {
                            li class="govuk-summary-card__action" {
                                form method="post" action="/portal/notifications" class="portal-inline-form" {
                                    (html::csrf(&ctx.s.csrf))
                                    input type="hidden" name="alert" value=(a.id);
                                    button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button" {
                                        "Mark as read" span class="govuk-visually-hidden" { " (" (when(&a.created_at)) ")" }
                                    }
                                }
                            }
                        }
                    }
                }
                div class="govuk-summary-card__content" { (summary_list(&alert_rows(a))) }
            }
        }
    };
    let f = ctx.frame("Notifications", path);
    ctx.page(&app, f, body)
}

fn alert_rows(a: &notifications::NotificationsAlertsNodes) -> Vec<html::Row> {
    let mut rows = vec![row("When", when(&a.created_at))];
    if let Some(r) = &a.request_for_support {
        let link = html! { a class="govuk-link" href={ "/portal/requests/" (r.id) } { (r.reference) } };
        rows.push(html::Row { key: "Request".into(), value: link, change: None });
        if let Some(d) = &r.decision {
            rows.push(row("Outcome", words(&code(&d.outcome))));
        }
    }
    rows
}

fn alert_title(kind: &str) -> &'static str {
    match kind {
        "REQUEST_DECIDED" => "The hub decided your request",
        "REQUEST_PASSED" => "Your request was passed to the child's social worker",
        "REQUEST_SUBMITTED" => "A request was made",
        "REQUEST_WITHDRAWN" => "A request was withdrawn",
        "EARLY_HELP_REFERRAL" | "EARLY_HELP_REFERRAL_ALLOCATED" => "Early help",
        _ => "Notification",
    }
}

pub async fn acknowledge(
    State(app): State<App>,
    headers: HeaderMap,
    Form(posted): Form<Vec<(String, String)>>,
) -> Response {
    let ctx = Ctx::load(&app, &headers);
    let path = "/portal/notifications";
    if !ctx.csrf_ok(&posted) {
        return ctx.csrf_failed(&app);
    }
    let Some(token) = ctx.token() else { return ctx.send_to_sign_in(&app, path, None) };
    let alert_id = posted.iter().find(|(k, _)| k == "alert").map(|(_, v)| v.clone()).unwrap_or_default();
    let vars = acknowledge_alert::Variables { input: acknowledge_alert::AcknowledgeAlertInput { alert_id } };
    match app.api.run::<AcknowledgeAlert>(&token, vars).await {
        Ok(_) => ctx.reply(&app, Redirect::to(path)),
        Err(e) => ctx.api_failed(&app, path, e, None),
    }
}
