//! Shared application state: cheap to clone, handed to every handler.

use std::sync::Arc;

use crate::db::Db;

use crate::ledger::note::LogKey;
use crate::metrics::Metrics;
use crate::services::diary_writer::DiaryWriter;
use crate::settings::Settings;

/// The state every handler gets: one pointer, so handing it to a handler or a middleware is an
/// atomic increment, not a copy of every field's handle (it is cloned several times a request).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }

    /// After a change to what a product's listings show (its text, certification, photos, a
    /// listing's price or stock): queues, in the background, an update of every listing of it
    /// that a marketplace already has and that is now stale.
    pub fn product_changed(&self, product_id: uuid::Uuid) {
        crate::services::outbox::requeue_changed(
            &self.outbox,
            &self.settings.public_base_url,
            product_id,
        );
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct Shared {
    pub db: Db,
    pub settings: Arc<Settings>,
    pub metrics: Arc<Metrics>,
    /// Signs checkpoints; its verifier key is published.
    pub log_key: LogKey,
    /// Derives and checks stamps' scratch PINs.
    pub pin_key: crate::stamps::pin::PinKey,
    /// Per-client limits on the public scan and PIN routes.
    pub limits: Arc<crate::http::limits::Limits>,
    /// Resolved stamps, valid while the ledger does not grow.
    pub resolve_cache: Arc<crate::services::resolve::ResolveCache>,
    /// Scan pages rendered but for their live parts, by resolution.
    pub scan_frames: Arc<crate::web::scan_frame::FrameCache>,
    /// Tiles of the log already served (they never change).
    pub tiles: crate::services::tile_cache::TileCache,
    /// Group-commits scans.
    pub scans: crate::services::scans::ScanWriter,
    /// Stored files: uploads, downloads, public images.
    pub blobs: crate::services::blobs::Blobs,
    /// Marketplace pushes.
    pub outbox: crate::services::outbox::Outbox,
    /// Every recorded fact as an EPCIS 2.0 event, indexed from the ledger.
    pub epcis: Arc<crate::services::epcis_index::EpcisIndex>,
    /// Group-commits diary appends.
    pub diary: DiaryWriter,
    /// Work a response leaves running after its last byte (a print file streamed to the
    /// client and then kept): shutdown waits for it, tests settle it.
    pub background: crate::services::in_flight::InFlight,
}
