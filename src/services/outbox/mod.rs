//! The push outbox: a listing version sent to a marketplace's seller API is a job row, and a
//! worker sends it — durably and at most once per version.
//!
//! - One job per listing version: the idempotency key is the listing id and the SHA-256 of
//!   the version's JSON, unique in the table, so pushing the same version again returns the
//!   same job and never sends it twice after it succeeded.
//! - A worker claims a due job with a lease (a conditional update, so two app nodes never take
//!   the same job) and records the attempt **before** sending. If the process stops while the
//!   request is in flight, the attempt stays without an outcome and the lease runs out; the
//!   next worker then asks the marketplace whether the item exists (by SKU) before sending
//!   again, so a crash can neither lose the job nor create the item twice.
//! - A batch's EPCIS events are pushed to the traceability portal by the same worker, under the
//!   same rules (`portal.rs`, `portal_worker.rs`), kept per event hash ID so none is sent twice.
//! - Failures are retried with exponential backoff and jitter (a 429's `Retry-After` is
//!   honoured), up to [`MAX_ATTEMPTS`]; a refusal fails the job at once. Every attempt is a row.

mod accounts;
mod lease;
mod portal;
mod portal_worker;
mod queue;
mod reviews;
mod shared;
mod worker;

pub use accounts::set_account;
pub use lease::backoff;
pub use portal::{PortalPush, portal_pushes, push_batch};
pub use portal_worker::{DOCUMENT_BYTES, DOCUMENT_EVENTS};
pub use queue::{enqueue, latest_pushes, pushes, requeue_changed, retry};
pub use reviews::poll_reviews;
pub use shared::{LEASE, MAX_ATTEMPTS, Outbox, PortalConfig, Sent};
pub use worker::{claim, drain, finish, run, send};
