//! Periodic work beside the requests: each task takes the parts of the app it needs (never the
//! whole state, so nothing here is reachable from a request's rules) and runs its blocking work on
//! the blocking lanes.

pub mod key_refresh;
pub mod sweeper;
