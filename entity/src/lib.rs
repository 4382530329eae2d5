//! sea-orm entities: one file per table, nothing else. Behaviour lives in `casegraph::domain`.
pub mod audit_event;
pub mod case;
pub mod case_event;
pub mod child;
pub mod enums;
pub mod household_member;
pub mod level_of_need;
pub mod need_indicator;
pub mod organisation;
pub mod staff;
pub mod team;
