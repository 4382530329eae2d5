//! Recording a team-around-the-family meeting.
use super::*;

#[derive(InputObject)]
pub struct MeetingAttendeeInput {
    pub person: EarlyHelpPersonInput,
    /// `false` for someone invited who did not attend.
    pub attended: bool,
}

#[derive(InputObject)]
pub struct PlanActionReviewInput {
    pub action_id: ID,
    pub progress: String,
    pub status: PlanActionStatus,
    /// A new target date, if the meeting moved it.
    pub target_date: Option<Date>,
}

#[derive(InputObject)]
pub struct RecordEarlyHelpMeetingInput {
    pub assessment_id: ID,
    pub expected_version: i32,
    pub held_on: Date,
    pub attendees: Vec<MeetingAttendeeInput>,
    pub child_views: Option<String>,
    pub family_views: Option<String>,
    /// One review for every open plan action.
    #[graphql(default)]
    pub action_reviews: Vec<PlanActionReviewInput>,
    /// Actions the meeting added to the plan.
    #[graphql(default)]
    pub new_actions: Vec<EarlyHelpPlanActionInput>,
    /// After the meeting and at most 3 months later.
    pub next_meeting_on: Option<Date>,
}

#[derive(Default)]
pub struct MeetingMutation;

#[Object(guard = "crate::graphql::Authorized(\"Mutation\")")]
impl MeetingMutation {
    /// Records a team-around-the-family meeting: who attended (and who was invited but absent),
    /// the review of each open plan action, new actions, the views of the child and family,
    /// and the next meeting date.
    async fn record_early_help_meeting(
        &self,
        ctx: &Context<'_>,
        input: RecordEarlyHelpMeetingInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let m = domain::early_help::MeetingIn {
                assessment_id: ids::decode(&input.assessment_id, Kind::EarlyHelpAssessment, "input.assessmentId")?,
                expected_version: input.expected_version,
                held_on: input.held_on.0,
                attendees: input
                    .attendees
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| Ok((person_in(a.person, &format!("input.attendees.{i}.person"))?, a.attended)))
                    .collect::<AppResult<Vec<_>>>()?,
                child_views: input.child_views,
                family_views: input.family_views,
                reviews: input
                    .action_reviews
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| {
                        Ok(domain::early_help::ReviewIn {
                            action_id: ids::decode(
                                &v.action_id,
                                Kind::EarlyHelpPlanAction,
                                &format!("input.actionReviews.{i}.actionId"),
                            )?,
                            progress: v.progress,
                            status: v.status,
                            target_date: v.target_date.map(|d| d.0),
                        })
                    })
                    .collect::<AppResult<Vec<_>>>()?,
                new_actions: input
                    .new_actions
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| action_in(a, &format!("input.newActions.{i}")))
                    .collect::<AppResult<Vec<_>>>()?,
                next_meeting_on: input.next_meeting_on.map(|d| d.0),
            };
            domain::early_help::record_meeting(&r.db, &r.ctx, m).await
        }
        .await;
        assessment_payload(result)
    }
}
