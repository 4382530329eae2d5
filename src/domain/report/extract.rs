//! The statutory child-level extracts, for performance officers: Ofsted ILACS Annex A lists 1
//! (contacts), 2 (early help) and 3 (referrals) as CSV, and a CIN census–shaped XML
//! (`docs/extracts/cin-census.xsd`). They carry what those returns need — the local child ID,
//! sex, ethnicity, date of birth or expected date, dates and codes — and no name, address or free
//! text. Each extract is audited with every child it holds.
//!
//! A child on a request who is not yet matched to a child record is listed under the ID of the
//! child as entered on the request (the hub's matching later gives them their record's ID).
use super::{Range, SOURCES, referral_source};
use crate::auth::policy::{self, Action};
use crate::context::{RecordType, RequestCtx};
use crate::domain::Rules;
use crate::domain::calendar::london;
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::enums::{Ethnicity, RequestStatus, Sex};
use entity::{
    case, child, early_help_assessment as eha, early_help_child as ehc, hub_decision, organisation,
    request_child as rc, request_for_support as rfs, team,
};
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};
use std::collections::HashMap;
use std::fmt::Write;

/// The extracts, by their file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extract {
    AnnexAList1,
    AnnexAList2,
    AnnexAList3,
    CinCensus,
}

impl Extract {
    pub fn from_file(file: &str) -> Option<Extract> {
        match file {
            "annex-a-list-1.csv" => Some(Extract::AnnexAList1),
            "annex-a-list-2.csv" => Some(Extract::AnnexAList2),
            "annex-a-list-3.csv" => Some(Extract::AnnexAList3),
            "cin-census.xml" => Some(Extract::CinCensus),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Extract::CinCensus => "application/xml; charset=utf-8",
            _ => "text/csv; charset=utf-8",
        }
    }
}

/// Blackpool's local authority number, as the census header carries it.
pub const LA_CODE: &str = "890";

/// A child as the extracts describe them.
#[derive(Debug, Clone)]
struct Person {
    /// The child record's ID, or the request's or assessment's child entry's when not matched.
    id: Uuid,
    matched: bool,
    sex: Sex,
    ethnicity: Option<Ethnicity>,
    date_of_birth: Option<NaiveDate>,
    expected: Option<NaiveDate>,
}

impl Person {
    /// Age in whole years on `day`; -1 when unborn (Annex A's convention).
    fn age_on(&self, day: NaiveDate) -> i64 {
        match self.date_of_birth {
            Some(b) if b <= day => {
                let years = day.year() - b.year();
                let before_birthday = (day.month(), day.day()) < (b.month(), b.day());
                i64::from(years - i32::from(before_birthday))
            }
            _ => -1,
        }
    }
}

/// A request's child with what the lists need about the request.
struct Contact {
    request: Uuid,
    child: Person,
    received: DateTime<Utc>,
    source: &'static str,
    outcome: Option<String>,
}

/// Makes an extract for the caller (performance officers only), audited with each child it
/// holds. Returns the body.
pub async fn make(
    db: &impl ConnectionTrait,
    ctx: &RequestCtx,
    extract: Extract,
    range: Range,
    rules: &Rules,
) -> AppResult<String> {
    if !policy::permits(&ctx.principal, Action::ReadExtracts) {
        return Err(AppError::Forbidden);
    }
    let (body, children) = match extract {
        Extract::AnnexAList1 => list_1(db, range).await?,
        Extract::AnnexAList2 => list_2(db, range).await?,
        Extract::AnnexAList3 => list_3(db, range, rules).await?,
        Extract::CinCensus => cin_census(db, range, rules).await?,
    };
    // One audit row per child: the child record where matched, else the request's entry.
    let mut seen = std::collections::HashSet::new();
    let entries: Vec<(Option<Uuid>, Option<Uuid>)> =
        children.into_iter().filter(|p| seen.insert(p.id)).map(|p| (Some(p.id), p.matched.then_some(p.id))).collect();
    super::audit_read(db, ctx, RecordType::Child, &entries).await?;
    Ok(body)
}

/// A child record's ID, sex, ethnicity, date of birth and expected date.
type ChildRow = (Uuid, Sex, Option<Ethnicity>, Option<NaiveDate>, Option<NaiveDate>);
/// An assessment's child entry: its ID, the assessment's, the child record's if linked, sex,
/// date of birth, expected date.
type EntryRow = (Uuid, Uuid, Option<Uuid>, Sex, Option<NaiveDate>, Option<NaiveDate>);

/// The children records with these IDs.
async fn children(db: &impl ConnectionTrait, ids: Vec<Uuid>) -> AppResult<HashMap<Uuid, Person>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<ChildRow> = child::Entity::find()
            .select_only()
            .columns([
                child::Column::Id,
                child::Column::Sex,
                child::Column::Ethnicity,
                child::Column::DateOfBirth,
                child::Column::ExpectedDeliveryDate,
            ])
            .filter(child::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, sex, ethnicity, date_of_birth, expected) in rows {
            out.insert(id, Person { id, matched: true, sex, ethnicity, date_of_birth, expected });
        }
    }
    Ok(out)
}

/// Every child on a request (not a draft) received from `from` (an instant) to the range's end,
/// with the request's source and decision, and the child record's details where matched: one
/// query (a year holds a hundred thousand requests).
async fn contacts(db: &impl ConnectionTrait, from: DateTime<Utc>, range: Range) -> AppResult<Vec<Contact>> {
    let (_, end) = range.instants();
    let stmt = Query::select()
        .column((rc::Entity, rc::Column::Id))
        .column((rc::Entity, rc::Column::RequestId))
        .column((rc::Entity, rc::Column::ChildId))
        .column((rc::Entity, rc::Column::Sex))
        .column((rc::Entity, rc::Column::DateOfBirth))
        .column((rc::Entity, rc::Column::ExpectedDeliveryDate))
        .column((rfs::Entity, rfs::Column::ReceivedAt))
        .column((rfs::Entity, rfs::Column::AnonymousSource))
        .column((rfs::Entity, rfs::Column::ReferrerOrgId))
        .column((hub_decision::Entity, hub_decision::Column::Outcome))
        .column((child::Entity, child::Column::Sex))
        .column((child::Entity, child::Column::Ethnicity))
        .column((child::Entity, child::Column::DateOfBirth))
        .column((child::Entity, child::Column::ExpectedDeliveryDate))
        .from(rc::Entity)
        .inner_join(rfs::Entity, Expr::col((rfs::Entity, rfs::Column::Id)).equals((rc::Entity, rc::Column::RequestId)))
        .left_join(
            hub_decision::Entity,
            Expr::col((hub_decision::Entity, hub_decision::Column::RequestId)).equals((rfs::Entity, rfs::Column::Id)),
        )
        .left_join(
            child::Entity,
            Expr::col((child::Entity, child::Column::Id)).equals((rc::Entity, rc::Column::ChildId)),
        )
        .and_where(Expr::col((rfs::Entity, rfs::Column::ReceivedAt)).gte(from))
        .and_where(Expr::col((rfs::Entity, rfs::Column::ReceivedAt)).lt(end))
        .and_where(Expr::col((rfs::Entity, rfs::Column::Status)).ne(RequestStatus::Draft.code()))
        .order_by((rfs::Entity, rfs::Column::ReceivedAt), sea_orm::Order::Asc)
        .order_by((rc::Entity, rc::Column::Id), sea_orm::Order::Asc)
        .to_owned();
    let agencies = super::requests::agencies(db).await?;
    let sex = |s: Option<String>| s.as_deref().and_then(Sex::from_code).unwrap_or(Sex::Unknown);
    let mut out = vec![];
    for row in super::rows(db, &stmt).await? {
        let entry: Uuid = row.try_get_by_index(0)?;
        let request: Uuid = row.try_get_by_index(1)?;
        let child_id: Option<Uuid> = row.try_get_by_index(2)?;
        let anonymous: bool = row.try_get_by_index(7)?;
        let org: Uuid = row.try_get_by_index(8)?;
        let source = match agencies.get(&org) {
            Some(a) => referral_source(*a, anonymous),
            None if anonymous => "9",
            None => "10",
        };
        // The child record's details where matched, else the child as entered on the request.
        let child = match child_id {
            Some(id) => Person {
                id,
                matched: true,
                sex: sex(row.try_get_by_index(10)?),
                ethnicity: row.try_get_by_index::<Option<String>>(11)?.as_deref().and_then(Ethnicity::from_code),
                date_of_birth: row.try_get_by_index(12)?,
                expected: row.try_get_by_index(13)?,
            },
            None => Person {
                id: entry,
                matched: false,
                sex: sex(row.try_get_by_index(3)?),
                ethnicity: None,
                date_of_birth: row.try_get_by_index(4)?,
                expected: row.try_get_by_index(5)?,
            },
        };
        out.push(Contact {
            request,
            child,
            received: row.try_get_by_index(6)?,
            source,
            outcome: row.try_get_by_index(9)?,
        });
    }
    Ok(out)
}

/// A CSV field: quoted when it holds a comma, quote or line break.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

fn person_fields(p: &Person, on: NaiveDate) -> Vec<String> {
    vec![
        p.id.to_string(),
        p.sex.code().to_string(),
        p.ethnicity.map(|e| e.code().to_string()).unwrap_or_default(),
        p.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
        p.age_on(on).to_string(),
    ]
}

fn csv(header: &[&str], lines: Vec<Vec<String>>) -> String {
    let mut out = header.join(",") + "\r\n";
    for l in lines {
        out.push_str(&l.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

const PERSON: [&str; 5] = ["child_id", "sex", "ethnicity", "date_of_birth", "age"];

/// List 1: every contact (a child on a request for support) received in the range.
async fn list_1(db: &impl ConnectionTrait, range: Range) -> AppResult<(String, Vec<Person>)> {
    let (start, _) = range.instants();
    let contacts = contacts(db, start, range).await?;
    let mut lines = vec![];
    let mut people = vec![];
    for c in contacts {
        let day = london::to_local(c.received).date();
        let mut l = person_fields(&c.child, day);
        l.extend([day.to_string(), c.source.to_string()]);
        lines.push(l);
        people.push(c.child);
    }
    Ok((csv(&[&PERSON[..], &["contact_date", "contact_source"]].concat(), lines), people))
}

/// A referral: a contact the hub decided with an outcome recorded as a referral.
struct Referral<'a> {
    contact: &'a Contact,
    nfa: bool,
    previous: usize,
    case: Option<&'a CaseRow>,
}

#[derive(Clone)]
struct CaseRow {
    origin: Uuid,
    child: Uuid,
    kind: entity::enums::CaseKind,
    team: Uuid,
    worker: Option<Uuid>,
    opened: DateTime<Utc>,
    closed: Option<DateTime<Utc>>,
    closure: Option<entity::enums::ClosureReason>,
}

/// The contacts from 12 months before the range, the referrals among those in the range (with
/// the child's referrals in the 12 months before each), and the cases opened from them.
async fn referral_facts(db: &impl ConnectionTrait, range: Range) -> AppResult<(Vec<Contact>, Vec<CaseRow>)> {
    let back = range.from.checked_sub_months(chrono::Months::new(12)).unwrap_or(range.from);
    let (from, _) = Range { from: back, to: range.to }.instants();
    let contacts = contacts(db, from, range).await?;
    let (start, end) = range.instants();
    // The cases opened from requests received in the range: one query.
    let received = rfs::Entity::find()
        .select_only()
        .column(rfs::Column::Id)
        .filter(rfs::Column::ReceivedAt.gte(start))
        .filter(rfs::Column::ReceivedAt.lt(end))
        .into_query();
    let rows: Vec<CaseRowTuple> = case::Entity::find()
        .select_only()
        .columns([
            case::Column::OriginRequestId,
            case::Column::ChildId,
            case::Column::Kind,
            case::Column::TeamId,
            case::Column::AllocatedWorkerId,
            case::Column::OpenedAt,
            case::Column::ClosedAt,
            case::Column::ClosureReason,
        ])
        .filter(case::Column::OriginRequestId.in_subquery(received))
        .into_tuple()
        .all(db)
        .await?;
    let cases = rows
        .into_iter()
        .filter_map(|(origin, child, kind, team, worker, opened, closed, closure)| {
            Some(CaseRow { origin: origin?, child, kind, team, worker, opened, closed, closure })
        })
        .collect();
    Ok((contacts, cases))
}

type CaseRowTuple = (
    Option<Uuid>,
    Uuid,
    entity::enums::CaseKind,
    Uuid,
    Option<Uuid>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<entity::enums::ClosureReason>,
);

fn referrals<'a>(range: Range, rules: &Rules, contacts: &'a [Contact], cases: &'a [CaseRow]) -> Vec<Referral<'a>> {
    let (start, _) = range.instants();
    let is_referral = |c: &Contact| c.outcome.as_deref().is_some_and(|o| rules.is_referral(o));
    let mut by_child: HashMap<Uuid, Vec<&Contact>> = HashMap::new();
    for c in contacts.iter().filter(|c| c.child.matched && is_referral(c)) {
        by_child.entry(c.child.id).or_default().push(c);
    }
    let by_origin: HashMap<(Uuid, Uuid), &CaseRow> = cases.iter().map(|k| ((k.origin, k.child), k)).collect();
    contacts
        .iter()
        .filter(|c| c.received >= start && is_referral(c))
        .map(|c| {
            let day = london::to_local(c.received).date();
            let year_before = day.checked_sub_months(chrono::Months::new(12)).unwrap_or(day);
            let previous = if c.child.matched {
                by_child
                    .get(&c.child.id)
                    .into_iter()
                    .flatten()
                    .filter(|o| {
                        o.request != c.request
                            && o.received < c.received
                            && london::to_local(o.received).date() >= year_before
                    })
                    .count()
            } else {
                0
            };
            let case = by_origin.get(&(c.request, c.child.id)).copied();
            Referral { contact: c, nfa: c.outcome.as_deref() == Some("NO_FURTHER_ACTION"), previous, case }
        })
        .collect()
}

/// List 3: every referral received in the range.
async fn list_3(db: &impl ConnectionTrait, range: Range, rules: &Rules) -> AppResult<(String, Vec<Person>)> {
    let (contacts, cases) = referral_facts(db, range).await?;
    let teams: HashMap<Uuid, String> = team::Entity::find()
        .select_only()
        .columns([team::Column::Id, team::Column::Name])
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut lines = vec![];
    let mut people = vec![];
    for r in referrals(range, rules, &contacts, &cases) {
        let day = london::to_local(r.contact.received).date();
        let mut l = person_fields(&r.contact.child, day);
        l.extend([
            day.to_string(),
            r.contact.source.to_string(),
            if r.nfa { "Y" } else { "N" }.to_string(),
            r.previous.to_string(),
            r.case.and_then(|k| teams.get(&k.team)).cloned().unwrap_or_default(),
            r.case.and_then(|k| k.worker).map(|w| w.to_string()).unwrap_or_default(),
        ]);
        lines.push(l);
        people.push(r.contact.child.clone());
    }
    let header = [
        &PERSON[..],
        &["referral_date", "referral_source", "referral_nfa", "referrals_in_previous_12_months", "team", "worker_id"],
    ]
    .concat();
    Ok((csv(&header, lines), people))
}

/// List 2: children on early help assessments started in the range or open during it, with the
/// start and completion dates and the lead organisation.
async fn list_2(db: &impl ConnectionTrait, range: Range) -> AppResult<(String, Vec<Person>)> {
    let assessments: Vec<(Uuid, Uuid, NaiveDate, Option<NaiveDate>)> = eha::Entity::find()
        .select_only()
        .columns([eha::Column::Id, eha::Column::LeadOrgId, eha::Column::StartedOn, eha::Column::ClosedOn])
        .filter(eha::Column::StartedOn.lte(range.to))
        .filter(Condition::any().add(eha::Column::ClosedOn.is_null()).add(eha::Column::ClosedOn.gte(range.from)))
        .into_tuple()
        .all(db)
        .await?;
    let orgs: HashMap<Uuid, String> = organisation::Entity::find()
        .select_only()
        .columns([organisation::Column::Id, organisation::Column::Name])
        .into_tuple()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut entries = vec![];
    for chunk in assessments.chunks(500) {
        let ids: Vec<Uuid> = chunk.iter().map(|a| a.0).collect();
        let rows: Vec<EntryRow> = ehc::Entity::find()
            .select_only()
            .columns([
                ehc::Column::Id,
                ehc::Column::AssessmentId,
                ehc::Column::ChildId,
                ehc::Column::Sex,
                ehc::Column::DateOfBirth,
                ehc::Column::ExpectedDeliveryDate,
            ])
            .filter(ehc::Column::AssessmentId.is_in(ids))
            .into_tuple()
            .all(db)
            .await?;
        entries.extend(rows);
    }
    let records = children(db, entries.iter().filter_map(|e| e.2).collect()).await?;
    let by_id: HashMap<Uuid, &(Uuid, Uuid, NaiveDate, Option<NaiveDate>)> =
        assessments.iter().map(|a| (a.0, a)).collect();
    let mut lines = vec![];
    let mut people = vec![];
    for (entry, assessment, child_id, sex, date_of_birth, expected) in entries {
        let Some((_, org, started, closed)) = by_id.get(&assessment).copied() else { continue };
        let person = child_id.and_then(|c| records.get(&c)).cloned().unwrap_or(Person {
            id: entry,
            matched: false,
            sex,
            ethnicity: None,
            date_of_birth,
            expected,
        });
        let mut l = person_fields(&person, *started);
        l.extend([
            started.to_string(),
            closed.map(|d| d.to_string()).unwrap_or_default(),
            orgs.get(org).cloned().unwrap_or_default(),
        ]);
        lines.push(l);
        people.push(person);
    }
    let header = [&PERSON[..], &["early_help_start_date", "early_help_completion_date", "organisation"]].concat();
    Ok((csv(&header, lines), people))
}

/// The census year (1 April to 31 March) ending after `day`: its 31 March.
fn census_reference_date(day: NaiveDate) -> NaiveDate {
    let year = if day.month() >= 4 { day.year() + 1 } else { day.year() };
    NaiveDate::from_ymd_opt(year, 3, 31).unwrap_or(day)
}

fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The CIN census–shaped XML: each child with a referral received in the range, one
/// `CINdetails` per referral (date, source, NFA; closure and the assessment from the case opened
/// from it, where held).
async fn cin_census(db: &impl ConnectionTrait, range: Range, rules: &Rules) -> AppResult<(String, Vec<Person>)> {
    let (contacts, cases) = referral_facts(db, range).await?;
    let mut order: Vec<Uuid> = vec![];
    let mut by_child: HashMap<Uuid, Vec<Referral>> = HashMap::new();
    for r in referrals(range, rules, &contacts, &cases) {
        let id = r.contact.child.id;
        if !by_child.contains_key(&id) {
            order.push(id);
        }
        by_child.entry(id).or_default().push(r);
    }
    let reference = census_reference_date(range.to);
    let date = |t: DateTime<Utc>| london::to_local(t).date().to_string();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Message>\n<Header>\n");
    let _ = writeln!(
        x,
        "<CollectionDetails><Collection>CIN</Collection><Year>{}</Year><ReferenceDate>{reference}</ReferenceDate></CollectionDetails>",
        reference.year()
    );
    let _ = writeln!(
        x,
        "<Source><SourceLevel>L</SourceLevel><LEA>{LA_CODE}</LEA><SoftwareCode>casegraph</SoftwareCode><Release>{}</Release><SerialNo>001</SerialNo><DateTime>{}</DateTime></Source>",
        xml_text(env!("CARGO_PKG_VERSION")),
        london::to_local(Utc::now()).format("%Y-%m-%dT%H:%M:%S")
    );
    x.push_str("</Header>\n<Children>\n");
    let mut people = vec![];
    for id in order {
        let Some(refs) = by_child.get(&id) else { continue };
        let Some(p) = refs.first().map(|r| &r.contact.child) else { continue };
        x.push_str("<Child>\n<ChildIdentifiers>");
        let _ = write!(x, "<LAchildID>{}</LAchildID>", p.id);
        match (p.date_of_birth, p.expected) {
            (Some(b), _) => {
                let _ = write!(x, "<PersonBirthDate>{b}</PersonBirthDate>");
            }
            (None, Some(e)) => {
                let _ = write!(x, "<ExpectedPersonBirthDate>{e}</ExpectedPersonBirthDate>");
            }
            (None, None) => {}
        }
        // Ethnicity is required: NOBT (not yet obtained) when not recorded.
        let ethnicity = p.ethnicity.map_or("NOBT", |e| e.code());
        let _ = writeln!(
            x,
            "<Sex>{}</Sex></ChildIdentifiers>\n<ChildCharacteristics><Ethnicity>{ethnicity}</Ethnicity></ChildCharacteristics>",
            p.sex.code()
        );
        for r in refs {
            let source = if SOURCES.contains(&r.contact.source) { r.contact.source } else { "10" };
            let _ = write!(
                x,
                "<CINdetails><CINreferralDate>{}</CINreferralDate><ReferralSource>{source}</ReferralSource>",
                date(r.contact.received)
            );
            if let Some((closed, reason)) = r.case.and_then(|k| Some((k.closed?, k.closure?))) {
                let _ = write!(
                    x,
                    "<CINclosureDate>{}</CINclosureDate><ReasonForClosure>{}</ReasonForClosure>",
                    date(closed),
                    reason.code()
                );
            }
            if let Some(k) = r.case.filter(|k| k.kind == entity::enums::CaseKind::Assessment) {
                let _ =
                    write!(x, "<Assessments><AssessmentActualStartDate>{}</AssessmentActualStartDate>", date(k.opened));
                if let Some(closed) = k.closed {
                    let _ = write!(x, "<AssessmentAuthorisationDate>{}</AssessmentAuthorisationDate>", date(closed));
                }
                x.push_str("</Assessments>");
            }
            let _ = writeln!(x, "<ReferralNFA>{}</ReferralNFA></CINdetails>", r.nfa);
        }
        x.push_str("</Child>\n");
        people.push(p.clone());
    }
    x.push_str("</Children>\n</Message>\n");
    Ok((x, people))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn ages_follow_birthdays_and_the_unborn_are_minus_one() {
        let p = |dob: Option<&str>| Person {
            id: Uuid::nil(),
            matched: true,
            sex: Sex::Female,
            ethnicity: None,
            date_of_birth: dob.map(d),
            expected: None,
        };
        assert_eq!(p(Some("2016-03-01")).age_on(d("2026-02-28")), 9);
        assert_eq!(p(Some("2016-03-01")).age_on(d("2026-03-01")), 10);
        assert_eq!(p(Some("2024-02-29")).age_on(d("2025-02-28")), 0);
        assert_eq!(p(None).age_on(d("2026-03-01")), -1);
    }

    #[test]
    fn census_years_end_on_31_march() {
        assert_eq!(census_reference_date(d("2026-03-31")), d("2026-03-31"));
        assert_eq!(census_reference_date(d("2026-04-01")), d("2027-03-31"));
    }

    #[test]
    fn fields_with_commas_are_quoted() {
        assert_eq!(field("Team A, North"), "\"Team A, North\"");
        assert_eq!(field("a\"b"), "\"a\"\"b\"");
        assert_eq!(field("plain"), "plain");
    }
}
