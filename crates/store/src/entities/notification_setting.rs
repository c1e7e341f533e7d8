//! Entity for the `notification_settings` table: how a person wants to be told (keyed by the
//! principal's key, `citizen:<id>` or `staff:<username>`).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub owner: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lang: String,
    pub email_on: bool,
    pub sms_on: bool,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
