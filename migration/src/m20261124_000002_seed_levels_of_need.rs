//! Reference data: the four levels of need and example indicators (docs/domain.md §2). The
//! indicators are placeholders (unverified) kept as rows so they can be replaced without a release.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const LEVELS: &[(&str, i32, &str, &str)] = &[
    (
        "UNIVERSAL",
        1,
        "Universal",
        "The family copes alone or with advice from universal services (schools, GPs, health visitors). No assessment.",
    ),
    (
        "UNIVERSAL_PLUS",
        2,
        "Universal Plus",
        "Advice has not been enough. A practitioner who already knows the family gives extra support, usually through an early help assessment and plan they lead.",
    ),
    (
        "INTENSIVE",
        3,
        "Intensive",
        "Significant or multiple needs: coordinated multi-agency or intensive family support, with a lead practitioner and a Team Around the Family.",
    ),
    (
        "SPECIALIST",
        4,
        "Specialist",
        "Statutory children's social care: child in need (Children Act 1989 s17) or child protection (s47) where significant harm is suspected.",
    ),
];

const INDICATORS: &[(&str, &str, &str)] = &[
    ("UNIVERSAL", "Child's developmental needs", "Developmental checks and immunisations up to date"),
    ("UNIVERSAL", "Child's developmental needs", "Attends school regularly"),
    ("UNIVERSAL_PLUS", "Child's developmental needs", "Emerging needs such as poor school attendance"),
    ("UNIVERSAL_PLUS", "Family and environment", "Housing or financial stress"),
    ("UNIVERSAL_PLUS", "Parenting capacity", "Unhealthy diet or strained family relationships"),
    ("INTENSIVE", "Parenting capacity", "Neglect of the child's needs"),
    ("INTENSIVE", "Family and environment", "Poor family relationships"),
    ("INTENSIVE", "Child's developmental needs", "Disengagement from school or health services"),
    ("INTENSIVE", "Child's developmental needs", "Disability with complex needs"),
    ("SPECIALIST", "Child's developmental needs", "Significant harm or its likelihood"),
    ("SPECIALIST", "Parenting capacity", "Parents unable to care for the child"),
];

/// Fixed IDs (UUID v7 layout, 2026-11-24) so reference rows are the same on every database.
fn indicator_id(n: usize) -> String {
    format!("019ab4c0-0000-7000-8000-{:012x}", n + 1)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let mut levels = Query::insert();
        levels.into_table("levels_of_need").columns(["level", "ordinal", "name", "expected_response"]);
        for (level, ordinal, name, response) in LEVELS {
            levels.values_panic([(*level).into(), (*ordinal).into(), (*name).into(), (*response).into()]);
        }
        m.exec_stmt(levels).await?;
        let mut inds = Query::insert();
        inds.into_table("need_indicators").columns(["id", "level", "domain", "text", "sort_order"]);
        for (n, (level, domain, text)) in INDICATORS.iter().enumerate() {
            let id = sea_orm_migration::sea_orm::prelude::Uuid::parse_str(&indicator_id(n))
                .map_err(|e| DbErr::Migration(e.to_string()))?;
            inds.values_panic([id.into(), (*level).into(), (*domain).into(), (*text).into(), (n as i32).into()]);
        }
        m.exec_stmt(inds).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
