//! One attempt to deliver an event to a webhook endpoint.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    pub event_seq: i64,
    pub attempt: i32,
    pub at: DateTimeUtc,
    pub status_code: Option<i32>,
    /// `DELIVERED`, `FAILED`, `DEAD` or `GONE`.
    pub outcome: String,
    pub error: Option<String>,
    pub duration_ms: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
