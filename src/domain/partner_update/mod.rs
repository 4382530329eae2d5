//! Partner updates: the Partners Update Mailbox as an API. Submission (never for an immediate
//! safeguarding response), matching to a child with an open case, the morning and 15:00 check
//! windows, review with optimistic concurrency, and alerts — to the allocated social worker for
//! every matched update, to the team manager for a concern, an escalation or an update not
//! reviewed by its due time. The sender's answer is the same whether or not the child matched.
use super::page::{Page, PageArgs, decode_parts, encode_parts};
use super::validate::{self, Checks};
use super::{calendar, names, submission};
use crate::alerts::{AlertBus, Signal};
use crate::audit;
use crate::auth::policy::{self, Action};
use crate::context::RequestCtx;
use crate::context::{Entry, RecordType};
use crate::error::UserErrorCode;
use crate::error::{AppError, AppResult, FieldError};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use entity::code_enum;
use entity::{
    alert, case, child,
    enums::{AuditAction, CaseStatus},
    partner_update as pu,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction, EntityTrait,
    FromQueryResult, JoinType, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, SqlErr,
    prelude::Uuid,
    sea_query::{Asterisk, Expr, ExprTrait, Func, Query},
};
use std::collections::HashMap;

pub const DETAILS_MAX: usize = 5_000;
/// Updates on one page of a child's timeline at most (the page size of every connection).
pub const TIMELINE_MAX: i32 = super::page::MAX_PAGE;

code_enum! {
    /// What a partner update is about.
    UpdateKind {
        /// Face to face, phone or virtual contact with the child.
        ContactWithChild = "CONTACT_WITH_CHILD",
        /// Not brought to an appointment, not present at a home visit, or other.
        UnsuccessfulContact = "UNSUCCESSFUL_CONTACT",
        /// A change in the services around the child, e.g. not currently in school.
        ChangeInServices = "CHANGE_IN_SERVICES",
        /// A change in the child's circumstances.
        ChangeInCircumstances = "CHANGE_IN_CIRCUMSTANCES",
        /// Anything else the child's social worker should know.
        Other = "OTHER",
    }
}

code_enum! {
    /// How contact with the child happened.
    ContactMode {
        /// In person.
        FaceToFace = "FACE_TO_FACE",
        /// By telephone.
        Phone = "PHONE",
        /// By video call or another online meeting.
        Virtual = "VIRTUAL"
    }
}

code_enum! {
    /// Why a planned contact with the child did not happen.
    UnsuccessfulReason {
        /// The child was not brought to an appointment.
        NotBroughtToAppointment = "NOT_BROUGHT_TO_APPOINTMENT",
        /// The child was not there at a home visit.
        NotPresentAtHomeVisit = "NOT_PRESENT_AT_HOME_VISIT",
        /// Another reason.
        Other = "OTHER",
    }
}

code_enum! {
    /// What the reviewer did about a partner update.
    ReviewAction {
        /// Reviewed; nothing further needed.
        #[graphql(name = "NONE")]
        NoAction = "NONE",
        /// A visit to the child was arranged.
        VisitArranged = "VISIT_ARRANGED",
        /// Contact was made about the update.
        ContactMade = "CONTACT_MADE",
        /// Escalated to the case's team manager, who is alerted.
        Escalated = "ESCALATED" }
}

/// The two daily checks of the mailbox (local London time).
#[derive(Debug, Clone, Copy)]
pub struct CheckTimes {
    pub morning: NaiveTime,
    pub afternoon: NaiveTime,
}

impl Default for CheckTimes {
    fn default() -> Self {
        CheckTimes {
            morning: NaiveTime::from_hms_opt(10, 0, 0).unwrap_or_default(),
            afternoon: NaiveTime::from_hms_opt(15, 0, 0).unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct UpdateIn {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub nhs_number: Option<String>,
    pub upn: Option<String>,
    pub kind: UpdateKind,
    pub contact_mode: Option<ContactMode>,
    pub unsuccessful_reason: Option<UnsuccessfulReason>,
    pub occurred_at: DateTime<Utc>,
    pub details: String,
    pub concern: bool,
    pub needs_immediate_safeguarding_response: bool,
    pub idempotency_key: Option<String>,
}

mod alerts;
mod read;
mod review;
mod submit;
pub use self::{alerts::*, read::*, review::*, submit::*};
