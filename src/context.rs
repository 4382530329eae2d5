//! Who is asking and what they touched: the request context every domain function takes, and
//! the audit entry types the trail records. It depends on nothing above it (the principal and
//! the entity enums only), so the audit writer, the domain and the GraphQL layer all import it
//! without a cycle.
use crate::auth::Principal;
use entity::enums::{AuditAction, AuditOutcome};
use sea_orm::prelude::Uuid;

/// Who is asking, and for which request: what the audit trail records with every access.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    pub principal: Principal,
    pub request_id: String,
    /// The GraphQL operation name (letters, digits and `_` only), or `-`.
    pub operation: String,
    /// Where read entries wait to be written once per request (see `audit::note`); `None`
    /// writes them at once.
    pub pending: Option<Pending>,
}

impl RequestCtx {
    pub fn new(principal: Principal, request_id: impl Into<String>, operation: Option<&str>) -> Self {
        let operation: String =
            operation.unwrap_or("-").chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(64).collect();
        let operation = if operation.is_empty() { "-".to_string() } else { operation };
        let request_id: String = request_id.into().chars().filter(|c| c.is_ascii_graphic()).take(64).collect();
        RequestCtx { principal, request_id, operation, pending: None }
    }

    /// Collects read audit entries for one write at the end of the request.
    pub fn deferring_reads(mut self) -> Self {
        self.pending = Some(Pending::default());
        self
    }

    /// The server acting on its own (timers): no roles, a nil actor in the audit trail.
    pub fn system(task: &str) -> Self {
        let principal = Principal {
            user: sea_orm::prelude::Uuid::nil(),
            roles: vec![],
            organisation: None,
            team: None,
            scopes: vec![],
            expires_at: 0,
        };
        RequestCtx::new(principal, format!("system-{}", sea_orm::prelude::Uuid::now_v7()), Some(task))
    }
}

/// Record types named in the trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordType {
    Child,
    HouseholdMember,
    Case,
    AuditTrail,
    RequestForSupport,
    NeglectScreening,
    AdviceConsultation,
    BankHoliday,
    PartnerUpdate,
    Alert,
    EarlyHelpAssessment,
    EarlyHelpSummary,
    EarlyHelpReferral,
    /// A report of counts (no record, no child).
    Report,
    /// A webhook subscription (its endpoint, event types, secret).
    WebhookSubscription,
}

impl RecordType {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordType::Child => "CHILD",
            RecordType::HouseholdMember => "HOUSEHOLD_MEMBER",
            RecordType::Case => "CASE",
            RecordType::AuditTrail => "AUDIT_TRAIL",
            RecordType::RequestForSupport => "REQUEST_FOR_SUPPORT",
            RecordType::NeglectScreening => "NEGLECT_SCREENING",
            RecordType::AdviceConsultation => "ADVICE_CONSULTATION",
            RecordType::BankHoliday => "BANK_HOLIDAY",
            RecordType::PartnerUpdate => "PARTNER_UPDATE",
            RecordType::Alert => "ALERT",
            RecordType::EarlyHelpAssessment => "EARLY_HELP_ASSESSMENT",
            RecordType::EarlyHelpSummary => "EARLY_HELP_SUMMARY",
            RecordType::EarlyHelpReferral => "EARLY_HELP_REFERRAL",
            RecordType::Report => "REPORT",
            RecordType::WebhookSubscription => "WEBHOOK_SUBSCRIPTION",
        }
    }
}

/// One thing that happened to one record.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    pub action: AuditAction,
    pub record_type: RecordType,
    pub record_id: Option<Uuid>,
    pub child_id: Option<Uuid>,
    pub outcome: AuditOutcome,
}

impl Entry {
    pub fn allowed(action: AuditAction, record_type: RecordType, record_id: Uuid, child_id: Option<Uuid>) -> Self {
        Entry { action, record_type, record_id: Some(record_id), child_id, outcome: AuditOutcome::Allowed }
    }

    /// An attempt that was refused or named a record the caller may not see (or that does not
    /// exist: the two are deliberately not told apart).
    pub fn denied(action: AuditAction, record_type: RecordType, record_id: Option<Uuid>) -> Self {
        Entry { action, record_type, record_id, child_id: None, outcome: AuditOutcome::Denied }
    }
}

/// Read entries of one request, written together once the request has run (one statement
/// instead of one per loader batch). The HTTP handler flushes them before it answers; if that
/// fails, the answer is `UNAVAILABLE` with no data, so a read still fails closed.
#[derive(Debug, Clone, Default)]
pub struct Pending(std::sync::Arc<std::sync::Mutex<Vec<Entry>>>);

impl Pending {
    pub(crate) fn push(&self, entries: &[Entry]) {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(entries);
        }
    }

    pub(crate) fn take(&self) -> Vec<Entry> {
        self.0.lock().map(|mut v| std::mem::take(&mut *v)).unwrap_or_default()
    }
}
