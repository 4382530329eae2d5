//! Submitting a request for support: the significant-harm route, the field checks, the Neglect
//! Protocol, idempotency, and drafts made by an early help step up.
use super::*;
use crate::domain::{Rules, alert as alerting, neglect};

/// A stable fingerprint of what was submitted, for idempotency (the payload itself, which is
/// personal data, is not kept twice).
pub(super) fn fingerprint(s: &Submission) -> String {
    submission::fingerprint(&Submission { idempotency_key: None, ..s.clone() })
}

/// Checks everything the user can fix and returns the cleaned submission.
pub(super) fn check(s: &Submission, today: NaiveDate, now: DateTime<Utc>) -> AppResult<Submission> {
    let mut c = Checks::default();
    let mut out = s.clone();
    out.children = check_children(&mut c, &s.children, today);
    out.household = check_household(&mut c, &s.household);
    if let Some(v) = c.take(validate::long_text("input.concerns", &s.concerns, LONG_TEXT_MAX)) {
        out.concerns = v;
    }
    if s.concern_categories.is_empty() {
        c.0.push(FieldError::new("input.concernCategories", UserErrorCode::Required, "choose at least one category"));
    }
    let mut cats = s.concern_categories.clone();
    cats.dedup();
    cats.sort_by_key(|c| c.code());
    cats.dedup();
    out.concern_categories = cats;
    out.support_in_place =
        c.take(validate::opt_long_text("input.supportInPlace", s.support_in_place.as_deref(), TEXT_MAX)).flatten();
    out.support_outcome =
        c.take(validate::opt_long_text("input.supportOutcome", s.support_outcome.as_deref(), TEXT_MAX)).flatten();
    out.child_views = c.take(validate::opt_long_text("input.childViews", s.child_views.as_deref(), TEXT_MAX)).flatten();
    if s.discussed_with_safeguarding_lead {
        match c.take(validate::opt_text(
            "input.safeguardingLeadName",
            s.safeguarding_lead_name.as_deref(),
            SHORT_TEXT_MAX,
        )) {
            Some(None) => c.0.push(FieldError::new(
                "input.safeguardingLeadName",
                UserErrorCode::Required,
                "name the safeguarding lead you discussed this with",
            )),
            Some(v) => out.safeguarding_lead_name = v,
            None => {}
        }
        match s.safeguarding_lead_consulted_on {
            None => c.0.push(FieldError::new(
                "input.safeguardingLeadConsultedOn",
                UserErrorCode::Required,
                "give the date you discussed this with the safeguarding lead",
            )),
            Some(d) => {
                c.take(validate::not_future("input.safeguardingLeadConsultedOn", d, today));
            }
        }
    } else {
        out.safeguarding_lead_name = None;
        out.safeguarding_lead_consulted_on = None;
    }
    if !s.parents_aware {
        match c.take(validate::opt_long_text(
            "input.parentsNotAwareReason",
            s.parents_not_aware_reason.as_deref(),
            TEXT_MAX,
        )) {
            Some(None) => c.0.push(FieldError::new(
                "input.parentsNotAwareReason",
                UserErrorCode::Required,
                "say why the parents or carers are not aware",
            )),
            Some(v) => out.parents_not_aware_reason = v,
            None => {}
        }
    } else {
        out.parents_not_aware_reason = None;
    }
    out.consent = check_consent(&mut c, "input.consent", &s.consent, today);
    if let Some(at) = s.phone_contact_made_at
        && at > now + chrono::Duration::minutes(5)
    {
        c.0.push(FieldError::new("input.phoneContactMadeAt", UserErrorCode::InFuture, "must not be in the future"));
    }
    if let Some(k) = &s.idempotency_key {
        out.idempotency_key = c.take(validate::text("input.idempotencyKey", k, 100));
    }
    c.finish()?;
    Ok(out)
}

/// The rules every submission passes, whether typed in whole or completed from a draft: the
/// significant-harm route (R6), the field checks, and the Neglect Protocol (R8). Returns the
/// cleaned submission; nothing is stored.
pub(super) async fn vet(
    db: &impl ConnectionTrait,
    p: &Principal,
    org: Uuid,
    rules: &Rules,
    s: &Submission,
    now: DateTime<Utc>,
) -> AppResult<Submission> {
    // R6: immediate risk of significant harm is a phone call to MASH now, not a routine request.
    if s.immediate_risk_of_significant_harm && s.phone_contact_made_at.is_none() {
        return Err(AppError::invalid(
            "input.immediateRiskOfSignificantHarm",
            UserErrorCode::TelephoneMashNow,
            format!(
                "A child at immediate risk of significant harm must be reported by telephone to the MASH now on {MASH_PHONE}. \
                 Nothing has been submitted. After the call, submit this request with the time of the call."
            ),
        ));
    }
    let s = check(s, now.date_naive(), now)?;
    // R8, the Neglect Protocol: neglect at the specialist level needs a completed screening.
    if let Some(id) = s.neglect_screening_id {
        let found = neglect_screening::Entity::find_by_id(id).filter(policy::screening_scope(p)).one(db).await?;
        let Some(found) = found else {
            return Err(AppError::invalid(
                "input.neglectScreeningId",
                UserErrorCode::NotFound,
                "no such neglect screening",
            ));
        };
        neglect::check_use(&found, org, &s.children, now.date_naive(), rules.screening_max_age_days)
            .map_err(|e| AppError::Invalid(vec![e]))?;
    } else if s.concern_categories.contains(&ConcernCategory::Neglect) && s.referrer_level == Level::Specialist {
        return Err(AppError::invalid(
            "input.neglectScreeningId",
            UserErrorCode::NeglectScreeningRequired,
            "Under the Neglect Protocol, a request for statutory intervention (level 4) about neglect must carry a \
             completed neglect screening: complete one with submitNeglectScreening and attach its ID.",
        ));
    }
    Ok(s)
}

/// The columns a submission fills (everything but identity, status and times).
pub(super) fn stored_fields(s: &Submission) -> rfs::ActiveModel {
    rfs::ActiveModel {
        urgent: Set(s.phone_contact_made_at.is_some()),
        phone_contact_at: Set(s.phone_contact_made_at),
        referrer_level: Set(s.referrer_level),
        discussed_with_safeguarding_lead: Set(s.discussed_with_safeguarding_lead),
        safeguarding_lead_name: Set(s.safeguarding_lead_name.clone()),
        safeguarding_lead_consulted_on: Set(s.safeguarding_lead_consulted_on),
        advice_line_consulted: Set(s.advice_line_consulted),
        parents_aware: Set(s.parents_aware),
        parents_not_aware_reason: Set(s.parents_not_aware_reason.clone()),
        consent_status: Set(s.consent.status.code().into()),
        consent_given_by: Set(s.consent.given_by.map(|g| g.code().into())),
        consent_covers: Set(s.consent.covers.clone()),
        consent_reason: Set(stored_consent_reason(&s.consent)),
        consent_date: Set(s.consent.date),
        anonymous_source: Set(s.anonymous_source),
        concerns: Set(s.concerns.clone()),
        concern_categories: Set(codes::join(&s.concern_categories, ConcernCategory::code)),
        support_in_place: Set(s.support_in_place.clone()),
        support_outcome: Set(s.support_outcome.clone()),
        child_views: Set(s.child_views.clone()),
        neglect_screening_id: Set(s.neglect_screening_id),
        idempotency_key: Set(s.idempotency_key.clone()),
        ..Default::default()
    }
}

/// Stores the children (with any record already linked) and household of a request.
pub(super) async fn insert_people(
    conn: &impl ConnectionTrait,
    id: Uuid,
    children: &[ChildIn],
    linked: &[Option<Uuid>],
    household: &[HouseholdIn],
) -> AppResult<()> {
    let children = children.iter().enumerate().map(|(i, c)| request_child::ActiveModel {
        id: Set(Uuid::now_v7()),
        request_id: Set(id),
        position: Set(i as i32),
        child_id: Set(linked.get(i).copied().flatten()),
        given_name: Set(c.given_name.clone()),
        family_name: Set(c.family_name.clone()),
        date_of_birth: Set(c.date_of_birth),
        expected_delivery_date: Set(c.expected_date_of_delivery),
        sex: Set(c.sex),
        address_line: Set(c.address_line.clone()),
        postcode: Set(c.postcode.clone()),
        school_or_setting: Set(c.school_or_setting.clone()),
    });
    request_child::Entity::insert_many(children).exec_without_returning(conn).await?;
    if !household.is_empty() {
        let members = household.iter().enumerate().map(|(i, m)| request_household_member::ActiveModel {
            id: Set(Uuid::now_v7()),
            request_id: Set(id),
            position: Set(i as i32),
            given_name: Set(m.given_name.clone()),
            family_name: Set(m.family_name.clone()),
            relationship: Set(m.relationship),
            parental_responsibility: Set(m.parental_responsibility),
            lives_with_child: Set(m.lives_with_child),
        });
        request_household_member::Entity::insert_many(members).exec_without_returning(conn).await?;
    }
    Ok(())
}

/// Submits a request for support. The referrer is the caller (never an input). Returns the
/// stored request; the same idempotency key with the same payload returns the first result.
pub async fn submit(db: &DatabaseConnection, rules: &Rules, ctx: &RequestCtx, s: Submission) -> AppResult<rfs::Model> {
    let p = &ctx.principal;
    let org = p.organisation.ok_or(AppError::Forbidden)?;
    let now = Utc::now();
    let s = vet(db, p, org, rules, &s, now).await?;
    let hash = fingerprint(&s);
    if let Some(key) = &s.idempotency_key
        && let Some(existing) = by_idempotency_key(db, p.user, key).await?
    {
        return replay(existing, &hash);
    }
    screening_unused(db, s.neglect_screening_id, None).await?;
    let calendar = calendar::load(db).await?;
    let due_at = calendar.due_after_working_days(now, 1);
    let id = Uuid::now_v7();
    let stored = crate::db::transaction(db, async |txn| {
        let year = chrono::Datelike::year(&now);
        let reference = submission::next_reference(txn, "RFS", year).await?;
        let model = rfs::ActiveModel {
            id: Set(id),
            reference: Set(reference),
            referrer_id: Set(p.user),
            referrer_org_id: Set(org),
            status: Set(RequestStatus::Received),
            received_at: Set(now),
            due_at: Set(due_at),
            payload_hash: Set(hash.clone()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..stored_fields(&s)
        };
        if let Err(e) = rfs::Entity::insert(model).exec_without_returning(txn).await {
            return Err(match e.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) if s.idempotency_key.is_some() => AppError::Conflict,
                // The other unique column a submission fills: a screening another request took.
                Some(SqlErr::UniqueConstraintViolation(_)) if s.neglect_screening_id.is_some() => {
                    neglect::already_used()
                }
                _ => e.into(),
            });
        }
        insert_people(txn, id, &s.children, &[], &s.household).await?;
        audit::record(txn, ctx, &[Entry::allowed(AuditAction::Create, RecordType::RequestForSupport, id, None)])
            .await?;
        let stored = rfs::Entity::find_by_id(id).one(txn).await?.ok_or(AppError::Internal)?;
        crate::domain::outbox::emit(txn, &[crate::domain::outbox::events::request_received(&stored)]).await?;
        Ok(stored)
    })
    .await;
    match (stored, &s.idempotency_key) {
        // Two identical submissions raced and this one lost (its transaction is rolled back):
        // the first one stands.
        (Err(AppError::Conflict), Some(key)) => match by_idempotency_key(db, p.user, key).await? {
            Some(existing) => replay(existing, &hash),
            // Not a lost race with itself: the screening was taken by another request.
            None if s.neglect_screening_id.is_some() => Err(neglect::already_used()),
            None => Err(AppError::Internal),
        },
        (stored, _) => stored,
    }
}

/// What an early help step up carries into a draft request for support (docs/domain.md §4.5).
#[derive(Debug, Clone)]
pub struct DraftIn {
    /// Each child, with the child record it is already linked to, if any.
    pub children: Vec<(ChildIn, Option<Uuid>)>,
    pub household: Vec<HouseholdIn>,
    pub concerns: String,
    pub child_views: Option<String>,
    pub support_in_place: Option<String>,
    pub referrer_level: Level,
    pub consent: ConsentIn,
    pub referrer_org_id: Uuid,
}

/// Stores a draft request owned by the caller, inside the caller's transaction (an early help
/// step up, which has checked its own content). The referrer reviews it and submits it with
/// [`submit_draft`], which runs every rule of [`submit`]. A draft has no reference number or
/// due time yet: the columns hold placeholders until submission.
pub(crate) async fn create_draft(
    conn: &impl ConnectionTrait,
    ctx: &RequestCtx,
    d: DraftIn,
    now: DateTime<Utc>,
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    let (children, linked): (Vec<ChildIn>, Vec<Option<Uuid>>) = d.children.into_iter().unzip();
    let s = Submission {
        children,
        household: d.household,
        concerns: d.concerns,
        concern_categories: vec![],
        support_in_place: d.support_in_place,
        support_outcome: None,
        child_views: d.child_views,
        referrer_level: d.referrer_level,
        discussed_with_safeguarding_lead: false,
        safeguarding_lead_name: None,
        safeguarding_lead_consulted_on: None,
        advice_line_consulted: false,
        parents_aware: true,
        parents_not_aware_reason: None,
        consent: d.consent,
        anonymous_source: false,
        immediate_risk_of_significant_harm: false,
        phone_contact_made_at: None,
        neglect_screening_id: None,
        idempotency_key: None,
    };
    let model = rfs::ActiveModel {
        id: Set(id),
        reference: Set(format!("DRAFT-{}", &id.simple().to_string()[20..])),
        referrer_id: Set(ctx.principal.user),
        referrer_org_id: Set(d.referrer_org_id),
        status: Set(RequestStatus::Draft),
        received_at: Set(now),
        due_at: Set(now),
        payload_hash: Set(String::new()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..stored_fields(&s)
    };
    rfs::Entity::insert(model).exec_without_returning(conn).await?;
    insert_people(conn, id, &s.children, &linked, &s.household).await?;
    audit::record(conn, ctx, &[Entry::allowed(AuditAction::Create, RecordType::RequestForSupport, id, None)]).await?;
    Ok(id)
}

/// What the referrer confirms or adds when submitting a draft. `None` keeps what the draft
/// holds.
#[derive(Debug, Clone)]
pub struct DraftCompletion {
    pub request_id: Uuid,
    pub expected_version: i32,
    pub concerns: Option<String>,
    pub concern_categories: Vec<ConcernCategory>,
    pub support_in_place: Option<String>,
    pub support_outcome: Option<String>,
    pub child_views: Option<String>,
    pub referrer_level: Option<Level>,
    pub discussed_with_safeguarding_lead: bool,
    pub safeguarding_lead_name: Option<String>,
    pub safeguarding_lead_consulted_on: Option<NaiveDate>,
    pub advice_line_consulted: bool,
    pub parents_aware: bool,
    pub parents_not_aware_reason: Option<String>,
    pub anonymous_source: bool,
    pub immediate_risk_of_significant_harm: bool,
    pub phone_contact_made_at: Option<DateTime<Utc>>,
    pub neglect_screening_id: Option<Uuid>,
}

/// Submits one's own draft through the same rules as [`submit`]: it becomes `RECEIVED` with a
/// reference number and a due time, and joins the hub's queue. A refused submission leaves the
/// draft as it was.
pub async fn submit_draft(
    db: &DatabaseConnection,
    bus: &crate::alerts::AlertBus,
    rules: &Rules,
    ctx: &RequestCtx,
    d: DraftCompletion,
) -> AppResult<rfs::Model> {
    let p = &ctx.principal;
    let Some(draft) = rfs::Entity::find_by_id(d.request_id).filter(policy::draft_request_scope(p)).one(db).await?
    else {
        audit::record(
            db,
            ctx,
            &[Entry::denied(AuditAction::Update, RecordType::RequestForSupport, Some(d.request_id))],
        )
        .await?;
        return Err(AppError::invalid("input.requestId", UserErrorCode::NotFound, "no such draft request"));
    };
    if draft.version != d.expected_version {
        return Err(AppError::invalid(
            "input.expectedVersion",
            UserErrorCode::Conflict,
            "the draft has changed since you read it",
        ));
    }
    let kids = request_child::Entity::find()
        .filter(request_child::Column::RequestId.eq(draft.id))
        .order_by_asc(request_child::Column::Position)
        .all(db)
        .await?;
    let members = request_household_member::Entity::find()
        .filter(request_household_member::Column::RequestId.eq(draft.id))
        .order_by_asc(request_household_member::Column::Position)
        .all(db)
        .await?;
    let s = Submission {
        children: kids
            .iter()
            .map(|k| ChildIn {
                given_name: k.given_name.clone(),
                family_name: k.family_name.clone(),
                date_of_birth: k.date_of_birth,
                expected_date_of_delivery: k.expected_delivery_date,
                sex: k.sex,
                address_line: k.address_line.clone(),
                postcode: k.postcode.clone(),
                school_or_setting: k.school_or_setting.clone(),
            })
            .collect(),
        household: members
            .iter()
            .map(|m| HouseholdIn {
                given_name: m.given_name.clone(),
                family_name: m.family_name.clone(),
                relationship: m.relationship,
                parental_responsibility: m.parental_responsibility,
                lives_with_child: m.lives_with_child,
            })
            .collect(),
        concerns: d.concerns.unwrap_or(draft.concerns.clone()),
        concern_categories: d.concern_categories,
        support_in_place: d.support_in_place.or(draft.support_in_place.clone()),
        support_outcome: d.support_outcome.or(draft.support_outcome.clone()),
        child_views: d.child_views.or(draft.child_views.clone()),
        referrer_level: d.referrer_level.unwrap_or(draft.referrer_level),
        discussed_with_safeguarding_lead: d.discussed_with_safeguarding_lead,
        safeguarding_lead_name: d.safeguarding_lead_name,
        safeguarding_lead_consulted_on: d.safeguarding_lead_consulted_on,
        advice_line_consulted: d.advice_line_consulted,
        parents_aware: d.parents_aware,
        parents_not_aware_reason: d.parents_not_aware_reason,
        consent: consent_from_columns(
            &draft.consent_status,
            draft.consent_given_by.as_deref(),
            draft.consent_covers.as_deref(),
            draft.consent_reason.as_deref(),
            draft.consent_date,
        ),
        anonymous_source: d.anonymous_source,
        immediate_risk_of_significant_harm: d.immediate_risk_of_significant_harm,
        phone_contact_made_at: d.phone_contact_made_at,
        neglect_screening_id: d.neglect_screening_id,
        idempotency_key: None,
    };
    let now = Utc::now();
    let s = vet(db, p, draft.referrer_org_id, rules, &s, now).await?;
    screening_unused(db, s.neglect_screening_id, Some(draft.id)).await?;
    let calendar = calendar::load(db).await?;
    let due_at = calendar.due_after_working_days(now, 1);
    let (stored, signals) = crate::db::transaction(db, async |txn| {
        let year = chrono::Datelike::year(&now);
        let reference = submission::next_reference(txn, "RFS", year).await?;
        let model = rfs::ActiveModel {
            reference: Set(reference),
            status: Set(RequestStatus::Received),
            received_at: Set(now),
            due_at: Set(due_at),
            payload_hash: Set(fingerprint(&s)),
            updated_at: Set(now),
            ..stored_fields(&s)
        };
        let updated = rfs::Entity::update_many()
            .set(model)
            .col_expr(rfs::Column::Version, Expr::col(rfs::Column::Version).add(1))
            .filter(rfs::Column::Id.eq(draft.id))
            .filter(rfs::Column::Version.eq(d.expected_version))
            .filter(rfs::Column::Status.eq(RequestStatus::Draft.code()))
            .exec(txn)
            .await
            .map_err(|e| match e.sql_err() {
                Some(SqlErr::UniqueConstraintViolation(_)) => neglect::already_used(),
                _ => e.into(),
            })?;
        if updated.rows_affected != 1 {
            return Err(AppError::invalid(
                "input.expectedVersion",
                UserErrorCode::Conflict,
                "the draft has changed since you read it",
            ));
        }
        let first_child = kids.iter().find_map(|k| k.child_id);
        audit::record(
            txn,
            ctx,
            &[Entry::allowed(AuditAction::Update, RecordType::RequestForSupport, draft.id, first_child)],
        )
        .await?;
        let stored = rfs::Entity::find_by_id(draft.id).one(txn).await?.ok_or(AppError::Internal)?;
        crate::domain::outbox::emit(txn, &[crate::domain::outbox::events::request_received(&stored)]).await?;
        // The organisation's safeguarding lead hears that a request went to the hub.
        let leads = alerting::referrer_side(txn, &stored, p.user).await?;
        let signals = alerting::raise(
            txn,
            ctx,
            alerting::Subject::Request(stored.id),
            None,
            alerting::AlertKind::RequestSubmitted,
            &leads,
        )
        .await?;
        Ok((stored, signals))
    })
    .await?;
    bus.announce(&signals);
    Ok(stored)
}

/// A screening is used by one request only (the unique index enforces it; this is the answer
/// that names the field before anything is written).
async fn screening_unused(db: &impl ConnectionTrait, screening: Option<Uuid>, except: Option<Uuid>) -> AppResult<()> {
    let Some(id) = screening else { return Ok(()) };
    let mut q = rfs::Entity::find().filter(rfs::Column::NeglectScreeningId.eq(id));
    if let Some(except) = except {
        q = q.filter(rfs::Column::Id.ne(except));
    }
    match q.one(db).await? {
        Some(_) => Err(neglect::already_used()),
        None => Ok(()),
    }
}

pub(super) async fn by_idempotency_key(
    db: &impl ConnectionTrait,
    referrer: Uuid,
    key: &str,
) -> AppResult<Option<rfs::Model>> {
    Ok(rfs::Entity::find()
        .filter(rfs::Column::ReferrerId.eq(referrer))
        .filter(rfs::Column::IdempotencyKey.eq(key))
        .one(db)
        .await?)
}

pub(super) fn replay(existing: rfs::Model, hash: &str) -> AppResult<rfs::Model> {
    let stored = existing.payload_hash.clone();
    submission::replay(existing, &stored, hash)
}
