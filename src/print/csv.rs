//! `stamps.csv` for printing houses: one row per stamp to print, RFC 4180 (CRLF, quoted
//! fields where needed), UTF-8 with a byte-order mark so spreadsheet programs show
//! Vietnamese correctly.

use super::{Heading, Label, PrintError, Renderer};

pub struct Csv {
    heading: Heading,
    pins: bool,
}

impl Csv {
    pub fn new(heading: Heading, pins: bool) -> Self {
        Self { heading, pins }
    }
}

/// One record as RFC 4180 (CRLF line ends, quoted only where needed), by the `csv` crate.
fn record<'a>(fields: impl IntoIterator<Item = &'a str>) -> Result<Vec<u8>, PrintError> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(160));
    w.write_record(fields)
        .map_err(|e| PrintError::Render(format!("a CSV row: {e}")))?;
    w.into_inner()
        .map_err(|e| PrintError::Render(format!("a CSV row: {}", e.error())))
}

impl Renderer for Csv {
    fn begin(&mut self) -> Result<Vec<u8>, PrintError> {
        let mut head = vec![
            "serial",
            "index_in_batch",
            "uri",
            "product",
            "lot",
            "gtin",
            "ocop_stars",
        ];
        if self.pins {
            head.push("pin");
        }
        let mut out = "\u{feff}".as_bytes().to_vec();
        out.extend(record(head)?);
        Ok(out)
    }

    fn label(&mut self, label: &Label<'_>) -> Result<Vec<u8>, PrintError> {
        let stars = self
            .heading
            .stars
            .map(|s| s.to_string())
            .unwrap_or_default();
        let index = label.index_in_batch.to_string();
        let mut fields = vec![
            label.serial,
            index.as_str(),
            label.uri,
            self.heading.product.as_str(),
            self.heading.lot.as_str(),
            self.heading.gtin.as_deref().unwrap_or(""),
            stars.as_str(),
        ];
        if self.pins {
            fields.push(label.pin.unwrap_or(""));
        }
        record(fields)
    }

    fn finish(&mut self) -> Result<Vec<u8>, PrintError> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_quoted_where_needed() {
        let heading = Heading {
            product: "Nước mắm \"Cá cơm\", 40 độ đạm".into(),
            lot: "NM26".into(),
            gtin: None,
            stars: Some(4),
        };
        let mut csv = Csv::new(heading, true);
        let head = String::from_utf8(csv.begin().unwrap()).unwrap();
        assert_eq!(
            head,
            "\u{feff}serial,index_in_batch,uri,product,lot,gtin,ocop_stars,pin\r\n"
        );
        let row = csv
            .label(&Label {
                serial: "0123456789ABCDEF",
                index_in_batch: 7,
                uri: "HTTP://X/S/0123456789ABCDEF",
                pin: Some("01234567"),
            })
            .unwrap();
        assert_eq!(
            String::from_utf8(row).unwrap(),
            "0123456789ABCDEF,7,HTTP://X/S/0123456789ABCDEF,\"Nước mắm \"\"Cá cơm\"\", 40 độ đạm\",NM26,,4,01234567\r\n"
        );
    }
}
