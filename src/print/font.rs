//! The label font, Noto Sans (SIL Open Font License, `assets/fonts/OFL.txt`), embedded in
//! the binary and subset into each PDF: only the glyphs a file uses go into it, so a sheet of
//! labels carries a few kilobytes of font instead of half a megabyte.
//!
//! Text is NFC, so Vietnamese letters with two marks (ậ, ở, ữ) map to the font's
//! precomposed glyphs and print with correct diacritics.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo};
use pdf_writer::{Chunk, Filter, Name, Rect, Ref, Str};
use subsetter::GlyphRemapper;

use super::PrintError;

pub static REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Regular.ttf");
pub static BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSans-Bold.ttf");

/// A font being used in one PDF: the glyphs used so far get new ids (the CIDs written in
/// content streams), and [`PdfFont::write`] embeds just those.
pub struct PdfFont {
    name: &'static str,
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    units_per_em: f32,
    remapper: GlyphRemapper,
    /// New glyph id → the text it stands for, for copy and search (ToUnicode).
    text_of: BTreeMap<u16, char>,
    /// New glyph id → advance width in thousandths of an em.
    widths: BTreeMap<u16, f32>,
}

/// The five objects of an embedded font.
#[derive(Debug, Clone, Copy)]
pub struct FontRefs {
    pub type0: Ref,
    pub cid: Ref,
    pub descriptor: Ref,
    pub file: Ref,
    pub to_unicode: Ref,
}

impl FontRefs {
    /// Five consecutive references from `first`.
    pub fn from(first: i32) -> Self {
        Self {
            type0: Ref::new(first),
            cid: Ref::new(first + 1),
            descriptor: Ref::new(first + 2),
            file: Ref::new(first + 3),
            to_unicode: Ref::new(first + 4),
        }
    }
}

impl PdfFont {
    pub fn new(name: &'static str, data: &'static [u8]) -> Result<Self, PrintError> {
        let face = ttf_parser::Face::parse(data, 0)
            .map_err(|e| PrintError::Font(format!("{name}: {e}")))?;
        Ok(Self {
            name,
            data,
            units_per_em: f32::from(face.units_per_em()),
            face,
            remapper: GlyphRemapper::new(),
            text_of: BTreeMap::new(),
            widths: BTreeMap::new(),
        })
    }

    pub fn regular() -> Result<Self, PrintError> {
        Self::new("NotoSans-Regular", REGULAR)
    }

    pub fn bold() -> Result<Self, PrintError> {
        Self::new("NotoSans-Bold", BOLD)
    }

    /// The glyph for a character, or `?`'s when the font lacks it.
    fn glyph(&self, c: char) -> (ttf_parser::GlyphId, char) {
        match self.face.glyph_index(c) {
            Some(g) => (g, c),
            None => (self.face.glyph_index('?').unwrap_or_default(), '?'),
        }
    }

    /// Width of `text` at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| f32::from(self.face.glyph_hor_advance(self.glyph(c).0).unwrap_or(0)))
            .sum();
        units * size / self.units_per_em
    }

    /// `text` as the two-byte CIDs a content stream shows, registering its glyphs.
    pub fn encode(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let (g, shown) = self.glyph(c);
            let cid = self.remapper.remap(g.0);
            if let std::collections::btree_map::Entry::Vacant(e) = self.widths.entry(cid) {
                let advance = f32::from(self.face.glyph_hor_advance(g).unwrap_or(0));
                e.insert(advance * 1000.0 / self.units_per_em);
                self.text_of.insert(cid, shown);
            }
            out.extend_from_slice(&cid.to_be_bytes());
        }
        out
    }

    /// Writes the font's objects (one chunk each, for the caller's cross-reference table).
    pub fn write(&self, refs: FontRefs) -> Result<Vec<Chunk>, PrintError> {
        let subset = subsetter::subset(self.data, 0, &self.remapper)
            .map_err(|e| PrintError::Font(format!("subsetting {}: {e}", self.name)))?;
        // A subset font's name starts with six capital letters that identify the subset.
        let tag: String = {
            let mut h: u32 = 2166136261;
            for g in self.remapper.remapped_gids() {
                h = (h ^ u32::from(g)).wrapping_mul(16777619);
            }
            (0..6)
                .map(|i| char::from(b'A' + ((h >> (i * 5)) % 26) as u8))
                .collect()
        };
        let base_font = format!("{tag}+{}", self.name);
        let system = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let scale = 1000.0 / self.units_per_em;
        let bbox = self.face.global_bounding_box();
        let mut chunks = Vec::with_capacity(5);

        let mut c = Chunk::new();
        c.type0_font(refs.type0)
            .base_font(Name(base_font.as_bytes()))
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(refs.cid)
            .to_unicode(refs.to_unicode);
        chunks.push(c);

        let mut c = Chunk::new();
        {
            let mut cid = c.cid_font(refs.cid);
            cid.subtype(CidFontType::Type2)
                .base_font(Name(base_font.as_bytes()))
                .system_info(system)
                .font_descriptor(refs.descriptor)
                .default_width(0.0)
                .cid_to_gid_map_predefined(Name(b"Identity"));
            let mut w = cid.widths();
            for (gid, width) in &self.widths {
                w.consecutive(*gid, [*width]);
            }
        }
        chunks.push(c);

        let mut c = Chunk::new();
        c.font_descriptor(refs.descriptor)
            .name(Name(base_font.as_bytes()))
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                f32::from(bbox.x_min) * scale,
                f32::from(bbox.y_min) * scale,
                f32::from(bbox.x_max) * scale,
                f32::from(bbox.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(self.face.ascender()) * scale)
            .descent(f32::from(self.face.descender()) * scale)
            .cap_height(f32::from(self.face.capital_height().unwrap_or(714)) * scale)
            .stem_v(80.0)
            .font_file2(refs.file);
        chunks.push(c);

        let mut c = Chunk::new();
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&subset, 6);
        c.stream(refs.file, &packed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), subset.len() as i32);
        chunks.push(c);

        let mut cmap = pdf_writer::types::UnicodeCmap::new(Name(b"Custom"), system);
        for (gid, ch) in &self.text_of {
            cmap.pair(*gid, *ch);
        }
        let cmap = cmap.finish();
        let mut c = Chunk::new();
        c.cmap(refs.to_unicode, cmap.as_slice()).system_info(system);
        chunks.push(c);
        Ok(chunks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_letters_have_glyphs_in_both_weights() {
        let text = "Mật ong hoa nhãn Mộc Châu – Đặc sản ưu tú ở Sơn La: ậ ở ữ ỹ ặ ẫ";
        for font in [PdfFont::regular().unwrap(), PdfFont::bold().unwrap()] {
            for c in text.chars() {
                assert!(
                    font.face.glyph_index(c).is_some(),
                    "{} lacks {c:?}",
                    font.name
                );
            }
        }
    }

    #[test]
    fn encoding_assigns_compact_ids_and_measures_widths() {
        let mut f = PdfFont::regular().unwrap();
        let a = f.encode("Mật");
        let b = f.encode("tậM");
        assert_eq!(a, [0, 1, 0, 2, 0, 3]);
        assert_eq!(b, [0, 3, 0, 2, 0, 1]);
        assert!(f.width("MMMM", 10.0) > f.width("iiii", 10.0));
        assert!((f.width("M", 20.0) - 2.0 * f.width("M", 10.0)).abs() < 1e-3);
        let chunks = f.write(FontRefs::from(3)).unwrap();
        let file_len: usize = chunks.iter().map(Chunk::len).sum();
        assert!(
            file_len < 20_000,
            "a three-glyph subset is small: {file_len}"
        );
    }
}
