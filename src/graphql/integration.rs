//! For integrating agencies (issue 19): the events feed for service accounts, and webhook
//! subscriptions for `ADMIN`. The rules are in [`crate::domain::outbox`] and
//! [`crate::domain::webhook`]; delivery in [`crate::webhooks`].
use super::ids::{self, Kind};
use super::payload::{UserError, split};
use super::req;
use super::scalars::{DateTime, Json};
use crate::domain::outbox::{self, EventType};
use crate::domain::webhook::{self, SubscriptionChange, SubscriptionIn};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use entity::{webhook_dead_letter as dead, webhook_delivery as delivery, webhook_subscription as sub};

/// Something that happened, as webhooks and the events feed carry it.
#[derive(SimpleObject)]
pub struct Event {
    /// The event's stable ID: the `webhook-id` of its deliveries and `id` in their body.
    pub event_id: ID,
    /// What happened.
    #[graphql(name = "type")]
    pub kind: EventType,
    /// When the change was committed (near enough: when it was written).
    pub occurred_at: DateTime,
    /// IDs (global IDs of this API) and what the organisation may see; see the event
    /// catalogue in docs/integration.md.
    pub data: Json,
}

impl From<entity::event::Model> for Event {
    fn from(e: entity::event::Model) -> Self {
        let data = serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null);
        Event {
            event_id: ID(e.id.to_string()),
            kind: EventType::from_code(&e.kind).unwrap_or(EventType::RequestReceived),
            occurred_at: e.at.into(),
            data: Json(data),
        }
    }
}

/// One event and its place in the feed.
#[derive(SimpleObject)]
pub struct EventEdge {
    /// Pass as `after` to read on from this event.
    pub cursor: String,
    /// The event.
    pub node: Event,
}

/// A page of the events feed.
#[derive(SimpleObject)]
pub struct EventFeed {
    /// The events, in commit order.
    pub edges: Vec<EventEdge>,
    /// Pass as `after` for the next page (the same cursor as this page's `after` when it was
    /// empty, so a client can keep polling with it).
    pub end_cursor: Option<String>,
    /// Whether more events were ready when this page was read.
    pub has_next_page: bool,
}

/// A webhook endpoint of an organisation.
pub struct WebhookSubscription(pub sub::Model);

/// A webhook endpoint: where an organisation's events are sent, signed (Standard Webhooks).
#[Object]
impl WebhookSubscription {
    /// The subscription's global ID.
    pub async fn id(&self) -> ID {
        ids::encode(Kind::WebhookSubscription, self.0.id)
    }
    /// The organisation whose events it receives (an `Organisation` ID).
    async fn organisation_id(&self) -> ID {
        ids::encode(Kind::Organisation, self.0.org_id)
    }
    /// The endpoint.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The event types sent to it.
    async fn event_types(&self) -> Vec<EventType> {
        webhook::types_of(&self.0)
    }
    /// Whether events are being sent (`false` after an admin stopped it or the endpoint answered
    /// 410 Gone).
    async fn active(&self) -> bool {
        self.0.active
    }
    /// Why it was stopped, when the endpoint stopped it.
    async fn deactivated_reason(&self) -> Option<&str> {
        self.0.deactivated_reason.as_deref()
    }
    /// Failed attempts at the event it is waiting to deliver.
    async fn failed_attempts(&self) -> i32 {
        self.0.attempts
    }
    /// When it will next try, after a failure.
    async fn next_attempt_at(&self) -> Option<DateTime> {
        self.0.next_attempt_at.map(Into::into)
    }
    /// The HTTP status of the last attempt, if it got one.
    async fn last_status(&self) -> Option<i32> {
        self.0.last_status
    }
    /// What went wrong with the last attempt.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// Until when the previous secret also signs, after a rotation.
    async fn previous_secret_until(&self) -> Option<DateTime> {
        self.0.previous_secret_until.map(Into::into)
    }
    /// Send this back as `expectedVersion` when changing it.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The latest delivery attempts, newest first.
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many: 1 to 200.", default = 20)] first: i32,
    ) -> Result<Vec<WebhookDelivery>> {
        let r = req(ctx)?;
        let first = u64::try_from(first.clamp(1, 200)).unwrap_or(20);
        Ok(webhook::deliveries(&r.db, &r.ctx, self.0.id, first).await?.into_iter().map(WebhookDelivery).collect())
    }
    /// Events that ran out of attempts, and their replays.
    async fn dead_letters(&self, ctx: &Context<'_>) -> Result<Vec<WebhookDeadLetter>> {
        let r = req(ctx)?;
        Ok(webhook::dead_letters(&r.db, &r.ctx, self.0.id).await?.into_iter().map(WebhookDeadLetter).collect())
    }
}

/// One delivery attempt.
pub struct WebhookDelivery(pub delivery::Model);

/// One attempt to deliver an event.
#[Object]
impl WebhookDelivery {
    /// The event (its `webhook-id`).
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    /// Which attempt at this event it was.
    async fn attempt(&self) -> i32 {
        self.0.attempt
    }
    /// When it was made.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
    /// The endpoint's HTTP status, if it answered.
    async fn status_code(&self) -> Option<i32> {
        self.0.status_code
    }
    /// `DELIVERED`, `FAILED` (to be retried), `DEAD` (out of attempts: a dead letter) or `GONE`
    /// (the endpoint answered 410 and the subscription was stopped).
    async fn outcome(&self) -> &str {
        &self.0.outcome
    }
    /// What went wrong (a timeout, a redirect, an address webhooks may not reach...).
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    /// How long the attempt took, in milliseconds.
    async fn duration_ms(&self) -> i32 {
        self.0.duration_ms
    }
}

/// An event that ran out of attempts at one endpoint.
pub struct WebhookDeadLetter(pub dead::Model);

/// An event that ran out of delivery attempts at one endpoint, until an admin replays it.
#[Object]
impl WebhookDeadLetter {
    /// The dead letter's global ID (for `replayWebhookDeadLetter`).
    pub async fn id(&self) -> ID {
        ids::encode(Kind::WebhookDeadLetter, self.0.id)
    }
    /// The event (its `webhook-id`).
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    /// Attempts made.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// What went wrong the last time.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// `DEAD`, `REPLAY_PENDING` (queued to be sent again) or `REPLAYED`.
    async fn status(&self) -> &str {
        &self.0.status
    }
    /// When it ran out of attempts.
    async fn dead_at(&self) -> DateTime {
        self.0.dead_at.into()
    }
    /// When a replay delivered it.
    async fn replayed_at(&self) -> Option<DateTime> {
        self.0.replayed_at.map(Into::into)
    }
}

#[derive(Default)]
pub struct IntegrationQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl IntegrationQuery {
    /// The events feed, for service accounts with scope `events:read`: exactly the events their
    /// organisation would receive by webhook, in commit order, kept for the retention window
    /// (`CASEGRAPH_EVENT_RETENTION_DAYS`). A cursor older than that is `CURSOR_EXPIRED`.
    async fn events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A cursor from an earlier page; leave out to start at the oldest event kept.")] after: Option<
            String,
        >,
        #[graphql(desc = "How many: 1 to 200 (50 when left out).")] first: Option<i32>,
        #[graphql(desc = "Only these types; leave out for all.")] types: Option<Vec<EventType>>,
    ) -> Result<EventFeed> {
        let r = req(ctx)?;
        let org = outbox::feed_org(&r.ctx.principal)?;
        let now = chrono::Utc::now();
        let retention = r.services.webhooks.retention;
        let from = match &after {
            Some(c) => outbox::read_cursor(c, retention, now)?,
            None => outbox::Position::default(),
        };
        let first = u64::try_from(first.unwrap_or(50).clamp(1, 200)).unwrap_or(50);
        let mut rows = outbox::after(&r.db, org, from, &types.unwrap_or_default(), first + 1, now - retention).await?;
        let has_next_page = rows.len() as u64 > first;
        rows.truncate(first as usize);
        let edges: Vec<EventEdge> = rows
            .into_iter()
            .map(|e| EventEdge {
                cursor: outbox::cursor(outbox::Position { txid: e.txid, seq: e.seq }, e.at),
                node: e.into(),
            })
            .collect();
        let end_cursor = edges.last().map(|e| e.cursor.clone()).or(after);
        Ok(EventFeed { edges, end_cursor, has_next_page })
    }

    /// Webhook subscriptions (`ADMIN`), of one organisation or all.
    async fn webhook_subscriptions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An `Organisation` ID; leave out for every organisation.")] organisation_id: Option<ID>,
    ) -> Result<Vec<WebhookSubscription>> {
        let r = req(ctx)?;
        let org = ids::decode_opt(&organisation_id, Kind::Organisation, "organisationId")?;
        Ok(webhook::list(&r.db, &r.ctx, org).await?.into_iter().map(WebhookSubscription).collect())
    }
}

/// A new webhook endpoint for an organisation.
#[derive(InputObject)]
pub struct CreateWebhookSubscriptionInput {
    /// The organisation whose events it receives (an `Organisation` ID).
    pub organisation_id: ID,
    /// The endpoint: `https` (plain `http` only outside production), not a private, loopback or
    /// link-local address unless its host is in `CASEGRAPH_WEBHOOK_ALLOW_HOSTS`.
    pub url: String,
    /// The event types to send; each must be one the organisation may receive.
    pub event_types: Vec<EventType>,
}

/// A change to a webhook endpoint; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateWebhookSubscriptionInput {
    /// The subscription.
    pub id: ID,
    /// A new endpoint.
    pub url: Option<String>,
    /// New event types.
    pub event_types: Option<Vec<EventType>>,
    /// Stop (`false`) or resume (`true`) sending; resuming clears the retry state.
    pub active: Option<bool>,
    /// The subscription's `version` as last read.
    pub expected_version: i32,
}

/// A new signing secret for an endpoint.
#[derive(InputObject)]
pub struct RotateWebhookSecretInput {
    /// The subscription.
    pub id: ID,
    /// Hours the old secret keeps signing beside the new one (0 to 168), so the receiver can
    /// switch without missing a delivery.
    #[graphql(default = 24)]
    pub overlap_hours: i32,
}

/// A dead letter to send again.
#[derive(InputObject)]
pub struct ReplayWebhookDeadLetterInput {
    /// The dead letter.
    pub id: ID,
}

/// The result of creating or rotating: the secret is shown here once and never again.
#[derive(SimpleObject)]
pub struct WebhookSecretPayload {
    /// The subscription; `null` when there are `userErrors`.
    pub subscription: Option<WebhookSubscription>,
    /// The signing secret (`whsec_...`): store it now, it is never shown again.
    pub secret: Option<String>,
    /// What was wrong with the input, if anything.
    pub user_errors: Vec<UserError>,
}

/// The result of changing a subscription.
#[derive(SimpleObject)]
pub struct WebhookSubscriptionPayload {
    /// The subscription as changed; `null` when there are `userErrors`.
    pub subscription: Option<WebhookSubscription>,
    /// What was wrong with the input, if anything.
    pub user_errors: Vec<UserError>,
}

/// The result of queueing a replay.
#[derive(SimpleObject)]
pub struct WebhookDeadLetterPayload {
    /// The dead letter, now `REPLAY_PENDING`; `null` when there are `userErrors`.
    pub dead_letter: Option<WebhookDeadLetter>,
    /// What was wrong with the input, if anything.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct IntegrationMutation;

#[Object(guard = "super::Authorized(\"Mutation\")")]
impl IntegrationMutation {
    /// Registers a webhook endpoint for an organisation (`ADMIN`). Delivery starts with the
    /// events written from now on.
    async fn create_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organisation, the endpoint and the event types.")] input: CreateWebhookSubscriptionInput,
    ) -> Result<WebhookSecretPayload> {
        let r = req(ctx)?;
        let result = async {
            let org = ids::decode(&input.organisation_id, Kind::Organisation, "input.organisationId")?;
            let i = SubscriptionIn { organisation_id: org, url: input.url, event_types: input.event_types };
            webhook::create(&r.db, &r.ctx, &r.services.webhooks, i).await
        }
        .await;
        let (made, user_errors) = split(result)?;
        let (subscription, secret) = made.map(|(s, k)| (WebhookSubscription(s), k)).unzip();
        Ok(WebhookSecretPayload { subscription, secret, user_errors })
    }

    /// Changes an endpoint, its event types, or whether it is active (`ADMIN`).
    async fn update_webhook_subscription(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subscription, what changes and its version.")] input: UpdateWebhookSubscriptionInput,
    ) -> Result<WebhookSubscriptionPayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.id, Kind::WebhookSubscription, "input.id")?;
            let change = SubscriptionChange { url: input.url, event_types: input.event_types, active: input.active };
            webhook::update(&r.db, &r.ctx, &r.services.webhooks, id, change, input.expected_version).await
        }
        .await;
        let (s, user_errors) = split(result)?;
        Ok(WebhookSubscriptionPayload { subscription: s.map(WebhookSubscription), user_errors })
    }

    /// A new signing secret, shown once; the old one keeps signing for the overlap (`ADMIN`).
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The subscription and the overlap.")] input: RotateWebhookSecretInput,
    ) -> Result<WebhookSecretPayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.id, Kind::WebhookSubscription, "input.id")?;
            webhook::rotate(&r.db, &r.ctx, id, i64::from(input.overlap_hours)).await
        }
        .await;
        let (made, user_errors) = split(result)?;
        let (subscription, secret) = made.map(|(s, k)| (WebhookSubscription(s), k)).unzip();
        Ok(WebhookSecretPayload { subscription, secret, user_errors })
    }

    /// Queues a dead letter to be sent again, before the endpoint's next events (`ADMIN`).
    async fn replay_webhook_dead_letter(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The dead letter.")] input: ReplayWebhookDeadLetterInput,
    ) -> Result<WebhookDeadLetterPayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.id, Kind::WebhookDeadLetter, "input.id")?;
            webhook::replay(&r.db, &r.ctx, id).await
        }
        .await;
        let (d, user_errors) = split(result)?;
        Ok(WebhookDeadLetterPayload { dead_letter: d.map(WebhookDeadLetter), user_errors })
    }
}
