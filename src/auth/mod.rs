//! Who is calling, and what they may touch.
//!
//! A request authenticates with an API token (`Authorization: Bearer ocop_…`). A token is
//! either a platform-admin token or scoped to one organization with one role. The access rule
//! lives in [`Principal::authorize`]: records of another organization are reported as absent
//! (404), so their existence does not leak; a role that is too weak gets 403.

pub mod password;
pub mod token;

use uuid::Uuid;

use crate::domain::role::{Action, Role};
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Admin,
    Organization { id: Uuid, role: Role },
}

#[derive(Debug, Clone)]
pub struct Principal {
    pub token_id: Uuid,
    pub user_id: Option<Uuid>,
    /// Shown as the actor of what this principal records (token name).
    pub name: String,
    pub scope: Scope,
}

impl Principal {
    /// The service itself or its operator at the console: a platform administrator.
    pub fn system(name: &str) -> Self {
        Self {
            token_id: Uuid::nil(),
            user_id: None,
            name: name.to_owned(),
            scope: Scope::Admin,
        }
    }

    /// The operator at the console (the `ocop-trace` commands): a platform administrator.
    pub fn operator() -> Self {
        Self::system("ocop-trace (operator)")
    }

    pub fn is_admin(&self) -> bool {
        self.scope == Scope::Admin
    }

    /// May this principal perform `action` on data of `organization`? `what` names the
    /// record for the 404, so a hidden record looks exactly like an absent one.
    pub fn authorize(
        &self,
        organization: Uuid,
        action: Action,
        what: &'static str,
    ) -> Result<(), AppError> {
        match self.scope {
            Scope::Admin => Ok(()),
            Scope::Organization { id, role } if id == organization => {
                if role.allows(action) {
                    Ok(())
                } else {
                    Err(AppError::Forbidden(action_name(action)))
                }
            }
            Scope::Organization { .. } => Err(AppError::NotFound(what)),
        }
    }

    /// The only organization this principal sees, or `None` for an admin (all of them).
    pub fn organization(&self) -> Option<Uuid> {
        match self.scope {
            Scope::Admin => None,
            Scope::Organization { id, .. } => Some(id),
        }
    }

    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden("platform administration"))
        }
    }
}

fn action_name(a: Action) -> &'static str {
    match a {
        Action::Read => "reading this organization's records",
        Action::RecordDiary => "recording batches and diary events",
        Action::ManageRegistry => {
            "changing the registry (farms, growing areas, products, certifications)"
        }
        Action::ManageOrganization => "managing the organization, its members and tokens",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member_of(id: Uuid, role: Role) -> Principal {
        Principal {
            token_id: Uuid::nil(),
            user_id: None,
            name: "t".into(),
            scope: Scope::Organization { id, role },
        }
    }

    #[test]
    fn another_organizations_records_look_absent() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let p = member_of(a, Role::Owner);
        assert!(p.authorize(a, Action::ManageOrganization, "farm").is_ok());
        assert!(matches!(
            p.authorize(b, Action::Read, "farm"),
            Err(AppError::NotFound("farm"))
        ));
    }

    #[test]
    fn a_weak_role_is_forbidden_not_hidden() {
        let a = Uuid::now_v7();
        let p = member_of(a, Role::Inspector);
        assert!(p.authorize(a, Action::Read, "farm").is_ok());
        assert!(matches!(
            p.authorize(a, Action::RecordDiary, "farm"),
            Err(AppError::Forbidden(_))
        ));
    }
}
