//! `AppletHTTP`: a Lua HTTP service (`core.register_service(name, "http", fn)`) answering one
//! request. The request's attributes (`method`, `path`, `qs`, `version`, `length`, `headers`)
//! are built on first access; the body is read on demand through the connection's decoder
//! (`getline`/`receive` are real awaits); the response head is written by `start_response`
//! and the body is sent chunked when the script set no content-length, as HAProxy does.

use std::cell::RefCell;
use std::rc::Rc;

use bytes::{Bytes, BytesMut};
use halo_vm::args::{check_integer, check_string, opt_string};
use halo_vm::callback::AsyncResolve;
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Table, Value};

use super::applet_io::{self, SharedIo};
use super::class;
use super::priv_data;
use crate::engine::conn::BUFSIZE;

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub const CLASS: &str = "AppletHTTP";

/// Turns the raw bytes of the connection into body bytes (content-length or chunked framing).
pub trait BodyDecoder {
    /// Moves decoded body bytes from `raw` into `out`. `Ok(true)` once the body is complete.
    fn decode(&mut self, raw: &mut BytesMut, out: &mut BytesMut) -> Result<bool, String>;
}

/// The request as the applet sees it.
pub struct RequestView {
    pub head: crate::http::RequestHead,
    /// The content-length, 0 without one.
    pub length: i64,
}
/// The response the script builds.
#[derive(Default)]
pub struct ResponseState {
    pub status: u16,
    pub reason: Option<Vec<u8>>,
    pub headers: Vec<(Vec<u8>, Vec<u8>)>,
    pub started: bool,
    /// No content-length was given: the body goes out in chunks.
    pub chunked: bool,
    /// The client must see the connection close after this response (HTTP/1.0 client
    /// without keep-alive, or a body without length toward an HTTP/1.0 client).
    pub close: bool,
    /// The head could not be made (bad content-length): the engine answers 500.
    pub failed: bool,
    /// The response's size as HAProxy's logs count it (`logging::htx_size`): the head as
    /// HAProxy's applet makes it, then the data sent.
    pub htx_out: u64,
}

pub struct AppletHttp {
    pub io: SharedIo,
    /// The stream's samples and variables (`f`, `sf`, `c`, `sc`, `*_var`).
    pub src: crate::engine::txn::StreamSource,
    pub request: Rc<RequestView>,
    pub body: Rc<RefCell<BodyState>>,
    pub response: Rc<RefCell<ResponseState>>,
    /// The client connection closes after this exchange whatever the response says.
    pub client_close: bool,
}

pub struct BodyState {
    pub decoder: Option<Box<dyn BodyDecoder>>,
    /// Decoded, not yet consumed.
    pub buf: BytesMut,
    pub complete: bool,
    pub error: bool,
}

impl BodyState {
    pub fn new(decoder: Option<Box<dyn BodyDecoder>>) -> Rc<RefCell<Self>> {
        let complete = decoder.is_none();
        Rc::new(RefCell::new(BodyState {
            decoder,
            buf: BytesMut::new(),
            complete,
            error: false,
        }))
    }
}

pub fn define(ctx: Ctx<'_>) {
    class::define(
        ctx,
        CLASS,
        &[
            ("set_status", set_status),
            ("add_header", add_header),
            ("start_response", start_response),
            ("getline", getline),
            ("receive", receive),
            ("send", send),
            ("get_priv", priv_data::get_priv),
            ("set_priv", priv_data::set_priv),
            ("set_var", set_var),
            ("unset_var", unset_var),
            ("get_var", get_var),
        ],
        Some(index),
    );
}

pub fn new<'gc>(ctx: Ctx<'gc>, applet: AppletHttp) -> Result<Table<'gc>, String> {
    let mt = class::metatable(ctx, CLASS).ok_or("AppletHTTP class missing")?;
    Ok(class::new_object(ctx, mt, applet))
}

/// `__index`: methods, then the request attributes, built once and cached in the object.
fn index<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let key = stack.get(1);
    let m = class::lookup_method(f, key);
    if !m.is_nil() {
        stack.replace(&[m]);
        return Ok(Action::Return);
    }
    let Value::String(k) = key else {
        stack.replace(&[Value::Nil]);
        return Ok(Action::Return);
    };
    let applet = class::check::<AppletHttp>(&stack, 0, CLASS)?;
    let r = &applet.request.head;
    let v = match k.as_bytes() {
        b"method" => Value::String(ctx.bytes(&r.method)),
        b"path" => Value::String(ctx.bytes(&r.path())),
        b"qs" => Value::String(ctx.bytes(&r.query().unwrap_or_default())),
        b"version" => ctx.str_value(match r.version {
            crate::http::Version::Http10 => "HTTP/1.0",
            crate::http::Version::Http11 => "HTTP/1.1",
        }),
        b"length" => Value::Integer(applet.request.length),
        b"headers" => {
            let h: Vec<(Bytes, Bytes)> = r
                .headers
                .iter()
                .map(|x| (x.name.clone(), x.value.clone()))
                .collect();
            Value::Table(headers_table(ctx, &h))
        }
        _ => match super::fetches::sample_attribute(ctx, key, &applet.src)? {
            Some(v) => v,
            None => {
                stack.replace(&[Value::Nil]);
                return Ok(Action::Return);
            }
        },
    };
    class::cache_attribute(ctx, stack, key, v)
}

fn set_var<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let src = this(&stack)?.src.clone();
    super::txn::set_var_on(ctx, stack, &src)
}
fn unset_var<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let src = this(&stack)?.src.clone();
    super::txn::unset_var_on(ctx, stack, &src)
}
fn get_var<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let src = this(&stack)?.src.clone();
    super::txn::get_var_on(ctx, stack, &src)
}

/// HAProxy's header table: lower-case names, each a table of values indexed from 0.
pub fn headers_table<'gc>(ctx: Ctx<'gc>, headers: &[(Bytes, Bytes)]) -> Table<'gc> {
    let t = Table::new(ctx.mc);
    for (name, value) in headers {
        let lname = ctx.bytes(&name.to_ascii_lowercase());
        let list = match t.get_str(lname) {
            Value::Table(l) => l,
            _ => {
                let l = Table::new(ctx.mc);
                t.set_str(ctx.mc, lname, Value::Table(l));
                l
            }
        };
        // Index 0 first, then 1, 2...: count what is there.
        let mut n = 0;
        while !list.get_int(n).is_nil() {
            n += 1;
        }
        list.set_int(ctx.mc, n, Value::String(ctx.bytes(value)));
    }
    t
}

fn this<'gc>(stack: &Stack<'gc, '_>) -> Result<&'gc AppletHttp, Error<'gc>> {
    class::check::<AppletHttp>(stack, 0, CLASS)
}

fn set_status<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let applet = this(&stack)?;
    let code = check_integer(ctx, &stack, 1)?;
    let reason = opt_string(ctx, &stack, 2)?;
    if !(100..=599).contains(&code) {
        return Err(Error::runtime(format!(
            "Lua: 'set_status' invalid status code {code} (allowed: 100 to 599)"
        )));
    }
    let mut resp = applet.response.borrow_mut();
    resp.status = code as u16;
    resp.reason = reason.map(|r| r.as_bytes().to_vec());
    stack.clear();
    Ok(Action::Return)
}

fn add_header<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let applet = this(&stack)?;
    let name = check_string(ctx, &stack, 1)?;
    let value = check_string(ctx, &stack, 2)?;
    applet
        .response
        .borrow_mut()
        .headers
        .push((name.as_bytes().to_vec(), value.as_bytes().to_vec()));
    stack.clear();
    Ok(Action::Return)
}

/// Serializes the response head the way HAProxy's applet does (`http::applet`): the
/// script's headers in order, the framing (content-length as given, else chunked for an
/// HTTP/1.1 client), then the connection header. A bad content-length is an error (500).
pub fn response_head(applet: &AppletHttp, resp: &mut ResponseState) -> Result<Vec<u8>, String> {
    let status = if resp.status == 0 { 200 } else { resp.status };
    let mut head = crate::http::ResponseHead::new(status);
    if let Some(r) = &resp.reason {
        head.reason = Bytes::copy_from_slice(r);
    }
    for (name, value) in &resp.headers {
        let lname = name.to_ascii_lowercase();
        if lname == b"connection" {
            // Connection management is the engine's.
            continue;
        }
        head.headers
            .add(Bytes::from(lname), Bytes::copy_from_slice(value));
    }
    let req = &applet.request.head;
    let framing = crate::http::applet::prepare_applet_response(&mut head, req)
        .map_err(|e| e.reason.to_string())?;
    let keep = !applet.client_close && framing != crate::http::body::BodyFraming::UntilClose;
    resp.htx_out = crate::logging::htx_size::response_head(&head);
    crate::http::connection::prepare_response_for_client(&mut head, req.version, keep);
    resp.chunked = framing == crate::http::body::BodyFraming::Chunked;
    resp.close = !keep;
    let mut out = bytes::BytesMut::with_capacity(128);
    crate::http::write::write_response_head(&head, &mut out);
    Ok(out.to_vec())
}

fn start_response<'gc>(
    _ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let applet = this(&stack)?;
    let head = {
        let mut resp = applet.response.borrow_mut();
        if resp.started {
            stack.clear();
            return Ok(Action::Return);
        }
        resp.started = true;
        match response_head(applet, &mut resp) {
            Ok(h) => h,
            Err(e) => {
                resp.failed = true;
                return Err(Error::runtime(format!("Lua: 'start_response': {e}")));
            }
        }
    };
    stack.clear();
    crate::lua::applet_tcp::send_action(stack, &applet.io, &head)
}

fn send<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let applet = this(&stack)?;
    let msg = check_string(ctx, &stack, 1)?;
    let (started, chunked) = {
        let r = applet.response.borrow();
        (r.started, r.chunked)
    };
    if !started {
        return Err(Error::runtime(
            "Lua: 'send' you must call start_response() before sending data.",
        ));
    }
    if applet.request.head.is_head() || msg.is_empty() {
        let mut stack = stack;
        stack.clear();
        return Ok(Action::Return);
    }
    applet.response.borrow_mut().htx_out += msg.len() as u64;
    if chunked {
        let mut framed = bytes::BytesMut::with_capacity(msg.len() + 16);
        crate::http::body::write_chunk(msg.as_bytes(), &mut framed);
        crate::lua::applet_tcp::send_action(stack, &applet.io, &framed)
    } else {
        crate::lua::applet_tcp::send_action(stack, &applet.io, msg.as_bytes())
    }
}

/// What a body read waits for.
#[derive(Clone, Copy)]
enum BodyWant {
    Line,
    Exactly(usize),
    All,
}

fn take_body(body: &mut BodyState, want: BodyWant) -> Option<Bytes> {
    let buf = &mut body.buf;
    match want {
        BodyWant::Line => {
            if let Some(i) = buf.iter().position(|&c| c == b'\n') {
                return Some(buf.split_to(i + 1).freeze());
            }
        }
        BodyWant::Exactly(n) => {
            if buf.len() >= n {
                return Some(buf.split_to(n).freeze());
            }
        }
        BodyWant::All => {}
    }
    if body.complete || body.error {
        Some(buf.split().freeze())
    } else {
        None
    }
}

/// Decodes what the connection already holds into the body buffer.
fn decode_buffered(io: &SharedIo, body: &mut BodyState) {
    if body.complete || body.error {
        return;
    }
    let mut s = io.borrow_mut();
    let Some(conn) = s.conn.as_mut() else { return };
    let Some(dec) = body.decoder.as_mut() else {
        body.complete = true;
        return;
    };
    match dec.decode(&mut conn.rbuf, &mut body.buf) {
        Ok(done) => body.complete = done,
        Err(_) => body.error = true,
    }
    if !body.complete && conn.read_closed && conn.rbuf.is_empty() {
        // The client went away in the middle of its body.
        body.error = true;
    }
}

async fn read_body(io: SharedIo, body: Rc<RefCell<BodyState>>, want: BodyWant) -> Bytes {
    let _ = applet_io::flush(&io).await;
    loop {
        {
            let mut b = body.borrow_mut();
            decode_buffered(&io, &mut b);
            if let Some(out) = take_body(&mut b, want) {
                return out;
            }
        }
        let conn = io.borrow_mut().conn.take();
        let Some(mut conn) = conn else {
            return Bytes::new();
        };
        let r = conn.fill().await;
        io.borrow_mut().conn = Some(conn);
        if r.is_err() {
            body.borrow_mut().error = true;
        }
    }
}

fn body_read<'gc>(ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>, want: BodyWant) -> NResult<'gc> {
    let applet = this(&stack)?;
    {
        let mut b = applet.body.borrow_mut();
        decode_buffered(&applet.io, &mut b);
        if let Some(out) = take_body(&mut b, want) {
            stack.replace(&[Value::String(ctx.bytes(&out))]);
            return Ok(Action::Return);
        }
    }
    let (io, body) = (applet.io.clone(), applet.body.clone());
    stack.clear();
    Ok(Action::Await(Box::pin(async move {
        let out = read_body(io, body, want).await;
        let resolve: AsyncResolve = Box::new(move |ctx, mut stack| {
            stack.push(Value::String(ctx.bytes(&out)));
            Ok(())
        });
        resolve
    })))
}

fn getline<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    body_read(ctx, stack, BodyWant::Line)
}

fn receive<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let want = if stack.get(1).is_nil() {
        BodyWant::All
    } else {
        let n = check_integer(ctx, &stack, 1)?;
        // A size larger than a buffer is served as what is available, like HAProxy.
        BodyWant::Exactly((n.max(0) as usize).min(BUFSIZE * 64))
    };
    body_read(ctx, stack, want)
}
