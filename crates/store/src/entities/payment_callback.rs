//! Entity for the `payment_callbacks` table: every notification, return and re-query answer a
//! gateway gave, genuine or not, with what we answered — the trail for reconciliation and for
//! forged or altered callbacks.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_callbacks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub txn_ref: String,
    /// `ipn`, `return` or `query`.
    pub source: String,
    /// What we answered (the IPN `RspCode`) or concluded.
    pub answer: String,
    pub accepted: bool,
    #[sea_orm(column_type = "Text")]
    pub detail: String,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
