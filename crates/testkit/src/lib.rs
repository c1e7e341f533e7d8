//! motcua-testkit
