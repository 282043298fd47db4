//! Batches in the console: the list and the form that opens one ([`list`]), a batch's own
//! page ([`page`]), its diary form ([`diary`]), sealing and stamps ([`stamps`]), trace codes and the portal push ([`share`]).

mod diary;
mod list;
mod page;
mod share;
mod stamps;

pub(super) use diary::add_event;
pub(super) use list::{add_batch, batches_page};
pub(super) use page::batch_page;
pub(super) use share::{push_to_portal, set_trace_code};
pub(super) use stamps::{issue_stamps, seal};
