//! Stamp rules that need no database: why a stamp is voided, and its status.

use super::string_enum;

string_enum! {
    /// Why stamps were taken out of use.
    VoidReason {
        Recall => "recall",
        Misprint => "misprint",
        Lost => "lost",
        Damaged => "damaged",
        Other => "other",
    }
}

string_enum! {
    /// A stamp is active until voided; a void is never undone.
    StampStatus {
        Active => "active",
        Void => "void",
    }
}

/// Most serials one void request may name (a whole run is voided without listing them).
pub const MAX_VOID_SERIALS: usize = 10_000;
