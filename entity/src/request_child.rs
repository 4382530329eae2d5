//! A child named on a request for support, optionally linked to a child record.
use crate::enums::Sex;
use sea_orm::entity::prelude::*;

/// A child named on a request for support, as the referrer described them; `child_id` is set
/// when the hub matches (or creates) the child's record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "request_children")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub request_id: Uuid,
    pub position: i32,
    pub child_id: Option<Uuid>,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<Date>,
    pub expected_delivery_date: Option<Date>,
    pub sex: Sex,
    pub address_line: Option<String>,
    pub postcode: Option<String>,
    pub school_or_setting: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
