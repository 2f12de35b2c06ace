//! `AppletTCP`: a Lua TCP service (`core.register_service(name, "tcp", fn)`) talking to the
//! client. `getline`/`receive` are real awaits on the socket; `send` queues output and only
//! waits when a whole buffer is pending (see `applet_io.rs`).

use bytes::Bytes;
use halo_vm::args::{check_string, opt_integer};
use halo_vm::callback::AsyncResolve;
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Table, Value};

use super::applet_io::{self, ReadWant, SharedIo};
use super::class;
use super::priv_data;
use crate::engine::txn::StreamSource;

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub const CLASS: &str = "AppletTCP";

/// The payload of an AppletTCP object.
pub struct AppletTcp {
    pub io: SharedIo,
    /// The stream's samples and variables (`f`, `sf`, `c`, `sc`, `*_var`).
    pub src: StreamSource,
}

pub fn define(ctx: Ctx<'_>) {
    class::define(
        ctx,
        CLASS,
        &[
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

/// A new AppletTCP object for a service run.
pub fn new<'gc>(ctx: Ctx<'gc>, io: SharedIo, src: StreamSource) -> Result<Table<'gc>, String> {
    let mt = class::metatable(ctx, CLASS).ok_or("AppletTCP class missing")?;
    Ok(class::new_object(ctx, mt, AppletTcp { io, src }))
}

fn index<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let key = stack.get(1);
    let m = class::lookup_method(f, key);
    if !m.is_nil() {
        stack.replace(&[m]);
        return Ok(Action::Return);
    }
    let src = class::check::<AppletTcp>(&stack, 0, CLASS)?.src.clone();
    match super::fetches::sample_attribute(ctx, key, &src)? {
        Some(v) => class::cache_attribute(ctx, stack, key, v),
        None => {
            stack.replace(&[Value::Nil]);
            Ok(Action::Return)
        }
    }
}

fn set_var<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let src = class::check::<AppletTcp>(&stack, 0, CLASS)?.src.clone();
    super::txn::set_var_on(ctx, stack, &src)
}
fn unset_var<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let src = class::check::<AppletTcp>(&stack, 0, CLASS)?.src.clone();
    super::txn::unset_var_on(ctx, stack, &src)
}
fn get_var<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let src = class::check::<AppletTcp>(&stack, 0, CLASS)?.src.clone();
    super::txn::get_var_on(ctx, stack, &src)
}

/// Returns `b` now, or awaits `want` on the socket.
pub fn read_action<'gc>(
    ctx: Ctx<'gc>,
    mut stack: Stack<'gc, '_>,
    io: &SharedIo,
    want: ReadWant,
) -> NResult<'gc> {
    if io.borrow().out.is_empty()
        && let Some(b) = applet_io::take_buffered(io, want)
    {
        stack.replace(&[Value::String(ctx.bytes(&b))]);
        return Ok(Action::Return);
    }
    let io = io.clone();
    stack.clear();
    Ok(Action::Await(Box::pin(async move {
        let b: Bytes = applet_io::read(&io, want).await;
        let resolve: AsyncResolve = Box::new(move |ctx, mut stack| {
            stack.push(Value::String(ctx.bytes(&b)));
            Ok(())
        });
        resolve
    })))
}

fn getline<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let io = class::check::<AppletTcp>(&stack, 0, CLASS)?.io.clone();
    read_action(ctx, stack, &io, ReadWant::Line)
}

fn receive<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let io = class::check::<AppletTcp>(&stack, 0, CLASS)?.io.clone();
    let want = if stack.get(1).is_nil() {
        ReadWant::All
    } else {
        let n = opt_integer(ctx, &stack, 1, 0)?;
        ReadWant::Exactly(n.max(0) as usize)
    };
    read_action(ctx, stack, &io, want)
}

/// Queues `msg`; awaits only when a buffer's worth is pending.
pub fn send_action<'gc>(mut stack: Stack<'gc, '_>, io: &SharedIo, data: &[u8]) -> NResult<'gc> {
    stack.clear();
    if applet_io::send_now(io, data) {
        return Ok(Action::Return);
    }
    let io = io.clone();
    let data = data.to_vec();
    Ok(Action::Await(Box::pin(async move {
        let _ = applet_io::send(&io, &data).await;
        let resolve: AsyncResolve = Box::new(|_ctx, _stack| Ok(()));
        resolve
    })))
}

fn send<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let io = class::check::<AppletTcp>(&stack, 0, CLASS)?.io.clone();
    let msg = check_string(ctx, &stack, 1)?;
    send_action(stack, &io, msg.as_bytes())
}
