//! One module per screen.

mod home;
mod no_access;
mod not_found;
mod sign_in;
mod user_management;

pub use home::Home;
pub use no_access::NoAccess;
pub use not_found::{NotFound, NotFoundPage};
pub use sign_in::SignIn;
pub use user_management::UserManagement;
