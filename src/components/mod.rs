//! Pieces of screens, each usable (and tested) on its own.

mod clamped;
mod data_table;
mod dialog;
mod error_panel;
mod icon_button;
pub mod icons;
mod load_status;
mod member_picker;
mod product_picker;
mod table_page;
pub mod tabs;
mod toasts;

pub use clamped::Clamped;
pub use data_table::{
    Column, DataTable, SortBy, TableRow, Unselectable, selected_rows, table_rows,
};
pub use dialog::{Dialog, DialogActions};
pub use error_panel::ErrorPanel;
pub use icon_button::IconButton;
pub use load_status::{LoadStatus, Loadable};
pub use member_picker::MemberPicker;
pub use product_picker::ProductPicker;
pub use table_page::{Dialogs, TablePage, Toolbar};
pub use toasts::{ToastRegion, Toasts};
