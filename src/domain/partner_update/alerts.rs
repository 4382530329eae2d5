//! Who a partner update alerts: the allocated worker and the team's managers for a matched one,
//! the hub for an unmatched concern. Raising, listing and acknowledging live in `domain::alert`.
use super::*;
pub use crate::domain::alert::AlertKind;
use crate::domain::alert::{self as alerting, Subject};

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
        _ => alerting::team_managers(conn, case.team_id).await?,
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

/// Who a new update alerts: [`match_alerts`] when it matched; the hub's teams when it did not
/// and the sender is concerned (nobody would otherwise see it before its check time).
pub(super) async fn new_update_alerts(
    conn: &impl ConnectionTrait,
    concern: bool,
    case: Option<&case::Model>,
) -> AppResult<Vec<(AlertKind, Vec<Uuid>)>> {
    match (case, concern) {
        (Some(case), _) => match_alerts(conn, concern, case).await,
        (None, true) => Ok(vec![(AlertKind::UnmatchedConcern, alerting::hub_teams(conn).await?)]),
        (None, false) => Ok(vec![]),
    }
}

/// Raises the alerts of a newly matched update.
pub(super) async fn alerts_for_match(
    txn: &DatabaseTransaction,
    ctx: &RequestCtx,
    update: &pu::Model,
    case: &case::Model,
) -> AppResult<Vec<Signal>> {
    let mut signals = vec![];
    for (kind, recipients) in match_alerts(txn, update.concern, case).await? {
        signals.extend(alerting::raise(txn, ctx, Subject::Update(update.id), Some(case.id), kind, &recipients).await?);
    }
    Ok(signals)
}
