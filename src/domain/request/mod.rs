//! Requests for support: submission (with the significant-harm route, consent as a state, the
//! Neglect Protocol and idempotency), the hub queue, matching children, and hub decisions that
//! open cases in the same transaction.
use super::codes::{self, ConcernCategory};
use super::intake::*;
use super::page::{Page, PageArgs, decode_parts, encode_parts};
use super::validate::{self, Checks};
use super::{calendar, case as cases, names, submission};
use crate::audit;
use crate::auth::{
    Principal,
    policy::{self, Action},
};
use crate::context::RequestCtx;
use crate::context::{Entry, RecordType};
use crate::error::UserErrorCode;
use crate::error::{AppError, AppResult, FieldError};
use chrono::{DateTime, NaiveDate, Utc};
use entity::code_enum;
use entity::{
    case, child,
    enums::{AuditAction, CaseKind, CaseStatus, Level, RequestStatus},
    hub_decision, neglect_screening, request_child, request_for_support as rfs, request_household_member,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, SqlErr,
    prelude::Uuid,
    sea_query::{Expr, ExprTrait},
};
use std::collections::HashMap;

use super::contacts::MASH_PHONE;

code_enum! {
    // docs/domain.md §3.3.
    /// What the Request for Support Hub decided to do about a request for support.
    HubOutcome {
        /// Information or advice given to the referrer.
        AdviceInformation = "ADVICE_INFORMATION",
        /// Signposted to universal services.
        SignpostUniversal = "SIGNPOST_UNIVERSAL",
        /// Step down to early help.
        EarlyHelp = "EARLY_HELP",
        /// Child and family assessment (s17): opens an assessment case.
        ChildAndFamilyAssessment = "CHILD_AND_FAMILY_ASSESSMENT",
        /// Strategy discussion (s47): opens a child protection case.
        StrategyDiscussion = "STRATEGY_DISCUSSION",
        /// No further action by children's social care.
        NoFurtherAction = "NO_FURTHER_ACTION",
        /// The child's case is already open: passed to the allocated worker.
        PassToAllocatedWorker = "PASS_TO_ALLOCATED_WORKER",
    }
}

impl HubOutcome {
    /// The kind of case the outcome opens, if any.
    pub fn opens(self) -> Option<CaseKind> {
        match self {
            HubOutcome::ChildAndFamilyAssessment => Some(CaseKind::Assessment),
            HubOutcome::StrategyDiscussion => Some(CaseKind::ChildProtection),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Submission {
    pub children: Vec<ChildIn>,
    pub household: Vec<HouseholdIn>,
    pub concerns: String,
    pub concern_categories: Vec<ConcernCategory>,
    pub support_in_place: Option<String>,
    pub support_outcome: Option<String>,
    pub child_views: Option<String>,
    pub referrer_level: Level,
    pub discussed_with_safeguarding_lead: bool,
    pub safeguarding_lead_name: Option<String>,
    pub safeguarding_lead_consulted_on: Option<NaiveDate>,
    pub advice_line_consulted: bool,
    pub parents_aware: bool,
    pub parents_not_aware_reason: Option<String>,
    pub consent: ConsentIn,
    pub anonymous_source: bool,
    pub immediate_risk_of_significant_harm: bool,
    pub phone_contact_made_at: Option<DateTime<Utc>>,
    pub neglect_screening_id: Option<Uuid>,
    pub idempotency_key: Option<String>,
}

mod guidance;
mod read;
mod submit;
mod triage;
mod withdraw;
pub use self::{guidance::*, read::*, submit::*, triage::*, withdraw::*};
