//! A scan page in parts: the frame, which depends only on the stamp's lot, its standing and
//! the language, and what differs per stamp and per scan (the serial; first scan, count, the
//! copy warning, the PIN form).
//!
//! The frame is most of the page (the diary, certificates, origin) and most of its rendering
//! cost, so it is rendered once per lot, standing and language and kept ([`FrameCache`]): every
//! stamp of a batch shares it, and a scan renders only its holes. A lot is a new `Arc` whenever
//! a record its pages show changes (services/resolve_cache.rs), and a frame is only used with
//! the lot it was rendered from. Each frame also keeps its text compressed for the few kinds
//! of scan it serves (web/scan_layout.rs), so a page for a client that takes gzip is spliced
//! from it (web/gzip_pieces.rs) rather than compressed whole for every response. A lot's own
//! page (`/01/{gtin}/10/{lot}`), the same for every scan of it, is kept whole beside its
//! frames, as text and in gzip ([`LotPage`]).

use std::sync::Arc;

use askama::Template;

use super::gzip_pieces::{GzipPieces, deflate_pieces};
use super::scan_holes::{CLAIMED_MARK, COUNT_MARK, FIRST_MARK, Hole, Values, cut};
use super::scan_layout::Layouts;
use super::scan_view::ScanPage;
use crate::i18n::{Lang, Texts};
use crate::services::resolve::{Lot, Resolved, Standing};
use crate::services::scans::{Live, Recent};

const LIVE_MARK: &str = "<!--live-->";
const PIN_MARK: &str = "<!--pin-->";
/// Stand-ins for the stamp's serial while a lot's frame is rendered. Askama escapes none of
/// these characters (U+E000 is private use); a frame whose values themselves hold one is
/// not cut (see [`Frame::render`]).
const SERIAL_MARK: &str = "\u{E000}s\u{E000}";
const PROOF_MARK: &str = "\u{E000}p\u{E000}";
/// `templates/scan.html` rendered for a lot, a standing and a language, cut where each
/// stamp's serial and each scan's live parts go.
pub struct Frame {
    /// Text, then what follows it (none after the last piece).
    pieces: Vec<(String, Option<Hole>)>,
    /// Its text compressed per kind of scan, made as clients asking for gzip come (nearly
    /// every browser) and counted in the cache's bytes.
    layouts: Layouts,
}

/// What this scan tells.
#[derive(Template)]
#[template(path = "scan_live.html")]
struct LivePart<'a> {
    t: &'static Texts,
    suspicious: bool,
    first_now: bool,
    first_scan: Option<&'a str>,
    count: &'a str,
}

/// The PIN form, with what the last entry said.
#[derive(Template, Clone)]
#[template(path = "scan_pin.html")]
pub struct PinBox {
    t: &'static Texts,
    action: String,
    message: Option<&'static str>,
    tone: &'static str,
    claimed: Option<String>,
}

impl PinBox {
    /// The form for a genuine stamp that has a PIN; `message` is what the last entry said.
    pub fn of(
        r: &Resolved,
        live: &Live,
        lang: Lang,
        message: Option<&'static str>,
        tone: &'static str,
    ) -> Option<Self> {
        (r.stamp.pin_hash.is_some() && r.standing == Standing::Genuine).then(|| PinBox {
            t: lang.t(),
            action: format!("?lang={}", lang.code()),
            message,
            tone,
            claimed: live.claimed_at.map(|t| lang.time(t)),
        })
    }
}

impl Frame {
    /// The frame of `r`'s lot for stamps of `r`'s standing, with holes for the serial; if
    /// the lot's own values hold a stand-in, a frame for `r` alone (its serial written in).
    pub fn render(r: &Resolved, lang: Lang, log_key: &str) -> Result<Self, askama::Error> {
        let marked = ScanPage::build(r, lang, log_key, SERIAL_MARK, PROOF_MARK).render()?;
        let live = [(LIVE_MARK, Hole::Live), (PIN_MARK, Hole::Pin)];
        if marked.matches('\u{E000}').count() == 4 {
            let serial = [(SERIAL_MARK, Hole::Serial), (PROOF_MARK, Hole::Proof)];
            return Self::cut(&marked, &[live[0], live[1], serial[0], serial[1]]);
        }
        let serial = crate::print::grouped(r.serial.as_str());
        let proof = proof_url(r);
        Self::cut(
            &ScanPage::build(r, lang, log_key, &serial, &proof).render()?,
            &live,
        )
    }

    /// Cuts a rendered page at `marks`.
    fn cut(html: &str, marks: &[(&str, Hole)]) -> Result<Self, askama::Error> {
        let pieces = cut(html, marks);
        let holes = |h: Hole| pieces.iter().filter(|(_, x)| *x == Some(h)).count();
        if holes(Hole::Live) != 1 || holes(Hole::Pin) != 1 {
            return Err(askama::Error::Custom(
                "templates/scan.html lacks its live or pin mark".into(),
            ));
        }
        Ok(Self {
            pieces,
            layouts: Layouts::default(),
        })
    }

    fn len(&self) -> usize {
        self.pieces.iter().map(|(text, _)| text.len()).sum()
    }

    /// The bytes it holds: its text and its layouts.
    fn bytes(&self) -> usize {
        self.len() + self.layouts.bytes()
    }

    /// The page for one scan, as it is.
    fn plain(&self, values: &Values) -> String {
        let mut text =
            String::with_capacity(self.len() + values.live.len() + values.pin.len() + 64);
        for (piece, hole) in &self.pieces {
            text.push_str(piece);
            if let Some(hole) = hole {
                text.push_str(values.get(*hole));
            }
        }
        text
    }
}

// Made here, beside the live and PIN parts' templates (web/scan_holes.rs holds the rest).
impl Values {
    /// The values of a scan of `r`, for a page in gzip if `gzip`.
    pub fn new(
        r: &Resolved,
        live: &Live,
        recent: Option<&Recent>,
        lang: Lang,
        pin: Option<&PinBox>,
        gzip: bool,
    ) -> Result<Self, askama::Error> {
        let first = live.first_scanned_at.map(|d| lang.time(d));
        let count = live.scan_count.to_string();
        let claimed = pin.and_then(|p| p.claimed.clone());
        let part = LivePart {
            t: lang.t(),
            suspicious: recent.is_some_and(|x| x.suspicious) && r.standing == Standing::Genuine,
            first_now: live.scan_count <= 1,
            first_scan: first.as_deref().map(|f| if gzip { FIRST_MARK } else { f }),
            count: if gzip { COUNT_MARK } else { &count },
        };
        let live = part.render()?;
        let pin = match pin {
            Some(p) if gzip && p.claimed.is_some() => {
                let mut p = p.clone();
                p.claimed = Some(CLAIMED_MARK.to_owned());
                p.render()?
            }
            Some(p) => p.render()?,
            None => String::new(),
        };
        Ok(Self {
            serial: crate::print::grouped(r.serial.as_str()),
            proof: proof_url(r),
            first: first.unwrap_or_default(),
            count,
            claimed: claimed.unwrap_or_default(),
            live,
            pin,
            gzip,
        })
    }
}

fn proof_url(r: &Resolved) -> String {
    format!("/api/v1/stamps/{}/proof", r.serial.as_str())
}

/// A lot's own page (`/01/{gtin}/10/{lot}`) in one language: the text, and the same
/// compressed once (gzip at the best compression) rather than by the compression middleware for
/// every response. Every package of a lot may carry this one QR code, so it is the page a lot
/// that prints no stamps gets scanned on.
pub struct LotPage {
    pub html: bytes::Bytes,
    pub gzip: bytes::Bytes,
}

impl LotPage {
    fn render(lot: &Lot, lang: Lang) -> Result<Self, askama::Error> {
        let html = ScanPage::lot(lot, lang).render()?;
        // One piece with no value after it: the scan pages' gzip writer (web/gzip_pieces.rs).
        let deflated = deflate_pieces(&[(&html, 0)]).concat();
        let mut gzip = GzipPieces::new(deflated.len());
        gzip.piece(&html, &deflated);
        Ok(Self {
            gzip: gzip.finish().into(),
            html: html.into(),
        })
    }

    fn bytes(&self) -> usize {
        self.html.len() + self.gzip.len()
    }
}

/// A lot's frames by language and standing (two languages, three standings), and its own
/// pages by language, for the lot they were rendered from.
#[derive(Clone)]
struct Frames {
    lot: Arc<Lot>,
    frames: [Option<Arc<Frame>>; 6],
    lot_pages: [Option<Arc<LotPage>>; 2],
    /// The bytes the frames held when this entry was made: a frame gains layouts while it is
    /// kept, and the cache needs an entry's weight to stay what it was at its insertion.
    weight: u64,
}

impl Frames {
    fn empty(lot: Arc<Lot>) -> Self {
        Self {
            lot,
            frames: Default::default(),
            lot_pages: Default::default(),
            weight: 0,
        }
    }

    /// The entry, weighed now.
    fn weighed(mut self) -> Arc<Self> {
        let frames: usize = self.frames.iter().flatten().map(|f| f.bytes()).sum();
        let pages: usize = self.lot_pages.iter().flatten().map(|p| p.bytes()).sum();
        self.weight = (frames + pages + 256) as u64;
        Arc::new(self)
    }
}

/// Weighs a lot's frames by their bytes (text and layouts).
#[derive(Clone, Copy)]
struct ByBytes;

impl quick_cache::Weighter<uuid::Uuid, Arc<Frames>> for ByBytes {
    fn weight(&self, _: &uuid::Uuid, f: &Arc<Frames>) -> u64 {
        f.weight
    }
}

/// Rendered frames by batch: every stamp of a batch shares them. Holds about the bytes it is
/// given (S3-FIFO).
pub struct FrameCache {
    // Behind an `Arc`: a lookup on the hot path clones one pointer, not seven.
    map: quick_cache::sync::Cache<uuid::Uuid, Arc<Frames>, ByBytes>,
}

impl FrameCache {
    pub fn new(bytes: u64) -> Self {
        // A frame is about 4 KB of text, and 6 KB a layout (text and DEFLATE), of which it
        // has one to three.
        let items = usize::try_from(bytes / (12 << 10))
            .unwrap_or(usize::MAX)
            .max(16);
        Self {
            map: quick_cache::sync::Cache::with_weighter(items, bytes, ByBytes),
        }
    }

    /// About how many bytes the frames kept hold.
    pub fn bytes(&self) -> u64 {
        self.map.weight()
    }
}

fn lang_slot(lang: Lang) -> usize {
    match lang {
        Lang::Vi => 0,
        Lang::En => 1,
    }
}

fn slot(lang: Lang, standing: Standing) -> usize {
    let s = match standing {
        Standing::Genuine => 0,
        Standing::Void => 1,
        Standing::Recalled => 2,
    };
    lang_slot(lang) * 3 + s
}

impl FrameCache {
    /// The page of one scan of `r` in `lang` with `values` (as they are, or in gzip made from
    /// the frame's layout for them, web/scan_layout.rs).
    pub fn page(
        &self,
        r: &Resolved,
        lang: Lang,
        log_key: &str,
        values: &Values,
    ) -> Result<Vec<u8>, askama::Error> {
        let frame = self.frame(r, lang, log_key)?;
        if !values.gzip {
            return Ok(frame.plain(values).into_bytes());
        }
        let (page, kept) = frame.layouts.gzip(&frame.pieces, values);
        if kept && let Some(f) = self.kept(&r.lot) {
            // Weighed again, with the layout it now holds.
            self.keep(&r.lot, Some(f), |_| ());
        }
        Ok(page)
    }

    /// The page of `lot` itself in `lang`, rendered and compressed now if it has none yet.
    pub fn lot_page(&self, lot: &Arc<Lot>, lang: Lang) -> Result<Arc<LotPage>, askama::Error> {
        let at = lang_slot(lang);
        let kept = self.kept(lot);
        if let Some(page) = kept.as_ref().and_then(|f| f.lot_pages[at].clone()) {
            return Ok(page);
        }
        let page = Arc::new(LotPage::render(lot, lang)?);
        self.keep(lot, kept, |entry| entry.lot_pages[at] = Some(page.clone()));
        Ok(page)
    }

    /// The frame for `r` in `lang`, rendered now if its lot has none yet for its standing.
    fn frame(&self, r: &Resolved, lang: Lang, log_key: &str) -> Result<Arc<Frame>, askama::Error> {
        let at = slot(lang, r.standing);
        let kept = self.kept(&r.lot);
        if let Some(frame) = kept.as_ref().and_then(|f| f.frames[at].clone()) {
            return Ok(frame);
        }
        let frame = Arc::new(Frame::render(r, lang, log_key)?);
        if frame.pieces.iter().all(|(_, h)| *h != Some(Hole::Serial)) {
            // Written for this stamp alone: not shared.
            return Ok(frame);
        }
        self.keep(&r.lot, kept, |entry| entry.frames[at] = Some(frame.clone()));
        Ok(frame)
    }

    /// The entry of `lot`'s batch if it was made for this very lot (a lot is a new `Arc`
    /// whenever a record its pages show changes).
    fn kept(&self, lot: &Arc<Lot>) -> Option<Arc<Frames>> {
        self.map
            .get(&lot.batch.id)
            .filter(|f| Arc::ptr_eq(&f.lot, lot))
    }

    /// Keeps `kept` (or a new entry for `lot`) changed by `change`, weighed anew.
    fn keep(&self, lot: &Arc<Lot>, kept: Option<Arc<Frames>>, change: impl FnOnce(&mut Frames)) {
        let mut entry = kept.map_or_else(|| Frames::empty(lot.clone()), |f| (*f).clone());
        change(&mut entry);
        self.map.insert(lot.batch.id, entry.weighed());
    }
}
