//! The proxy engine: listeners, worker threads, TCP and HTTP streams, backends.

pub mod backend;
pub mod conn;
pub mod listener;
pub mod proxy;
pub mod tunnel;
pub mod build;
pub mod rules;
