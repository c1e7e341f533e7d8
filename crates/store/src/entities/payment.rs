//! Entity for the `payments` table: one attempt to pay a dossier's fees, online or at the counter.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub dossier_id: String,
    /// Our order reference at the gateway (`vnp_TxnRef`).
    pub txn_ref: String,
    /// `submission` (fees due when applying) or `request` (asked for during processing).
    pub purpose: String,
    /// `vnpay`, `cash` or `card`.
    pub method: String,
    /// `motcua_domain::payment::PaymentStatus`.
    pub status: String,
    pub amount_vnd: i64,
    /// The fee lines paid (JSON array of quoted lines).
    #[sea_orm(column_type = "Text")]
    pub lines: String,
    pub created_by: String,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub created_at: DateTimeUtc,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub updated_at: DateTimeUtc,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub expires_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub settled_at: Option<DateTimeUtc>,
    pub gateway_txn_no: Option<String>,
    pub bank_code: Option<String>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub paid_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "TimestampWithTimeZone")]
    pub refunded_at: Option<DateTimeUtc>,
    /// What was refunded (all or part of the amount).
    pub refunded_vnd: Option<i64>,
    /// The gateway page the payer was sent to (reused while the payment is pending).
    #[sea_orm(column_type = "Text")]
    pub redirect_url: Option<String>,
    pub row_version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
