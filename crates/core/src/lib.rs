//! Allot's API types and the pure domain logic shared by the console and the server.
//!
//! Nothing here does I/O, so everything is tested natively and compiles to wasm unchanged.

pub mod account;
pub mod address_list;
pub mod allocation;
pub mod api;
pub mod audit;
pub mod csv;
pub mod emails;
pub mod format;
pub mod ids;
pub mod licensing;
pub mod paths;
pub mod redirect;
pub mod role;
pub mod rules;
pub mod search;
pub mod seats;
pub mod selection;
pub mod sort;
pub mod sse;
pub mod stored;
pub mod sync;
pub mod text;
pub mod usage;
pub mod window;

pub use api::*;
pub use audit::{AuditAction, AuditActor, AuditEntry, AuditPage, AuditSubject};
pub use role::Role;
pub use stored::InvitationStatus;
pub use sync::{Applied, ChangeEvent, ProductsChange};
