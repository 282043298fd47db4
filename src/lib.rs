//! ocop-trace: traceability and e-commerce service for Vietnamese OCOP products.
//!
//! A map of the crate, highest layer first (imports point down; the order is the `layers`
//! block of `docs/ARCHITECTURE.md`, enforced by `tests/api/layers.rs`):
//!
//! - [`cli`] — the `ocop-trace` command: `serve` (default), `migrate`, `token`, `onboard`,
//!   `invite`, `issue`, `print`, `verify`, `export`, `import`, `storage`, `keygen`.
//! - [`startup`] — builds the state, binds the listener and serves; tests call it on port 0.
//! - [`http`] — axum routes, extractors, problem+json errors, OpenAPI and docs; thin handlers;
//!   the producer console (`http::console`) and the resolver (`http::scan`). [`state`] is what
//!   handlers share.
//! - [`settings`] — defaults < file < environment < flags, composed of the settings types
//!   their modules declare.
//! - [`web`] — pages and JSON bodies as pure views (askama).
//! - [`import`] — spreadsheet rows checked into typed flags and written through services.
//! - [`services`] — use-cases, one transaction per write, access checks; `services::requests`
//!   holds what every front end sends, with its parse.
//! - [`marketplace`], [`storage`], [`media`], [`heavy`], [`metrics`], [`telemetry`], [`db`] —
//!   adapters and plumbing.
//! - [`print`], [`stamps`], [`ledger`], [`auth`], [`error`] (one error type, one enum of
//!   problem codes) — pure rules over bytes, hashes and identifiers.
//! - [`domain`], [`i18n`], [`urls`] — pure rules and parse-don't-validate identifiers (GTIN,
//!   lot, tax code, growing-area code, OCOP stars…), languages; no I/O, no axum, no sea-orm.

pub mod auth;
pub mod cli;
pub mod dataset;
pub mod db;
pub mod domain;
pub mod epcis;
pub mod error;
pub mod fetch;
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
pub mod quality;
pub mod secrets;
pub mod sensitive;
pub mod services;
pub mod settings;
pub mod stamps;
pub mod startup;
pub mod state;
pub mod storage;
pub mod telemetry;
pub mod urls;
pub mod web;
pub mod witness;
