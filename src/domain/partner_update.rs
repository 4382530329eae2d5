//! Partner updates: the Partners Update Mailbox as an API. Submission (never for an immediate
//! safeguarding response), matching to a child with an open case, the morning and 15:00 check
//! windows, review with optimistic concurrency, and alerts — to the allocated social worker for
//! every matched update, to the team manager for a concern, an escalation or an update not
//! reviewed by its due time. The sender's answer is the same whether or not the child matched.
use super::page::{Page, PageArgs, decode_parts, encode_parts};
use super::validate::{self, Checks};
use super::{calendar, names, submission};
use crate::alerts::{AlertBus, Signal};
use crate::audit;
use crate::auth::policy::{self, Action};
use crate::context::RequestCtx;
use crate::context::{Entry, RecordType};
use crate::error::UserErrorCode;
use crate::error::{AppError, AppResult, FieldError};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use entity::code_enum;
use entity::{
    alert, case, child,
    enums::{AuditAction, CaseStatus},
    partner_update as pu, staff,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, SqlErr,
    prelude::Uuid,
    sea_query::{Asterisk, Expr, ExprTrait, Func, OnConflict, Query},
};
use std::collections::HashMap;

pub const DETAILS_MAX: usize = 5_000;
/// Updates shown on a child's timeline at most.
pub const TIMELINE_MAX: i32 = 20;

code_enum! {
    UpdateKind {
        /// Face to face, phone or virtual contact with the child.
        ContactWithChild = "CONTACT_WITH_CHILD",
        /// Not brought to an appointment, not present at a home visit, or other.
        UnsuccessfulContact = "UNSUCCESSFUL_CONTACT",
        /// A change in the services around the child, e.g. not currently in school.
        ChangeInServices = "CHANGE_IN_SERVICES",
        ChangeInCircumstances = "CHANGE_IN_CIRCUMSTANCES",
        Other = "OTHER",
    }
}

code_enum! {
    ContactMode { FaceToFace = "FACE_TO_FACE", Phone = "PHONE", Virtual = "VIRTUAL" }
}

code_enum! {
    UnsuccessfulReason {
        NotBroughtToAppointment = "NOT_BROUGHT_TO_APPOINTMENT",
        NotPresentAtHomeVisit = "NOT_PRESENT_AT_HOME_VISIT",
        Other = "OTHER",
    }
}

code_enum! {
    ReviewAction {
        /// Reviewed; nothing further needed.
        #[graphql(name = "NONE")]
        NoAction = "NONE",
        VisitArranged = "VISIT_ARRANGED", ContactMade = "CONTACT_MADE", Escalated = "ESCALATED" }
}

code_enum! {
    AlertKind {
        /// A new update about a child allocated to you.
        NewUpdate = "NEW_UPDATE",
        /// The sender is concerned: straight to the team manager.
        Concern = "CONCERN",
        /// Not reviewed by its due check.
        Overdue = "OVERDUE",
        /// The reviewer escalated it.
        Escalated = "ESCALATED",
    }
}

/// The two daily checks of the mailbox (local London time).
#[derive(Debug, Clone, Copy)]
pub struct CheckTimes {
    pub morning: NaiveTime,
    pub afternoon: NaiveTime,
}

impl Default for CheckTimes {
    fn default() -> Self {
        CheckTimes {
            morning: NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default(),
            afternoon: NaiveTime::from_hms_opt(15, 0, 0).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct UpdateIn {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub nhs_number: Option<String>,
    pub upn: Option<String>,
    pub kind: UpdateKind,
    pub contact_mode: Option<ContactMode>,
    pub unsuccessful_reason: Option<UnsuccessfulReason>,
    pub occurred_at: DateTime<Utc>,
    pub details: String,
    pub concern: bool,
    pub needs_immediate_safeguarding_response: bool,
    pub idempotency_key: Option<String>,
}

fn check(u: &UpdateIn, now: DateTime<Utc>) -> AppResult<UpdateIn> {
    let mut c = Checks::default();
    let mut out = u.clone();
    if let Some(v) = c.take(validate::text("input.childGivenName", &u.given_name, validate::NAME_MAX)) {
        out.given_name = v;
    }
    if let Some(v) = c.take(validate::text("input.childFamilyName", &u.family_name, validate::NAME_MAX)) {
        out.family_name = v;
    }
    c.take(validate::not_future("input.childDateOfBirth", u.date_of_birth, now.date_naive()));
    out.nhs_number = c
        .take(validate::opt_text("input.nhsNumber", u.nhs_number.as_deref(), 12))
        .flatten()
        .map(|n| n.replace(' ', ""));
    if out.nhs_number.as_ref().is_some_and(|n| n.len() != 10 || !n.chars().all(|c| c.is_ascii_digit())) {
        c.0.push(FieldError::new("input.nhsNumber", UserErrorCode::Invalid, "an NHS number has 10 digits"));
    }
    out.upn = c.take(validate::opt_text("input.upn", u.upn.as_deref(), 13)).flatten();
    if out.upn.as_ref().is_some_and(|n| n.len() != 13 || !n.chars().all(|c| c.is_ascii_alphanumeric())) {
        c.0.push(FieldError::new(
            "input.upn",
            UserErrorCode::Invalid,
            "a unique pupil number has 13 letters and digits",
        ));
    }
    if let Some(v) = c.take(validate::long_text("input.details", &u.details, DETAILS_MAX)) {
        out.details = v;
    }
    if u.occurred_at > now + chrono::Duration::minutes(5) {
        c.0.push(FieldError::new("input.occurredAt", UserErrorCode::InFuture, "must not be in the future"));
    }
    match u.kind {
        UpdateKind::ContactWithChild if u.contact_mode.is_none() => {
            c.0.push(FieldError::new("input.contactMode", UserErrorCode::Required, "say how the contact happened"))
        }
        UpdateKind::UnsuccessfulContact if u.unsuccessful_reason.is_none() => c.0.push(FieldError::new(
            "input.unsuccessfulReason",
            UserErrorCode::Required,
            "say why the contact did not happen",
        )),
        _ => {}
    }
    if u.kind != UpdateKind::ContactWithChild {
        out.contact_mode = None;
    }
    if u.kind != UpdateKind::UnsuccessfulContact {
        out.unsuccessful_reason = None;
    }
    if let Some(k) = &u.idempotency_key {
        out.idempotency_key = c.take(validate::text("input.idempotencyKey", k, 100));
    }
    c.finish()?;
    Ok(out)
}

/// The one child with an open case whose normalised name and date of birth match (if exactly
/// one), and the new update's reference number. On PostgreSQL that is one statement: the match
/// with the sequence's next value beside it (an uncorrelated subquery, so taken once whatever
/// the number of rows, and also when nothing matches).
async fn find_match_and_reference(
    conn: &impl ConnectionTrait,
    given: &str,
    family: &str,
    dob: NaiveDate,
    year: i32,
) -> AppResult<(Option<(Uuid, case::Model)>, String)> {
    // The open cases of the children whose keys match (at most one open case per child, so one
    // row per child).
    let children = child::Entity::find()
        .select_only()
        .column(child::Column::Id)
        .filter(child::Column::GivenKey.eq(given))
        .filter(child::Column::FamilyKey.eq(family))
        .filter(child::Column::DateOfBirth.eq(dob))
        .into_query();
    let open = case::Entity::find()
        .filter(case::Column::ChildId.in_subquery(children))
        .filter(case::Column::Status.eq(CaseStatus::Open))
        .limit(2);
    let backend = conn.get_database_backend();
    let (open, reference) = match submission::next_in_sequence(backend, "PU") {
        Some(next) => {
            let stmt = Query::select()
                .column(("m", Asterisk))
                .expr_as(Expr::cust(format!("(SELECT {next})")), "reference_n")
                .from_subquery(Query::select().expr(Expr::cust("1")).to_owned(), "one")
                .join_lateral(JoinType::LeftJoin, open.into_query(), "m", Expr::cust("TRUE"))
                .to_owned();
            let rows = conn.query_all_raw(backend.build(&stmt)).await?;
            let n: i64 = rows.first().ok_or(AppError::Internal)?.try_get("", "reference_n")?;
            let found = rows.iter().filter(|r| matches!(r.try_get_by_index::<Option<Uuid>>(0), Ok(Some(_))));
            let open: Vec<case::Model> = crate::rows::decode_all(found)?;
            (open, submission::reference("PU", year, n))
        }
        None => {
            let open = crate::rows::select_all(conn, open).await?;
            (open, submission::next_reference(conn, "PU", year).await?)
        }
    };
    let matched = match open.as_slice() {
        [only] => Some((only.child_id, only.clone())),
        _ => None,
    };
    Ok((matched, reference))
}

/// Active team managers of a team.
async fn managers(conn: &impl ConnectionTrait, team: Uuid) -> AppResult<Vec<Uuid>> {
    let rows = staff::Entity::find().filter(policy::team_alert_candidates(team)).all(conn).await?;
    Ok(rows.into_iter().filter(policy::receives_team_alerts).map(|s| s.id).collect())
}

/// One alert about an update for one recipient. The dedupe key makes raising it again a no-op.
fn alert_row(
    update_id: Uuid,
    case_id: Option<Uuid>,
    kind: AlertKind,
    recipient: Uuid,
    now: DateTime<Utc>,
) -> alert::ActiveModel {
    alert::ActiveModel {
        id: Set(Uuid::now_v7()),
        recipient_id: Set(recipient),
        kind: Set(kind.code().into()),
        partner_update_id: Set(update_id),
        case_id: Set(case_id),
        dedupe_key: Set(format!("{}:{}:{}", kind.code(), update_id, recipient)),
        created_at: Set(now),
        acknowledged_at: Set(None),
    }
}

fn signal_of(a: &alert::ActiveModel) -> Option<Signal> {
    Some(Signal { alert_id: *a.id.try_as_ref()?, recipient_id: *a.recipient_id.try_as_ref()? })
}

fn dedupe() -> OnConflict {
    OnConflict::column(alert::Column::DedupeKey).do_nothing().to_owned()
}

/// Inserts alerts (skipping any already raised with the same key) and returns the signals of
/// the ones this call created.
async fn raise(
    txn: &DatabaseTransaction,
    update: &pu::Model,
    case: Option<&case::Model>,
    kind: AlertKind,
    recipients: &[Uuid],
) -> AppResult<Vec<Signal>> {
    let mut signals = vec![];
    let now = Utc::now();
    for r in recipients {
        let row = alert_row(update.id, case.map(|c| c.id), kind, *r, now);
        let signal = signal_of(&row);
        let inserted = alert::Entity::insert(row).on_conflict(dedupe()).exec_without_returning(txn).await?;
        if inserted > 0 {
            signals.extend(signal);
        }
    }
    Ok(signals)
}

/// Who a newly matched update alerts, by kind: the allocated worker (or, with nobody allocated,
/// the team's managers); and the managers too when the sender is concerned.
async fn match_alerts(
    conn: &impl ConnectionTrait,
    concern: bool,
    case: &case::Model,
) -> AppResult<Vec<(AlertKind, Vec<Uuid>)>> {
    // The managers are looked up only when someone needs them.
    let team_managers = match (case.allocated_worker_id, concern) {
        (Some(_), false) => vec![],
        _ => managers(conn, case.team_id).await?,
    };
    let mut out = vec![match case.allocated_worker_id {
        Some(w) => (AlertKind::NewUpdate, vec![w]),
        None => (AlertKind::NewUpdate, team_managers.clone()),
    }];
    if concern {
        out.push((AlertKind::Concern, team_managers));
    }
    Ok(out)
}

/// Raises the alerts of a newly matched update.
async fn alerts_for_match(txn: &DatabaseTransaction, update: &pu::Model, case: &case::Model) -> AppResult<Vec<Signal>> {
    let mut signals = vec![];
    for (kind, recipients) in match_alerts(txn, update.concern, case).await? {
        signals.extend(raise(txn, update, Some(case), kind, &recipients).await?);
    }
    Ok(signals)
}

/// Submits an update. The answer — a reference and a due time — is the same whether or not it
/// matched a child; matched updates are attached to the child's open case and alert at once.
pub async fn submit(
    db: &DatabaseConnection,
    bus: &AlertBus,
    cache: &calendar::CalendarCache,
    ctx: &RequestCtx,
    times: CheckTimes,
    u: UpdateIn,
) -> AppResult<pu::Model> {
    let p = &ctx.principal;
    let org = p.organisation.ok_or(AppError::Forbidden)?;
    if u.needs_immediate_safeguarding_response {
        return Err(AppError::invalid(
            "input.needsImmediateSafeguardingResponse",
            UserErrorCode::TelephoneMashNow,
            format!(
                "Partner updates are not for anything that needs an immediate safeguarding response: telephone the MASH now on {}. \
                 Nothing has been submitted.",
                super::request::MASH_PHONE
            ),
        ));
    }
    let now = Utc::now();
    let u = check(&u, now)?;
    let hash = submission::fingerprint(&UpdateIn { idempotency_key: None, ..u.clone() });
    if let Some(key) = &u.idempotency_key
        && let Some(existing) = by_key(db, p.user, key).await?
    {
        let stored = existing.payload_hash.clone();
        return submission::replay(existing, &stored, &hash);
    }
    let (given_key, family_key) = (names::key(&u.given_name), names::key(&u.family_name));
    let cal = cache.get(db).await?;
    let due_at = cal.check_slot_due(now, times.morning, times.afternoon);
    let id = Uuid::now_v7();
    // Reads first (a match seen inside a transaction would be no fresher), then every write —
    // the update, its alerts and its audit row — stored together or not at all.
    let year = chrono::Datelike::year(&now);
    let (matched, reference) = find_match_and_reference(db, &given_key, &family_key, u.date_of_birth, year).await?;
    let planned = match &matched {
        Some((_, case)) => match_alerts(db, u.concern, case).await?,
        None => vec![],
    };
    let (child_id, case_id) = (matched.as_ref().map(|(c, _)| *c), matched.as_ref().map(|(_, k)| k.id));
    let row = pu::ActiveModel {
        id: Set(id),
        reference: Set(reference),
        sender_id: Set(p.user),
        sender_org_id: Set(org),
        child_given_name: Set(u.given_name.clone()),
        child_family_name: Set(u.family_name.clone()),
        given_key: Set(given_key),
        family_key: Set(family_key),
        child_date_of_birth: Set(u.date_of_birth),
        nhs_number: Set(u.nhs_number.clone()),
        upn: Set(u.upn.clone()),
        kind: Set(u.kind.code().into()),
        contact_mode: Set(u.contact_mode.map(|m| m.code().into())),
        unsuccessful_reason: Set(u.unsuccessful_reason.map(|r| r.code().into())),
        occurred_at: Set(u.occurred_at),
        details: Set(u.details.clone()),
        concern: Set(u.concern),
        received_at: Set(now),
        due_at: Set(due_at),
        child_id: Set(child_id),
        case_id: Set(case_id),
        matched_at: Set(matched.as_ref().map(|_| now)),
        matched_by: Set(None),
        reviewed_at: Set(None),
        reviewed_by: Set(None),
        review_action: Set(None),
        review_note: Set(None),
        overdue_alerted: Set(false),
        idempotency_key: Set(u.idempotency_key.clone()),
        payload_hash: Set(hash.clone()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let backend = db.get_database_backend();
    let insert = pu::Entity::insert(row).into_query().returning_all().to_owned();
    let alerts: Vec<alert::ActiveModel> = planned
        .iter()
        .flat_map(|(kind, recipients)| recipients.iter().map(|r| alert_row(id, case_id, *kind, *r, now)))
        .collect();
    // A new update has no alerts yet: every row here is created.
    let signals: Vec<Signal> = alerts.iter().filter_map(signal_of).collect();
    let mut rest = vec![];
    if !alerts.is_empty() {
        rest.push(alert::Entity::insert_many(alerts).on_conflict(dedupe()).build(backend));
    }
    rest.push(audit::statement(
        backend,
        ctx,
        &[Entry::allowed(AuditAction::Create, RecordType::PartnerUpdate, id, child_id)],
    ));
    let stored = match crate::db::write_together(db, backend.build(&insert), rest).await {
        Ok(row) => pu::Model::from_query_result(&row, "")?,
        Err(e) => {
            if let (Some(SqlErr::UniqueConstraintViolation(_)), Some(key)) = (e.sql_err(), &u.idempotency_key)
                && let Some(existing) = by_key(db, p.user, key).await?
            {
                let stored = existing.payload_hash.clone();
                return submission::replay(existing, &stored, &hash);
            }
            return Err(e.into());
        }
    };
    bus.announce(&signals);
    Ok(stored)
}

async fn by_key(db: &impl ConnectionTrait, sender: Uuid, key: &str) -> AppResult<Option<pu::Model>> {
    Ok(pu::Entity::find()
        .filter(pu::Column::SenderId.eq(sender))
        .filter(pu::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

/// One update inside the caller's scope, audited; `NOT_FOUND` otherwise.
pub async fn get(db: &impl ConnectionTrait, ctx: &RequestCtx, id: Uuid) -> AppResult<pu::Model> {
    let found = if policy::permits(&ctx.principal, Action::ReadPartnerUpdates) {
        pu::Entity::find_by_id(id).filter(policy::partner_update_scope(&ctx.principal)).one(db).await?
    } else {
        None
    };
    match found {
        Some(u) => {
            audit::note(db, ctx, &[Entry::allowed(AuditAction::Read, RecordType::PartnerUpdate, u.id, u.child_id)])
                .await?;
            Ok(u)
        }
        None => {
            audit::note(db, ctx, &[Entry::denied(AuditAction::Read, RecordType::PartnerUpdate, Some(id))]).await?;
            Err(AppError::NotFound)
        }
    }
}

#[derive(Debug, Default, Clone, Copy)]
pub struct InboxFilter {
    pub reviewed: Option<bool>,
    pub overdue: Option<bool>,
    pub concern: Option<bool>,
    pub matched: Option<bool>,
}

/// The inbox: soonest due first. Reviewers see the updates on their cases (the hub: all,
/// including the unmatched queue); senders see their own.
pub async fn list(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    f: InboxFilter,
    first: i32,
    after: Option<&str>,
) -> AppResult<Page<pu::Model>> {
    let page = PageArgs::parse(first, None)?;
    let now = Utc::now();
    let mut q = pu::Entity::find().filter(policy::partner_update_scope(&ctx.principal));
    if let Some(r) = f.reviewed {
        q = q.filter(if r { pu::Column::ReviewedAt.is_not_null() } else { pu::Column::ReviewedAt.is_null() });
    }
    match f.overdue {
        Some(true) => q = q.filter(pu::Column::ReviewedAt.is_null()).filter(pu::Column::DueAt.lt(now)),
        Some(false) => {
            q = q.filter(Condition::any().add(pu::Column::ReviewedAt.is_not_null()).add(pu::Column::DueAt.gte(now)))
        }
        None => {}
    }
    if let Some(c) = f.concern {
        q = q.filter(pu::Column::Concern.eq(c));
    }
    if let Some(m) = f.matched {
        // Only reviewers may ask whether an update matched: a sender must not learn it.
        if !policy::permits(&ctx.principal, Action::ReviewPartnerUpdates) {
            return Err(AppError::invalid("filter.matched", UserErrorCode::NotAllowed, "not a filter you can use"));
        }
        q = q.filter(if m { pu::Column::ChildId.is_not_null() } else { pu::Column::ChildId.is_null() });
    }
    if let Some(c) = after {
        let bad = || AppError::invalid("after", UserErrorCode::Invalid, "not a valid cursor");
        let parts = decode_parts("pu1", c).ok_or_else(bad)?;
        let [d, id] = parts.as_slice() else { return Err(bad()) };
        let due = d.parse::<i64>().ok().and_then(DateTime::<Utc>::from_timestamp_micros).ok_or_else(bad)?;
        let id = Uuid::try_parse(id).map_err(|_| bad())?;
        q = q.filter(
            Condition::any()
                .add(pu::Column::DueAt.gt(due))
                .add(Condition::all().add(pu::Column::DueAt.eq(due)).add(pu::Column::Id.gt(id))),
        );
    }
    let rows = q.order_by_asc(pu::Column::DueAt).order_by_asc(pu::Column::Id).limit(page.limit()).all(db).await?;
    let mut page = Page::from_rows(rows, &page);
    page.has_previous = after.is_some();
    let entries: Vec<Entry> = page
        .items
        .iter()
        .map(|u| Entry::allowed(AuditAction::Read, RecordType::PartnerUpdate, u.id, u.child_id))
        .collect();
    audit::note(db, ctx, &entries).await?;
    Ok(page)
}

pub fn inbox_cursor(u: &pu::Model) -> String {
    encode_parts("pu1", &[&u.due_at.timestamp_micros().to_string(), &u.id.to_string()])
}

/// The latest `first` updates of each of several children (a child's timeline), inside the
/// caller's scope, newest first. Only the rows shown are read, decoded and audited: on
/// PostgreSQL one backward index scan per child that stops after `first` rows (a LATERAL join
/// over the IDs as one array parameter, so the statement text never changes); on SQLite a
/// window over the children's rows.
pub async fn for_children(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    child_ids: &[Uuid],
    first: u64,
) -> AppResult<HashMap<Uuid, Vec<pu::Model>>> {
    if child_ids.is_empty() || !policy::permits(&ctx.principal, Action::ReadPartnerUpdates) {
        return Ok(HashMap::new());
    }
    let first = first.clamp(1, TIMELINE_MAX as u64);
    let scope = policy::partner_update_scope(&ctx.principal);
    let backend = db.get_database_backend();
    // Two forms on purpose: a LATERAL scan per child reads only the rows shown on PostgreSQL
    // (measured with three other changes in 9f748b5: caseload server/PostgreSQL CPU per request
    // 3.88/3.63 → 3.15/2.74 ms); SQLite has no LATERAL, so it takes a window over the children.
    let stmt = if backend == DatabaseBackend::Postgres {
        let inner = pu::Entity::find()
            .filter(Expr::col((pu::Entity, pu::Column::ChildId)).equals(("k", "k")))
            .filter(scope)
            .order_by_desc(pu::Column::Id)
            .limit(first)
            .into_query();
        let ids = Expr::val(child_ids.to_vec()).cast_as("uuid[]");
        Query::select()
            .column(("u", Asterisk))
            .from_function(Func::cust("unnest").arg(ids), "k")
            .join_lateral(JoinType::InnerJoin, inner, "u", Expr::cust("TRUE"))
            .to_owned()
    } else {
        let inner = pu::Entity::find()
            .filter(pu::Column::ChildId.is_in(child_ids.iter().copied()))
            .filter(scope)
            .expr_as(Expr::cust("row_number() OVER (PARTITION BY child_id ORDER BY id DESC)"), "rn")
            .into_query();
        Query::select().column(Asterisk).from_subquery(inner, "u").and_where(Expr::col("rn").lte(first)).to_owned()
    };
    let rows: Vec<pu::Model> = crate::rows::all(db, backend.build(&stmt)).await?;
    let mut out: HashMap<Uuid, Vec<pu::Model>> = HashMap::new();
    let mut read = Vec::with_capacity(rows.len());
    for u in rows {
        read.push(Entry::allowed(AuditAction::Read, RecordType::PartnerUpdate, u.id, u.child_id));
        out.entry(u.child_id.unwrap_or_default()).or_default().push(u);
    }
    for list in out.values_mut() {
        list.sort_unstable_by_key(|u| std::cmp::Reverse(u.id));
    }
    audit::note(db, ctx, &read).await?;
    Ok(out)
}

/// Several updates by ID (for alerts), inside the caller's scope.
pub async fn by_ids(db: &impl ConnectionTrait, ctx: &RequestCtx, ids: &[Uuid]) -> AppResult<HashMap<Uuid, pu::Model>> {
    if ids.is_empty() || !policy::permits(&ctx.principal, Action::ReadPartnerUpdates) {
        return Ok(HashMap::new());
    }
    let rows = pu::Entity::find()
        .filter(pu::Column::Id.is_in(ids.iter().copied()))
        .filter(policy::partner_update_scope(&ctx.principal))
        .all(db)
        .await?;
    audit::record(
        db,
        ctx,
        &rows
            .iter()
            .map(|u| Entry::allowed(AuditAction::Read, RecordType::PartnerUpdate, u.id, u.child_id))
            .collect::<Vec<_>>(),
    )
    .await?;
    Ok(rows.into_iter().map(|u| (u.id, u)).collect())
}

async fn reviewable(db: &impl ConnectionTrait, ctx: &RequestCtx, id: Uuid) -> AppResult<pu::Model> {
    match pu::Entity::find_by_id(id).filter(policy::partner_update_scope(&ctx.principal)).one(db).await? {
        Some(u) => Ok(u),
        None => {
            audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::PartnerUpdate, Some(id))]).await?;
            Err(AppError::invalid("input.partnerUpdateId", UserErrorCode::NotFound, "no such partner update"))
        }
    }
}

/// Records the review: who, when, what was done. Escalating alerts the team's managers.
pub async fn review(
    db: &DatabaseConnection,
    bus: &AlertBus,
    ctx: &RequestCtx,
    id: Uuid,
    action: ReviewAction,
    note: Option<String>,
    expected_version: i32,
) -> AppResult<pu::Model> {
    let u = reviewable(db, ctx, id).await?;
    let note =
        validate::opt_long_text("input.note", note.as_deref(), DETAILS_MAX).map_err(|e| AppError::Invalid(vec![e]))?;
    if u.reviewed_at.is_some() {
        return Err(AppError::invalid(
            "input.partnerUpdateId",
            UserErrorCode::Conflict,
            "the update has already been reviewed",
        ));
    }
    if u.version != expected_version {
        return Err(AppError::invalid(
            "input.expectedVersion",
            UserErrorCode::Conflict,
            "the update has changed since you read it",
        ));
    }
    let now = Utc::now();
    let (stored, signals) = crate::db::transaction(db, async |txn| {
        let res = pu::Entity::update_many()
            .col_expr(pu::Column::ReviewedAt, Expr::value(now))
            .col_expr(pu::Column::ReviewedBy, Expr::value(ctx.principal.user))
            .col_expr(pu::Column::ReviewAction, Expr::value(action.code()))
            .col_expr(pu::Column::ReviewNote, Expr::value(note))
            .col_expr(pu::Column::UpdatedAt, Expr::value(now))
            .col_expr(pu::Column::Version, Expr::col(pu::Column::Version).add(1))
            .filter(pu::Column::Id.eq(u.id))
            .filter(pu::Column::Version.eq(expected_version))
            .filter(pu::Column::ReviewedAt.is_null())
            .exec(txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(AppError::invalid(
                "input.expectedVersion",
                UserErrorCode::Conflict,
                "the update has changed since you read it",
            ));
        }
        let stored = pu::Entity::find_by_id(u.id).one(txn).await?.ok_or(AppError::Internal)?;
        let mut signals = vec![];
        if action == ReviewAction::Escalated
            && let Some(case_id) = stored.case_id
            && let Some(case) = case::Entity::find_by_id(case_id).one(txn).await?
        {
            let team_managers = managers(txn, case.team_id).await?;
            signals = raise(txn, &stored, Some(&case), AlertKind::Escalated, &team_managers).await?;
        }
        audit::record(txn, ctx, &[Entry::allowed(AuditAction::Update, RecordType::PartnerUpdate, u.id, u.child_id)])
            .await?;
        Ok((stored, signals))
    })
    .await?;
    bus.announce(&signals);
    Ok(stored)
}

/// The hub attaches an unmatched update to a child who has an open case.
pub async fn match_to_child(
    db: &DatabaseConnection,
    bus: &AlertBus,
    ctx: &RequestCtx,
    id: Uuid,
    child_id: Uuid,
    expected_version: i32,
) -> AppResult<pu::Model> {
    let u = reviewable(db, ctx, id).await?;
    if u.child_id.is_some() {
        return Err(AppError::invalid(
            "input.partnerUpdateId",
            UserErrorCode::Conflict,
            "the update is already matched",
        ));
    }
    if u.version != expected_version {
        return Err(AppError::invalid(
            "input.expectedVersion",
            UserErrorCode::Conflict,
            "the update has changed since you read it",
        ));
    }
    if child::Entity::find_by_id(child_id).filter(policy::child_scope(&ctx.principal)).one(db).await?.is_none() {
        audit::note(db, ctx, &[Entry::denied(AuditAction::Update, RecordType::Child, Some(child_id))]).await?;
        return Err(AppError::invalid("input.childId", UserErrorCode::NotFound, "no such child"));
    }
    let Some(case) = case::Entity::find()
        .filter(case::Column::ChildId.eq(child_id))
        .filter(case::Column::Status.eq(CaseStatus::Open))
        .one(db)
        .await?
    else {
        return Err(AppError::invalid("input.childId", UserErrorCode::Invalid, "the child has no open case"));
    };
    let now = Utc::now();
    let (stored, signals) = crate::db::transaction(db, async |txn| {
        let res = pu::Entity::update_many()
            .col_expr(pu::Column::ChildId, Expr::value(child_id))
            .col_expr(pu::Column::CaseId, Expr::value(case.id))
            .col_expr(pu::Column::MatchedAt, Expr::value(now))
            .col_expr(pu::Column::MatchedBy, Expr::value(ctx.principal.user))
            .col_expr(pu::Column::UpdatedAt, Expr::value(now))
            .col_expr(pu::Column::Version, Expr::col(pu::Column::Version).add(1))
            .filter(pu::Column::Id.eq(u.id))
            .filter(pu::Column::Version.eq(expected_version))
            .filter(pu::Column::ChildId.is_null())
            .exec(txn)
            .await?;
        if res.rows_affected != 1 {
            return Err(AppError::invalid(
                "input.expectedVersion",
                UserErrorCode::Conflict,
                "the update has changed since you read it",
            ));
        }
        let stored = pu::Entity::find_by_id(u.id).one(txn).await?.ok_or(AppError::Internal)?;
        let signals = alerts_for_match(txn, &stored, &case).await?;
        audit::record(
            txn,
            ctx,
            &[Entry::allowed(AuditAction::Update, RecordType::PartnerUpdate, u.id, Some(child_id))],
        )
        .await?;
        Ok((stored, signals))
    })
    .await?;
    bus.announce(&signals);
    Ok(stored)
}

/// Alerts the team's managers about matched updates not reviewed by their due time. Safe to
/// run on every instance at once: each update is claimed by exactly one of them
/// (`overdue_alerted` flips once), and alert keys are unique. Returns the alerts raised here.
pub async fn raise_overdue(db: &DatabaseConnection, bus: &AlertBus, now: DateTime<Utc>) -> AppResult<usize> {
    let due = pu::Entity::find()
        .filter(pu::Column::OverdueAlerted.eq(false))
        .filter(pu::Column::ReviewedAt.is_null())
        .filter(pu::Column::DueAt.lt(now))
        .filter(pu::Column::CaseId.is_not_null())
        .order_by_asc(pu::Column::DueAt)
        .limit(500)
        .all(db)
        .await?;
    let mut raised = 0;
    let system = RequestCtx::system("overdue-scan");
    for u in due {
        let signals = crate::db::transaction(db, async |txn| {
            let claimed = pu::Entity::update_many()
                .col_expr(pu::Column::OverdueAlerted, Expr::value(true))
                .filter(pu::Column::Id.eq(u.id))
                .filter(pu::Column::OverdueAlerted.eq(false))
                .exec(txn)
                .await?;
            if claimed.rows_affected != 1 {
                return Ok(None);
            }
            let mut signals = vec![];
            if let Some(case) = case::Entity::find_by_id(u.case_id.unwrap_or_default()).one(txn).await? {
                let team_managers = managers(txn, case.team_id).await?;
                signals = raise(txn, &u, Some(&case), AlertKind::Overdue, &team_managers).await?;
            }
            let entries: Vec<Entry> = signals
                .iter()
                .map(|s| Entry::allowed(AuditAction::Create, RecordType::Alert, s.alert_id, u.child_id))
                .collect();
            audit::record(txn, &system, &entries).await?;
            Ok(Some(signals))
        })
        .await?;
        if let Some(signals) = signals {
            raised += signals.len();
            bus.announce(&signals);
        }
    }
    Ok(raised)
}

/// Is an unreviewed update past its check?
pub fn overdue(u: &pu::Model, now: DateTime<Utc>) -> bool {
    u.reviewed_at.is_none() && now > u.due_at
}

/// The caller's own alerts, newest first.
pub async fn alerts(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    unacknowledged: bool,
    page: &PageArgs,
) -> AppResult<Page<alert::Model>> {
    let mut q = alert::Entity::find().filter(policy::alert_scope(&ctx.principal));
    if unacknowledged {
        q = q.filter(alert::Column::AcknowledgedAt.is_null());
    }
    if let Some(after) = page.after {
        q = q.filter(alert::Column::Id.lt(after));
    }
    let rows = q.order_by_desc(alert::Column::Id).limit(page.limit()).all(db).await?;
    Ok(Page::from_rows(rows, page))
}

/// One of the caller's own alerts (what a live signal turns into), or `None`.
pub async fn own_alert(db: &impl ConnectionTrait, ctx: &RequestCtx, id: Uuid) -> AppResult<Option<alert::Model>> {
    Ok(alert::Entity::find_by_id(id).filter(policy::alert_scope(&ctx.principal)).one(db).await?)
}

pub async fn acknowledge(db: &DatabaseConnection, ctx: &RequestCtx, id: Uuid) -> AppResult<alert::Model> {
    let Some(a) = own_alert(db, ctx, id).await? else {
        return Err(AppError::invalid("input.alertId", UserErrorCode::NotFound, "no such alert"));
    };
    if a.acknowledged_at.is_some() {
        return Ok(a);
    }
    crate::db::transaction(db, async |txn| {
        alert::Entity::update_many()
            .col_expr(alert::Column::AcknowledgedAt, Expr::value(Utc::now()))
            .filter(alert::Column::Id.eq(a.id))
            .filter(alert::Column::AcknowledgedAt.is_null())
            .exec(txn)
            .await?;
        audit::record(txn, ctx, &[Entry::allowed(AuditAction::Update, RecordType::Alert, a.id, None)]).await?;
        let stored = alert::Entity::find_by_id(a.id).one(txn).await?.ok_or(AppError::Internal)?;
        Ok(stored)
    })
    .await
}
