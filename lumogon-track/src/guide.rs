//! The manual, beside the crate documentation's one page.
//!
#![doc = include_str!("guide.md")]
