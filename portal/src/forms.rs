//! The two forms, one question per page, then "check your answers": a request for support
//! and an update about a child open to social care. Answers live in the session until sent;
//! each form carries its own idempotency key, so a second press of "Send" makes no second
//! request. What the API refuses (`userErrors`) is shown on the field it names, on the page
//! that asks for it, and in the error summary of "check your answers".
use crate::App;
use crate::api::UserError;
use crate::html::{self, Choice, FieldError, Input, Label, choice, summary_list, value, words};
use crate::ops::{LevelsOfNeed, SubmitRequest, SubmitUpdate, levels_of_need, submit_request, submit_update};
use crate::pages::{Ctx, code, when};
use crate::session::Answers;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use maud::{Markup, html};
use serde_json::{Value, json};

pub fn routes() -> Router<App> {
    Router::new()
        .route("/portal/{form}/check", get(check_page).post(send))
        .route("/portal/{form}/done", get(done))
        .route("/portal/{form}/call-mash", get(call_mash))
        .route("/portal/request/children/remove", axum::routing::post(remove_child))
        .route("/portal/{form}/{step}", get(step_page).post(step_post))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FormKind {
    Request,
    Update,
}

impl FormKind {
    fn parse(s: &str) -> Option<FormKind> {
        match s {
            "request" => Some(FormKind::Request),
            "update" => Some(FormKind::Update),
            _ => None,
        }
    }
    fn name(self) -> &'static str {
        match self {
            FormKind::Request => "request",
            FormKind::Update => "update",
        }
    }
    fn steps(self) -> &'static [Step] {
        match self {
            FormKind::Request => REQUEST,
            FormKind::Update => UPDATE,
        }
    }
    fn nav(self) -> &'static str {
        match self {
            FormKind::Request => "/portal/request/risk",
            FormKind::Update => "/portal/update/guard",
        }
    }
}

/// A field on a page: its name and how it is asked.
#[derive(Clone, Copy)]
enum Kind {
    Text,
    Area,
    Date,
    Radio,
    Checks,
}

/// One page of a form.
struct Step {
    slug: &'static str,
    title: &'static str,
    /// The fields this page posts (a date's parts are `<name>-day` ... under its name).
    fields: &'static [(&'static str, Kind)],
    /// Asked only when this holds for the answers so far.
    applies: fn(&Answers) -> bool,
}

fn always(_: &Answers) -> bool {
    true
}

fn neglect_at_level_4(a: &Answers) -> bool {
    a.get("categories").is_some_and(|c| c.iter().any(|v| v == "NEGLECT")) && value(a, "level") == "SPECIALIST"
}

const REQUEST: &[Step] = &[
    Step {
        slug: "risk",
        title: "Is the child at immediate risk of significant harm?",
        fields: &[("immediate_risk", Kind::Radio)],
        applies: always,
    },
    Step {
        slug: "child",
        title: "About the child",
        fields: &[
            ("child_given", Kind::Text),
            ("child_family", Kind::Text),
            ("child_dob", Kind::Date),
            ("child_sex", Kind::Radio),
            ("child_address", Kind::Text),
            ("child_postcode", Kind::Text),
            ("child_school", Kind::Text),
        ],
        applies: always,
    },
    Step {
        slug: "children",
        title: "Children you are asking about",
        fields: &[("another_child", Kind::Radio)],
        applies: always,
    },
    Step {
        slug: "household",
        title: "The child's parent or carer",
        fields: &[
            ("carer_given", Kind::Text),
            ("carer_family", Kind::Text),
            ("carer_relationship", Kind::Radio),
            ("carer_pr", Kind::Radio),
            ("carer_lives", Kind::Radio),
        ],
        applies: always,
    },
    Step {
        slug: "concerns",
        title: "What worries you about the child?",
        fields: &[("concerns", Kind::Area)],
        applies: always,
    },
    Step {
        slug: "categories",
        title: "What are your concerns about?",
        fields: &[("categories", Kind::Checks)],
        applies: always,
    },
    Step { slug: "views", title: "What does the child say?", fields: &[("child_views", Kind::Area)], applies: always },
    Step {
        slug: "support",
        title: "What support is already in place?",
        fields: &[("support_in_place", Kind::Area), ("support_outcome", Kind::Area)],
        applies: always,
    },
    Step {
        slug: "consent",
        title: "Has the family consented to this request and to sharing information?",
        fields: &[("consent", Kind::Radio)],
        applies: always,
    },
    Step {
        slug: "consent-given",
        title: "About the consent",
        fields: &[("consent_given_by", Kind::Radio), ("consent_covers", Kind::Text), ("consent_date", Kind::Date)],
        applies: |a| value(a, "consent") == "GIVEN",
    },
    Step {
        slug: "consent-reason",
        title: "Why is there no consent?",
        fields: &[("consent_reason", Kind::Area)],
        applies: |a| matches!(value(a, "consent"), "REFUSED" | "NOT_SOUGHT"),
    },
    Step {
        slug: "consent-safeguarding",
        title: "Why would asking for consent put the child at risk?",
        fields: &[("consent_safeguarding_reason", Kind::Radio)],
        applies: |a| value(a, "consent") == "NOT_REQUIRED_SAFEGUARDING",
    },
    Step {
        slug: "parents",
        title: "Do the parents or carers know about this request?",
        fields: &[("parents_aware", Kind::Radio)],
        applies: always,
    },
    Step {
        slug: "parents-reason",
        title: "Why do the parents or carers not know?",
        fields: &[("parents_reason", Kind::Area)],
        applies: |a| value(a, "parents_aware") == "no",
    },
    Step {
        slug: "lead",
        title: "Have you talked to your safeguarding lead?",
        fields: &[("lead_discussed", Kind::Radio)],
        applies: always,
    },
    Step {
        slug: "lead-details",
        title: "Your conversation with your safeguarding lead",
        fields: &[("lead_name", Kind::Text), ("lead_date", Kind::Date)],
        applies: |a| yes(a, "lead_discussed"),
    },
    Step {
        slug: "level",
        title: "Which level of need do you see?",
        fields: &[("level", Kind::Radio)],
        applies: always,
    },
    Step {
        slug: "neglect",
        title: "A neglect screening is needed",
        fields: &[("neglect_screening", Kind::Text)],
        applies: neglect_at_level_4,
    },
];

const UPDATE: &[Step] = &[
    Step {
        slug: "guard",
        title: "Does this need an immediate safeguarding response?",
        fields: &[("immediate", Kind::Radio)],
        applies: always,
    },
    Step {
        slug: "child",
        title: "Which child is the update about?",
        fields: &[
            ("u_given", Kind::Text),
            ("u_family", Kind::Text),
            ("u_dob", Kind::Date),
            ("u_nhs", Kind::Text),
            ("u_upn", Kind::Text),
        ],
        applies: always,
    },
    Step { slug: "kind", title: "What is the update about?", fields: &[("kind", Kind::Radio)], applies: always },
    Step {
        slug: "contact",
        title: "How did the contact happen?",
        fields: &[("contact_mode", Kind::Radio)],
        applies: |a| value(a, "kind") == "CONTACT_WITH_CHILD",
    },
    Step {
        slug: "unsuccessful",
        title: "Why did the contact not happen?",
        fields: &[("unsuccessful_reason", Kind::Radio)],
        applies: |a| value(a, "kind") == "UNSUCCESSFUL_CONTACT",
    },
    Step {
        slug: "when",
        title: "When did it happen?",
        fields: &[("occurred", Kind::Date), ("occurred_time", Kind::Text)],
        applies: always,
    },
    Step {
        slug: "details",
        title: "What happened?",
        fields: &[("details", Kind::Area), ("concern", Kind::Radio)],
        applies: always,
    },
];

/// The pages asked only because of the answer on the page before them.
const FOLLOW_UPS: &[&str] = &[
    "consent-given",
    "consent-reason",
    "consent-safeguarding",
    "parents-reason",
    "lead-details",
    "neglect",
    "contact",
    "unsuccessful",
];

fn find(form: FormKind, slug: &str) -> Option<(usize, &'static Step)> {
    form.steps().iter().enumerate().find(|(_, s)| s.slug == slug)
}

/// The API takes up to 10 children in one request.
const MAX_CHILDREN: usize = 10;

/// Where child `n`'s answer to `field` is kept: the first child's under the field's name, the
/// others' under `<field>_<n + 1>` (the child page itself always uses the field's name).
fn key(field: &str, n: usize) -> String {
    if n == 0 { field.to_string() } else { format!("{field}_{}", n + 1) }
}

/// A kept answer's field and child: `child_dob_3` → (`child_dob`, 2).
fn split_key(k: &str) -> (&str, usize) {
    match k.rsplit_once('_') {
        Some((base, d)) if base.starts_with("child_") => match d.parse::<usize>() {
            Ok(d) if d >= 2 => (base, d - 1),
            _ => (k, 0),
        },
        _ => (k, 0),
    }
}

fn children_count(a: &Answers) -> usize {
    (0..MAX_CHILDREN).take_while(|n| a.contains_key(&key("child_given", *n))).count()
}

/// A field's names in a form: itself, or a date's three parts.
fn names(name: &str, kind: Kind) -> Vec<String> {
    match kind {
        Kind::Date => ["day", "month", "year"].iter().map(|p| format!("{name}-{p}")).collect(),
        _ => vec![name.to_string()],
    }
}

/// The answers as page `step` shows them for child `n` (under the page's own field names).
fn project(a: &Answers, step: &Step, n: usize) -> Answers {
    let mut v = a.clone();
    if n == 0 {
        return v;
    }
    for (f, kind) in step.fields {
        for (shown, kept) in names(f, *kind).into_iter().zip(names(&key(f, n), *kind)) {
            v.remove(&shown);
            if let Some(x) = a.get(&kept) {
                v.insert(shown, x.clone());
            }
        }
    }
    v
}

/// Keeps a page's answers (under the page's field names) as child `n`'s, replacing what the
/// page held before (an unticked box, an emptied field).
fn store(a: &mut Answers, step: &Step, n: usize, fields: Answers) {
    for (f, kind) in step.fields {
        for kept in names(&key(f, n), *kind) {
            a.remove(&kept);
        }
    }
    for (name, vals) in fields {
        let kept = match name.split_once('-') {
            Some((f, part)) => format!("{}-{part}", key(f, n)),
            None => key(&name, n),
        };
        a.insert(kept, vals);
    }
}

/// `n=<child>` and `change=1` from a query string or a posted form.
fn page_params<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>, a: &Answers) -> (usize, bool) {
    let (mut n, mut changing) = (0, false);
    for (k, v) in pairs {
        match k {
            "n" => n = v.parse().unwrap_or(0),
            "change" => changing = v == "1",
            _ => {}
        }
    }
    // Any child kept so far, or the next one.
    (n.min(children_count(a)).min(MAX_CHILDREN - 1), changing)
}

fn prev_path(form: FormKind, at: usize, a: &Answers) -> String {
    form.steps()[..at]
        .iter()
        .rev()
        .find(|s| (s.applies)(a))
        .map(|s| format!("/portal/{}/{}", form.name(), s.slug))
        .unwrap_or_else(|| "/portal/".into())
}

fn next_path(form: FormKind, at: usize, a: &Answers) -> String {
    form.steps()[at + 1..]
        .iter()
        .find(|s| (s.applies)(a))
        .map(|s| format!("/portal/{}/{}", form.name(), s.slug))
        .unwrap_or_else(|| format!("/portal/{}/check", form.name()))
}

/// The posted fields of a step, as answers (empty ones left out).
fn take(step: &Step, posted: &[(String, String)]) -> Answers {
    let mut a = Answers::new();
    for (name, kind) in step.fields {
        for n in names(name, *kind) {
            // Browsers send a textarea's line breaks as CR LF; the API takes LF.
            let vals: Vec<String> = posted
                .iter()
                .filter(|(k, _)| *k == n)
                .map(|(_, v)| v.replace("\r\n", "\n").replace('\r', "\n").trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            if !vals.is_empty() {
                a.insert(n, vals);
            }
        }
    }
    a
}

/// A date's three boxes as `YYYY-MM-DD`: `None` when all are empty, `Err` when not a real date.
fn date(a: &Answers, name: &str) -> Option<Result<String, ()>> {
    let parts: Vec<&str> = ["day", "month", "year"].iter().map(|p| value(a, &format!("{name}-{p}"))).collect();
    if parts.iter().all(|p| p.is_empty()) {
        return None;
    }
    let (d, m, y) = (parts[0].parse::<u32>(), parts[1].parse::<u32>(), parts[2].parse::<i32>());
    Some(match (d, m, y) {
        (Ok(d), Ok(m), Ok(y)) if parts[2].len() == 4 => {
            chrono::NaiveDate::from_ymd_opt(y, m, d).map(|d| d.format("%Y-%m-%d").to_string()).ok_or(())
        }
        _ => Err(()),
    })
}

fn err(id: &str, message: &str) -> FieldError {
    FieldError { id: id.into(), message: message.into() }
}

fn yes(a: &Answers, name: &str) -> bool {
    value(a, name) == "yes"
}

/// The checks a page makes before moving on: what must be answered, and dates that are real.
/// Everything else is the API's to judge (its `userErrors` come back onto the fields).
fn check_step(form: FormKind, slug: &str, a: &Answers) -> Vec<FieldError> {
    let mut e = vec![];
    let need = |e: &mut Vec<FieldError>, name: &str, msg: &str| {
        if !a.contains_key(name) {
            e.push(err(name, msg));
        }
    };
    let real_date = |e: &mut Vec<FieldError>, name: &str, label: &str, required: bool| match date(a, name) {
        None if required => e.push(err(name, &format!("Enter {label}"))),
        Some(Err(())) => e.push(err(name, &format!("{} must be a real date", html::words(label)))),
        _ => {}
    };
    match (form, slug) {
        (FormKind::Request, "risk") => {
            need(&mut e, "immediate_risk", "Select yes if the child is at immediate risk of significant harm")
        }
        (FormKind::Request, "child") => {
            need(&mut e, "child_given", "Enter the child's first name");
            need(&mut e, "child_family", "Enter the child's last name");
            real_date(&mut e, "child_dob", "the child's date of birth", false);
            need(&mut e, "child_sex", "Select the child's sex, or not known");
        }
        (FormKind::Request, "household") if a.contains_key("carer_given") || a.contains_key("carer_family") => {
            need(&mut e, "carer_given", "Enter the parent or carer's first name");
            need(&mut e, "carer_family", "Enter the parent or carer's last name");
            need(&mut e, "carer_relationship", "Select how they are related to the child");
            need(&mut e, "carer_pr", "Select yes if they have parental responsibility");
            need(&mut e, "carer_lives", "Select yes if they live with the child");
        }
        (FormKind::Request, "children") if children_count(a) < MAX_CHILDREN => {
            need(&mut e, "another_child", "Select yes if you need to add another child")
        }
        (FormKind::Request, "concerns") => need(&mut e, "concerns", "Enter what worries you about the child"),
        (FormKind::Request, "categories") => {
            need(&mut e, "categories", "Select at least one thing your concerns are about")
        }
        (FormKind::Request, "consent") => need(&mut e, "consent", "Select whether consent was given"),
        (FormKind::Request, "consent-given") => {
            need(&mut e, "consent_given_by", "Select who gave consent");
            real_date(&mut e, "consent_date", "the date consent was given", true);
        }
        (FormKind::Request, "consent-reason") => need(&mut e, "consent_reason", "Enter why there is no consent"),
        (FormKind::Request, "consent-safeguarding") => {
            need(&mut e, "consent_safeguarding_reason", "Select why consent is not needed")
        }
        (FormKind::Request, "parents") => {
            need(&mut e, "parents_aware", "Select yes if the parents or carers know about this request")
        }
        (FormKind::Request, "parents-reason") => {
            need(&mut e, "parents_reason", "Enter why the parents or carers do not know")
        }
        (FormKind::Request, "lead") => {
            need(&mut e, "lead_discussed", "Select yes if you talked to your safeguarding lead")
        }
        (FormKind::Request, "lead-details") => {
            need(&mut e, "lead_name", "Enter your safeguarding lead's name");
            real_date(&mut e, "lead_date", "the date you talked to them", true);
        }
        (FormKind::Request, "level") => need(&mut e, "level", "Select the level of need you see"),
        (FormKind::Request, "neglect") => need(&mut e, "neglect_screening", "Enter the neglect screening's reference"),
        (FormKind::Update, "guard") => {
            need(&mut e, "immediate", "Select yes if this needs an immediate safeguarding response")
        }
        (FormKind::Update, "child") => {
            need(&mut e, "u_given", "Enter the child's first name");
            need(&mut e, "u_family", "Enter the child's last name");
            real_date(&mut e, "u_dob", "the child's date of birth", true);
        }
        (FormKind::Update, "kind") => need(&mut e, "kind", "Select what the update is about"),
        (FormKind::Update, "contact") => need(&mut e, "contact_mode", "Select how the contact happened"),
        (FormKind::Update, "unsuccessful") => {
            need(&mut e, "unsuccessful_reason", "Select why the contact did not happen")
        }
        (FormKind::Update, "when") => {
            real_date(&mut e, "occurred", "the date it happened", true);
            if time(value(a, "occurred_time")).is_none() {
                e.push(err("occurred_time", "Enter the time it happened, like 14:30"));
            }
        }
        (FormKind::Update, "details") => {
            need(&mut e, "details", "Enter what happened");
            need(&mut e, "concern", "Select yes if you are concerned");
        }
        _ => {}
    }
    e
}

fn time(t: &str) -> Option<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(t.trim(), "%H:%M").ok()
}

/// Answers for a page: what is stored, with what was posted before a sign-in laid over them
/// (and kept from now on, as if posted: checked when the page is next sent).
fn answers_for(ctx: &mut Ctx, form: FormKind, path: &str, step: &Step, n: usize) -> Answers {
    if let Some((p, fields)) = ctx.s.resume.take() {
        if p == path {
            store(ctx.s.forms.entry(form.name().into()).or_default(), step, n, fields);
        } else {
            ctx.s.resume = Some((p, fields));
        }
    }
    ctx.s.forms.get(form.name()).cloned().unwrap_or_default()
}

/// The API's refusals for this page's fields.
fn api_errors(ctx: &Ctx, form: FormKind, step: &Step, n: usize) -> Vec<FieldError> {
    let Some(all) = ctx.s.field_errors.get(form.name()) else { return vec![] };
    step.fields.iter().filter_map(|(f, _)| all.get(&key(f, n)).and_then(|m| m.first()).map(|m| err(f, m))).collect()
}

pub async fn step_page(
    State(app): State<App>,
    headers: HeaderMap,
    Path((form, slug)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Response {
    let mut ctx = Ctx::load(&app, &headers);
    let (Some(form), path) = (FormKind::parse(&form), format!("/portal/{form}/{slug}")) else {
        return crate::pages::not_found(State(app), headers).await;
    };
    let Some((at, step)) = find(form, &slug) else { return crate::pages::not_found(State(app), headers).await };
    let kept = ctx.s.forms.get(form.name()).cloned().unwrap_or_default();
    let pairs = query.as_deref().unwrap_or("").split('&').filter_map(|kv| kv.split_once('='));
    let (n, changing) = page_params(pairs, &kept);
    let path = if n > 0 { format!("{path}?n={n}") } else { path };
    let Some(token) = ctx.token() else { return ctx.send_to_sign_in(&app, &path, None) };
    let a = answers_for(&mut ctx, form, &path, step, n);
    let errors = api_errors(&ctx, form, step, n);
    let view = project(&a, step, n);
    render_step(ctx, &app, &token, (form, at, step, changing, n), &view, &errors).await
}

async fn render_step(
    ctx: Ctx,
    app: &App,
    token: &str,
    (form, at, step, changing, n): (FormKind, usize, &Step, bool, usize),
    a: &Answers,
    errors: &[FieldError],
) -> Response {
    let path = format!("/portal/{}/{}", form.name(), step.slug);
    let levels = if step.slug == "level" {
        match app.api.run::<LevelsOfNeed>(token, levels_of_need::Variables).await {
            Ok(d) => d.levels_of_need,
            Err(e) => return ctx.api_failed(app, &path, e, None),
        }
    } else {
        vec![]
    };
    let caption = match form {
        FormKind::Request => "Request support for a child",
        FormKind::Update => "Share an update about a child",
    };
    let body = html! {
        div class="govuk-grid-row" {
            div class="govuk-grid-column-two-thirds" {
                (html::error_summary(errors))
                form method="post" action=(path) novalidate {
                    (html::csrf(&ctx.s.csrf))
                    @if changing { input type="hidden" name="change" value="1"; }
                    @if n > 0 { input type="hidden" name="n" value=(n); }
                    span class="govuk-caption-l" { (caption) @if step.slug == "child" && n > 0 { ": child " (n + 1) } }
                    (questions(form, step, a, errors, &levels))
                    (html::button("Continue"))
                }
                @if step.slug == "children" {
                    @for k in 0..children_count(a) {
                        form id={ "remove-" (k) } method="post" action="/portal/request/children/remove" {
                            (html::csrf(&ctx.s.csrf))
                            input type="hidden" name="n" value=(k);
                        }
                    }
                }
            }
        }
    };
    let back = if n > 0 { format!("/portal/{}/children", form.name()) } else { prev_path(form, at, a) };
    let mut f = ctx.frame(step.title, form.nav());
    f.has_errors = !errors.is_empty();
    f.back = Some(&back);
    ctx.page(app, f, body)
}

fn yes_no<'a>(yes_reveal: Option<Markup>, no_reveal: Option<Markup>) -> Vec<Choice<'a>> {
    vec![
        Choice { value: "yes", label: "Yes", hint: None, reveal: yes_reveal },
        Choice { value: "no", label: "No", hint: None, reveal: no_reveal },
    ]
}

fn q<'a>(name: &'a str, label: &'a str, hint: Option<&'a str>, how: Label) -> Input<'a> {
    Input { name, label, hint, how, width: None, autocomplete: None }
}

const RELATIONSHIPS: &[&str] = &[
    "MOTHER",
    "FATHER",
    "STEP_PARENT",
    "PARTNER_OF_PARENT",
    "GRANDPARENT",
    "SIBLING",
    "HALF_SIBLING",
    "AUNT_OR_UNCLE",
    "FOSTER_CARER",
    "OTHER_RELATIVE",
    "OTHER",
];

const CATEGORIES: &[&str] = &[
    "NEGLECT",
    "EMOTIONAL_ABUSE",
    "PHYSICAL_ABUSE_ADULT_ON_CHILD",
    "PHYSICAL_ABUSE_CHILD_ON_CHILD",
    "SEXUAL_ABUSE_ADULT_ON_CHILD",
    "SEXUAL_ABUSE_CHILD_ON_CHILD",
    "DOMESTIC_ABUSE_CHILD",
    "DOMESTIC_ABUSE_PARENT",
    "DOMESTIC_ABUSE_OTHER",
    "MENTAL_HEALTH_CHILD",
    "MENTAL_HEALTH_PARENT",
    "MENTAL_HEALTH_OTHER",
    "ALCOHOL_MISUSE_CHILD",
    "ALCOHOL_MISUSE_PARENT",
    "ALCOHOL_MISUSE_OTHER",
    "DRUG_MISUSE_CHILD",
    "DRUG_MISUSE_PARENT",
    "DRUG_MISUSE_OTHER",
    "LEARNING_DISABILITY_CHILD",
    "LEARNING_DISABILITY_PARENT",
    "LEARNING_DISABILITY_OTHER",
    "PHYSICAL_DISABILITY_OR_ILLNESS_CHILD",
    "PHYSICAL_DISABILITY_OR_ILLNESS_PARENT",
    "PHYSICAL_DISABILITY_OR_ILLNESS_OTHER",
    "YOUNG_CARER",
    "GOING_MISSING",
    "CHILD_SEXUAL_EXPLOITATION",
    "CHILD_CRIMINAL_EXPLOITATION",
    "TRAFFICKING",
    "GANGS",
    "SELF_HARM",
    "SOCIALLY_UNACCEPTABLE_BEHAVIOUR",
    "PRIVATELY_FOSTERED_OVERSEAS_RETURNING",
    "PRIVATELY_FOSTERED_OVERSEAS_STAYING",
    "PRIVATELY_FOSTERED_UK_EDUCATIONAL",
    "PRIVATELY_FOSTERED_UK_FAMILY_ARRANGEMENT",
    "PRIVATELY_FOSTERED_OTHER",
    "UNACCOMPANIED_ASYLUM_SEEKING",
    "FEMALE_GENITAL_MUTILATION",
    "ABUSE_LINKED_TO_FAITH_OR_BELIEF",
    "OTHER",
];

const KINDS: &[(&str, &str, &str)] = &[
    ("CONTACT_WITH_CHILD", "Contact with the child", "You saw or spoke to the child"),
    ("UNSUCCESSFUL_CONTACT", "Unsuccessful contact", "A planned contact did not happen"),
    ("CHANGE_IN_SERVICES", "A change in services", "A service started, stopped or changed"),
    (
        "CHANGE_IN_CIRCUMSTANCES",
        "A change in circumstances",
        "For example a new address or someone new in the household",
    ),
    ("OTHER", "Something else", ""),
];

fn questions(
    form: FormKind,
    step: &Step,
    a: &Answers,
    e: &[FieldError],
    levels: &[levels_of_need::LevelsOfNeedLevelsOfNeed],
) -> Markup {
    use Label::{Field, Heading};
    let labels: Vec<(String, String)>;
    match (form, step.slug) {
        (FormKind::Request, "risk") => html! {
            (html::radios(&q("immediate_risk", step.title, Some("For example, the child has been hurt, or will be unsafe tonight."), Heading), yes_no(None, None), a, e))
        },
        (FormKind::Request, "child") => html! {
            h1 class="govuk-heading-l" { (step.title) }
            (html::text_input(&Input { width: Some("20"), ..q("child_given", "First name", None, Field) }, a, e))
            (html::text_input(&Input { width: Some("20"), ..q("child_family", "Last name", None, Field) }, a, e))
            (html::date_input(&q("child_dob", "Date of birth", Some("For example, 27 3 2019. Leave it empty if you do not know it."), Field), a, e))
            (html::radios(&q("child_sex", "Sex", None, Field), vec![choice("FEMALE", "Female"), choice("MALE", "Male"), choice("UNKNOWN", "Not known")], a, e))
            (html::text_input(&q("child_address", "Address (optional)", Some("On one line"), Field), a, e))
            (html::text_input(&Input { width: Some("10"), ..q("child_postcode", "Postcode (optional)", None, Field) }, a, e))
            (html::text_input(&q("child_school", "School or early years setting (optional)", None, Field), a, e))
        },
        (FormKind::Request, "children") => {
            let count = children_count(a);
            html! {
                h1 class="govuk-heading-l" { (step.title) }
                dl class="govuk-summary-list" {
                    @for n in 0..count {
                        div class="govuk-summary-list__row" {
                            dt class="govuk-summary-list__key" { "Child " (n + 1) }
                            dd class="govuk-summary-list__value" {
                                (value(a, &key("child_given", n))) " " (value(a, &key("child_family", n)))
                                @if let Some(Ok(d)) = date(a, &key("child_dob", n)) { br; (crate::pages::day(&d)) }
                            }
                            dd class="govuk-summary-list__actions" {
                                ul class="govuk-summary-list__actions-list" {
                                    li class="govuk-summary-list__actions-list-item" {
                                        a class="govuk-link" href={ "/portal/request/child?n=" (n) } { "Change" span class="govuk-visually-hidden" { " child " (n + 1) } }
                                    }
                                    @if count > 1 {
                                        li class="govuk-summary-list__actions-list-item" {
                                            button type="submit" form={ "remove-" (n) } class="govuk-button govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button" {
                                                "Remove" span class="govuk-visually-hidden" { " child " (n + 1) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                @if count < MAX_CHILDREN {
                    (html::radios(&q("another_child", "Do you need to add another child?", Some("Brothers, sisters or other children in the household you are also worried about."), Field), yes_no(None, None), a, e))
                } @else {
                    p class="govuk-body" { "You have added " (MAX_CHILDREN) " children, the most one request can hold." }
                }
            }
        }
        (FormKind::Request, "household") => {
            labels = RELATIONSHIPS.iter().map(|r| (r.to_string(), words(r))).collect();
            html! {
                h1 class="govuk-heading-l" { (step.title) }
                p class="govuk-body" { "Tell us about one parent or carer if you know them. Leave this page empty if you do not." }
                (html::text_input(&Input { width: Some("20"), ..q("carer_given", "First name", None, Field) }, a, e))
                (html::text_input(&Input { width: Some("20"), ..q("carer_family", "Last name", None, Field) }, a, e))
                (html::radios(&q("carer_relationship", "How are they related to the child?", None, Field), labels.iter().map(|(v, l)| choice(v, l)).collect(), a, e))
                (html::radios(&q("carer_pr", "Do they have parental responsibility?", None, Field), yes_no(None, None), a, e))
                (html::radios(&q("carer_lives", "Do they live with the child?", None, Field), yes_no(None, None), a, e))
            }
        }
        (FormKind::Request, "concerns") => html! {
            (html::textarea(&q("concerns", step.title, Some("Say what you have seen or heard, when, and how it affects the child."), Heading), a, e))
        },
        (FormKind::Request, "categories") => {
            labels = CATEGORIES.iter().map(|c| (c.to_string(), words(c))).collect();
            html! {
                (html::checkboxes(&q("categories", step.title, Some("Select all that apply."), Heading), labels.iter().map(|(v, l)| choice(v, l)).collect(), a, e))
            }
        }
        (FormKind::Request, "views") => html! {
            (html::textarea(&q("child_views", step.title, Some("The child's own words and wishes, if you know them (optional)."), Heading), a, e))
        },
        (FormKind::Request, "support") => html! {
            h1 class="govuk-heading-l" { (step.title) }
            (html::textarea(&q("support_in_place", "Support in place (optional)", Some("Services and people already helping the child and family."), Field), a, e))
            (html::textarea(&q("support_outcome", "How has it gone? (optional)", None, Field), a, e))
        },
        (FormKind::Request, "consent") => html! {
            (html::radios(&q("consent", step.title, None, Heading), vec![
                choice("GIVEN", "Yes, consent was given"),
                choice("REFUSED", "No, it was refused"),
                choice("NOT_SOUGHT", "No, it was not asked for"),
                Choice { value: "NOT_REQUIRED_SAFEGUARDING", label: "Not needed: asking would put the child at risk", hint: Some("Significant harm is suspected, or asking would increase the risk or prejudice an investigation."), reveal: None },
            ], a, e))
        },
        (FormKind::Request, "consent-given") => html! {
            h1 class="govuk-heading-l" { (step.title) }
            (html::radios(&q("consent_given_by", "Who gave consent?", None, Field), vec![choice("PARENT_CARER", "A parent or carer"), choice("YOUNG_PERSON", "The young person"), choice("BOTH", "Both")], a, e))
            (html::text_input(&q("consent_covers", "What does it cover? (optional)", None, Field), a, e))
            (html::date_input(&q("consent_date", "When was it given?", Some("For example, 27 11 2026"), Field), a, e))
        },
        (FormKind::Request, "consent-reason") => html! {
            (html::textarea(&q("consent_reason", step.title, Some("Say why you are making the request without consent."), Heading), a, e))
        },
        (FormKind::Request, "consent-safeguarding") => html! {
            (html::radios(&q("consent_safeguarding_reason", step.title, None, Heading), vec![
                choice("SIGNIFICANT_HARM_SUSPECTED", "Significant harm is suspected"),
                choice("WOULD_INCREASE_RISK", "Asking would increase the risk to the child"),
                choice("WOULD_PREJUDICE_INVESTIGATION", "Asking would prejudice an investigation"),
            ], a, e))
        },
        (FormKind::Request, "parents") => html! {
            (html::radios(&q("parents_aware", step.title, None, Heading), yes_no(None, None), a, e))
        },
        (FormKind::Request, "parents-reason") => html! {
            (html::textarea(&q("parents_reason", step.title, None, Heading), a, e))
        },
        (FormKind::Request, "lead") => html! {
            (html::radios(&q("lead_discussed", step.title, Some("Your organisation's designated safeguarding lead."), Heading), yes_no(None, None), a, e))
        },
        (FormKind::Request, "lead-details") => html! {
            h1 class="govuk-heading-l" { (step.title) }
            (html::text_input(&q("lead_name", "Their name", None, Field), a, e))
            (html::date_input(&q("lead_date", "When did you talk?", Some("For example, 27 11 2026"), Field), a, e))
        },
        (FormKind::Request, "level") => {
            labels = levels.iter().map(|l| (code(&l.level), format!("Level {}: {}", l.ordinal, l.name))).collect();
            let hints: Vec<&str> = levels.iter().map(|l| l.expected_response.as_str()).collect();
            html! {
                (html::radios(&q("level", step.title, Some("The hub decides the level; yours helps it."), Heading),
                    labels.iter().zip(&hints).map(|((v, l), h)| Choice { value: v, label: l, hint: Some(h), reveal: None }).collect(), a, e))
                p class="govuk-body" { a class="govuk-link" href="/portal/levels-of-need" { "Read the indicators for each level" } }
            }
        }
        (FormKind::Request, "neglect") => html! {
            h1 class="govuk-heading-l" { (step.title) }
            p class="govuk-body" { "Under Blackpool's Neglect Protocol, a request about neglect at level 4 comes with a completed neglect screening." }
            (html::text_input(&Input { width: Some("20"), ..q("neglect_screening", "The screening's ID", Some("The ID the screening tool gave when you completed it."), Field) }, a, e))
        },
        (FormKind::Update, "guard") => html! {
            (html::radios(&q("immediate", step.title, Some("This service is not for an immediate safeguarding response."), Heading), yes_no(None, None), a, e))
        },
        (FormKind::Update, "child") => html! {
            h1 class="govuk-heading-l" { (step.title) }
            (html::text_input(&Input { width: Some("20"), ..q("u_given", "First name", None, Field) }, a, e))
            (html::text_input(&Input { width: Some("20"), ..q("u_family", "Last name", None, Field) }, a, e))
            (html::date_input(&q("u_dob", "Date of birth", Some("For example, 27 3 2019"), Field), a, e))
            (html::text_input(&Input { width: Some("10"), ..q("u_nhs", "NHS number (optional)", Some("10 digits"), Field) }, a, e))
            (html::text_input(&Input { width: Some("20"), ..q("u_upn", "Unique pupil number (optional)", Some("13 letters and digits"), Field) }, a, e))
        },
        (FormKind::Update, "kind") => html! {
            (html::radios(&q("kind", step.title, None, Heading), KINDS.iter().map(|(v, l, h)| {
                Choice { value: v, label: l, hint: (!h.is_empty()).then_some(*h), reveal: None }
            }).collect(), a, e))
        },
        (FormKind::Update, "contact") => html! {
            (html::radios(&q("contact_mode", step.title, None, Heading), vec![choice("FACE_TO_FACE", "Face to face"), choice("PHONE", "By phone"), choice("VIRTUAL", "By video call")], a, e))
        },
        (FormKind::Update, "unsuccessful") => html! {
            (html::radios(&q("unsuccessful_reason", step.title, None, Heading), vec![
                choice("NOT_BROUGHT_TO_APPOINTMENT", "The child was not brought to an appointment"),
                choice("NOT_PRESENT_AT_HOME_VISIT", "Nobody was at home for a visit"),
                choice("OTHER", "Another reason"),
            ], a, e))
        },
        (FormKind::Update, "when") => html! {
            h1 class="govuk-heading-l" { (step.title) }
            (html::date_input(&q("occurred", "Date", Some("For example, 27 11 2026"), Field), a, e))
            (html::text_input(&Input { width: Some("5"), ..q("occurred_time", "Time", Some("In 24-hour time, like 14:30"), Field) }, a, e))
        },
        (FormKind::Update, "details") => html! {
            h1 class="govuk-heading-l" { (step.title) }
            (html::textarea(&q("details", "What should the child's social worker know?", None, Field), a, e))
            (html::radios(&q("concern", "Are you concerned?", Some("A concern goes straight to a team manager."), Field), yes_no(None, None), a, e))
        },
        _ => html! {},
    }
}

pub async fn step_post(
    State(app): State<App>,
    headers: HeaderMap,
    Path((form, slug)): Path<(String, String)>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Response {
    let mut ctx = Ctx::load(&app, &headers);
    let (Some(form), path) = (FormKind::parse(&form), format!("/portal/{form}/{slug}")) else {
        return crate::pages::not_found(State(app), headers).await;
    };
    let Some((at, step)) = find(form, &slug) else { return crate::pages::not_found(State(app), headers).await };
    if !ctx.csrf_ok(&posted) {
        return ctx.csrf_failed(&app);
    }
    let fields = take(step, &posted);
    let mut a = ctx.s.forms.get(form.name()).cloned().unwrap_or_default();
    let (n, changing) = page_params(posted.iter().map(|(k, v)| (k.as_str(), v.as_str())), &a);
    let path = if n > 0 { format!("{path}?n={n}") } else { path };
    let Some(token) = ctx.token() else { return ctx.send_to_sign_in(&app, &path, Some(fields)) };
    // What the page shows, with what was posted in place of what it held.
    let mut view = project(&a, step, n);
    for (f, kind) in step.fields {
        for shown in names(f, *kind) {
            view.remove(&shown);
        }
    }
    view.extend(fields.clone());
    let errors = check_step(form, step.slug, &view);
    if !errors.is_empty() {
        return render_step(ctx, &app, &token, (form, at, step, changing, n), &view, &errors).await;
    }
    store(&mut a, step, n, fields);
    if let Some(all) = ctx.s.field_errors.get_mut(form.name()) {
        for (f, _) in step.fields {
            all.remove(&key(f, n));
        }
    }
    a.entry("_key".into()).or_insert_with(|| vec![uuid::Uuid::new_v4().to_string()]);
    let stop = (form == FormKind::Request && slug == "risk" && yes(&a, "immediate_risk"))
        || (form == FormKind::Update && slug == "guard" && yes(&a, "immediate"));
    ctx.s.forms.insert(form.name().into(), a.clone());
    let another = form == FormKind::Request && slug == "children" && yes(&a, "another_child");
    if another {
        // Asked afresh each time the list is shown.
        a.remove("another_child");
        ctx.s.forms.insert(form.name().into(), a.clone());
    }
    let next = if stop {
        format!("/portal/{}/call-mash", form.name())
    } else if another {
        format!("/portal/request/child?n={}", children_count(&a))
    } else if slug == "child" && form == FormKind::Request && !changing {
        "/portal/request/children".to_string()
    } else if changing {
        // Back to "check your answers", unless the change opened a question not yet answered.
        match form.steps()[at + 1..].iter().find(|s| (s.applies)(&a)) {
            Some(s)
                if FOLLOW_UPS.contains(&s.slug)
                    && !s.fields.iter().any(|(f, _)| a.keys().any(|k| k == f || k.starts_with(&format!("{f}-")))) =>
            {
                format!("/portal/{}/{}?change=1", form.name(), s.slug)
            }
            _ => format!("/portal/{}/check", form.name()),
        }
    } else {
        next_path(form, at, &a)
    };
    ctx.reply(&app, Redirect::to(&next))
}

/// Removes child `n` from the request being made; the children after it move up.
pub async fn remove_child(
    State(app): State<App>,
    headers: HeaderMap,
    Form(posted): Form<Vec<(String, String)>>,
) -> Response {
    let mut ctx = Ctx::load(&app, &headers);
    if !ctx.csrf_ok(&posted) {
        return ctx.csrf_failed(&app);
    }
    if ctx.token().is_none() {
        return ctx.send_to_sign_in(&app, "/portal/request/children", None);
    }
    let mut a = ctx.s.forms.get("request").cloned().unwrap_or_default();
    let count = children_count(&a);
    let n: usize = posted.iter().find(|(k, _)| k == "n").and_then(|(_, v)| v.parse().ok()).unwrap_or(usize::MAX);
    if count > 1 && n < count {
        let step = find(FormKind::Request, "child").expect("the child page").1;
        for k in n..count {
            let next = project(&a, step, k + 1);
            let fields: Answers = step
                .fields
                .iter()
                .flat_map(|(f, kind)| names(f, *kind))
                .filter_map(|name| next.get(&name).map(|v| (name, v.clone())))
                .collect();
            if k + 1 < count {
                store(&mut a, step, k, fields);
            } else {
                store(&mut a, step, k, Answers::new());
            }
        }
        ctx.s.field_errors.remove("request");
        ctx.s.forms.insert("request".into(), a);
    }
    ctx.reply(&app, Redirect::to("/portal/request/children"))
}

pub async fn call_mash(State(app): State<App>, headers: HeaderMap, Path(form): Path<String>) -> Response {
    let ctx = Ctx::load(&app, &headers);
    let Some(form) = FormKind::parse(&form) else { return crate::pages::not_found(State(app), headers).await };
    let body = html! {
        h1 class="govuk-heading-l" { "Telephone the MASH now" }
        (html::warning(html! { "A child at immediate risk of significant harm needs a response now, not a form." }))
        p class="govuk-body-l" { "Call the Multi-Agency Safeguarding Hub on " strong { "01253 477299" } "." }
        p class="govuk-body" { "If the child is in immediate danger, call 999." }
        p class="govuk-body" { "After your call, the hub will tell you if it needs anything in writing." }
        p class="govuk-body" { a class="govuk-link" href={ "/portal/" (form.name()) "/" (form.steps()[0].slug) } { "Go back: the child is not at immediate risk" } }
    };
    let f = ctx.frame("Telephone the MASH now", form.nav());
    ctx.page(&app, f, body)
}

/// Which page, and which field on it, asks for what an API error names.
fn field_of(form: FormKind, path: &[String]) -> Option<String> {
    // Which child, for a child's field (`input.children.2.dateOfBirth`).
    let child = match path.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        [.., "children", i, _] | [.., "children", i] => i.parse::<usize>().unwrap_or(0),
        _ => 0,
    };
    let names: Vec<&str> =
        path.iter().map(String::as_str).filter(|p| *p != "input" && p.parse::<usize>().is_err()).collect();
    let f = match form {
        FormKind::Request => match names.as_slice() {
            ["children", "givenName"] => "child_given",
            ["children", "familyName"] => "child_family",
            ["children", "dateOfBirth"] | ["children", "expectedDateOfDelivery"] | ["children"] => "child_dob",
            ["children", "sex"] => "child_sex",
            ["children", "addressLine"] => "child_address",
            ["children", "postcode"] => "child_postcode",
            ["children", "schoolOrSetting"] => "child_school",
            ["household", "givenName"] => "carer_given",
            ["household", "familyName"] => "carer_family",
            ["household", "relationship"] => "carer_relationship",
            ["household", ..] => "carer_given",
            ["concerns"] => "concerns",
            ["concernCategories"] => "categories",
            ["childViews"] => "child_views",
            ["supportInPlace"] => "support_in_place",
            ["supportOutcome"] => "support_outcome",
            ["consent", "givenBy"] => "consent_given_by",
            ["consent", "covers"] => "consent_covers",
            ["consent", "date"] => "consent_date",
            ["consent", "reason"] => "consent_reason",
            ["consent", "safeguardingReason"] => "consent_safeguarding_reason",
            ["consent", ..] => "consent",
            ["parentsAware"] => "parents_aware",
            ["parentsNotAwareReason"] => "parents_reason",
            ["discussedWithSafeguardingLead"] => "lead_discussed",
            ["safeguardingLeadName"] => "lead_name",
            ["safeguardingLeadConsultedOn"] => "lead_date",
            ["referrerLevel"] => "level",
            ["neglectScreeningId"] => "neglect_screening",
            ["immediateRiskOfSignificantHarm"] | ["phoneContactMadeAt"] => "immediate_risk",
            _ => return None,
        },
        FormKind::Update => match names.as_slice() {
            ["childGivenName"] => "u_given",
            ["childFamilyName"] => "u_family",
            ["childDateOfBirth"] => "u_dob",
            ["nhsNumber"] => "u_nhs",
            ["upn"] => "u_upn",
            ["kind"] => "kind",
            ["contactMode"] => "contact_mode",
            ["unsuccessfulReason"] => "unsuccessful_reason",
            ["occurredAt"] => "occurred",
            ["details"] => "details",
            ["concern"] => "concern",
            ["needsImmediateSafeguardingResponse"] => "immediate",
            _ => return None,
        },
    };
    Some(if f.starts_with("child_") { key(f, child) } else { f.to_string() })
}

/// What a field is called in an error message (the API's messages name the rule, not the field).
fn label_of(field: &str) -> &'static str {
    match field {
        "child_given" => "The child's first name",
        "child_family" => "The child's last name",
        "child_dob" => "The child's date of birth",
        "child_sex" => "The child's sex",
        "child_address" => "The child's address",
        "child_postcode" => "The child's postcode",
        "child_school" => "The child's school or setting",
        "carer_given" | "carer_family" | "carer_relationship" | "carer_pr" | "carer_lives" => "The parent or carer",
        "concerns" => "What worries you",
        "categories" => "What your concerns are about",
        "child_views" => "The child's views",
        "support_in_place" | "support_outcome" => "The support in place",
        "consent"
        | "consent_given_by"
        | "consent_covers"
        | "consent_date"
        | "consent_reason"
        | "consent_safeguarding_reason" => "Consent",
        "parents_aware" | "parents_reason" => "Whether the parents know",
        "lead_discussed" | "lead_name" | "lead_date" => "Your safeguarding lead",
        "level" => "The level of need",
        "neglect_screening" => "The neglect screening",
        "another_child" => "Another child",
        "immediate_risk" | "immediate" => "Immediate risk",
        "u_given" => "The child's first name",
        "u_family" => "The child's last name",
        "u_dob" => "The child's date of birth",
        "u_nhs" => "The NHS number",
        "u_upn" => "The unique pupil number",
        "kind" | "contact_mode" | "unsuccessful_reason" => "What the update is about",
        "occurred" | "occurred_time" => "When it happened",
        "details" => "What happened",
        "concern" => "Whether you are concerned",
        _ => "An answer",
    }
}

fn step_of(form: FormKind, field: &str) -> &'static Step {
    let field = split_key(field).0;
    form.steps().iter().find(|s| s.fields.iter().any(|(f, _)| *f == field)).unwrap_or(&form.steps()[0])
}

/// What to send: the answers as the API's input, typed by the operation's variables.
fn request_input(a: &Answers) -> Value {
    let opt = |n: &str| Some(value(a, n)).filter(|v| !v.is_empty());
    let d = |n: &str| date(a, n).and_then(Result::ok);
    let mut household = vec![];
    if a.contains_key("carer_given") {
        household.push(json!({
            "givenName": value(a, "carer_given"), "familyName": value(a, "carer_family"),
            "relationship": value(a, "carer_relationship"), "parentalResponsibility": yes(a, "carer_pr"),
            "livesWithChild": yes(a, "carer_lives"),
        }));
    }
    let consent = match value(a, "consent") {
        "GIVEN" => {
            json!({ "status": "GIVEN", "givenBy": opt("consent_given_by"), "covers": opt("consent_covers"), "date": d("consent_date") })
        }
        "NOT_REQUIRED_SAFEGUARDING" => {
            json!({ "status": "NOT_REQUIRED_SAFEGUARDING", "safeguardingReason": opt("consent_safeguarding_reason") })
        }
        s => json!({ "status": s, "reason": opt("consent_reason") }),
    };
    json!({
        "children": (0..children_count(a).max(1)).map(|n| json!({
            "givenName": value(a, &key("child_given", n)), "familyName": value(a, &key("child_family", n)),
            "dateOfBirth": d(&key("child_dob", n)), "sex": value(a, &key("child_sex", n)),
            "addressLine": opt(&key("child_address", n)), "postcode": opt(&key("child_postcode", n)),
            "schoolOrSetting": opt(&key("child_school", n)),
        })).collect::<Vec<_>>(),
        "household": household,
        "concerns": value(a, "concerns"),
        "concernCategories": a.get("categories").cloned().unwrap_or_default(),
        "supportInPlace": opt("support_in_place"),
        "supportOutcome": opt("support_outcome"),
        "childViews": opt("child_views"),
        "referrerLevel": value(a, "level"),
        "discussedWithSafeguardingLead": yes(a, "lead_discussed"),
        "safeguardingLeadName": if yes(a, "lead_discussed") { opt("lead_name") } else { None },
        "safeguardingLeadConsultedOn": if yes(a, "lead_discussed") { d("lead_date") } else { None },
        "adviceLineConsulted": false,
        "parentsAware": yes(a, "parents_aware"),
        "parentsNotAwareReason": if value(a, "parents_aware") == "no" { opt("parents_reason") } else { None },
        "consent": consent,
        "anonymousSource": false,
        "immediateRiskOfSignificantHarm": false,
        "neglectScreeningId": if neglect_at_level_4(a) { opt("neglect_screening") } else { None },
        "idempotencyKey": value(a, "_key"),
    })
}

fn update_input(a: &Answers) -> Value {
    let opt = |n: &str| Some(value(a, n)).filter(|v| !v.is_empty());
    let occurred = date(a, "occurred").and_then(Result::ok).zip(time(value(a, "occurred_time"))).and_then(|(d, t)| {
        let d = chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()?;
        d.and_time(t).and_local_timezone(chrono_tz::Europe::London).earliest().map(|t| t.to_utc().to_rfc3339())
    });
    json!({
        "childGivenName": value(a, "u_given"), "childFamilyName": value(a, "u_family"),
        "childDateOfBirth": date(a, "u_dob").and_then(Result::ok), "nhsNumber": opt("u_nhs"), "upn": opt("u_upn"),
        "kind": value(a, "kind"),
        "contactMode": if value(a, "kind") == "CONTACT_WITH_CHILD" { opt("contact_mode") } else { None },
        "unsuccessfulReason": if value(a, "kind") == "UNSUCCESSFUL_CONTACT" { opt("unsuccessful_reason") } else { None },
        "occurredAt": occurred, "details": value(a, "details"), "concern": yes(a, "concern"),
        "needsImmediateSafeguardingResponse": false,
        "idempotencyKey": value(a, "_key"),
    })
}

fn summary(form: FormKind, a: &Answers) -> Vec<html::Row> {
    let change =
        |slug: &str, what: &str| Some((format!("/portal/{}/{slug}?change=1", form.name()), what.to_lowercase()));
    let r = |key: &str, v: String, slug: &str| html::Row {
        key: key.into(),
        value: html::lines(&v),
        change: change(slug, key),
    };
    let yn = |n: &str| if yes(a, n) { "Yes".to_string() } else { "No".to_string() };
    let d =
        |n: &str| date(a, n).and_then(Result::ok).map(|d| crate::pages::day(&d)).unwrap_or_else(|| "Not known".into());
    let v = |n: &str| value(a, n).to_string();
    match form {
        FormKind::Request => {
            let mut rows = vec![];
            let count = children_count(a).max(1);
            for n in 0..count {
                let who = if count > 1 { format!("Child {}", n + 1) } else { "The child".into() };
                let k = |f: &str| key(f, n);
                let about = format!(
                    "{} {}\nBorn {}\n{}",
                    v(&k("child_given")),
                    v(&k("child_family")),
                    d(&k("child_dob")),
                    words(&v(&k("child_sex")))
                );
                let change = Some((format!("/portal/request/child?change=1&n={n}"), who.to_lowercase()));
                rows.push(html::Row { key: who, value: html::lines(&about), change });
            }
            if a.contains_key("carer_given") {
                rows.push(r(
                    "Parent or carer",
                    format!(
                        "{} {} ({})",
                        v("carer_given"),
                        v("carer_family"),
                        words(&v("carer_relationship")).to_lowercase()
                    ),
                    "household",
                ));
            } else {
                rows.push(r("Parent or carer", "Not known".into(), "household"));
            }
            rows.push(r("What worries you", v("concerns"), "concerns"));
            rows.push(r(
                "Concerns about",
                a.get("categories")
                    .map(|c| c.iter().map(|c| words(c)).collect::<Vec<_>>().join("\n"))
                    .unwrap_or_default(),
                "categories",
            ));
            rows.push(r("The child's views", v("child_views"), "views"));
            rows.push(r("Support in place", v("support_in_place"), "support"));
            rows.push(r("Consent", words(&v("consent")), "consent"));
            rows.push(r("Parents or carers know", yn("parents_aware"), "parents"));
            rows.push(r(
                "Talked to safeguarding lead",
                if yes(a, "lead_discussed") {
                    format!("Yes, {} on {}", v("lead_name"), d("lead_date"))
                } else {
                    "No".into()
                },
                "lead",
            ));
            rows.push(r("Level of need", words(&v("level")), "level"));
            if neglect_at_level_4(a) {
                rows.push(r("Neglect screening", v("neglect_screening"), "neglect"));
            }
            rows
        }
        FormKind::Update => vec![
            r("Child's name", format!("{} {}", v("u_given"), v("u_family")), "child"),
            r("Date of birth", d("u_dob"), "child"),
            r("About", words(&v("kind")), "kind"),
            r("When", format!("{} at {}", d("occurred"), v("occurred_time")), "when"),
            r("What happened", v("details"), "details"),
            r("Concerned", yn("concern"), "details"),
        ],
    }
}

pub async fn check_page(State(app): State<App>, headers: HeaderMap, Path(form): Path<String>) -> Response {
    let ctx = Ctx::load(&app, &headers);
    let Some(form) = FormKind::parse(&form) else { return crate::pages::not_found(State(app), headers).await };
    let path = format!("/portal/{}/check", form.name());
    if ctx.token().is_none() {
        return ctx.send_to_sign_in(&app, &path, None);
    }
    let a = ctx.s.forms.get(form.name()).cloned().unwrap_or_default();
    let errors = all_api_errors(&ctx, form);
    render_check(ctx, &app, form, &a, &errors)
}

fn all_api_errors(ctx: &Ctx, form: FormKind) -> Vec<FieldError> {
    ctx.s
        .field_errors
        .get(form.name())
        .map(|all| {
            all.iter()
                .filter_map(|(f, m)| {
                    let (base, n) = split_key(f);
                    let step = step_of(form, f);
                    let page = if n > 0 { format!("{}?n={n}", step.slug) } else { step.slug.to_string() };
                    m.first().map(|m| FieldError { id: format!("{page}#{base}"), message: m.clone() })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn render_check(ctx: Ctx, app: &App, form: FormKind, a: &Answers, errors: &[FieldError]) -> Response {
    if !a.contains_key("_key") {
        let to = form.nav();
        return ctx.reply(app, Redirect::to(to));
    }
    // The error summary links to the page that asks (the field's ID there).
    let links: Vec<(String, &str)> = errors
        .iter()
        .map(|e| {
            let (slug, field) = e.id.split_once('#').unwrap_or(("", &e.id));
            (format!("/portal/{}/{slug}#{field}", form.name()), e.message.as_str())
        })
        .collect();
    let body = html! {
        div class="govuk-grid-row" {
            div class="govuk-grid-column-two-thirds" {
                (html::error_summary_of(&links))
                h1 class="govuk-heading-l" { "Check your answers before sending" }
                (summary_list(&summary(form, a)))
                h2 class="govuk-heading-m" { "Now send" }
                p class="govuk-body" {
                    @match form {
                        FormKind::Request => "By sending this request you confirm that, to the best of your knowledge, the details are correct.",
                        FormKind::Update => "The update goes to the children's services hub, which checks it and passes it to the right person.",
                    }
                }
                form method="post" action={ "/portal/" (form.name()) "/check" } novalidate {
                    (html::csrf(&ctx.s.csrf))
                    (html::button("Send"))
                }
            }
        }
    };
    let mut f = ctx.frame("Check your answers before sending", form.nav());
    f.has_errors = !errors.is_empty();
    let back = prev_path(form, form.steps().len(), a);
    f.back = Some(&back);
    ctx.page(app, f, body)
}

fn to_user_errors<T: serde::Serialize>(errs: &[T]) -> Vec<UserError> {
    errs.iter().filter_map(|e| serde_json::to_value(e).ok().and_then(|v| serde_json::from_value(v).ok())).collect()
}

pub async fn send(
    State(app): State<App>,
    headers: HeaderMap,
    Path(form): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Response {
    let mut ctx = Ctx::load(&app, &headers);
    let Some(form) = FormKind::parse(&form) else { return crate::pages::not_found(State(app), headers).await };
    let path = format!("/portal/{}/check", form.name());
    if !ctx.csrf_ok(&posted) {
        return ctx.csrf_failed(&app);
    }
    let Some(token) = ctx.token() else { return ctx.send_to_sign_in(&app, &path, None) };
    let Some(a) = ctx.s.forms.get(form.name()).cloned() else {
        // Sent already (a second press of "Send"): show what the first one made.
        let to = if ctx.s.done.contains_key(form.name()) {
            format!("/portal/{}/done", form.name())
        } else {
            form.nav().into()
        };
        return ctx.reply(&app, Redirect::to(&to));
    };
    let (errors, done): (Vec<UserError>, Option<crate::session::Answers>) = match form {
        FormKind::Request => {
            let vars = serde_json::from_value::<submit_request::Variables>(json!({ "input": request_input(&a) }));
            let Ok(vars) = vars else { return ctx.reply(&app, Redirect::to(&path)) };
            match app.api.run::<SubmitRequest>(&token, vars).await {
                Ok(d) => {
                    let p = d.submit_request_for_support;
                    let done = p.request.map(|r| {
                        let mut done = crate::session::Answers::new();
                        done.insert("reference".into(), vec![r.reference]);
                        done.insert("due".into(), vec![r.due_at]);
                        done.insert("warnings".into(), p.warnings.iter().map(|w| w.message.clone()).collect());
                        done
                    });
                    (to_user_errors(&p.user_errors), done)
                }
                Err(e) => return ctx.api_failed(&app, &path, e, None),
            }
        }
        FormKind::Update => {
            let vars = serde_json::from_value::<submit_update::Variables>(json!({ "input": update_input(&a) }));
            let Ok(vars) = vars else { return ctx.reply(&app, Redirect::to(&path)) };
            match app.api.run::<SubmitUpdate>(&token, vars).await {
                Ok(d) => {
                    let p = d.submit_partner_update;
                    let done = p.partner_update.map(|u| {
                        let mut done = crate::session::Answers::new();
                        done.insert("reference".into(), vec![u.reference]);
                        done.insert("due".into(), vec![u.due_at]);
                        done
                    });
                    (to_user_errors(&p.user_errors), done)
                }
                Err(e) => return ctx.api_failed(&app, &path, e, None),
            }
        }
    };
    if let Some(done) = done {
        ctx.s.forms.remove(form.name());
        ctx.s.field_errors.remove(form.name());
        ctx.s.done.insert(form.name().into(), done);
        return ctx.reply(&app, Redirect::to(&format!("/portal/{}/done", form.name())));
    }
    // Each refusal onto its field (one the portal does not ask for goes on the first page).
    let mut by_field = crate::session::Answers::new();
    for e in &errors {
        let field = field_of(form, &e.field).unwrap_or_else(|| form.steps()[1].fields[0].0.to_string());
        let (base, n) = split_key(&field);
        let which = if n > 0 { format!(" (child {})", n + 1) } else { String::new() };
        let message = format!("{}{which}: {}", label_of(base), e.message);
        by_field.entry(field.clone()).or_default().push(message);
    }
    ctx.s.field_errors.insert(form.name().into(), by_field);
    let shown = all_api_errors(&ctx, form);
    render_check(ctx, &app, form, &a, &shown)
}

pub async fn done(State(app): State<App>, headers: HeaderMap, Path(form): Path<String>) -> Response {
    let ctx = Ctx::load(&app, &headers);
    let Some(form) = FormKind::parse(&form) else { return crate::pages::not_found(State(app), headers).await };
    let Some(d) = ctx.s.done.get(form.name()).cloned() else { return ctx.reply(&app, Redirect::to(form.nav())) };
    let reference = value(&d, "reference").to_string();
    let due = when(value(&d, "due"));
    let body = match form {
        FormKind::Request => html! {
            (html::panel("Request for support sent", html! { "Your reference" br; strong { (reference) } }))
            @if let Some(w) = d.get("warnings").filter(|w| !w.is_empty()) {
                (html::banner("Important", html! {
                    p class="govuk-notification-banner__heading" { "The hub may ask you about:" }
                    ul class="govuk-list govuk-list--bullet" { @for m in w { li { (m) } } }
                }, false))
            }
            h2 class="govuk-heading-m" { "What happens next" }
            p class="govuk-body" { "The hub will decide what support the child needs by " strong { (due) } "." }
            p class="govuk-body" { "You will get a notification when it has decided, and you can see the outcome and feedback in " a class="govuk-link" href="/portal/requests" { "your requests" } "." }
        },
        FormKind::Update => html! {
            (html::panel("Update sent", html! { "Your reference" br; strong { (reference) } }))
            h2 class="govuk-heading-m" { "What happens next" }
            p class="govuk-body" { "The hub will check your update by " strong { (due) } "." }
            p class="govuk-body" { "If you are still worried about the child's safety, telephone the MASH on 01253 477299." }
        },
    };
    let title = match form {
        FormKind::Request => "Request for support sent",
        FormKind::Update => "Update sent",
    };
    let f = ctx.frame(title, form.nav());
    ctx.page(&app, f, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs.iter().map(|(k, v)| (k.to_string(), vec![v.to_string()])).collect()
    }

    #[test]
    fn dates_are_real_or_refused() {
        let d = |day, month, year| date(&answers(&[("d-day", day), ("d-month", month), ("d-year", year)]), "d");
        assert_eq!(d("1", "1", "2020"), Some(Ok("2020-01-01".into())));
        assert_eq!(d("29", "2", "2024"), Some(Ok("2024-02-29".into())));
        assert_eq!(d("31", "2", "2019"), Some(Err(())));
        assert_eq!(d("1", "1", "20"), Some(Err(())), "a two-digit year is not guessed");
        assert_eq!(d("x", "1", "2020"), Some(Err(())));
        assert_eq!(date(&Answers::new(), "d"), None);
    }

    #[test]
    fn every_api_field_maps_to_a_question_the_portal_asks() {
        let paths: &[(&str, FormKind, &str)] = &[
            ("input.children.0.dateOfBirth", FormKind::Request, "child_dob"),
            ("input.children.0.givenName", FormKind::Request, "child_given"),
            ("input.household.0.relationship", FormKind::Request, "carer_relationship"),
            ("input.consent.date", FormKind::Request, "consent_date"),
            ("input.concerns", FormKind::Request, "concerns"),
            ("input.safeguardingLeadConsultedOn", FormKind::Request, "lead_date"),
            ("input.neglectScreeningId", FormKind::Request, "neglect_screening"),
            ("input.occurredAt", FormKind::Update, "occurred"),
            ("input.nhsNumber", FormKind::Update, "u_nhs"),
        ];
        // A later child's field is kept under its own name, and read back as the page's field.
        let parts: Vec<String> = "input.children.2.dateOfBirth".split('.').map(str::to_string).collect();
        assert_eq!(field_of(FormKind::Request, &parts).as_deref(), Some("child_dob_3"));
        assert_eq!(split_key("child_dob_3"), ("child_dob", 2));
        assert_eq!(split_key("child_views"), ("child_views", 0));
        assert_eq!(split_key("child_given"), ("child_given", 0));
        for (path, form, field) in paths {
            let parts: Vec<String> = path.split('.').map(str::to_string).collect();
            assert_eq!(field_of(*form, &parts).as_deref(), Some(*field), "{path}");
            assert!(form.steps().iter().any(|s| s.fields.iter().any(|(f, _)| f == field)), "{field} is asked");
        }
        for form in [FormKind::Request, FormKind::Update] {
            for s in form.steps() {
                for (f, _) in s.fields {
                    assert_ne!(label_of(f), "An answer", "{f} has a name for error messages");
                }
            }
        }
    }

    #[test]
    fn follow_up_pages_are_asked_only_after_the_answer_that_opens_them() {
        let a = answers(&[("consent", "GIVEN")]);
        let at = find(FormKind::Request, "consent").unwrap().0;
        assert_eq!(next_path(FormKind::Request, at, &a), "/portal/request/consent-given");
        let a = answers(&[("consent", "NOT_SOUGHT")]);
        assert_eq!(next_path(FormKind::Request, at, &a), "/portal/request/consent-reason");
        let at = find(FormKind::Request, "lead").unwrap().0;
        assert_eq!(next_path(FormKind::Request, at, &answers(&[("lead_discussed", "no")])), "/portal/request/level");
        for slug in FOLLOW_UPS {
            assert!(find(FormKind::Request, slug).is_some() || find(FormKind::Update, slug).is_some(), "{slug}");
        }
        // Neglect at level 4 asks for the screening; anything else does not.
        let mut a = answers(&[("level", "SPECIALIST")]);
        a.insert("categories".into(), vec!["NEGLECT".into()]);
        let at = find(FormKind::Request, "level").unwrap().0;
        assert_eq!(next_path(FormKind::Request, at, &a), "/portal/request/neglect");
        a.insert("level".into(), vec!["INTENSIVE".into()]);
        assert_eq!(next_path(FormKind::Request, at, &a), "/portal/request/check");
    }
}
