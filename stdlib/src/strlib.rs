//! The `string` library (manual §6.4, PUC-Rio's lstrlib.c): the table of functions, the string
//! metatable that makes `s:upper()` work, and the functions that need no engine of their own
//! (`byte char dump len lower rep reverse sub upper`, and `pack packsize unpack` wired to
//! `pack.rs`). Pattern matching lives in `strmatch.rs`, `format` in `format.rs`.
//!
//! PUC's string metatable also holds `__add`, `__sub`... (lstrlib's `stringmetamethods`), which
//! convert strings to numbers. Halo's VM performs that coercion itself (`interp::arith_slow`),
//! so the metatable only holds `__index` (see docs/COMPAT.md).

use halo_vm::args::{check_integer, check_number, check_string, opt_integer, type_error};
use halo_vm::value::LuaType;
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Table, Value};

use crate::bytestrings;
use crate::pack::{self, ArgKind, PackArg, PackError, Unpacked};
use crate::scratch::with_scratch;

pub(crate) type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

/// `MAXSIZE` in lstrlib.c on LP64: results larger than this are "too large".
const MAX_SIZE: usize = i32::MAX as usize;

/// Opens `string` into the globals and installs the string metatable.
pub fn open(ctx: Ctx<'_>) {
    let string = Table::new(ctx.mc);
    // Every function gets the one-byte strings as upvalue 0 (see bytestrings.rs).
    let bytes = Value::Table(bytestrings::table(ctx));
    let set = |name: &str, f: halo_vm::NativeFn| {
        let f = NativeFunction::with_upvalues(ctx.mc, f, Box::new([bytes]));
        string.set_str(ctx.mc, ctx.str(name), f.into());
    };
    set("byte", byte);
    set("char", char);
    set("dump", dump);
    set("find", crate::strmatch::find);
    set("format", crate::format::format);
    set("gmatch", crate::strmatch::gmatch);
    set("gsub", crate::strmatch::gsub);
    set("len", len);
    set("lower", lower);
    set("match", crate::strmatch::match_);
    set("pack", pack_);
    set("packsize", packsize);
    set("rep", rep);
    set("reverse", reverse);
    set("sub", sub);
    set("unpack", unpack);
    set("upper", upper);
    ctx.set_global("string", Value::Table(string));

    let mt = Table::new(ctx.mc);
    mt.set_str(ctx.mc, ctx.str("__index"), Value::Table(string));
    ctx.state
        .set_type_metatable(ctx.mc, LuaType::String, Some(mt));
}

/// PUC's `posrelatI`: a 1-based start position, negative from the end, clipped to `[1, inf)`.
pub(crate) fn posrelat_start(pos: i64, len: usize) -> usize {
    if pos > 0 {
        pos as u64 as usize
    } else if pos == 0 || pos.unsigned_abs() > len as u64 {
        1
    } else {
        (len as i64 + pos + 1) as usize
    }
}

/// PUC's `getendpos`: a 1-based end position, negative from the end, clipped to `[0, len]`.
fn end_pos(pos: i64, len: usize) -> usize {
    if pos > len as i64 {
        len
    } else if pos >= 0 {
        pos as usize
    } else if pos.unsigned_abs() > len as u64 {
        0
    } else {
        (len as i64 + pos + 1) as usize
    }
}

fn len<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?;
    stack.ret1(Value::Integer(s.len() as i64));
    Ok(Action::Return)
}

fn sub<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?;
    let l = s.len();
    let start = posrelat_start(check_integer(ctx, &stack, 1)?, l);
    let end = end_pos(opt_integer(ctx, &stack, 2, -1)?, l);
    let r = if start <= end {
        bytestrings::substring(ctx, f.upvalue(0), s, start - 1, end)
    } else {
        ctx.str_value("")
    };
    stack.ret1(r);
    Ok(Action::Return)
}

/// Applies `f` to every byte (`lower`, `upper`): one exact-size allocation for the result.
fn map_bytes<'gc>(ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>, f: fn(&u8) -> u8) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?;
    let out: Vec<u8> = s.as_bytes().iter().map(f).collect();
    stack.ret1(Value::String(halo_vm::LuaString::from_vec(ctx.mc, out)));
    Ok(Action::Return)
}

// The C locale: only ASCII letters change case.
fn lower<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    map_bytes(ctx, stack, u8::to_ascii_lowercase)
}

fn upper<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    map_bytes(ctx, stack, u8::to_ascii_uppercase)
}

fn reverse<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?;
    let out: Vec<u8> = s.as_bytes().iter().rev().copied().collect();
    stack.ret1(Value::String(halo_vm::LuaString::from_vec(ctx.mc, out)));
    Ok(Action::Return)
}

fn rep<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?;
    let n = check_integer(ctx, &stack, 1)?;
    let sep: &[u8] = match stack.get(2) {
        Value::Nil => b"",
        _ => check_string(ctx, &stack, 2)?.as_bytes(),
    };
    let s = s.as_bytes();
    if n <= 0 {
        stack.ret1(ctx.str_value(""));
        return Ok(Action::Return);
    }
    let unit = s.len() + sep.len();
    if unit > MAX_SIZE / n as u64 as usize {
        return Err(Error::runtime("resulting string too large"));
    }
    let n = n as usize;
    let total = n * s.len() + (n - 1) * sep.len();
    if total == 0 {
        // PUC-Rio loops n times even then (hanging on `(""):rep(1 << 62)`); the result is "".
        stack.ret1(ctx.str_value(""));
        return Ok(Action::Return);
    }
    // Under a memory limit the result must fit before it is built (PUC-Rio's allocator fails
    // the same way).
    ctx.reserve_memory(total)?;
    let mut out = Vec::with_capacity(total);
    if sep.is_empty() && s.len() == 1 {
        out.resize(total, s[0]);
    } else {
        for i in 0..n {
            if i > 0 {
                out.extend_from_slice(sep);
            }
            out.extend_from_slice(s);
        }
    }
    stack.ret1(bytestrings::from_vec(ctx, f.upvalue(0), out));
    Ok(Action::Return)
}

fn byte<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?;
    let l = s.len();
    let pi = opt_integer(ctx, &stack, 1, 1)?;
    let posi = posrelat_start(pi, l);
    let pose = end_pos(opt_integer(ctx, &stack, 2, pi)?, l);
    stack.clear();
    if posi > pose {
        return Ok(Action::Return);
    }
    let n = pose - posi + 1;
    if n >= i32::MAX as usize {
        return Err(Error::runtime("string slice too long"));
    }
    // luaL_checkstack: a slice that cannot fit on the Lua stack.
    if n > halo_vm::interp::MAX_STACK - 64 {
        return Err(Error::runtime("stack overflow (string slice too long)"));
    }
    let bytes = &s.as_bytes()[posi - 1..pose];
    stack.extend(bytes.iter().map(|&b| Value::Integer(b as i64)));
    Ok(Action::Return)
}

fn char<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let n = stack.len();
    if n == 1 {
        let c = check_integer(ctx, &stack, 0)?;
        if c as u64 > 255 {
            return Err(Error::bad_arg(1, "value out of range"));
        }
        stack.ret1(bytestrings::one_byte(ctx, f.upvalue(0), c as u8));
        return Ok(Action::Return);
    }
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let c = check_integer(ctx, &stack, i)?;
        if c as u64 > 255 {
            return Err(Error::bad_arg(i + 1, "value out of range"));
        }
        out.push(c as u8);
    }
    // Short results come from the cache of recent short strings, as PUC-Rio interns them.
    stack.ret1(bytestrings::from_vec(ctx, f.upvalue(0), out));
    Ok(Action::Return)
}

/// Halo compiles to its own in-memory bytecode, which has no serialised form yet.
fn dump<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    match stack.get(0) {
        Value::Function(_) => Err(Error::runtime("unable to dump given function")),
        _ => Err(type_error(ctx, &stack, 0, "function")),
    }
}

// ------------------------------------------------------------------ pack

impl From<PackError> for Error<'_> {
    fn from(e: PackError) -> Self {
        match e.arg {
            Some(n) => Error::bad_arg(n, e.msg),
            None => Error::runtime(e.msg),
        }
    }
}

fn pack_<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let fmt = check_string(ctx, &stack, 0)?;
    let s = with_scratch(|out| {
        pack::pack_checked::<Error<'gc>>(
            fmt.as_bytes(),
            out,
            |n, kind| {
                let i = n - 1;
                if i >= stack.len() {
                    // str_pack pushes a nil marker after its arguments: the first missing one is nil.
                    let expected = match kind {
                        ArgKind::String => "string",
                        _ => "number",
                    };
                    return Err(Error::bad_arg(n, format!("{expected} expected, got nil")));
                }
                Ok(match kind {
                    ArgKind::Integer => PackArg::Int(check_integer(ctx, &stack, i)?),
                    ArgKind::Number => PackArg::Float(check_number(ctx, &stack, i)?.to_f64()),
                    ArgKind::String => PackArg::Str(check_string(ctx, &stack, i)?.as_bytes()),
                })
            },
            // The result must fit under the memory limit (`c1000000000` pads a string to 1 GB).
            |len| ctx.reserve_memory(len),
        )?;
        Ok::<_, Error<'gc>>(halo_vm::LuaString::new(ctx.mc, out))
    })?;
    stack.ret1(Value::String(s));
    Ok(Action::Return)
}

fn packsize<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let fmt = check_string(ctx, &stack, 0)?;
    let n = pack::packsize(fmt.as_bytes())?;
    stack.ret1(Value::Integer(n as i64));
    Ok(Action::Return)
}

fn unpack<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let fmt = check_string(ctx, &stack, 0)?;
    let data = check_string(ctx, &stack, 1)?;
    let pos = posrelat_start(opt_integer(ctx, &stack, 2, 1)?, data.len()) - 1;
    let (fmt, data) = (fmt.as_bytes(), data.as_bytes());
    stack.clear();
    let next = pack::unpack_each(fmt, data, pos, |v| {
        stack.push(match v {
            Unpacked::Int(i) => Value::Integer(i),
            Unpacked::Float(f) => Value::Number(f),
            Unpacked::Str(s) => Value::String(ctx.bytes(s)),
        })
    })?;
    stack.push(Value::Integer(next as i64 + 1));
    Ok(Action::Return)
}
