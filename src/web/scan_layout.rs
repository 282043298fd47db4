//! The gzip form of a scan page: a frame's text with one kind of scan's live and PIN parts
//! spliced in, compressed once, so that a response copies it and writes only the scan's
//! values (web/gzip_pieces.rs).
//!
//! What a scan shows besides the frame comes in a few kinds: a first scan; a later one, with
//! its first time and count; either with the copy warning; the PIN form with its message.
//! Each kind's text is the same for every stamp but for a few values (serial, proof link,
//! first time, count, claim time), so a [`Layout`] is kept per frame for each kind and each
//! set of value lengths seen (a handful), and the page is compressed as one text with the
//! values' places held (a piece may refer back to any fixed text before it). Compressed
//! apart around the live part, the pieces came out 17–31 % larger than the whole page
//! compressed; as one text, 4–8 % (bench/RESULTS.md, thirteenth step).

use std::sync::{Arc, PoisonError, RwLock};

use super::gzip_pieces::{GzipPieces, deflate_pieces};
use super::scan_holes::{Hole, Values, cut};

/// At most this many layouts a frame (the oldest replaced): a frame sees a handful.
const KEPT: usize = 16;

/// A frame's text for one kind of scan, cut where its values go, with its DEFLATE form.
pub struct Layout {
    /// The live and PIN parts it was made with (value stand-ins in place) and each value's
    /// length: a layout serves exactly the scans with the same.
    live: String,
    pin: String,
    lens: [usize; Values::COUNT],
    /// Text, then the value that follows it (none after the last piece).
    pieces: Vec<(String, Option<Hole>)>,
    deflated: Vec<Vec<u8>>,
}

impl Layout {
    /// `frame`'s pieces with the live and PIN parts of `values` (rendered with stand-ins)
    /// spliced in, compressed for `values`' lengths.
    pub fn new(frame: &[(String, Option<Hole>)], values: &Values) -> Self {
        let mut pieces = Vec::new();
        let mut text = String::new();
        for (piece, hole) in frame {
            text.push_str(piece);
            let part = match hole {
                Some(Hole::Live) => &values.live,
                Some(Hole::Pin) => &values.pin,
                Some(value) => {
                    pieces.push((std::mem::take(&mut text), Some(*value)));
                    continue;
                }
                None => continue,
            };
            for (fixed, value) in cut(part, &Values::MARKS) {
                text.push_str(&fixed);
                if value.is_some() {
                    pieces.push((std::mem::take(&mut text), value));
                }
            }
        }
        pieces.push((text, None));
        let lens: Vec<_> = pieces
            .iter()
            .map(|(text, hole)| (text.as_str(), hole.map_or(0, |h| values.get(h).len())))
            .collect();
        let deflated = deflate_pieces(&lens);
        Self {
            live: values.live.clone(),
            pin: values.pin.clone(),
            lens: values.lens(),
            pieces,
            deflated,
        }
    }

    fn serves(&self, values: &Values) -> bool {
        self.lens == values.lens() && self.live == values.live && self.pin == values.pin
    }

    /// The page for `values`, which it [serves](Self::serves), as one gzip member.
    fn gzip(&self, values: &Values) -> Vec<u8> {
        let mut gz = GzipPieces::new(self.deflated.iter().map(Vec::len).sum::<usize>() + 256);
        for ((text, hole), deflated) in self.pieces.iter().zip(&self.deflated) {
            gz.piece(text, deflated);
            if let Some(hole) = hole {
                gz.text(values.get(*hole));
            }
        }
        gz.finish()
    }

    /// The bytes it holds.
    pub fn bytes(&self) -> usize {
        let text: usize = self.pieces.iter().map(|(t, _)| t.len()).sum();
        let deflated: usize = self.deflated.iter().map(Vec::len).sum();
        text + deflated + self.live.len() + self.pin.len()
    }
}

/// A frame's layouts.
#[derive(Default)]
pub struct Layouts(RwLock<(Vec<Arc<Layout>>, usize)>);

impl Layouts {
    /// The page in gzip from the layout serving `values`, made from `frame` and kept if there
    /// was none; `true` with it when a layout was kept (the frame holds more bytes).
    pub fn gzip(&self, frame: &[(String, Option<Hole>)], values: &Values) -> (Vec<u8>, bool) {
        let found = {
            let kept = self.0.read().unwrap_or_else(PoisonError::into_inner);
            kept.0.iter().find(|l| l.serves(values)).cloned()
        };
        if let Some(layout) = found {
            return (layout.gzip(values), false);
        }
        let layout = Arc::new(Layout::new(frame, values));
        let page = layout.gzip(values);
        let mut kept = self.0.write().unwrap_or_else(PoisonError::into_inner);
        let (list, next) = &mut *kept;
        if list.iter().any(|l| l.serves(values)) {
            // Another request made the same one meanwhile.
            return (page, false);
        }
        if list.len() < KEPT {
            list.push(layout);
        } else {
            list[*next % KEPT] = layout;
            *next += 1;
        }
        (page, true)
    }

    pub fn bytes(&self) -> usize {
        let kept = self.0.read().unwrap_or_else(PoisonError::into_inner);
        kept.0.iter().map(|l| l.bytes()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::gzip_pieces::tests::gunzip;
    use crate::web::scan_holes::COUNT_MARK;

    fn values(serial: &str, count: &str, live: &str) -> Values {
        Values {
            serial: serial.to_owned(),
            proof: String::new(),
            first: String::new(),
            count: count.to_owned(),
            claimed: String::new(),
            live: live.to_owned(),
            pin: String::new(),
            gzip: true,
        }
    }

    #[test]
    fn a_layout_serves_the_scans_of_its_kind_and_lengths_and_a_frame_keeps_a_few() {
        let frame = vec![
            ("<p>Mật ong ".to_owned(), Some(Hole::Serial)),
            ("</p>".to_owned(), Some(Hole::Live)),
            ("<i>".to_owned(), Some(Hole::Pin)),
            ("</i><p>Mật ong</p>".to_owned(), None),
        ];
        let layouts = Layouts::default();
        let live = format!("<b>Lần {COUNT_MARK}</b>");
        let kept = || layouts.0.read().unwrap().0.len();
        for (serial, count) in [("AAAA", "7"), ("BBBB", "8")] {
            let (page, _) = layouts.gzip(&frame, &values(serial, count, &live));
            assert_eq!(
                gunzip(&page),
                format!("<p>Mật ong {serial}</p><b>Lần {count}</b><i></i><p>Mật ong</p>")
            );
        }
        assert_eq!(kept(), 1, "one layout for both");
        // Another live part, or a value of another length: another layout.
        layouts.gzip(&frame, &values("AAAA", "7", "<b>Lần đầu</b>"));
        assert_eq!(kept(), 2);
        for n in 2..40 {
            let count = "9".repeat(n);
            let (page, _) = layouts.gzip(&frame, &values("CCCC", &count, &live));
            assert!(gunzip(&page).contains(&format!("<b>Lần {count}</b>")));
        }
        assert_eq!(kept(), KEPT, "bounded");
    }
}
