//! A partner's EPCIS document sent to `POST /epcis/capture`: GS1's schema check and the
//! reading of its events as diary entries never panic, whatever the JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocop_trace::epcis::capture;
use ocop_trace::epcis::vocab::Ids;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(base) = url::Url::parse("https://ocop.example/") else {
        return;
    };
    let _ = capture::check_schema(&doc);
    // The reader is safe on any JSON, not only on documents the schema took.
    let _ = capture::read(&doc, &Ids::new(base));
});
