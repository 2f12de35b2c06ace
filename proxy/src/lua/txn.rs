//! The `TXN` class: what an action, a sample fetch or a converter gets for the transaction:
//! logging, variables, private data, `done`, and (built on first access) `f`/`sf`/`c`/`sc`,
//! `http`, `req`/`res`. Also the 1.6-dev spellings `txn:close()` and `txn:get_headers()`.

use halo_vm::args::{check_integer, check_string};
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, StaticValue, Table, Value};

use super::channel::{self, ChannelData, SharedChannel};
use super::class;
use super::priv_data;
use super::sample_conv::{from_lua, to_lua};
use super::{fetches, http_class, invocation};
use crate::engine::txn::{self as state, StreamSource};
use crate::log::Level;
use crate::sample::VarName;

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub const CLASS: &str = "TXN";

pub struct TxnObj {
    pub src: StreamSource,
    /// The stream is in HTTP mode (`txn.http` exists).
    pub http: bool,
    /// `txn.req` and `txn.res`.
    pub channels: (SharedChannel, SharedChannel),
}

pub fn define(ctx: Ctx<'_>) {
    class::define(
        ctx,
        CLASS,
        &[
            ("log", log),
            ("deflog", deflog),
            ("Debug", log_debug),
            ("Info", log_info),
            ("Warning", log_warning),
            ("Alert", log_alert),
            ("get_priv", priv_data::get_priv),
            ("set_priv", priv_data::set_priv),
            ("set_var", set_var),
            ("unset_var", unset_var),
            ("get_var", get_var),
            ("done", done),
            ("close", done),
            ("get_headers", get_headers),
            ("set_loglevel", set_loglevel),
            ("set_tos", set_tos),
            ("set_mark", set_mark),
        ],
        Some(index),
    );
}

/// A TXN object; without `channels` (HTTP mode, fetches), `txn.req`/`txn.res` are empty
/// channels that refuse buffer operations in HTTP mode.
pub fn new<'gc>(
    ctx: Ctx<'gc>,
    src: StreamSource,
    http: bool,
    channels: Option<(SharedChannel, SharedChannel)>,
) -> Result<Table<'gc>, String> {
    let mt = class::metatable(ctx, CLASS).ok_or("TXN class missing")?;
    let channels = channels.unwrap_or_else(|| {
        (
            ChannelData::new(None, false, None),
            ChannelData::new(None, true, None),
        )
    });
    Ok(class::new_object(
        ctx,
        mt,
        TxnObj {
            src,
            http,
            channels,
        },
    ))
}

fn this<'gc>(stack: &Stack<'gc, '_>) -> Result<&'gc TxnObj, Error<'gc>> {
    class::check::<TxnObj>(stack, 0, CLASS)
}

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
    let t = this(&stack)?;
    let v = match k.as_bytes() {
        b"f" => Value::Table(fetches::new(ctx, fetches::FETCHES, t.src.clone(), false)?),
        b"sf" => Value::Table(fetches::new(ctx, fetches::FETCHES, t.src.clone(), true)?),
        b"c" => Value::Table(fetches::new(
            ctx,
            fetches::CONVERTERS,
            t.src.clone(),
            false,
        )?),
        b"sc" => Value::Table(fetches::new(ctx, fetches::CONVERTERS, t.src.clone(), true)?),
        b"http" if t.http => Value::Table(http_class::new(ctx, t.src.clone())?),
        b"req" => Value::Table(channel::new(ctx, t.channels.0.clone(), t.http)?),
        b"res" => Value::Table(channel::new(ctx, t.channels.1.clone(), t.http)?),
        _ => {
            stack.replace(&[Value::Nil]);
            return Ok(Action::Return);
        }
    };
    class::cache_attribute(ctx, stack, key, v)
}

/// `txn:log`: the backend's loggers (the frontend's before one is chosen), as HAProxy 2.6.
fn log_with<'gc>(stack: &Stack<'gc, '_>, level: Level, msg: &[u8]) -> Result<(), Error<'gc>> {
    let t = this(stack)?;
    let sess = &t.src.sess;
    let plan = &sess.worker.plan;
    let index = match t.src.txn.borrow().backend {
        Some(be) => plan.backends[be].config_index,
        None => plan.frontends[sess.frontend].config_index,
    };
    crate::logging::lua::txn_log(&sess.worker.logs.loggers[index], level, msg);
    Ok(())
}

fn log<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let n = check_integer(ctx, &stack, 1)?;
    let msg = check_string(ctx, &stack, 2)?;
    let level = Level::from_number(n).ok_or_else(|| Error::bad_arg(2, "Invalid loglevel."))?;
    log_with(&stack, level, msg.as_bytes())?;
    stack.clear();
    Ok(Action::Return)
}

fn log_level<'gc>(ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>, level: Level) -> NResult<'gc> {
    let msg = check_string(ctx, &stack, 1)?;
    log_with(&stack, level, msg.as_bytes())?;
    stack.clear();
    Ok(Action::Return)
}

fn deflog<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    log_level(ctx, stack, Level::Info)
}
fn log_debug<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    log_level(ctx, stack, Level::Debug)
}
fn log_info<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    log_level(ctx, stack, Level::Info)
}
fn log_warning<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    log_level(ctx, stack, Level::Warning)
}
fn log_alert<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    log_level(ctx, stack, Level::Alert)
}

fn var_name<'gc>(ctx: Ctx<'gc>, stack: &Stack<'gc, '_>) -> Result<VarName, Error<'gc>> {
    let name = check_string(ctx, stack, 1)?;
    VarName::parse(&name.to_str_lossy()).map_err(Error::runtime)
}

/// `set_var(name, value [, ifexist])`, shared with the applets.
pub fn set_var_on<'gc>(
    ctx: Ctx<'gc>,
    mut stack: Stack<'gc, '_>,
    src: &StreamSource,
) -> NResult<'gc> {
    let name = var_name(ctx, &stack)?;
    let ifexist = stack.get(3).to_bool();
    let mut txn = src.txn.borrow_mut();
    if ifexist && state::get_var(&src.sess, &txn, &name).is_none() {
        stack.clear();
        return Ok(Action::Return);
    }
    match from_lua(stack.get(2)) {
        Some(v) => state::set_var(&src.sess, &mut txn, &name, v),
        None => state::unset_var(&src.sess, &mut txn, &name),
    }
    stack.clear();
    Ok(Action::Return)
}

pub fn unset_var_on<'gc>(
    ctx: Ctx<'gc>,
    mut stack: Stack<'gc, '_>,
    src: &StreamSource,
) -> NResult<'gc> {
    let name = var_name(ctx, &stack)?;
    state::unset_var(&src.sess, &mut src.txn.borrow_mut(), &name);
    stack.clear();
    Ok(Action::Return)
}

pub fn get_var_on<'gc>(
    ctx: Ctx<'gc>,
    mut stack: Stack<'gc, '_>,
    src: &StreamSource,
) -> NResult<'gc> {
    let name = var_name(ctx, &stack)?;
    let v = state::get_var(&src.sess, &src.txn.borrow(), &name);
    let v = v.map(|s| to_lua(ctx, s)).unwrap_or(Value::Nil);
    stack.replace(&[v]);
    Ok(Action::Return)
}

fn set_var<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let src = this(&stack)?.src.clone();
    set_var_on(ctx, stack, &src)
}
fn unset_var<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let src = this(&stack)?.src.clone();
    unset_var_on(ctx, stack, &src)
}
fn get_var<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let src = this(&stack)?.src.clone();
    get_var_on(ctx, stack, &src)
}

/// `txn:done()`: ends the transaction (the engine closes without forwarding) and the Lua
/// execution at once, like `core.done`.
fn done<'gc>(_ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let t = this(&stack)?;
    t.src.txn.borrow_mut().done = true;
    let Some(inv) = invocation::current() else {
        return Err(Error::runtime("txn:done: no Lua execution to stop"));
    };
    inv.finish(vec![StaticValue::Nil]);
    Ok(Action::Await(Box::pin(std::future::pending())))
}

/// 1.6-dev `txn:get_headers()`: the request headers (`txn.http:req_get_headers()`).
fn get_headers<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let t = this(&stack)?;
    let h: Vec<_> = match t.src.txn.borrow().req.as_ref() {
        Some(r) => r
            .headers
            .iter()
            .map(|x| (x.name.clone(), x.value.clone()))
            .collect(),
        None => return Err(Error::runtime("Lua: txn:get_headers: no HTTP request")),
    };
    stack.replace(&[Value::Table(super::applet_http::headers_table(ctx, &h))]);
    Ok(Action::Return)
}

fn set_loglevel<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let t = this(&stack)?;
    let n = check_integer(ctx, &stack, 1)?;
    let level = Level::from_number(n).ok_or_else(|| Error::bad_arg(2, "Invalid loglevel."))?;
    t.src.txn.borrow_mut().loglevel = Some(level);
    stack.clear();
    Ok(Action::Return)
}

/// HAProxy's `check_args`: an exact argument count, the object included.
fn check_nargs<'gc>(stack: &Stack<'gc, '_>, n: usize, name: &str) -> Result<(), Error<'gc>> {
    if stack.len() != n {
        return Err(Error::runtime(format!("'{name}' needs {n} arguments")));
    }
    Ok(())
}

/// `txn:set_tos(tos)`: IP_TOS / IPV6_TCLASS on the client connection (errors ignored).
fn set_tos<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    check_nargs(&stack, 2, "set_tos")?;
    let t = this(&stack)?;
    // HAProxy stores the integer in a C int.
    let tos = check_integer(ctx, &stack, 1)? as i32;
    t.src.sess.sock.set_tos(t.src.sess.peer, tos);
    stack.clear();
    Ok(Action::Return)
}

/// `txn:set_mark(mark)`: SO_MARK on the client connection (errors ignored).
fn set_mark<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    check_nargs(&stack, 2, "set_mark")?;
    let t = this(&stack)?;
    let mark = check_integer(ctx, &stack, 1)? as i32;
    t.src.sess.sock.set_mark(mark);
    stack.clear();
    Ok(Action::Return)
}
