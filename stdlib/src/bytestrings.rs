//! The 256 one-byte strings, made once when `string` opens and given to its functions as their
//! upvalue: `s:sub(i, i)`, one-character captures and `string.char(c)` then allocate nothing
//! (PUC-Rio gets the same from interning short strings). The same table holds a small
//! direct-mapped cache of recent short strings (2 to 32 bytes) made by `sub` and captures, so
//! code that cuts the same pieces again and again (`line:sub(1, 4) == "GET "`, header names)
//! does not allocate each time either. Strings compare by content, so sharing them is invisible
//! to Lua code.

use halo_vm::{Ctx, LuaString, Table, Value};

/// Entries of the short-string cache (a power of two), after the 256 one-byte strings.
const CACHE_SLOTS: usize = 1024;
/// The longest string the cache keeps.
const CACHE_MAX_LEN: usize = 32;

/// The table of one-byte strings: entry `b + 1` is the string of byte `b`; entries 257 and up
/// are the short-string cache (`false` when empty).
pub(crate) fn table(ctx: Ctx<'_>) -> Table<'_> {
    let t = Table::with_capacity(ctx.mc, 256 + CACHE_SLOTS, 0);
    for b in 0..=255u8 {
        t.set_int(ctx.mc, b as i64 + 1, Value::String(ctx.bytes(&[b])));
    }
    for i in 0..CACHE_SLOTS {
        t.set_int(ctx.mc, (257 + i) as i64, Value::Boolean(false));
    }
    t
}

/// `bytes` as a Lua string, shared with an earlier equal one through the cache when short.
#[inline]
pub(crate) fn short<'gc>(ctx: Ctx<'gc>, cache: Value<'gc>, bytes: &[u8]) -> Value<'gc> {
    match bytes.len() {
        1 => return one_byte(ctx, cache, bytes[0]),
        2..=CACHE_MAX_LEN => {}
        _ => return Value::String(ctx.bytes(bytes)),
    }
    let Value::Table(t) = cache else {
        return Value::String(ctx.bytes(bytes));
    };
    // FNV-1a: short keys, and a miss only costs an allocation.
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h = (h ^ u32::from(b)).wrapping_mul(0x0100_0193);
    }
    let slot = 257 + (h as usize & (CACHE_SLOTS - 1)) as i64;
    if let v @ Value::String(s) = t.get_int(slot)
        && s.as_bytes() == bytes
    {
        return v;
    }
    let v = Value::String(ctx.bytes(bytes));
    t.set_int(ctx.mc, slot, v);
    v
}

/// `short` for a result already built in a vector: long ones take the vector as it is.
#[inline]
pub(crate) fn from_vec<'gc>(ctx: Ctx<'gc>, cache: Value<'gc>, bytes: Vec<u8>) -> Value<'gc> {
    if bytes.len() <= CACHE_MAX_LEN {
        short(ctx, cache, &bytes)
    } else {
        Value::String(LuaString::from_vec(ctx.mc, bytes))
    }
}

/// The string of byte `b`, from `cache` (the table above) when it is one.
#[inline]
pub(crate) fn one_byte<'gc>(ctx: Ctx<'gc>, cache: Value<'gc>, b: u8) -> Value<'gc> {
    if let Value::Table(t) = cache
        && let v @ Value::String(_) = t.get_int(b as i64 + 1)
    {
        return v;
    }
    Value::String(ctx.bytes(&[b]))
}

/// `whole[start..end]` as a Lua string: `whole` itself, a shared one-byte string, or a copy.
#[inline]
pub(crate) fn substring<'gc>(
    ctx: Ctx<'gc>,
    cache: Value<'gc>,
    whole: LuaString<'gc>,
    start: usize,
    end: usize,
) -> Value<'gc> {
    if start == 0 && end == whole.len() {
        Value::String(whole)
    } else {
        short(ctx, cache, &whole.as_bytes()[start..end])
    }
}
