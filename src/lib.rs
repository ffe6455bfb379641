//! latchkey: a single-binary authentication server. `main.rs` only parses the command line;
//! everything else is here so tests drive the real app.

pub mod access;
pub mod audit;
pub mod auth;
pub mod background;
pub mod blocking;
pub mod bootstrap;
pub mod cli;
pub mod clock;
pub mod config;
pub mod domain;
pub mod duration;
pub mod error;
pub mod http;
pub mod memory;
pub mod observe;
pub mod openapi;
pub mod portal;
pub mod routes;
pub mod secret;
pub mod startup;
pub mod state;
pub mod store;
