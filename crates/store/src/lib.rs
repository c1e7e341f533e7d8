//! motcua-store
