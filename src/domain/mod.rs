//! Domain rules and identifiers, free of HTTP and storage types.
//!
//! Every identifier that arrives from outside is a newtype made only by `parse`
//! ("parse, don't validate"); functions further in take the newtype, never a `String`.
//! A failed parse is a [`ParseError`] with a stable snake_case `code` that the API returns
//! and the console translates.

pub mod admin_unit;
pub mod admin_units;
pub mod batch;
pub mod contact;
pub mod geo;
pub mod growing_area;
pub mod growing_area_code;
pub mod gtin;
pub mod local_time;
pub mod lot_code;
pub mod ocop;
pub mod organization;
mod parse;
pub mod role;
pub mod stamp;
pub mod tax_code;
pub mod text;
pub mod trace_code;

pub use admin_unit::{CommuneCode, ProvinceCode};
pub use growing_area_code::GrowingAreaCode;
pub use gtin::Gtin;
pub use lot_code::LotCode;
pub use tax_code::TaxCode;
pub use trace_code::TraceCode;

pub use parse::{ParseError, Reason};
pub(crate) use parse::{gs1_check_digit, string_enum};
