//! Alerts: who an update alerts, raising them (once each), and a recipient's own alerts.
use super::*;

/// Active team managers of a team.
pub(super) async fn managers(conn: &impl ConnectionTrait, team: Uuid) -> AppResult<Vec<Uuid>> {
    let rows = staff::Entity::find().filter(policy::team_alert_candidates(team)).all(conn).await?;
    Ok(rows.into_iter().filter(policy::receives_team_alerts).map(|s| s.id).collect())
}

/// One alert about an update for one recipient. The dedupe key makes raising it again a no-op.
pub(super) fn alert_row(
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

pub(super) fn signal_of(a: &alert::ActiveModel) -> Option<Signal> {
    Some(Signal { alert_id: *a.id.try_as_ref()?, recipient_id: *a.recipient_id.try_as_ref()? })
}

pub(super) fn dedupe() -> OnConflict {
    OnConflict::column(alert::Column::DedupeKey).do_nothing().to_owned()
}

/// Inserts alerts (skipping any already raised with the same key) and returns the signals of
/// the ones this call created.
pub(super) async fn raise(
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
pub(super) async fn match_alerts(
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
pub(super) async fn alerts_for_match(
    txn: &DatabaseTransaction,
    update: &pu::Model,
    case: &case::Model,
) -> AppResult<Vec<Signal>> {
    let mut signals = vec![];
    for (kind, recipients) in match_alerts(txn, update.concern, case).await? {
        signals.extend(raise(txn, update, Some(case), kind, &recipients).await?);
    }
    Ok(signals)
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
