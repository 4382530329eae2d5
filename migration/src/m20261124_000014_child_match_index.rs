//! A partner update is matched to a child by both name keys and the date of birth, and the hub's
//! child lookup asks for the same three. With the names index alone PostgreSQL and-ed two bitmap
//! scans (names, then date of birth) and read the heap to recheck; one index on all three finds
//! the child in one descent. It keeps the names as its leading columns, so the prefix search
//! still uses it, and replaces the two-column index.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name("ix_children_names_dob")
                .table("children")
                .col("family_key")
                .col("given_key")
                .col("date_of_birth")
                .take(),
        )
        .await?;
        m.drop_index(Index::drop().name("ix_children_family_key").table("children").to_owned()).await
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
