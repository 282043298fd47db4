//! `labels.zpl`: one ZPL II label per stamp for Zebra-compatible thermal printers at 203 or
//! 300 dpi. The printer draws the QR code itself (`^BQN`, model 2), with a module of a whole
//! number of printer dots and never less than 0.4 mm: 4 dots (0.50 mm) at 203 dpi, 5 dots
//! (0.42 mm) at 300 dpi, larger when the label has room. Text is UTF-8 (`^CI28`); printers
//! need a Unicode font for Vietnamese diacritics (README).

use super::{Heading, Label, PrintError, Renderer, grouped};
use crate::domain::ParseError;
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
                "unsupported_dpi",
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
                    ParseError::new("out_of_range", format!("must be {min} to 200 mm, not {v}")),
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
        })
    }

    /// Module size in dots for a code of `modules` (quiet zone included): the largest whole
    /// number that fits 90 % of the label's height, but never below the 0.4 mm minimum.
    pub fn module_dots(&self, modules: usize) -> Result<u32, PrintError> {
        let height = (self.stock.height_mm * self.stock.dpi.dots_per_mm() * 0.9) as u32;
        let fit = (height / modules.max(1) as u32).min(10);
        let min = self.stock.dpi.min_module_dots();
        if fit < min {
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
        let big = ((h as f64) * 0.12).clamp(16.0, 60.0) as u32;
        let small = (f64::from(big) * 0.8) as u32;
        let ecc = match self.ecc {
            Ecc::M => 'M',
            Ecc::Q => 'Q',
        };
        let mut z = String::with_capacity(600);
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
        let mut y = (2.0 * dpm) as u32;
        let mut line = |z: &mut String, size: u32, lines: u32, text: &str| {
            z.push_str(&format!(
                "^FO{text_x},{y}^A0N,{size},{size}^FB{text_w},{lines},0,L^FH^FD{}^FS\n",
                field_data(text)
            ));
            y += size * lines + size / 5;
        };
        line(&mut z, big, 2, &self.heading.product);
        if let Some(stars) = self.heading.stars {
            line(
                &mut z,
                small,
                1,
                &format!("OCOP {}", "★".repeat(usize::from(stars))),
            );
        }
        line(&mut z, small, 1, &format!("Lô/Lot {}", self.heading.lot));
        line(&mut z, small, 1, &grouped(label.serial));
        if let Some(pin) = label.pin {
            line(&mut z, big, 1, &format!("PIN {}", grouped(pin)));
        }
        z.push_str("^XZ\n");
        Ok(z.into_bytes())
    }

    fn finish(&mut self) -> Result<Vec<u8>, PrintError> {
        Ok(Vec::new())
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
        assert_eq!(Dpi::parse(600).unwrap_err().code, "unsupported_dpi");
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
        assert!(out.contains("Trà Shan tuyết_5FHà Giang"), "{out}");
        assert!(
            out.contains("PIN 1234 5678") && out.ends_with("^XZ\n"),
            "{out}"
        );
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
