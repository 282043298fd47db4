//! A diary append's JSON body: deserializing and the domain's checks never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocop_trace::services::requests::events::AppendEvent;

fuzz_target!(|data: &[u8]| {
    if let Ok(event) = serde_json::from_slice::<AppendEvent>(data) {
        let _ = event.details.validate(event.kind);
    }
});
