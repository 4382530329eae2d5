//! The plan: adding and editing plan actions.
use super::*;

/// Exactly one of: a practitioner (`staffId`), a household member of the assessment
/// (`householdMemberId`), or an external person (`name` and `organisation`).
#[derive(InputObject, Default)]
pub struct EarlyHelpPersonInput {
    /// A practitioner known to the service, by staff ID.
    pub staff_id: Option<ID>,
    /// A household member already on the assessment.
    pub household_member_id: Option<ID>,
    /// An external person's name. At most 200 characters.
    pub name: Option<String>,
    /// The external person's organisation: required with `name`. At most 200 characters.
    pub organisation: Option<String>,
}

/// A row of the co-produced plan: the need, the action, who is responsible, the intended outcome
/// and the target date.
#[derive(InputObject)]
pub struct EarlyHelpPlanActionInput {
    /// The need this action addresses. Required; at most 2,000 characters.
    pub need: String,
    /// What will be done. Required; at most 2,000 characters.
    pub action: String,
    /// Who does it: a practitioner, a household member or an external person.
    pub responsible: EarlyHelpPersonInput,
    /// What should be different for the child or family once the action is done. Required; at most
    /// 2,000 characters.
    pub intended_outcome: String,
    /// Not before the assessment started.
    pub target_date: Date,
    /// The resilience framework compartment the action builds on, if any.
    pub compartment: Option<ResilienceCompartment>,
    /// The family agreed this action.
    pub agreed_with_family: bool,
    /// Where the action stands. Defaults to not started.
    #[graphql(default_with = "PlanActionStatus::NotStarted")]
    pub status: PlanActionStatus,
}

/// A new action for the co-produced plan of an assessment. A plan holds at most 100 actions.
#[derive(InputObject)]
pub struct AddEarlyHelpPlanActionInput {
    /// The assessment whose plan the action joins.
    pub assessment_id: ID,
    /// The `version` of the assessment as last read. The change is refused if someone else has
    /// changed the assessment since.
    pub expected_version: i32,
    /// The action to add.
    pub plan_action: EarlyHelpPlanActionInput,
}

/// Fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateEarlyHelpPlanActionInput {
    /// The plan action to edit.
    pub action_id: ID,
    /// The `version` of the assessment as last read.
    pub expected_version: i32,
    /// The need this action addresses. At most 2,000 characters.
    pub need: Option<String>,
    /// What will be done. At most 2,000 characters.
    pub action: Option<String>,
    /// Who does it: a practitioner, a household member or an external person.
    pub responsible: Option<EarlyHelpPersonInput>,
    /// What should be different for the child or family once the action is done. At most 2,000
    /// characters.
    pub intended_outcome: Option<String>,
    /// The date by which the action should be done. Not before the assessment started.
    pub target_date: Option<Date>,
    /// The resilience framework compartment the action builds on.
    pub compartment: Option<ResilienceCompartment>,
    /// Whether the family agreed this action.
    pub agreed_with_family: Option<bool>,
    /// Where the action stands: not started, in progress, done or not done.
    pub status: Option<PlanActionStatus>,
}

pub(super) fn person_in(p: EarlyHelpPersonInput, field: &str) -> AppResult<domain::early_help::PersonIn> {
    Ok(domain::early_help::PersonIn {
        staff_id: ids::decode_opt(&p.staff_id, Kind::Staff, &format!("{field}.staffId"))?,
        household_member_id: ids::decode_opt(
            &p.household_member_id,
            Kind::EarlyHelpHouseholdMember,
            &format!("{field}.householdMemberId"),
        )?,
        name: p.name,
        organisation: p.organisation,
    })
}

pub(super) fn action_in(a: EarlyHelpPlanActionInput, field: &str) -> AppResult<domain::early_help::ActionIn> {
    Ok(domain::early_help::ActionIn {
        need: a.need,
        action: a.action,
        responsible: person_in(a.responsible, &format!("{field}.responsible"))?,
        intended_outcome: a.intended_outcome,
        target_date: a.target_date.0,
        compartment: a.compartment,
        agreed_with_family: a.agreed_with_family,
        status: a.status,
    })
}

#[derive(Default)]
pub struct PlanMutation;

#[Object(guard = "crate::graphql::Authorized(\"Mutation\")")]
impl PlanMutation {
    /// Adds an action to the co-produced plan. The first action agrees the plan and starts the
    /// review clock.
    async fn add_early_help_plan_action(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The assessment and the action to add.")] input: AddEarlyHelpPlanActionInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let id = ids::decode(&input.assessment_id, Kind::EarlyHelpAssessment, "input.assessmentId")?;
            let a = action_in(input.plan_action, "input.planAction")?;
            domain::early_help::add_action(&r.db, &r.ctx, id, input.expected_version, a).await
        }
        .await;
        assessment_payload(result)
    }

    /// Edits a plan action (status, target date, who is responsible...).
    async fn update_early_help_plan_action(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The plan action to edit and the fields to change.")] input: UpdateEarlyHelpPlanActionInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let u = domain::early_help::ActionPatch {
                action_id: ids::decode(&input.action_id, Kind::EarlyHelpPlanAction, "input.actionId")?,
                expected_version: input.expected_version,
                need: input.need,
                action: input.action,
                responsible: input.responsible.map(|p| person_in(p, "input.responsible")).transpose()?,
                intended_outcome: input.intended_outcome,
                target_date: input.target_date.map(|d| d.0),
                compartment: input.compartment,
                agreed_with_family: input.agreed_with_family,
                status: input.status,
            };
            domain::early_help::update_action(&r.db, &r.ctx, u).await
        }
        .await;
        assessment_payload(result)
    }
}
