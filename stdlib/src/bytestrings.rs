//! The 256 one-byte strings, made once when `string` opens and given to its functions as their
//! upvalue: `s:sub(i, i)`, one-character captures and `string.char(c)` then allocate nothing
//! (PUC-Rio gets the same from interning short strings). Strings compare by content, so sharing
//! them is invisible to Lua code.

use halo_vm::{Ctx, LuaString, Table, Value};

/// The table of one-byte strings: entry `b + 1` is the string of byte `b`.
pub(crate) fn table(ctx: Ctx<'_>) -> Table<'_> {
    let t = Table::with_capacity(ctx.mc, 256, 0);
    for b in 0..=255u8 {
        t.set_int(ctx.mc, b as i64 + 1, Value::String(ctx.bytes(&[b])));
    }
    t
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
    } else if end == start + 1 {
        one_byte(ctx, cache, whole.as_bytes()[start])
    } else {
        Value::String(ctx.bytes(&whole.as_bytes()[start..end]))
    }
}
