//! The proxies as the engine runs them: built once from the configuration (`build.rs`),
//! immutable afterwards, shared by every worker (`Arc`). A `listen` section is a frontend
//! whose default backend is itself.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use crate::config::{Balance, ForwardFor, HttpConnMode, Mode};

/// An address a frontend listens on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListenAddr {
    Inet(SocketAddr),
    Unix(PathBuf),
}

/// Where a server is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerTarget {
    Inet(SocketAddr),
    /// No port in the configuration: the port the client connected to.
    InetClientPort(std::net::IpAddr),
    Unix(PathBuf),
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Timeouts {
    pub client: Option<Duration>,
    pub server: Option<Duration>,
    pub connect: Option<Duration>,
    pub http_request: Option<Duration>,
    pub http_keep_alive: Option<Duration>,
    pub tunnel: Option<Duration>,
}

#[derive(Clone, Debug)]
pub struct Server {
    pub name: Arc<str>,
    pub target: ServerTarget,
    pub weight: u32,
    pub maxconn: Option<u32>,
    pub backup: bool,
    pub disabled: bool,
}

#[derive(Debug)]
pub struct Frontend {
    pub name: Arc<str>,
    pub mode: Mode,
    pub listen: Vec<ListenAddr>,
    pub timeouts: Timeouts,
    pub maxconn: Option<u32>,
    pub default_backend: Option<usize>,
    pub conn_mode: HttpConnMode,
    pub forwardfor: Option<ForwardFor>,
    /// `option http-buffer-request`.
    pub buffer_request: bool,
    /// The proxy's index in the configuration (rules and logs refer to it).
    pub config_index: usize,
}

#[derive(Debug)]
pub struct Backend {
    pub name: Arc<str>,
    pub mode: Mode,
    pub servers: Vec<Server>,
    pub balance: Balance,
    pub retries: u32,
    pub timeouts: Timeouts,
    pub conn_mode: HttpConnMode,
    pub forwardfor: Option<ForwardFor>,
    /// `option http-buffer-request`.
    pub buffer_request: bool,
    pub config_index: usize,
}

/// Everything the workers run.
#[derive(Debug)]
pub struct Plan {
    pub frontends: Vec<Frontend>,
    pub backends: Vec<Backend>,
    pub nbthread: usize,
    pub maxconn: usize,
}
