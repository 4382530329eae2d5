//! Reference data: the levels of need and the service contacts.
use super::req;
use crate::domain;
use async_graphql::{Context, Object, Result, SimpleObject};

pub use entity::enums::Level;

/// An example indicator of a level of need: a guide for the referrer, not a checklist.
#[derive(SimpleObject)]
pub struct NeedIndicator {
    /// Assessment domain the indicator belongs to.
    pub domain: String,
    /// The indicator, in words a portal can show as it is.
    pub text: String,
}

/// A level of need, with the response it calls for and example indicators.
#[derive(SimpleObject)]
pub struct LevelOfNeed {
    /// The level.
    pub level: Level,
    /// 1 (universal) to 4 (specialist).
    pub ordinal: i32,
    /// The level's name, for example Universal Plus.
    pub name: String,
    /// The response the level calls for, in words a portal can show as it is.
    pub expected_response: String,
    /// Example indicators: a guide for the referrer, not a checklist.
    pub indicators: Vec<NeedIndicator>,
}

/// A telephone service.
#[derive(SimpleObject)]
pub struct ServiceLine {
    /// What the line is called, e.g. "Request for Support Hub (MASH)".
    pub name: String,
    /// The number to dial.
    pub phone: String,
    /// When to use it, in words a portal can show as it is.
    pub purpose: String,
}

/// One day's opening hours, London time.
#[derive(SimpleObject)]
pub struct OpeningHours {
    /// The day of the week, `MONDAY` to `SUNDAY`.
    pub weekday: String,
    /// Opening time, `HH:MM`.
    pub opens: String,
    /// Closing time, `HH:MM`.
    pub closes: String,
}

/// The professionals' advice line: its number, hours and whether it is open.
#[derive(SimpleObject)]
pub struct AdviceLine {
    /// The line's name, number and purpose.
    pub line: ServiceLine,
    /// The weekly hours (bank holidays closed), Monday first.
    pub hours: Vec<OpeningHours>,
    /// Open at this moment.
    pub open_now: bool,
    /// When it next opens (this moment, if open).
    pub next_opens_at: crate::graphql::scalars::DateTime,
}

/// The numbers a portal shows beside every route to a request for support.
#[derive(SimpleObject)]
pub struct ServiceContacts {
    /// A child at immediate risk of significant harm: telephone the MASH now.
    pub mash: ServiceLine,
    /// The professionals' advice line: its number, hours and whether it is open now.
    pub advice_line: AdviceLine,
}

#[derive(Default)]
pub struct ReferenceQuery;

#[Object(guard = "super::Authorized(\"Query\")")]
impl ReferenceQuery {
    /// The levels of need, lowest first, with their expected response and example indicators.
    async fn levels_of_need(&self, ctx: &Context<'_>) -> Result<Vec<LevelOfNeed>> {
        let r = req(ctx)?;
        let rows = domain::reference::levels_of_need(&r.db, &r.ctx).await?;
        Ok(rows
            .into_iter()
            .map(|l| LevelOfNeed {
                level: l.level.level,
                ordinal: l.level.ordinal,
                name: l.level.name,
                expected_response: l.level.expected_response,
                indicators: l
                    .indicators
                    .into_iter()
                    .map(|i| NeedIndicator { domain: i.domain, text: i.text })
                    .collect(),
            })
            .collect())
    }

    /// The MASH number (for a child at immediate risk of significant harm) and the advice line
    /// with its hours and whether it is open now.
    async fn service_contacts(&self, ctx: &Context<'_>) -> Result<ServiceContacts> {
        let r = req(ctx)?;
        use domain::contacts;
        let advice = contacts::advice_line_now(&r.db, &r.services.calendar).await?;
        let weekday = |d: chrono::Weekday| {
            ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"]
                [d.num_days_from_monday() as usize]
                .to_string()
        };
        Ok(ServiceContacts {
            mash: ServiceLine {
                name: contacts::MASH_NAME.into(),
                phone: contacts::MASH_PHONE.into(),
                purpose: contacts::MASH_PURPOSE.into(),
            },
            advice_line: AdviceLine {
                line: ServiceLine {
                    name: contacts::ADVICE_LINE_NAME.into(),
                    phone: advice.phone.into(),
                    purpose: contacts::ADVICE_LINE_PURPOSE.into(),
                },
                hours: advice
                    .hours
                    .into_iter()
                    .map(|(d, o, c)| OpeningHours {
                        weekday: weekday(d),
                        opens: o.format("%H:%M").to_string(),
                        closes: c.format("%H:%M").to_string(),
                    })
                    .collect(),
                open_now: advice.open_now,
                next_opens_at: advice.next_open.into(),
            },
        })
    }
}
