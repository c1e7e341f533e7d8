//! form (placeholder, being written)
