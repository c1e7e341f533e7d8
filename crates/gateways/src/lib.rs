//! Our clients of external parties.
//!
//! Each module speaks a real protocol to a real (or, in development, simulated — see `motcua-sim`)
//! counterpart, and turns what comes back into verified, typed facts for the application:
//!
//! - [`oidc`]: the OpenID Connect relying party for the national identity provider;
//! - [`csc`]: the client of a remote signing service (Cloud Signature Consortium API).

pub mod csc;
pub mod oidc;
