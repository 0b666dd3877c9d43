//! The Allot console.
