//! On PostgreSQL, reference numbers come from sequences: a counter row would serialise every
//! concurrent submission on its lock until commit. (SQLite serialises writes anyway and keeps
//! the counter table.)
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if db.get_database_backend() == DatabaseBackend::Postgres {
            for (series, code) in [("rfs", "RFS"), ("pu", "PU")] {
                db.execute_unprepared(&format!("CREATE SEQUENCE IF NOT EXISTS reference_{series}_seq")).await?;
                // Carry on from the numbers the counter table already issued.
                db.execute_unprepared(&format!(
                    "SELECT setval('reference_{series}_seq', (SELECT COALESCE(MAX(last), 0) + 1 FROM reference_counters \
                     WHERE series = '{code}'), false)"
                ))
                .await?;
            }
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
