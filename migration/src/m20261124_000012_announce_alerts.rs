//! On PostgreSQL every alert row announces itself: an AFTER INSERT trigger sends
//! `NOTIFY casegraph_alerts, '<alert id>:<recipient id>'` in the inserting transaction (delivered
//! on commit, to every instance that listens). The server no longer sends a `pg_notify` statement
//! of its own per alert: one round trip less per partner update, and no insert path can forget
//! it. An insert skipped by ON CONFLICT DO NOTHING fires nothing. SQLite has one instance and
//! announces in process.
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
        db.execute_unprepared(
            "CREATE FUNCTION alerts_announce() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN \
               PERFORM pg_notify('casegraph_alerts', NEW.id::text || ':' || NEW.recipient_id::text); \
               RETURN NULL; \
             END $$",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER alerts_announce AFTER INSERT ON alerts FOR EACH ROW EXECUTE FUNCTION alerts_announce()",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
