//! GS1 Digital Link URIs for stamps (GS1 Digital Link standard, URI syntax 1.x).
//!
//! A stamp of a product with a GTIN is `https://HOST/01/{GTIN-14}/10/{lot}/21/{serial}`; the
//! key qualifiers of AI (01) may only appear in the order 22, 10, 21, and their values are
//! percent-encoded. A product without a GTIN gets this service's own short form
//! `https://HOST/S/{serial}`.
//!
//! The builder writes the scheme in lower case — scanners and GS1's Digital Link toolkit
//! (digital-link.js) refuse `HTTPS://` — and the host in upper case (it is case-insensitive);
//! the GTIN, serial and path keys are digits and upper-case letters. After the scheme, a URI
//! whose lot code is upper case therefore uses only QR's alphanumeric set
//! (`0-9 A-Z $%*+-./:`), which keeps the code small and easy for a phone to read from a small
//! label (see `qr.rs`). Stamps printed before 2026-12 carry `HTTPS://`: phones lower-case the
//! scheme and host before sending the request, so they resolve exactly as before.

use crate::domain::{Gtin, LotCode, ParseError};

use super::Serial;
use crate::domain::Reason;

/// What a Digital Link path identifies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigitalLink {
    pub gtin: Option<Gtin>,
    /// AI (22), consumer product variant.
    pub variant: Option<String>,
    pub lot: Option<LotCode>,
    /// AI (21) serial, or the serial of the `/S/` form.
    pub serial: Option<String>,
}

/// Characters GS1 Digital Link leaves unescaped in AI values (URI unreserved characters).
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~".contains(&b)
}

pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if unreserved(b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(segment: &str) -> Result<String, ParseError> {
    let bad = || {
        ParseError::new(
            Reason::DigitalLinkEncoding,
            format!("`{segment}` is not correctly percent-encoded"),
        )
    };
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3).ok_or_else(bad)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

/// The base URL's scheme (lower case), its host upper-cased, and its path without the
/// trailing slash.
fn base_prefix(base: &url::Url) -> String {
    let mut s = format!(
        "{}://{}",
        base.scheme().to_ascii_lowercase(),
        base.host_str().unwrap_or_default().to_ascii_uppercase()
    );
    if let Some(port) = base.port() {
        s.push_str(&format!(":{port}"));
    }
    s.push_str(base.path().trim_end_matches('/'));
    s
}

/// The URI printed in a stamp's QR code.
pub fn stamp_uri(
    base: &url::Url,
    gtin: Option<&Gtin>,
    lot: Option<&LotCode>,
    serial: &Serial,
) -> String {
    format!("{}{}", base_prefix(base), stamp_path(gtin, lot, serial))
}

/// The part of a stamp's URI below the base URL: `/01/{gtin}/10/{lot}/21/{serial}`, or
/// `/S/{serial}` for a product without a GTIN.
pub fn stamp_path(gtin: Option<&Gtin>, lot: Option<&LotCode>, serial: &Serial) -> String {
    match gtin {
        Some(g) => DigitalLink {
            gtin: Some(g.clone()),
            variant: None,
            lot: lot.cloned(),
            serial: Some(serial.as_str().to_owned()),
        }
        .path(),
        None => format!("/S/{}", serial.as_str()),
    }
}

/// A lot's path, `/01/{gtin}/10/{lot}` (just `/01/{gtin}` without a lot).
pub fn lot_path(gtin: &Gtin, lot: Option<&LotCode>) -> String {
    DigitalLink {
        gtin: Some(gtin.clone()),
        variant: None,
        lot: lot.cloned(),
        serial: None,
    }
    .path()
}

/// How specific a Digital Link is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// A serial: one stamp.
    Item,
    /// A GTIN and a lot, no serial: one batch.
    Lot,
    /// A GTIN alone (perhaps with a variant): the product.
    Product,
}

impl DigitalLink {
    pub fn level(&self) -> Level {
        match (&self.serial, &self.lot) {
            (Some(_), _) => Level::Item,
            (None, Some(_)) => Level::Lot,
            (None, None) => Level::Product,
        }
    }

    /// The canonical path of these identifiers: `/01/{gtin}[/22/…][/10/…][/21/…]`, each
    /// value percent-encoded, or `/S/{serial}` without a GTIN.
    pub fn path(&self) -> String {
        let Some(g) = &self.gtin else {
            return format!(
                "/S/{}",
                percent_encode(self.serial.as_deref().unwrap_or_default())
            );
        };
        let mut s = format!("/01/{}", g.as_str());
        if let Some(v) = &self.variant {
            s.push_str(&format!("/22/{}", percent_encode(v)));
        }
        if let Some(l) = &self.lot {
            s.push_str(&format!("/10/{}", percent_encode(l.as_str())));
        }
        if let Some(serial) = &self.serial {
            s.push_str(&format!("/21/{}", percent_encode(serial)));
        }
        s
    }

    /// Parses the path of a Digital Link URI (what follows the host and any base path), e.g.
    /// `/01/08934588012228/10/LOT1/21/ABCD…` or `/S/ABCD…`. A trailing slash is tolerated.
    pub fn parse_path(path: &str) -> Result<Self, ParseError> {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match segments.as_slice() {
            ["S", serial] | ["s", serial] => Ok(Self {
                gtin: None,
                variant: None,
                lot: None,
                serial: Some(percent_decode(serial)?),
            }),
            ["01", gtin, rest @ ..] => {
                let gtin = Gtin::parse(&percent_decode(gtin)?)?;
                let mut link = Self {
                    gtin: Some(gtin),
                    variant: None,
                    lot: None,
                    serial: None,
                };
                if rest.len() % 2 != 0 {
                    return Err(ParseError::new(
                        Reason::DigitalLinkStructure,
                        "every key qualifier needs a value",
                    ));
                }
                // Qualifiers may be omitted, but never reordered: 22, then 10, then 21.
                let mut last_rank = 0;
                for pair in rest.chunks_exact(2) {
                    let (ai, value) = (pair[0], percent_decode(pair[1])?);
                    let rank = match ai {
                        "22" => 1,
                        "10" => 2,
                        "21" => 3,
                        other => {
                            return Err(ParseError::new(
                                Reason::DigitalLinkQualifier,
                                format!("`{other}` is not a key qualifier of a GTIN (22, 10, 21)"),
                            ));
                        }
                    };
                    if rank <= last_rank {
                        return Err(ParseError::new(
                            Reason::DigitalLinkOrder,
                            "key qualifiers must appear in the order 22, 10, 21, each at most once",
                        ));
                    }
                    last_rank = rank;
                    if value.is_empty() || value.chars().count() > 20 {
                        return Err(ParseError::new(
                            Reason::DigitalLinkValue,
                            format!("the value of ({ai}) must have 1 to 20 characters"),
                        ));
                    }
                    match ai {
                        "22" => link.variant = Some(value),
                        "10" => link.lot = Some(LotCode::parse(&value)?),
                        _ => link.serial = Some(value),
                    }
                }
                Ok(link)
            }
            _ => Err(ParseError::new(
                Reason::DigitalLinkStructure,
                "expected /01/{GTIN}[/22/{variant}][/10/{lot}][/21/{serial}] or /S/{serial}",
            )),
        }
    }

    /// Parses a full Digital Link URI whose base is `base`.
    pub fn parse_uri(uri: &str, base: &url::Url) -> Result<Self, ParseError> {
        let parsed = url::Url::parse(uri)
            .map_err(|_| ParseError::new(Reason::DigitalLinkStructure, "not an absolute URI"))?;
        let prefix = base.path().trim_end_matches('/');
        let path = parsed.path().strip_prefix(prefix).ok_or_else(|| {
            ParseError::new(
                Reason::DigitalLinkStructure,
                "the URI is not under this service's address",
            )
        })?;
        Self::parse_path(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> url::Url {
        url::Url::parse("https://trace.example.vn/").unwrap()
    }

    /// QR alphanumeric mode character set (ISO/IEC 18004 §7.4.4).
    fn qr_alphanumeric(s: &str) -> bool {
        s.chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase() || " $%*+-./:".contains(c))
    }

    #[test]
    fn a_stamp_uri_has_a_lower_case_scheme_and_is_qr_alphanumeric_after_it() {
        let serial = Serial::parse("0123456789ABCDEF").unwrap();
        let uri = stamp_uri(
            &base(),
            Some(&Gtin::parse("8934588012228").unwrap()),
            Some(&LotCode::parse("MO2026A").unwrap()),
            &serial,
        );
        assert_eq!(
            uri,
            "https://TRACE.EXAMPLE.VN/01/08934588012228/10/MO2026A/21/0123456789ABCDEF"
        );
        let rest = uri.strip_prefix("https").unwrap();
        assert!(qr_alphanumeric(rest));
        assert_eq!(
            crate::stamps::qr::stamp_segments(&uri),
            Some(("https", rest))
        );
        assert_eq!(
            stamp_uri(&base(), None, None, &serial),
            "https://TRACE.EXAMPLE.VN/S/0123456789ABCDEF"
        );
        let http = url::Url::parse("HTTP://Localhost:8080/trace/").unwrap();
        assert_eq!(
            stamp_uri(&http, None, None, &serial),
            "http://LOCALHOST:8080/trace/S/0123456789ABCDEF"
        );
    }

    #[test]
    fn built_uris_parse_back_to_the_same_identifiers() {
        let serial = Serial::generate().unwrap();
        let gtin = Gtin::parse("96385074").unwrap();
        let lot = LotCode::parse("L/24-07(b)").unwrap();
        let uri = stamp_uri(
            &url::Url::parse("https://x.vn/trace/").unwrap(),
            Some(&gtin),
            Some(&lot),
            &serial,
        );
        assert!(uri.contains("/10/L%2F24-07%28b%29/"), "{uri}");
        let link =
            DigitalLink::parse_uri(&uri, &url::Url::parse("https://x.vn/trace").unwrap()).unwrap();
        assert_eq!(link.gtin, Some(gtin));
        assert_eq!(link.lot, Some(lot));
        assert_eq!(link.serial.as_deref(), Some(serial.as_str()));
    }

    #[test]
    fn qualifiers_out_of_order_unknown_or_malformed_are_rejected() {
        let ok = DigitalLink::parse_path("/01/08934588012228/22/V1/10/LOT/21/ABC/").unwrap();
        assert_eq!(
            (ok.variant.as_deref(), ok.serial.as_deref()),
            (Some("V1"), Some("ABC"))
        );
        let code = |p: &str| DigitalLink::parse_path(p).unwrap_err().code;
        assert_eq!(
            code("/01/08934588012228/21/ABC/10/LOT"),
            Reason::DigitalLinkOrder
        );
        assert_eq!(
            code("/01/08934588012228/10/A/10/B"),
            Reason::DigitalLinkOrder
        );
        assert_eq!(
            code("/01/08934588012228/17/261231"),
            Reason::DigitalLinkQualifier
        );
        assert_eq!(code("/01/08934588012229/21/ABC"), Reason::GtinCheckDigit);
        assert_eq!(code("/01/08934588012228/21"), Reason::DigitalLinkStructure);
        assert_eq!(
            code("/01/08934588012228/21/%ZZ"),
            Reason::DigitalLinkEncoding
        );
        assert_eq!(
            code("/01/08934588012228/21/ABCDEFGHIJKLMNOPQRSTU"),
            Reason::DigitalLinkValue
        );
        assert_eq!(code("/02/08934588012228"), Reason::DigitalLinkStructure);
        assert_eq!(
            DigitalLink::parse_path("/S/0123456789ABCDEF")
                .unwrap()
                .serial
                .as_deref(),
            Some("0123456789ABCDEF")
        );
    }
}
