//! The `Concat` class (`core.concat()`): a string builder, `c:add(s)` appends, `c:dump()`
//! returns everything added so far. Allowed in every context, like HAProxy.

use std::cell::RefCell;

use halo_vm::args::check_string;
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Value};

use super::class;

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub const CLASS: &str = "Concat";

/// The bytes added so far.
struct Buffer(RefCell<Vec<u8>>);

pub fn define(ctx: Ctx<'_>) {
    let mt = class::define(ctx, CLASS, &[("add", add), ("dump", dump)], None);
    ctx.set_functions(mt, &[("__tostring", tostring)]);
}

/// `core.concat()`.
pub fn new<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let mt = class::metatable(ctx, CLASS).ok_or_else(|| Error::runtime("Concat class missing"))?;
    let obj = class::new_object(ctx, mt, Buffer(RefCell::new(Vec::new())));
    stack.replace(&[Value::Table(obj)]);
    Ok(Action::Return)
}

/// The buffer of argument 1; HAProxy's `hlua_checkudata` message otherwise.
fn buffer<'gc>(stack: &Stack<'gc, '_>) -> Result<&'gc Buffer, Error<'gc>> {
    class::check::<Buffer>(stack, 0, CLASS).map_err(|_| Error::bad_arg(1, "(null)"))
}

fn add<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let b = buffer(&stack)?;
    let s = check_string(ctx, &stack, 1)?;
    let mut buf = b.0.borrow_mut();
    // The buffer lives outside the arena: growing it must still respect `tune.lua.maxmem`.
    ctx.reserve_memory(buf.len().saturating_add(s.len()))?;
    buf.extend_from_slice(s.as_bytes());
    stack.clear();
    Ok(Action::Return)
}

fn dump<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let b = buffer(&stack)?;
    let s = ctx.bytes(&b.0.borrow());
    stack.replace(&[Value::String(s)]);
    Ok(Action::Return)
}

/// `Concat object: 0x...`.
fn tostring<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let p = stack.get(0).gc_ptr().unwrap_or(std::ptr::null());
    stack.replace(&[ctx.str_value(&format!("Concat object: {p:p}"))]);
    Ok(Action::Return)
}
