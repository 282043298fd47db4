//! QR codes for stamps: the module matrix, a compact SVG and a 1-bit PNG.
//!
//! A stamp URI is `https://` followed by upper-case letters, digits and `/.:-%` — a scheme in
//! lower case, because scanners and GS1's own Digital Link toolkit refuse `HTTPS://`, and the
//! rest in QR's alphanumeric set, which packs 2 characters in 11 bits instead of 16. Encoded
//! as two segments, a byte segment for the scheme and an alphanumeric one for the rest, a
//! 74-character URI fits version 4 (33×33 modules) at level M; in byte mode alone it needs
//! version 5 (37×37), so each module on a label would be 11 % smaller.
//!
//! Two encoders, measured side by side in `benches/qr.rs` (figures in bench/RESULTS.md):
//! `qrcodegen` (Project Nayuki's reference implementation) builds the two-segment matrix about
//! 3× faster than `qrcode`; `qrcode` finds optimal numeric/alphanumeric/byte segments for any
//! data. Stamp URIs go to `qrcodegen`; anything else (a lower-case or percent-encoded lot code,
//! say) goes to `qrcode`, which keeps the code as small as possible. Tests decode both with
//! two independent decoders.
//!
//! Both images include the 4-module quiet zone that ISO/IEC 18004 requires around a code,
//! because a label's edge or a neighbouring label printed too close makes phones fail to read
//! it. Error correction is level M by default (15 % of the code may be damaged); Q (25 %)
//! suits labels that rub against each other.

use std::fmt::Write;

use qrcode::{Color, EcLevel, QrCode};

use crate::domain::ParseError;
use crate::domain::Reason;

/// Error-correction level offered for stamps.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
pub enum Ecc {
    #[serde(alias = "m")]
    M,
    #[serde(alias = "q")]
    Q,
}

impl std::fmt::Display for Ecc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Ecc::M => "M",
            Ecc::Q => "Q",
        })
    }
}

/// Modules of white border on each side.
pub const QUIET_ZONE: usize = 4;
/// Largest module size in pixels for PNGs (a 37×37 code at 40 px is 1,800 px wide).
pub const MAX_MODULE_PX: u32 = 40;

#[derive(Debug, thiserror::Error)]
pub enum QrError {
    #[error("the data does not fit in a QR code: {0}")]
    Encode(String),
    #[error("writing the PNG: {0}")]
    Png(String),
}

/// Which QR encoder builds a matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoder {
    /// `qrcodegen`: a byte segment for a leading lower-case run (`https`), an alphanumeric
    /// segment for the rest, which must be in QR's alphanumeric set.
    Stamp,
    /// `qrcode`: optimal segments for any data.
    Segmented,
    /// `qrcodegen`: the whole data as one byte segment, as a ZPL printer given `M,B` builds it.
    Bytes,
}

/// Splits a stamp URI into its lower-case scheme and the alphanumeric rest (`"https"`,
/// `"://HOST/01/…"`), or `None` when the data is not of that shape.
pub fn stamp_segments(data: &str) -> Option<(&str, &str)> {
    let split = data.find(|c: char| !c.is_ascii_lowercase())?;
    let (scheme, rest) = data.split_at(split);
    (!scheme.is_empty() && rest.starts_with("://") && is_alphanumeric(rest))
        .then_some((scheme, rest))
}

/// Characters of QR's alphanumeric mode.
pub fn is_alphanumeric(data: &str) -> bool {
    data.bytes()
        .all(|c| matches!(c, b'0'..=b'9' | b'A'..=b'Z' | b' ' | b'$' | b'%' | b'*' | b'+' | b'-' | b'.' | b'/' | b':'))
}

/// A square matrix of dark (true) and light modules, without the quiet zone.
pub struct Matrix {
    pub width: usize,
    pub dark: Vec<bool>,
}

impl Matrix {
    /// Encodes with the encoder that suits the data (see the module docs).
    pub fn encode(data: &str, ecc: Ecc) -> Result<Self, QrError> {
        let encoder = if stamp_segments(data).is_some() {
            Encoder::Stamp
        } else {
            Encoder::Segmented
        };
        Self::encode_with(encoder, data, ecc)
    }

    pub fn encode_with(encoder: Encoder, data: &str, ecc: Ecc) -> Result<Self, QrError> {
        match encoder {
            Encoder::Stamp => Self::encode_stamp(data, ecc),
            Encoder::Bytes => Self::encode_bytes(data, ecc),
            Encoder::Segmented => Self::encode_segmented(data, ecc),
        }
    }

    fn encode_stamp(data: &str, ecc: Ecc) -> Result<Self, QrError> {
        let (scheme, rest) = stamp_segments(data).ok_or_else(|| {
            QrError::Encode("not a lower-case scheme followed by alphanumeric data".into())
        })?;
        Self::encode_qrcodegen(
            &[
                qrcodegen::QrSegment::make_bytes(scheme.as_bytes()),
                qrcodegen::QrSegment::make_alphanumeric(rest),
            ],
            ecc,
        )
    }

    fn encode_bytes(data: &str, ecc: Ecc) -> Result<Self, QrError> {
        Self::encode_qrcodegen(&[qrcodegen::QrSegment::make_bytes(data.as_bytes())], ecc)
    }

    fn encode_qrcodegen(segments: &[qrcodegen::QrSegment], ecc: Ecc) -> Result<Self, QrError> {
        use qrcodegen::{QrCode, QrCodeEcc, Version};
        let level = match ecc {
            Ecc::M => QrCodeEcc::Medium,
            Ecc::Q => QrCodeEcc::Quartile,
        };
        // The level asked for, not a higher one that would happen to fit the same version:
        // print templates size the code for it.
        let code = QrCode::encode_segments_advanced(
            segments,
            level,
            Version::MIN,
            Version::MAX,
            None,
            false,
        )
        .map_err(|e| QrError::Encode(e.to_string()))?;
        let width =
            usize::try_from(code.size()).map_err(|_| QrError::Encode("negative size".into()))?;
        let mut dark = Vec::with_capacity(width * width);
        for y in 0..code.size() {
            for x in 0..code.size() {
                dark.push(code.get_module(x, y));
            }
        }
        Ok(Self { width, dark })
    }

    fn encode_segmented(data: &str, ecc: Ecc) -> Result<Self, QrError> {
        let level = match ecc {
            Ecc::M => EcLevel::M,
            Ecc::Q => EcLevel::Q,
        };
        let code = QrCode::with_error_correction_level(data.as_bytes(), level)
            .map_err(|e| QrError::Encode(e.to_string()))?;
        Ok(Self {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.dark[y * self.width + x]
    }

    /// Side length in modules, quiet zone included.
    pub fn size_with_border(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    /// An SVG whose unit is one module: one path of horizontal runs of dark modules, so the
    /// file stays small and scales to any print size without blurring.
    pub fn to_svg(&self) -> String {
        let n = self.size_with_border();
        let mut path = String::with_capacity(self.width * self.width);
        for y in 0..self.width {
            let mut x = 0;
            while x < self.width {
                if !self.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < self.width && self.is_dark(x, y) {
                    x += 1;
                }
                let _ = write!(
                    path,
                    "M{},{}h{}v1h-{}z",
                    start + QUIET_ZONE,
                    y + QUIET_ZONE,
                    x - start,
                    x - start
                );
            }
        }
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {n} {n}\" shape-rendering=\"crispEdges\">\
             <rect width=\"{n}\" height=\"{n}\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
        )
    }

    /// A 1-bit greyscale PNG with `module_px` pixels per module.
    ///
    /// Each module row is rasterised once and repeated `module_px` times; the `Up` filter
    /// turns the repeats into zeros and fdeflate's fast mode packs them (as fast as libpng's
    /// level 1 and smaller; bench/RESULTS.md).
    pub fn to_png(&self, module_px: u32) -> Result<Vec<u8>, QrError> {
        let px = module_px.clamp(1, MAX_MODULE_PX) as usize;
        let side = self.size_with_border() * px;
        let row_bytes = side.div_ceil(8);
        let mut data = vec![0xffu8; row_bytes * side];
        let mut row = vec![0xffu8; row_bytes];
        for my in 0..self.width {
            row.fill(0xff);
            for mx in 0..self.width {
                if self.dark[my * self.width + mx] {
                    let start = (mx + QUIET_ZONE) * px;
                    for x in start..start + px {
                        row[x / 8] &= !(0x80 >> (x % 8));
                    }
                }
            }
            let first = (my + QUIET_ZONE) * px;
            for y in first..first + px {
                data[y * row_bytes..(y + 1) * row_bytes].copy_from_slice(&row);
            }
        }
        let mut out = Vec::with_capacity(1024);
        let side32 = u32::try_from(side).map_err(|e| QrError::Png(e.to_string()))?;
        let mut encoder = png::Encoder::new(&mut out, side32, side32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::One);
        encoder.set_compression(png::Compression::Fast);
        encoder.set_filter(png::Filter::Up);
        let mut writer = encoder
            .write_header()
            .map_err(|e| QrError::Png(e.to_string()))?;
        writer
            .write_image_data(&data)
            .map_err(|e| QrError::Png(e.to_string()))?;
        writer.finish().map_err(|e| QrError::Png(e.to_string()))?;
        Ok(out)
    }
}

/// Parses the `module_px` query value (1–40 pixels per module).
pub fn parse_module_px(v: u32) -> Result<u32, ParseError> {
    if (1..=MAX_MODULE_PX).contains(&v) {
        Ok(v)
    } else {
        Err(ParseError::new(
            Reason::ModulePxRange,
            format!("module_px is 1 to {MAX_MODULE_PX}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "https://TRACE.EXAMPLE.VN/01/08934588012228/10/MO2026A/21/0123456789ABCDEF";

    /// Decodes a PNG with rqrr, a QR decoder written independently of the encoder.
    fn decode_png(png_bytes: &[u8]) -> String {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let (w, h) = (info.width as usize, info.height as usize);
        let row = info.line_size;
        let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| {
            if buf[y * row + x / 8] & (0x80 >> (x % 8)) == 0 {
                0
            } else {
                255
            }
        });
        let grids = img.detect_grids();
        assert_eq!(grids.len(), 1, "exactly one code");
        grids[0].decode().unwrap().1
    }

    #[test]
    fn the_png_decodes_to_exactly_the_uri_at_both_levels() {
        for ecc in [Ecc::M, Ecc::Q] {
            let m = Matrix::encode(URI, ecc).unwrap();
            let png = m.to_png(4).unwrap();
            assert_eq!(decode_png(&png), URI, "{ecc}");
        }
    }

    #[test]
    fn both_encoders_give_codes_that_decode_to_the_same_data() {
        let lower = "https://trace.example.vn/01/08934588012228/10/mo%2F26/21/0123456789ABCDEF";
        for data in [
            URI,
            "https://X.VN/S/0123456789ABCDEF",
            "http://127.0.0.1:8080/S/AB",
        ] {
            for encoder in [Encoder::Stamp, Encoder::Segmented, Encoder::Bytes] {
                for ecc in [Ecc::M, Ecc::Q] {
                    let m = Matrix::encode_with(encoder, data, ecc).unwrap();
                    assert_eq!(decode_png(&m.to_png(4).unwrap()), data, "{encoder:?} {ecc}");
                }
            }
        }
        for ecc in [Ecc::M, Ecc::Q] {
            let m = Matrix::encode_with(Encoder::Segmented, lower, ecc).unwrap();
            assert_eq!(decode_png(&m.to_png(4).unwrap()), lower, "{ecc}");
        }
        // The automatic choice: the stamp encoder for a stamp URI, at the same version as the
        // optimal segmentation; the segmenting one otherwise.
        assert!(stamp_segments(URI).is_some() && stamp_segments(lower).is_none());
        assert_eq!(stamp_segments(URI).unwrap().0, "https");
        assert!(
            stamp_segments("HTTPS://X.VN/S/A").is_none() && stamp_segments("https:/x").is_none()
        );
        assert_eq!(
            Matrix::encode_with(Encoder::Stamp, URI, Ecc::M)
                .unwrap()
                .width,
            Matrix::encode_with(Encoder::Segmented, URI, Ecc::M)
                .unwrap()
                .width
        );
        assert_eq!(
            Matrix::encode(lower, Ecc::M).unwrap().dark,
            Matrix::encode_with(Encoder::Segmented, lower, Ecc::M)
                .unwrap()
                .dark
        );
    }

    #[test]
    fn the_uri_fits_a_small_code_with_its_scheme_in_byte_mode() {
        // The scheme in byte mode and 69 alphanumeric characters fit version 4 (33 modules) at
        // level M; in byte mode alone the same URI would need version 5.
        assert_eq!(Matrix::encode(URI, Ecc::M).unwrap().width, 33);
    }

    #[test]
    fn the_svg_draws_exactly_the_dark_modules() {
        let m = Matrix::encode(URI, Ecc::M).unwrap();
        let svg = m.to_svg();
        assert!(svg.contains("viewBox=\"0 0 41 41\""), "{svg}");
        // Read the runs back into a grid and compare with the matrix.
        let path = svg.split("d=\"").nth(1).unwrap().split('"').next().unwrap();
        let mut grid = vec![false; m.width * m.width];
        for run in path.split('M').filter(|r| !r.is_empty()) {
            let (xy, rest) = run.split_once('h').unwrap();
            let (x, y) = xy.split_once(',').unwrap();
            let len: usize = rest.split('v').next().unwrap().parse().unwrap();
            let (x, y): (usize, usize) = (
                x.parse::<usize>().unwrap() - QUIET_ZONE,
                y.parse::<usize>().unwrap() - QUIET_ZONE,
            );
            for dx in 0..len {
                grid[y * m.width + x + dx] = true;
            }
        }
        assert_eq!(grid, m.dark);
    }

    #[test]
    fn png_pixels_follow_module_size_and_bounds() {
        let m = Matrix::encode("https://X.VN/S/0123456789ABCDEF", Ecc::M).unwrap();
        let png = m.to_png(3).unwrap();
        assert!(png.len() < 1_000, "1-bit PNGs stay small: {}", png.len());
        assert!(
            parse_module_px(0).is_err()
                && parse_module_px(41).is_err()
                && parse_module_px(8).is_ok()
        );
    }

    /// Decodes with ZBar (Debian `zbar-tools`), a second decoder independent of this code.
    /// Ignored by plain `cargo test`, which must pass on a machine without it; `.ci/run`
    /// installs zbar-tools and runs the ignored tests, where a missing `zbarimg` fails.
    #[test]
    #[ignore = "needs zbarimg; run by .ci/run with --ignored"]
    fn the_png_decodes_with_zbarimg() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [Encoder::Stamp, Encoder::Segmented]
            .into_iter()
            .flat_map(|e| [(e, Ecc::M), (e, Ecc::Q)]);
        for (i, (encoder, ecc)) in cases.enumerate() {
            let path = dir.path().join(format!("qr-{i}.png"));
            let m = Matrix::encode_with(encoder, URI, ecc).unwrap();
            std::fs::write(&path, m.to_png(4).unwrap()).unwrap();
            let out = std::process::Command::new("zbarimg")
                .args(["--raw", "-q"])
                .arg(&path)
                .output()
                .expect("zbarimg is installed");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(String::from_utf8(out.stdout).unwrap().trim_end(), URI);
        }
    }
}
