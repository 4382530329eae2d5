//! Starting an assessment and editing its sections: the inputs and their mapping.
use super::*;

/// A child on the assessment. On update, give `id` to keep an existing child.
#[derive(InputObject)]
pub struct EarlyHelpChildInput {
    pub id: Option<ID>,
    pub given_name: String,
    pub family_name: String,
    /// For a child already born. Never in the future.
    pub date_of_birth: Option<Date>,
    /// For an unborn child, instead of a date of birth.
    pub expected_date_of_delivery: Option<Date>,
    pub sex: Sex,
    pub address_line: Option<String>,
    pub postcode: Option<String>,
    pub school_or_setting: Option<String>,
}

/// A parent, carer or other household member. On update, give `id` to keep an existing one.
#[derive(InputObject)]
pub struct EarlyHelpHouseholdMemberInput {
    pub id: Option<ID>,
    pub given_name: String,
    pub family_name: String,
    /// Relationship to the assessment's first child.
    pub relationship: Relationship,
    pub parental_responsibility: bool,
    pub lives_with_child: bool,
}

/// A strength or a need. On update, give `id` to keep an existing entry.
#[derive(InputObject)]
pub struct EarlyHelpFactorInput {
    pub id: Option<ID>,
    pub domain: AssessmentDomain,
    pub compartment: ResilienceCompartment,
    pub description: String,
    /// Optional 1–5 score.
    pub score: Option<i32>,
}

#[derive(InputObject)]
pub struct StartEarlyHelpAssessmentInput {
    /// At least one child.
    pub children: Vec<EarlyHelpChildInput>,
    #[graphql(default)]
    pub household: Vec<EarlyHelpHouseholdMemberInput>,
    pub consent: ConsentInput,
    /// Why the assessment is being started.
    pub reason: String,
    pub child_voice: Option<String>,
    pub family_voice: Option<String>,
    #[graphql(default)]
    pub strengths: Vec<EarlyHelpFactorInput>,
    #[graphql(default)]
    pub needs: Vec<EarlyHelpFactorInput>,
    pub level: Level,
    pub started_on: Date,
}

/// Fields left out stay as they are. A list replaces the whole list: entries with an `id` are
/// kept (and updated), entries without are added, entries left out are removed. A blank voice
/// clears it.
#[derive(InputObject)]
pub struct UpdateEarlyHelpAssessmentInput {
    pub assessment_id: ID,
    /// The `version` of the assessment as last read.
    pub expected_version: i32,
    pub reason: Option<String>,
    pub child_voice: Option<String>,
    pub family_voice: Option<String>,
    pub level: Option<Level>,
    pub consent: Option<ConsentInput>,
    /// Completing needs the voice of the child and of the family.
    pub completed_on: Option<Date>,
    pub children: Option<Vec<EarlyHelpChildInput>>,
    pub household: Option<Vec<EarlyHelpHouseholdMemberInput>>,
    pub strengths: Option<Vec<EarlyHelpFactorInput>>,
    pub needs: Option<Vec<EarlyHelpFactorInput>>,
}

pub(super) fn child_in(c: EarlyHelpChildInput) -> ChildIn {
    ChildIn {
        given_name: c.given_name,
        family_name: c.family_name,
        date_of_birth: c.date_of_birth.map(|d| d.0),
        expected_date_of_delivery: c.expected_date_of_delivery.map(|d| d.0),
        sex: c.sex,
        address_line: c.address_line,
        postcode: c.postcode,
        school_or_setting: c.school_or_setting,
    }
}

pub(super) fn member_in(m: EarlyHelpHouseholdMemberInput) -> HouseholdIn {
    HouseholdIn {
        given_name: m.given_name,
        family_name: m.family_name,
        relationship: m.relationship,
        parental_responsibility: m.parental_responsibility,
        lives_with_child: m.lives_with_child,
    }
}

pub(super) fn consent_in(c: ConsentInput) -> ConsentIn {
    ConsentIn {
        status: c.status,
        given_by: c.given_by,
        covers: c.covers,
        reason: c.reason,
        safeguarding_reason: c.safeguarding_reason,
        date: c.date.map(|d| d.0),
    }
}

pub(super) fn factors_in(list: Vec<EarlyHelpFactorInput>, field: &str) -> AppResult<Vec<domain::early_help::FactorIn>> {
    list.into_iter()
        .enumerate()
        .map(|(i, f)| {
            Ok(domain::early_help::FactorIn {
                id: ids::decode_opt(&f.id, Kind::EarlyHelpFactor, &format!("{field}.{i}.id"))?,
                domain: f.domain,
                compartment: f.compartment,
                description: f.description,
                score: f.score,
            })
        })
        .collect()
}

#[derive(Default)]
pub struct EditMutation;

#[Object(guard = "crate::graphql::Authorized(\"Mutation\")")]
impl EditMutation {
    /// Starts an early help assessment led by the caller (an early help or partner
    /// practitioner) for their organisation.
    async fn start_early_help_assessment(
        &self,
        ctx: &Context<'_>,
        input: StartEarlyHelpAssessmentInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let s = domain::early_help::Start {
                children: input.children.into_iter().map(child_in).collect(),
                household: input.household.into_iter().map(member_in).collect(),
                consent: consent_in(input.consent),
                reason: input.reason,
                child_voice: input.child_voice,
                family_voice: input.family_voice,
                strengths: factors_in(input.strengths, "input.strengths")?,
                needs: factors_in(input.needs, "input.needs")?,
                level: input.level,
                started_on: input.started_on.0,
            };
            domain::early_help::start(&r.db, &r.ctx, s).await
        }
        .await;
        assessment_payload(result)
    }

    /// Edits the assessment's sections (lead, or a team-around-the-family member while open).
    async fn update_early_help_assessment(
        &self,
        ctx: &Context<'_>,
        input: UpdateEarlyHelpAssessmentInput,
    ) -> Result<EarlyHelpAssessmentPayload> {
        let r = req(ctx)?;
        let result = async {
            let children = match input.children {
                Some(list) => Some(
                    list.into_iter()
                        .enumerate()
                        .map(|(i, c)| {
                            Ok((
                                ids::decode_opt(&c.id, Kind::EarlyHelpChild, &format!("input.children.{i}.id"))?,
                                child_in(c),
                            ))
                        })
                        .collect::<AppResult<Vec<_>>>()?,
                ),
                None => None,
            };
            let household = match input.household {
                Some(list) => Some(
                    list.into_iter()
                        .enumerate()
                        .map(|(i, m)| {
                            Ok((
                                ids::decode_opt(
                                    &m.id,
                                    Kind::EarlyHelpHouseholdMember,
                                    &format!("input.household.{i}.id"),
                                )?,
                                member_in(m),
                            ))
                        })
                        .collect::<AppResult<Vec<_>>>()?,
                ),
                None => None,
            };
            let u = domain::early_help::Update {
                assessment_id: ids::decode(&input.assessment_id, Kind::EarlyHelpAssessment, "input.assessmentId")?,
                expected_version: input.expected_version,
                reason: input.reason,
                child_voice: input.child_voice,
                family_voice: input.family_voice,
                level: input.level,
                consent: input.consent.map(consent_in),
                completed_on: input.completed_on.map(|d| d.0),
                children,
                household,
                strengths: input.strengths.map(|l| factors_in(l, "input.strengths")).transpose()?,
                needs: input.needs.map(|l| factors_in(l, "input.needs")).transpose()?,
            };
            domain::early_help::update(&r.db, &r.ctx, u).await
        }
        .await;
        assessment_payload(result)
    }
}
