//! Submitting a partner update: the checks, matching the child (one statement with the reference
//! number on PostgreSQL) and, when matched, the update, its alerts and its audit row together.
use super::*;
use crate::domain::alert::{self as alerting, Subject};
use crate::domain::outbox;

pub(super) fn check(u: &UpdateIn, now: DateTime<Utc>) -> AppResult<UpdateIn> {
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
pub(super) async fn find_match_and_reference(
    conn: &impl ConnectionTrait,
    given: &str,
    family: &str,
    dob: NaiveDate,
    nhs_number: Option<&str>,
    year: i32,
) -> AppResult<(Option<(Uuid, case::Model)>, String)> {
    // The open cases of the children who match (at most one open case per child, so one row per
    // child). A valid NHS number with the date of birth matches first; the names and date of
    // birth match a child whose record holds no other NHS number. Two different children are
    // ambiguous and match neither.
    let by_names = Condition::all()
        .add(child::Column::GivenKey.eq(given))
        .add(child::Column::FamilyKey.eq(family))
        .add(child::Column::DateOfBirth.eq(dob));
    let who =
        match nhs_number.filter(|n| validate::nhs_number_is_valid(n)) {
            Some(nhs) => Condition::any()
                .add(Condition::all().add(child::Column::NhsNumber.eq(nhs)).add(child::Column::DateOfBirth.eq(dob)))
                .add(by_names.add(
                    Condition::any().add(child::Column::NhsNumber.is_null()).add(child::Column::NhsNumber.eq(nhs)),
                )),
            None => by_names,
        };
    let children = child::Entity::find().select_only().column(child::Column::Id).filter(who).into_query();
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
                crate::domain::contacts::MASH_PHONE
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
    let (matched, reference) =
        find_match_and_reference(db, &given_key, &family_key, u.date_of_birth, u.nhs_number.as_deref(), year).await?;
    let planned = new_update_alerts(db, u.concern, matched.as_ref().map(|(_, case)| case)).await?;
    let (child_id, case_id) = (matched.as_ref().map(|(c, _)| *c), matched.as_ref().map(|(_, k)| k.id));
    let reference_for_event = reference.clone();
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
        recorded_at: Set(None),
        recorded_by: Set(None),
        record_reference: Set(None),
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
        .flat_map(|(kind, recipients)| {
            recipients.iter().map(|r| alerting::row(Subject::Update(id), case_id, *kind, *r, now))
        })
        .collect();
    // A new update has no alerts yet: every row here is created.
    let signals: Vec<Signal> = alerts.iter().filter_map(alerting::signal_of).collect();
    let mut rest = vec![];
    if !alerts.is_empty() {
        rest.push(alert::Entity::insert_many(alerts).on_conflict(alerting::dedupe()).build(backend));
    }
    rest.push(audit::statement(
        backend,
        ctx,
        &[Entry::allowed(AuditAction::Create, RecordType::PartnerUpdate, id, child_id)],
    ));
    // The outbox, in the same statement: the sender's "received" (never whether it matched),
    // and the local authority's "matched" when it did.
    let mut events = vec![outbox::events::update_received(id, org, &reference_for_event, due_at)];
    if let (Some(child), Some(case)) = (child_id, case_id) {
        events.push(outbox::events::update_matched(id, child, case));
    }
    rest.extend(outbox::statement(backend, &events, now));
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

pub(super) async fn by_key(db: &impl ConnectionTrait, sender: Uuid, key: &str) -> AppResult<Option<pu::Model>> {
    Ok(pu::Entity::find()
        .filter(pu::Column::SenderId.eq(sender))
        .filter(pu::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}
