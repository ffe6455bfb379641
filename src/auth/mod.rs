//! The rules of authentication: passwords, tokens, sessions, and who the caller is.

mod argon;
pub mod client;
pub mod extract;
pub mod hashing;
pub mod jwt;
pub mod login;
pub mod password;
pub mod sessions;
pub mod throttle;
