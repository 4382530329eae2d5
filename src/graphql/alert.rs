//! Alerts: the caller's own and their team's, acknowledged by any recipient, and the live
//! `alertRaised` subscription. What an alert is about (a partner update, a request for support, an
//! early help referral) is linked and read under the caller's own scope.
use super::{
    case::Case,
    directory::Staff,
    early_help::EarlyHelpReferral,
    ids::{self, Kind},
    partner_update::PartnerUpdate,
    payload::{UserError, split},
    req,
    request::RequestForSupport,
};
use crate::auth::policy;
use crate::domain::{self, alert::AlertKind, page::PageArgs};
use async_graphql::{
    Context, ID, InputObject, Object, Result, SimpleObject, Subscription as GqlSubscription, connection::Connection,
};
use entity::alert;
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

/// An alert to the caller (or to their team: any member may acknowledge it) about a partner
/// update, a request for support or an early help referral. What it is about is linked; each
/// link is `null` for what the caller may not see. An alert to a partner never names a case.
pub struct Alert(pub alert::Model);

/// An alert to the caller (or to their team: any member may acknowledge it) about a partner
/// update, a request for support or an early help referral. What it is about is linked; each
/// link is `null` for what the caller may not see. An alert to a partner never names a case.
#[Object]
impl Alert {
    /// The alert's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Alert, self.0.id)
    }
    /// Why the alert was raised.
    async fn kind(&self) -> AlertKind {
        AlertKind::from_code(&self.0.kind).unwrap_or(AlertKind::NewUpdate)
    }
    /// When the alert was raised.
    async fn created_at(&self) -> crate::graphql::scalars::DateTime {
        self.0.created_at.into()
    }
    /// When the alert was acknowledged; `null` until then.
    async fn acknowledged_at(&self) -> Option<crate::graphql::scalars::DateTime> {
        self.0.acknowledged_at.map(Into::into)
    }
    /// Addressed to the caller's team rather than to them alone.
    async fn addressed_to_team(&self, ctx: &Context<'_>) -> Result<bool> {
        Ok(req(ctx)?.ctx.principal.team == Some(self.0.recipient_id))
    }
    /// Who acknowledged the alert; `null` until then.
    async fn acknowledged_by(&self, ctx: &Context<'_>) -> Result<Option<Staff>> {
        match self.0.acknowledged_by {
            Some(id) => Ok(req(ctx)?.loaders.staff.load_one(id).await?.map(Staff)),
            None => Ok(None),
        }
    }
    /// The partner update the alert is about; `null` when it is about something else or the
    /// caller may not see it.
    async fn partner_update(&self, ctx: &Context<'_>) -> Result<Option<PartnerUpdate>> {
        match self.0.partner_update_id {
            Some(id) => Ok(req(ctx)?.loaders.partner_update.load_one(id).await?.map(PartnerUpdate::from)),
            None => Ok(None),
        }
    }
    /// The request for support the alert is about; `null` when it is about something else or the
    /// caller may not see it.
    async fn request_for_support(&self, ctx: &Context<'_>) -> Result<Option<RequestForSupport>> {
        match self.0.request_id {
            Some(id) => Ok(req(ctx)?.loaders.request.load_one(id).await?.map(RequestForSupport::from)),
            None => Ok(None),
        }
    }
    /// The early help referral the alert is about; `null` when it is about something else or the
    /// caller may not see it.
    async fn early_help_referral(&self, ctx: &Context<'_>) -> Result<Option<EarlyHelpReferral>> {
        match self.0.early_help_referral_id {
            Some(id) => Ok(req(ctx)?.loaders.referral.load_one(id).await?.map(EarlyHelpReferral)),
            None => Ok(None),
        }
    }
    /// The case concerned; `null` when there is none or the caller may not see it. An alert to a
    /// partner never names a case.
    async fn case(&self, ctx: &Context<'_>) -> Result<Option<Case>> {
        match self.0.case_id {
            Some(id) => Ok(req(ctx)?.loaders.case.load_one(id).await?.map(Case)),
            None => Ok(None),
        }
    }
}

#[derive(Default)]
pub struct AlertQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl AlertQuery {
    /// The caller's own alerts, newest first.
    #[graphql(complexity = "super::page_cost(first, child_complexity)")]
    async fn alerts(
        &self,
        ctx: &Context<'_>,
        #[graphql(default, desc = "`true` for the alerts not yet acknowledged only; `false` (the default) for all.")]
        unacknowledged_only: bool,
        #[graphql(desc = "How many alerts to return: 1 to 100.")] first: i32,
        #[graphql(desc = "Cursor from the previous page's pageInfo.endCursor; leave out for the first page.")]
        after: Option<String>,
    ) -> Result<Connection<String, Alert>> {
        let r = req(ctx)?;
        let page = PageArgs::parse(first, after.as_deref())?;
        let page = domain::alert::list(&r.db, &r.ctx, unacknowledged_only, &page).await?;
        Ok(super::connection(page, |a| a.id, Alert))
    }
}

/// Which alert to mark as seen.
#[derive(InputObject)]
pub struct AcknowledgeAlertInput {
    /// The alert (an `Alert` ID): one of the caller's own or their team's.
    pub alert_id: ID,
}

/// The result of acknowledging an alert: the alert as it now is, or what to fix.
#[derive(SimpleObject)]
pub struct AlertPayload {
    /// The alert as it now is, acknowledged; `null` when the change was refused.
    pub alert: Option<Alert>,
    /// What to fix before trying again; empty when the alert was acknowledged.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct AlertMutation;

#[Object(guard = "super::Authorized(\"Mutation\")")]
impl AlertMutation {
    /// Marks one of the caller's alerts as seen.
    async fn acknowledge_alert(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The alert to mark as seen.")] input: AcknowledgeAlertInput,
    ) -> Result<AlertPayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.alert_id, Kind::Alert, "input.alertId")?;
            domain::alert::acknowledge(&r.db, &r.ctx, id).await
        }
        .await;
        let (a, user_errors) = split(result)?;
        Ok(AlertPayload { alert: a.map(Alert), user_errors })
    }
}

#[derive(Default)]
pub struct Subscription;

/// Live events, sent over WebSocket (`graphql-transport-ws` on `/graphql/ws`).
#[GqlSubscription(guard = "super::Authorized(\"Subscription\")")]
impl Subscription {
    /// The caller's alerts as they are raised, on any server instance (`graphql-transport-ws`
    /// on `/graphql/ws`, authenticated in `connection_init`; the socket closes when the token
    /// expires).
    async fn alert_raised(&self, ctx: &Context<'_>) -> Result<impl Stream<Item = Alert> + use<>> {
        let r = req(ctx)?;
        let rx = r.services.bus.subscribe();
        let (db, rctx) = (r.db.clone(), r.ctx.clone());
        Ok(futures_util::stream::unfold((rx, db, rctx), |(mut rx, db, rctx)| async move {
            loop {
                match rx.recv().await {
                    Ok(sig) if policy::receives_alert(&rctx.principal, sig.recipient_id) => {
                        // Re-read the row under the caller's identity: a signal carries IDs only.
                        if let Ok(Some(a)) = domain::alert::own(&db, &rctx, sig.alert_id).await {
                            return Some((Alert(a), (rx, db, rctx)));
                        }
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return None,
                }
            }
        }))
    }
}
