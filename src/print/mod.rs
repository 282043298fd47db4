//! Print files for a stamp run, as pure code: label sheets (vector PDF on A4 label stock),
//! ZPL for thermal printers, and CSV for printing houses.
//!
//! Every format is a [`Renderer`] fed one label at a time and handing back bytes as soon as
//! they are final (a PDF page, a ZPL label, a CSV line), so a 1,000,000-label file streams in
//! bounded memory.

pub mod csv;
pub mod font;
pub mod layout;
pub mod pdf;
pub mod raster;
pub mod template;
pub mod zpl;

pub use template::Template;

/// What every label of a run shares.
#[derive(Debug, Clone)]
pub struct Heading {
    /// Product name in Vietnamese (NFC).
    pub product: String,
    pub lot: String,
    pub gtin: Option<String>,
    /// OCOP stars of a certificate in force today; never an expired one.
    pub stars: Option<u8>,
}

/// One stamp's label.
#[derive(Debug, Clone)]
pub struct Label<'a> {
    pub serial: &'a str,
    pub index_in_batch: i64,
    /// The GS1 Digital Link URI the QR code holds.
    pub uri: &'a str,
    /// The scratch PIN, when the file releases them.
    pub pin: Option<&'a str>,
}

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error("QR code: {0}")]
    Qr(#[from] crate::stamps::qr::QrError),
    #[error("font: {0}")]
    Font(String),
    /// Writing a row of a text format (cannot happen writing into memory; kept typed anyway).
    #[error("{0}")]
    Render(String),
}

/// A print format, fed labels in order.
pub trait Renderer: Send {
    /// Bytes before the first label.
    fn begin(&mut self) -> Result<Vec<u8>, PrintError>;
    /// Adds a label; returns the bytes that became final (possibly none).
    fn label(&mut self, label: &Label<'_>) -> Result<Vec<u8>, PrintError>;
    /// The remaining bytes.
    fn finish(&mut self) -> Result<Vec<u8>, PrintError>;
}

/// A serial in groups of four, as people read it aloud: `0123 4567 89AB CDEF`.
pub fn grouped(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn serials_and_pins_are_grouped_by_four() {
        assert_eq!(super::grouped("0123456789ABCDEF"), "0123 4567 89AB CDEF");
        assert_eq!(super::grouped("12345678"), "1234 5678");
        assert_eq!(super::grouped(""), "");
    }
}
