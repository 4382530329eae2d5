//! Opaque global IDs: the type and the UUID, base64url-encoded. Clients must treat them as
//! opaque; the server checks the type on every use.
use crate::error::UserErrorCode;
use crate::error::{AppError, AppResult};
use async_graphql::ID;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm::prelude::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Child,
    Case,
    Staff,
    Team,
    Organisation,
    RequestForSupport,
    RequestChild,
    NeglectScreening,
    AdviceConsultation,
    PartnerUpdate,
    Alert,
    EarlyHelpAssessment,
    EarlyHelpChild,
    EarlyHelpHouseholdMember,
    EarlyHelpFactor,
    EarlyHelpPlanAction,
    EarlyHelpMeeting,
    EarlyHelpReferral,
    WebhookSubscription,
    WebhookDeadLetter,
    Viewer,
    Practitioner,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::Child => "Child",
            Kind::Case => "Case",
            Kind::Staff => "Staff",
            Kind::Team => "Team",
            Kind::Organisation => "Organisation",
            Kind::RequestForSupport => "RequestForSupport",
            Kind::RequestChild => "RequestChild",
            Kind::NeglectScreening => "NeglectScreening",
            Kind::AdviceConsultation => "AdviceConsultation",
            Kind::PartnerUpdate => "PartnerUpdate",
            Kind::Alert => "Alert",
            Kind::EarlyHelpAssessment => "EarlyHelpAssessment",
            Kind::EarlyHelpChild => "EarlyHelpChild",
            Kind::EarlyHelpHouseholdMember => "EarlyHelpHouseholdMember",
            Kind::EarlyHelpFactor => "EarlyHelpFactor",
            Kind::EarlyHelpPlanAction => "EarlyHelpPlanAction",
            Kind::EarlyHelpMeeting => "EarlyHelpMeeting",
            Kind::EarlyHelpReferral => "EarlyHelpReferral",
            Kind::WebhookSubscription => "WebhookSubscription",
            Kind::WebhookDeadLetter => "WebhookDeadLetter",
            Kind::Viewer => "Viewer",
            Kind::Practitioner => "Practitioner",
        }
    }

    fn from_tag(s: &str) -> Option<Kind> {
        [
            Kind::Child,
            Kind::Case,
            Kind::Staff,
            Kind::Team,
            Kind::Organisation,
            Kind::RequestForSupport,
            Kind::RequestChild,
            Kind::NeglectScreening,
            Kind::AdviceConsultation,
            Kind::PartnerUpdate,
            Kind::Alert,
            Kind::EarlyHelpAssessment,
            Kind::EarlyHelpChild,
            Kind::EarlyHelpHouseholdMember,
            Kind::EarlyHelpFactor,
            Kind::EarlyHelpPlanAction,
            Kind::EarlyHelpMeeting,
            Kind::EarlyHelpReferral,
            Kind::WebhookSubscription,
            Kind::WebhookDeadLetter,
            Kind::Viewer,
            Kind::Practitioner,
        ]
        .into_iter()
        .find(|k| k.tag() == s)
    }
}

pub fn encode(kind: Kind, id: Uuid) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{}", kind.tag(), id.simple())))
}

/// Decodes any global ID.
pub fn decode_any(id: &str) -> Option<(Kind, Uuid)> {
    if id.len() > 80 {
        return None;
    }
    let raw = String::from_utf8(URL_SAFE_NO_PAD.decode(id).ok()?).ok()?;
    let (tag, uuid) = raw.split_once(':')?;
    Some((Kind::from_tag(tag)?, Uuid::try_parse(uuid).ok()?))
}

/// Decodes an ID that must be of `kind`; anything else is a `BAD_USER_INPUT` naming `field`.
/// Where a member of staff is expected, a `Practitioner` ID (the same person) is taken too.
pub fn decode(id: &ID, kind: Kind, field: &str) -> AppResult<Uuid> {
    match decode_any(id) {
        Some((k, uuid)) if k == kind || (kind == Kind::Staff && k == Kind::Practitioner) => Ok(uuid),
        _ => Err(AppError::invalid(field, UserErrorCode::Invalid, format!("not a valid {} ID", kind.tag()))),
    }
}

/// An optional ID of `kind`: absent stays absent, a malformed one is a user error on `field`.
pub fn decode_opt(id: &Option<ID>, kind: Kind, field: &str) -> AppResult<Option<Uuid>> {
    id.as_ref().map(|i| decode(i, kind, field)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_foreign_ids() {
        let u = Uuid::now_v7();
        let id = encode(Kind::Child, u);
        assert_eq!(decode(&id, Kind::Child, "id").unwrap(), u);
        assert!(decode(&id, Kind::Case, "id").is_err());
        assert!(decode(&ID("not-an-id".into()), Kind::Child, "id").is_err());
        assert!(decode(&ID(String::new()), Kind::Child, "id").is_err());
    }
}
