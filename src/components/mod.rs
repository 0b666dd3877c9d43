//! Pieces of screens, each usable (and tested) on its own.

mod error_panel;
mod members_table;

pub use error_panel::ErrorPanel;
pub use members_table::MembersTable;
