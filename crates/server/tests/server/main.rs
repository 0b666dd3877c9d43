//! The server's integration tests: real servers over real HTTP, on SQLite files, and on
//! PostgreSQL when `cargo xtask test` runs them a second time.
//!
//! One test binary, one module per subject: each binary links the whole server, and as
//! 27 binaries they took about 7 GB of disk and most of the test build's time.

mod common;

mod allocation_errors;
mod api;
mod audit;
mod auth;
mod authorization;
mod console_files;
mod cors;
mod demo;
mod export;
mod groups;
mod hardening;
mod invitations;
mod kill9;
mod license_admin;
mod license_api;
mod mail_delivery;
mod member_changes;
mod members;
mod pools;
mod seat_races;
mod security;
mod several_servers;
mod simulate_client;
mod sync;
mod teams;
mod tls;
mod transactions;
