//! The Allot console: a Leptos single-page app over the Allot JSON API.

pub mod api;
mod app;
pub mod components;
pub mod dom;
pub mod format;
mod pages;
mod remote;
mod rows;
pub mod sync;

pub use app::{App, Placement};
