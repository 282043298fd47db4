//! Users, memberships and API tokens.

mod memberships;
mod sessions;
mod tokens;
mod users;

pub use memberships::*;
pub use sessions::*;
pub use tokens::*;
pub use users::*;
