//! A child known to children's services: identity, date of birth, address and the restricted flag.
use crate::enums::{Ethnicity, Sex};
use sea_orm::entity::prelude::*;

/// A child (or an unborn child, with an expected date of delivery instead of a date of birth).
/// `given_key`/`family_key` hold normalised names for matching and search.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "children")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub given_key: String,
    pub family_key: String,
    pub date_of_birth: Option<Date>,
    pub expected_delivery_date: Option<Date>,
    pub sex: Sex,
    pub ethnicity: Option<Ethnicity>,
    pub address_line: Option<String>,
    pub town: Option<String>,
    pub postcode: Option<String>,
    pub nhs_number: Option<String>,
    pub upn: Option<String>,
    pub restricted: bool,
    pub synthetic: bool,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
