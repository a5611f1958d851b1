//! The commands the window may call, one module per engine area.
//!
//! Each is thin: it turns wire types ([`crate::dto`]) into engine calls and
//! back. Command modules do not use one another; what they share lives on
//! [`crate::AppState`], in [`crate::tasks`] and in [`crate::schemes`].

pub mod heatmap;
pub mod library;
pub mod models;
pub mod search;
