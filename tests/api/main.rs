//! The integration-test binary: boots the real app on 127.0.0.1:0 for each test, with its own
//! SQLite file, or its own fresh PostgreSQL database when `TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod accounts;
mod browser;
mod cli;
mod console;
mod console_batches;
mod console_import;
mod console_listings;
mod console_members;
mod epcis;
mod files;
mod helpers;
mod hostile;
mod layers;
mod ledger;
mod listings;
mod monitor;
mod operations;
mod outbox;
mod pagination;
mod pin;
mod portal;
mod print;
mod registry;
mod resolver;
mod scan;
mod scan_cache;
mod scan_journal;
mod stamps;
mod storage;
mod tiki;
mod tiles;
mod trace_codes;
mod validation;
mod verify_trials;
mod voids;
mod webdriver;
mod witness;
