//! An uploaded import file (CSV or .xlsx, told apart by content): reading it never panics
//! and never holds more than the import limits allow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocop_trace::import::sheet::{MAX_ROWS, Sheet};

fuzz_target!(|data: &[u8]| {
    if let Ok(sheet) = Sheet::read(data).and_then(Sheet::within_limits) {
        assert!(sheet.rows.len() <= MAX_ROWS);
    }
});
