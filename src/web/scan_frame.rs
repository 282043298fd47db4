//! A scan page in parts: the frame, which depends only on the resolved stamp and the language,
//! and the live parts of each scan (first scan, count, the copy warning, the PIN form).
//!
//! The frame is most of the page (the diary, certificates, origin) and most of its rendering
//! cost, so it is rendered once per resolution and language and kept ([`FrameCache`]); a scan
//! renders only its live parts into it. A resolution is a new `Arc` whenever the stamp's
//! records change (the resolver's cache is keyed by the ledger's size and the day), and a frame
//! is only used with the resolution it was rendered from.

use std::sync::Arc;

use askama::Template;
use dashmap::DashMap;

use super::scan_view::ScanPage;
use crate::i18n::{Lang, Texts};
use crate::services::resolve::{Resolved, Standing};
use crate::services::scans::{Live, Recent};

const LIVE_MARK: &str = "<!--live-->";
const PIN_MARK: &str = "<!--pin-->";

/// `templates/scan.html` rendered, cut where the live parts go.
pub struct Frame {
    head: String,
    middle: String,
    tail: String,
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
    pub fn render(r: &Resolved, lang: Lang, log_key: &str) -> Result<Self, askama::Error> {
        let html = ScanPage::build(r, lang, log_key).render()?;
        let cut = html.split_once(LIVE_MARK).and_then(|(head, rest)| {
            rest.split_once(PIN_MARK)
                .map(|(middle, tail)| (head, middle, tail))
        });
        let Some((head, middle, tail)) = cut else {
            return Err(askama::Error::Custom(
                "templates/scan.html lacks its live or pin mark".into(),
            ));
        };
        Ok(Self {
            head: head.to_owned(),
            middle: middle.to_owned(),
            tail: tail.to_owned(),
        })
    }

    /// The whole page for one scan.
    pub fn page(
        &self,
        r: &Resolved,
        live: &Live,
        recent: Option<&Recent>,
        lang: Lang,
        pin: Option<PinBox>,
    ) -> Result<String, askama::Error> {
        let part = LivePart {
            t: lang.t(),
            suspicious: recent.is_some_and(|x| x.suspicious) && r.standing == Standing::Genuine,
            first_scan: live.first_scanned_at.map(|d| lang.time(d)),
            scan_count: live.scan_count,
        };
        let mut out =
            String::with_capacity(self.head.len() + self.middle.len() + self.tail.len() + 1024);
        out.push_str(&self.head);
        part.render_into(&mut out)?;
        out.push_str(&self.middle);
        if let Some(pin) = pin {
            pin.render_into(&mut out)?;
        }
        out.push_str(&self.tail);
        Ok(out)
    }
}

/// Frames kept before the cache starts over (about 4 KB a language each).
const CACHE_LIMIT: usize = 5_000;

/// A stamp's frames in each language, for the resolution they were rendered from.
type Frames = (Arc<Resolved>, [Option<Arc<Frame>>; 2]);

/// Rendered frames by serial.
#[derive(Default)]
pub struct FrameCache {
    map: DashMap<String, Frames>,
}

fn slot(lang: Lang) -> usize {
    match lang {
        Lang::Vi => 0,
        Lang::En => 1,
    }
}

impl FrameCache {
    /// The frame of `r` in `lang`, rendered now if this resolution has none yet.
    pub fn frame(
        &self,
        r: &Arc<Resolved>,
        lang: Lang,
        log_key: &str,
    ) -> Result<Arc<Frame>, askama::Error> {
        let serial = r.serial.as_str();
        if let Some(entry) = self.map.get(serial)
            && Arc::ptr_eq(&entry.0, r)
            && let Some(frame) = &entry.1[slot(lang)]
        {
            return Ok(frame.clone());
        }
        let frame = Arc::new(Frame::render(r, lang, log_key)?);
        if self.map.len() >= CACHE_LIMIT {
            self.map.clear();
        }
        let mut entry = self
            .map
            .entry(serial.to_owned())
            .or_insert_with(|| (r.clone(), [None, None]));
        if !Arc::ptr_eq(&entry.0, r) {
            *entry = (r.clone(), [None, None]);
        }
        entry.1[slot(lang)] = Some(frame.clone());
        Ok(frame)
    }
}
