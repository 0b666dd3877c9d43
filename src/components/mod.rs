//! Pieces of screens, each usable (and tested) on its own.

mod data_table;
mod dialog;
mod error_panel;
mod icon_button;
pub mod tabs;
pub mod icons;
mod toasts;

pub use data_table::{Column, DataTable, TableRow, Unselectable, table_rows};
pub use dialog::Dialog;
pub use error_panel::ErrorPanel;
pub use icon_button::IconButton;
pub use toasts::{ToastRegion, Toasts};
