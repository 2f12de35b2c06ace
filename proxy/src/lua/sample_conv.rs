//! Samples to Lua values and back, as HAProxy's `hlua_smp2lua`/`hlua_lua2smp` convert them.

use halo_vm::{Ctx, Value};

use crate::sample::Sample;

/// The registry slot that is `true` when `tune.lua.bool-sample-conversion normal` asks for
/// boolean samples as Lua booleans (`set_bool_samples`).
const BOOL_SAMPLES_SLOT: i64 = 3_000_000;

/// `tune.lua.bool-sample-conversion normal`: this state gets boolean samples as booleans.
pub fn set_bool_samples(ctx: Ctx<'_>, booleans: bool) {
    ctx.state
        .registry
        .set_int(ctx.mc, BOOL_SAMPLES_SLOT, Value::Boolean(booleans));
}

pub fn to_lua<'gc>(ctx: Ctx<'gc>, s: Sample) -> Value<'gc> {
    match s {
        // HAProxy's `hlua_smp2lua` pushes SMP_T_BOOL as an integer, the historical behaviour
        // (`tune.lua.bool-sample-conversion pre-3.1-bug`, the default): scripts test `== 1`.
        Sample::Bool(b) if ctx.state.registry.get_int(BOOL_SAMPLES_SLOT).to_bool() => {
            Value::Boolean(b)
        }
        Sample::Bool(b) => Value::Integer(i64::from(b)),
        Sample::Sint(i) => Value::Integer(i),
        Sample::Str(b) | Sample::Bin(b) => Value::String(ctx.bytes(&b)),
        Sample::Meth(m) => Value::String(ctx.bytes(m.as_bytes())),
        other => match other.to_str_form() {
            Some(b) => Value::String(ctx.bytes(&b)),
            None => Value::Nil,
        },
    }
}

/// A Lua value as a sample; `None` for nil (a failed fetch) and for values HAProxy cannot
/// carry (tables, functions: HAProxy makes them `false`).
pub fn from_lua(v: Value<'_>) -> Option<Sample> {
    match v {
        Value::Nil => None,
        Value::Boolean(b) => Some(Sample::Bool(b)),
        Value::Integer(i) => Some(Sample::Sint(i)),
        Value::Number(f) => Some(Sample::Sint(f as i64)),
        Value::String(s) => Some(Sample::str(bytes::Bytes::copy_from_slice(s.as_bytes()))),
        _ => Some(Sample::Bool(false)),
    }
}

/// A static copy of a result (from `Run`) as a sample.
pub fn from_static(v: &halo_vm::StaticValue) -> Option<Sample> {
    use halo_vm::StaticValue as S;
    match v {
        S::Nil => None,
        S::Boolean(b) => Some(Sample::Bool(*b)),
        S::Integer(i) => Some(Sample::Sint(*i)),
        S::Number(f) => Some(Sample::Sint(*f as i64)),
        S::String(s) => Some(Sample::str(bytes::Bytes::copy_from_slice(s))),
        S::Other(_) => Some(Sample::Bool(false)),
    }
}
