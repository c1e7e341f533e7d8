//! The documents motcua issues (SPEC §9): rendering administrative notices and results as PDF/A-2b
//! with a QR code, signing them (PAdES baseline B-B) with the issuing agency's key, and verifying
//! signed files against the deployment's certificate authority. No I/O, no database: callers pass
//! data and keys in and store what comes out.

pub mod qr;
pub mod render;

pub use render::{Block, Document, Footer, Letterhead, Meta, RenderError, SignatureBlock, render};
pub mod cades;
pub mod pades;
pub mod pki;
pub mod templates;
pub mod verify;
