//! The Allot console: a Leptos single-page app over the Allot JSON API.

pub mod api;
mod app;
pub mod components;
mod context;
pub mod dom;
pub mod format;
pub mod org;
mod pages;
mod route;
mod rows;

pub use app::App;
pub use context::Placement;
