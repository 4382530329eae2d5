//! Schema and reference data. Every migration runs on SQLite and PostgreSQL; forward only.
pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_core_tables;
mod m20261124_000002_seed_levels_of_need;
mod m20261124_000003_protect_audit_events;
mod m20261124_000004_create_calendar;
mod m20261124_000005_create_requests_for_support;
mod m20261124_000006_add_case_origin;
mod m20261124_000007_create_partner_updates;
mod m20261124_000008_create_early_help;
mod m20261124_000009_add_reference_sequences;
mod m20261124_000010_add_audit_record_ids;
mod m20261124_000011_name_keys_bytewise;
mod m20261124_000012_announce_alerts;
mod m20261124_000013_case_scope_indexes;
mod m20261124_000014_child_match_index;
mod m20261124_000015_announce_after_commit;
mod m20261124_000016_staff_team_index;
mod m20261129_000017_child_nhs_index;
mod m20261129_000018_handovers;
mod m20261130_000019_events;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_core_tables::Migration),
            Box::new(m20261124_000002_seed_levels_of_need::Migration),
            Box::new(m20261124_000003_protect_audit_events::Migration),
            Box::new(m20261124_000004_create_calendar::Migration),
            Box::new(m20261124_000005_create_requests_for_support::Migration),
            Box::new(m20261124_000006_add_case_origin::Migration),
            Box::new(m20261124_000007_create_partner_updates::Migration),
            Box::new(m20261124_000008_create_early_help::Migration),
            Box::new(m20261124_000009_add_reference_sequences::Migration),
            Box::new(m20261124_000010_add_audit_record_ids::Migration),
            Box::new(m20261124_000011_name_keys_bytewise::Migration),
            Box::new(m20261124_000012_announce_alerts::Migration),
            Box::new(m20261124_000013_case_scope_indexes::Migration),
            Box::new(m20261124_000014_child_match_index::Migration),
            Box::new(m20261124_000015_announce_after_commit::Migration),
            Box::new(m20261124_000016_staff_team_index::Migration),
            Box::new(m20261129_000017_child_nhs_index::Migration),
            Box::new(m20261129_000018_handovers::Migration),
            Box::new(m20261130_000019_events::Migration),
        ]
    }
}
