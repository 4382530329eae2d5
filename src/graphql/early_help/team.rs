//! The team around the family: adding and removing members.
use super::*;

/// A practitioner to add to, or remove from, the team around the family of an assessment. The team
/// has at most 30 current members.
#[derive(InputObject)]
pub struct TeamAroundFamilyMemberInput {
    /// The assessment whose team changes.
    pub assessment_id: ID,
    /// The `version` of the assessment as last read. The change is refused if someone else has
    /// changed the assessment since.
    pub expected_version: i32,
    /// A known practitioner's staff ID.
    pub staff_id: ID,
}

#[derive(Default)]
pub struct TeamMutation;

#[Object(guard = "crate::graphql::Authorized(\"Mutation\")")]
impl TeamMutation {
    /// Adds a known practitioner to the team around the family (the lead only).
    async fn add_team_around_family_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment and the practitioner to add.")] input: TeamAroundFamilyMemberInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.assessment_id, Kind::EarlyHelpAssessment, "input.assessmentId")?;
            let staff = ids::decode(&input.staff_id, Kind::Staff, "input.staffId")?;
            domain::early_help::add_member(&r.db, &r.ctx, id, input.expected_version, staff).await
        }
        .await;
        assessment_payload(result)
    }

    /// Ends a practitioner's membership of the team around the family (the lead only).
    async fn remove_team_around_family_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment and the practitioner to remove.")] input: TeamAroundFamilyMemberInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.assessment_id, Kind::EarlyHelpAssessment, "input.assessmentId")?;
            let staff = ids::decode(&input.staff_id, Kind::Staff, "input.staffId")?;
            domain::early_help::remove_member(&r.db, &r.ctx, id, input.expected_version, staff).await
        }
        .await;
        assessment_payload(result)
    }
}
