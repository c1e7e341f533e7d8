//! motcua-gateways
