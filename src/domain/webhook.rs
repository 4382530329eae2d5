//! Webhook subscriptions (issue 19), managed by `ADMIN`: an organisation's endpoint, the event
//! types it wants, a signing secret shown once (and rotatable, with the old one still signing
//! for an overlap). Delivery is [`crate::webhooks`]; signing follows the Standard Webhooks
//! specification ([`sign`]).
use crate::auth::policy::{self, Action};
use crate::context::{Entry, RecordType, RequestCtx};
use crate::domain::outbox::{self, EventType};
use crate::error::{AppError, AppResult, FieldError, UserErrorCode};
use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use entity::enums::AuditAction;
use entity::{organisation, webhook_dead_letter as dead, webhook_delivery as delivery, webhook_subscription as sub};
use hmac::{Hmac, Mac};
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use std::net::IpAddr;

/// How webhooks are delivered, from the configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Production: endpoints must be `https`.
    pub https_only: bool,
    /// Hosts (or `host:port`) that may be private, loopback or link-local addresses.
    pub allow_hosts: Vec<String>,
    /// How long one delivery may take.
    pub timeout: std::time::Duration,
    /// Attempts at one event before it goes to the dead letters.
    pub max_attempts: i32,
    /// The first retry's wait; each later one doubles it (at most an hour), with jitter.
    pub backoff: std::time::Duration,
    /// How long the events feed and deliveries keep events.
    pub retention: chrono::Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            https_only: true,
            allow_hosts: vec![],
            timeout: std::time::Duration::from_secs(5),
            max_attempts: 8,
            backoff: std::time::Duration::from_secs(2),
            retention: chrono::Duration::days(30),
        }
    }
}

/// A new signing secret: `whsec_` and 32 random bytes, base64 (Standard Webhooks).
fn new_secret() -> String {
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(Uuid::new_v4().as_bytes());
    bytes.extend_from_slice(Uuid::new_v4().as_bytes());
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the secret's key (the base64 after
/// `whsec_`), as the Standard Webhooks specification signs.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key = STANDARD.decode(secret.trim_start_matches("whsec_")).unwrap_or_default();
    let Ok(mut mac) = Hmac::<sha2::Sha256>::new_from_slice(&key) else { return String::new() };
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// The `webhook-signature` header: the current secret's signature, and the previous secret's
/// while its overlap lasts (receivers accept either).
pub fn signature_header(s: &sub::Model, id: &str, timestamp: i64, body: &str, now: DateTime<Utc>) -> String {
    let mut out = sign(&s.secret, id, timestamp, body);
    if let (Some(old), Some(until)) = (&s.previous_secret, s.previous_secret_until)
        && until > now
    {
        out.push(' ');
        out.push_str(&sign(old, id, timestamp, body));
    }
    out
}

/// Whether an address is one a webhook may not reach unless its host is allow-listed: loopback,
/// private, link-local, unspecified, shared (CGNAT), multicast, reserved, or unique local.
pub fn blocked(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || o[0] == 0
                || o[0] >= 240
                || (o[0] == 100 && (64..128).contains(&o[1]))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return blocked(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
        }
    }
}

impl Settings {
    /// Whether `host` (with `port`) is allow-listed to be a private address.
    pub fn allowed(&self, host: &str, port: u16) -> bool {
        let with_port = format!("{host}:{port}");
        self.allow_hosts.iter().any(|h| h.eq_ignore_ascii_case(host) || h.eq_ignore_ascii_case(&with_port))
    }

    /// Checks an endpoint as given: `https` (or `http` outside production), a host, no user
    /// name or password, and no literal private address unless allow-listed. Host names are
    /// resolved and checked again at every delivery ([`crate::webhooks`]).
    pub fn check_url(&self, raw: &str) -> Result<reqwest::Url, String> {
        let url = reqwest::Url::parse(raw.trim()).map_err(|_| "not a URL".to_string())?;
        match url.scheme() {
            "https" => {}
            "http" if !self.https_only => {}
            "http" => return Err("must be https".into()),
            _ => return Err("must be an https URL".into()),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("must not carry a user name or password".into());
        }
        let host = url.host_str().ok_or("must name a host")?.trim_matches(['[', ']']).to_string();
        let port = url.port_or_known_default().unwrap_or(443);
        if self.allowed(&host, port) {
            return Ok(url);
        }
        if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
            return Err("must not point at this machine".into());
        }
        if let Ok(ip) = host.parse::<IpAddr>()
            && blocked(ip)
        {
            return Err("must not point at a private, loopback or link-local address".into());
        }
        Ok(url)
    }
}

/// A subscription as it is asked for.
#[derive(Debug, Clone)]
pub struct SubscriptionIn {
    pub organisation_id: Uuid,
    pub url: String,
    pub event_types: Vec<EventType>,
}

fn invalid(field: &str, code: UserErrorCode, message: &str) -> AppError {
    AppError::Invalid(vec![FieldError::new(field, code, message)])
}

/// Checks the event types against what the organisation may receive: a partner cannot
/// subscribe to another organisation's events, nor to the local authority's own.
async fn check_types(db: &impl ConnectionTrait, org: Uuid, types: &[EventType]) -> AppResult<()> {
    if types.is_empty() {
        return Err(invalid("input.eventTypes", UserErrorCode::Required, "name at least one event type"));
    }
    let visible = outbox::visible_types(outbox::is_local_authority(db, org).await?);
    if let Some(t) = types.iter().find(|t| !visible.contains(t)) {
        return Err(invalid(
            "input.eventTypes",
            UserErrorCode::NotAllowed,
            &format!("{} events are not available to this organisation", t.code()),
        ));
    }
    Ok(())
}

async fn audit(db: &impl ConnectionTrait, ctx: &RequestCtx, action: AuditAction, id: Uuid) -> AppResult<()> {
    crate::audit::record(db, ctx, &[Entry::allowed(action, RecordType::WebhookSubscription, id, None)]).await
}

fn types_column(types: &[EventType]) -> String {
    crate::domain::codes::join(types, EventType::code)
}

/// The event types a subscription holds.
pub fn types_of(s: &sub::Model) -> Vec<EventType> {
    crate::domain::codes::split(&s.event_types, EventType::from_code)
}

/// Registers an endpoint for an organisation. Returns it with its secret (shown this once).
pub async fn create(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    settings: &Settings,
    input: SubscriptionIn,
) -> AppResult<(sub::Model, String)> {
    policy::authorize(&ctx.principal, Action::ManageWebhooks)?;
    if organisation::Entity::find_by_id(input.organisation_id).one(db).await?.is_none() {
        return Err(invalid("input.organisationId", UserErrorCode::NotFound, "no such organisation"));
    }
    let url = settings.check_url(&input.url).map_err(|m| invalid("input.url", UserErrorCode::Invalid, &m))?;
    check_types(db, input.organisation_id, &input.event_types).await?;
    let now = Utc::now();
    let secret = new_secret();
    let id = Uuid::now_v7();
    // Delivery starts from the events written from now on.
    let start = latest_position(db).await?;
    let model = sub::ActiveModel {
        id: Set(id),
        org_id: Set(input.organisation_id),
        url: Set(url.to_string()),
        event_types: Set(types_column(&input.event_types)),
        active: Set(true),
        secret: Set(secret.clone()),
        previous_secret: Set(None),
        previous_secret_until: Set(None),
        cursor_txid: Set(start.txid),
        cursor_seq: Set(start.seq),
        attempts: Set(0),
        next_attempt_at: Set(None),
        lease_owner: Set(None),
        lease_until: Set(None),
        last_status: Set(None),
        last_error: Set(None),
        deactivated_reason: Set(None),
        created_by: Set(ctx.principal.user),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await?;
    audit(db, ctx, AuditAction::Create, id).await?;
    Ok((model, secret))
}

/// The position of the newest event written so far (a new subscription starts after it).
async fn latest_position(db: &impl ConnectionTrait) -> AppResult<outbox::Position> {
    let last: Option<(i64, i64)> = entity::event::Entity::find()
        .select_only()
        .column(entity::event::Column::Txid)
        .column(entity::event::Column::Seq)
        .order_by_desc(entity::event::Column::Txid)
        .order_by_desc(entity::event::Column::Seq)
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.map(|(txid, seq)| outbox::Position { txid, seq }).unwrap_or_default())
}

async fn existing(db: &impl ConnectionTrait, id: Uuid) -> AppResult<sub::Model> {
    sub::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| invalid("input.id", UserErrorCode::NotFound, "no such webhook subscription"))
}

/// What may change on a subscription.
#[derive(Debug, Clone, Default)]
pub struct SubscriptionChange {
    pub url: Option<String>,
    pub event_types: Option<Vec<EventType>>,
    pub active: Option<bool>,
}

/// Changes a subscription (optimistic: `expected_version`). Reactivating one clears its retry
/// state, so delivery resumes at once from where it stopped.
pub async fn update(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    settings: &Settings,
    id: Uuid,
    change: SubscriptionChange,
    expected_version: i32,
) -> AppResult<sub::Model> {
    policy::authorize(&ctx.principal, Action::ManageWebhooks)?;
    let s = existing(db, id).await?;
    let mut q = sub::Entity::update_many()
        .col_expr(sub::Column::Version, Expr::col(sub::Column::Version).add(1))
        .col_expr(sub::Column::UpdatedAt, Expr::value(Utc::now()));
    if let Some(url) = &change.url {
        let url = settings.check_url(url).map_err(|m| invalid("input.url", UserErrorCode::Invalid, &m))?;
        q = q.col_expr(sub::Column::Url, Expr::value(url.to_string()));
    }
    if let Some(types) = &change.event_types {
        check_types(db, s.org_id, types).await?;
        q = q.col_expr(sub::Column::EventTypes, Expr::value(types_column(types)));
    }
    if let Some(active) = change.active {
        q = q.col_expr(sub::Column::Active, Expr::value(active));
        if active {
            q = q
                .col_expr(sub::Column::Attempts, Expr::value(0))
                .col_expr(sub::Column::NextAttemptAt, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(sub::Column::DeactivatedReason, Expr::value(Option::<String>::None));
        }
    }
    let res = q.filter(sub::Column::Id.eq(id)).filter(sub::Column::Version.eq(expected_version)).exec(db).await?;
    if res.rows_affected != 1 {
        return Err(invalid("input.expectedVersion", UserErrorCode::Conflict, "the subscription has changed"));
    }
    audit(db, ctx, AuditAction::Update, id).await?;
    existing(db, id).await
}

/// A new secret; the old one keeps signing (as a second signature) for `overlap_hours`.
pub async fn rotate(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    id: Uuid,
    overlap_hours: i64,
) -> AppResult<(sub::Model, String)> {
    policy::authorize(&ctx.principal, Action::ManageWebhooks)?;
    if !(0..=168).contains(&overlap_hours) {
        return Err(invalid("input.overlapHours", UserErrorCode::Invalid, "from 0 to 168 hours"));
    }
    let s = existing(db, id).await?;
    let now = Utc::now();
    let secret = new_secret();
    let res = sub::Entity::update_many()
        .col_expr(sub::Column::PreviousSecret, Expr::value(Some(s.secret.clone())))
        .col_expr(sub::Column::PreviousSecretUntil, Expr::value(Some(now + chrono::Duration::hours(overlap_hours))))
        .col_expr(sub::Column::Secret, Expr::value(secret.clone()))
        .col_expr(sub::Column::Version, Expr::col(sub::Column::Version).add(1))
        .col_expr(sub::Column::UpdatedAt, Expr::value(now))
        .filter(sub::Column::Id.eq(id))
        .filter(sub::Column::Version.eq(s.version))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Err(invalid("input.id", UserErrorCode::Conflict, "the subscription changed at the same time"));
    }
    audit(db, ctx, AuditAction::Update, id).await?;
    Ok((existing(db, id).await?, secret))
}

/// Subscriptions, of one organisation or all.
pub async fn list(db: &impl ConnectionTrait, ctx: &RequestCtx, org: Option<Uuid>) -> AppResult<Vec<sub::Model>> {
    policy::authorize(&ctx.principal, Action::ManageWebhooks)?;
    let mut q = sub::Entity::find().order_by_asc(sub::Column::Id);
    if let Some(o) = org {
        q = q.filter(sub::Column::OrgId.eq(o));
    }
    Ok(q.all(db).await?)
}

/// A subscription's latest delivery attempts, newest first.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    id: Uuid,
    first: u64,
) -> AppResult<Vec<delivery::Model>> {
    policy::authorize(&ctx.principal, Action::ManageWebhooks)?;
    Ok(delivery::Entity::find()
        .filter(delivery::Column::SubscriptionId.eq(id))
        .order_by_desc(delivery::Column::At)
        .order_by_desc(delivery::Column::Id)
        .limit(Ord::min(first, 200))
        .all(db)
        .await?)
}

/// A subscription's dead letters (every status), oldest first.
pub async fn dead_letters(db: &impl ConnectionTrait, ctx: &RequestCtx, id: Uuid) -> AppResult<Vec<dead::Model>> {
    policy::authorize(&ctx.principal, Action::ManageWebhooks)?;
    Ok(dead::Entity::find()
        .filter(dead::Column::SubscriptionId.eq(id))
        .order_by_asc(dead::Column::EventSeq)
        .all(db)
        .await?)
}

/// Queues a dead letter to be delivered again (once, before the subscription's next events).
pub async fn replay(db: &impl ConnectionTrait, ctx: &RequestCtx, id: Uuid) -> AppResult<dead::Model> {
    policy::authorize(&ctx.principal, Action::ManageWebhooks)?;
    let d = dead::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| invalid("input.id", UserErrorCode::NotFound, "no such dead letter"))?;
    if d.status == "REPLAY_PENDING" {
        return Ok(d);
    }
    let res = dead::Entity::update_many()
        .col_expr(dead::Column::Status, Expr::value("REPLAY_PENDING"))
        .filter(dead::Column::Id.eq(id))
        .filter(dead::Column::Status.eq(d.status.clone()))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Err(invalid("input.id", UserErrorCode::Conflict, "the dead letter changed at the same time"));
    }
    audit(db, ctx, AuditAction::Update, d.subscription_id).await?;
    dead::Entity::find_by_id(id).one(db).await?.ok_or(AppError::Internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_standard_webhooks() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn private_addresses_are_refused_unless_allowed() {
        let s = Settings::default();
        for bad in [
            "http://example.org/hook",
            "https://127.0.0.1/hook",
            "https://10.1.2.3/hook",
            "https://169.254.169.254/latest",
            "https://[::1]/hook",
            "https://[fd00::1]/hook",
            "https://localhost/hook",
            "https://user:pw@example.org/hook",
            "ftp://example.org/",
            "https://100.64.0.1/",
        ] {
            assert!(s.check_url(bad).is_err(), "{bad}");
        }
        assert!(s.check_url("https://hooks.example.org/casegraph").is_ok());
        let dev = Settings { https_only: false, allow_hosts: vec!["127.0.0.1".into()], ..Settings::default() };
        assert!(dev.check_url("http://127.0.0.1:9999/hook").is_ok());
        assert!(dev.check_url("http://10.0.0.1/hook").is_err());
        assert!(blocked("::ffff:192.168.0.1".parse().unwrap()));
        assert!(!blocked("93.184.216.34".parse().unwrap()));
    }
}
