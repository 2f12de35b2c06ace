//! An HTTP/1.1-mode stream: requests read one after another on the client connection
//! (keep-alive, pipelining), each run through the frontend's and the backend's rules, then
//! answered by a rule (`deny`, `return`, `redirect`), a Lua service, or a backend server whose
//! response goes through the response rules. Bodies are streamed in both directions with their
//! framing (content-length, chunked, until close). Errors get HAProxy's pages.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncWriteExt;

use super::backend::{self, ConnectError};
use super::conn::Conn;
use super::listener::Accepted;
use super::proxy::{Frontend, HttpConnMode};
use super::replies;
use super::txn::{Session, SharedTxn, StreamSource, TxnData};
use super::worker::{Registered, Worker};
use crate::http::body::{
    BodyDecoder, BodyEvent, BodyFraming, request_framing, response_framing, write_chunk,
    write_last_chunk,
};
use crate::http::connection::{self, HttpMode};
use crate::http::parse::{Limits, Parsed, parse_request, parse_response};
use crate::http::reply::Reply as HttpReply;
use crate::http::write::{write_request_head, write_response_head};
use crate::http::{RequestHead, ResponseHead, Version};
use crate::logging::htx_size;
use crate::lua::applet_http::{self, AppletHttp, BodyState, RequestView, ResponseState};
use crate::lua::applet_io::{self, AppletIo};
use crate::lua::invoke::{self, ActionOutcome};
use crate::rules::{HttpAction, ProxyRules, Rule};
use crate::sample::Dir;
use crate::sample::logformat::StreamLog;

/// What the rules decided for a request.
enum Verdict {
    /// Go on (to the backend, or to the next rule set).
    Continue,
    /// Send this reply and end the transaction (keep-alive still possible); the log's
    /// termination state ("PR" for deny, "LR" for a local answer).
    Reply(HttpReply, &'static [u8; 2]),
    /// Answer with this Lua HTTP service.
    Service(String),
    /// `txn:done()` or an error: close without answering (or after `Reply`).
    Close,
}

/// Why the client connection ends or goes on after a transaction.
enum Next {
    KeepAlive,
    Close,
}

fn mode_of(m: HttpConnMode) -> HttpMode {
    match m {
        HttpConnMode::KeepAlive => HttpMode::KeepAlive,
        HttpConnMode::ServerClose => HttpMode::ServerClose,
        HttpConnMode::Close => HttpMode::Close,
    }
}

/// The stricter of the frontend's and the backend's modes, as HAProxy combines them.
fn combined_mode(fe: HttpConnMode, be: HttpConnMode) -> HttpMode {
    let rank = |m: HttpConnMode| match m {
        HttpConnMode::KeepAlive => 0,
        HttpConnMode::ServerClose => 1,
        HttpConnMode::Close => 2,
    };
    mode_of(if rank(fe) >= rank(be) { fe } else { be })
}

/// Sends a response Halo made itself and records it for the traffic log; `htx` is its size
/// as HAProxy counts it (`logging::htx_size`; 0 for the raw pages of the H1 layer).
async fn answer(
    client: &mut Conn,
    txn: &SharedTxn,
    bytes: &[u8],
    htx: u64,
    status: u16,
    term: &[u8; 2],
) {
    {
        let mut t = txn.borrow_mut();
        t.log.status = i32::from(status);
        t.log.term = *term;
        t.log.bytes_out += htx;
    }
    let _ = client.write_all(bytes).await;
}

/// A page as a stream sends it, for a request of `version`; like HAProxy the client
/// connection stays open when `keep` allows it and the page does not ask to close.
async fn answer_page(
    client: &mut Conn,
    txn: &SharedTxn,
    status: u16,
    version: Version,
    keep: bool,
    term: &[u8; 2],
) -> Next {
    let page = replies::page(status);
    let (bytes, keep) = replies::write(&page, version, keep);
    let htx = htx_size::reply(&page.head, page.body.len());
    answer(client, txn, &bytes, htx, status, term).await;
    if keep { Next::KeepAlive } else { Next::Close }
}

/// Reads into the connection's buffer with an optional timeout; `Ok(0)` at end of stream.
async fn fill(conn: &mut Conn, timeout: Option<Duration>) -> Result<usize, ReadFail> {
    let r = match timeout {
        Some(t) => match tokio::time::timeout(t, conn.fill()).await {
            Ok(r) => r,
            Err(_) => return Err(ReadFail::Timeout),
        },
        None => conn.fill().await,
    };
    r.map_err(|_| ReadFail::Error)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadFail {
    Timeout,
    Error,
}

/// A server connection kept for the next request of the same client connection.
struct ServerConn {
    backend: usize,
    server: usize,
    conn: Conn,
}

/// The session's kept server connection: when the session ends it goes to the worker's idle
/// pool, where later requests of other sessions may take it (`http-reuse safe`).
struct KeptServer {
    worker: Rc<Worker>,
    conn: Option<ServerConn>,
}

impl Drop for KeptServer {
    fn drop(&mut self) {
        if let Some(s) = self.conn.take() {
            self.worker.backends[s.backend].release_idle(s.server, s.conn);
        }
    }
}

pub async fn serve(worker: Rc<Worker>, fe_idx: usize, luid: u32, mut a: Accepted) {
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
    let fe = &worker.plan.frontends[fe_idx];
    let traffic = &worker.logs.traffic[fe.config_index];
    let mut slot = Some(a.conn);
    let mut server = KeptServer {
        worker: worker.clone(),
        conn: None,
    };
    let mut first = true;
    loop {
        let Some(client) = slot.as_mut() else { return };
        let wait_start = std::time::Instant::now();
        let head = read_request_head(fe, client, first).await;
        let request_date = if first {
            sess.accept_date
        } else {
            std::time::SystemTime::now()
        };
        let txn: SharedTxn = Rc::new(RefCell::new(TxnData::default()));
        {
            let mut t = txn.borrow_mut();
            t.log.accept_date = sess.accept_date;
            t.log.request_date = Some(request_date);
            t.log.t_req = Some(wait_start.elapsed().as_millis() as i64);
            t.log.pid = crate::process::pid();
            t.first_request = first;
        }
        let head = match head {
            Ok(Some(h)) => h,
            Ok(None) => {
                if first {
                    // A connection closed before its first request: HAProxy logs it as a bad
                    // request the client aborted (unless `dontlognull`).
                    {
                        let mut t = txn.borrow_mut();
                        t.log.status = 400;
                        t.log.term = *b"CR";
                        t.log.t_req = None;
                        t.log.request_line = Some(Bytes::from_static(b"<BADREQ>"));
                    }
                    finish_log(&sess, &txn, traffic, wait_start, true).await;
                }
                return;
            }
            Err(status) => {
                txn.borrow_mut().log.request_line = Some(Bytes::from_static(b"<BADREQ>"));
                answer(
                    client,
                    &txn,
                    &replies::raw_page(status),
                    0,
                    status,
                    if status == 408 { b"cR" } else { b"PR" },
                )
                .await;
                let _ = client.shutdown().await;
                finish_log(&sess, &txn, traffic, wait_start, false).await;
                return;
            }
        };
        first = false;
        let counter = crate::process::CUM_REQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        txn.borrow_mut().log.request_counter = counter;
        traffic.log_start(sess.peer, sess.local, luid);
        {
            let mut t = txn.borrow_mut();
            let mut line = Vec::with_capacity(head.method.len() + head.uri.len() + 10);
            line.extend_from_slice(&head.method);
            line.push(b' ');
            line.extend_from_slice(&head.uri);
            line.push(b' ');
            line.extend_from_slice(head.version.as_bytes());
            t.log.request_line = Some(Bytes::from(line));
            t.req = Some(head);
        }
        if let Some(f) = &worker.rules.proxies[fe.config_index].unique_id_format {
            // `unique-id-format`: made once per request, for `unique-id`, `%ID` and the
            // `unique-id-header`.
            let mut src = StreamSource::new(sess.clone(), txn.clone(), Dir::Req);
            let log = txn.borrow().log.clone();
            let id = f.render(&mut src, &log).await;
            txn.borrow_mut().log.unique_id = Some(Bytes::from(id));
        }
        let next = transaction(&sess, &txn, &mut slot, &mut server.conn).await;
        finish_log(&sess, &txn, traffic, wait_start, false).await;
        txn.borrow_mut().release_backend();
        match next {
            Next::KeepAlive => continue,
            Next::Close => {
                if let Some(c) = slot.as_mut() {
                    let _ = c.shutdown().await;
                }
                return;
            }
        }
    }
}

/// Completes the transaction's log data and sends its traffic line, if one is due.
/// Logs the end of a transaction; `empty`: the client sent nothing (what `dontlognull`
/// leaves out).
async fn finish_log(
    sess: &Rc<Session>,
    txn: &SharedTxn,
    traffic: &crate::logging::TrafficLog,
    started: std::time::Instant,
    empty: bool,
) {
    if !traffic.logs_at_end() {
        return;
    }
    let (log, level) = {
        let mut t = txn.borrow_mut();
        let conns = crate::process::CURR_CONNS.load(std::sync::atomic::Ordering::Relaxed);
        t.log.ta = Some(started.elapsed().as_millis() as i64);
        t.log.tt = Some(sess.accepted.elapsed().as_millis() as i64);
        t.log.actconn = conns;
        t.log.feconn = sess.fe_conn();
        // HAProxy logs after releasing this stream's server and backend slots.
        let (be_conn, srv_conn) = t.log_conn_counts(sess);
        t.log.beconn = be_conn;
        t.log.srv_conn = srv_conn;
        t.release_backend();
        (t.log.clone(), t.loglevel)
    };
    let mut src = StreamSource::new(sess.clone(), txn.clone(), Dir::Res);
    let bytes_in = if empty { 0 } else { log.bytes_in.max(1) };
    traffic.log_end(&mut src, &log, bytes_in, level).await;
}

/// Reads the next request head. `Ok(None)`: the client closed (or stayed idle) between
/// requests; `Err(status)`: answer HAProxy's page (400 bad request, 408 timeout).
async fn read_request_head(
    fe: &Frontend,
    client: &mut Conn,
    first: bool,
) -> Result<Option<RequestHead>, u16> {
    let limits = Limits::default();
    let wait = if first {
        fe.timeouts.http_request.or(fe.timeouts.client)
    } else {
        fe.timeouts
            .http_keep_alive
            .or(fe.timeouts.http_request)
            .or(fe.timeouts.client)
    };
    let deadline = wait.map(|w| tokio::time::Instant::now() + w);
    loop {
        if !client.rbuf.is_empty() {
            match parse_request(&mut client.rbuf, &limits) {
                Ok(Parsed::Complete { head, .. }) => return Ok(Some(head)),
                Ok(Parsed::Incomplete) => {}
                Err(e) => return Err(e.status),
            }
        }
        let left = deadline.map(|d| d.saturating_duration_since(tokio::time::Instant::now()));
        match fill(client, left).await {
            Ok(0) => {
                // Closed: silently between requests, with 400 in the middle of one.
                return if client.rbuf.iter().all(|b| b.is_ascii_whitespace()) {
                    Ok(None)
                } else {
                    Err(400)
                };
            }
            Ok(_) => {}
            Err(ReadFail::Timeout) => {
                // An idle keep-alive connection just closes; a started request gets 408.
                return if client.rbuf.is_empty() {
                    Ok(None)
                } else {
                    Err(408)
                };
            }
            Err(ReadFail::Error) => return Ok(None),
        }
    }
}

/// Runs a rule set's HTTP rules in order.
async fn run_rules(
    sess: &Rc<Session>,
    txn: &SharedTxn,
    rules: &[Rule<HttpAction>],
    dir: Dir,
) -> Verdict {
    // Most rule sets are empty: no sample source for them.
    if rules.is_empty() {
        return Verdict::Continue;
    }
    let mut src = StreamSource::new(sess.clone(), txn.clone(), dir);
    // The stream's log data so far (`%ID`, `%rt`, `%Ts`... in rule log formats).
    let log = txn.borrow().log.clone();
    for rule in rules {
        if !rule.applies(&mut src).await {
            continue;
        }
        match &rule.action {
            HttpAction::Allow => return Verdict::Continue,
            HttpAction::Deny(reply) => {
                return Verdict::Reply(
                    replies::render_reply(reply, true, &mut src, &log).await,
                    b"PR",
                );
            }
            HttpAction::Return(reply) => {
                return Verdict::Reply(
                    replies::render_reply(reply, false, &mut src, &log).await,
                    b"LR",
                );
            }
            HttpAction::Redirect(r) => {
                if let Some(reply) = replies::render_redirect(r, &mut src, &log).await {
                    return Verdict::Reply(reply, b"LR");
                }
            }
            HttpAction::SetHeader { name, value } | HttpAction::AddHeader { name, value } => {
                let v = Bytes::from(value.render(&mut src, &log).await);
                let set = matches!(rule.action, HttpAction::SetHeader { .. });
                let name = Bytes::from(name.to_ascii_lowercase());
                let mut t = txn.borrow_mut();
                let headers = match dir {
                    Dir::Req => t.req.as_mut().map(|r| &mut r.headers),
                    Dir::Res => t.res.as_mut().map(|r| &mut r.headers),
                };
                if let Some(h) = headers {
                    if set {
                        h.set(name, v);
                    } else {
                        h.add(name, v);
                    }
                }
            }
            HttpAction::DelHeader { name, method } => {
                let mut t = txn.borrow_mut();
                let headers = match dir {
                    Dir::Req => t.req.as_mut().map(|r| &mut r.headers),
                    Dir::Res => t.res.as_mut().map(|r| &mut r.headers),
                };
                if let Some(h) = headers {
                    h.retain(|x| !method.matches(name, &x.name));
                }
            }
            HttpAction::SetPath(f) => {
                let v = f.render(&mut src, &log).await;
                if let Some(r) = txn.borrow_mut().req.as_mut() {
                    r.set_path(&v);
                }
            }
            HttpAction::SetQuery(f) => {
                let v = f.render(&mut src, &log).await;
                if let Some(r) = txn.borrow_mut().req.as_mut() {
                    r.set_query(&v);
                }
            }
            HttpAction::SetUri(f) => {
                let v = f.render(&mut src, &log).await;
                if let Some(r) = txn.borrow_mut().req.as_mut() {
                    r.set_uri(Bytes::from(v));
                }
            }
            HttpAction::SetMethod(f) => {
                let v = f.render(&mut src, &log).await;
                if let Some(r) = txn.borrow_mut().req.as_mut() {
                    r.set_method(Bytes::from(v));
                }
            }
            HttpAction::SetStatus { status, reason } => {
                if let Some(r) = txn.borrow_mut().res.as_mut() {
                    r.set_status(*status, reason.clone().map(Bytes::from));
                }
            }
            HttpAction::SetVar(sv) => sv.run(&mut src).await,
            HttpAction::UnsetVar(name) => {
                crate::sample::SampleSource::unset_var(&mut src, name);
            }
            HttpAction::Lua(call) => {
                let rt = if call.global_function {
                    sess.worker.any_lua().cloned()
                } else {
                    sess.worker.lua_for(Registered::Action, &call.name).cloned()
                };
                let Some(rt) = rt else {
                    continue;
                };
                match invoke::action(&rt, &src, call, true, None).await {
                    ActionOutcome::Continue | ActionOutcome::Failed => {}
                    ActionOutcome::Done => return Verdict::Close,
                }
            }
            HttpAction::UseService(name) => return Verdict::Service(name.clone()),
        }
    }
    Verdict::Continue
}

/// The backend for this request: the first `use_backend` rule that applies, else the default.
async fn choose_backend(sess: &Rc<Session>, txn: &SharedTxn, rules: &ProxyRules) -> Option<usize> {
    let plan = &sess.worker.plan;
    let mut src = StreamSource::new(sess.clone(), txn.clone(), Dir::Req);
    let log = StreamLog::default();
    for rule in &rules.use_backend {
        if !rule.applies(&mut src).await {
            continue;
        }
        let name = match &rule.action {
            crate::rules::BackendName::Static(n) => n.clone(),
            crate::rules::BackendName::Dynamic(f) => {
                String::from_utf8_lossy(&f.render(&mut src, &log).await).into_owned()
            }
        };
        if let Some(i) = plan.backend_by_name(&name) {
            return Some(i);
        }
    }
    plan.frontends[sess.frontend].default_backend
}

async fn transaction(
    sess: &Rc<Session>,
    txn: &SharedTxn,
    slot: &mut Option<Conn>,
    server: &mut Option<ServerConn>,
) -> Next {
    let Some(client) = slot.as_mut() else {
        return Next::Close;
    };
    let worker = sess.worker.clone();
    let plan = &worker.plan;
    let fe = &plan.frontends[sess.frontend];
    let rules = &worker.rules.proxies;
    let fe_rules = &rules[fe.config_index];

    let framing = request_framing(txn.borrow_mut().req.as_mut().expect("request read"));
    let framing = match framing {
        Ok(f) => f,
        Err(e) => {
            answer(
                client,
                txn,
                &replies::raw_page(e.status),
                0,
                e.status,
                b"PR",
            )
            .await;
            return Next::Close;
        }
    };
    let req_version = txn.borrow().req.as_ref().expect("request").version;
    let client_keep = connection::client_keep_alive(
        txn.borrow().req.as_ref().expect("request"),
        mode_of(fe.conn_mode),
    );

    // `req.body` sees the body bytes that arrived so far, or the whole body (up to a buffer)
    // with `option http-buffer-request`.
    let mut buffered = false;
    if fe.buffer_request {
        if !buffer_body(
            client,
            txn,
            framing,
            fe.timeouts.http_request.or(fe.timeouts.client),
        )
        .await
        {
            answer(client, txn, &replies::raw_page(408), 0, 408, b"cR").await;
            return Next::Close;
        }
        buffered = true;
    }
    note_request_body(txn, client, framing);
    let mut verdict = run_rules(sess, txn, &fe_rules.http_request, Dir::Req).await;
    let mut backend = None;
    if matches!(verdict, Verdict::Continue) {
        backend = choose_backend(sess, txn, fe_rules).await;
        if let Some(be) = backend {
            txn.borrow_mut().set_backend(be);
            let be_plan = &plan.backends[be];
            if be_plan.buffer_request && !buffered {
                let wait = fe.timeouts.http_request.or(fe.timeouts.client);
                if !buffer_body(client, txn, framing, wait).await {
                    answer(client, txn, &replies::raw_page(408), 0, 408, b"cR").await;
                    return Next::Close;
                }
                note_request_body(txn, client, framing);
            }
            let be_cfg = be_plan.config_index;
            if be_cfg != fe.config_index {
                verdict = run_rules(sess, txn, &rules[be_cfg].http_request, Dir::Req).await;
            }
        }
    }
    match verdict {
        Verdict::Close => Next::Close,
        Verdict::Reply(reply, term) => {
            // HAProxy runs http-after-response rules on the replies it makes itself too: the
            // backend's (when one was chosen), then the frontend's.
            let mut order = Vec::with_capacity(2);
            if let Some(be) = backend {
                order.push(plan.backends[be].config_index);
            }
            if !order.contains(&fe.config_index) {
                order.push(fe.config_index);
            }
            let reply = after_response(sess, txn, &order, reply).await;
            // The body of a request answered by a rule is not read: the connection stays open
            // only when there is none, or it is all buffered already (then it is dropped).
            let drained = framing == BodyFraming::Empty || drain_buffered_body(client, framing);
            let (bytes, keep) = replies::write(&reply, req_version, client_keep && drained);
            let status = reply.head.status;
            let htx = htx_size::reply(&reply.head, reply.body.len());
            answer(client, txn, &bytes, htx, status, term).await;
            if !keep {
                return Next::Close;
            }
            Next::KeepAlive
        }
        Verdict::Service(name) => {
            let taken = slot.take().expect("client connection");
            let (conn, next) = service(sess, txn, taken, framing, client_keep, &name).await;
            *slot = conn;
            next
        }
        Verdict::Continue => {
            let Some(be) = backend else {
                let keep = client_keep && framing == BodyFraming::Empty;
                return answer_page(client, txn, 503, req_version, keep, b"SC").await;
            };
            forward(sess, txn, client, server, be, framing, client_keep).await
        }
    }
}

/// The request body as far as it is in the client's buffer, decoded without consuming it.
struct BufferedBody {
    data: BytesMut,
    /// The whole body is there (or it is bad: waiting for more would not help).
    complete: bool,
    /// The body does not decode (it is refused when forwarded).
    bad: bool,
    /// The buffer after the body (what a drain leaves).
    rest: BytesMut,
}

fn body_so_far(client: &Conn, framing: BodyFraming) -> BufferedBody {
    let mut rest = client.rbuf.clone();
    let mut dec = BodyDecoder::new(framing, Limits::default());
    let mut data = BytesMut::new();
    let (complete, bad) = loop {
        match dec.decode(&mut rest) {
            Ok(Some(BodyEvent::Data(b))) => data.extend_from_slice(&b),
            Ok(Some(BodyEvent::End { .. })) => break (true, false),
            Ok(None) => break (dec.is_done(), false),
            // The rules see what decoded.
            Err(_) => break (true, true),
        }
    };
    BufferedBody {
        data,
        complete,
        bad,
        rest,
    }
}

/// Removes the request body from the client's buffer when all of it is there.
fn drain_buffered_body(client: &mut Conn, framing: BodyFraming) -> bool {
    let b = body_so_far(client, framing);
    if b.complete && !b.bad {
        client.rbuf = b.rest;
        return true;
    }
    false
}

/// How much of the body haproxy 2.6's request buffer holds next to the head: its HTX
/// structure fills the buffer less the rewrite reserve (16384 - 1024), counting a 48-byte
/// header, 8 bytes per block (start line, each header, end of headers, data), the start line
/// (21 bytes of structure, method, URI, version) and each header's name and value.
fn body_room(txn: &SharedTxn) -> usize {
    let t = txn.borrow();
    let Some(req) = t.req.as_ref() else {
        return 0;
    };
    let used =
        48 + 8 * (req.headers.len() + 3) + crate::logging::htx_size::request_head(req) as usize;
    (super::conn::BUFSIZE - 1024).saturating_sub(used)
}

/// Makes what `body_so_far` finds (as much as haproxy's buffer would hold) the transaction's
/// `req.body`.
fn note_request_body(txn: &SharedTxn, client: &Conn, framing: BodyFraming) {
    let body = match framing {
        BodyFraming::Empty => Bytes::new(),
        f => {
            let mut b = body_so_far(client, f).data;
            b.truncate(body_room(txn));
            b.freeze()
        }
    };
    txn.borrow_mut().req_body = Some(body);
}

/// `option http-buffer-request`: reads until the whole body is buffered, haproxy's buffer
/// would be full (`body_room`) or the client stops sending; `false` when the wait (`timeout
/// http-request`) expires first (haproxy answers 408).
async fn buffer_body(
    client: &mut Conn,
    txn: &SharedTxn,
    framing: BodyFraming,
    wait: Option<Duration>,
) -> bool {
    if framing == BodyFraming::Empty {
        return true;
    }
    let room = body_room(txn);
    let deadline = wait.map(|d| tokio::time::Instant::now() + d);
    loop {
        let b = body_so_far(client, framing);
        if client.read_closed || b.complete || b.data.len() >= room {
            return true;
        }
        let r = match deadline {
            Some(d) => match tokio::time::timeout_at(d, client.fill()).await {
                Ok(r) => r,
                Err(_) => return false,
            },
            None => client.fill().await,
        };
        if !matches!(r, Ok(n) if n > 0) {
            return true;
        }
    }
}

/// Runs the `http-after-response` rules of the proxies in `order` on a reply HAProxy makes
/// (a `deny`, `return` or `redirect`), which they may change.
async fn after_response(
    sess: &Rc<Session>,
    txn: &SharedTxn,
    order: &[usize],
    reply: HttpReply,
) -> HttpReply {
    let rules = &sess.worker.rules.proxies;
    if order
        .iter()
        .all(|&ci| rules[ci].http_after_response.is_empty())
    {
        return reply;
    }
    txn.borrow_mut().res = Some(reply.head.clone());
    for &ci in order {
        run_rules(sess, txn, &rules[ci].http_after_response, Dir::Res).await;
    }
    let head = txn.borrow_mut().res.take().unwrap_or(reply.head);
    HttpReply { head, ..reply }
}

/// The client request body, decoded as it arrives, for an applet.
struct AppletBody(BodyDecoder);

impl applet_http::BodyDecoder for AppletBody {
    fn decode(&mut self, raw: &mut BytesMut, out: &mut BytesMut) -> Result<bool, String> {
        loop {
            match self.0.decode(raw) {
                Ok(Some(BodyEvent::Data(b))) => out.extend_from_slice(&b),
                Ok(Some(BodyEvent::End { .. })) => return Ok(true),
                Ok(None) => return Ok(self.0.is_done()),
                Err(e) => return Err(e.to_string()),
            }
        }
    }
}

/// Answers with a Lua HTTP service; gives the client connection back when it can be reused.
async fn service(
    sess: &Rc<Session>,
    txn: &SharedTxn,
    client: Conn,
    framing: BodyFraming,
    client_keep: bool,
    name: &str,
) -> (Option<Conn>, Next) {
    let worker = &sess.worker;
    let Some(rt) = worker.lua_for(Registered::Service, name).cloned() else {
        let mut client = client;
        let version = txn
            .borrow()
            .req
            .as_ref()
            .map_or(Version::Http11, |r| r.version);
        let (bytes, _) = replies::write(&replies::page(503), version, false);
        let _ = client.write_all(&bytes).await;
        return (None, Next::Close);
    };
    let (view, expect_continue) = {
        let t = txn.borrow();
        let req = t.req.as_ref().expect("request");
        let length = match framing {
            BodyFraming::Length(n) => n as i64,
            _ => 0,
        };
        (
            RequestView {
                head: req.clone(),
                length,
            },
            connection::expects_continue(req),
        )
    };
    let req_version = view.head.version;
    let io = AppletIo::new(client);
    if expect_continue && framing != BodyFraming::Empty {
        // The applet reads the body: tell the client to send it.
        io.borrow_mut()
            .out
            .extend_from_slice(connection::CONTINUE_100);
    }
    let decoder = match framing {
        BodyFraming::Empty => None,
        f => Some(Box::new(AppletBody(BodyDecoder::new(f, Limits::default())))
            as Box<dyn applet_http::BodyDecoder>),
    };
    let body = BodyState::new(decoder);
    let response = Rc::new(RefCell::new(ResponseState::default()));
    let applet = AppletHttp {
        io: io.clone(),
        src: StreamSource::for_http_service(sess.clone(), txn.clone()),
        request: Rc::new(view),
        body: body.clone(),
        response: response.clone(),
        client_close: !client_keep,
    };
    let result = invoke::http_service(&rt, name, applet).await;
    let (started, chunked, close, failed) = {
        let r = response.borrow();
        (r.started, r.chunked, r.close, r.failed)
    };
    let mut page_keep = false;
    if !started || failed {
        // HAProxy answers 500 when the service ended without a response, or failed first,
        // and keeps the connection when the request was read in full.
        let body_read = {
            let b = body.borrow();
            b.complete && !b.error
        };
        let (bytes, keep) =
            replies::write(&replies::page(500), req_version, client_keep && body_read);
        page_keep = keep;
        let mut s = io.borrow_mut();
        s.out.clear();
        s.out.extend_from_slice(&bytes);
    } else if chunked && result.is_ok() {
        let mut end = BytesMut::new();
        write_last_chunk(&Default::default(), &mut end);
        io.borrow_mut().out.extend_from_slice(&end);
    }
    let flushed = applet_io::flush(&io).await.is_ok();
    {
        let mut t = txn.borrow_mut();
        // An applet is "connected" at once and answers locally.
        t.served_by(name);
        t.log.tr = Some(0);
        t.log.term = *b"LR";
        t.log.status = if !started || failed {
            500
        } else {
            i32::from(response.borrow().status.max(200))
        };
        t.log.bytes_out += if !started || failed {
            let page = replies::page(500);
            htx_size::reply(&page.head, page.body.len())
        } else {
            response.borrow().htx_out
        };
        if result.is_err() {
            t.log.term = *b"PD";
        }
    }
    let body_done = {
        let b = body.borrow();
        b.complete && !b.error
    };
    let conn = io.borrow_mut().conn.take();
    let answered = started && !failed && result.is_ok() && client_keep && !close && body_done;
    let keep = flushed && (page_keep || answered);
    match conn {
        Some(c) if keep => (Some(c), Next::KeepAlive),
        Some(mut c) => {
            let _ = c.shutdown().await;
            (None, Next::Close)
        }
        None => (None, Next::Close),
    }
}

/// Sends a body from `from` to `to`, decoding its framing and re-encoding it (chunked stays
/// chunked, a length is passed through, until-close runs until `from` closes). Returns its
/// size as HAProxy's logs count it (`logging::htx_size`).
async fn relay_body(
    from: &mut Conn,
    to: &mut Conn,
    head: BytesMut,
    framing: BodyFraming,
    read_timeout: Option<Duration>,
) -> Result<u64, RelayFail> {
    // `head` (the message's head, when not sent yet) goes out with the first body bytes: one
    // write for a small message, as haproxy does, instead of two.
    let head_fail = if head.is_empty() {
        RelayFail::Write
    } else {
        RelayFail::HeadWrite
    };
    if framing == BodyFraming::Empty {
        if !head.is_empty() {
            to.write_all(&head).await.map_err(|_| head_fail)?;
        }
        return Ok(0);
    }
    let mut dec = BodyDecoder::new(framing, Limits::default());
    let mut out = head;
    let mut fail = head_fail;
    // What HAProxy's logs count: the data, and the end of a chunked body.
    let mut counted = 0u64;
    loop {
        loop {
            match dec.decode(&mut from.rbuf) {
                Ok(Some(BodyEvent::Data(b))) => {
                    counted += b.len() as u64;
                    if framing == BodyFraming::Chunked {
                        write_chunk(&b, &mut out);
                    } else {
                        out.extend_from_slice(&b);
                    }
                }
                Ok(Some(BodyEvent::End { trailers })) => {
                    if framing == BodyFraming::Chunked {
                        counted += htx_size::chunked_end(&trailers);
                        write_last_chunk(&trailers, &mut out);
                    }
                    to.write_all(&out).await.map_err(|_| fail)?;
                    return Ok(counted);
                }
                Ok(None) => break,
                Err(_) => return Err(RelayFail::Bad),
            }
        }
        if !out.is_empty() {
            to.write_all(&out).await.map_err(|_| fail)?;
            out.clear();
            fail = RelayFail::Write;
        }
        match fill(from, read_timeout).await {
            Ok(0) => match dec.eof() {
                Ok(Some(BodyEvent::End { .. })) | Ok(None)
                    if framing == BodyFraming::UntilClose =>
                {
                    return Ok(counted);
                }
                _ => return Err(RelayFail::Truncated),
            },
            Ok(_) => {}
            Err(ReadFail::Timeout) => return Err(RelayFail::Timeout),
            Err(ReadFail::Error) => return Err(RelayFail::Truncated),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RelayFail {
    /// Writing the message's head (with or without body bytes) failed.
    HeadWrite,
    Timeout,
    Truncated,
    Bad,
    Write,
}

/// Reads a response head from the server (interim 1xx responses are forwarded to the client).
async fn read_response_head(
    server: &mut Conn,
    client: &mut Conn,
    timeout: Option<Duration>,
) -> Result<ResponseHead, u16> {
    let limits = Limits::default();
    loop {
        if !server.rbuf.is_empty() {
            match parse_response(&mut server.rbuf, &limits) {
                Ok(Parsed::Complete { head, .. }) => {
                    if (100..200).contains(&head.status) && head.status != 101 {
                        let mut out = BytesMut::new();
                        write_response_head(&head, &mut out);
                        let _ = client.write_all(&out).await;
                        continue;
                    }
                    return Ok(head);
                }
                Ok(Parsed::Incomplete) => {}
                Err(_) => return Err(502),
            }
        }
        match fill(server, timeout).await {
            Ok(0) => return Err(502),
            Ok(_) => {}
            Err(ReadFail::Timeout) => return Err(504),
            Err(ReadFail::Error) => return Err(502),
        }
    }
}

async fn forward(
    sess: &Rc<Session>,
    txn: &SharedTxn,
    client: &mut Conn,
    kept: &mut Option<ServerConn>,
    be_idx: usize,
    framing: BodyFraming,
    client_keep: bool,
) -> Next {
    let worker = sess.worker.clone();
    let plan = &worker.plan;
    let fe = &plan.frontends[sess.frontend];
    let be = &plan.backends[be_idx];
    let mode = combined_mode(fe.conn_mode, be.conn_mode);

    // The request as the server gets it.
    let (head_bytes, server_keep, is_head, req_version, expect_continue) = {
        let mut t = txn.borrow_mut();
        let unique_id = t.log.unique_id.clone();
        let req = t.req.as_mut().expect("request");
        let expect_continue = framing != BodyFraming::Empty && connection::expects_continue(req);
        // The unique-id header first, then X-Forwarded-For (HAProxy's order).
        let uid_header = &worker.rules.proxies[fe.config_index].unique_id_header;
        if let (Some(name), Some(id)) = (uid_header, unique_id) {
            req.headers.add(Bytes::copy_from_slice(name.as_bytes()), id);
        }
        // X-Forwarded-For first, then the connection header (HAProxy's order).
        if let (Some(ff), Some(peer)) =
            (be.forwardfor.as_ref().or(fe.forwardfor.as_ref()), sess.peer)
        {
            let ip = peer.ip().to_canonical();
            let excepted = ff.except.is_some_and(|(net, len)| {
                ipnet::IpNet::new(net, len).is_ok_and(|n| n.contains(&ip))
            });
            let present = req
                .headers
                .contains(ff.header.to_ascii_lowercase().as_bytes());
            if !(excepted || ff.if_none && present) {
                connection::add_forwarded_for(
                    req,
                    ip,
                    Some(ff.header.to_ascii_lowercase().as_bytes()),
                );
            }
        }
        let server_keep = connection::prepare_request_for_server(req, mode);
        let mut out = BytesMut::new();
        write_request_head(req, &mut out);
        (
            out,
            server_keep,
            req.is_head(),
            req.version,
            expect_continue,
        )
    };

    // A kept server connection is reused when it goes to the same backend; otherwise it is
    // left to the pool.
    let reuse = match kept.take() {
        Some(s) if s.backend == be_idx => Some(s),
        Some(s) => {
            worker.backends[s.backend].release_idle(s.server, s.conn);
            None
        }
        None => None,
    };
    // `http-reuse safe`: a session's first request never goes over another session's idle
    // connection (the client may not be one that keeps its connection).
    let pool_ok = !txn.borrow().first_request;
    let connect_start = std::time::Instant::now();
    let st = &worker.backends[be_idx];
    let (mut sconn, mut server_idx, mut _slot, reused) = match reuse {
        Some(s) => (s.conn, s.server, None, true),
        None => match backend::connect(be, st, sess.peer, sess.local, pool_ok).await {
            Ok((slot, conn, origin)) => {
                let i = slot.server;
                txn.borrow_mut().log.retries = i64::from(slot.retries);
                (conn, i, Some(slot), origin == backend::Origin::Pool)
            }
            Err(ConnectError::NoServer) => {
                let keep = client_keep && framing == BodyFraming::Empty;
                return answer_page(client, txn, 503, req_version, keep, b"SC").await;
            }
            Err(ConnectError::Failed { timed_out, .. }) => {
                let term = if timed_out { b"sC" } else { b"SC" };
                // Every retry was made (HAProxy's `%rc`).
                txn.borrow_mut().log.retries = i64::from(be.retries);
                let keep = client_keep && framing == BodyFraming::Empty;
                return answer_page(client, txn, 503, req_version, keep, term).await;
            }
        },
    };
    {
        let mut t = txn.borrow_mut();
        t.server = Some(Rc::from(&*be.servers[server_idx].name));
        t.log.tw = Some(0);
        t.log.tc = Some(connect_start.elapsed().as_millis() as i64);
    }

    let mut request_sent = std::time::Instant::now();
    // A request without body over a connection that was idle can be sent again: the server may
    // have closed that connection just before it arrived (HAProxy retries those too).
    let resend = reused && framing == BodyFraming::Empty;
    if sconn.io.write_all(&head_bytes).await.is_err() && !resend {
        let keep = client_keep && framing == BodyFraming::Empty;
        return answer_page(client, txn, 502, req_version, keep, b"SH").await;
    }
    if expect_continue && client.rbuf.is_empty() {
        // The client waits for the server's `100 Continue` before sending its body: watch
        // both sides, and relay the interim answer as soon as the server sends it.
        tokio::select! {
            _ = client.fill() => {}
            r = sconn.fill() => {
                if !matches!(r, Ok(n) if n > 0) {
                    return answer_page(client, txn, 502, req_version, false, b"SH").await;
                }
                if let Ok(Parsed::Complete { head, .. }) =
                    parse_response(&mut sconn.rbuf.clone(), &Limits::default())
                    && head.status == 100
                {
                    let _ = parse_response(&mut sconn.rbuf, &Limits::default());
                    let mut out = BytesMut::new();
                    write_response_head(&head, &mut out);
                    if client.write_all(&out).await.is_err() {
                        return Next::Close;
                    }
                }
            }
        }
    }
    let client_timeout = fe.timeouts.client;
    let server_timeout = be.timeouts.server;
    match relay_body(client, &mut sconn, BytesMut::new(), framing, client_timeout).await {
        Ok(n) => txn.borrow_mut().log.bytes_in += n,
        Err(RelayFail::Timeout) => {
            answer(client, txn, &replies::raw_page(408), 0, 408, b"cD").await;
            return Next::Close;
        }
        Err(RelayFail::Bad) => {
            answer(client, txn, &replies::raw_page(400), 0, 400, b"CD").await;
            return Next::Close;
        }
        Err(_) => {
            txn.borrow_mut().log.term = *b"CD";
            return Next::Close;
        }
    }

    let mut first_try = read_response_head(&mut sconn, client, server_timeout).await;
    if let (Err(502), true) = (&first_try, resend)
        && sconn.rbuf.is_empty()
    {
        // Nothing came back on the reused connection: once more, on a new one.
        if let Ok((slot, conn, _)) = backend::connect(be, st, sess.peer, sess.local, false).await {
            server_idx = slot.server;
            txn.borrow_mut().server = Some(Rc::from(&*be.servers[server_idx].name));
            sconn = conn;
            _slot = Some(slot);
            request_sent = std::time::Instant::now();
            first_try = match sconn.io.write_all(&head_bytes).await {
                Ok(()) => read_response_head(&mut sconn, client, server_timeout).await,
                Err(_) => Err(502),
            };
        }
    }
    let mut res = match first_try {
        Ok(r) => r,
        Err(status) => {
            let term = if status == 504 { b"sH" } else { b"SH" };
            return answer_page(client, txn, status, req_version, client_keep, term).await;
        }
    };
    txn.borrow_mut().log.tr = Some(request_sent.elapsed().as_millis() as i64);
    let res_framing = match response_framing(&mut res, is_head) {
        Ok(f) => f,
        Err(_) => {
            return answer_page(client, txn, 502, req_version, client_keep, b"SH").await;
        }
    };
    let server_keep = connection::server_keep_alive_after_response(server_keep, &res, res_framing);
    // HAProxy's logs count the head as it came from the server: before the response rules.
    let res_htx = htx_size::response_head(&res);
    txn.borrow_mut().res = Some(res);

    // Response rules: the backend's, then the frontend's; then http-after-response.
    let rules = &worker.rules.proxies;
    let mut order = vec![be.config_index];
    if fe.config_index != be.config_index {
        order.push(fe.config_index);
    }
    for &ci in &order {
        match run_rules(sess, txn, &rules[ci].http_response, Dir::Res).await {
            Verdict::Continue => {}
            Verdict::Reply(reply, term) => {
                // The reply replaces the server's response (whose body is never read, so the
                // server connection is dropped); http-after-response rules still apply to it.
                let reply = after_response(sess, txn, &order, reply).await;
                let (bytes, keep) = replies::write(&reply, req_version, client_keep);
                let htx = htx_size::reply(&reply.head, reply.body.len());
                answer(client, txn, &bytes, htx, reply.head.status, term).await;
                return if keep { Next::KeepAlive } else { Next::Close };
            }
            Verdict::Service(_) | Verdict::Close => return Next::Close,
        }
    }
    for &ci in &order {
        if let Verdict::Close = run_rules(sess, txn, &rules[ci].http_after_response, Dir::Res).await
        {
            return Next::Close;
        }
    }

    let keep = connection::client_keep_alive_after_response(client_keep, res_framing);
    let out = {
        let mut t = txn.borrow_mut();
        let res = t.res.as_mut().expect("response");
        connection::prepare_response_for_client(res, req_version, keep);
        let mut out = BytesMut::new();
        write_response_head(res, &mut out);
        t.log.status = i32::from(res.status);
        t.log.bytes_out += res_htx;
        out
    };
    match relay_body(&mut sconn, client, out, res_framing, server_timeout).await {
        Ok(n) => txn.borrow_mut().log.bytes_out += n,
        Err(RelayFail::HeadWrite) => {
            txn.borrow_mut().log.term = *b"CD";
            return Next::Close;
        }
        Err(RelayFail::Timeout) => {
            txn.borrow_mut().log.term = *b"sD";
            return Next::Close;
        }
        Err(_) => {
            txn.borrow_mut().log.term = *b"SD";
            return Next::Close;
        }
    }
    if server_keep && sconn.rbuf.is_empty() {
        *kept = Some(ServerConn {
            backend: be_idx,
            server: server_idx,
            conn: sconn,
        });
    }
    if keep { Next::KeepAlive } else { Next::Close }
}
