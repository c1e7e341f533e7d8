//! text (placeholder, being written)
