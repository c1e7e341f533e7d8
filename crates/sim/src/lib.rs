//! Simulators of external parties motcua depends on but cannot reach in development and demos.
//!
//! Each simulator speaks the real protocol of the party it replaces, so our client code in
//! `motcua-gateways` is the same code that would talk to the real service:
//!
//! - [`idp`]: the national identity provider (stand-in for VNeID), a real OpenID Connect provider;
//! - [`citizens`]: the fictional citizens it knows, living in real communes of the demo province;
//! - [`csc`]: a remote signing service (Cloud Signature Consortium API) holding citizens' keys;
//! - [`sms`]: a brandname SMS provider (eSMS-style HTTP API) whose "phones" are inbox pages;
//! - [`vnpay`]: the VNPAY payment gateway's sandbox (API 2.1.0): payment page, IPNs with operator
//!   switches, `querydr` and `refund`;
//! - [`npsp`]: the National Public Service Portal's dossier-sync service: checks each dossier's
//!   updates (in order, once each) and shows what it holds;
//! - [`registries`]: six national databases (population, civil status, residence, enterprise
//!   registration, land, insurance), JSON over HTTP with an operator switch (ok/down/slow),
//!   answering from one seeded world consistent with the demo citizens.

pub mod citizens;
pub mod csc;
pub mod idp;
pub mod npsp;
pub mod registries;
pub mod sms;
pub mod vnpay;
