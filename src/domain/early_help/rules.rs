//! The checks and row builders the early help commands share: strengths and needs, people on
//! the plan, target dates, the voices, completion, and the field-name diffs a history row records.
use super::*;
use sea_orm::ActiveModelTrait;

pub(super) fn check_factors(c: &mut Checks, prefix: &str, list: &[FactorIn], known: &HashSet<Uuid>) -> Vec<FactorIn> {
    if list.len() > MAX_FACTORS {
        c.0.push(FieldError::new(prefix, UserErrorCode::TooLong, format!("at most {MAX_FACTORS} entries")));
    }
    let mut seen = HashSet::new();
    let mut out = vec![];
    for (i, f) in list.iter().enumerate().take(MAX_FACTORS) {
        let at = |n: &str| format!("{prefix}.{i}.{n}");
        let mut o = f.clone();
        if let Some(id) = f.id
            && (!known.contains(&id) || !seen.insert(id))
        {
            c.0.push(FieldError::new(&at("id"), UserErrorCode::NotFound, "no such entry on this assessment"));
        }
        if let Some(v) = c.take(validate::long_text(&at("description"), &f.description, ITEM_MAX)) {
            o.description = v;
        }
        if let Some(s) = f.score
            && !(1..=5).contains(&s)
        {
            c.0.push(FieldError::new(&at("score"), UserErrorCode::Invalid, "a score is from 1 to 5"));
        }
        out.push(o);
    }
    out
}

/// Checks a person reference against the assessment's household and the known practitioners.
pub(super) fn check_person(
    c: &mut Checks,
    prefix: &str,
    p: &PersonIn,
    members: &HashSet<Uuid>,
    practitioners: &HashSet<Uuid>,
) -> PersonIn {
    let at = |n: &str| format!("{prefix}.{n}");
    let mut o = p.clone();
    o.name = c.take(validate::opt_text(&at("name"), p.name.as_deref(), SHORT_TEXT_MAX)).flatten();
    o.organisation =
        c.take(validate::opt_text(&at("organisation"), p.organisation.as_deref(), SHORT_TEXT_MAX)).flatten();
    let given = [
        p.staff_id.is_some(),
        p.household_member_id.is_some(),
        p.name.as_deref().is_some_and(|n| !n.trim().is_empty()),
    ];
    match given.iter().filter(|g| **g).count() {
        0 => c.0.push(FieldError::new(
            prefix,
            UserErrorCode::Required,
            "name a practitioner, a household member, or an external person and their organisation",
        )),
        1 => {}
        _ => c.0.push(FieldError::new(
            prefix,
            UserErrorCode::Invalid,
            "name one person: a practitioner, a household member or an external person",
        )),
    }
    if let Some(id) = p.staff_id
        && !practitioners.contains(&id)
    {
        c.0.push(FieldError::new(&at("staffId"), UserErrorCode::NotFound, "no such practitioner"));
    }
    if let Some(id) = p.household_member_id
        && !members.contains(&id)
    {
        c.0.push(FieldError::new(&at("householdMemberId"), UserErrorCode::NotFound, "no such household member"));
    }
    if given[2] && o.organisation.is_none() {
        c.0.push(FieldError::new(&at("organisation"), UserErrorCode::Required, "give the person's organisation"));
    }
    o
}

pub(super) fn check_action(
    c: &mut Checks,
    prefix: &str,
    a: &ActionIn,
    started_on: NaiveDate,
    members: &HashSet<Uuid>,
    practitioners: &HashSet<Uuid>,
) -> ActionIn {
    let at = |n: &str| format!("{prefix}.{n}");
    let mut o = a.clone();
    if let Some(v) = c.take(validate::long_text(&at("need"), &a.need, ITEM_MAX)) {
        o.need = v;
    }
    if let Some(v) = c.take(validate::long_text(&at("action"), &a.action, ITEM_MAX)) {
        o.action = v;
    }
    if let Some(v) = c.take(validate::long_text(&at("intendedOutcome"), &a.intended_outcome, ITEM_MAX)) {
        o.intended_outcome = v;
    }
    check_target(c, &at("targetDate"), a.target_date, started_on);
    o.responsible = check_person(c, &at("responsible"), &a.responsible, members, practitioners);
    o
}

pub(super) fn check_target(c: &mut Checks, field: &str, target: NaiveDate, started_on: NaiveDate) {
    if target < started_on {
        c.0.push(FieldError::new(
            field,
            UserErrorCode::Invalid,
            "a target date cannot be before the assessment started",
        ));
    }
}

pub(super) fn person_ids(people: &[&PersonIn]) -> Vec<Uuid> {
    people.iter().filter_map(|p| p.staff_id).collect()
}

pub(super) async fn household_ids(conn: &impl ConnectionTrait, assessment_id: Uuid) -> AppResult<HashSet<Uuid>> {
    Ok(member::Entity::find()
        .select_only()
        .column(member::Column::Id)
        .filter(member::Column::AssessmentId.eq(assessment_id))
        .into_tuple::<Uuid>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

pub(super) fn child_row(assessment_id: Uuid, id: Uuid, position: usize, c: &ChildIn) -> ehc::ActiveModel {
    ehc::ActiveModel {
        id: Set(id),
        assessment_id: Set(assessment_id),
        position: Set(position as i32),
        given_name: Set(c.given_name.clone()),
        family_name: Set(c.family_name.clone()),
        date_of_birth: Set(c.date_of_birth),
        expected_delivery_date: Set(c.expected_date_of_delivery),
        sex: Set(c.sex),
        address_line: Set(c.address_line.clone()),
        postcode: Set(c.postcode.clone()),
        school_or_setting: Set(c.school_or_setting.clone()),
        link_override_reason: Set(None),
        ..Default::default()
    }
}

pub(super) fn member_row(assessment_id: Uuid, id: Uuid, position: usize, m: &HouseholdIn) -> member::ActiveModel {
    member::ActiveModel {
        id: Set(id),
        assessment_id: Set(assessment_id),
        position: Set(position as i32),
        given_name: Set(m.given_name.clone()),
        family_name: Set(m.family_name.clone()),
        relationship: Set(m.relationship),
        parental_responsibility: Set(m.parental_responsibility),
        lives_with_child: Set(m.lives_with_child),
    }
}

pub(super) fn factor_row(
    assessment_id: Uuid,
    id: Uuid,
    kind: FactorKind,
    position: usize,
    f: &FactorIn,
) -> factor::ActiveModel {
    factor::ActiveModel {
        id: Set(id),
        assessment_id: Set(assessment_id),
        kind: Set(kind.code().into()),
        position: Set(position as i32),
        domain: Set(f.domain.code().into()),
        compartment: Set(f.compartment.code().into()),
        description: Set(f.description.clone()),
        score: Set(f.score),
    }
}

pub(super) fn action_row(
    assessment_id: Uuid,
    position: usize,
    a: &ActionIn,
    now: DateTime<Utc>,
) -> action::ActiveModel {
    action::ActiveModel {
        id: Set(Uuid::now_v7()),
        assessment_id: Set(assessment_id),
        position: Set(position as i32),
        need: Set(a.need.clone()),
        action: Set(a.action.clone()),
        responsible_staff_id: Set(a.responsible.staff_id),
        responsible_member_id: Set(a.responsible.household_member_id),
        responsible_name: Set(a.responsible.name.clone()),
        responsible_organisation: Set(a.responsible.organisation.clone()),
        intended_outcome: Set(a.intended_outcome.clone()),
        target_date: Set(a.target_date),
        compartment: Set(a.compartment.map(|c| c.code().into())),
        status: Set(a.status.code().into()),
        agreed_with_family: Set(a.agreed_with_family),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

pub(super) fn check_voices(
    c: &mut Checks,
    child_voice: Option<&str>,
    family_voice: Option<&str>,
) -> (Option<String>, Option<String>) {
    (
        c.take(validate::opt_long_text("input.childVoice", child_voice, TEXT_MAX)).flatten(),
        c.take(validate::opt_long_text("input.familyVoice", family_voice, TEXT_MAX)).flatten(),
    )
}

/// R4: an assessment is complete only with the voice of the child and of the family.
pub(super) fn check_completion(
    c: &mut Checks,
    completed_on: Option<NaiveDate>,
    started_on: NaiveDate,
    today: NaiveDate,
    voices: (&Option<String>, &Option<String>),
) {
    let Some(done) = completed_on else { return };
    if c.take(validate::not_future("input.completedOn", done, today)).is_some() && done < started_on {
        c.0.push(FieldError::new(
            "input.completedOn",
            UserErrorCode::Invalid,
            "cannot be before the assessment started",
        ));
    }
    if voices.0.is_none() {
        c.0.push(FieldError::new(
            "input.childVoice",
            UserErrorCode::Required,
            "record the voice of the child before completing the assessment",
        ));
    }
    if voices.1.is_none() {
        c.0.push(FieldError::new(
            "input.familyVoice",
            UserErrorCode::Required,
            "record the voice of the family before completing the assessment",
        ));
    }
}

/// The names whose flag is set: what a change history records (names only, never values).
pub(super) fn differing(fields: &[(bool, &'static str)]) -> Vec<&'static str> {
    fields.iter().filter(|(changed, _)| *changed).map(|(_, name)| *name).collect()
}

/// Field names that differ between two child descriptions.
pub(super) fn child_diff(old: &ehc::Model, new: &ChildIn) -> Vec<&'static str> {
    differing(&[
        (old.given_name != new.given_name, "givenName"),
        (old.family_name != new.family_name, "familyName"),
        (old.date_of_birth != new.date_of_birth, "dateOfBirth"),
        (old.expected_delivery_date != new.expected_date_of_delivery, "expectedDateOfDelivery"),
        (old.sex != new.sex, "sex"),
        (old.address_line != new.address_line, "addressLine"),
        (old.postcode != new.postcode, "postcode"),
        (old.school_or_setting != new.school_or_setting, "schoolOrSetting"),
    ])
}

pub(super) fn member_diff(old: &member::Model, new: &HouseholdIn) -> Vec<&'static str> {
    differing(&[
        (old.given_name != new.given_name, "givenName"),
        (old.family_name != new.family_name, "familyName"),
        (old.relationship != new.relationship, "relationship"),
        (old.parental_responsibility != new.parental_responsibility, "parentalResponsibility"),
        (old.lives_with_child != new.lives_with_child, "livesWithChild"),
    ])
}

pub(super) fn factor_diff(old: &factor::Model, new: &FactorIn) -> Vec<&'static str> {
    differing(&[
        (old.domain != new.domain.code(), "domain"),
        (old.compartment != new.compartment.code(), "compartment"),
        (old.description != new.description, "description"),
        (old.score != new.score, "score"),
    ])
}

/// How a replaced list changes: kept rows that differ (with their fields), added and removed.
/// Stores one list's changes in the caller's transaction: kept rows whose fields changed are
/// rewritten (not their ID or assessment), removed rows deleted, new rows inserted. `row` builds
/// a row from its ID, position and value, for any of the assessment's list tables.
pub(super) async fn store_list<E, T>(
    txn: &DatabaseTransaction,
    ch: &ListChange<T>,
    id: E::Column,
    parent: E::Column,
    row: impl Fn(Uuid, usize, &T) -> E::ActiveModel,
) -> AppResult<()>
where
    E: EntityTrait,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    for (row_id, pos, v, fields) in &ch.kept {
        if !fields.is_empty() {
            let mut r = row(*row_id, *pos, v);
            r.not_set(id);
            r.not_set(parent);
            E::update_many().set(r).filter(id.eq(*row_id)).exec(txn).await?;
        }
    }
    if !ch.removed.is_empty() {
        E::delete_many().filter(id.is_in(ch.removed.clone())).exec(txn).await?;
    }
    if !ch.added.is_empty() {
        E::insert_many(ch.added.iter().map(|(pos, v)| row(Uuid::now_v7(), *pos, v)))
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

pub(super) struct ListChange<T> {
    /// (id, new position, new value, changed field names)
    pub(super) kept: Vec<(Uuid, usize, T, Vec<&'static str>)>,
    pub(super) added: Vec<(usize, T)>,
    pub(super) removed: Vec<Uuid>,
}

pub(super) fn plan_list<M, T: Clone>(
    old: &[M],
    new: &[(Option<Uuid>, T)],
    id_of: impl Fn(&M) -> Uuid,
    position_of: impl Fn(&M) -> i32,
    diff: impl Fn(&M, &T) -> Vec<&'static str>,
) -> ListChange<T> {
    let by_id: HashMap<Uuid, &M> = old.iter().map(|m| (id_of(m), m)).collect();
    let mut out = ListChange { kept: vec![], added: vec![], removed: vec![] };
    let mut kept_ids = HashSet::new();
    for (pos, (id, v)) in new.iter().enumerate() {
        match id.and_then(|i| by_id.get(&i).map(|m| (i, *m))) {
            Some((i, m)) => {
                kept_ids.insert(i);
                let mut fields = diff(m, v);
                if position_of(m) != pos as i32 {
                    fields.push("position");
                }
                out.kept.push((i, pos, v.clone(), fields));
            }
            None => out.added.push((pos, v.clone())),
        }
    }
    out.removed = old.iter().map(&id_of).filter(|i| !kept_ids.contains(i)).collect();
    out
}

pub(super) fn list_fields<T>(name: &str, ch: &ListChange<T>) -> Vec<String> {
    let mut f = vec![];
    for (_, pos, _, fields) in &ch.kept {
        for x in fields.iter().filter(|x| **x != "position") {
            f.push(format!("{name}.{pos}.{x}"));
        }
    }
    for (pos, _) in &ch.added {
        f.push(format!("{name}.{pos} (added)"));
    }
    if !ch.removed.is_empty() {
        f.push(format!("{name} ({} removed)", ch.removed.len()));
    }
    f
}

/// Checks that every ID in an edited list belongs to the assessment, once.
pub(super) fn check_ids<T>(c: &mut Checks, prefix: &str, rows: &[(Option<Uuid>, T)], known: &HashSet<Uuid>) {
    let mut seen = HashSet::new();
    for (i, (id, _)) in rows.iter().enumerate() {
        let Some(id) = id else { continue };
        if !known.contains(id) {
            c.0.push(FieldError::new(
                &format!("{prefix}.{i}.id"),
                UserErrorCode::NotFound,
                "no such entry on this assessment",
            ));
        } else if !seen.insert(*id) {
            c.0.push(FieldError::new(&format!("{prefix}.{i}.id"), UserErrorCode::Invalid, "the same entry twice"));
        }
    }
}

pub(super) fn truncate(s: String, max: usize) -> String {
    if s.chars().count() <= max { s } else { s.chars().take(max - 3).collect::<String>() + "..." }
}
