//! HAProxy's `Socket` class (`core.tcp()`): a LuaSocket-compatible TCP client whose every
//! connect, send and receive is a real tokio await (`Action::Await`), so a Lua execution
//! waiting on a socket costs its frames and the socket's buffers, nothing more.
//!
//! Results follow LuaSocket (`receive` → data, or `nil, err, partial`; `send` → last index
//! sent, or `nil, err, last index`; `connect` → `1`, or `nil, err`); argument errors and the
//! address forms follow HAProxy's `hlua.c`. `getpeername`/`getsockname` return HAProxy's one
//! string (`ip:port`). A socket collected by the GC drops its connection (the payload owns
//! the stream). The class metatable travels as an upvalue of `core.tcp`, so it needs no
//! registry slot.

use halo_vm::args::{check_integer, check_number, check_string, opt_integer};
use halo_vm::callback::AsyncResolve;
use halo_vm::number::Number;
use halo_vm::{Action, Ctx, Error, Function, NativeFunction, Stack, Table, Value};

use super::class;
use super::invocation::{self, ExecContext};
use super::socket_addr;
use super::socket_conn::{self, Conn, Pattern, Receive, Shared};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub const CLASS: &str = "Socket";

/// The payload of a Socket object.
pub struct Socket {
    conn: Shared,
}

/// Defines the class and `core.tcp` (call after `corelib::open`). `verify` is
/// `ssl-server-verify` (true unless `none`).
pub fn open(ctx: Ctx<'_>, verify: bool) {
    let mt = Table::new(ctx.mc);
    let methods = Table::new(ctx.mc);
    ctx.set_functions(
        methods,
        &[
            ("connect", connect),
            ("connect_ssl", connect_ssl),
            ("send", send),
            ("receive", receive),
            ("settimeout", settimeout),
            ("getpeername", getpeername),
            ("getsockname", getsockname),
            ("setoption", setoption),
            ("close", close),
            ("shutdown", shutdown),
        ],
    );
    mt.set_str(ctx.mc, ctx.str("__index"), Value::Table(methods));
    mt.set_str(ctx.mc, ctx.str("__name"), ctx.str_value(CLASS));
    let tcp = NativeFunction::with_upvalues(
        ctx.mc,
        tcp,
        Box::new([Value::Table(mt), Value::Boolean(verify)]),
    );
    if let Value::Table(core) = ctx.get_global("core") {
        core.set_str(
            ctx.mc,
            ctx.str("tcp"),
            Value::Function(Function::Native(tcp)),
        );
    }
}

/// `core.tcp()`: a new, unconnected socket. Refused while a `lua-load` body runs, as in
/// HAProxy (sockets belong to the run time).
fn tcp<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    if invocation::current_context() == ExecContext::Body {
        return Err(Error::runtime(
            "core.tcp: sockets are not available in the body context",
        ));
    }
    let Value::Table(mt) = f.upvalue(0) else {
        return Err(Error::runtime("core.tcp: Socket class missing"));
    };
    let verify = f.upvalue(1).to_bool();
    let obj = class::new_object(
        ctx,
        mt,
        Socket {
            conn: Conn::new(verify),
        },
    );
    stack.replace(&[Value::Table(obj)]);
    Ok(Action::Return)
}

fn socket<'gc>(stack: &Stack<'gc, '_>) -> Result<Shared, Error<'gc>> {
    Ok(class::check::<Socket>(stack, 0, CLASS)?.conn.clone())
}

/// The `AsyncResolve` of an awaited operation: `f` writes its results on the stack.
fn resolve_with(f: impl for<'gc> FnOnce(Ctx<'gc>, &mut Stack<'gc, '_>) + 'static) -> AsyncResolve {
    Box::new(move |ctx, mut stack| {
        f(ctx, &mut stack);
        Ok(())
    })
}

fn connect<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    connect_impl(ctx, stack, false)
}

fn connect_ssl<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    connect_impl(ctx, stack, true)
}

/// `connect(address [, port])`: 1, or nil and LuaSocket's message ("connection refused",
/// "timeout", "host not found"...).
fn connect_impl<'gc>(ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>, tls: bool) -> NResult<'gc> {
    if stack.len() < 2 {
        return Err(Error::runtime("connect: need at least 2 arguments"));
    }
    let conn = socket(&stack)?;
    let addr = check_string(ctx, &stack, 1)?;
    let port = if stack.get(2).is_nil() {
        None
    } else {
        Some(check_integer(ctx, &stack, 2)?)
    };
    let target = socket_addr::parse(&addr.to_str_lossy(), port).map_err(Error::runtime)?;
    stack.clear();
    Ok(Action::Await(Box::pin(async move {
        let r = socket_conn::connect(conn, target, tls).await;
        resolve_with(move |ctx, stack| match r {
            Ok(()) => stack.push(Value::Integer(1)),
            Err(e) => {
                stack.push(Value::Nil);
                stack.push(ctx.str_value(&e.message()));
            }
        })
    })))
}

/// `send(data [, i [, j]])`: sends `data:sub(i, j)`; returns the index of the last byte sent,
/// or nil, the error ("closed", "timeout") and that index.
fn send<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    if stack.len() < 2 || stack.len() > 4 {
        return Err(Error::runtime("'send' needs between 2 and 4 arguments"));
    }
    let conn = socket(&stack)?;
    let data = check_string(ctx, &stack, 1)?;
    let size = data.len() as i64;
    // LuaSocket's range arithmetic (`buffer_meth_send`).
    let mut start = opt_integer(ctx, &stack, 2, 1)?;
    let mut end = opt_integer(ctx, &stack, 3, -1)?;
    if start < 0 {
        start = size.saturating_add(start).saturating_add(1);
    }
    if end < 0 {
        end = size.saturating_add(end).saturating_add(1);
    }
    start = start.max(1);
    end = end.min(size);
    if start > end {
        stack.replace(&[Value::Integer(start - 1)]);
        return Ok(Action::Return);
    }
    let bytes = data.as_bytes()[(start - 1) as usize..end as usize].to_vec();
    stack.clear();
    Ok(Action::Await(Box::pin(async move {
        let (sent, err) = socket_conn::send(conn, bytes).await;
        let last = start - 1 + sent as i64;
        resolve_with(move |ctx, stack| match err {
            None => stack.push(Value::Integer(last)),
            Some(e) => {
                stack.push(Value::Nil);
                stack.push(ctx.str_value(&e.message()));
                stack.push(Value::Integer(last));
            }
        })
    })))
}

/// The pattern argument of `receive`, with HAProxy's messages.
fn pattern<'gc>(v: Value<'gc>) -> Result<Pattern, Error<'gc>> {
    let count = |n: i64| {
        if n < 0 {
            Err(Error::runtime("Unsupported size."))
        } else {
            Ok(Pattern::Count(usize::try_from(n).unwrap_or(usize::MAX)))
        }
    };
    match v {
        Value::Nil => Ok(Pattern::Line),
        Value::String(s) => {
            let b = s.as_bytes();
            if b.starts_with(b"*l") {
                Ok(Pattern::Line)
            } else if b.starts_with(b"*a") {
                Ok(Pattern::All)
            } else {
                match std::str::from_utf8(b)
                    .ok()
                    .and_then(|t| t.parse::<i64>().ok())
                {
                    Some(n) => count(n),
                    None => Err(Error::runtime("Unsupported pattern.")),
                }
            }
        }
        Value::Integer(n) => count(n),
        // LuaSocket truncates a float count.
        Value::Number(f) if f.is_finite() => count(f as i64),
        _ => Err(Error::runtime("Unsupported pattern.")),
    }
}

/// `receive([pattern [, prefix]])`: `*l` (default), `*a` or a byte count; the data (after
/// `prefix`), or nil, "closed"/"timeout" and the partial data.
fn receive<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    if stack.is_empty() || stack.len() > 3 {
        return Err(Error::runtime(
            "The 'receive' function requires between 1 and 3 arguments.",
        ));
    }
    let conn = socket(&stack)?;
    let pattern = pattern(stack.get(1))?;
    let prefix: &[u8] = match stack.get(2) {
        Value::Nil => b"",
        Value::String(s) => s.as_bytes(),
        _ => return Err(Error::runtime("Expect a 'string' for the prefix")),
    };
    let mut rx = Receive::new(pattern, prefix);
    if let Some(r) = socket_conn::receive_now(&conn, &mut rx) {
        push_received(ctx, &mut stack, rx, r);
        return Ok(Action::Return);
    }
    stack.clear();
    Ok(Action::Await(Box::pin(async move {
        let r = socket_conn::receive(conn, &mut rx).await;
        resolve_with(move |ctx, stack| push_received(ctx, stack, rx, r))
    })))
}

fn push_received<'gc>(
    ctx: Ctx<'gc>,
    stack: &mut Stack<'gc, '_>,
    rx: Receive,
    r: Result<(), socket_conn::SockError>,
) {
    let data = Value::String(ctx.bytes(&rx.out));
    match r {
        Ok(()) => stack.replace(&[data]),
        Err(e) => stack.replace(&[Value::Nil, ctx.str_value(&e.message()), data]),
    }
}

/// `settimeout(seconds [, mode])`: bounds each later connect, send and receive call; nil
/// removes the bound (LuaSocket). The mode is accepted and ignored.
fn settimeout<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let conn = socket(&stack)?;
    let timeout = if stack.get(1).is_nil() && stack.len() >= 2 {
        None
    } else {
        let secs = match check_number(ctx, &stack, 1)? {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        };
        let ms = secs * 1000.0;
        if ms < 0.0 {
            return Err(Error::runtime("settimeout: cannot set negatives values"));
        }
        if ms.is_nan() || ms > f64::from(i32::MAX) {
            return Err(Error::runtime(format!(
                "settimeout: cannot set values larger than {} ms",
                i32::MAX
            )));
        }
        Some(std::time::Duration::from_secs_f64(secs))
    };
    conn.borrow_mut().timeout = timeout;
    stack.replace(&[Value::Integer(1)]);
    Ok(Action::Return)
}

fn address<'gc>(ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>, peer: bool) -> NResult<'gc> {
    let conn = socket(&stack)?;
    let c = conn.borrow();
    let a = if !c.is_connected() {
        None
    } else if peer {
        c.peer.as_deref()
    } else {
        c.local.as_deref()
    };
    let v = a.map_or(Value::Nil, |a| ctx.str_value(a));
    drop(c);
    stack.replace(&[v]);
    Ok(Action::Return)
}

/// `getpeername()`: "ip:port" ("[v6]:port", or the unix path) of the peer; nil when not
/// connected.
fn getpeername<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    address(ctx, stack, true)
}

/// `getsockname()`: the local address, same form.
fn getsockname<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    address(ctx, stack, false)
}

/// `setoption(name [, value])`: accepted for LuaSocket compatibility; Halo already sets
/// TCP_NODELAY and has nothing else to tune.
fn setoption<'gc>(
    _ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    socket(&stack)?;
    stack.replace(&[Value::Boolean(true)]);
    Ok(Action::Return)
}

/// `close()`: drops the connection now; later calls report "closed". Returns 1 (LuaSocket).
fn close<'gc>(_ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let conn = socket(&stack)?;
    conn.borrow_mut().close();
    stack.replace(&[Value::Integer(1)]);
    Ok(Action::Return)
}

/// `shutdown([mode])` (LuaSocket; HAProxy lacks it, pure-Lua clients such as redis-lua call
/// it): "both" (default) and "send" end the sending direction, "receive" does nothing.
fn shutdown<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let conn = socket(&stack)?;
    let mode = match stack.get(1) {
        Value::Nil => "both".to_string(),
        _ => check_string(ctx, &stack, 1)?.to_str_lossy().into_owned(),
    };
    match mode.as_str() {
        "both" | "send" => {}
        "receive" => {
            stack.replace(&[Value::Integer(1)]);
            return Ok(Action::Return);
        }
        _ => return Err(Error::bad_arg(2, format!("invalid option '{mode}'"))),
    }
    stack.clear();
    Ok(Action::Await(Box::pin(async move {
        let r = socket_conn::shutdown_send(conn).await;
        resolve_with(move |ctx, stack| match r {
            Ok(()) => stack.push(Value::Integer(1)),
            Err(e) => {
                stack.push(Value::Nil);
                stack.push(ctx.str_value(&e.message()));
            }
        })
    })))
}
