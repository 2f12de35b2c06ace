//! The `utf8` library (manual §6.5) as PUC-Rio 5.4's lutf8lib.c: sequences of up to six bytes
//! (code points up to 2^31 - 1) are accepted with `lax`; strict mode rejects surrogates and code
//! points above U+10FFFF. Overlong encodings are always invalid.

use halo_vm::args::{check_integer, check_string, opt_integer};
use halo_vm::{Action, Ctx, Error, LuaString, NativeFunction, Stack, Table, Value};

use crate::strlib::NResult;

const MAX_UNICODE: u32 = 0x10FFFF;
const MAX_UTF: u32 = 0x7FFF_FFFF;
/// `UTF8PATT`: one UTF-8 sequence, as a Lua pattern.
const CHARPATTERN: &[u8] = b"[\0-\x7F\xC2-\xFD][\x80-\xBF]*";

pub fn open(ctx: Ctx<'_>) {
    let t = Table::new(ctx.mc);
    ctx.set_functions(
        t,
        &[
            ("offset", offset),
            ("codepoint", codepoint),
            ("char", char),
            ("len", len),
            ("codes", codes),
        ],
    );
    t.set_str(
        ctx.mc,
        ctx.str("charpattern"),
        Value::String(ctx.bytes(CHARPATTERN)),
    );
    ctx.set_global("utf8", Value::Table(t));
}

/// Byte `i`, or 0 past the end (C reads the string's NUL terminator there).
#[inline]
fn byte_at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

#[inline]
fn is_cont(s: &[u8], i: usize) -> bool {
    byte_at(s, i) & 0xC0 == 0x80
}

/// lutf8lib's `u_posrelat`: negative positions count from the end; too negative is 0.
fn u_posrelat(pos: i64, len: usize) -> i64 {
    if pos >= 0 {
        pos
    } else if pos.unsigned_abs() > len as u64 {
        0
    } else {
        len as i64 + pos + 1
    }
}

/// lutf8lib's `utf8_decode` at byte `i`: the code point and the index after the sequence, or
/// `None` for an invalid sequence.
fn decode(s: &[u8], i: usize, strict: bool) -> Option<(u32, usize)> {
    const LIMITS: [u32; 6] = [u32::MAX, 0x80, 0x800, 0x10000, 0x200000, 0x4000000];
    let mut c = byte_at(s, i) as u32;
    let mut res: u32;
    let mut count = 0;
    if c < 0x80 {
        res = c;
    } else {
        res = 0;
        while c & 0x40 != 0 {
            count += 1;
            let cc = byte_at(s, i + count) as u32;
            if cc & 0xC0 != 0x80 {
                return None;
            }
            res = (res << 6) | (cc & 0x3F);
            c <<= 1;
        }
        if count > 5 {
            return None;
        }
        res |= (c & 0x7F) << (count * 5);
        if res > MAX_UTF || res < LIMITS[count] {
            return None;
        }
    }
    if strict && (res > MAX_UNICODE || (0xD800..=0xDFFF).contains(&res)) {
        return None;
    }
    Some((res, i + count + 1))
}

/// `luaO_utf8esc`: appends `x` (at most `MAX_UTF`) in up to six bytes.
fn encode(x: u32, out: &mut Vec<u8>) {
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut buf = [0u8; 8];
    let mut n = 0;
    let mut x = x;
    let mut mfb = 0x3fu32; // the largest value that fits in the first byte
    loop {
        buf[7 - n] = 0x80 | (x & 0x3f) as u8;
        n += 1;
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    buf[7 - n] = ((!mfb << 1) | x) as u8;
    out.extend_from_slice(&buf[7 - n..]);
}

fn char<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let mut out = Vec::with_capacity(stack.len() * 2);
    for i in 0..stack.len() {
        let code = check_integer(ctx, &stack, i)? as u64;
        if code > MAX_UTF as u64 {
            return Err(Error::bad_arg(i + 1, "value out of range"));
        }
        encode(code as u32, &mut out);
    }
    stack.ret1(Value::String(LuaString::from_vec(ctx.mc, out)));
    Ok(Action::Return)
}

/// `utf8.len(s [, i [, j [, lax]]])`: the number of characters starting in `[i, j]`, or fail
/// and the position of the first invalid byte.
fn len<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?.as_bytes();
    let l = s.len() as i64;
    let mut posi = u_posrelat(opt_integer(ctx, &stack, 1, 1)?, s.len());
    let mut posj = u_posrelat(opt_integer(ctx, &stack, 2, -1)?, s.len());
    let lax = stack.get(3).to_bool();
    if !(1 <= posi && posi - 1 <= l) {
        return Err(Error::bad_arg(2, "initial position out of bounds"));
    }
    posi -= 1;
    posj -= 1;
    if posj >= l {
        return Err(Error::bad_arg(3, "final position out of bounds"));
    }
    let mut n = 0i64;
    while posi <= posj {
        match decode(s, posi as usize, !lax) {
            Some((_, next)) => posi = next as i64,
            None => {
                stack.replace(&[Value::Nil, Value::Integer(posi + 1)]);
                return Ok(Action::Return);
            }
        }
        n += 1;
    }
    stack.ret1(Value::Integer(n));
    Ok(Action::Return)
}

/// `utf8.codepoint(s [, i [, j [, lax]]])`: the code points of the characters starting in
/// `[i, j]`.
fn codepoint<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?.as_bytes();
    let posi = u_posrelat(opt_integer(ctx, &stack, 1, 1)?, s.len());
    let pose = u_posrelat(opt_integer(ctx, &stack, 2, posi)?, s.len());
    let lax = stack.get(3).to_bool();
    if posi < 1 {
        return Err(Error::bad_arg(2, "out of bounds"));
    }
    if pose > s.len() as i64 {
        return Err(Error::bad_arg(3, "out of bounds"));
    }
    stack.clear();
    if posi > pose {
        return Ok(Action::Return);
    }
    if pose - posi >= i32::MAX as i64 {
        return Err(Error::runtime("string slice too long"));
    }
    if (pose - posi) as usize > halo_vm::interp::MAX_STACK - 64 {
        return Err(Error::runtime("stack overflow (string slice too long)"));
    }
    let end = pose as usize;
    let mut i = posi as usize - 1;
    while i < end {
        let Some((code, next)) = decode(s, i, !lax) else {
            return Err(Error::runtime("invalid UTF-8 code"));
        };
        stack.push(Value::Integer(code as i64));
        i = next;
    }
    Ok(Action::Return)
}

/// `utf8.offset(s, n [, i])`: the byte position where the `n`-th character counted from
/// position `i` starts (`n == 0`: the start of the character containing `i`).
fn offset<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?.as_bytes();
    let l = s.len() as i64;
    let mut n = check_integer(ctx, &stack, 1)?;
    let default = if n >= 0 { 1 } else { l + 1 };
    let mut posi = u_posrelat(opt_integer(ctx, &stack, 2, default)?, s.len());
    if !(1 <= posi && posi - 1 <= l) {
        return Err(Error::bad_arg(3, "position out of bounds"));
    }
    posi -= 1;
    let cont = |p: i64| is_cont(s, p as usize);
    if n == 0 {
        while posi > 0 && cont(posi) {
            posi -= 1;
        }
    } else {
        if cont(posi) {
            return Err(Error::runtime("initial position is a continuation byte"));
        }
        if n < 0 {
            while n < 0 && posi > 0 {
                loop {
                    posi -= 1;
                    if !(posi > 0 && cont(posi)) {
                        break;
                    }
                }
                n += 1;
            }
        } else {
            n -= 1; // the first character is where we stand
            while n > 0 && posi < l {
                loop {
                    posi += 1;
                    if !cont(posi) {
                        break;
                    }
                }
                n -= 1;
            }
        }
    }
    stack.ret1(if n == 0 {
        Value::Integer(posi + 1)
    } else {
        Value::Nil
    });
    Ok(Action::Return)
}

/// `utf8.codes(s [, lax])`: the generic-for triple iterating over positions and code points.
fn codes<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let lax = stack.get(1).to_bool();
    let s = check_string(ctx, &stack, 0)?;
    let iter: halo_vm::NativeFn = if lax { iter_lax } else { iter_strict };
    stack.replace(&[
        NativeFunction::new(ctx.mc, iter).into(),
        Value::String(s),
        Value::Integer(0),
    ]);
    Ok(Action::Return)
}

fn iter_strict<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    iter_aux(ctx, stack, true)
}

fn iter_lax<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    iter_aux(ctx, stack, false)
}

/// One step of `codes`: the control value is the 1-based position of the previous character,
/// i.e. the 0-based index just after its first byte; continuation bytes are skipped.
fn iter_aux<'gc>(ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>, strict: bool) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?.as_bytes();
    // lua_tointeger: anything that is not an integral number counts as 0.
    let mut n = match halo_vm::interp::to_number(stack.get(1)) {
        Some(halo_vm::number::Number::Int(i)) => i as u64,
        Some(halo_vm::number::Number::Float(f)) => {
            halo_vm::number::float_to_int(f).unwrap_or(0) as u64
        }
        None => 0,
    };
    let len = s.len() as u64;
    if n < len {
        while is_cont(s, n as usize) {
            n += 1;
        }
    }
    stack.clear();
    if n >= len {
        return Ok(Action::Return);
    }
    match decode(s, n as usize, strict) {
        Some((code, _)) => {
            stack.push(Value::Integer(n as i64 + 1));
            stack.push(Value::Integer(code as i64));
            Ok(Action::Return)
        }
        None => Err(Error::runtime("invalid UTF-8 code")),
    }
}
