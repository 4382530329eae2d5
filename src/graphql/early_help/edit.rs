//! Starting an assessment and editing its sections: the inputs and their mapping.
use super::*;

/// A child on the assessment. On update, give `id` to keep an existing child.
#[derive(InputObject)]
pub struct EarlyHelpChildInput {
    /// The ID of a child already on the assessment, to keep them; leave out to add a new child.
    pub id: Option<ID>,
    /// The child's first name. Required; at most 100 characters.
    pub given_name: String,
    /// The child's last name (surname). Required; at most 100 characters.
    pub family_name: String,
    /// For a child already born. Never in the future.
    pub date_of_birth: Option<Date>,
    /// For an unborn child, instead of a date of birth.
    pub expected_date_of_delivery: Option<Date>,
    /// The child's sex.
    pub sex: Sex,
    /// The child's address, on one line. At most 200 characters.
    pub address_line: Option<String>,
    /// The child's postcode. At most 10 characters.
    pub postcode: Option<String>,
    /// The school, nursery or other setting the child attends. At most 200 characters.
    pub school_or_setting: Option<String>,
}

/// A parent, carer or other household member. On update, give `id` to keep an existing one.
#[derive(InputObject)]
pub struct EarlyHelpHouseholdMemberInput {
    /// The ID of a household member already on the assessment, to keep them; leave out to add a new
    /// person.
    pub id: Option<ID>,
    /// The person's first name. Required; at most 100 characters.
    pub given_name: String,
    /// The person's last name (surname). Required; at most 100 characters.
    pub family_name: String,
    /// Relationship to the assessment's first child.
    pub relationship: Relationship,
    /// Whether this person has parental responsibility for the child.
    pub parental_responsibility: bool,
    /// Whether this person lives with the child.
    pub lives_with_child: bool,
}

/// A strength or a need. On update, give `id` to keep an existing entry.
#[derive(InputObject)]
pub struct EarlyHelpFactorInput {
    /// The ID of a strength or need already on the assessment, to keep it; leave out to add a new
    /// one.
    pub id: Option<ID>,
    /// The Assessment Framework domain it falls under: the child's developmental needs, parenting
    /// capacity, or family and environmental factors.
    pub domain: AssessmentDomain,
    /// The resilience framework compartment it falls under: basics, belonging, learning, coping or
    /// core self.
    pub compartment: ResilienceCompartment,
    /// The strength or need, in words. Required; at most 2,000 characters.
    pub description: String,
    /// Optional 1–5 score.
    pub score: Option<i32>,
}

/// A new early help assessment: the children and their household, consent, why it is being started,
/// the voices of the child and family, strengths and needs, and the level of need. The caller
/// becomes the lead practitioner.
#[derive(InputObject)]
pub struct StartEarlyHelpAssessmentInput {
    /// The children the assessment is about: at least 1 and at most 10 children.
    pub children: Vec<EarlyHelpChildInput>,
    #[graphql(default)]
    /// Parents, carers and other household members (the additional child and family member sheet).
    /// At most 20 people.
    pub household: Vec<EarlyHelpHouseholdMemberInput>,
    /// The family's consent to the assessment and to sharing their information.
    pub consent: ConsentInput,
    /// Why the assessment is being started. Required; at most 10,000 characters.
    pub reason: String,
    /// The voice of the child: their wishes, feelings and lived experience. Needed before the
    /// assessment can be completed. At most 5,000 characters.
    pub child_voice: Option<String>,
    /// The voice of the family: their views, in their words. Needed before the assessment can be
    /// completed. At most 5,000 characters.
    pub family_voice: Option<String>,
    #[graphql(default)]
    /// What is going well for the family. At most 50 strengths.
    pub strengths: Vec<EarlyHelpFactorInput>,
    #[graphql(default)]
    /// What the family needs help with. At most 50 needs.
    pub needs: Vec<EarlyHelpFactorInput>,
    /// The level of need the lead practitioner judges the family to be at.
    pub level: Level,
    /// The date the assessment started. Not in the future.
    pub started_on: Date,
}

/// Fields left out stay as they are. A list replaces the whole list: entries with an `id` are
/// kept (and updated), entries without are added, entries left out are removed. A blank voice
/// clears it.
#[derive(InputObject)]
pub struct UpdateEarlyHelpAssessmentInput {
    /// The assessment to edit.
    pub assessment_id: ID,
    /// The `version` of the assessment as last read.
    pub expected_version: i32,
    /// Why the assessment was started. At most 10,000 characters.
    pub reason: Option<String>,
    /// The voice of the child: their wishes, feelings and lived experience. Blank clears it. At
    /// most 5,000 characters.
    pub child_voice: Option<String>,
    /// The voice of the family: their views, in their words. Blank clears it. At most 5,000
    /// characters.
    pub family_voice: Option<String>,
    /// The level of need the lead practitioner judges the family to be at.
    pub level: Option<Level>,
    /// The family's consent to the assessment and to sharing their information.
    pub consent: Option<ConsentInput>,
    /// Completing needs the voice of the child and of the family.
    pub completed_on: Option<Date>,
    /// The children, replacing the whole list: at least 1 and at most 10 children.
    pub children: Option<Vec<EarlyHelpChildInput>>,
    /// The household members, replacing the whole list. At most 20 people.
    pub household: Option<Vec<EarlyHelpHouseholdMemberInput>>,
    /// The strengths, replacing the whole list. At most 50 strengths.
    pub strengths: Option<Vec<EarlyHelpFactorInput>>,
    /// The needs, replacing the whole list. At most 50 needs.
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
        #[graphql(desc = "The new assessment.")] input: StartEarlyHelpAssessmentInput,
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
        #[graphql(desc = "The assessment to edit and the fields to change.")] input: UpdateEarlyHelpAssessmentInput,
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
