//! motcua-app
