//! Black-box tests: each starts the real app on port 0 over a temp-file database and speaks HTTP to it.

mod admin_access;
mod admin_effects;
mod admin_list;
mod admin_users;
mod bearer;
mod cli;
mod cli_sessions;
mod cors;
mod csrf;
mod headers;
mod helpers;
mod limits;
mod login;
mod password;
mod refresh;
mod sessions;
mod storage;
mod throttle;
mod tokens;
