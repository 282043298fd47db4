//! Traceability stamps, as pure code: serial numbers, GS1 Digital Link URIs, and the hash
//! chain and Merkle root of a stamp run. Issuance, storage, QR rendering and print files build
//! on these (issue 4).

pub mod chain;
pub mod digital_link;
pub mod dl_compression;
pub mod pin;
pub mod qr;
pub mod serial;

pub use digital_link::DigitalLink;
pub use serial::Serial;
