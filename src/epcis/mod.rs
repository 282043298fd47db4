//! GS1 EPCIS 2.0 with CBV 2.0 (issue 19): our records as events in the language of the supply
//! chain and of the national traceability portal (Circular 02/2024/TT-BKHCN, TCVN 12850).
//!
//! Pure code: the mapping of records to events (`event.rs`, `vocab.rs`), the CBV 2.0 event
//! hash ID (`hash.rs`) and the simple event query (`query.rs`). The index of events is
//! `services/epcis_index.rs`, reading it is `services/epcis.rs`, the routes `http/epcis.rs`;
//! the mapping, with an example per kind of record, is `docs/EPCIS.md`.

pub mod capture;
pub mod event;
pub mod hash;
pub mod query;
pub mod vocab;

/// Sent with every EPCIS answer (REST bindings, `GS1-EPCIS-Version`, `GS1-CBV-Version`).
pub const EPCIS_VERSION: &str = "2.0.0";
pub const CBV_VERSION: &str = "2.0.0";

/// Part of the index's basis: changing how records map to events changes their IDs, so the
/// index is rebuilt when this (or the public base URL) changes.
pub const MAPPING_VERSION: u32 = 1;
