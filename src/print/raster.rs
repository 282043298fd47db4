//! Text and stars drawn into 1-bit images, for printers whose own fonts lack Vietnamese: a
//! Zebra printer's `^A0` shows ộ, ạ and ★ as empty boxes. Glyph outlines come from the
//! embedded Noto Sans (the PDF's font), are filled by `ab_glyph_rasterizer` and kept where at
//! least half a dot is covered; [`Bitmap::zpl`] writes the result as ZPL graphic data.

use ab_glyph_rasterizer::{Point, Rasterizer, point};
use ttf_parser::{Face, GlyphId, OutlineBuilder};

use super::PrintError;
use super::font::{BOLD, REGULAR};

/// A face of the embedded font, measured and drawn in printer dots.
pub struct Font {
    face: Face<'static>,
    units_per_em: f32,
    /// Which face, for [`Glyphs`]'s cache.
    id: u8,
}

impl Font {
    fn new(name: &str, data: &'static [u8], id: u8) -> Result<Self, PrintError> {
        let face = Face::parse(data, 0).map_err(|e| PrintError::Font(format!("{name}: {e}")))?;
        Ok(Self {
            units_per_em: f32::from(face.units_per_em()),
            face,
            id,
        })
    }

    pub fn regular() -> Result<Self, PrintError> {
        Self::new("NotoSans-Regular", REGULAR, 0)
    }

    pub fn bold() -> Result<Self, PrintError> {
        Self::new("NotoSans-Bold", BOLD, 1)
    }

    /// The glyph for a character, or `?`'s when the font lacks it.
    fn glyph(&self, c: char) -> GlyphId {
        self.face
            .glyph_index(c)
            .or_else(|| self.face.glyph_index('?'))
            .unwrap_or_default()
    }

    /// Width of `text` at `px` dots per em.
    pub fn width(&self, text: &str, px: f32) -> f32 {
        let units: f32 = text
            .chars()
            .map(|c| f32::from(self.face.glyph_hor_advance(self.glyph(c)).unwrap_or(0)))
            .sum();
        units * px / self.units_per_em
    }

    /// Height above the baseline that the font's tallest glyphs (Vietnamese capitals with two
    /// marks) reach, at `px` dots per em.
    pub fn ascent(&self, px: f32) -> f32 {
        f32::from(self.face.ascender()) * px / self.units_per_em
    }

    /// Depth below the baseline, at `px` dots per em (positive).
    pub fn descent(&self, px: f32) -> f32 {
        -f32::from(self.face.descender()) * px / self.units_per_em
    }
}

/// Feeds a glyph's outline, scaled and placed, to the rasterizer.
struct Pen<'a> {
    raster: &'a mut Rasterizer,
    scale: f32,
    x: f32,
    baseline: f32,
    /// The canvas's size: points are kept inside it, as the rasterizer requires (outside, its
    /// index arithmetic overflows). A glyph reaching past an edge is clipped there.
    width: f32,
    height: f32,
    start: Point,
    last: Point,
}

impl Pen<'_> {
    fn at(&self, x: f32, y: f32) -> Point {
        point(
            (self.x + x * self.scale).clamp(0.0, self.width),
            (self.baseline - y * self.scale).clamp(0.0, self.height),
        )
    }
}

impl OutlineBuilder for Pen<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.start = self.at(x, y);
        self.last = self.start;
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.at(x, y);
        self.raster.draw_line(self.last, p);
        self.last = p;
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let (c, p) = (self.at(x1, y1), self.at(x, y));
        self.raster.draw_quad(self.last, c, p);
        self.last = p;
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let (c1, c2, p) = (self.at(x1, y1), self.at(x2, y2), self.at(x, y));
        self.raster.draw_cubic(self.last, c1, c2, p);
        self.last = p;
    }
    fn close(&mut self) {
        if self.last != self.start {
            self.raster.draw_line(self.last, self.start);
        }
        self.last = self.start;
    }
}

/// A drawing surface of `width` × `height` dots.
pub struct Canvas {
    width: usize,
    height: usize,
    raster: Rasterizer,
}

impl Canvas {
    pub fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            raster: Rasterizer::new(width, height),
        }
    }

    /// Draws `text` from `x` on `baseline` at `px` dots per em; returns where it ends.
    pub fn text(&mut self, font: &Font, text: &str, x: f32, baseline: f32, px: f32) -> f32 {
        let scale = px / font.units_per_em;
        let mut x = x;
        for c in text.chars() {
            let glyph = font.glyph(c);
            let mut pen = Pen {
                raster: &mut self.raster,
                scale,
                x,
                baseline,
                width: self.width as f32,
                height: self.height as f32,
                start: point(0.0, 0.0),
                last: point(0.0, 0.0),
            };
            font.face.outline_glyph(glyph, &mut pen);
            x += f32::from(font.face.glyph_hor_advance(glyph).unwrap_or(0)) * scale;
        }
        x
    }

    /// A filled five-pointed star of outer radius `r` centred on (`cx`, `cy`), as the PDF
    /// draws it.
    pub fn star(&mut self, cx: f32, cy: f32, r: f32) {
        let inner = r * 0.382;
        let (w, h) = (self.width as f32, self.height as f32);
        let corners: Vec<Point> = (0u8..10)
            .map(|i| {
                let radius = if i % 2 == 0 { r } else { inner };
                let angle = std::f32::consts::PI * (f32::from(i) / 5.0 - 0.5);
                point(
                    (cx + radius * angle.cos()).clamp(0.0, w),
                    (cy + radius * angle.sin()).clamp(0.0, h),
                )
            })
            .collect();
        for (i, p) in corners.iter().enumerate() {
            self.raster.draw_line(*p, corners[(i + 1) % corners.len()]);
        }
    }

    /// The dots covered at least halfway.
    pub fn bitmap(self) -> Bitmap {
        let stride = self.width.div_ceil(8);
        let mut data = vec![0u8; stride * self.height];
        self.raster.for_each_pixel_2d(|x, y, coverage| {
            let (x, y) = (x as usize, y as usize);
            if coverage.abs() >= 0.5 && x < self.width && y < self.height {
                data[y * stride + x / 8] |= 0x80 >> (x % 8);
            }
        });
        Bitmap {
            width: self.width,
            height: self.height,
            stride,
            data,
        }
    }
}

/// One glyph drawn once at one size, to be stamped wherever it is needed: text that changes
/// on every label (serials, PINs) costs a copy per character instead of filling outlines.
struct GlyphBits {
    /// Where the image's top-left corner sits relative to the pen (x, baseline).
    left: i32,
    top: i32,
    image: Bitmap,
    advance: f32,
}

/// Glyphs drawn so far, by face, character and size.
#[derive(Default)]
pub struct Glyphs {
    cache: std::collections::HashMap<(u8, char, u32), GlyphBits>,
}

impl Glyphs {
    fn glyph(&mut self, font: &Font, c: char, px: f32) -> &GlyphBits {
        self.cache
            .entry((font.id, c, (px * 64.0) as u32))
            .or_insert_with(|| {
                let scale = px / font.units_per_em;
                let id = font.glyph(c);
                let advance = f32::from(font.face.glyph_hor_advance(id).unwrap_or(0)) * scale;
                let Some(bbox) = font.face.glyph_bounding_box(id) else {
                    // A space: nothing to draw.
                    return GlyphBits {
                        left: 0,
                        top: 0,
                        image: Bitmap::blank(1, 1),
                        advance,
                    };
                };
                let left = (f32::from(bbox.x_min) * scale).floor() as i32 - 1;
                let top = -((f32::from(bbox.y_max) * scale).ceil() as i32) - 1;
                let width = ((f32::from(bbox.x_max) * scale).ceil() as i32 - left + 2).max(1);
                let height = ((-f32::from(bbox.y_min) * scale).ceil() as i32 - top + 2).max(1);
                let mut canvas = Canvas::new(width as usize, height as usize);
                canvas.text(font, &c.to_string(), -left as f32, -top as f32, px);
                GlyphBits {
                    left,
                    top,
                    image: canvas.bitmap(),
                    advance,
                }
            })
    }

    /// Lines of text one under the other, `line_height` apart, the first baseline at
    /// `ascent`, in an image `width` dots wide. Glyphs sit on whole dots.
    pub fn lines(
        &mut self,
        font: &Font,
        lines: &[String],
        px: f32,
        width: usize,
        line_height: f32,
        ascent: f32,
    ) -> Bitmap {
        let height = (line_height * lines.len() as f32) as usize;
        let mut out = Bitmap::blank(width, height.max(1));
        for (i, line) in lines.iter().enumerate() {
            let baseline = (line_height * i as f32 + ascent).round() as i32;
            let mut x = 0.0f32;
            for c in line.chars() {
                let g = self.glyph(font, c, px);
                out.stamp(&g.image, x.round() as i32 + g.left, baseline + g.top);
                x += g.advance;
            }
        }
        out
    }
}

/// A 1-bit image, rows of `stride` bytes, most significant bit first, 1 = ink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    pub width: usize,
    pub height: usize,
    pub stride: usize,
    pub data: Vec<u8>,
}

/// CRC-16/XMODEM (polynomial 0x1021, initial 0), which ZPL's `:Z64:` data carries over its
/// base64 text.
fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &b in data {
        crc ^= u16::from(b) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

impl Bitmap {
    pub fn blank(width: usize, height: usize) -> Self {
        let stride = width.div_ceil(8);
        Self {
            width,
            height,
            stride,
            data: vec![0; stride * height],
        }
    }

    /// Adds `image`'s ink with its top-left corner at (`x`, `y`); what falls outside is cut.
    fn stamp(&mut self, image: &Bitmap, x: i32, y: i32) {
        for iy in 0..image.height {
            let Ok(ty) = usize::try_from(y + iy as i32) else {
                continue;
            };
            if ty >= self.height {
                break;
            }
            for ix in 0..image.width {
                if !image.is_ink(ix, iy) {
                    continue;
                }
                if let Ok(tx) = usize::try_from(x + ix as i32)
                    && tx < self.width
                {
                    self.data[ty * self.stride + tx / 8] |= 0x80 >> (tx % 8);
                }
            }
        }
    }

    pub fn is_ink(&self, x: usize, y: usize) -> bool {
        x < self.width
            && y < self.height
            && self.data[y * self.stride + x / 8] & (0x80 >> (x % 8)) != 0
    }

    /// The `^GFA` command that prints the image at the current field origin, its data
    /// zlib-compressed and base64-encoded (`:Z64:`, with its CRC), which Zebra printers read
    /// since firmware x.14: about a third of the size of ZPL's run-length hex.
    pub fn zpl(&self) -> String {
        let total = self.stride * self.height;
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&self.data, 9);
        let text = data_encoding::BASE64.encode(&packed);
        format!(
            "^GFA,{total},{total},{},:Z64:{text}:{:04x}",
            self.stride,
            crc16(text.as_bytes())
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `^GFA` Z64 data back, as a printer does, checking its CRC.
    fn expand(gfa: &str) -> (usize, Vec<u8>) {
        let parts: Vec<&str> = gfa.splitn(5, ',').collect();
        let stride: usize = parts[3].parse().unwrap();
        let z64: Vec<&str> = parts[4].split(':').collect();
        assert_eq!((z64[0], z64[1]), ("", "Z64"));
        assert_eq!(format!("{:04x}", crc16(z64[2].as_bytes())), z64[3]);
        let packed = data_encoding::BASE64.decode(z64[2].as_bytes()).unwrap();
        (
            stride,
            miniz_oxide::inflate::decompress_to_vec_zlib(&packed).unwrap(),
        )
    }

    #[test]
    fn vietnamese_text_and_stars_draw_ink_where_placed_and_nowhere_else() {
        let font = Font::bold().unwrap();
        let px = 28.0;
        let text = "Trà Shan tuyết Hà Giang ộạ";
        let width = font.width(text, px).ceil() as usize + 40;
        let mut c = Canvas::new(width, 40);
        let end = c.text(&font, text, 2.0, font.ascent(px), px);
        c.star(end + 15.0, 20.0, 10.0);
        let b = c.bitmap();
        let ink = (0..b.height)
            .flat_map(|y| (0..b.width).map(move |x| (x, y)))
            .filter(|&(x, y)| b.is_ink(x, y))
            .count();
        assert!(ink > 500, "{ink} dots of ink");
        // The star is there: its centre is ink, and a point outside its radius is not.
        assert!(b.is_ink((end + 15.0) as usize, 21) && !b.is_ink((end + 27.0) as usize, 8));
        // Nothing past the star.
        assert!((0..b.height).all(|y| !b.is_ink(width - 1, y)));
    }

    #[test]
    fn the_compressed_graphic_reads_back_to_the_same_bits() {
        let font = Font::regular().unwrap();
        let mut c = Canvas::new(150, 30);
        c.text(&font, "Lô/Lot CHE2026", 0.0, 22.0, 22.0);
        let b = c.bitmap();
        let gfa = b.zpl();
        assert!(gfa.starts_with(&format!("^GFA,{0},{0},{1},:Z64:", b.stride * 30, b.stride)));
        assert!(
            gfa.len() < b.data.len(),
            "compression pays: {} bytes",
            gfa.len()
        );
        assert_eq!(expand(&gfa), (b.stride, b.data.clone()));
        // CRC-16/XMODEM's check value.
        assert_eq!(crc16(b"123456789"), 0x31c3);
    }
}

#[cfg(test)]
mod edge_tests {
    use super::*;

    #[test]
    fn glyphs_reaching_past_the_canvas_edges_are_clipped_not_a_panic() {
        let fonts = [Font::regular().unwrap(), Font::bold().unwrap()];
        for font in &fonts {
            for c in "0123456789ABCDEFGHJKMNPQRSTVWXYZjJyÝỹặ/&…".chars() {
                for px in [9.0, 22.0, 37.5] {
                    let text = c.to_string();
                    let w = font.width(&text, px);
                    for x in [-5.0, 0.0, w / 2.0] {
                        let mut canvas = Canvas::new(w.ceil() as usize, px as usize);
                        canvas.text(font, &text, x, px * 0.5, px);
                        canvas.bitmap();
                    }
                }
            }
        }
    }
}
