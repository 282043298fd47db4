//! Roles inside an organization and what each may do.

use super::string_enum;

string_enum! {
    /// A member's role in one organization.
    Role {
        Owner => "owner",
        Manager => "manager",
        Member => "member",
        Inspector => "inspector",
    }
}

/// What a request wants to do with an organization's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read any record of the organization.
    Read,
    /// Open batches and append diary events: the daily work of producers.
    RecordDiary,
    /// Register and change farms, growing areas, products, certifications, batch status.
    ManageRegistry,
    /// Change the organization itself, its members and its API tokens.
    ManageOrganization,
}

impl Role {
    pub fn allows(self, action: Action) -> bool {
        use Action::*;
        match self {
            Role::Owner => true,
            Role::Manager => matches!(action, Read | RecordDiary | ManageRegistry),
            Role::Member => matches!(action, Read | RecordDiary),
            Role::Inspector => matches!(action, Read),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_gets_exactly_its_actions() {
        use Action::*;
        let table = [
            (Role::Owner, [true, true, true, true]),
            (Role::Manager, [true, true, true, false]),
            (Role::Member, [true, true, false, false]),
            (Role::Inspector, [true, false, false, false]),
        ];
        for (role, expected) in table {
            let got =
                [Read, RecordDiary, ManageRegistry, ManageOrganization].map(|a| role.allows(a));
            assert_eq!(got, expected, "{role}");
        }
    }
}
