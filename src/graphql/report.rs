//! `reports`: counts for analysts, by period, with small numbers suppressed. The same reports are
//! served as CSV at `GET /reports/<name>.csv` ([`crate::app`]).
use super::{ids, req, scalars::Date};
use crate::domain::report::{self, Ask, Grouping, Kind, Range, suppress};
use async_graphql::{Context, ID, Object, Result, SimpleObject};

/// A published count: `null` with `suppressed: true` when it is hidden to protect the children
/// it counts (any count from 1 to 4, and what would give one away).
#[derive(SimpleObject)]
pub struct Count {
    /// The count; `null` when suppressed.
    pub value: Option<i64>,
    /// Whether the count is hidden (small-number suppression).
    pub suppressed: bool,
}

impl From<&suppress::Cell> for Count {
    fn from(c: &suppress::Cell) -> Self {
        Count { value: c.value.map(|v| v as i64), suppressed: c.suppressed }
    }
}

/// One period of a report.
#[derive(SimpleObject)]
pub struct ReportRow {
    /// The first day of the period (a Monday for weeks).
    pub period_start: Date,
    /// One count per column, in the order of `columns`.
    pub counts: Vec<Count>,
    /// The period's total across the columns.
    pub total: Count,
    /// The report's measures for the period, in the order of `measures`; each `null` when a
    /// count it is worked out from is suppressed or there is nothing to work it out from.
    pub measures: Vec<Option<f64>>,
}

/// A report: columns, one row per period, totals. It holds counts only: no names, dates of birth,
/// addresses, free text or record IDs.
#[derive(SimpleObject)]
pub struct Report {
    /// The report's name, as in its CSV address (`/reports/<name>.csv`).
    pub name: String,
    /// Which report this is.
    pub report: Kind,
    /// The first day covered (the start of the first whole period).
    pub from: Date,
    /// The last day covered (the end of the last whole period).
    pub to: Date,
    /// How the rows are grouped.
    pub by: Grouping,
    /// The team whose cases are counted, for a report about one team's cases.
    pub team: Option<ID>,
    /// Whether each row counts what stood at the end of its period (open cases, open
    /// assessments): such rows do not add up, so there are no column totals.
    pub snapshot: bool,
    /// The column headings (codes, as the report's description says).
    pub columns: Vec<String>,
    /// One row per period, oldest first.
    pub rows: Vec<ReportRow>,
    /// Each column's total over the whole range (empty for a snapshot).
    pub column_totals: Vec<Count>,
    /// The total of everything counted (`null` for a snapshot).
    pub total: Option<Count>,
    /// The names of the measures beside the counts (rates from 0 to 1, medians), in the order of
    /// each row's `measures`.
    pub measures: Vec<String>,
    /// The measures over the whole range; `null` as for a row's, and for a snapshot.
    pub total_measures: Vec<Option<f64>>,
}

impl From<report::Report> for Report {
    fn from(r: report::Report) -> Self {
        let t = &r.table;
        Report {
            name: r.kind.name().to_string(),
            report: r.kind,
            from: Date(r.range.0),
            to: Date(r.range.1),
            by: r.by,
            team: r.team.map(|t| ids::encode(ids::Kind::Team, t)),
            snapshot: r.snapshot,
            columns: r.columns.clone(),
            rows: r
                .periods
                .iter()
                .enumerate()
                .map(|(i, p)| ReportRow {
                    period_start: Date(*p),
                    counts: t.cells[i].iter().map(Count::from).collect(),
                    total: (&t.row_totals[i]).into(),
                    measures: r.measures.iter().map(|m| m.rows.get(i).copied().flatten()).collect(),
                })
                .collect(),
            column_totals: if r.snapshot { vec![] } else { t.column_totals.iter().map(Count::from).collect() },
            total: (!r.snapshot).then(|| (&t.total).into()),
            measures: r.measures.iter().map(|m| m.name.to_string()).collect(),
            total_measures: r.measures.iter().map(|m| m.total).collect(),
        }
    }
}

/// A report casegraph can make.
#[derive(SimpleObject)]
pub struct ReportInfo {
    /// Which report.
    pub report: Kind,
    /// Its name in the CSV address.
    pub name: String,
    /// Whether it is about cases, so that a team manager may read it for their own team.
    pub about_cases: bool,
    /// Whether its rows count what stood at the end of each period.
    pub snapshot: bool,
}

/// The reports: counts by period for analysts, performance officers and (for reports about
/// cases, their own team) team managers.
pub struct Reports;

/// Reports over a date range (at most 5 years), grouped by week, month or quarter.
#[Object]
impl Reports {
    /// Every report, with its name for the CSV address.
    async fn catalogue(&self) -> Vec<ReportInfo> {
        Kind::ALL
            .into_iter()
            .map(|k| ReportInfo {
                report: k,
                name: k.name().to_string(),
                about_cases: k.about_cases(),
                snapshot: k.snapshot(),
            })
            .collect()
    }

    /// One report. The range is widened to whole periods of `by`. `team` (reports about cases
    /// only) counts one team's cases; a team manager always gets their own team's.
    async fn report(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which report.")] name: Kind,
        #[graphql(desc = "The first day to count (London time).")] from: Date,
        #[graphql(desc = "The last day to count (London time); less than 5 years after `from`.")] to: Date,
        #[graphql(desc = "How to group the rows.")] by: Grouping,
        #[graphql(desc = "A team, for a report about cases.")] team: Option<ID>,
    ) -> Result<Report> {
        let r = req(ctx)?;
        let range = Range::new(from.0, to.0)?;
        let team = ids::decode_opt(&team, ids::Kind::Team, "team")?;
        let threshold = r.services.rules.suppression_threshold;
        let ask = Ask { kind: name, range, by, team };
        Ok(report::make(&r.db, &r.ctx, ask, threshold).await?.into())
    }
}

#[derive(Default)]
pub struct ReportQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl ReportQuery {
    /// Counts for analysts, performance officers and team managers, with small numbers
    /// suppressed and no identifiers.
    async fn reports(&self) -> Reports {
        Reports
    }
}
