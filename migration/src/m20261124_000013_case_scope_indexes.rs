//! Who may see a child is decided by their cases: the worker's own, or their team's
//! (`policy::child_scope`). Those subqueries select `child_id` by worker or by team; with these
//! indexes they read the index alone instead of one table page per case (a caseload page's
//! child read touched ~80 case pages for it).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, col) in [("ix_cases_worker_child", "allocated_worker_id"), ("ix_cases_team_child", "team_id")] {
            m.create_index(Index::create().name(name).table("cases").col(col).col("child_id").take()).await?;
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
