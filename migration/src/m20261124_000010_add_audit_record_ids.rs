//! A read audit row can stand for several records of one type about one child (a caseload page
//! reads each child's latest partner updates): `record_ids` lists them all, `record_id` holds
//! the first. Writes still get one row per record.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table("audit_events").add_column(text_null("record_ids")).take()).await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
