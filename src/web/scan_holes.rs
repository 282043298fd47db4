//! What a scan page writes per scan, and where: the holes of a frame (web/scan_frame.rs) and
//! of its layouts (web/scan_layout.rs), and one scan's values for them.

/// Stand-ins for a scan's values in its live and PIN parts, rendered for a layout.
pub(super) const FIRST_MARK: &str = "\u{E000}f\u{E000}";
pub(super) const COUNT_MARK: &str = "\u{E000}n\u{E000}";
pub(super) const CLAIMED_MARK: &str = "\u{E000}c\u{E000}";

/// Where the page of one scan differs from its frame, or from its layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hole {
    /// The serial, grouped in fours (`ABCD EFGH …`).
    Serial,
    /// The serial's proof bundle, `/api/v1/stamps/{serial}/proof`.
    Proof,
    /// First scan, count and copy warning.
    Live,
    /// The PIN form.
    Pin,
    /// In the live part: the first scan's time.
    FirstScan,
    /// In the live part: how many scans.
    Count,
    /// In the PIN form: when the PIN was claimed.
    Claimed,
}

/// One scan's values as its page writes them, and its live and PIN parts rendered around
/// them: with the values in place for a page as it is, or with stand-ins for a gzip page
/// (the layout's key; web/scan_layout.rs).
pub struct Values {
    pub(super) serial: String,
    pub(super) proof: String,
    pub(super) first: String,
    pub(super) count: String,
    pub(super) claimed: String,
    pub live: String,
    pub pin: String,
    pub(super) gzip: bool,
}

impl Values {
    pub const COUNT: usize = 5;
    pub const MARKS: [(&'static str, Hole); 3] = [
        (FIRST_MARK, Hole::FirstScan),
        (COUNT_MARK, Hole::Count),
        (CLAIMED_MARK, Hole::Claimed),
    ];

    /// What goes in `hole`.
    pub fn get(&self, hole: Hole) -> &str {
        match hole {
            // A serial is Crockford base32: nothing in it needs escaping; nor in a time, a
            // count (digits) or a proof link (the serial's).
            Hole::Serial => &self.serial,
            Hole::Proof => &self.proof,
            Hole::Live => &self.live,
            Hole::Pin => &self.pin,
            Hole::FirstScan => &self.first,
            Hole::Count => &self.count,
            Hole::Claimed => &self.claimed,
        }
    }

    /// The values' lengths, in the order of [`Hole`]'s values.
    pub fn lens(&self) -> [usize; Self::COUNT] {
        [
            &self.serial,
            &self.proof,
            &self.first,
            &self.count,
            &self.claimed,
        ]
        .map(String::len)
    }
}

/// `text` cut at `marks`: text, then the mark's kind that followed it (none after the last).
pub fn cut<T: Copy>(text: &str, marks: &[(&str, T)]) -> Vec<(String, Option<T>)> {
    let mut pieces = Vec::new();
    let mut rest = text;
    loop {
        let next = marks
            .iter()
            .filter_map(|(mark, kind)| rest.find(mark).map(|at| (at, *mark, *kind)))
            .min_by_key(|(at, _, _)| *at);
        match next {
            Some((at, mark, kind)) => {
                pieces.push((rest[..at].to_owned(), Some(kind)));
                rest = &rest[at + mark.len()..];
            }
            None => {
                pieces.push((rest.to_owned(), None));
                return pieces;
            }
        }
    }
}
