//! Atomic allocation of dossier sequence numbers, per receiving agency per local day.
//!
//! One upsert with `RETURNING` inside the submit transaction: concurrent submissions serialize on the
//! counter row, so there are no duplicates, and a rolled-back submission rolls its number back with
//! it, so there are no gaps (Circular 03/2025/TT-VPCP Art. 13 numbers dossiers consecutively).

use sea_orm::{ConnectionTrait, Statement, Value};

use crate::{StoreError, ph};

pub async fn next_sequence(
    conn: &impl ConnectionTrait,
    agency_code: &str,
    day_yymmdd: &str,
) -> Result<u32, StoreError> {
    let b = conn.get_database_backend();
    let sql = format!(
        "INSERT INTO dossier_counters (agency_code, day, last_seq) VALUES ({}, {}, 1) \
         ON CONFLICT (agency_code, day) DO UPDATE SET last_seq = dossier_counters.last_seq + 1 \
         RETURNING last_seq",
        ph(b, 1),
        ph(b, 2)
    );
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            b,
            sql,
            [
                Value::from(agency_code.to_owned()),
                Value::from(day_yymmdd.to_owned()),
            ],
        ))
        .await?
        .ok_or_else(|| StoreError::Corrupt("counter upsert returned no row".into()))?;
    let seq: i32 = row.try_get("", "last_seq")?;
    u32::try_from(seq).map_err(|_| StoreError::Corrupt(format!("negative sequence {seq}")))
}
