//! Pure business rules of motcua: no I/O, no async, no database or HTTP types.
//!
//! Everything here is deterministic given its inputs (the clock is passed in), so the same code decides
//! for the portal, the counter, the API and the tests.

pub mod assistant;
pub mod calendar;
pub mod catalogue;
pub mod consent;
pub mod feedback;
pub mod fees;
pub mod form;
pub mod group;
pub mod ids;
pub mod indicators;
pub mod lifecycle;
pub mod national;
pub mod national_portal;
pub mod notice;
pub mod opening_hours;
pub mod payment;
pub mod personal_id;
pub mod rollup;
pub mod search;
pub mod text;
pub mod workflow;
