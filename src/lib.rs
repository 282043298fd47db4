//! ocop-trace: traceability and e-commerce service for Vietnamese OCOP products.
//!
//! A map of the crate (dependencies point down; see `docs/ARCHITECTURE.md`):
//!
//! - [`cli`] — the `ocop-trace` command: `serve` (default), `migrate`, `token`.
//! - [`startup`] — builds the state, binds the listener and serves; tests call it on port 0.
//! - [`http`] — axum routes, extractors, problem+json errors, OpenAPI and docs; thin handlers.
//! - [`services`] — use-cases, one transaction per write, access checks.
//! - [`auth`] — principals, roles, token and password hashing.
//! - [`domain`] — pure rules and parse-don't-validate identifiers (GTIN, lot, tax code,
//!   growing-area code, OCOP stars…); no I/O, no axum, no sea-orm.
//! - [`db`] — connections (SQLite WAL / PostgreSQL) and migrations (`migration/` crate);
//!   tables are the `entity/` crate.
//! - [`error`] — [`error::AppError`], the one error type.
//! - [`settings`], [`telemetry`], [`metrics`], [`state`] — plumbing.

pub mod auth;
pub mod cli;
pub mod db;
pub mod domain;
pub mod error;
pub mod heavy;
pub mod http;
pub mod i18n;
pub mod import;
pub mod key_file;
pub mod ledger;
pub mod log_key;
pub mod marketplace;
pub mod media;
pub mod metrics;
pub mod print;
pub mod secrets;
pub mod services;
pub mod settings;
pub mod stamps;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod urls;
pub mod web;
