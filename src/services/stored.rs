//! Statuses as the domain reasons about them and as the tables store them.
//!
//! The domain's enums carry the rules (`BatchStatus::accepts`, …) and no sea-orm types; the
//! entities' twins are what sea-orm reads and writes. The conversions match every variant by
//! name, so adding one on either side without the other does not compile.

use entity::{batch, growing_area, stamp};

use crate::domain::batch::BatchStatus;
use crate::domain::growing_area::AreaStatus;
use crate::domain::stamp::StampStatus;

macro_rules! twins {
    ($($domain:ident <=> $stored:path { $($variant:ident),+ })+) => {$(
        impl From<$domain> for $stored {
            fn from(s: $domain) -> Self {
                type S = $stored;
                match s { $($domain::$variant => S::$variant),+ }
            }
        }

        impl From<$stored> for $domain {
            fn from(s: $stored) -> Self {
                type S = $stored;
                match s { $(S::$variant => $domain::$variant),+ }
            }
        }
    )+};
}

twins! {
    BatchStatus <=> batch::Status { Open, Sealed, Recalled }
    StampStatus <=> stamp::Status { Active, Void }
    AreaStatus <=> growing_area::Status { Active, Suspended, Revoked }
}

#[cfg(test)]
mod tests {
    use sea_orm::ActiveEnum;

    use super::*;

    /// The words stored are the domain's words: rows written before the twins existed read back.
    #[test]
    fn each_status_is_stored_as_the_domains_word() {
        for &s in BatchStatus::ALL {
            assert_eq!(batch::Status::from(s).to_value(), s.as_str());
            assert_eq!(BatchStatus::from(batch::Status::from(s)), s);
        }
        for &s in StampStatus::ALL {
            assert_eq!(stamp::Status::from(s).to_value(), s.as_str());
            assert_eq!(StampStatus::from(stamp::Status::from(s)), s);
        }
        for &s in AreaStatus::ALL {
            assert_eq!(growing_area::Status::from(s).to_value(), s.as_str());
            assert_eq!(AreaStatus::from(growing_area::Status::from(s)), s);
        }
    }
}
