//! The bank-holiday table, edited by admins. Deadlines already stored with their records do
//! not move when the table changes (docs/domain.md §7.3).
use super::validate::{self, Checks};
use crate::audit;
use crate::context::RequestCtx;
use crate::context::{Entry, RecordType};
use crate::error::UserErrorCode;
use crate::error::{AppError, AppResult, FieldError};
use chrono::{Datelike, NaiveDate, Utc};
use entity::{bank_holiday, enums::AuditAction};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set, sea_query::OnConflict,
};

entity::code_enum! {
    /// Why a day is not a working day. The API takes the code as a string (`kind`).
    DayOffKind {
        /// A public holiday in England and Wales (or its substitute day).
        BankHoliday = "BANK_HOLIDAY",
        /// A day the local authority's offices close.
        LocalClosure = "LOCAL_CLOSURE",
    }
}

pub async fn list(db: &impl ConnectionTrait, _ctx: &RequestCtx, year: i32) -> AppResult<Vec<bank_holiday::Model>> {
    let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) else {
        return Err(AppError::invalid("year", UserErrorCode::Invalid, "not a year"));
    };
    Ok(bank_holiday::Entity::find()
        .filter(bank_holiday::Column::Date.between(from, to))
        .order_by_asc(bank_holiday::Column::Date)
        .all(db)
        .await?)
}

/// Adds or renames a non-working day.
pub async fn set(
    db: &DatabaseConnection,
    ctx: &RequestCtx,
    date: NaiveDate,
    title: &str,
    kind: &str,
) -> AppResult<bank_holiday::Model> {
    let mut c = Checks::default();
    let title = c.take(validate::text("input.title", title, 100));
    let kind = DayOffKind::from_code(kind);
    if kind.is_none() {
        let codes = DayOffKind::ALL.iter().map(|k| k.code()).collect::<Vec<_>>().join(" or ");
        c.0.push(FieldError::new("input.kind", UserErrorCode::Invalid, codes));
    }
    if !(2000..=2100).contains(&date.year()) {
        c.0.push(FieldError::new("input.date", UserErrorCode::Invalid, "a date between 2000 and 2100"));
    }
    c.finish()?;
    let kind = kind.ok_or(AppError::Internal)?;
    crate::db::transaction(db, async |txn| {
        bank_holiday::Entity::insert(bank_holiday::ActiveModel {
            date: Set(date),
            title: Set(title.unwrap_or_default()),
            kind: Set(kind.code().to_string()),
            substitute: Set(false),
            created_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::column(bank_holiday::Column::Date)
                .update_columns([bank_holiday::Column::Title, bank_holiday::Column::Kind])
                .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
        audit::record(
            txn,
            ctx,
            &[Entry {
                record_id: None,
                ..Entry::allowed(AuditAction::Update, RecordType::BankHoliday, sea_orm::prelude::Uuid::nil(), None)
            }],
        )
        .await?;
        let stored = bank_holiday::Entity::find_by_id(date).one(txn).await?.ok_or(AppError::Internal)?;
        Ok(stored)
    })
    .await
}

/// Removes a non-working day; `NOT_FOUND` when there is none on that date.
pub async fn remove(db: &DatabaseConnection, ctx: &RequestCtx, date: NaiveDate) -> AppResult<()> {
    crate::db::transaction(db, async |txn| {
        let res = bank_holiday::Entity::delete_many().filter(bank_holiday::Column::Date.eq(date)).exec(txn).await?;
        if res.rows_affected == 0 {
            return Err(AppError::invalid("input.date", UserErrorCode::NotFound, "no holiday on that date"));
        }
        audit::record(
            txn,
            ctx,
            &[Entry {
                record_id: None,
                ..Entry::allowed(AuditAction::Update, RecordType::BankHoliday, sea_orm::prelude::Uuid::nil(), None)
            }],
        )
        .await?;
        Ok(())
    })
    .await
}
