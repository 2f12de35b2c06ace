//! The state of a connection (`Session`) and of one request on it (`TxnData`) as the rules,
//! the sample fetches and the Lua classes see it, and `StreamSource`, the sample source over
//! them. Lua objects (TXN, HTTP, applets) hold `Rc`s to the same cells, so what a script
//! changes is what the engine forwards; nothing holds a borrow across an await.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;

use bytes::Bytes;

use super::worker::{Registered, Worker};
use crate::http::{RequestHead, ResponseHead, Version};
use crate::lua::runtime::LuaRuntime;
use crate::sample::value::Method;
use crate::sample::{Dir, LuaSamples, Sample, SampleSource, VarName, VarScope, Vars};

/// One client connection.
pub struct Session {
    pub worker: Rc<Worker>,
    pub frontend: usize,
    pub peer: Option<SocketAddr>,
    pub local: Option<SocketAddr>,
    /// `sess.*` variables.
    pub vars: RefCell<Vars>,
    /// When the connection was accepted (logs' `%t`, `%Tt`).
    pub accepted: std::time::Instant,
    pub accept_date: std::time::SystemTime,
    /// The listener's number in its frontend (HAProxy's `luid`, from 1).
    pub listener_id: u32,
    /// The client socket, for `TXN.set_tos`/`set_mark` (inert once the connection closed).
    pub sock: super::sockopt::SockHandle,
}

impl Session {
    /// Shares a new session, counted in its frontend's connections (`fe_conn`) until the
    /// returned guard is dropped: the connection's owner holds it, as Lua objects may keep
    /// the session itself alive (until collected) after the connection ended.
    pub fn open(s: Session) -> (Rc<Session>, ConnCounted) {
        CONN_COUNTS.with(|c| c.borrow_mut().add(Side::Fe, s.frontend, 1));
        let guard = ConnCounted {
            frontend: s.frontend,
        };
        (Rc::new(s), guard)
    }

    /// The frontend's live connections on this worker (HAProxy's `feconn`; the same with
    /// one thread).
    pub fn fe_conn(&self) -> i64 {
        CONN_COUNTS.with(|c| c.borrow().get(Side::Fe, self.frontend))
    }

    pub fn frontend_name(&self) -> &str {
        &self.worker.plan.frontends[self.frontend].name
    }
}

/// A connection counted in its frontend's `fe_conn` while this lives.
pub struct ConnCounted {
    frontend: usize,
}

impl Drop for ConnCounted {
    fn drop(&mut self) {
        CONN_COUNTS.with(|c| c.borrow_mut().add(Side::Fe, self.frontend, -1));
    }
}

#[derive(Clone, Copy)]
enum Side {
    Fe,
    Be,
}

/// Live sessions per frontend (`fe_conn`) and streams assigned per backend (`be_conn`), per
/// worker (HAProxy's counters are process-wide; the same with one thread).
#[derive(Default)]
struct ConnCounts {
    fe: Vec<i64>,
    be: Vec<i64>,
}

impl ConnCounts {
    fn add(&mut self, side: Side, idx: usize, n: i64) {
        let v = match side {
            Side::Fe => &mut self.fe,
            Side::Be => &mut self.be,
        };
        if v.len() <= idx {
            v.resize(idx + 1, 0);
        }
        v[idx] += n;
    }

    fn get(&self, side: Side, idx: usize) -> i64 {
        let v = match side {
            Side::Fe => &self.fe,
            Side::Be => &self.be,
        };
        v.get(idx).copied().unwrap_or(0).max(0)
    }
}

thread_local! {
    static CONN_COUNTS: RefCell<ConnCounts> = RefCell::new(ConnCounts::default());
}

/// One request/response exchange (for TCP mode, the whole connection).
#[derive(Default)]
pub struct TxnData {
    pub req: Option<RequestHead>,
    pub res: Option<ResponseHead>,
    pub backend: Option<usize>,
    pub server: Option<Rc<str>>,
    /// `txn.*`, `req.*`, `res.*` variables.
    pub vars: Vars,
    /// `txn:done()` was called: stop processing and close.
    pub done: bool,
    /// `txn:set_loglevel()`.
    pub loglevel: Option<crate::log::Level>,
    /// The request body when it has been buffered (for `req.body`).
    pub req_body: Option<Bytes>,
    /// Bytes of request data received so far (`req.len`).
    pub req_len: i64,
    /// What the traffic log line reports, filled as the stream goes.
    pub log: crate::sample::logformat::StreamLog,
    /// The first request of its connection (`http_first_req`).
    pub first_request: bool,
    /// `backend` is counted in its `be_conn` (until `release_backend` or the drop).
    be_counted: bool,
}

impl TxnData {
    /// Assigns the stream to a backend, counted in that backend's `be_conn` until the
    /// transaction ends.
    pub fn set_backend(&mut self, be: usize) {
        self.release_backend();
        self.backend = Some(be);
        CONN_COUNTS.with(|c| c.borrow_mut().add(Side::Be, be, 1));
        self.be_counted = true;
    }

    /// A Lua service answers this stream: HAProxy logs it as the server `<lua.name>`, "connected"
    /// at once (queue and connect times 0).
    pub fn served_by(&mut self, service: &str) {
        self.server = Some(Rc::from(format!("<lua.{service}>").as_str()));
        self.log.tw = Some(0);
        self.log.tc = Some(0);
    }

    /// The stream ended: it no longer counts in its backend's `be_conn` (a Lua object may
    /// keep this transaction alive longer).
    pub fn release_backend(&mut self) {
        if let Some(be) = self.backend.filter(|_| self.be_counted) {
            CONN_COUNTS.with(|c| c.borrow_mut().add(Side::Be, be, -1));
        }
        self.be_counted = false;
    }
}

impl TxnData {
    /// The log's `%bc` and `%sc`: the backend's and the server's streams other than this one
    /// (HAProxy logs after releasing this stream's slots; the server slot is already released
    /// here).
    pub fn log_conn_counts(&self, sess: &Session) -> (i64, i64) {
        let Some(be) = self.backend else {
            return (0, 0);
        };
        let own = i64::from(self.be_counted);
        let be_conn = CONN_COUNTS.with(|c| c.borrow().get(Side::Be, be)) - own;
        let plan_be = &sess.worker.plan.backends[be];
        let srv = self
            .server
            .as_ref()
            .and_then(|name| plan_be.servers.iter().position(|s| *s.name == **name))
            .map_or(0, |i| i64::from(sess.worker.backends[be].active(i)));
        (be_conn.max(0), srv)
    }
}

impl Drop for TxnData {
    fn drop(&mut self) {
        self.release_backend();
    }
}

pub type SharedTxn = Rc<RefCell<TxnData>>;

// Process-wide `proc.*` variables: per worker (HAProxy shares them across threads; Halo keeps
// workers shared-nothing, see docs/COMPAT.md).
thread_local! {
    static PROC_VARS: RefCell<Vars> = RefCell::new(Vars::default());
}

/// The sample source of a stream: what fetches read and `set-var` writes.
#[derive(Clone)]
pub struct StreamSource {
    pub sess: Rc<Session>,
    pub txn: SharedTxn,
    /// Which message `hdr()` reads by default (the rule set's direction).
    pub dir: Dir,
    /// The fetches of an HTTP service (`applet.f`): haproxy 2.6 has handed the request to the
    /// applet by then, so `req.len` is 0 (measured).
    in_service: bool,
}

impl StreamSource {
    pub fn new(sess: Rc<Session>, txn: SharedTxn, dir: Dir) -> Self {
        StreamSource {
            sess,
            txn,
            dir,
            in_service: false,
        }
    }

    /// The source of an HTTP service's `applet.f`.
    pub fn for_http_service(sess: Rc<Session>, txn: SharedTxn) -> Self {
        StreamSource {
            in_service: true,
            ..StreamSource::new(sess, txn, Dir::Req)
        }
    }

    /// A backend by name, else the stream's: the chosen one, or the frontend's own backend
    /// side (a `listen`) before switching. `None` when there is none.
    fn backend_index(&self, name: Option<&[u8]>) -> Option<usize> {
        let plan = &self.sess.worker.plan;
        match name {
            Some(n) => plan.backends.iter().position(|b| b.name.as_bytes() == n),
            None => self.txn.borrow().backend.or_else(|| {
                let fe = &plan.frontends[self.sess.frontend];
                plan.backends
                    .iter()
                    .position(|b| b.config_index == fe.config_index)
            }),
        }
    }

    fn lua_for_fetch(&self, name: &str) -> Option<Rc<LuaRuntime>> {
        self.sess.worker.lua_for(Registered::Fetch, name).cloned()
    }

    fn lua_for_converter(&self, name: &str) -> Option<Rc<LuaRuntime>> {
        self.sess
            .worker
            .lua_for(Registered::Converter, name)
            .cloned()
    }
}

pub fn get_var(sess: &Session, txn: &TxnData, name: &VarName) -> Option<Sample> {
    match name.scope {
        VarScope::Proc => PROC_VARS.with(|v| v.borrow().get(name)),
        VarScope::Sess => sess.vars.borrow().get(name),
        _ => txn.vars.get(name),
    }
}

pub fn set_var(sess: &Session, txn: &mut TxnData, name: &VarName, value: Sample) {
    match name.scope {
        VarScope::Proc => PROC_VARS.with(|v| v.borrow_mut().set(name, value)),
        VarScope::Sess => sess.vars.borrow_mut().set(name, value),
        _ => txn.vars.set(name, value),
    }
}

pub fn unset_var(sess: &Session, txn: &mut TxnData, name: &VarName) {
    match name.scope {
        VarScope::Proc => PROC_VARS.with(|v| v.borrow_mut().unset(name)),
        VarScope::Sess => sess.vars.borrow_mut().unset(name),
        _ => txn.vars.unset(name),
    }
}

impl SampleSource for StreamSource {
    fn client_addr(&self) -> Option<SocketAddr> {
        self.sess.peer
    }
    fn frontend_addr(&self) -> Option<SocketAddr> {
        self.sess.local
    }
    fn frontend_name(&self) -> Option<String> {
        Some(self.sess.frontend_name().to_string())
    }
    fn backend_name(&self) -> Option<String> {
        // Before a backend is chosen, the stream's backend is its frontend (HAProxy).
        match self.txn.borrow().backend {
            Some(be) => Some(self.sess.worker.plan.backends[be].name.to_string()),
            None => Some(self.sess.frontend_name().to_string()),
        }
    }
    fn server_name(&self) -> Option<String> {
        self.txn.borrow().server.as_ref().map(|s| s.to_string())
    }
    fn method(&self) -> Option<Method> {
        Some(Method::from_bytes(&self.txn.borrow().req.as_ref()?.method))
    }
    fn uri(&self) -> Option<Bytes> {
        Some(self.txn.borrow().req.as_ref()?.uri.clone())
    }
    fn req_version(&self) -> Option<Bytes> {
        Some(Bytes::from_static(
            match self.txn.borrow().req.as_ref()?.version {
                Version::Http10 => b"1.0",
                Version::Http11 => b"1.1",
            },
        ))
    }
    fn for_each_header(&self, dir: Dir, f: &mut dyn FnMut(&[u8], &[u8])) -> bool {
        let t = self.txn.borrow();
        let headers = match dir {
            Dir::Req => t.req.as_ref().map(|r| &r.headers),
            Dir::Res => t.res.as_ref().map(|r| &r.headers),
        };
        match headers {
            Some(h) => {
                for hdr in h.iter() {
                    f(&hdr.name, &hdr.value);
                }
                true
            }
            None => false,
        }
    }
    fn req_body(&self) -> Option<Bytes> {
        self.txn.borrow().req_body.clone()
    }
    fn unique_id(&self) -> Option<Bytes> {
        self.txn.borrow().log.unique_id.clone()
    }
    fn req_len(&self) -> Option<i64> {
        if self.in_service {
            return Some(0);
        }
        let t = self.txn.borrow();
        let Some(req) = t.req.as_ref() else {
            return Some(t.req_len);
        };
        // HTTP: what haproxy 2.6's HTX buffer holds: the head and the body buffered so far.
        let body = t.req_body.as_ref().map_or(0, |b| b.len()) as u64;
        Some((crate::logging::htx_size::request_head(req) + body) as i64)
    }
    fn status(&self) -> Option<u16> {
        Some(self.txn.borrow().res.as_ref()?.status)
    }
    fn res_version(&self) -> Option<Bytes> {
        Some(Bytes::from_static(
            match self.txn.borrow().res.as_ref()?.version {
                Version::Http10 => b"1.0",
                Version::Http11 => b"1.1",
            },
        ))
    }
    fn first_request(&self) -> Option<bool> {
        let t = self.txn.borrow();
        t.req.as_ref().map(|_| t.first_request)
    }
    fn frontend_id(&self) -> Option<i64> {
        let plan = &self.sess.worker.plan;
        Some(plan.frontends[self.sess.frontend].config_index as i64 + 1)
    }
    fn backend_id(&self) -> Option<i64> {
        let plan = &self.sess.worker.plan;
        Some(match self.txn.borrow().backend {
            Some(be) => plan.backends[be].config_index as i64 + 1,
            None => plan.frontends[self.sess.frontend].config_index as i64 + 1,
        })
    }
    fn backend_nbsrv(&self, backend: Option<&[u8]>) -> Option<i64> {
        let plan = &self.sess.worker.plan;
        let be = &plan.backends[self.backend_index(backend)?];
        // HAProxy's `be_usable_srv`: the usable active servers, else 1 if a backup is usable
        // (only the first backup is used without `option allbackups`).
        let usable = |s: &&crate::engine::proxy::Server| !s.disabled && s.weight > 0;
        let active = be
            .servers
            .iter()
            .filter(|s| !s.backup)
            .filter(usable)
            .count();
        if active > 0 {
            return Some(active as i64);
        }
        Some(
            be.servers
                .iter()
                .filter(|s| s.backup)
                .filter(usable)
                .take(1)
                .count() as i64,
        )
    }
    fn backend_conns(&self, backend: Option<&[u8]>) -> Option<i64> {
        let be = self.backend_index(backend)?;
        Some(CONN_COUNTS.with(|c| c.borrow().get(Side::Be, be)))
    }
    fn frontend_conns(&self, frontend: Option<&[u8]>) -> Option<i64> {
        let fe = match frontend {
            None => self.sess.frontend,
            Some(name) => self
                .sess
                .worker
                .plan
                .frontends
                .iter()
                .position(|f| f.name.as_bytes() == name)?,
        };
        Some(CONN_COUNTS.with(|c| c.borrow().get(Side::Fe, fe)))
    }
    fn get_var(&self, name: &VarName) -> Option<Sample> {
        get_var(&self.sess, &self.txn.borrow(), name)
    }
    fn set_var(&mut self, name: &VarName, value: Sample) {
        set_var(&self.sess, &mut self.txn.borrow_mut(), name, value)
    }
    fn unset_var(&mut self, name: &VarName) {
        unset_var(&self.sess, &mut self.txn.borrow_mut(), name)
    }
}

impl LuaSamples for StreamSource {
    async fn lua_fetch(&mut self, name: &str, args: &[Sample]) -> Option<Sample> {
        let rt = self.lua_for_fetch(name)?;
        crate::lua::invoke::fetch(&rt, self, name, args).await
    }

    async fn lua_convert(&mut self, name: &str, input: Sample, args: &[Sample]) -> Option<Sample> {
        let rt = self.lua_for_converter(name)?;
        crate::lua::invoke::convert(&rt, self, name, input, args).await
    }
}
