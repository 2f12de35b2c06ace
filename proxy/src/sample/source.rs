//! What sample fetches read: the trait the engine implements over a stream (`SampleSource`,
//! synchronous, object-safe: the built-in fetches and converters take `&mut dyn
//! SampleSource`), and its asynchronous extension for `lua.<name>` fetches and converters
//! (`LuaSamples`), which run Lua and are awaited by expression evaluation.

use std::future::Future;
use std::net::SocketAddr;

use bytes::Bytes;

use super::value::{Method, Sample};
use super::vars::VarName;

/// Which HTTP message a header fetch reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Req,
    Res,
}

/// The stream a sample is fetched from. Every method answers `None`/`false` when the data
/// does not exist (no HTTP request in a TCP stream, no response yet...): fetches then fail,
/// as HAProxy's do.
pub trait SampleSource {
    /// Client address and port (`src`, `src_port`, `%ci`, `%cp`).
    fn client_addr(&self) -> Option<SocketAddr>;
    /// The address the client connected to (`dst`, `dst_port`, `%fi`, `%fp`).
    fn frontend_addr(&self) -> Option<SocketAddr>;
    fn frontend_name(&self) -> Option<String>;
    fn backend_name(&self) -> Option<String>;
    fn server_name(&self) -> Option<String>;

    /// The request's method, `None` outside HTTP.
    fn method(&self) -> Option<Method>;
    /// The request target exactly as received (`url`).
    fn uri(&self) -> Option<Bytes>;
    /// The request's version as `major.minor` (`req.ver`: "1.1").
    fn req_version(&self) -> Option<Bytes>;
    /// Calls `f(name, value)` for every header line of the message in order; false when the
    /// message does not exist. Values have their surrounding blanks removed.
    fn for_each_header(&self, dir: Dir, f: &mut dyn FnMut(&[u8], &[u8])) -> bool;
    /// The message the current rule set works on: `Res` in `http-response` and
    /// `http-after-response` rules, where `hdr()` reads the response (as in HAProxy).
    fn direction(&self) -> Dir {
        Dir::Req
    }
    /// The request body if it has been buffered (`req.body`), else `None`.
    fn req_body(&self) -> Option<Bytes>;
    /// Bytes of request data buffered so far (`req.len`).
    fn req_len(&self) -> Option<i64>;
    /// The response status, `None` before a response exists.
    fn status(&self) -> Option<u16>;

    /// The response's version as `major.minor` (`res.ver`).
    fn res_version(&self) -> Option<Bytes> {
        None
    }
    /// Whether the request is the first of its connection (`http_first_req`); `None`
    /// outside HTTP.
    fn first_request(&self) -> Option<bool> {
        None
    }
    /// The numeric ids of the frontend and of the current backend (`fe_id`, `be_id`):
    /// HAProxy numbers proxies from 1 in configuration order.
    fn frontend_id(&self) -> Option<i64> {
        None
    }
    fn backend_id(&self) -> Option<i64> {
        None
    }
    /// Usable servers of the named backend, or of the current one (`nbsrv`); `None` when
    /// there is no such backend.
    fn backend_nbsrv(&self, _backend: Option<&[u8]>) -> Option<i64> {
        None
    }
    /// Connections established on the named backend or the current one (`be_conn`).
    fn backend_conns(&self, _backend: Option<&[u8]>) -> Option<i64> {
        None
    }
    /// Connections established on the named frontend or the current one (`fe_conn`).
    fn frontend_conns(&self, _frontend: Option<&[u8]>) -> Option<i64> {
        None
    }
    /// The request's unique id (`unique-id`), `None` without `unique-id-format`.
    fn unique_id(&self) -> Option<Bytes> {
        None
    }

    /// Variables of every scope (`proc sess txn req res`); see `vars::Vars` for a store.
    fn get_var(&self, name: &VarName) -> Option<Sample>;
    fn set_var(&mut self, name: &VarName, value: Sample);
    fn unset_var(&mut self, name: &VarName);
}

/// The Lua side of sample evaluation: `lua.<name>` fetches and converters registered by
/// `core.register_fetches`/`core.register_converters`. The engine implements these by running a
/// Lua task and awaiting it; `None` is a failed sample (Lua returned nil or raised an error).
pub trait LuaSamples: SampleSource {
    fn lua_fetch(&mut self, name: &str, args: &[Sample]) -> impl Future<Output = Option<Sample>>;
    fn lua_convert(
        &mut self,
        name: &str,
        input: Sample,
        args: &[Sample],
    ) -> impl Future<Output = Option<Sample>>;
}
