//! The proxy engine: listeners, worker threads, TCP and HTTP streams, backends.

pub mod backend;
pub mod build;
pub mod conn;
pub mod http_stream;
pub mod listener;
pub mod proxy;
pub mod replies;
pub mod rules;
pub mod sockopt;
pub mod tcp_stream;
pub mod tunnel;
pub mod txn;
pub mod worker;
