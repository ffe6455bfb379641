//! The rules of authentication: passwords, tokens, sessions, and who the caller is.

mod argon;
pub mod client;
pub mod extract;
pub mod hashing;
pub mod jwt;
pub mod login;
pub mod mfa;
pub mod passkeys;
pub mod password;
pub mod password_change;
pub mod portal;
pub mod sessions;
pub mod signing;
pub mod throttle;
