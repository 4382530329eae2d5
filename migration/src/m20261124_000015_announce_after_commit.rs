//! Alerts are no longer announced by a trigger inside the inserting transaction. PostgreSQL
//! serialises every transaction that has queued a NOTIFY: it takes one database-wide lock before
//! the commit record and holds it until the commit has been flushed, so no two partner updates
//! could commit (and flush) at the same time. The server now announces committed alerts itself,
//! in batches, from one task per instance (`alerts.rs`); the rows stay the record of truth.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if db.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        db.execute_unprepared("DROP TRIGGER IF EXISTS alerts_announce ON alerts").await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS alerts_announce()").await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
