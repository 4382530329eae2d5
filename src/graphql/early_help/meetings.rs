//! Recording a team-around-the-family meeting.
use super::*;

/// Someone invited to a team around the family meeting, with whether they attended.
#[derive(InputObject)]
pub struct MeetingAttendeeInput {
    /// Who was invited: a practitioner, a household member or an external person.
    pub person: EarlyHelpPersonInput,
    /// `false` for someone invited who did not attend.
    pub attended: bool,
}

/// The review of one plan action at the meeting: the progress made, and the status and target date
/// agreed.
#[derive(InputObject)]
pub struct PlanActionReviewInput {
    /// The plan action reviewed. Each action is reviewed at most once per meeting.
    pub action_id: ID,
    /// The progress made on the action. Required; at most 5,000 characters.
    pub progress: String,
    /// The status agreed at the meeting: not started, in progress, done or not done.
    pub status: PlanActionStatus,
    /// A new target date, if the meeting moved it.
    pub target_date: Option<Date>,
}

/// A team around the family meeting record (the Early Help Meeting Record).
#[derive(InputObject)]
pub struct RecordEarlyHelpMeetingInput {
    /// The assessment the meeting was about.
    pub assessment_id: ID,
    /// The `version` of the assessment as last read. The change is refused if someone else has
    /// changed the assessment since.
    pub expected_version: i32,
    /// The date the meeting was held. Not in the future, nor before the assessment started.
    pub held_on: Date,
    /// Everyone invited, with whether they attended: at least 1 and at most 50 people.
    pub attendees: Vec<MeetingAttendeeInput>,
    /// The child's views at the meeting. At most 5,000 characters.
    pub child_views: Option<String>,
    /// The family's views at the meeting. At most 5,000 characters.
    pub family_views: Option<String>,
    /// One review for every open plan action. At most 100 reviews.
    #[graphql(default)]
    pub action_reviews: Vec<PlanActionReviewInput>,
    /// Actions the meeting added to the plan. The plan holds at most 100 actions in all.
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
        #[graphql(desc = "The meeting record.")] input: RecordEarlyHelpMeetingInput,
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
