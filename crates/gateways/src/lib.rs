//! Our clients of external parties.
//!
//! Each module speaks a real protocol to a real (or, in development, simulated — see `motcua-sim`)
//! counterpart, and turns what comes back into verified, typed facts for the application:
//!
//! - [`oidc`]: the OpenID Connect relying party for the national identity provider;
//! - [`csc`]: the client of a remote signing service (Cloud Signature Consortium API);
//! - [`connector`]: the client of the national and sector databases' connectors (population,
//!   civil status, …), with timeouts, retries, a circuit breaker and health metrics;
//! - [`mail`]: e-mail delivery, over SMTP or into a local mailbox directory;
//! - [`sms`]: SMS delivery through a brandname SMS provider (eSMS-style HTTP API);
//! - [`vnpay`]: online payment of fees through the VNPAY gateway (API 2.1.0): payment URLs,
//!   signed return/IPN callbacks, transaction queries and refunds;
//! - [`nats`]: dossier events published to a NATS JetStream stream, once per event id;
//! - [`npsp`]: the National Public Service Portal's dossier-sync service (each dossier's creation,
//!   steps and fee list, numbered so a retry is one change there);
//! - [`oauth`]: OAuth 2.0 client credentials, shared by the clients of services that use them;
//! - [`delivery`]: the outcome both message channels share (retry later, or give up).

pub mod connector;
pub mod csc;
pub mod delivery;
pub mod mail;
pub mod nats;
pub mod npsp;
pub mod oauth;
pub mod oidc;
pub mod sms;
pub mod vnpay;
