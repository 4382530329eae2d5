//! sea-orm entities: one file per table, nothing else. Behaviour lives in `casegraph::domain`.
/// Declares a code list: `Variant = "STORED_CODE"`. The one way code lists are written, in
/// storage and in the API alike: one definition gives the Rust enum, its sea-orm column type
/// (a portable string column), its GraphQL enum (SCREAMING_CASE names, the doc comments as
/// descriptions) and its stored codes, so they can never drift apart.
#[macro_export]
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $code:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, sea_orm::EnumIter, sea_orm::DeriveActiveEnum,
            async_graphql::Enum, serde::Serialize, serde::Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name {
            $($(#[$vm])* #[sea_orm(string_value = $code)] $variant),*
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The code stored in the database.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),*
                }
            }

            pub fn from_code(s: &str) -> Option<Self> {
                match s {
                    $($code => Some($name::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

pub mod advice_consultation;
pub mod alert;
pub mod audit_event;
pub mod bank_holiday;
pub mod case;
pub mod case_event;
pub mod case_request;
pub mod child;
pub mod child_duplicate_confirmation;
pub mod early_help_action_review;
pub mod early_help_assessment;
pub mod early_help_change;
pub mod early_help_child;
pub mod early_help_factor;
pub mod early_help_household_member;
pub mod early_help_meeting;
pub mod early_help_meeting_attendee;
pub mod early_help_plan_action;
pub mod early_help_referral;
pub mod early_help_taf_member;
pub mod enums;
pub mod event;
pub mod household_member;
pub mod hub_decision;
pub mod level_of_need;
pub mod need_indicator;
pub mod neglect_screening;
pub mod organisation;
pub mod partner_update;
pub mod reference_counter;
pub mod request_child;
pub mod request_for_support;
pub mod request_household_member;
pub mod service_hours;
pub mod staff;
pub mod team;
pub mod webhook_dead_letter;
pub mod webhook_delivery;
pub mod webhook_subscription;
