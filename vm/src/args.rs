//! Argument checking for native functions, with PUC-Rio's messages (lauxlib's `luaL_check*`):
//! `bad argument #2 to 'insert' (number expected, got nil)`; a missing argument is "no value".

use crate::callback::{Error, Stack};
use crate::closure::Closure;
use crate::interp::to_number;
use crate::meta;
use crate::number::{self, Number};
use crate::state::Ctx;
use crate::string::LuaString;
use crate::table::Table;
use crate::value::{Function, Value};

/// The type name of argument `i` for messages: "no value" when absent.
pub fn arg_type_name<'gc>(ctx: Ctx<'gc>, stack: &Stack<'gc, '_>, i: usize) -> String {
    if i >= stack.len() {
        "no value".into()
    } else {
        meta::type_name_for_error(ctx, stack.get(i))
    }
}

pub fn type_error<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
    expected: &str,
) -> Error<'gc> {
    Error::bad_arg(
        i + 1,
        format!("{expected} expected, got {}", arg_type_name(ctx, stack, i)),
    )
}

pub fn check_any<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
) -> Result<Value<'gc>, Error<'gc>> {
    if i >= stack.len() {
        return Err(Error::bad_arg(i + 1, "value expected"));
    }
    let _ = ctx;
    Ok(stack.get(i))
}

pub fn check_table<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
) -> Result<Table<'gc>, Error<'gc>> {
    match stack.get(i) {
        Value::Table(t) => Ok(t),
        _ => Err(type_error(ctx, stack, i, "table")),
    }
}

pub fn check_function<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
) -> Result<Function<'gc>, Error<'gc>> {
    match stack.get(i) {
        Value::Function(f) => Ok(f),
        _ => Err(type_error(ctx, stack, i, "function")),
    }
}

pub fn check_lua_function<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
) -> Result<Closure<'gc>, Error<'gc>> {
    match stack.get(i) {
        Value::Function(Function::Lua(c)) => Ok(c),
        _ => Err(type_error(ctx, stack, i, "Lua function")),
    }
}

/// A string argument; numbers are converted like `luaL_checklstring`.
pub fn check_string<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
) -> Result<LuaString<'gc>, Error<'gc>> {
    match stack.get(i) {
        Value::String(s) => Ok(s),
        v @ (Value::Integer(_) | Value::Number(_)) => {
            Ok(crate::interp::number_to_string(ctx, v).unwrap())
        }
        _ => Err(type_error(ctx, stack, i, "string")),
    }
}

pub fn opt_string<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
) -> Result<Option<LuaString<'gc>>, Error<'gc>> {
    if stack.get(i).is_nil() {
        Ok(None)
    } else {
        check_string(ctx, stack, i).map(Some)
    }
}

pub fn check_number<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
) -> Result<Number, Error<'gc>> {
    match to_number(stack.get(i)) {
        Some(n) => Ok(n),
        None => Err(type_error(ctx, stack, i, "number")),
    }
}

pub fn check_integer<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
) -> Result<i64, Error<'gc>> {
    match to_number(stack.get(i)) {
        Some(Number::Int(n)) => Ok(n),
        Some(Number::Float(f)) => number::float_to_int(f)
            .ok_or_else(|| Error::bad_arg(i + 1, "number has no integer representation")),
        None => Err(type_error(ctx, stack, i, "number")),
    }
}

pub fn opt_integer<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
    default: i64,
) -> Result<i64, Error<'gc>> {
    if stack.get(i).is_nil() {
        Ok(default)
    } else {
        check_integer(ctx, stack, i)
    }
}
