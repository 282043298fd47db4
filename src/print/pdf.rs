//! `labels.pdf`: vector label sheets. Each label has the QR code drawn as filled rectangles
//! (one per horizontal run of dark modules, so it stays sharp at any printer resolution),
//! the product name, the OCOP stars of a certificate in force, the lot, the serial and,
//! when released, the scratch PIN.
//!
//! The file is streamed: every object is written as soon as it is final and its byte offset
//! kept for the cross-reference table, pages as they fill, the fonts (subset to the glyphs
//! used), the page tree and the catalog at the end. Memory holds one page, whatever the run.

use pdf_writer::{Chunk, Content, Filter, Name, Rect, Ref, Str, TextStr};

use super::font::{FontRefs, PdfFont};
use super::layout::fit;
use super::{Heading, Label, PrintError, Renderer, Template, grouped};
use crate::stamps::qr::{Ecc, Matrix, QUIET_ZONE};

const PT_PER_MM: f32 = 72.0 / 25.4;
const CATALOG: Ref = Ref::new(1);
const PAGES: Ref = Ref::new(2);
const INFO: Ref = Ref::new(3);
const FIRST_FREE: i32 = 14;
const REGULAR: &[u8] = b"F1";
const BOLD: &[u8] = b"F2";

/// Sizes and lines shared by every label of the file.
struct Plan {
    height: f32,
    pad: f32,
    qr_side: f32,
    text_x: f32,
    text_width: f32,
    name_size: f32,
    name_lines: Vec<String>,
    small: f32,
    lot_size: f32,
    lot_line: String,
}

pub struct PdfLabels {
    template: Template,
    heading: Heading,
    title: String,
    ecc: Ecc,
    regular: PdfFont,
    bold: PdfFont,
    regular_refs: FontRefs,
    bold_refs: FontRefs,
    plan: Option<Plan>,
    content: Content,
    on_page: u32,
    written: usize,
    /// Byte offset of each object, by object number.
    offsets: Vec<Option<usize>>,
    next_id: i32,
    pages: Vec<Ref>,
}

impl PdfLabels {
    pub fn new(
        template: Template,
        heading: Heading,
        title: String,
        ecc: Ecc,
    ) -> Result<Self, PrintError> {
        Ok(Self {
            template,
            heading,
            title,
            ecc,
            regular: PdfFont::regular()?,
            bold: PdfFont::bold()?,
            regular_refs: FontRefs::from(4),
            bold_refs: FontRefs::from(9),
            plan: None,
            content: Content::new(),
            on_page: 0,
            written: 0,
            offsets: Vec::new(),
            next_id: FIRST_FREE,
            pages: Vec::new(),
        })
    }

    fn alloc(&mut self) -> Ref {
        let r = Ref::new(self.next_id);
        self.next_id += 1;
        r
    }

    /// The chunk's bytes, its one object's offset recorded.
    fn emit(&mut self, chunk: &Chunk, out: &mut Vec<u8>) {
        for r in chunk.refs() {
            let n = r.get() as usize;
            if self.offsets.len() <= n {
                self.offsets.resize(n + 1, None);
            }
            self.offsets[n] = Some(self.written);
        }
        self.written += chunk.len();
        out.extend_from_slice(chunk.as_bytes());
    }

    fn plan(&self) -> Plan {
        let t = &self.template;
        let (width, height) = (
            t.label_width_mm as f32 * PT_PER_MM,
            t.label_height_mm as f32 * PT_PER_MM,
        );
        let pad = (1.2 * PT_PER_MM).min(height * 0.06);
        let qr_side = (height - 2.0 * pad).min((width - 2.0 * pad) * 0.5);
        // The QR code's own quiet zone separates it from the text.
        let text_x = pad + qr_side + pad * 0.5;
        let text_width = width - text_x - pad;
        let base = (t.label_height_mm as f32 * 0.3).clamp(5.0, 10.0);
        let small = (base * 0.85).max(4.5);
        let (name_size, name_lines) = fit(
            &self.heading.product,
            text_width,
            2,
            base,
            4.5,
            &|s, size| self.bold.width(s, size),
        );
        let lot = format!("Lô/Lot {}", self.heading.lot);
        let (lot_size, lot_lines) = fit(&lot, text_width, 1, small, 4.0, &|s, size| {
            self.regular.width(s, size)
        });
        Plan {
            height,
            pad,
            qr_side,
            text_x,
            text_width,
            name_size,
            name_lines,
            small,
            lot_size,
            lot_line: lot_lines.into_iter().next().unwrap_or_default(),
        }
    }

    fn draw(&mut self, label: &Label<'_>, x0: f32, y0: f32) -> Result<(), PrintError> {
        let plan = match self.plan.take() {
            Some(p) => p,
            None => self.plan(),
        };
        let matrix = Matrix::encode(label.uri, self.ecc)?;
        let c = &mut self.content;
        c.save_state();
        c.transform([1.0, 0.0, 0.0, 1.0, x0, y0]);

        // The QR code, centred vertically, in module units with y pointing down.
        let modules = matrix.size_with_border() as f32;
        let m = plan.qr_side / modules;
        let qr_y = (plan.height - plan.qr_side) / 2.0;
        let quiet = QUIET_ZONE as f32 * m;
        c.save_state();
        c.transform([
            m,
            0.0,
            0.0,
            -m,
            plan.pad + quiet,
            qr_y + plan.qr_side - quiet,
        ]);
        for y in 0..matrix.width {
            let mut x = 0;
            while x < matrix.width {
                if !matrix.is_dark(x, y) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < matrix.width && matrix.is_dark(x, y) {
                    x += 1;
                }
                c.rect(start as f32, y as f32, (x - start) as f32, 1.0);
            }
        }
        c.fill_nonzero();
        c.restore_state();

        // The text column, top down.
        let mut lines: Vec<(&[u8], f32, String)> = Vec::new();
        for l in &plan.name_lines {
            lines.push((BOLD, plan.name_size, l.clone()));
        }
        let stars_at = lines.len();
        if self.heading.stars.is_some() {
            lines.push((REGULAR, plan.small, "OCOP".to_owned()));
        }
        lines.push((REGULAR, plan.lot_size, plan.lot_line.clone()));
        let serial = grouped(label.serial);
        if self.regular.width(&serial, plan.small) <= plan.text_width {
            lines.push((REGULAR, plan.small, serial));
        } else {
            let (a, b) = serial.split_at(serial.len() / 2);
            lines.push((REGULAR, plan.small, a.trim().to_owned()));
            lines.push((REGULAR, plan.small, b.trim().to_owned()));
        }
        if let Some(pin) = label.pin {
            lines.push((BOLD, plan.small, format!("PIN {}", grouped(pin))));
        }
        let total: f32 = lines.iter().map(|(_, s, _)| s * 1.18).sum();
        let available = plan.height - 2.0 * plan.pad;
        let shrink = (available / total).min(1.0);
        let mut y = plan.height - plan.pad;
        let mut stars_baseline = None;
        c.begin_text();
        for (i, (font, size, text)) in lines.iter().enumerate() {
            let size = size * shrink;
            y -= size * 0.95;
            let mut x = plan.text_x;
            if i == stars_at && self.heading.stars.is_some() {
                stars_baseline = Some((y, size));
                x += stars_width(self.heading.stars.unwrap_or(0), size);
            }
            let encoded = if *font == BOLD {
                self.bold.encode(text)
            } else {
                self.regular.encode(text)
            };
            c.set_font(Name(font), size);
            c.set_text_matrix([1.0, 0.0, 0.0, 1.0, x, y]);
            c.show(Str(&encoded));
            y -= size * 0.23;
        }
        c.end_text();
        if let (Some(n), Some((baseline, size))) = (self.heading.stars, stars_baseline) {
            let r = size * 0.42;
            for k in 0..n {
                let cx = plan.text_x + r + f32::from(k) * r * 2.15;
                star(c, cx, baseline + r * 0.85, r);
            }
            c.fill_nonzero();
        }
        c.restore_state();
        self.plan = Some(plan);
        Ok(())
    }

    fn flush_page(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.on_page == 0 {
            return out;
        }
        let content = std::mem::replace(&mut self.content, Content::new()).finish();
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(content.as_slice(), 6);
        let (content_ref, page_ref) = (self.alloc(), self.alloc());
        let mut chunk = Chunk::new();
        chunk
            .stream(content_ref, &packed)
            .filter(Filter::FlateDecode);
        self.emit(&chunk, &mut out);
        let t = &self.template;
        let mut chunk = Chunk::new();
        {
            let mut page = chunk.page(page_ref);
            page.parent(PAGES)
                .media_box(Rect::new(
                    0.0,
                    0.0,
                    t.page_width_mm as f32 * PT_PER_MM,
                    t.page_height_mm as f32 * PT_PER_MM,
                ))
                .contents(content_ref);
            page.resources()
                .fonts()
                .pair(Name(REGULAR), self.regular_refs.type0)
                .pair(Name(BOLD), self.bold_refs.type0);
        }
        self.emit(&chunk, &mut out);
        self.pages.push(page_ref);
        self.on_page = 0;
        out
    }
}

/// Width of a row of `n` stars at `size`, with a space after it.
fn stars_width(n: u8, size: f32) -> f32 {
    f32::from(n) * size * 0.42 * 2.15 + size * 0.2
}

/// A five-pointed star centred on (cx, cy), added to the current path.
fn star(c: &mut Content, cx: f32, cy: f32, r: f32) {
    let inner = r * 0.382;
    for k in 0..10 {
        let radius = if k % 2 == 0 { r } else { inner };
        let angle = std::f32::consts::FRAC_PI_2 + k as f32 * std::f32::consts::PI / 5.0;
        let (x, y) = (cx + radius * angle.cos(), cy + radius * angle.sin());
        if k == 0 {
            c.move_to(x, y);
        } else {
            c.line_to(x, y);
        }
    }
    c.close_path();
}

impl Renderer for PdfLabels {
    fn begin(&mut self) -> Result<Vec<u8>, PrintError> {
        let header = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n".to_vec();
        self.written = header.len();
        Ok(header)
    }

    fn label(&mut self, label: &Label<'_>) -> Result<Vec<u8>, PrintError> {
        let t = &self.template;
        let (x_mm, y_mm) = t.origin(self.on_page);
        let x0 = x_mm as f32 * PT_PER_MM;
        let y0 = (t.page_height_mm - y_mm - t.label_height_mm) as f32 * PT_PER_MM;
        self.draw(label, x0, y0)?;
        self.on_page += 1;
        if self.on_page == self.template.per_page() {
            Ok(self.flush_page())
        } else {
            Ok(Vec::new())
        }
    }

    fn finish(&mut self) -> Result<Vec<u8>, PrintError> {
        let mut out = self.flush_page();
        for chunk in self.regular.write(self.regular_refs)? {
            self.emit(&chunk, &mut out);
        }
        for chunk in self.bold.write(self.bold_refs)? {
            self.emit(&chunk, &mut out);
        }
        let mut chunk = Chunk::new();
        chunk
            .pages(PAGES)
            .kids(self.pages.iter().copied())
            .count(self.pages.len() as i32);
        self.emit(&chunk, &mut out);
        let mut chunk = Chunk::new();
        chunk
            .indirect(CATALOG)
            .start::<pdf_writer::writers::Catalog>()
            .pages(PAGES);
        self.emit(&chunk, &mut out);
        let mut chunk = Chunk::new();
        chunk
            .indirect(INFO)
            .start::<pdf_writer::writers::DocumentInfo>()
            .title(TextStr(&self.title))
            .producer(TextStr("ocop-trace"));
        self.emit(&chunk, &mut out);

        // Cross-reference table: 20 bytes per object.
        let xref_at = self.written;
        let size = self.offsets.len().max(FIRST_FREE as usize);
        let mut xref = format!("xref\n0 {size}\n0000000000 65535 f \n");
        for n in 1..size {
            match self.offsets.get(n).copied().flatten() {
                Some(offset) => xref.push_str(&format!("{offset:010} 00000 n \n")),
                None => xref.push_str("0000000000 65535 f \n"),
            }
        }
        xref.push_str(&format!(
            "trailer\n<< /Size {size} /Root {} 0 R /Info {} 0 R >>\nstartxref\n{xref_at}\n%%EOF\n",
            CATALOG.get(),
            INFO.get()
        ));
        self.written += xref.len();
        out.extend_from_slice(xref.as_bytes());
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn heading() -> Heading {
        Heading {
            product: "Mật ong hoa nhãn Mộc Châu".into(),
            lot: "MO2026A".into(),
            gtin: Some("08934588012228".into()),
            stars: Some(4),
        }
    }

    fn render(n: usize, template: &str) -> Vec<u8> {
        let t = Template::by_id(template).unwrap();
        let mut pdf = PdfLabels::new(t, heading(), "test".into(), Ecc::M).unwrap();
        let mut out = pdf.begin().unwrap();
        for i in 0..n {
            let serial = format!("{i:016}");
            let uri = format!("https://TRACE.EXAMPLE.VN/01/08934588012228/10/MO2026A/21/{serial}");
            out.extend(
                pdf.label(&Label {
                    serial: &serial,
                    index_in_batch: i as i64,
                    uri: &uri,
                    pin: Some("12345678"),
                })
                .unwrap(),
            );
        }
        out.extend(pdf.finish().unwrap());
        out
    }

    #[test]
    fn every_cross_reference_points_at_its_object() {
        let pdf = render(70, "a4-65-38x21");
        let find_last = |needle: &[u8]| {
            pdf.windows(needle.len())
                .rposition(|w| w == needle)
                .unwrap()
        };
        let tail = std::str::from_utf8(&pdf[find_last(b"startxref\n")..]).unwrap();
        let xref_at: usize = tail.lines().nth(1).unwrap().parse().unwrap();
        let table = std::str::from_utf8(&pdf[xref_at..]).unwrap();
        assert!(table.starts_with("xref\n0 "));
        let entries: Vec<&str> = table
            .lines()
            .skip(2)
            .take_while(|l| !l.starts_with("trailer"))
            .collect();
        let mut objects = 0;
        for (n, e) in entries.iter().enumerate() {
            assert_eq!(e.len(), 19, "{e:?}");
            if e.trim_end().ends_with(" n") {
                let at: usize = e[..10].parse().unwrap();
                assert!(
                    pdf[at..].starts_with(format!("{n} 0 obj").as_bytes()),
                    "object {n} at {at}"
                );
                objects += 1;
            }
        }
        // Two pages of 65, each a content stream and a page; two fonts of five objects;
        // pages, catalog, info.
        assert_eq!(objects, 2 * 2 + 2 * 5 + 3);
        assert!(pdf.windows(8).any(|w| w == b"/Count 2"));
    }

    #[test]
    fn the_font_is_subset_so_small_files_stay_small() {
        let pdf = render(1, "a4-24-70x37");
        assert!(pdf.len() < 40_000, "{} bytes", pdf.len());
    }
}
