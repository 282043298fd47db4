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

/// A field, quoted when it holds a comma, quote or line break.
fn field(out: &mut String, v: &str) {
    if v.contains([',', '"', '\r', '\n']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

impl Renderer for Csv {
    fn begin(&mut self) -> Result<Vec<u8>, PrintError> {
        let mut s = String::from("\u{feff}serial,index_in_batch,uri,product,lot,gtin,ocop_stars");
        if self.pins {
            s.push_str(",pin");
        }
        s.push_str("\r\n");
        Ok(s.into_bytes())
    }

    fn label(&mut self, label: &Label<'_>) -> Result<Vec<u8>, PrintError> {
        let mut s = String::with_capacity(160);
        let stars = self
            .heading
            .stars
            .map(|s| s.to_string())
            .unwrap_or_default();
        let index = label.index_in_batch.to_string();
        let fields = [
            label.serial,
            index.as_str(),
            label.uri,
            self.heading.product.as_str(),
            self.heading.lot.as_str(),
            self.heading.gtin.as_deref().unwrap_or(""),
            stars.as_str(),
        ];
        for (i, v) in fields.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            field(&mut s, v);
        }
        if self.pins {
            s.push(',');
            field(&mut s, label.pin.unwrap_or(""));
        }
        s.push_str("\r\n");
        Ok(s.into_bytes())
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
