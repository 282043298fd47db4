//! sea-orm entities: one module per table, mirroring `migration/`.
//!
//! Entities are storage rows only. They never cross the HTTP boundary and hold enums as their
//! stored strings; the service layer turns them into domain types.

pub mod api_token;
pub mod batch;
pub mod batch_event;
pub mod blob;
pub mod checkpoint;
pub mod checkpoint_cosignature;
pub mod epcis_capture_job;
pub mod epcis_event;
pub mod epcis_index_state;
pub mod farm;
pub mod growing_area;
pub mod invitation;
pub mod ledger_entry;
pub mod ledger_head;
pub mod listing;
pub mod marketplace_account;
pub mod membership;
pub mod ocop_certification;
pub mod organization;
pub mod outbox_attempt;
pub mod outbox_job;
pub mod pin_attempt;
pub mod portal_delivery;
pub mod portal_push;
pub mod portal_push_attempt;
pub mod product;
pub mod scan;
pub mod scan_alert;
pub mod scan_day;
pub mod stamp;
pub mod stamp_run;
pub mod stamp_scan;
pub mod stamp_void;
pub mod trace_code;
pub mod user;
