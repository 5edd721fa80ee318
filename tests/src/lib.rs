//! Helpers for the end-to-end tests: real servers on 127.0.0.1 and a way to
//! run the `lumogon` binary of the current feature mode in a clean
//! environment.

// Test fixtures hold threads and sockets; a Debug view of them helps nobody.
#![allow(missing_debug_implementations)]

pub mod bounded;
pub mod collector;
pub mod docker_proxy;
pub mod examples;
pub mod fixtures;
pub mod lumogon;
pub mod networks;
pub mod servers;
pub mod stall_proxy;
pub mod tls;
pub mod tools;

/// Whether this test build has the `analytics` feature, and so which
/// `lumogon` it runs.
pub const ANALYTICS: bool = cfg!(feature = "analytics");
