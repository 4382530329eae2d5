//! The bank-holiday table behind working-day timescales. Resolvers call `domain::holidays`.
use super::{
    payload::{UserError, split},
    req,
    scalars::Date,
};
use crate::domain::{self};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject};
use entity::bank_holiday;

#[derive(SimpleObject)]
pub struct BankHoliday {
    pub date: Date,
    pub title: String,
    /// `BANK_HOLIDAY` or `LOCAL_CLOSURE`.
    pub kind: String,
    pub substitute: bool,
}

impl From<bank_holiday::Model> for BankHoliday {
    fn from(m: bank_holiday::Model) -> Self {
        BankHoliday { date: Date(m.date), title: m.title, kind: m.kind, substitute: m.substitute }
    }
}

#[derive(InputObject)]
pub struct SetBankHolidayInput {
    pub date: Date,
    pub title: String,
    /// `BANK_HOLIDAY` or `LOCAL_CLOSURE`.
    pub kind: String,
}

#[derive(InputObject)]
pub struct RemoveBankHolidayInput {
    pub date: Date,
}

#[derive(SimpleObject)]
pub struct BankHolidayPayload {
    pub bank_holiday: Option<BankHoliday>,
    pub removed: bool,
    pub user_errors: Vec<UserError>,
}

#[derive(Default)]
pub struct CalendarQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl CalendarQuery {
    /// Bank holidays and local closures of a year (they stop the working-day clocks).
    async fn bank_holidays(&self, ctx: &Context<'_>, year: i32) -> Result<Vec<BankHoliday>> {
        let r = req(ctx)?;
        Ok(domain::holidays::list(&r.db, &r.ctx, year).await?.into_iter().map(Into::into).collect())
    }
}

#[derive(Default)]
pub struct CalendarMutation;

#[Object(guard = "super::Authorized(\"Mutation\")")]
impl CalendarMutation {
    /// Adds or renames a bank holiday or local closure (admins). Stored deadlines do not move.
    async fn set_bank_holiday(&self, ctx: &Context<'_>, input: SetBankHolidayInput) -> Result<BankHolidayPayload> {
        let r = req(ctx)?;
        let (h, user_errors) =
            split(domain::holidays::set(&r.db, &r.ctx, input.date.0, &input.title, &input.kind).await)?;
        Ok(BankHolidayPayload { bank_holiday: h.map(Into::into), removed: false, user_errors })
    }

    /// Removes a bank holiday or local closure (admins).
    async fn remove_bank_holiday(
        &self,
        ctx: &Context<'_>,
        input: RemoveBankHolidayInput,
    ) -> Result<BankHolidayPayload> {
        let r = req(ctx)?;
        let (done, user_errors) = split(domain::holidays::remove(&r.db, &r.ctx, input.date.0).await)?;
        Ok(BankHolidayPayload { bank_holiday: None, removed: done.is_some(), user_errors })
    }
}
