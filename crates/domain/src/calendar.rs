//! calendar (placeholder, being written)
