//! Stored code lists. Portable string columns (no native PostgreSQL enums), so the same
//! migrations and queries work on SQLite and PostgreSQL.
use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Organisation types (docs/domain.md §6.1) plus the local authority's own services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
pub enum AgencyType {
    #[sea_orm(string_value = "LA_CHILDRENS_SOCIAL_CARE")]
    LaChildrensSocialCare,
    #[sea_orm(string_value = "LA_EARLY_HELP")]
    LaEarlyHelp,
    #[sea_orm(string_value = "SCHOOL")]
    School,
    #[sea_orm(string_value = "EARLY_YEARS")]
    EarlyYears,
    #[sea_orm(string_value = "PUPIL_WELFARE")]
    PupilWelfare,
    #[sea_orm(string_value = "GP")]
    Gp,
    #[sea_orm(string_value = "HEALTH_VISITOR")]
    HealthVisitor,
    #[sea_orm(string_value = "SCHOOL_NURSE")]
    SchoolNurse,
    #[sea_orm(string_value = "MIDWIFE")]
    Midwife,
    #[sea_orm(string_value = "CAMHS")]
    Camhs,
    #[sea_orm(string_value = "DRUG_SERVICE")]
    DrugService,
    #[sea_orm(string_value = "HOUSING")]
    Housing,
    #[sea_orm(string_value = "YOUTH_JUSTICE")]
    YouthJustice,
    #[sea_orm(string_value = "POLICE")]
    Police,
    #[sea_orm(string_value = "PROBATION")]
    Probation,
    #[sea_orm(string_value = "PRISON")]
    Prison,
    #[sea_orm(string_value = "CHILDRENS_CENTRE")]
    ChildrensCentre,
    #[sea_orm(string_value = "FIRE")]
    Fire,
    #[sea_orm(string_value = "VOLUNTARY_SECTOR")]
    VoluntarySector,
}

/// Sex as in the CIN census 2024-25 (`F`, `M`, `U`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(1))")]
pub enum Sex {
    #[sea_orm(string_value = "F")]
    Female,
    #[sea_orm(string_value = "M")]
    Male,
    #[sea_orm(string_value = "U")]
    Unknown,
}

/// CIN census ethnicity codes (docs/domain.md §6.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(4))")]
pub enum Ethnicity {
    #[sea_orm(string_value = "WBRI")]
    Wbri,
    #[sea_orm(string_value = "WIRI")]
    Wiri,
    #[sea_orm(string_value = "WIRT")]
    Wirt,
    #[sea_orm(string_value = "WOTH")]
    Woth,
    #[sea_orm(string_value = "WROM")]
    Wrom,
    #[sea_orm(string_value = "MWBC")]
    Mwbc,
    #[sea_orm(string_value = "MWBA")]
    Mwba,
    #[sea_orm(string_value = "MWAS")]
    Mwas,
    #[sea_orm(string_value = "MOTH")]
    Moth,
    #[sea_orm(string_value = "AIND")]
    Aind,
    #[sea_orm(string_value = "APKN")]
    Apkn,
    #[sea_orm(string_value = "ABAN")]
    Aban,
    #[sea_orm(string_value = "AOTH")]
    Aoth,
    #[sea_orm(string_value = "BCRB")]
    Bcrb,
    #[sea_orm(string_value = "BAFR")]
    Bafr,
    #[sea_orm(string_value = "BOTH")]
    Both,
    #[sea_orm(string_value = "CHNE")]
    Chne,
    #[sea_orm(string_value = "OOTH")]
    Ooth,
    #[sea_orm(string_value = "REFU")]
    Refu,
    #[sea_orm(string_value = "NOBT")]
    Nobt,
}

/// A household member's relationship to the child.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum Relationship {
    #[sea_orm(string_value = "MOTHER")]
    Mother,
    #[sea_orm(string_value = "FATHER")]
    Father,
    #[sea_orm(string_value = "STEP_PARENT")]
    StepParent,
    #[sea_orm(string_value = "PARTNER_OF_PARENT")]
    PartnerOfParent,
    #[sea_orm(string_value = "GRANDPARENT")]
    Grandparent,
    #[sea_orm(string_value = "SIBLING")]
    Sibling,
    #[sea_orm(string_value = "HALF_SIBLING")]
    HalfSibling,
    #[sea_orm(string_value = "AUNT_OR_UNCLE")]
    AuntOrUncle,
    #[sea_orm(string_value = "FOSTER_CARER")]
    FosterCarer,
    #[sea_orm(string_value = "OTHER_RELATIVE")]
    OtherRelative,
    #[sea_orm(string_value = "OTHER")]
    Other,
}

/// What kind of social-care involvement a case is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
pub enum CaseKind {
    /// Child and family assessment (Children Act 1989 s17).
    #[sea_orm(string_value = "ASSESSMENT")]
    Assessment,
    #[sea_orm(string_value = "CHILD_IN_NEED")]
    ChildInNeed,
    #[sea_orm(string_value = "CHILD_PROTECTION")]
    ChildProtection,
    #[sea_orm(string_value = "LOOKED_AFTER")]
    LookedAfter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum CaseStatus {
    #[sea_orm(string_value = "OPEN")]
    Open,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// CIN census reason for closure (RC1-RC9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(4))")]
pub enum ClosureReason {
    #[sea_orm(string_value = "RC1")]
    Adopted,
    #[sea_orm(string_value = "RC2")]
    Died,
    #[sea_orm(string_value = "RC3")]
    ChildArrangementsOrder,
    #[sea_orm(string_value = "RC4")]
    SpecialGuardianshipOrder,
    #[sea_orm(string_value = "RC5")]
    TransferredToAnotherLa,
    #[sea_orm(string_value = "RC6")]
    TransferredToAdultSocialCare,
    #[sea_orm(string_value = "RC7")]
    ServicesCeased,
    #[sea_orm(string_value = "RC8")]
    NoFurtherActionAfterAssessment,
    #[sea_orm(string_value = "RC9")]
    ReferredToEarlyHelp,
}

/// A transition in a case's life, kept as a row (never a flag on the case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum CaseEventKind {
    #[sea_orm(string_value = "OPENED")]
    Opened,
    #[sea_orm(string_value = "ALLOCATED")]
    Allocated,
    #[sea_orm(string_value = "CLOSED")]
    Closed,
}

/// The four levels of need (docs/domain.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum Level {
    #[sea_orm(string_value = "UNIVERSAL")]
    Universal,
    #[sea_orm(string_value = "UNIVERSAL_PLUS")]
    UniversalPlus,
    #[sea_orm(string_value = "INTENSIVE")]
    Intensive,
    #[sea_orm(string_value = "SPECIALIST")]
    Specialist,
}

/// What an audit row records (ICO logging pattern, docs/domain.md §8.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
pub enum AuditAction {
    #[sea_orm(string_value = "READ")]
    Read,
    #[sea_orm(string_value = "CREATE")]
    Create,
    #[sea_orm(string_value = "UPDATE")]
    Update,
    #[sea_orm(string_value = "SEARCH")]
    Search,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(8))")]
pub enum AuditOutcome {
    #[sea_orm(string_value = "ALLOWED")]
    Allowed,
    #[sea_orm(string_value = "DENIED")]
    Denied,
}
