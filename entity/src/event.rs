//! The outbox: one row per state change another system may care about, written in the same
//! transaction as the change.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub id: Uuid,
    /// PostgreSQL: the writing transaction's ID (0 on SQLite).
    pub txid: i64,
    #[sea_orm(column_name = "type")]
    pub kind: String,
    pub at: DateTimeUtc,
    pub subject_id: Uuid,
    /// The partner organisation that may also see it; the local authority's own systems see all.
    pub org_id: Option<Uuid>,
    /// JSON: IDs and what the receiving organisation may see.
    pub payload: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
