//! motcua-sim
