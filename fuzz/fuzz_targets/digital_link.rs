//! A resolver path, as a phone sends it: parsing never panics, and what parses is written
//! back to a path that parses to the same identifiers; a compressed segment likewise.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ocop_trace::stamps::DigitalLink;
use ocop_trace::stamps::dl_compression;

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(link) = DigitalLink::parse_path(path) {
        let again = DigitalLink::parse_path(&link.path()).expect("a written path parses");
        assert_eq!(again, link);
    }
    if let Ok(link) = dl_compression::decompress(path) {
        let again = DigitalLink::parse_path(&link.path()).expect("a decompressed link parses");
        assert_eq!(again, link);
    }
});
