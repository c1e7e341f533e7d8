//! lifecycle (placeholder, being written)
