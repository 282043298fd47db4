//! Batches in the console: the list and the form that opens one ([`list`]), a batch's own
//! page ([`page`]), its diary form ([`diary`]), sealing, stamps and the portal push ([`stamps`]).

mod diary;
mod list;
mod page;
mod stamps;

pub(super) use diary::add_event;
pub(super) use list::{add_batch, batches_page};
pub(super) use page::batch_page;
pub(super) use stamps::{issue_stamps, push_to_portal, seal};
