//! Name search matches a prefix of the normalised name keys. It is written as a range
//! (`key >= prefix AND key < prefix || U+10FFFF`) so that one prepared statement, planned once,
//! can use the (family_key, given_key) index whatever the prefix. A range is a prefix match only
//! under bytewise ordering: PostgreSQL's keys get the "C" collation (the database's own may be a
//! linguistic one); SQLite compares bytewise already.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        if m.get_database_backend() != DatabaseBackend::Postgres {
            return Ok(());
        }
        m.get_connection()
            .execute_unprepared(
                r#"ALTER TABLE children
                     ALTER COLUMN family_key TYPE varchar(100) COLLATE "C",
                     ALTER COLUMN given_key TYPE varchar(100) COLLATE "C""#,
            )
            .await
            .map(|_| ())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
