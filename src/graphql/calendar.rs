//! The bank-holiday table behind working-day timescales. Resolvers call `domain::holidays`.
use super::{
    payload::{UserError, split},
    req,
    scalars::Date,
};
use crate::domain::{self};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use entity::bank_holiday;

/// A day that is not a working day: a bank holiday in England and Wales, or a day the local
/// authority's offices close. Working-day timescales skip these days.
#[derive(SimpleObject)]
pub struct BankHoliday {
    /// The date.
    pub date: Date,
    /// What the day is called, for example Christmas Day.
    pub title: String,
    /// The kind of day: `BANK_HOLIDAY` (a bank holiday in England and Wales, or its substitute
    /// day) or `LOCAL_CLOSURE` (a day the local authority's offices close).
    pub kind: String,
    /// Whether the day stands in for a bank holiday that fell at a weekend.
    pub substitute: bool,
}

impl From<bank_holiday::Model> for BankHoliday {
    fn from(m: bank_holiday::Model) -> Self {
        BankHoliday { date: Date(m.date), title: m.title, kind: m.kind, substitute: m.substitute }
    }
}

/// A bank holiday or local closure to add. A day already listed on that date is renamed (its
/// title and kind replaced).
#[derive(InputObject)]
pub struct SetBankHolidayInput {
    /// The date: in the years 2000 to 2100.
    pub date: Date,
    /// What the day is called, for example Christmas Day: required, at most 100 characters.
    pub title: String,
    /// The kind of day: `BANK_HOLIDAY` (a bank holiday in England and Wales, or its substitute
    /// day) or `LOCAL_CLOSURE` (a day the local authority's offices close).
    pub kind: String,
}

/// The bank holiday or local closure to remove.
#[derive(InputObject)]
pub struct RemoveBankHolidayInput {
    /// The date of the day to remove: a bank holiday or local closure must be listed on it.
    pub date: Date,
}

/// The result of adding, renaming or removing a bank holiday or local closure.
#[derive(SimpleObject)]
pub struct BankHolidayPayload {
    /// The day as stored after adding or renaming it; `null` after a removal or when the change
    /// was refused.
    pub bank_holiday: Option<BankHoliday>,
    /// Whether a day was removed; always `false` when adding or renaming.
    pub removed: bool,
    /// What to fix before trying again; empty when the change was made.
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct CalendarQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl CalendarQuery {
    /// Bank holidays and local closures of a year (they stop the working-day clocks).
    async fn bank_holidays(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The calendar year, for example 2026.")] year: i32,
    ) -> Result<Vec<BankHoliday>> {
        let r = req(ctx)?;
        Ok(domain::holidays::list(&r.db, &r.ctx, year).await?.into_iter().map(Into::into).collect())
    }
}

#[derive(Default)]
pub struct CalendarMutation;

#[Object(guard = "super::Authorized(\"Mutation\")")]
impl CalendarMutation {
    /// Adds or renames a bank holiday or local closure (admins). Stored deadlines do not move.
    async fn set_bank_holiday(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The date, title and kind of day.")] input: SetBankHolidayInput,
    ) -> Result<BankHolidayPayload> {
        let r = req(ctx)?;
        let (h, user_errors) =
            split(domain::holidays::set(&r.db, &r.ctx, input.date.0, &input.title, &input.kind).await)?;
        Ok(BankHolidayPayload { bank_holiday: h.map(Into::into), removed: false, user_errors })
    }

    /// Removes a bank holiday or local closure (admins).
    async fn remove_bank_holiday(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The date of the day to remove.")] input: RemoveBankHolidayInput,
    ) -> Result<BankHolidayPayload> {
        let r = req(ctx)?;
        let (done, user_errors) = split(domain::holidays::remove(&r.db, &r.ctx, input.date.0).await)?;
        Ok(BankHolidayPayload { bank_holiday: None, removed: done.is_some(), user_errors })
    }
}
