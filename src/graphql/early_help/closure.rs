//! Closing an assessment (with step up or step down) and linking its children to records.
use super::*;

/// Closing an early help assessment with its outcome.
#[derive(InputObject)]
pub struct CloseEarlyHelpAssessmentInput {
    /// The assessment to close.
    pub assessment_id: ID,
    /// The `version` of the assessment as last read. The change is refused if someone else has
    /// changed the assessment since.
    pub expected_version: i32,
    /// How the assessment ends: needs met, step down to universal services, single agency, consent
    /// withdrawn, or step up to social care.
    pub outcome: EarlyHelpClosureOutcome,
    /// Required with open plan actions, and for a step up (the concern). At most 5,000 characters.
    pub reason: Option<String>,
    /// Defaults to today. Not in the future, nor before the assessment started.
    pub closed_on: Option<Date>,
}

/// Linking a child on an early help assessment to a child record.
#[derive(InputObject)]
pub struct LinkEarlyHelpChildInput {
    /// The child on the assessment (the `id` of an `EarlyHelpChild`).
    pub assessment_child_id: ID,
    /// The child record to link them to.
    pub child_id: ID,
    /// The `version` of the assessment as last read. The change is refused if someone else has
    /// changed the assessment since.
    pub expected_version: i32,
    /// Required when the names or date of birth disagree: why this is the same child (kept with
    /// the link). At most 5,000 characters.
    pub override_reason: Option<String>,
}

/// The result of closing an early help assessment: the closed assessment and, for a step up, the
/// draft request for support; or the problems with the input.
#[derive(SimpleObject)]
pub struct CloseEarlyHelpAssessmentPayload {
    /// The closed assessment; empty when the closure was refused.
    pub assessment: Option<EarlyHelpAssessment>,
    /// For a step up: the draft request for support, pre-filled, for the lead to review and
    /// submit with `submitDraftRequestForSupport`.
    pub draft_request: Option<RequestForSupport>,
    /// What is wrong with the input, field by field; empty when the assessment closed.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct ClosureMutation;

#[Object(guard = "crate::graphql::Authorized(\"Mutation\")")]
impl ClosureMutation {
    /// Closes the assessment with its outcome (the lead only). A step up to social care returns
    /// a draft request for support pre-filled from the assessment.
    async fn close_early_help_assessment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment, its outcome and the reason.")] input: CloseEarlyHelpAssessmentInput,
    ) -> Result<CloseEarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let c = domain::early_help::Closure {
                assessment_id: ids::decode(&input.assessment_id, Kind::EarlyHelpAssessment, "input.assessmentId")?,
                expected_version: input.expected_version,
                outcome: input.outcome,
                reason: input.reason,
                closed_on: input.closed_on.map(|d| d.0),
            };
            domain::early_help::close(&r.db, &r.ctx, c).await
        }
        .await;
        let (pair, user_errors) = split(result)?;
        let (assessment, draft) = match pair {
            Some((a, d)) => (Some(EarlyHelpAssessment::from(a)), d),
            None => (None, None),
        };
        let draft_request = match draft {
            Some(id) => r.loaders.request.load_one(id).await?.map(RequestForSupport::from),
            None => None,
        };
        Ok(CloseEarlyHelpAssessmentPayload { assessment, draft_request, user_errors })
    }

    /// Links a child on an assessment to a child record the caller may see (hub workers and
    /// social workers).
    async fn link_early_help_child(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The child on the assessment and the child record.")] input: LinkEarlyHelpChildInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let ehc = ids::decode(&input.assessment_child_id, Kind::EarlyHelpChild, "input.assessmentChildId")?;
            let child = ids::decode(&input.child_id, Kind::Child, "input.childId")?;
            domain::early_help::link_child(&r.db, &r.ctx, ehc, child, input.expected_version, input.override_reason)
                .await
        }
        .await;
        assessment_payload(result)
    }
}
