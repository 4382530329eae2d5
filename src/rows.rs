//! Decoding the hottest rows by position.
//!
//! sea-orm's derived `FromQueryResult` finds every column by name (a hash of the name per value)
//! and, for each NULL in an `Option` field, formats an error message that it then discards. A
//! caseload page decodes 100 partner updates of 33 columns, a dozen of them usually NULL: in the
//! profile that was a sixth of the server's time. [`ByPosition`] reads the same columns in the
//! order the entity selects them (`Entity::find()` lists its columns in field order), straight
//! from the driver's row. The models listed here keep their derived decoder too; a test decodes
//! the same rows both ways and compares them, so a column moved in an entity cannot go unseen.
//!
//! The driver also checks, for every value, that the column's type suits the Rust type (a clone
//! of the type description and a comparison: a tenth of the caseload's decoding). On PostgreSQL a
//! result's column types are the same in every row, so [`decode_all`] checks them on the first
//! row and decodes the rest without the check. SQLite types each value, so there every value is
//! checked.
//!
//! Two ways to decode on purpose: positional decoding took a caseload page from 8.3 M to 6.6 M
//! instructions (callgrind, `bench/README.md`); everything off the hot paths keeps sea-orm's
//! derived decoder.
use entity::{
    case, child,
    enums::{CaseKind, CaseStatus, ClosureReason, Ethnicity, Sex},
    partner_update,
};
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, QueryResult, QueryTrait, Select,
    sqlx::{self, Column, Postgres, Row, Sqlite, TypeInfo},
};

/// A model decoded from its columns in selection order.
pub trait ByPosition: Sized {
    /// Decodes one row; `checked: false` skips the driver's column type check on PostgreSQL
    /// (only for rows after one whose types were checked, see [`decode_all`]).
    fn decode(row: &QueryResult, checked: bool) -> Result<Self, DbErr>;

    fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Self::decode(row, true)
    }
}

/// Decodes a result's rows: the first with the column type check, the rest without it on
/// PostgreSQL (same columns, same types).
pub fn decode_all<'a, M: ByPosition>(rows: impl IntoIterator<Item = &'a QueryResult>) -> Result<Vec<M>, DbErr> {
    rows.into_iter().enumerate().map(|(n, row)| M::decode(row, n == 0)).collect()
}

/// One column's value.
trait Cell: Sized {
    fn cell(row: &QueryResult, i: usize, checked: bool) -> Result<Self, DbErr>;
}

fn get<T>(row: &QueryResult, i: usize, checked: bool) -> Result<T, DbErr>
where
    T: for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
        + for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>,
{
    let decoded = match (row.try_as_pg_row(), row.try_as_sqlite_row()) {
        (Some(r), _) => {
            // The column's declared type, checked whether or not this row's value is NULL, so
            // that the rows decoded after it without the check are covered.
            if checked {
                let ty = r.try_column(i).map_err(|e| DbErr::Type(format!("column {i}: {e}")))?.type_info();
                if !ty.is_null() && !<T as sqlx::Type<Postgres>>::compatible(ty) {
                    return Err(DbErr::Type(format!("column {i}: the database's {} does not decode here", ty.name())));
                }
            }
            r.try_get_unchecked(i)
        }
        (None, Some(r)) => r.try_get(i),
        (None, None) => return Err(DbErr::Type("row from an unsupported backend".into())),
    };
    decoded.map_err(|e| DbErr::Type(format!("column {i}: {e}")))
}

macro_rules! driver_cells {
    ($($t:ty),*) => {$(
        impl Cell for $t {
            fn cell(row: &QueryResult, i: usize, checked: bool) -> Result<Self, DbErr> {
                get(row, i, checked)
            }
        }
        impl Cell for Option<$t> {
            fn cell(row: &QueryResult, i: usize, checked: bool) -> Result<Self, DbErr> {
                get(row, i, checked)
            }
        }
    )*};
}
driver_cells!(sea_orm::prelude::Uuid, String, bool, i32, i64, chrono::NaiveDate, chrono::DateTime<chrono::Utc>);

/// Stored as codes: sea-orm's conversion, the same as the derived decoder's.
macro_rules! code_cells {
    ($($t:ty),*) => {$(
        impl Cell for $t {
            fn cell(row: &QueryResult, i: usize, _checked: bool) -> Result<Self, DbErr> {
                row.try_get_by_index(i)
            }
        }
    )*};
}
code_cells!(Sex, Option<Ethnicity>, CaseKind, CaseStatus, Option<ClosureReason>);

macro_rules! by_position {
    ($($model:path { $($field:ident),* $(,)? })*) => {$(
        impl ByPosition for $model {
            fn decode(row: &QueryResult, checked: bool) -> Result<Self, DbErr> {
                let mut i = 0..;
                Ok(Self { $($field: Cell::cell(row, i.next().unwrap_or_default(), checked)?,)* })
            }
        }
    )*};
}

by_position! {
    partner_update::Model {
        id, reference, sender_id, sender_org_id, child_given_name, child_family_name, given_key, family_key,
        child_date_of_birth, nhs_number, upn, kind, contact_mode, unsuccessful_reason, occurred_at, details, concern,
        received_at, due_at, child_id, case_id, matched_at, matched_by, reviewed_at, reviewed_by, review_action,
        review_note, overdue_alerted, idempotency_key, payload_hash, recorded_at, recorded_by, record_reference, version,
        created_at, updated_at,
    }
    child::Model {
        id, given_name, family_name, given_key, family_key, date_of_birth, expected_delivery_date, sex, ethnicity,
        address_line, town, postcode, nhs_number, upn, restricted, synthetic, version, created_at, updated_at,
    }
    case::Model {
        id, child_id, kind, status, team_id, allocated_worker_id, opened_at, closed_at, closure_reason, synthetic,
        origin_request_id, access_until, version, created_at, updated_at,
    }
}

/// Runs a statement and decodes its rows by position.
pub async fn all<M: ByPosition>(db: &impl ConnectionTrait, stmt: sea_orm::Statement) -> Result<Vec<M>, DbErr> {
    decode_all(&db.query_all_raw(stmt).await?)
}

/// `Select::all`, decoded by position.
pub async fn select_all<E>(db: &impl ConnectionTrait, select: Select<E>) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: ByPosition,
{
    all(db, select.build(db.get_database_backend())).await
}
