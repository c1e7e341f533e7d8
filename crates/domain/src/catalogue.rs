//! catalogue (placeholder, being written)
