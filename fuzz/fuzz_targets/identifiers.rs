//! Identifiers typed by people or read from sheets: GTINs, lot codes, tax codes (MST),
//! growing-area codes, phone numbers, e-mail addresses, administrative codes and names.
//! Nothing panics, and an accepted value parses again to itself.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocop_trace::domain::contact::{Email, Phone};
use ocop_trace::domain::{CommuneCode, GrowingAreaCode, Gtin, LotCode, TaxCode, text};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(g) = Gtin::parse(s) {
        assert_eq!(Gtin::parse(g.as_str()).ok(), Some(g));
    }
    if let Ok(l) = LotCode::parse(s) {
        assert_eq!(LotCode::parse(l.as_str()).ok(), Some(l));
    }
    if let Ok(t) = TaxCode::parse(s) {
        assert!(TaxCode::parse(t.as_str()).is_ok());
    }
    if let Ok(c) = GrowingAreaCode::parse(s) {
        let _ = c.parsed();
    }
    if let Ok(p) = Phone::parse(s) {
        assert!(Phone::parse(p.as_str()).is_ok());
        let _ = Phone::national(p.as_str());
    }
    if let Ok(e) = Email::parse(s) {
        assert!(Email::parse(e.as_str()).is_ok());
    }
    let _ = CommuneCode::parse(s);
    if let Ok(clean) = text::line(s, 1, 200) {
        assert_eq!(text::line(&clean, 1, 200).ok(), Some(clean));
    }
    let _ = text::clean(s, 0, 5000);
});
