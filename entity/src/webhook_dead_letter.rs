//! An event that ran out of delivery attempts to one endpoint, until an admin replays it.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_dead_letters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    /// The event's position: `(event_txid, event_seq)`, its primary key on PostgreSQL.
    pub event_txid: i64,
    pub event_seq: i64,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// `DEAD`, `REPLAY_PENDING` or `REPLAYED`.
    pub status: String,
    pub dead_at: DateTimeUtc,
    pub replayed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
