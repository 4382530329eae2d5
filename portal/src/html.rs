//! The GOV.UK Design System's page template and the components the portal uses, as server-side
//! HTML (maud escapes every value). Markup follows govuk-frontend 6.6.0's Nunjucks macros.
use crate::session::{Answers, Person};
use maud::{DOCTYPE, Markup, html};

pub const SERVICE: &str = "Blackpool children's services partner portal";

/// What the page template needs besides the content.
pub struct Frame<'a> {
    pub title: &'a str,
    pub person: Option<Person>,
    pub csrf: String,
    /// The navigation item to mark as current: its path.
    pub current: &'a str,
    /// The page shows errors: its title starts "Error:".
    pub has_errors: bool,
    /// A "Back" link above the content.
    pub back: Option<&'a str>,
}

const NAV: &[(&str, &str)] = &[
    ("/portal/", "Home"),
    ("/portal/request/risk", "Request support"),
    ("/portal/update/guard", "Share an update"),
    ("/portal/requests", "Your requests"),
    ("/portal/notifications", "Notifications"),
];

pub fn page(f: &Frame, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" class="govuk-template govuk-template--rebranded" {
            head {
                meta charset="utf-8";
                title { @if f.has_errors { "Error: " } (f.title) " – " (SERVICE) }
                meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover";
                meta name="theme-color" content="#1d70b8";
                link rel="stylesheet" href="/portal/assets/govuk-frontend.min.css";
                link rel="stylesheet" href="/portal/assets/portal.css";
            }
            body class="govuk-template__body" {
                script src="/portal/assets/init.js" {}
                a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link" { "Skip to main content" }
                header class="govuk-template__header" {
                    section aria-label="Service information" class="govuk-service-navigation" data-module="govuk-service-navigation" {
                        div class="govuk-width-container" {
                            div class="govuk-service-navigation__container" {
                                span class="govuk-service-navigation__service-name" {
                                    a href="/portal/" class="govuk-service-navigation__link" { (SERVICE) }
                                }
                                @if f.person.is_some() {
                                    nav aria-label="Menu" class="govuk-service-navigation__wrapper" {
                                        button type="button" class="govuk-service-navigation__toggle govuk-js-service-navigation-toggle" aria-controls="navigation" hidden { "Menu" }
                                        ul class="govuk-service-navigation__list" id="navigation" {
                                            @for (href, text) in NAV {
                                                @if *href == f.current {
                                                    li class="govuk-service-navigation__item govuk-service-navigation__item--active" {
                                                        a class="govuk-service-navigation__link" href=(href) aria-current="page" {
                                                            strong class="govuk-service-navigation__active-fallback" { (text) }
                                                        }
                                                    }
                                                } @else {
                                                    li class="govuk-service-navigation__item" {
                                                        a class="govuk-service-navigation__link" href=(href) { (text) }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    div class="govuk-width-container" {
                        div class="govuk-phase-banner" {
                            p class="govuk-phase-banner__content" {
                                strong class="govuk-tag govuk-phase-banner__content__tag" { "Demo" }
                                span class="govuk-phase-banner__text" { "A reference portal over casegraph. Synthetic data only." }
                            }
                        }
                        @if let Some(p) = &f.person {
                            div class="portal-signed-in govuk-body-s" {
                                "Signed in as " strong { (p.name) } ", " (p.organisation) ". "
                                form class="portal-inline-form" method="post" action="/portal/sign-out" {
                                    input type="hidden" name="csrf" value=(&f.csrf);
                                    button type="submit" class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button" { "Sign out" }
                                }
                            }
                        }
                    }
                }
                div class="govuk-width-container" {
                    main class="govuk-main-wrapper" id="main-content" {
                        @if let Some(back) = f.back {
                            a href=(back) class="govuk-back-link" { "Back" }
                        }
                        (content)
                    }
                }
                footer class="govuk-footer" {
                    div class="govuk-width-container" {
                        div class="govuk-footer__meta" {
                            div class="govuk-footer__meta-item govuk-footer__meta-item--grow" {
                                h2 class="govuk-visually-hidden" { "Support links" }
                                p class="govuk-body-s" {
                                    "A child at immediate risk of significant harm: telephone the MASH on 01253 477299 now."
                                }
                            }
                        }
                    }
                }
                script type="module" src="/portal/assets/start.js" {}
            }
        }
    }
}

/// A field's error, by the field's HTML ID (the error summary links to it).
#[derive(Debug, Clone)]
pub struct FieldError {
    pub id: String,
    pub message: String,
}

/// The error summary for this page's fields (each links to `#<id>`).
pub fn error_summary(errors: &[FieldError]) -> Markup {
    let links: Vec<(String, &str)> = errors.iter().map(|e| (format!("#{}", e.id), e.message.as_str())).collect();
    error_summary_of(&links)
}

/// An error summary whose entries link anywhere: `(href, message)`.
pub fn error_summary_of(links: &[(String, &str)]) -> Markup {
    html! {
        @if !links.is_empty() {
            div class="govuk-error-summary" data-module="govuk-error-summary" {
                div role="alert" {
                    h2 class="govuk-error-summary__title" { "There is a problem" }
                    div class="govuk-error-summary__body" {
                        ul class="govuk-list govuk-error-summary__list" {
                            @for (href, message) in links {
                                li { a href=(href) { (message) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn error_of<'a>(errors: &'a [FieldError], id: &str) -> Option<&'a str> {
    errors.iter().find(|e| e.id == id).map(|e| e.message.as_str())
}

fn error_message(id: &str, msg: &str) -> Markup {
    html! { p id=(format!("{}-error", id)) class="govuk-error-message" { span class="govuk-visually-hidden" { "Error:" } " " (msg) } }
}

pub fn value<'a>(a: &'a Answers, name: &str) -> &'a str {
    a.get(name).and_then(|v| v.first()).map(String::as_str).unwrap_or("")
}

fn described(id: &str, hint: Option<&str>, error: Option<&str>) -> Option<String> {
    let mut ids = vec![];
    if hint.is_some() {
        ids.push(format!("{id}-hint"));
    }
    if error.is_some() {
        ids.push(format!("{id}-error"));
    }
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// How a question's label or legend shows: as the page's heading (one question per page) or
/// as a medium label among several.
#[derive(Clone, Copy)]
pub enum Label {
    Heading,
    Field,
}

fn label(id: &str, text: &str, how: Label) -> Markup {
    html! {
        @match how {
            Label::Heading => h1 class="govuk-label-wrapper" { label class="govuk-label govuk-label--l" for=(id) { (text) } },
            Label::Field => label class="govuk-label govuk-label--s" for=(id) { (text) },
        }
    }
}

fn legend(text: &str, how: Label) -> Markup {
    html! {
        @match how {
            Label::Heading => legend class="govuk-fieldset__legend govuk-fieldset__legend--l" { h1 class="govuk-fieldset__heading" { (text) } },
            Label::Field => legend class="govuk-fieldset__legend govuk-fieldset__legend--s" { (text) },
        }
    }
}

pub struct Input<'a> {
    pub name: &'a str,
    pub label: &'a str,
    pub hint: Option<&'a str>,
    pub how: Label,
    pub width: Option<&'a str>,
    pub autocomplete: Option<&'a str>,
}

pub fn text_input(i: &Input, answers: &Answers, errors: &[FieldError]) -> Markup {
    let err = error_of(errors, i.name);
    let class = match (i.width, err.is_some()) {
        (Some(w), true) => format!("govuk-input govuk-input--width-{w} govuk-input--error"),
        (Some(w), false) => format!("govuk-input govuk-input--width-{w}"),
        (None, true) => "govuk-input govuk-input--error".into(),
        (None, false) => "govuk-input".into(),
    };
    html! {
        div class=(cls("govuk-form-group", "govuk-form-group--error", err.is_some())) {
            (label(i.name, i.label, i.how))
            @if let Some(h) = i.hint { div id=(format!("{}-hint", i.name)) class="govuk-hint" { (h) } }
            @if let Some(e) = err { (error_message(i.name, e)) }
            input class=(class) id=(i.name) name=(i.name) type="text" value=(value(answers, i.name))
                autocomplete=[i.autocomplete] spellcheck="false" aria-describedby=[described(i.name, i.hint, err)];
        }
    }
}

pub fn textarea(i: &Input, answers: &Answers, errors: &[FieldError]) -> Markup {
    let err = error_of(errors, i.name);
    html! {
        div class=(cls("govuk-form-group", "govuk-form-group--error", err.is_some())) {
            (label(i.name, i.label, i.how))
            @if let Some(h) = i.hint { div id=(format!("{}-hint", i.name)) class="govuk-hint" { (h) } }
            @if let Some(e) = err { (error_message(i.name, e)) }
            textarea class=(cls("govuk-textarea", "govuk-textarea--error", err.is_some())) id=(i.name) name=(i.name) rows="6"
                aria-describedby=[described(i.name, i.hint, err)] { (value(answers, i.name)) }
        }
    }
}

/// A date as three boxes, named `<name>-day`, `-month`, `-year`; the error links to the day.
pub fn date_input(i: &Input, answers: &Answers, errors: &[FieldError]) -> Markup {
    let err = error_of(errors, i.name);
    let part = |p: &str| format!("{}-{p}", i.name);
    let class = |w: &str| {
        if err.is_some() {
            format!("govuk-input govuk-date-input__input govuk-input--width-{w} govuk-input--error")
        } else {
            format!("govuk-input govuk-date-input__input govuk-input--width-{w}")
        }
    };
    html! {
        div class=(cls("govuk-form-group", "govuk-form-group--error", err.is_some())) {
            fieldset class="govuk-fieldset" role="group" aria-describedby=[described(i.name, i.hint, err)] {
                (legend(i.label, i.how))
                @if let Some(h) = i.hint { div id=(format!("{}-hint", i.name)) class="govuk-hint" { (h) } }
                @if let Some(e) = err { (error_message(i.name, e)) }
                div class="govuk-date-input" id=(i.name) {
                    @for (p, text, w) in [("day", "Day", "2"), ("month", "Month", "2"), ("year", "Year", "4")] {
                        div class="govuk-date-input__item" {
                            div class="govuk-form-group" {
                                label class="govuk-label govuk-date-input__label" for=(part(p)) { (text) }
                                input class=(class(w)) id=(part(p)) name=(part(p)) type="text" inputmode="numeric"
                                    value=(value(answers, &part(p)));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A radio option: value, label, hint, and what a choice reveals (conditional reveal; shown
/// to everyone without JavaScript).
pub struct Choice<'a> {
    pub value: &'a str,
    pub label: &'a str,
    pub hint: Option<&'a str>,
    pub reveal: Option<Markup>,
}

pub fn choice<'a>(value: &'a str, label: &'a str) -> Choice<'a> {
    Choice { value, label, hint: None, reveal: None }
}

pub fn radios(i: &Input, choices: Vec<Choice>, answers: &Answers, errors: &[FieldError]) -> Markup {
    options("radio", i, choices, answers, errors)
}

pub fn checkboxes(i: &Input, choices: Vec<Choice>, answers: &Answers, errors: &[FieldError]) -> Markup {
    options("checkbox", i, choices, answers, errors)
}

fn options(kind: &str, i: &Input, choices: Vec<Choice>, answers: &Answers, errors: &[FieldError]) -> Markup {
    let err = error_of(errors, i.name);
    let chosen = answers.get(i.name).cloned().unwrap_or_default();
    let (group, item, input_class, label_class, hint_class) = if kind == "radio" {
        (
            "govuk-radios",
            "govuk-radios__item",
            "govuk-radios__input",
            "govuk-label govuk-radios__label",
            "govuk-hint govuk-radios__hint",
        )
    } else {
        (
            "govuk-checkboxes",
            "govuk-checkboxes__item",
            "govuk-checkboxes__input",
            "govuk-label govuk-checkboxes__label",
            "govuk-hint govuk-checkboxes__hint",
        )
    };
    let module = if kind == "radio" { "govuk-radios" } else { "govuk-checkboxes" };
    html! {
        div class=(cls("govuk-form-group", "govuk-form-group--error", err.is_some())) {
            fieldset class="govuk-fieldset" aria-describedby=[described(i.name, i.hint, err)] {
                (legend(i.label, i.how))
                @if let Some(h) = i.hint { div id=(format!("{}-hint", i.name)) class="govuk-hint" { (h) } }
                @if let Some(e) = err { (error_message(i.name, e)) }
                div class=(group) data-module=(module) {
                    @for (n, c) in choices.iter().enumerate() {
                        @let id = if n == 0 { i.name.to_string() } else { format!("{}-{}", i.name, n + 1) };
                        @let reveal_id = format!("conditional-{id}");
                        div class=(item) {
                            input class=(input_class) id=(id) name=(i.name) type=(kind) value=(c.value)
                                checked[chosen.iter().any(|v| v == c.value)]
                                data-aria-controls=[c.reveal.as_ref().map(|_| reveal_id.clone())]
                                aria-describedby=[c.hint.map(|_| format!("{id}-item-hint"))];
                            label class=(label_class) for=(id) { (c.label) }
                            @if let Some(h) = c.hint { div id=(format!("{}-item-hint", id)) class=(hint_class) { (h) } }
                        }
                        @if let Some(r) = &c.reveal {
                            div class=(cls(&format!("{group}__conditional"), &format!("{group}__conditional--hidden"), !chosen.iter().any(|v| v == c.value))) id=(reveal_id) {
                                (r)
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A summary list row: key, value, and where to change it.
pub struct Row {
    pub key: String,
    pub value: Markup,
    pub change: Option<(String, String)>,
}

pub fn row(key: &str, value: impl Into<String>) -> Row {
    Row { key: key.into(), value: lines(&value.into()), change: None }
}

/// Text with its line breaks kept.
pub fn lines(text: &str) -> Markup {
    html! {
        @for (n, l) in text.lines().enumerate() {
            @if n > 0 { br; }
            (l)
        }
    }
}

pub fn summary_list(rows: &[Row]) -> Markup {
    html! {
        dl class="govuk-summary-list" {
            @for r in rows {
                div class=(cls("govuk-summary-list__row", "govuk-summary-list__row--no-actions", r.change.is_none())) {
                    dt class="govuk-summary-list__key" { (r.key) }
                    dd class="govuk-summary-list__value" { (r.value) }
                    @if let Some((href, what)) = &r.change {
                        dd class="govuk-summary-list__actions" {
                            a class="govuk-link" href=(href) { "Change" span class="govuk-visually-hidden" { " " (what) } }
                        }
                    }
                }
            }
        }
    }
}

pub fn warning(text: Markup) -> Markup {
    html! {
        div class="govuk-warning-text" {
            span class="govuk-warning-text__icon" aria-hidden="true" { "!" }
            strong class="govuk-warning-text__text" { span class="govuk-visually-hidden" { "Warning" } (text) }
        }
    }
}

pub fn panel(title: &str, body: Markup) -> Markup {
    html! {
        div class="govuk-panel govuk-panel--confirmation" {
            h1 class="govuk-panel__title" { (title) }
            div class="govuk-panel__body" { (body) }
        }
    }
}

pub fn banner(title: &str, body: Markup, success: bool) -> Markup {
    html! {
        div class=(cls("govuk-notification-banner", "govuk-notification-banner--success", success))
            role=(if success { "alert" } else { "region" }) aria-labelledby="govuk-notification-banner-title"
            data-module="govuk-notification-banner" {
            div class="govuk-notification-banner__header" {
                h2 class="govuk-notification-banner__title" id="govuk-notification-banner-title" { (title) }
            }
            div class="govuk-notification-banner__content" { (body) }
        }
    }
}

pub fn csrf(token: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(token); }
}

pub fn button(text: &str) -> Markup {
    html! { button type="submit" class="govuk-button" data-module="govuk-button" data-prevent-double-click="true" { (text) } }
}

pub fn tag(text: &str, colour: Option<&str>) -> Markup {
    html! { strong class=(colour.map(|c| format!("govuk-tag govuk-tag--{c}")).unwrap_or_else(|| "govuk-tag".into())) { (text) } }
}

/// Words for an API enum value: `UNIVERSAL_PLUS` → "Universal plus".
pub fn words(code: &str) -> String {
    let lower = code.replace('_', " ").to_lowercase();
    let mut c = lower.chars();
    c.next().map(|f| f.to_uppercase().collect::<String>() + c.as_str()).unwrap_or_default()
}

fn cls(base: &str, extra: &str, on: bool) -> String {
    if on { format!("{base} {extra}") } else { base.to_string() }
}
