//! Black-box tests: each starts the real app on port 0 over a temp-file database and speaks HTTP to it.

mod admin_access;
mod admin_effects;
mod admin_list;
mod admin_users;
mod bearer;
mod cli;
mod cli_sessions;
mod cors;
mod crash;
mod csrf;
mod flood;
mod fuzz;
mod headers;
mod helpers;
mod limits;
mod login;
mod password;
mod process;
mod refresh;
mod sessions;
mod shutdown;
mod storage;
mod sweep;
mod throttle;
mod tokens;
