//! One module per screen.

mod audit;
mod home;
mod join;
mod licenses;
mod not_found;
mod sign_in;
mod teams;
pub(crate) mod users;
mod welcome;

pub use audit::AuditLogPage;
pub use home::Home;
pub use join::Join;
pub use licenses::LicensesPage;
pub use not_found::NotFound;
pub use sign_in::SignIn;
pub use teams::TeamsPage;
pub use users::UserManagement;
pub use welcome::Welcome;
