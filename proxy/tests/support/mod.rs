//! The integration-test kit: start `halo` (or the real `haproxy`) on a configuration written
//! into a temporary directory, talk to it with a raw HTTP/1.1 client, and give it a backend that
//! echoes what it received.
//!
//! Every test binary includes this module with `mod support;` and uses a subset of it, hence
//! the `dead_code`/`unused_imports` allowance.
#![allow(dead_code, unused_imports)]

pub mod backend;
pub mod client;
pub mod diff;
pub mod ports;
pub mod proxy;
pub mod sockets;

pub use backend::{Backend, Received, Reply};
pub use client::{Client, Response};
pub use proxy::{Engine, Proxy, Setup};

/// Whether the real `haproxy` is on PATH; prints why a differential test is skipped if not.
pub fn haproxy_available(test: &str) -> bool {
    let ok = std::process::Command::new("haproxy")
        .arg("-v")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        eprintln!("note: {test}: skipped, `haproxy` is not on PATH (.ci/run installs it)");
    }
    ok
}
