//! Walking a batch's hash chain: diary events and stamp runs, each a link from the head it
//! extended to the head it left.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use entity::{batch_event, stamp_run};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppError;

pub enum Link {
    Event(batch_event::Model),
    Run(stamp_run::Model),
}

impl Link {
    pub fn prev(&self) -> &[u8] {
        match self {
            Link::Event(e) => &e.prev_hash,
            Link::Run(r) => &r.prev_head,
        }
    }

    pub fn next(&self) -> &[u8] {
        match self {
            Link::Event(e) => &e.hash,
            Link::Run(r) => &r.last_hash,
        }
    }

    /// (table, id) for reports.
    pub fn name(&self) -> (&'static str, Uuid) {
        match self {
            Link::Event(e) => ("batch_events", e.id),
            Link::Run(r) => ("stamp_runs", r.id),
        }
    }
}

/// A batch's links in chain order, and what could not be placed on the chain.
pub struct Walk {
    pub links: Vec<Link>,
    /// Links that extend the same head as another link (a fork).
    pub forks: Vec<Link>,
    /// Links not reachable from the genesis.
    pub orphans: Vec<Link>,
    /// The head the walk ended at.
    pub end: Vec<u8>,
}

pub async fn walk<C: ConnectionTrait>(
    conn: &C,
    batch_id: Uuid,
    genesis: &[u8],
) -> Result<Walk, AppError> {
    let events = batch_event::Entity::find()
        .filter(batch_event::Column::BatchId.eq(batch_id))
        .all(conn)
        .await?;
    let runs = stamp_run::Entity::find()
        .filter(stamp_run::Column::BatchId.eq(batch_id))
        .all(conn)
        .await?;
    let mut by_prev: HashMap<Vec<u8>, Link> = HashMap::with_capacity(events.len() + runs.len());
    let mut forks = Vec::new();
    for link in events
        .into_iter()
        .map(Link::Event)
        .chain(runs.into_iter().map(Link::Run))
    {
        let key = link.prev().to_vec();
        match by_prev.entry(key) {
            Entry::Occupied(_) => forks.push(link),
            Entry::Vacant(v) => {
                v.insert(link);
            }
        }
    }
    let mut links = Vec::with_capacity(by_prev.len());
    let mut cursor = genesis.to_vec();
    while let Some(link) = by_prev.remove(&cursor) {
        cursor = link.next().to_vec();
        links.push(link);
    }
    Ok(Walk {
        links,
        forks,
        orphans: by_prev.into_values().collect(),
        end: cursor,
    })
}
