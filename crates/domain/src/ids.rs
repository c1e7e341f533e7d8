//! ids (placeholder, being written)
