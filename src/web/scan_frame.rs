//! A scan page in parts: the frame, which depends only on the stamp's lot, its standing and
//! the language, and what differs per stamp and per scan (the serial; first scan, count, the
//! copy warning, the PIN form).
//!
//! The frame is most of the page (the diary, certificates, origin) and most of its rendering
//! cost, so it is rendered once per lot, standing and language and kept ([`FrameCache`]): every
//! stamp of a batch shares it, and a scan renders only its holes. A lot is a new `Arc` whenever
//! a record its pages show changes (services/resolve_cache.rs), and a frame is only used with
//! the lot it was rendered from. Each frame also keeps its pieces compressed (raw DEFLATE),
//! so a page for a client that takes gzip is spliced from them (web/gzip_pieces.rs) rather
//! than compressed whole for every response.

use std::sync::Arc;

use askama::Template;

use super::gzip_pieces::{GzipPieces, deflate_piece};
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

/// Where the page of one scan differs from its frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hole {
    /// The serial, grouped in fours (`ABCD EFGH …`).
    Serial,
    /// The serial's proof bundle, `/api/v1/stamps/{serial}/proof`.
    Proof,
    /// First scan, count and copy warning.
    Live,
    /// The PIN form.
    Pin,
}

/// `templates/scan.html` rendered for a lot, a standing and a language, cut where each
/// stamp's serial and each scan's live parts go.
pub struct Frame {
    /// Text, then what follows it (none after the last piece).
    pieces: Vec<(String, Option<Hole>)>,
    /// Each piece's text as raw DEFLATE (web/gzip_pieces.rs): nearly every browser asks for
    /// gzip, so it is made with the frame and counted in the cache's bytes.
    deflated: Vec<Vec<u8>>,
}

/// What this scan tells.
#[derive(Template)]
#[template(path = "scan_live.html")]
struct LivePart {
    t: &'static Texts,
    suspicious: bool,
    first_scan: Option<String>,
    scan_count: i64,
}

/// The PIN form, with what the last entry said.
#[derive(Template)]
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
        let mut pieces = Vec::new();
        let mut rest = html;
        loop {
            let next = marks
                .iter()
                .filter_map(|(mark, hole)| rest.find(mark).map(|at| (at, *mark, *hole)))
                .min_by_key(|(at, _, _)| *at);
            match next {
                Some((at, mark, hole)) => {
                    pieces.push((rest[..at].to_owned(), Some(hole)));
                    rest = &rest[at + mark.len()..];
                }
                None => {
                    pieces.push((rest.to_owned(), None));
                    break;
                }
            }
        }
        let holes = |h: Hole| pieces.iter().filter(|(_, x)| *x == Some(h)).count();
        if holes(Hole::Live) != 1 || holes(Hole::Pin) != 1 {
            return Err(askama::Error::Custom(
                "templates/scan.html lacks its live or pin mark".into(),
            ));
        }
        let deflated = pieces.iter().map(|(text, _)| deflate_piece(text)).collect();
        Ok(Self { pieces, deflated })
    }

    fn len(&self) -> usize {
        self.pieces.iter().map(|(text, _)| text.len()).sum()
    }

    /// The bytes it holds: its text and the text's DEFLATE form.
    fn bytes(&self) -> usize {
        self.len() + self.deflated.iter().map(Vec::len).sum::<usize>()
    }

    /// The whole page for one scan, as it is or as a gzip member: the frame's pieces
    /// compressed once, the holes stored as they are (web/gzip_pieces.rs).
    pub fn page(
        &self,
        r: &Resolved,
        live: &Live,
        recent: Option<&Recent>,
        lang: Lang,
        pin: Option<PinBox>,
        gzip: bool,
    ) -> Result<Vec<u8>, askama::Error> {
        let part = LivePart {
            t: lang.t(),
            suspicious: recent.is_some_and(|x| x.suspicious) && r.standing == Standing::Genuine,
            first_scan: live.first_scanned_at.map(|d| lang.time(d)),
            scan_count: live.scan_count,
        };
        let mut text = String::with_capacity(if gzip { 0 } else { self.len() + 1024 });
        let mut gz =
            gzip.then(|| GzipPieces::new(self.deflated.iter().map(Vec::len).sum::<usize>() + 1024));
        let mut hole = String::new();
        for ((piece, kind), deflated) in self.pieces.iter().zip(&self.deflated) {
            hole.clear();
            match kind {
                // A serial is Crockford base32: nothing in it needs escaping.
                Some(Hole::Serial) => hole.push_str(&crate::print::grouped(r.serial.as_str())),
                Some(Hole::Proof) => hole.push_str(&proof_url(r)),
                Some(Hole::Live) => part.render_into(&mut hole)?,
                Some(Hole::Pin) => {
                    if let Some(pin) = &pin {
                        pin.render_into(&mut hole)?;
                    }
                }
                None => {}
            }
            match gz.as_mut() {
                Some(gz) => {
                    gz.piece(piece, deflated);
                    gz.text(&hole);
                }
                None => {
                    text.push_str(piece);
                    text.push_str(&hole);
                }
            }
        }
        Ok(gz.map_or_else(|| text.into_bytes(), GzipPieces::finish))
    }
}

fn proof_url(r: &Resolved) -> String {
    format!("/api/v1/stamps/{}/proof", r.serial.as_str())
}

/// A lot's frames by language and standing (two languages, three standings), for the lot they
/// were rendered from.
#[derive(Clone)]
struct Frames {
    lot: Arc<Lot>,
    frames: [Option<Arc<Frame>>; 6],
}

/// Weighs a lot's frames by their bytes (text and DEFLATE).
#[derive(Clone, Copy)]
struct ByBytes;

impl quick_cache::Weighter<uuid::Uuid, Arc<Frames>> for ByBytes {
    fn weight(&self, _: &uuid::Uuid, f: &Arc<Frames>) -> u64 {
        let held: usize = f.frames.iter().flatten().map(|f| f.bytes()).sum();
        (held + 256) as u64
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
        // A frame is about 4 KB of text and 2 KB of DEFLATE.
        let items = usize::try_from(bytes / (8 << 10))
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

fn slot(lang: Lang, standing: Standing) -> usize {
    let l = match lang {
        Lang::Vi => 0,
        Lang::En => 1,
    };
    let s = match standing {
        Standing::Genuine => 0,
        Standing::Void => 1,
        Standing::Recalled => 2,
    };
    l * 3 + s
}

impl FrameCache {
    /// The frame for `r` in `lang`, rendered now if its lot has none yet for its standing.
    pub fn frame(
        &self,
        r: &Resolved,
        lang: Lang,
        log_key: &str,
    ) -> Result<Arc<Frame>, askama::Error> {
        let batch = r.lot.batch.id;
        let at = slot(lang, r.standing);
        let kept = self.map.get(&batch).filter(|f| Arc::ptr_eq(&f.lot, &r.lot));
        if let Some(frame) = kept.as_ref().and_then(|f| f.frames[at].clone()) {
            return Ok(frame);
        }
        let frame = Arc::new(Frame::render(r, lang, log_key)?);
        if frame.pieces.iter().all(|(_, h)| *h != Some(Hole::Serial)) {
            // Written for this stamp alone: not shared.
            return Ok(frame);
        }
        let mut entry = kept.map_or_else(
            || Frames {
                lot: r.lot.clone(),
                frames: Default::default(),
            },
            |f| (*f).clone(),
        );
        entry.frames[at] = Some(frame.clone());
        self.map.insert(batch, Arc::new(entry));
        Ok(frame)
    }
}
