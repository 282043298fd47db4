//! `labels.zpl`: one ZPL II label per stamp for Zebra-compatible thermal printers at 203 or
//! 300 dpi. The printer draws the QR code itself (`^BQN`, model 2), with a module of a whole
//! number of printer dots and never less than 0.4 mm: 4 dots (0.50 mm) at 203 dpi, 5 dots
//! (0.42 mm) at 300 dpi, larger when the label has room, and never more than half the width.
//!
//! Text is drawn here, not by the printer: a printer's resident fonts (`^A0`) show ộ, ạ and ★
//! as empty boxes, and their widths are unknown to us, so a long name ran over the lines below
//! it. Each text block is rasterised with the embedded Noto Sans ([`super::raster`]), fitted
//! and cut with an ellipsis exactly as the PDF does ([`super::layout`]), and sent as a graphic
//! field (`^GFA`, ASCII-compressed) at a position that no other block reaches. The run's
//! heading (name, stars, lot) is drawn once and repeated in every label, so that each label
//! stays self-contained (a job resent from the middle after a jam prints correctly).

use super::layout::{fit, wrap};
use super::raster::{Canvas, Font, Glyphs};
use super::{Heading, Label, PrintError, Renderer, grouped};
use crate::domain::ParseError;
use crate::domain::Reason;
use crate::stamps::qr::{Ecc, Encoder, Matrix, QUIET_ZONE, stamp_segments};

/// Smallest module printed, in mm.
pub const MIN_MODULE_MM: f64 = 0.4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dpi {
    D203,
    D300,
}

impl Dpi {
    pub fn parse(v: u32) -> Result<Self, ParseError> {
        match v {
            203 => Ok(Dpi::D203),
            300 => Ok(Dpi::D300),
            _ => Err(ParseError::new(
                Reason::UnsupportedDpi,
                format!("dpi is 203 or 300, not {v}"),
            )),
        }
    }

    pub fn dots_per_mm(self) -> f64 {
        match self {
            Dpi::D203 => 8.0,
            Dpi::D300 => 300.0 / 25.4,
        }
    }

    /// The smallest whole number of dots at least [`MIN_MODULE_MM`] wide.
    pub fn min_module_dots(self) -> u32 {
        (MIN_MODULE_MM * self.dots_per_mm()).ceil() as u32
    }
}

/// A thermal label's size.
#[derive(Debug, Clone, Copy)]
pub struct Stock {
    pub dpi: Dpi,
    pub width_mm: f64,
    pub height_mm: f64,
}

pub struct Zpl {
    stock: Stock,
    heading: Heading,
    ecc: Ecc,
    /// Modules across (quiet zone included) and the module size in dots: every stamp URI of a
    /// run has the same shape, so the first label decides them for all.
    geometry: Option<(usize, u32)>,
    /// The fonts and the run's heading block (its `^GFA` and height in dots), made for the
    /// first label.
    text: Option<Text>,
}

struct Text {
    regular: Font,
    bold: Font,
    glyphs: Glyphs,
    heading: String,
    heading_height: u32,
}

/// One line's height in dots at `px` dots per em: room for Vietnamese capitals with two
/// marks above and for descenders below.
fn line_height(font: &Font, px: f32) -> f32 {
    (font.ascent(px) + font.descent(px)).ceil()
}

/// `text` on as few lines as possible (up to `max_lines`), each time shrunk from `px` down to
/// `min_px` before taking another line; cut with an ellipsis only when even that fails. For
/// what must be read whole: the lot, the serial, the PIN.
fn fit_whole(
    font: &Font,
    text: &str,
    width: f32,
    px: f32,
    min_px: f32,
    max_lines: usize,
) -> (f32, Vec<String>) {
    let measure = |s: &str, size: f32| font.width(s, size);
    let mut last = (px, Vec::new());
    for lines in 1..=max_lines {
        let (size, fitted) = fit(text, width, lines, px, min_px, &measure);
        let (_, cut) = wrap(text, width, lines, &|s| measure(s, size));
        if !cut {
            return (size, fitted);
        }
        last = (size, fitted);
    }
    last
}

/// Lines of text drawn one under the other into a graphic `width` dots wide, from glyphs
/// drawn once per run.
fn block(
    glyphs: &mut Glyphs,
    font: &Font,
    lines: &[String],
    px: f32,
    width: usize,
) -> (String, u32) {
    let lh = line_height(font, px);
    let image = glyphs.lines(font, lines, px, width, lh, font.ascent(px));
    (image.zpl(), image.height as u32)
}

/// `^FD` data with `^FH` escapes for the characters ZPL gives a meaning to.
fn field_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '_' => out.push_str("_5F"),
            '^' => out.push_str("_5E"),
            '~' => out.push_str("_7E"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

impl Zpl {
    /// Checks the label's size; the error names the query parameter at fault.
    pub fn new(
        stock: Stock,
        heading: Heading,
        ecc: Ecc,
    ) -> Result<Self, (&'static str, ParseError)> {
        let range = |field: &'static str, v: f64, min: f64| {
            if v.is_finite() && (min..=200.0).contains(&v) {
                Ok(())
            } else {
                Err((
                    field,
                    ParseError::new(
                        Reason::OutOfRange,
                        format!("must be {min} to 200 mm, not {v}"),
                    ),
                ))
            }
        };
        range("width_mm", stock.width_mm, 20.0)?;
        range("height_mm", stock.height_mm, 15.0)?;
        Ok(Self {
            stock,
            heading,
            ecc,
            geometry: None,
            text: None,
        })
    }

    /// Module size in dots for a code of `modules` (quiet zone included): the largest whole
    /// number that fits 90 % of the label's height and half its width (the other half is the
    /// text's), but never below the 0.4 mm minimum, for which the code may take up to 60 % of
    /// the width.
    pub fn module_dots(&self, modules: usize) -> Result<u32, PrintError> {
        let dpm = self.stock.dpi.dots_per_mm();
        let n = modules.max(1) as u32;
        let height = (self.stock.height_mm * dpm * 0.9) as u32;
        let half = (self.stock.width_mm * dpm * 0.5) as u32;
        let wide = (self.stock.width_mm * dpm * 0.6) as u32;
        let min = self.stock.dpi.min_module_dots();
        let fit = (height / n).min(half / n).min(10).max(min);
        if fit * n > height || fit * n > wide {
            return Err(PrintError::Qr(crate::stamps::qr::QrError::Encode(format!(
                "a {modules}-module code at {min} dots per module does not fit a {} mm label",
                self.stock.height_mm
            ))));
        }
        Ok(fit)
    }
}

impl Renderer for Zpl {
    fn begin(&mut self) -> Result<Vec<u8>, PrintError> {
        Ok(Vec::new())
    }

    fn label(&mut self, label: &Label<'_>) -> Result<Vec<u8>, PrintError> {
        let dpm = self.stock.dpi.dots_per_mm();
        let (w, h) = (
            (self.stock.width_mm * dpm) as u32,
            (self.stock.height_mm * dpm) as u32,
        );
        let (modules, m) = match self.geometry {
            Some(g) => g,
            None => {
                let encoder = if stamp_segments(label.uri).is_some() {
                    Encoder::Bytes
                } else {
                    Encoder::Segmented
                };
                let modules = Matrix::encode_with(encoder, label.uri, self.ecc)?.size_with_border();
                let g = (modules, self.module_dots(modules)?);
                self.geometry = Some(g);
                g
            }
        };
        let side = m * modules as u32;
        let quiet = m * QUIET_ZONE as u32;
        let qr_x = (2.0 * dpm) as u32;
        let qr_y = h.saturating_sub(side) / 2;
        let text_x = qr_x + side;
        let text_w = w.saturating_sub(text_x + (2.0 * dpm) as u32).max(1);
        let margin = (2.0 * dpm) as u32;
        // Two name lines, stars, lot, serial and PIN at about 1.36 em each fill the height.
        let big = (f64::from(h.saturating_sub(2 * margin)) / 7.6).clamp(14.0, 60.0) as f32;
        let small = big * 0.8;
        let ecc = match self.ecc {
            Ecc::M => 'M',
            Ecc::Q => 'Q',
        };
        let mut z = String::with_capacity(4096);
        z.push_str(&format!("^XA\n^CI28\n^PW{w}\n^LL{h}\n^LH0,0\n"));
        // ^BQ draws from the field origin with no quiet zone of its own. A stamp URI (nothing
        // in it that ^FH escapes) is given in manual byte mode (`M,B` and its length), so the
        // printer builds exactly the version computed here: ZPL's manual mode takes one
        // segment, so the code is one version larger than the PDF's two-segment one (37
        // modules instead of 33 for a 74-character URI). Anything else goes in automatic mode.
        let data = if stamp_segments(label.uri).is_some() {
            format!("{ecc}M,B{:04}{}", label.uri.len(), label.uri)
        } else {
            format!("{ecc}A,{}", field_data(label.uri))
        };
        z.push_str(&format!(
            "^FO{},{}^BQN,2,{m}^FH^FD{data}^FS\n",
            qr_x + quiet,
            qr_y + quiet
        ));
        if self.text.is_none() {
            self.text = Some(self.heading_block(text_w as usize, big, small)?);
        }
        let t = self
            .text
            .as_mut()
            .ok_or(PrintError::Font("no fonts".into()))?;
        let mut y = margin;
        z.push_str(&format!("^FO{text_x},{y}{}^FS\n", t.heading));
        y += t.heading_height;
        let mut field = |z: &mut String, glyphs: &mut Glyphs, font: &Font, px: f32, text: &str| {
            let (px, lines) = fit_whole(font, text, text_w as f32, px, px * 0.6, 2);
            let (gfa, height) = block(glyphs, font, &lines, px, text_w as usize);
            z.push_str(&format!("^FO{text_x},{y}{gfa}^FS\n"));
            y += height;
        };
        field(
            &mut z,
            &mut t.glyphs,
            &t.regular,
            small,
            &grouped(label.serial),
        );
        if let Some(pin) = label.pin {
            field(
                &mut z,
                &mut t.glyphs,
                &t.bold,
                big,
                &format!("PIN {}", grouped(pin)),
            );
        }
        z.push_str("^XZ\n");
        Ok(z.into_bytes())
    }

    fn finish(&mut self) -> Result<Vec<u8>, PrintError> {
        Ok(Vec::new())
    }
}

impl Zpl {
    /// The run's heading, `width` dots wide: the name in bold on up to two lines (shrunk to
    /// 70 % before it is cut with an ellipsis), the OCOP stars, and the lot.
    fn heading_block(&self, width: usize, big: f32, small: f32) -> Result<Text, PrintError> {
        let (regular, bold) = (Font::regular()?, Font::bold()?);
        let w = width as f32;
        let (name_px, name) = fit(&self.heading.product, w, 2, big, big * 0.7, &|s, px| {
            bold.width(s, px)
        });
        let (lot_px, lot) = fit_whole(
            &regular,
            &format!("Lô/Lot {}", self.heading.lot),
            w,
            small,
            small * 0.6,
            2,
        );
        let (name_h, small_h, lot_h) = (
            line_height(&bold, name_px),
            line_height(&regular, small),
            line_height(&regular, lot_px),
        );
        let stars_h = if self.heading.stars.is_some() {
            small_h
        } else {
            0.0
        };
        let rows = name.len() as f32 * name_h + stars_h + lot.len() as f32 * lot_h;
        let mut c = Canvas::new(width, rows as usize);
        let mut top = 0.0;
        for line in &name {
            c.text(&bold, line, 0.0, top + bold.ascent(name_px), name_px);
            top += name_h;
        }
        if let Some(stars) = self.heading.stars {
            let baseline = top + regular.ascent(small);
            let end = c.text(&regular, "OCOP ", 0.0, baseline, small);
            let r = small * 0.4;
            for i in 0..stars {
                let cx = end + r + f32::from(i) * r * 2.2;
                if cx + r <= w {
                    c.star(cx, baseline - small * 0.35, r);
                }
            }
            top += small_h;
        }
        for line in &lot {
            c.text(&regular, line, 0.0, top + regular.ascent(lot_px), lot_px);
            top += lot_h;
        }
        Ok(Text {
            heading: c.bitmap().zpl(),
            heading_height: rows as u32,
            regular,
            bold,
            glyphs: Glyphs::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heading() -> Heading {
        Heading {
            product: "Trà Shan tuyết_Hà Giang".into(),
            lot: "T26".into(),
            gtin: None,
            stars: None,
        }
    }

    #[test]
    fn long_vietnamese_names_fit_every_stock_without_a_panic() {
        let long = Heading {
            product: "Mật ong hoa cà phê Cư M'gar nguyên chất thượng hạng đặc biệt".into(),
            lot: "MO-26/B&C".into(),
            gtin: None,
            stars: Some(5),
        };
        for (dpi, width_mm, height_mm) in [
            (Dpi::D203, 50.0, 30.0),
            (Dpi::D300, 60.0, 40.0),
            (Dpi::D203, 20.0, 15.0),
            (Dpi::D300, 200.0, 200.0),
        ] {
            let stock = Stock {
                dpi,
                width_mm,
                height_mm,
            };
            let Ok(mut z) = Zpl::new(stock, long.clone(), Ecc::M) else {
                panic!("{dpi:?} {width_mm}x{height_mm}");
            };
            let label = Label {
                serial: "0123456789ABCDEF",
                index_in_batch: 0,
                uri: "http://127.0.0.1:40000/01/08934588012228/10/MO-26%2FB%26C/21/0123456789ABCDEF",
                pin: Some("12345678"),
            };
            // A label too small for the code is refused with an error, never a panic.
            if let Ok(out) = z.label(&label) {
                let out = String::from_utf8(out).unwrap();
                assert_eq!(out.matches("^GFA").count(), 3, "{out}");
            }
        }
    }

    #[test]
    fn modules_are_whole_dots_of_at_least_0_4_mm() {
        assert_eq!(Dpi::D203.min_module_dots(), 4);
        assert_eq!(Dpi::D300.min_module_dots(), 5);
        for dpi in [Dpi::D203, Dpi::D300] {
            let min_mm = f64::from(dpi.min_module_dots()) / dpi.dots_per_mm();
            assert!(min_mm >= MIN_MODULE_MM, "{dpi:?}: {min_mm}");
            let z = Zpl::new(
                Stock {
                    dpi,
                    width_mm: 50.0,
                    height_mm: 30.0,
                },
                heading(),
                Ecc::M,
            )
            .unwrap();
            let m = z.module_dots(41).unwrap();
            assert!(m >= dpi.min_module_dots());
            assert!(f64::from(m * 41) <= 30.0 * dpi.dots_per_mm());
        }
        let tiny = Zpl::new(
            Stock {
                dpi: Dpi::D203,
                width_mm: 30.0,
                height_mm: 15.0,
            },
            heading(),
            Ecc::M,
        )
        .unwrap();
        assert!(
            tiny.module_dots(41).is_err(),
            "15 mm cannot hold 41 modules of 0.5 mm"
        );
        assert_eq!(Dpi::parse(600).unwrap_err().code, Reason::UnsupportedDpi);
    }

    #[test]
    fn a_label_holds_the_uri_and_escapes_field_data() {
        let mut z = Zpl::new(
            Stock {
                dpi: Dpi::D300,
                width_mm: 60.0,
                height_mm: 40.0,
            },
            heading(),
            Ecc::Q,
        )
        .unwrap();
        let uri = "https://T.VN/S/0123456789ABCDEF";
        let out = String::from_utf8(
            z.label(&Label {
                serial: "0123456789ABCDEF",
                index_in_batch: 0,
                uri,
                pin: Some("12345678"),
            })
            .unwrap(),
        )
        .unwrap();
        assert!(out.starts_with("^XA\n^CI28\n"), "{out}");
        assert!(out.contains(&format!("^FH^FDQM,B0031{uri}^FS")), "{out}");
        // The text is drawn here: the heading, the serial and the PIN as three graphics, and
        // nothing left to the printer's fonts.
        assert_eq!(out.matches("^GFA,").count(), 3, "{out}");
        assert!(!out.contains("^A0") && !out.contains("Trà"), "{out}");
        assert!(out.ends_with("^XZ\n"), "{out}");
    }

    #[test]
    fn other_data_goes_in_automatic_mode_with_escapes() {
        let stock = Stock {
            dpi: Dpi::D203,
            width_mm: 60.0,
            height_mm: 40.0,
        };
        let mut z = Zpl::new(stock, heading(), Ecc::M).unwrap();
        let uri = "https://t.vn/01/08934588012228/10/a_b/21/0123456789ABCDEF";
        let label = Label {
            serial: "0123456789ABCDEF",
            index_in_batch: 0,
            uri,
            pin: None,
        };
        let out = String::from_utf8(z.label(&label).unwrap()).unwrap();
        assert!(
            out.contains("^FH^FDMA,https://t.vn/01/08934588012228/10/a_5Fb/21/0123456789ABCDEF^FS"),
            "{out}"
        );
    }
}
