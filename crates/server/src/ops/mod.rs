//! The domain's verbs, between HTTP and the stores: each runs inside the caller's transaction
//! (or opens its own) and knows nothing of requests or answers. `http` adapts requests to them;
//! they call stores and `allot_core`'s rules.

pub mod activate;
pub mod allocate;
pub mod sign_in;
