//! Pieces of screens, each usable (and tested) on its own.

mod clamped;
mod data_table;
mod dialog;
mod error_panel;
mod icon_button;
pub mod icons;
pub mod tabs;
mod toasts;

pub use clamped::Clamped;
pub use data_table::{Column, DataTable, TableRow, Unselectable, table_rows};
pub use dialog::Dialog;
pub use error_panel::ErrorPanel;
pub use icon_button::IconButton;
pub use toasts::{ToastRegion, Toasts};
