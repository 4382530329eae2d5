//! Reference data for working days (docs/domain.md §3.5, §7): the holiday table and the hub's service
//! hours. Holidays are rows, not a computed rule, so ADMIN can add moved or extra days and local
//! closures (`kind` = `LOCAL_CLOSURE`) without a release.
use sea_orm_migration::sea_orm::prelude::{ChronoDate, ChronoDateTimeUtc};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// England and Wales bank holidays 2025–2027 (docs/domain.md §7.2) plus the New Year's Day 2028
/// substitute: (date, title, substitute).
const BANK_HOLIDAYS: &[((i32, u32, u32), &str, bool)] = &[
    ((2025, 1, 1), "New Year's Day", false),
    ((2025, 4, 18), "Good Friday", false),
    ((2025, 4, 21), "Easter Monday", false),
    ((2025, 5, 5), "Early May bank holiday", false),
    ((2025, 5, 26), "Spring bank holiday", false),
    ((2025, 8, 25), "Summer bank holiday", false),
    ((2025, 12, 25), "Christmas Day", false),
    ((2025, 12, 26), "Boxing Day", false),
    ((2026, 1, 1), "New Year's Day", false),
    ((2026, 4, 3), "Good Friday", false),
    ((2026, 4, 6), "Easter Monday", false),
    ((2026, 5, 4), "Early May bank holiday", false),
    ((2026, 5, 25), "Spring bank holiday", false),
    ((2026, 8, 31), "Summer bank holiday", false),
    ((2026, 12, 25), "Christmas Day", false),
    ((2026, 12, 28), "Boxing Day (substitute day)", true),
    ((2027, 1, 1), "New Year's Day", false),
    ((2027, 3, 26), "Good Friday", false),
    ((2027, 3, 29), "Easter Monday", false),
    ((2027, 5, 3), "Early May bank holiday", false),
    ((2027, 5, 31), "Spring bank holiday", false),
    ((2027, 8, 30), "Summer bank holiday", false),
    ((2027, 12, 27), "Christmas Day (substitute day)", true),
    ((2027, 12, 28), "Boxing Day (substitute day)", true),
    ((2028, 1, 3), "New Year's Day (substitute day)", true),
];

/// Hub hours, London local time (docs/domain.md §3.5): (weekday 0 = Monday, opens, closes). No rows for
/// Saturday and Sunday: the hub is closed.
const SERVICE_HOURS: &[(i32, &str, &str)] = &[
    (0, "09:00", "17:00"),
    (1, "09:00", "17:00"),
    (2, "09:00", "17:00"),
    (3, "09:00", "17:00"),
    (4, "09:00", "16:30"),
];

/// Fixed so the seeded rows are the same on every database.
const SEEDED_AT: &str = "2026-11-24T00:00:00Z";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("bank_holidays")
                .col(date("date").primary_key())
                .col(string_len("title", 100))
                .col(string_len("kind", 24))
                .col(boolean("substitute"))
                .col(timestamp_with_time_zone("created_at"))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("service_hours")
                .col(integer("weekday").primary_key())
                .col(string_len("opens", 5))
                .col(string_len("closes", 5))
                .take(),
        )
        .await?;

        let seeded_at: ChronoDateTimeUtc = SEEDED_AT.parse().map_err(|e| DbErr::Migration(format!("{e}")))?;
        let mut holidays = Query::insert();
        holidays.into_table("bank_holidays").columns(["date", "title", "kind", "substitute", "created_at"]);
        for ((y, mo, d), title, substitute) in BANK_HOLIDAYS {
            let date = ChronoDate::from_ymd_opt(*y, *mo, *d)
                .ok_or_else(|| DbErr::Migration(format!("bad holiday date {y}-{mo}-{d}")))?;
            holidays.values_panic([
                date.into(),
                (*title).into(),
                "BANK_HOLIDAY".into(),
                (*substitute).into(),
                seeded_at.into(),
            ]);
        }
        m.exec_stmt(holidays).await?;

        let mut hours = Query::insert();
        hours.into_table("service_hours").columns(["weekday", "opens", "closes"]);
        for (weekday, opens, closes) in SERVICE_HOURS {
            hours.values_panic([(*weekday).into(), (*opens).into(), (*closes).into()]);
        }
        m.exec_stmt(hours).await?;
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("migrations are forward only".into()))
    }
}
