//! A TCP-mode stream: `tcp-request connection` rules at accept, `tcp-request content` rules
//! once the inspect delay allows (Lua actions see the client's data through `txn.req` and can
//! answer through `txn.res`), then a Lua TCP service on the client connection, or a backend
//! server (`use_backend`/default) with the backend's `tcp-response content` rules on its first
//! data, and bytes forwarded both ways.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use bytes::Bytes;
use tokio::time::Instant;

use super::backend;
use super::conn::Conn;
use super::listener::Accepted;
use super::tunnel;
use super::txn::{Session, SharedTxn, StreamSource, TxnData};
use super::worker::{Registered, Worker};
use crate::lua::applet_io::{self, AppletIo};
use crate::lua::channel::{ChannelData, SharedChannel};
use crate::lua::invoke::{self, ActionOutcome};
use crate::rules::{LuaCall, ProxyRules, TcpConnAction, TcpContentAction, TcpResAction};
use crate::sample::{Dir, SampleSource};

/// The idle timeout of a tunnel: `timeout tunnel`, else the larger of client and server
/// (HAProxy applies each to its side; one timer for both directions is Halo's approximation,
/// see docs/COMPAT.md).
pub fn tunnel_idle(fe: &super::proxy::Timeouts, be: &super::proxy::Timeouts) -> Option<Duration> {
    be.tunnel.or(fe.tunnel).or(match (fe.client, be.server) {
        (Some(c), Some(s)) => Some(c.max(s)),
        (c, s) => c.or(s),
    })
}

/// What the content rules decided.
enum Verdict {
    /// Go on to the backend.
    Forward,
    /// Answer with this Lua TCP service.
    Service(String),
    /// Reject or `txn:done()`: send what Lua queued for the client, then close.
    Close,
}

/// Runs a Lua action with the stream's channels.
async fn lua_action(
    sess: &Rc<Session>,
    src: &StreamSource,
    call: &LuaCall,
    channels: (SharedChannel, SharedChannel),
) -> ActionOutcome {
    let rt = if call.global_function {
        sess.worker.any_lua().cloned()
    } else {
        sess.worker.lua_for(Registered::Action, &call.name).cloned()
    };
    match rt {
        Some(rt) => invoke::action(&rt, src, call, false, Some(channels)).await,
        None => ActionOutcome::Failed,
    }
}

/// Keeps `req.len`/`req.payload`-style fetches in step with the buffered client data.
fn note_request_data(txn: &SharedTxn, ch: &SharedChannel) {
    let c = ch.borrow();
    let data = c
        .conn
        .as_ref()
        .map(|c| Bytes::copy_from_slice(&c.rbuf))
        .unwrap_or_default();
    let mut t = txn.borrow_mut();
    t.req_len = data.len() as i64;
    t.req_body = Some(data);
}

async fn content_rules(
    sess: &Rc<Session>,
    txn: &SharedTxn,
    rules: &ProxyRules,
    channels: (SharedChannel, SharedChannel),
) -> Verdict {
    let mut src = StreamSource::new(sess.clone(), txn.clone(), Dir::Req);
    for rule in &rules.tcp_content {
        note_request_data(txn, &channels.0);
        if !rule.applies(&mut src).await {
            continue;
        }
        match &rule.action {
            TcpContentAction::Accept => return Verdict::Forward,
            TcpContentAction::Reject => return Verdict::Close,
            TcpContentAction::Lua(call) => {
                if lua_action(sess, &src, call, channels.clone()).await == ActionOutcome::Done {
                    return Verdict::Close;
                }
            }
            TcpContentAction::UseService(name) => return Verdict::Service(name.clone()),
            TcpContentAction::SetVar(sv) => sv.run(&mut src).await,
            TcpContentAction::UnsetVar(name) => src.unset_var(name),
        }
    }
    Verdict::Forward
}

/// Takes a connection back from a channel, and what Lua queued for the other side.
fn take_back(ch: &SharedChannel) -> (Option<Conn>, Bytes) {
    let mut c = ch.borrow_mut();
    let out = c.output.split().freeze();
    (c.conn.take(), out)
}

pub async fn serve(worker: Rc<Worker>, fe_idx: usize, luid: u32, mut a: Accepted) {
    let fe = &worker.plan.frontends[fe_idx];
    let (sess, _counted) = Session::open(Session {
        worker: worker.clone(),
        frontend: fe_idx,
        peer: a.peer,
        local: a.local,
        vars: RefCell::new(Default::default()),
        accepted: std::time::Instant::now(),
        accept_date: std::time::SystemTime::now(),
        listener_id: luid,
        sock: a.conn.sock_handle(),
    });
    let traffic = &worker.logs.traffic[fe.config_index];
    traffic.log_start(sess.peer, sess.local, luid);
    let txn: SharedTxn = Rc::new(RefCell::new(TxnData::default()));
    let rules = &worker.rules.proxies[fe.config_index];

    // tcp-request connection: before any data.
    let mut src = StreamSource::new(sess.clone(), txn.clone(), Dir::Req);
    for rule in &rules.tcp_connection {
        if rule.applies(&mut src).await {
            match rule.action {
                TcpConnAction::Accept => break,
                TcpConnAction::Reject => return,
            }
        }
    }

    // tcp-request content: with an inspect delay, wait for the client's first data (or the
    // delay) before evaluating; Lua actions may wait for more themselves until the delay.
    let mut client = a.conn;
    let inspect = rules
        .inspect_delay
        .map(|ms| Duration::from_millis(u64::from(ms)));
    let deadline = inspect.or(fe.timeouts.client).map(|d| Instant::now() + d);
    if !rules.tcp_content.is_empty()
        && let Some(d) = inspect
        && client.rbuf.is_empty()
    {
        let _ = tokio::time::timeout(d, client.fill()).await;
    }
    let req_ch = ChannelData::new(Some(client), false, deadline);
    let res_ch = ChannelData::new(None, true, None);
    let verdict = if rules.tcp_content.is_empty() {
        Verdict::Forward
    } else {
        content_rules(&sess, &txn, rules, (req_ch.clone(), res_ch.clone())).await
    };
    let (client, to_server) = take_back(&req_ch);
    let (_, to_client) = take_back(&res_ch);
    let Some(mut client) = client else {
        return;
    };
    if !to_client.is_empty() && client.write_all(&to_client).await.is_err() {
        return;
    }
    match verdict {
        Verdict::Close => {
            let _ = client.shutdown().await;
            return;
        }
        Verdict::Service(name) => {
            let (up, down) = service(&sess, &txn, client, &name).await;
            txn.borrow_mut().served_by(&name);
            log_end(&sess, &txn, traffic, up, down, *b"--").await;
            return;
        }
        Verdict::Forward => {}
    }

    // Backend: the first use_backend rule that applies, else the default.
    let be_idx = {
        let mut chosen = None;
        for rule in &rules.use_backend {
            if rule.applies(&mut src).await {
                let name = match &rule.action {
                    crate::rules::BackendName::Static(n) => n.clone(),
                    crate::rules::BackendName::Dynamic(f) => {
                        String::from_utf8_lossy(&f.render(&mut src, &Default::default()).await)
                            .into_owned()
                    }
                };
                chosen = worker.plan.backend_by_name(&name);
                if chosen.is_some() {
                    break;
                }
            }
        }
        chosen.or(fe.default_backend)
    };
    let Some(be_idx) = be_idx else {
        // No backend: HAProxy closes the connection.
        return;
    };
    txn.borrow_mut().set_backend(be_idx);
    let be = &worker.plan.backends[be_idx];
    let st = &worker.backends[be_idx];
    let (slot, mut server) = match backend::connect(be, st, a.peer, a.local, false).await {
        Ok((slot, server, _)) => (slot, server),
        Err(e) => {
            // HAProxy logs the stream: the server it tried (if any), every retry made, and
            // "SC" (refused) or "sC" (connect timeout).
            let term = match e {
                backend::ConnectError::Failed { server, timed_out } => {
                    let mut t = txn.borrow_mut();
                    t.server = Some(Rc::from(&*be.servers[server].name));
                    t.log.retries = i64::from(be.retries);
                    t.log.tw = Some(0);
                    if timed_out { *b"sC" } else { *b"SC" }
                }
                backend::ConnectError::NoServer => *b"SC",
            };
            drop(client);
            log_end(&sess, &txn, traffic, 0, 0, term).await;
            return;
        }
    };
    {
        let mut t = txn.borrow_mut();
        t.server = Some(Rc::from(&*be.servers[slot.server].name));
        t.log.retries = i64::from(slot.retries);
    }
    if !to_server.is_empty() && server.write_all(&to_server).await.is_err() {
        return;
    }

    // tcp-response content rules (the backend's) on the server's first data.
    let be_rules = &worker.rules.proxies[be.config_index];
    if !be_rules.tcp_response.is_empty() {
        let wait = be_rules
            .res_inspect_delay
            .map(|ms| Duration::from_millis(u64::from(ms)))
            .or(be.timeouts.server);
        if server.rbuf.is_empty() {
            let wait_for_server = first_server_data(&mut client, &mut server);
            match wait {
                Some(d) => {
                    let _ = tokio::time::timeout(d, wait_for_server).await;
                }
                None => wait_for_server.await,
            }
        }
        let req_ch = ChannelData::new(None, false, None);
        let res_ch = ChannelData::new(Some(server), true, wait.map(|d| Instant::now() + d));
        let mut close = false;
        let mut rsrc = StreamSource::new(sess.clone(), txn.clone(), Dir::Res);
        for rule in &be_rules.tcp_response {
            if !rule.applies(&mut rsrc).await {
                continue;
            }
            match &rule.action {
                TcpResAction::Accept => break,
                TcpResAction::Reject => {
                    close = true;
                    break;
                }
                TcpResAction::Close => break,
                TcpResAction::Lua(call) => {
                    if lua_action(&sess, &rsrc, call, (req_ch.clone(), res_ch.clone())).await
                        == ActionOutcome::Done
                    {
                        close = true;
                        break;
                    }
                }
                TcpResAction::SetVar(sv) => sv.run(&mut rsrc).await,
                TcpResAction::UnsetVar(name) => rsrc.unset_var(name),
            }
        }
        let (s, to_client) = take_back(&res_ch);
        let (_, to_server) = take_back(&req_ch);
        let Some(s) = s else { return };
        server = s;
        if !to_client.is_empty() && client.write_all(&to_client).await.is_err() {
            return;
        }
        if !to_server.is_empty() && server.write_all(&to_server).await.is_err() {
            return;
        }
        if close {
            let _ = client.shutdown().await;
            return;
        }
    }

    let idle = tunnel_idle(&fe.timeouts, &be.timeouts);
    let stats = tunnel::run(client, server, idle).await;
    drop(slot);
    let term = match stats.end {
        tunnel::TunnelEnd::Closed => *b"--",
        tunnel::TunnelEnd::Timeout => *b"cD",
        tunnel::TunnelEnd::Error => *b"CD",
    };
    log_end(&sess, &txn, traffic, stats.up, stats.down, term).await;
}

/// The stream's traffic log line at its end (when the frontend logs at the end): `up` bytes
/// from the client, `down` bytes to it, and the termination state.
async fn log_end(
    sess: &Rc<Session>,
    txn: &SharedTxn,
    traffic: &crate::logging::traffic::TrafficLog,
    up: u64,
    down: u64,
    term: [u8; 2],
) {
    if !traffic.logs_at_end() {
        return;
    }
    let log = {
        let mut t = txn.borrow_mut();
        t.log.accept_date = sess.accept_date;
        t.log.pid = crate::process::pid();
        t.log.bytes_in = up;
        t.log.bytes_out = down;
        t.log.actconn = crate::process::CURR_CONNS.load(std::sync::atomic::Ordering::Relaxed);
        t.log.feconn = sess.fe_conn();
        // As in HAProxy, this stream's backend and server slots are released before the log.
        let (be_conn, srv_conn) = t.log_conn_counts(sess);
        t.log.beconn = be_conn;
        t.log.srv_conn = srv_conn;
        t.release_backend();
        t.log.tt = Some(sess.accepted.elapsed().as_millis() as i64);
        t.log.term = term;
        t.log.clone()
    };
    let mut src = StreamSource::new(sess.clone(), txn.clone(), Dir::Req);
    traffic.log_end(&mut src, &log, up, None).await;
}

/// Waits for the server's first data (for `tcp-response content` rules) while the client's
/// data keeps flowing to the server, as in haproxy: a server that answers requests only
/// answers once it has one.
async fn first_server_data(client: &mut Conn, server: &mut Conn) {
    loop {
        // What the client sent and the request rules left in place goes first.
        if !client.rbuf.is_empty() {
            let data = client.rbuf.split();
            if server.write_all(&data).await.is_err() {
                return;
            }
        }
        if client.read_closed {
            let _ = server.fill().await;
            return;
        }
        tokio::select! {
            _ = server.fill() => return,
            r = client.fill() => {
                // Both reads are cancel-safe (`read_buf`): nothing is lost by the one dropped.
                // The data read is sent at the top of the loop; at the client's end (or an
                // error) the tunnel relays the half-close later.
                if !matches!(r, Ok(n) if n > 0) {
                    client.read_closed = true;
                }
            }
        }
    }
}

/// Runs a Lua TCP service on the client connection, then closes it. Returns the bytes read
/// from the client (all of the connection's) and written to it.
async fn service(sess: &Rc<Session>, txn: &SharedTxn, client: Conn, name: &str) -> (u64, u64) {
    let Some(rt) = sess.worker.lua_for(Registered::Service, name).cloned() else {
        return (0, 0);
    };
    let io = AppletIo::new(client);
    let src = StreamSource::new(sess.clone(), txn.clone(), Dir::Req);
    let _ = invoke::tcp_service(&rt, name, io.clone(), src).await;
    let _ = applet_io::flush(&io).await;
    let (conn, down) = {
        let mut s = io.borrow_mut();
        (s.conn.take(), s.written)
    };
    let mut up = 0;
    if let Some(mut c) = conn {
        up = c.read_total;
        let _ = c.shutdown().await;
    }
    (up, down)
}
