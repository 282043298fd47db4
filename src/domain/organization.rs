//! Organizations: who produces, packs or sells OCOP products.

use super::string_enum;

string_enum! {
    /// The legal form of a producer (DESIGN §4).
    OrganizationKind {
        Cooperative => "cooperative",
        Enterprise => "enterprise",
        HouseholdBusiness => "household_business",
        Farm => "farm",
        CooperativeGroup => "cooperative_group",
    }
}

impl OrganizationKind {
    /// Only household businesses (and individuals) use a 12-digit personal id as tax code.
    pub fn may_use_personal_id_as_tax_code(self) -> bool {
        matches!(
            self,
            OrganizationKind::HouseholdBusiness | OrganizationKind::Farm
        )
    }
}
