//! The bytecode interpreter (PUC-Rio's lvm.c): runs the Lua frames on top of one thread.
//!
//! Invariants:
//! - Lua-to-Lua calls, returns and metamethod calls never recurse on the Rust stack: they push or
//!   pop frames and the loop continues. A metamethod's result is delivered by `ReturnTo`, which
//!   finishes the interrupted instruction (like `luaV_finishOp`).
//! - Fuel is charged by instructions but checked only on frame changes (calls, returns,
//!   metamethods) and loop back-edges, which are charged the length of the code they close
//!   (a back-edge its loop body, a return the code before it): a slice overruns its fuel by at
//!   most one function's straight-line code. The frame's `pc` is saved whenever control can
//!   leave the loop (call, error, fuel), so a suspended thread is plain data.
//! - Native functions run inline when they just return values; any other `Action` leaves a native
//!   frame on top and returns to the executor.
//!
//! Never: hold a borrow of a table across a call, or call a native with the thread's stack
//! window in an inconsistent state.

use gc_arena::Gc;

use crate::bytecode::Insn;
use crate::callback::{Action, Error};
use crate::closure::{Closure, Proto, UpValue, UpValueState};
use crate::debug;
use crate::meta::{self, MetaEvent};
use crate::number::{self, Number};
use crate::state::Ctx;
use crate::string::LuaString;
use crate::table::Table;
use crate::thread::{Frame, LuaFrame, NativeFrame, ReturnTo, Thread, ThreadState};
use crate::value::LuaType;
use crate::value::{Function, Value};

/// PUC-Rio's LUAI_MAXSTACK: beyond this many slots a thread raises "stack overflow".
pub const MAX_STACK: usize = 1_000_000;
/// Bound on `__index`/`__newindex` chains (PUC-Rio's MAXTAGLOOP).
const MAX_TAG_LOOP: usize = 2000;

pub(crate) enum RunExit<'gc> {
    /// The fuel slice is used up; the thread can continue later.
    Fuel,
    /// The top frame is no longer a Lua frame (returned into native code, or thread finished).
    FrameChange,
    /// A native function asked for something only the executor can do; its frame is on top.
    Action(Action<'gc>),
}

/// Outcome of starting a call.
pub(crate) enum CallStart<'gc> {
    /// A Lua frame was pushed.
    Lua,
    /// A native function ran to completion; its results were delivered.
    Done,
    /// A native function returned an action; its frame is on top.
    Action(Action<'gc>),
}

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Mod,
    Pow,
    Div,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Unm,
    BNot,
}

impl ArithOp {
    fn event(self) -> MetaEvent {
        match self {
            ArithOp::Add => MetaEvent::Add,
            ArithOp::Sub => MetaEvent::Sub,
            ArithOp::Mul => MetaEvent::Mul,
            ArithOp::Mod => MetaEvent::Mod,
            ArithOp::Pow => MetaEvent::Pow,
            ArithOp::Div => MetaEvent::Div,
            ArithOp::IDiv => MetaEvent::IDiv,
            ArithOp::BAnd => MetaEvent::BAnd,
            ArithOp::BOr => MetaEvent::BOr,
            ArithOp::BXor => MetaEvent::BXor,
            ArithOp::Shl => MetaEvent::Shl,
            ArithOp::Shr => MetaEvent::Shr,
            ArithOp::Unm => MetaEvent::Unm,
            ArithOp::BNot => MetaEvent::BNot,
        }
    }
    fn is_bitwise(self) -> bool {
        matches!(
            self,
            ArithOp::BAnd
                | ArithOp::BOr
                | ArithOp::BXor
                | ArithOp::Shl
                | ArithOp::Shr
                | ArithOp::BNot
        )
    }
}

/// Numeric value of a value for arithmetic, with string coercion (§3.4.3).
#[inline]
pub fn to_number(v: Value<'_>) -> Option<Number> {
    match v {
        Value::Integer(i) => Some(Number::Int(i)),
        Value::Number(f) => Some(Number::Float(f)),
        Value::String(s) => number::str_to_number(s.as_bytes()),
        _ => None,
    }
}

/// Integer value for bitwise operations: numbers only (strings are not coerced in 5.4).
#[inline]
fn to_int_bitwise(v: Value<'_>) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(i),
        Value::Number(f) => number::float_to_int(f),
        _ => None,
    }
}

/// Arithmetic on two numbers. `Err` carries an error message (integer division by zero).
#[inline]
pub(crate) fn arith_num<'gc>(
    op: ArithOp,
    a: Number,
    b: Number,
) -> Result<Option<Value<'gc>>, &'static str> {
    use Number::Int;
    Ok(Some(match op {
        ArithOp::Add
        | ArithOp::Sub
        | ArithOp::Mul
        | ArithOp::Mod
        | ArithOp::IDiv
        | ArithOp::Unm => match (a, b) {
            (Int(x), Int(y)) => Value::Integer(match op {
                ArithOp::Add => x.wrapping_add(y),
                ArithOp::Sub => x.wrapping_sub(y),
                ArithOp::Mul => x.wrapping_mul(y),
                ArithOp::Mod => number::int_mod(x, y).ok_or("attempt to perform 'n%%0'")?,
                ArithOp::IDiv => number::int_idiv(x, y).ok_or("attempt to divide by zero")?,
                _ => x.wrapping_neg(),
            }),
            _ => {
                let (x, y) = (a.to_f64(), b.to_f64());
                Value::Number(match op {
                    ArithOp::Add => x + y,
                    ArithOp::Sub => x - y,
                    ArithOp::Mul => x * y,
                    ArithOp::Mod => number::float_mod(x, y),
                    ArithOp::IDiv => number::float_idiv(x, y),
                    _ => -x,
                })
            }
        },
        ArithOp::Pow => Value::Number(a.to_f64().powf(b.to_f64())),
        ArithOp::Div => Value::Number(a.to_f64() / b.to_f64()),
        _ => {
            let (Some(x), Some(y)) = (
                number::number_to_int_lossless(a),
                number::number_to_int_lossless(b),
            ) else {
                return Ok(None);
            };
            Value::Integer(match op {
                ArithOp::BAnd => x & y,
                ArithOp::BOr => x | y,
                ArithOp::BXor => x ^ y,
                ArithOp::Shl => number::shift_left(x, y),
                ArithOp::Shr => number::shift_right(x, y),
                _ => !x,
            })
        }
    }))
}

/// The arithmetic the interpreter does inline: both operands numbers and no error possible.
/// `op` is a constant at every use, so inlining leaves only its own case.
#[inline(always)]
fn arith_fast<'gc>(op: ArithOp, vb: Value<'gc>, vc: Value<'gc>) -> Option<Value<'gc>> {
    match (vb, vc) {
        (Value::Integer(x), Value::Integer(y)) => Some(match op {
            ArithOp::Add => Value::Integer(x.wrapping_add(y)),
            ArithOp::Sub => Value::Integer(x.wrapping_sub(y)),
            ArithOp::Mul => Value::Integer(x.wrapping_mul(y)),
            ArithOp::Mod => Value::Integer(number::int_mod(x, y)?),
            ArithOp::IDiv => Value::Integer(number::int_idiv(x, y)?),
            ArithOp::Div => Value::Number(x as f64 / y as f64),
            ArithOp::Pow => Value::Number((x as f64).powf(y as f64)),
            ArithOp::BAnd => Value::Integer(x & y),
            ArithOp::BOr => Value::Integer(x | y),
            ArithOp::BXor => Value::Integer(x ^ y),
            ArithOp::Shl => Value::Integer(number::shift_left(x, y)),
            ArithOp::Shr => Value::Integer(number::shift_right(x, y)),
            ArithOp::Unm => Value::Integer(x.wrapping_neg()),
            ArithOp::BNot => Value::Integer(!x),
        }),
        (Value::Number(x), Value::Number(y)) => float_arith(op, x, y),
        (Value::Integer(x), Value::Number(y)) => float_arith(op, x as f64, y),
        (Value::Number(x), Value::Integer(y)) => float_arith(op, x, y as f64),
        _ => None,
    }
}

#[inline(always)]
fn float_arith<'gc>(op: ArithOp, x: f64, y: f64) -> Option<Value<'gc>> {
    Some(Value::Number(match op {
        ArithOp::Add => x + y,
        ArithOp::Sub => x - y,
        ArithOp::Mul => x * y,
        ArithOp::Div => x / y,
        ArithOp::Mod => number::float_mod(x, y),
        ArithOp::IDiv => number::float_idiv(x, y),
        ArithOp::Pow => x.powf(y),
        ArithOp::Unm => -x,
        _ => return None,
    }))
}

/// Everything `arith_fast` leaves: integer division by zero, bitwise operations on floats,
/// string coercion, metamethods, and the errors, which name the operand registers `regs`
/// (`None` for a constant operand). The frame's pc is saved.
#[cold]
#[inline(never)]
fn arith_fallback<'gc>(
    ctx: Ctx<'gc>,
    ts: &ThreadState<'gc>,
    op: ArithOp,
    vb: Value<'gc>,
    vc: Value<'gc>,
    regs: [Option<u8>; 2],
) -> Result<Slow<'gc>, Error<'gc>> {
    let num = match (vb, vc) {
        (Value::Integer(_) | Value::Number(_), Value::Integer(_) | Value::Number(_)) => {
            arith_num(op, to_number(vb).unwrap(), to_number(vc).unwrap())
        }
        _ => Ok(None),
    };
    match num {
        Ok(Some(v)) => return Ok(Slow::Value(v)),
        Err(m) => return Err(rt_error(ctx, ts, &m.replace("%%", "%"))),
        Ok(None) => {}
    }
    match arith_slow(ctx, op, vb, vc) {
        Ok(slow) => Ok(slow),
        Err(OpError::Positioned(m)) => Err(rt_error(ctx, ts, &m)),
        Err(OpError::NoPosition(m)) => Err(Error::Value(ctx.str_value(&m))),
        Err(OpError::Typed(m, culprit)) => {
            let reg = match culprit {
                Culprit::First => regs[0],
                Culprit::Second => regs[1],
            };
            let vi = match (reg, ts.frames.last()) {
                (Some(r), Some(Frame::Lua(f))) => debug::varinfo(
                    &f.closure.proto().info,
                    f.pc - 1,
                    r as usize,
                    f.closure.upvalues(),
                ),
                _ => String::new(),
            };
            // "number has no integer representation" takes the name after "number".
            let msg = match m.strip_prefix("number ") {
                Some(rest) if m.starts_with("number has no") => format!("number{vi} {rest}"),
                _ => format!("{m}{vi}"),
            };
            Err(rt_error(ctx, ts, &msg))
        }
    }
}

fn arith_verb(op: ArithOp) -> &'static str {
    match op {
        ArithOp::Add => "add",
        ArithOp::Sub => "sub",
        ArithOp::Mul => "mul",
        ArithOp::Mod => "mod",
        ArithOp::Pow => "pow",
        ArithOp::Div => "div",
        ArithOp::IDiv => "idiv",
        ArithOp::Unm => "unm",
        _ => "perform bitwise operation on",
    }
}

/// Result of the slow path of an operation: a value, or a metamethod to call.
pub(crate) enum Slow<'gc> {
    Value(Value<'gc>),
    Call(Value<'gc>, [Value<'gc>; 2]),
}

/// Which operand a type error is about (for `varinfo`).
#[derive(Copy, Clone)]
pub(crate) enum Culprit {
    First,
    Second,
}

pub(crate) enum OpError {
    /// Message completed by the variable info of the culprit operand.
    Typed(String, Culprit),
    /// Raised, in PUC-Rio, inside the string library's arithmetic metamethods (C code), by the
    /// core: no position.
    NoPosition(String),
    /// Raised by those metamethods through luaL_error: the caller's position.
    Positioned(String),
}

/// Arithmetic with coercions and metamethods (`luaT_trybinTM`, plus the string arithmetic that
/// PUC-Rio's string library provides through the string metatable).
pub(crate) fn arith_slow<'gc>(
    ctx: Ctx<'gc>,
    op: ArithOp,
    a: Value<'gc>,
    b: Value<'gc>,
) -> Result<Slow<'gc>, OpError> {
    if !op.is_bitwise() {
        if let (Some(x), Some(y)) = (to_number(a), to_number(b)) {
            return match arith_num(op, x, y) {
                Ok(Some(v)) => Ok(Slow::Value(v)),
                Ok(None) => unreachable!(),
                Err(m) => Err(OpError::NoPosition(m.replace("%%", "%"))),
            };
        }
    } else if let (Some(x), Some(y)) = (to_int_bitwise(a), to_int_bitwise(b)) {
        return Ok(Slow::Value(
            arith_num(op, Number::Int(x), Number::Int(y))
                .ok()
                .flatten()
                .unwrap(),
        ));
    }
    let event = op.event();
    // The string metatable's arithmetic metamethods (lstrlib's `trymt`) take precedence for a
    // string first operand, and for a string second operand when the first has no metamethod.
    let tm_a = metamethod_or_string_arith(ctx, a, event, op);
    let tm = match tm_a {
        Some(tm) => Some(tm),
        None => metamethod_or_string_arith(ctx, b, event, op),
    };
    match tm {
        Some(Value::Nil) => {
            // String arithmetic that failed to convert: lstrlib's trymt.
            let tm2 = meta::metamethod(ctx, b, event);
            if matches!(b, Value::String(_)) || tm2.is_nil() {
                return Err(OpError::Positioned(format!(
                    "attempt to {} a '{}' with a '{}'",
                    arith_verb(op),
                    meta::type_name_for_error(ctx, a),
                    meta::type_name_for_error(ctx, b)
                )));
            }
            Ok(Slow::Call(tm2, [a, b]))
        }
        Some(tm) => Ok(Slow::Call(tm, [a, b])),
        None => {
            if op.is_bitwise() {
                if let (
                    Value::Integer(_) | Value::Number(_),
                    Value::Integer(_) | Value::Number(_),
                ) = (a, b)
                {
                    let culprit = if to_int_bitwise(a).is_none() {
                        Culprit::First
                    } else {
                        Culprit::Second
                    };
                    return Err(OpError::Typed(
                        "number has no integer representation".into(),
                        culprit,
                    ));
                }
                let culprit = if matches!(a, Value::Integer(_) | Value::Number(_)) {
                    Culprit::Second
                } else {
                    Culprit::First
                };
                let v = if matches!(culprit, Culprit::First) {
                    a
                } else {
                    b
                };
                return Err(OpError::Typed(
                    format!(
                        "attempt to perform bitwise operation on a {} value",
                        meta::type_name_for_error(ctx, v)
                    ),
                    culprit,
                ));
            }
            let culprit = if matches!(a, Value::Integer(_) | Value::Number(_)) {
                Culprit::Second
            } else {
                Culprit::First
            };
            let v = if matches!(culprit, Culprit::First) {
                a
            } else {
                b
            };
            Err(OpError::Typed(
                format!(
                    "attempt to perform arithmetic on a {} value",
                    meta::type_name_for_error(ctx, v)
                ),
                culprit,
            ))
        }
    }
}

/// The metamethod of `v` for an arithmetic event; `Some(Nil)` stands for the string library's
/// built-in string arithmetic (which already failed to convert when we get here).
fn metamethod_or_string_arith<'gc>(
    ctx: Ctx<'gc>,
    v: Value<'gc>,
    event: MetaEvent,
    op: ArithOp,
) -> Option<Value<'gc>> {
    let tm = meta::metamethod(ctx, v, event);
    if !tm.is_nil() {
        return Some(tm);
    }
    if matches!(v, Value::String(_)) && !op.is_bitwise() {
        return Some(Value::Nil);
    }
    None
}

/// `tostring` of a number (for concatenation).
pub fn number_to_string<'gc>(ctx: Ctx<'gc>, v: Value<'gc>) -> Option<LuaString<'gc>> {
    let mut buf = Vec::with_capacity(24);
    match v {
        Value::Integer(i) => number::fmt_int(i, &mut buf),
        Value::Number(f) => number::fmt_float(f, &mut buf),
        _ => return None,
    }
    Some(LuaString::from_vec(ctx.mc, buf))
}

/// Lua's `<` (`luaV_lessthan`) without metamethods: `None` when a metamethod is needed.
#[inline]
pub(crate) fn less_than(a: Value<'_>, b: Value<'_>) -> Option<bool> {
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => Some(x < y),
        (Value::Number(x), Value::Number(y)) => Some(x < y),
        (Value::Integer(_) | Value::Number(_), Value::Integer(_) | Value::Number(_)) => {
            Some(number::lt_num(to_number(a)?, to_number(b)?))
        }
        (Value::String(x), Value::String(y)) => Some(x.as_bytes() < y.as_bytes()),
        _ => None,
    }
}

#[inline]
pub(crate) fn less_equal(a: Value<'_>, b: Value<'_>) -> Option<bool> {
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => Some(x <= y),
        (Value::Number(x), Value::Number(y)) => Some(x <= y),
        (Value::Integer(_) | Value::Number(_), Value::Integer(_) | Value::Number(_)) => {
            Some(number::le_num(to_number(a)?, to_number(b)?))
        }
        (Value::String(x), Value::String(y)) => Some(x.as_bytes() <= y.as_bytes()),
        _ => None,
    }
}

pub(crate) fn compare_error<'gc>(ctx: Ctx<'gc>, a: Value<'gc>, b: Value<'gc>) -> String {
    let (t1, t2) = (
        meta::type_name_for_error(ctx, a),
        meta::type_name_for_error(ctx, b),
    );
    if t1 == t2 {
        format!("attempt to compare two {t1} values")
    } else {
        format!("attempt to compare {t1} with {t2}")
    }
}

/// The slow path of `<`/`<=`: a metamethod to call, or an error.
pub(crate) fn order_slow<'gc>(
    ctx: Ctx<'gc>,
    a: Value<'gc>,
    b: Value<'gc>,
    le: bool,
) -> Result<Value<'gc>, String> {
    let event = if le { MetaEvent::Le } else { MetaEvent::Lt };
    let mut tm = meta::metamethod(ctx, a, event);
    if tm.is_nil() {
        tm = meta::metamethod(ctx, b, event);
    }
    if tm.is_nil() {
        return Err(compare_error(ctx, a, b));
    }
    Ok(tm)
}

/// The `__eq` metamethod to call for two values that are not raw-equal, if any.
pub(crate) fn eq_metamethod<'gc>(
    ctx: Ctx<'gc>,
    a: Value<'gc>,
    b: Value<'gc>,
) -> Option<Value<'gc>> {
    match (a, b) {
        (Value::Table(_), Value::Table(_)) | (Value::UserData(_), Value::UserData(_)) => {
            let mut tm = meta::metamethod(ctx, a, MetaEvent::Eq);
            if tm.is_nil() {
                tm = meta::metamethod(ctx, b, MetaEvent::Eq);
            }
            (!tm.is_nil()).then_some(tm)
        }
        _ => None,
    }
}

pub(crate) enum IndexError {
    /// The value (at the first level) cannot be indexed: its type name.
    NotIndexable(String, bool),
    Loop,
    Key(&'static str),
}

/// `t[k]` with `__index` (luaV_finishget): a value or a function to call.
pub(crate) fn index<'gc>(
    ctx: Ctx<'gc>,
    mut t: Value<'gc>,
    k: Value<'gc>,
) -> Result<Slow<'gc>, IndexError> {
    for level in 0..MAX_TAG_LOOP {
        let tm = match t {
            Value::Table(tab) => {
                let st = tab.borrow();
                let v = st.get(k);
                if !v.is_nil() {
                    return Ok(Slow::Value(v));
                }
                match st.metatable() {
                    None => return Ok(Slow::Value(Value::Nil)),
                    Some(mt) => {
                        drop(st);
                        let tm = meta::lookup(ctx, mt, MetaEvent::Index);
                        if tm.is_nil() {
                            return Ok(Slow::Value(Value::Nil));
                        }
                        tm
                    }
                }
            }
            _ => {
                let tm = meta::metamethod(ctx, t, MetaEvent::Index);
                if tm.is_nil() {
                    return Err(IndexError::NotIndexable(
                        meta::type_name_for_error(ctx, t),
                        level == 0,
                    ));
                }
                tm
            }
        };
        if let Value::Function(_) = tm {
            return Ok(Slow::Call(tm, [t, k]));
        }
        t = tm;
    }
    Err(IndexError::Loop)
}

/// `t[k] = v` with `__newindex` (luaV_finishset): `None` when done, or a function to call.
pub(crate) fn new_index<'gc>(
    ctx: Ctx<'gc>,
    mut t: Value<'gc>,
    k: Value<'gc>,
    v: Value<'gc>,
) -> Result<Option<(Value<'gc>, [Value<'gc>; 3])>, IndexError> {
    for level in 0..MAX_TAG_LOOP {
        let tm = match t {
            Value::Table(tab) => {
                let mt = {
                    let st = tab.borrow();
                    if !st.get(k).is_nil() {
                        None
                    } else {
                        st.metatable()
                    }
                };
                let tm = match mt {
                    Some(mt) => meta::lookup(ctx, mt, MetaEvent::NewIndex),
                    None => Value::Nil,
                };
                if tm.is_nil() {
                    tab.set(ctx.mc, k, v)
                        .map_err(|e| IndexError::Key(key_error(e)))?;
                    return Ok(None);
                }
                tm
            }
            _ => {
                let tm = meta::metamethod(ctx, t, MetaEvent::NewIndex);
                if tm.is_nil() {
                    return Err(IndexError::NotIndexable(
                        meta::type_name_for_error(ctx, t),
                        level == 0,
                    ));
                }
                tm
            }
        };
        if let Value::Function(_) = tm {
            return Ok(Some((tm, [t, k, v])));
        }
        t = tm;
    }
    Err(IndexError::Loop)
}

fn key_error(e: crate::table::KeyError) -> &'static str {
    match e {
        crate::table::KeyError::Nil => "table index is nil",
        crate::table::KeyError::NaN => "table index is NaN",
    }
}

/// Makes the error value for a message raised at the current instruction of frame `fi`.
pub(crate) fn rt_error<'gc>(ctx: Ctx<'gc>, ts: &ThreadState<'gc>, msg: &str) -> Error<'gc> {
    let prefix = debug::where_prefix(ts, ts.frames.len().wrapping_sub(1));
    Error::Value(Value::String(ctx.str(&format!("{prefix}{msg}"))))
}

fn index_error_msg(e: IndexError, varinfo: String, what: &str) -> String {
    match e {
        IndexError::NotIndexable(t, first) => {
            if first {
                format!("attempt to {what} a {t} value{varinfo}")
            } else {
                format!("attempt to {what} a {t} value")
            }
        }
        IndexError::Loop => {
            if what == "index" {
                "'__index' chain too long; possible loop".into()
            } else {
                "'__newindex' chain too long; possible loop".into()
            }
        }
        IndexError::Key(m) => m.into(),
    }
}

/// Starts calling the value at `stack[func]` with the `nargs` values above it.
pub(crate) fn call_value<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    func: usize,
    mut nargs: usize,
    ret: ReturnTo,
) -> Result<CallStart<'gc>, Error<'gc>> {
    loop {
        match ts.stack[func] {
            Value::Function(Function::Lua(closure)) => {
                push_lua_frame(ctx, ts, closure, func, nargs, ret)?;
                return Ok(CallStart::Lua);
            }
            Value::Function(Function::Native(nf)) => {
                ts.stack.truncate(func + 1 + nargs);
                let r = (nf.func())(ctx, nf, ts.window(func + 1, thread));
                if let Ok(Action::Return) = r {
                    let n = ts.stack.len() - (func + 1);
                    post_call(ts, func, func + 1, n, ret);
                    return Ok(CallStart::Done);
                }
                return native_outcome(ctx, ts, func, ret, r).map(CallStart::Action);
            }
            other => {
                let tm = meta::metamethod(ctx, other, MetaEvent::Call);
                if tm.is_nil() {
                    return Err(Error::Runtime(format!(
                        "attempt to call a {} value",
                        meta::type_name_for_error(ctx, other)
                    )));
                }
                ts.stack.truncate(func + 1 + nargs);
                ts.stack.insert(func, tm);
                nargs += 1;
            }
        }
    }
}

/// Polls the continuation of the ready native frame on top of `ts` and carries out its action
/// when it is a return or a call of a Lua function (`None`); any other action is returned for
/// the executor's `handle_action`. Used by the interpreter loop and by `Executor::step`.
pub(crate) fn resume_native<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
) -> Result<Option<Action<'gc>>, Error<'gc>> {
    let Some(Frame::Native(nf)) = ts.frames.last_mut() else {
        unreachable!("resume_native: no native frame on top")
    };
    nf.ready = false;
    let bottom = nf.func + 1;
    let mut seq = nf.seq.take().expect("resume_native: no continuation");
    let r = seq.poll(ctx, ts.window(bottom, thread));
    let Some(Frame::Native(nf)) = ts.frames.last_mut() else {
        unreachable!("a continuation cannot pop its own frame")
    };
    nf.seq = Some(seq);
    match r? {
        Action::Return => {
            let Some(Frame::Native(nf)) = ts.frames.pop() else {
                unreachable!()
            };
            let n = ts.stack.len() - bottom;
            post_call(ts, nf.func, bottom, n, nf.ret);
            Ok(None)
        }
        Action::Call {
            func: func @ Value::Function(Function::Lua(closure)),
            then,
        } => {
            if let Some(t) = then {
                nf.seq = Some(t);
            }
            let nargs = ts.stack.len() - bottom;
            ts.stack.insert(bottom, func);
            match push_lua_frame(ctx, ts, closure, bottom, nargs, ReturnTo::Results(-1)) {
                Ok(()) => Ok(None),
                // Raised where the native stands, as `handle_action` does.
                Err(Error::Runtime(m)) => Err(Error::Value(ctx.str_value(&m))),
                Err(e) => Err(e),
            }
        }
        other => Ok(Some(other)),
    }
}

/// What follows a native function's first run, when it did not simply return: its frame is
/// pushed, for the executor to carry out its action, or to unwind its error.
#[cold]
fn native_outcome<'gc>(
    ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    func: usize,
    ret: ReturnTo,
    r: Result<Action<'gc>, Error<'gc>>,
) -> Result<Action<'gc>, Error<'gc>> {
    // On error, the function's own frame goes in place too, so "level 1" of the error is its
    // caller, whoever that is (Lua code or pcall), and a traceback shows it ("[C]: in function
    // 'error'"); unwinding removes it.
    ts.frames.push(Frame::Native(NativeFrame {
        func,
        ret,
        seq: None,
        ready: false,
        resume_wrap: None,
        error_handled: false,
    }));
    match r {
        Ok(action) => Ok(action),
        Err(e) => {
            let v = crate::exec::materialize(ctx, ts, e);
            Err(Error::Value(v))
        }
    }
}

#[inline]
fn push_lua_frame<'gc>(
    _ctx: Ctx<'gc>,
    ts: &mut ThreadState<'gc>,
    closure: Closure<'gc>,
    func: usize,
    nargs: usize,
    ret: ReturnTo,
) -> Result<(), Error<'gc>> {
    let proto = closure.proto();
    let nparams = proto.num_params as usize;
    let max_stack = proto.max_stack as usize;
    let (base, varargs_at, nvarargs) = if proto.is_vararg {
        // Fixed parameters are copied above the arguments; the extra arguments stay below the
        // new base, where `Vararg` finds them (PUC-Rio's luaT_adjustvarargs).
        let base = func + 1 + nargs;
        let need = base + max_stack;
        if need > MAX_STACK {
            return Err(Error::Runtime("stack overflow".into()));
        }
        if ts.stack.len() < need {
            grow_stack(ts, need);
        }
        for i in 0..nparams {
            ts.stack[base + i] = if i < nargs {
                ts.stack[func + 1 + i]
            } else {
                Value::Nil
            };
        }
        let nv = nargs.saturating_sub(nparams);
        (base, func + 1 + nparams, nv)
    } else {
        let base = func + 1;
        let need = base + max_stack;
        if need > MAX_STACK {
            return Err(Error::Runtime("stack overflow".into()));
        }
        if ts.stack.len() < need {
            grow_stack(ts, need);
        }
        for i in nargs..nparams {
            ts.stack[base + i] = Value::Nil;
        }
        (base, base, 0)
    };
    // Room first, then the frame written straight into it: a `push` builds the frame in a
    // temporary (it must survive a possible reallocation) and copies it with wide loads that
    // stall on the narrow stores that built it.
    if ts.frames.len() == ts.frames.capacity() {
        grow_frames(ts);
    }
    let spare = ts.frames.spare_capacity_mut();
    spare[0].write(Frame::Lua(LuaFrame {
        closure,
        base,
        func,
        pc: 0,
        varargs_at,
        nvarargs,
        ret,
        concat_rem: 0,
        saved_top: 0,
    }));
    // SAFETY: the slot just past the length was initialised above.
    unsafe { ts.frames.set_len(ts.frames.len() + 1) };
    Ok(())
}

#[cold]
fn grow_frames(ts: &mut ThreadState<'_>) {
    ts.frames.reserve(1);
    ts.sync_charge();
}

/// Delivers `n` results found at `stack[from..]` for the call whose function was at `func`,
/// according to `ret`. The callee's frame has already been popped.
pub(crate) fn post_call<'gc>(
    ts: &mut ThreadState<'gc>,
    func: usize,
    from: usize,
    n: usize,
    ret: ReturnTo,
) {
    match ret {
        ReturnTo::Results(want) => {
            let count = if want < 0 { n } else { want as usize };
            let copy = n.min(count);
            if from != func {
                // Results are few: a loop beats a call to memmove. `func < from`, so copying
                // forwards is safe.
                for i in 0..copy {
                    ts.stack[func + i] = ts.stack[from + i];
                }
            }
            let end = func + count;
            if ts.stack.len() < end {
                ts.stack.resize(end, Value::Nil);
            }
            for i in func + copy..end {
                ts.stack[i] = Value::Nil;
            }
            ts.top = end;
            match ts.frames.last_mut() {
                Some(Frame::Lua(f)) => {
                    let need = f.base + f.closure.proto().max_stack as usize;
                    if ts.stack.len() < need {
                        ts.stack.resize(need, Value::Nil);
                    }
                }
                Some(Frame::Native(nf)) => {
                    ts.stack.truncate(end);
                    nf.ready = true;
                }
                None => ts.stack.truncate(end),
            }
        }
        ReturnTo::Register(slot) => {
            let v = if n > 0 { ts.stack[from] } else { Value::Nil };
            ts.stack[slot as usize] = v;
            restore_frame_stack(ts);
        }
        ReturnTo::Compare { k } => {
            let v = n > 0 && ts.stack[from].to_bool();
            if let Some(Frame::Lua(f)) = ts.frames.last_mut()
                && v != k
            {
                f.pc += 1;
            }
            restore_frame_stack(ts);
        }
        ReturnTo::Discard => restore_frame_stack(ts),
        ReturnTo::Concat { slot } => {
            let slot = slot as usize;
            let v = if n > 0 { ts.stack[from] } else { Value::Nil };
            ts.stack[slot] = v;
            if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
                // Re-run the interrupted Concat with the operands up to `slot`.
                f.pc -= 1;
                let a = match f.closure.proto().code()[f.pc] {
                    Insn::Concat { a, .. } => a as usize,
                    _ => unreachable!(),
                };
                f.concat_rem = (slot - (f.base + a) + 1) as u8;
            }
            restore_frame_stack(ts);
        }
    }
}

/// Grows a thread's stack for a new frame, keeping its memory account current.
#[cold]
fn grow_stack(ts: &mut ThreadState<'_>, need: usize) {
    let cap = ts.stack.capacity();
    ts.stack.resize(need, Value::Nil);
    if ts.stack.capacity() != cap {
        ts.sync_charge();
    }
}

fn restore_frame_stack(ts: &mut ThreadState<'_>) {
    if let Some(Frame::Lua(f)) = ts.frames.last() {
        let need = f.base + f.closure.proto().max_stack as usize;
        if ts.stack.len() < need {
            ts.stack.resize(need, Value::Nil);
        }
    }
}

/// Calls `func(args)` as a metamethod from the Lua frame on top, at the free space above its
/// registers.
fn call_meta<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    func: Value<'gc>,
    args: &[Value<'gc>],
    ret: ReturnTo,
    min_top: usize,
) -> Result<CallStart<'gc>, Error<'gc>> {
    let top = match ts.frames.last() {
        Some(Frame::Lua(f)) => f.base + f.closure.proto().max_stack as usize,
        _ => ts.stack.len(),
    }
    .max(min_top);
    if ts.stack.len() < top {
        ts.stack.resize(top, Value::Nil);
    }
    ts.stack.truncate(top);
    ts.stack.push(func);
    ts.stack.extend_from_slice(args);
    call_value(ctx, thread, ts, top, args.len(), ret)
}

/// Runs Lua frames on top of `ts` until the fuel runs out, the top frame is not Lua, or a native
/// function needs the executor. The common cases of the common instructions are finished here;
/// any other case is handed to `step_slow`, which runs that one instruction.
pub(crate) fn run<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    fuel: &mut i64,
) -> Result<RunExit<'gc>, Error<'gc>> {
    // Count in a register; the guard writes the count back on every way out.
    struct Fuel<'a> {
        total: &'a mut i64,
        left: i64,
    }
    impl Drop for Fuel<'_> {
        fn drop(&mut self) {
            *self.total = self.left;
        }
    }
    let mut fuel = Fuel {
        left: *fuel,
        total: fuel,
    };
    'newframe: loop {
        let (closure, base, mut pc) = match ts.frames.last_mut() {
            Some(Frame::Lua(f)) => (f.closure, f.base, f.pc),
            Some(Frame::Native(nf)) if nf.ready && nf.seq.is_some() && fuel.left >= 0 => {
                // A Lua call made by a native's continuation (a sort comparator, a `gsub`
                // function, the body of a `pcall`) returned: run the continuation here rather
                // than through the executor, and go straight on with the Lua call or return it
                // asks for. Any other action goes to the executor, as from `Executor::step`.
                fuel.left -= 1;
                match resume_native(ctx, thread, ts) {
                    Ok(None) => continue 'newframe,
                    Ok(Some(a)) => return Ok(RunExit::Action(a)),
                    Err(e) => return Err(e),
                }
            }
            _ => return Ok(RunExit::FrameChange),
        };
        // Fuel is checked here, at every call, return and metamethod, and at loop back-edges:
        // between two checks a frame runs at most its own straight-line code.
        if fuel.left < 0 {
            return Ok(RunExit::Fuel);
        }
        let proto: &'gc Proto<'gc> = Gc::as_ref(closure.proto());
        let code: &'gc [Insn] = proto.code();
        let k: &'gc [Value<'gc>] = &proto.constants;
        let upvals: &'gc [UpValue<'gc>] = closure.upvalues();
        // A native call made by a frame above may have shrunk the stack below this frame's
        // registers (returns to Lua frames rely on this check instead of making their own).
        let need = base + proto.max_stack as usize;
        if ts.stack.len() < need {
            grow_stack(ts, need);
        }
        // Registers through a raw pointer, without bounds checks: a frame's `max_stack`
        // registers always exist (checked just above; the compiler never names a register
        // beyond `max_stack`). The pointer is taken again after anything that may move the
        // stack (`step_slow`; calls and returns go through 'newframe). Debug builds, which run
        // the whole test suite, check every access.
        // SAFETY: `base <= need <= len`.
        let mut regs: *mut Value<'gc> = unsafe { ts.stack.as_mut_ptr().add(base) };

        macro_rules! r {
            ($x:expr) => {
                *{
                    let i = $x as usize;
                    debug_assert!(base + i < ts.stack.len(), "register {i} out of the stack");
                    // SAFETY: see above.
                    unsafe { &mut *regs.add(i) }
                }
            };
        }
        macro_rules! save_pc {
            () => {
                if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
                    f.pc = pc;
                }
            };
        }
        // Hands the current instruction to `step_slow`.
        // A backward jump to `pc`: charged the instructions it jumps over (the loop body).
        macro_rules! back_edge {
            ($dist:expr) => {{
                fuel.left -= $dist as i64;
                if fuel.left < 0 {
                    save_pc!();
                    return Ok(RunExit::Fuel);
                }
            }};
        }
        // The end of a test: skip the jump that follows it, or take that jump here without
        // dispatching it (PUC-Rio's `donextjump`; the compiler puts a `Jmp` after every test).
        macro_rules! cond_jump {
            ($skip:expr) => {{
                if $skip {
                    pc += 1;
                } else {
                    debug_assert!(pc < code.len());
                    // SAFETY: a test is never a function's last instruction (see the fetch).
                    if let Insn::Jmp { sj } = unsafe { *code.get_unchecked(pc) } {
                        pc = (pc as i64 + 1 + sj as i64) as usize;
                        if sj < 0 {
                            back_edge!(-sj);
                        }
                    }
                }
            }};
        }
        // The common native call, inline: `nargs` arguments above `func`, exactly `want`
        // results into this frame's registers. What `call_value` and `post_call` do in general,
        // with the frame's size already at hand. The caller has saved `pc`.
        macro_rules! native_inline {
            ($nf:expr, $func:expr, $nargs:expr, $want:expr, $ret:expr) => {{
                let (nf, func, nargs, want, ret) = ($nf, $func, $nargs, $want, $ret);
                let (old_len, old_ptr) = (ts.stack.len(), ts.stack.as_ptr());
                ts.stack.truncate(func + 1 + nargs);
                match (nf.func())(ctx, nf, ts.window(func + 1, thread)) {
                    Ok(Action::Return) => {
                        let from = func + 1;
                        let copy = (ts.stack.len() - from).min(want);
                        for i in 0..copy {
                            ts.stack[func + i] = ts.stack[from + i];
                        }
                        if ts.stack.len() < need {
                            if ts.stack.as_ptr() == old_ptr && need <= old_len {
                                // The frame's registers are still in the buffer
                                // (`Value` is `Copy`: truncating left them there,
                                // and the native could only write values over
                                // them); no collection ran since. Taking them
                                // back saves refilling them with nils.
                                // SAFETY: same buffer, `need <= old_len`, and
                                // every slot below `old_len` was initialised.
                                unsafe { ts.stack.set_len(need) };
                            } else {
                                grow_stack(ts, need);
                            }
                        }
                        for i in func + copy..func + want {
                            ts.stack[i] = Value::Nil;
                        }
                        ts.top = func + want;
                        // SAFETY: as at the frame's start (the stack may have moved).
                        regs = unsafe { ts.stack.as_mut_ptr().add(base) };
                    }
                    r => match native_outcome(ctx, ts, func, ret, r) {
                        Ok(a) => return Ok(RunExit::Action(a)),
                        Err(e) => return Err(e),
                    },
                }
            }};
        }
        macro_rules! slow {
            ($insn:expr) => {{
                fuel.left -= 1;
                match step_slow(ctx, thread, ts, $insn, pc) {
                    Ok(Flow::Next(p)) => {
                        pc = p;
                        // SAFETY: the frame is unchanged, so its registers still exist.
                        regs = unsafe { ts.stack.as_mut_ptr().add(base) };
                    }
                    Ok(Flow::NewFrame) => continue 'newframe,
                    Ok(Flow::Exit(x)) => return Ok(x),
                    Err(e) => return Err(e),
                }
            }};
        }
        macro_rules! arith {
            ($insn:expr, $op:expr, $a:expr, $vb:expr, $vc:expr) => {{
                match arith_fast($op, $vb, $vc) {
                    Some(v) => r!($a) = v,
                    None => slow!($insn),
                }
            }};
        }

        loop {
            debug_assert!(pc < code.len());
            // SAFETY: every function ends with a return and jumps stay inside the function (the
            // compiler's invariants), so `pc` never leaves `code`.
            let insn = unsafe { *code.get_unchecked(pc) };
            pc += 1;
            match insn {
                Insn::Move { a, b } => r!(a) = r!(b),
                Insn::LoadI { a, i } => r!(a) = Value::Integer(i as i64),
                Insn::LoadF { a, i } => r!(a) = Value::Number(i as f64),
                Insn::LoadK { a, k: kk } => r!(a) = k[kk as usize],
                Insn::LoadFalse { a } => r!(a) = Value::Boolean(false),
                Insn::LFalseSkip { a } => {
                    r!(a) = Value::Boolean(false);
                    pc += 1;
                }
                Insn::LoadTrue { a } => r!(a) = Value::Boolean(true),
                Insn::LoadNil { a, n } => {
                    for i in 0..=n as usize {
                        r!(a as usize + i) = Value::Nil;
                    }
                }
                Insn::GetUpval { a, b } => r!(a) = upvals[b as usize].read(thread, &ts.stack),
                Insn::SetUpval { a, b } => {
                    let v = r!(a);
                    upvals[b as usize].write(ctx.mc, thread, &mut ts.stack, v);
                }
                Insn::GetTabUp { a, b, k: kk } => {
                    let t = upvals[b as usize].read(thread, &ts.stack);
                    if let (Value::Table(tab), Value::String(s)) = (t, k[kk as usize]) {
                        // SAFETY: a read with no other borrow alive (`Table::peek`).
                        let st = unsafe { tab.peek() };
                        let v = st.get_str(s);
                        if !v.is_nil() || st.metatable.is_none() {
                            r!(a) = v;
                            continue;
                        }
                    }
                    slow!(insn)
                }
                Insn::GetTable { a, b, c } => {
                    if let Value::Table(tab) = r!(b) {
                        // SAFETY: a read with no other borrow alive (`Table::peek`).
                        let st = unsafe { tab.peek() };
                        let v = match r!(c) {
                            Value::Integer(i) => st.get_int(i),
                            key => st.get(key),
                        };
                        if !v.is_nil() || st.metatable.is_none() {
                            r!(a) = v;
                            continue;
                        }
                    }
                    slow!(insn)
                }
                Insn::GetI { a, b, c } => {
                    if let Value::Table(tab) = r!(b) {
                        // SAFETY: a read with no other borrow alive (`Table::peek`).
                        let st = unsafe { tab.peek() };
                        let v = st.get_int(c as i64);
                        if !v.is_nil() || st.metatable.is_none() {
                            r!(a) = v;
                            continue;
                        }
                    }
                    slow!(insn)
                }
                Insn::GetField { a, b, k: kk } => {
                    if let (Value::Table(tab), Value::String(s)) = (r!(b), k[kk as usize])
                        && let Some(v) = get_str_chain(ctx, tab, s)
                    {
                        r!(a) = v;
                        continue;
                    }
                    slow!(insn)
                }
                Insn::SelfOp { a, b, c, k: isk } => {
                    let t = r!(b);
                    let key = if isk { k[c as usize] } else { r!(c) };
                    if let (Value::Table(tab), Value::String(s)) = (t, key)
                        && let Some(v) = get_str_chain(ctx, tab, s)
                    {
                        r!(a as usize + 1) = t;
                        r!(a) = v;
                        continue;
                    }
                    // `s:method()`: the string metatable's `__index` table.
                    if let (Value::String(_), Value::String(s)) = (t, key)
                        && let Some(mt) = ctx.state.type_metatable(LuaType::String)
                        && let Some(v) = get_str_meta(ctx, mt, s)
                    {
                        r!(a as usize + 1) = t;
                        r!(a) = v;
                        continue;
                    }
                    slow!(insn)
                }
                Insn::SetTabUp { a, b, c, k: isk } => {
                    let t = upvals[a as usize].read(thread, &ts.stack);
                    let v = if isk { k[c as usize] } else { r!(c) };
                    if let (Value::Table(tab), Value::String(s)) = (t, k[b as usize])
                        // SAFETY: one read, then one write, with no other borrow alive.
                        && unsafe { tab.peek() }.metatable.is_none()
                    {
                        unsafe { tab.poke(ctx.mc) }.set_str(s, v);
                        continue;
                    }
                    slow!(insn)
                }
                Insn::SetTable { a, b, c, k: isk } => {
                    let (t, key) = (r!(a), r!(b));
                    let v = if isk { k[c as usize] } else { r!(c) };
                    if let Value::Table(tab) = t
                        // SAFETY: one read, then one write, with no other borrow alive.
                        && unsafe { tab.peek() }.metatable.is_none()
                    {
                        let st = unsafe { tab.poke(ctx.mc) };
                        match key {
                            Value::Integer(i) => {
                                st.set_int(i, v);
                                continue;
                            }
                            _ if st.set(key, v).is_ok() => continue,
                            _ => {}
                        }
                    }
                    slow!(insn)
                }
                Insn::SetI { a, b, c, k: isk } => {
                    let v = if isk { k[c as usize] } else { r!(c) };
                    if let Value::Table(tab) = r!(a)
                        // SAFETY: one read, then one write, with no other borrow alive.
                        && unsafe { tab.peek() }.metatable.is_none()
                    {
                        unsafe { tab.poke(ctx.mc) }.set_int(b as i64, v);
                        continue;
                    }
                    slow!(insn)
                }
                Insn::SetField { a, b, c, k: isk } => {
                    let v = if isk { k[c as usize] } else { r!(c) };
                    if let (Value::Table(tab), Value::String(s)) = (r!(a), k[b as usize])
                        // SAFETY: one read, then one write, with no other borrow alive.
                        && unsafe { tab.peek() }.metatable.is_none()
                    {
                        unsafe { tab.poke(ctx.mc) }.set_str(s, v);
                        continue;
                    }
                    slow!(insn)
                }
                Insn::NewTable { a, b, c } => {
                    r!(a) = Value::Table(Table::with_capacity(ctx.mc, c as usize, b as usize));
                }
                Insn::AddI { a, b, sc } => {
                    arith!(insn, ArithOp::Add, a, r!(b), Value::Integer(sc as i64))
                }
                Insn::AddK { a, b, k: kk } => arith!(insn, ArithOp::Add, a, r!(b), k[kk as usize]),
                Insn::SubK { a, b, k: kk } => arith!(insn, ArithOp::Sub, a, r!(b), k[kk as usize]),
                Insn::MulK { a, b, k: kk } => arith!(insn, ArithOp::Mul, a, r!(b), k[kk as usize]),
                Insn::ModK { a, b, k: kk } => arith!(insn, ArithOp::Mod, a, r!(b), k[kk as usize]),
                Insn::PowK { a, b, k: kk } => arith!(insn, ArithOp::Pow, a, r!(b), k[kk as usize]),
                Insn::DivK { a, b, k: kk } => arith!(insn, ArithOp::Div, a, r!(b), k[kk as usize]),
                Insn::IDivK { a, b, k: kk } => {
                    arith!(insn, ArithOp::IDiv, a, r!(b), k[kk as usize])
                }
                Insn::BAndK { a, b, k: kk } => {
                    arith!(insn, ArithOp::BAnd, a, r!(b), k[kk as usize])
                }
                Insn::BOrK { a, b, k: kk } => arith!(insn, ArithOp::BOr, a, r!(b), k[kk as usize]),
                Insn::BXorK { a, b, k: kk } => {
                    arith!(insn, ArithOp::BXor, a, r!(b), k[kk as usize])
                }
                Insn::ShrI { a, b, sc } => {
                    arith!(insn, ArithOp::Shr, a, r!(b), Value::Integer(sc as i64))
                }
                Insn::ShlI { a, b, sc } => {
                    arith!(insn, ArithOp::Shl, a, Value::Integer(sc as i64), r!(b))
                }
                Insn::Add { a, b, c } => arith!(insn, ArithOp::Add, a, r!(b), r!(c)),
                Insn::Sub { a, b, c } => arith!(insn, ArithOp::Sub, a, r!(b), r!(c)),
                Insn::Mul { a, b, c } => arith!(insn, ArithOp::Mul, a, r!(b), r!(c)),
                Insn::Mod { a, b, c } => arith!(insn, ArithOp::Mod, a, r!(b), r!(c)),
                Insn::Pow { a, b, c } => arith!(insn, ArithOp::Pow, a, r!(b), r!(c)),
                Insn::Div { a, b, c } => arith!(insn, ArithOp::Div, a, r!(b), r!(c)),
                Insn::IDiv { a, b, c } => arith!(insn, ArithOp::IDiv, a, r!(b), r!(c)),
                Insn::BAnd { a, b, c } => arith!(insn, ArithOp::BAnd, a, r!(b), r!(c)),
                Insn::BOr { a, b, c } => arith!(insn, ArithOp::BOr, a, r!(b), r!(c)),
                Insn::BXor { a, b, c } => arith!(insn, ArithOp::BXor, a, r!(b), r!(c)),
                Insn::Shl { a, b, c } => arith!(insn, ArithOp::Shl, a, r!(b), r!(c)),
                Insn::Shr { a, b, c } => arith!(insn, ArithOp::Shr, a, r!(b), r!(c)),
                Insn::Unm { a, b } => arith!(insn, ArithOp::Unm, a, r!(b), r!(b)),
                Insn::BNot { a, b } => arith!(insn, ArithOp::BNot, a, r!(b), r!(b)),
                Insn::Not { a, b } => r!(a) = Value::Boolean(!r!(b).to_bool()),
                Insn::Len { a, b } => match r!(b) {
                    Value::String(s) => r!(a) = Value::Integer(s.len() as i64),
                    // SAFETY: a read with no other borrow alive (`Table::peek`).
                    Value::Table(t) if unsafe { t.peek() }.metatable.is_none() => {
                        r!(a) = Value::Integer(unsafe { t.peek() }.length())
                    }
                    _ => slow!(insn),
                },
                Insn::Jmp { sj } => {
                    pc = (pc as i64 + sj as i64) as usize;
                    if sj < 0 {
                        back_edge!(-sj);
                    }
                }
                Insn::Eq { a, b, k: kk } => {
                    let (va, vb) = (r!(a), r!(b));
                    let eq = va.raw_eq(vb);
                    if !eq
                        && matches!(
                            (va, vb),
                            (Value::Table(_), Value::Table(_))
                                | (Value::UserData(_), Value::UserData(_))
                        )
                    {
                        slow!(insn)
                    } else {
                        cond_jump!(eq != kk);
                    }
                }
                Insn::Lt { a, b, k: kk } => {
                    let res = match (r!(a), r!(b)) {
                        (Value::Integer(x), Value::Integer(y)) => x < y,
                        (Value::Number(x), Value::Number(y)) => x < y,
                        _ => {
                            slow!(insn);
                            continue;
                        }
                    };
                    cond_jump!(res != kk);
                }
                Insn::Le { a, b, k: kk } => {
                    let res = match (r!(a), r!(b)) {
                        (Value::Integer(x), Value::Integer(y)) => x <= y,
                        (Value::Number(x), Value::Number(y)) => x <= y,
                        _ => {
                            slow!(insn);
                            continue;
                        }
                    };
                    cond_jump!(res != kk);
                }
                Insn::EqK { a, b, k: kk } => {
                    cond_jump!(r!(a).raw_eq(k[b as usize]) != kk);
                }
                Insn::EqI { a, sb, k: kk, .. } => {
                    let res = match r!(a) {
                        Value::Integer(x) => x == sb as i64,
                        Value::Number(x) => x == sb as f64,
                        _ => false,
                    };
                    cond_jump!(res != kk);
                }
                Insn::LtI { a, sb, k: kk, .. }
                | Insn::LeI { a, sb, k: kk, .. }
                | Insn::GtI { a, sb, k: kk, .. }
                | Insn::GeI { a, sb, k: kk, .. } => {
                    // Numbers only: the immediate's float flag matters only to metamethods.
                    let res = match (insn, r!(a)) {
                        (Insn::LtI { .. }, Value::Integer(x)) => x < sb as i64,
                        (Insn::LeI { .. }, Value::Integer(x)) => x <= sb as i64,
                        (Insn::GtI { .. }, Value::Integer(x)) => x > sb as i64,
                        (_, Value::Integer(x)) => x >= sb as i64,
                        (Insn::LtI { .. }, Value::Number(x)) => x < sb as f64,
                        (Insn::LeI { .. }, Value::Number(x)) => x <= sb as f64,
                        (Insn::GtI { .. }, Value::Number(x)) => x > sb as f64,
                        (_, Value::Number(x)) => x >= sb as f64,
                        _ => {
                            slow!(insn);
                            continue;
                        }
                    };
                    cond_jump!(res != kk);
                }
                Insn::Test { a, k: kk } => {
                    cond_jump!(r!(a).to_bool() != kk);
                }
                Insn::TestSet { a, b, k: kk } => {
                    let vb = r!(b);
                    let skip = vb.to_bool() != kk;
                    if !skip {
                        r!(a) = vb;
                    }
                    cond_jump!(skip);
                }
                Insn::Call { a, b, c } => {
                    let func = base + a as usize;
                    let nargs = if b == 0 {
                        ts.top - func - 1
                    } else {
                        b as usize - 1
                    };
                    let ret = ReturnTo::Results(c as i32 - 1);
                    // Every call costs fuel: the caller's code before the call is charged only
                    // when it returns, so without this a recursion that never returns (down to
                    // the stack limit, a native call at each level) would run uncharged.
                    fuel.left -= 1;
                    match r!(a) {
                        Value::Function(Function::Lua(callee)) => {
                            save_pc!();
                            match push_lua_frame(ctx, ts, callee, func, nargs, ret) {
                                Ok(()) => continue 'newframe,
                                Err(e) => return Err(e),
                            }
                        }
                        Value::Function(Function::Native(nf)) if c != 0 => {
                            save_pc!();
                            native_inline!(nf, func, nargs, c as usize - 1, ret);
                        }
                        Value::Function(Function::Native(_)) => {
                            save_pc!();
                            // A native's errors come back as values (never "attempt to call").
                            match call_value(ctx, thread, ts, func, nargs, ret) {
                                Ok(CallStart::Done) => {
                                    // The stack may have moved or shrunk: `post_call` gave the
                                    // frame its registers back.
                                    // SAFETY: as at the frame's start.
                                    regs = unsafe { ts.stack.as_mut_ptr().add(base) };
                                }
                                Ok(CallStart::Lua) => continue 'newframe,
                                Ok(CallStart::Action(a)) => return Ok(RunExit::Action(a)),
                                Err(e) => return Err(e),
                            }
                        }
                        _ => slow!(insn),
                    }
                }
                Insn::Return0 | Insn::Return1 { .. } if return_fast(ts, insn, base) => {
                    // A frame without loops is charged here for its whole straight-line code.
                    fuel.left -= pc as i64;
                    continue 'newframe;
                }
                Insn::ForLoop { a, bx } => {
                    if let Value::Integer(step) = r!(a + 2) {
                        if let Value::Integer(count) = r!(a + 1)
                            && count as u64 > 0
                        {
                            r!(a + 1) = Value::Integer((count as u64 - 1) as i64);
                            let Value::Integer(i) = r!(a) else {
                                unreachable!()
                            };
                            let i = i.wrapping_add(step);
                            r!(a) = Value::Integer(i);
                            r!(a + 3) = Value::Integer(i);
                            pc -= bx as usize;
                            back_edge!(bx);
                        }
                    } else if let (Value::Number(i), Value::Number(l), Value::Number(s)) =
                        (r!(a), r!(a + 1), r!(a + 2))
                        && let Some(next) = number::for_loop_float(i, l, s)
                    {
                        r!(a) = Value::Number(next);
                        r!(a + 3) = Value::Number(next);
                        pc -= bx as usize;
                        back_edge!(bx);
                    }
                }
                Insn::TForCall { a, c } => {
                    // The generic `for`'s call of a native iterator (`next` of `pairs`,
                    // `ipairs`, `gmatch`...), inline; a Lua iterator goes the general way.
                    if let Value::Function(Function::Native(nf)) = r!(a) {
                        r!(a + 4) = r!(a);
                        r!(a + 5) = r!(a + 1);
                        r!(a + 6) = r!(a + 2);
                        fuel.left -= 1;
                        save_pc!();
                        let func = base + a as usize + 4;
                        native_inline!(nf, func, 2, c as usize, ReturnTo::Results(c as i32));
                    } else {
                        slow!(insn)
                    }
                }
                Insn::TForLoop { a, bx } => {
                    let v = r!(a + 4);
                    if !v.is_nil() {
                        r!(a + 2) = v;
                        pc -= bx as usize;
                        back_edge!(bx);
                    }
                }
                _ => slow!(insn),
            }
        }
    }
}

/// `t[s]` for a string key through `__index` tables (classes, inheritance), without
/// metamethod calls: `None` when an `__index` function must run or the chain is long (the
/// general path then handles it, loops and errors included).
#[inline(always)]
fn get_str_chain<'gc>(ctx: Ctx<'gc>, tab: Table<'gc>, s: LuaString<'gc>) -> Option<Value<'gc>> {
    // SAFETY: a read with no other borrow alive (`Table::peek`).
    let st = unsafe { tab.peek() };
    let v = st.get_str(s);
    match st.metatable {
        _ if !v.is_nil() => Some(v),
        None => Some(Value::Nil),
        Some(mt) => get_str_meta(ctx, mt, s),
    }
}

/// The rest of `get_str_chain`, from the metatable of a table that lacks the key.
#[inline(never)]
fn get_str_meta<'gc>(ctx: Ctx<'gc>, mt: Table<'gc>, s: LuaString<'gc>) -> Option<Value<'gc>> {
    let mut t = match meta::lookup(ctx, mt, MetaEvent::Index) {
        Value::Nil => return Some(Value::Nil),
        Value::Table(next) => next,
        _ => return None,
    };
    for _ in 0..8 {
        // SAFETY: reads only, with no other borrow alive (`Table::peek`); `meta::lookup`'s
        // shared borrow and cache update (a `Cell`) do not conflict with them.
        let st = unsafe { t.peek() };
        let v = st.get_str(s);
        if !v.is_nil() {
            return Some(v);
        }
        let Some(mt) = st.metatable else {
            return Some(Value::Nil);
        };
        match meta::lookup(ctx, mt, MetaEvent::Index) {
            Value::Nil => return Some(Value::Nil),
            Value::Table(next) => t = next,
            _ => return None,
        }
    }
    None
}

/// What the fast loop does after `step_slow` ran an instruction.
enum Flow<'gc> {
    /// Continue this frame at this pc.
    Next(usize),
    /// The top frame changed (call, return, metamethod): reload it.
    NewFrame,
    Exit(RunExit<'gc>),
}

/// Executes one instruction of the Lua frame on top, `insn`, fetched at `pc - 1`: every case
/// `run` does not finish inline (slow paths, metamethods, errors, rare instructions). Kept out of
/// line so the fast loop stays small enough for its state to live in machine registers.
#[inline(never)]
fn step_slow<'gc>(
    ctx: Ctx<'gc>,
    thread: Thread<'gc>,
    ts: &mut ThreadState<'gc>,
    insn: Insn,
    mut pc: usize,
) -> Result<Flow<'gc>, Error<'gc>> {
    {
        let (closure, base, concat_rem) = match ts.frames.last_mut() {
            Some(Frame::Lua(f)) => {
                let c = f.concat_rem;
                f.concat_rem = 0;
                (f.closure, f.base, c)
            }
            _ => return Ok(Flow::Exit(RunExit::FrameChange)),
        };
        let proto: &'gc Proto<'gc> = Gc::as_ref(closure.proto());
        let k: &'gc [Value<'gc>] = &proto.constants;
        let upvals: &'gc [UpValue<'gc>] = closure.upvalues();

        // Register access without bounds checks: a frame's `max_stack` registers always exist
        // (`push_lua_frame` and `restore_frame_stack` size the stack; the compiler never names
        // a register beyond `max_stack`). Debug builds, which run the whole test suite, check.
        macro_rules! r {
            ($x:expr) => {
                *{
                    let i = base + $x as usize;
                    debug_assert!(i < ts.stack.len(), "register {i} out of the stack");
                    // SAFETY: see above.
                    unsafe { ts.stack.get_unchecked_mut(i) }
                }
            };
        }
        macro_rules! save_pc {
            () => {
                if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
                    f.pc = pc;
                }
            };
        }
        macro_rules! throw {
            ($msg:expr) => {{
                save_pc!();
                #[allow(clippy::unnecessary_to_owned)]
                return Err(rt_error(ctx, ts, &$msg));
            }};
        }
        macro_rules! varinfo {
            ($reg:expr) => {
                debug::varinfo(&proto.info, pc - 1, $reg as usize, upvals)
            };
        }
        // Runs a call started from this frame: continue here, in the callee, or leave.
        macro_rules! after_call {
            ($start:expr) => {
                match $start {
                    Ok(CallStart::Lua) => return Ok(Flow::NewFrame),
                    Ok(CallStart::Done) => {}
                    Ok(CallStart::Action(a)) => return Ok(Flow::Exit(RunExit::Action(a))),
                    Err(e) => return Err(e),
                }
            };
        }
        // A metamethod call: whether it ran natively or pushed a frame, the frame state (pc for
        // comparisons, pending concatenation) may have changed, so reload it.
        macro_rules! meta_call {
            ($f:expr, $args:expr, $ret:expr) => {{ meta_call!($f, $args, $ret, 0) }};
            ($f:expr, $args:expr, $ret:expr, $min_top:expr) => {{
                save_pc!();
                match call_meta(ctx, thread, ts, $f, $args, $ret, $min_top) {
                    Ok(CallStart::Lua) | Ok(CallStart::Done) => return Ok(Flow::NewFrame),
                    Ok(CallStart::Action(a)) => return Ok(Flow::Exit(RunExit::Action(a))),
                    Err(e) => return Err(e),
                }
            }};
        }
        // The `__index` slow path of a read into R[a]: a value, a metamethod call, or an error
        // naming the indexed variable (`$vi`, evaluated only then).
        macro_rules! get_slow {
            ($t:expr, $key:expr, $a:expr, $vi:expr) => {
                match index(ctx, $t, $key) {
                    Ok(Slow::Value(v)) => r!($a) = v,
                    Ok(Slow::Call(f, args)) => {
                        meta_call!(f, &args, ReturnTo::register(base + $a as usize))
                    }
                    Err(e) => throw!(index_error_msg(e, $vi, "index")),
                }
            };
        }
        // The `__newindex` slow path of a write.
        macro_rules! set_slow {
            ($t:expr, $key:expr, $v:expr, $vi:expr) => {
                match new_index(ctx, $t, $key, $v) {
                    Ok(None) => {}
                    Ok(Some((f, args))) => meta_call!(f, &args, ReturnTo::Discard),
                    Err(e) => throw!(index_error_msg(e, $vi, "index")),
                }
            };
        }
        // Arithmetic: the number fast paths inline, everything else (coercions, metamethods,
        // errors naming the operands `$rb`/`$rc`, registers or `None` for constants) out of line.
        macro_rules! arith {
            ($op:expr, $a:expr, $vb:expr, $vc:expr, $rb:expr, $rc:expr) => {{
                let (vb, vc) = ($vb, $vc);
                match arith_fast($op, vb, vc) {
                    Some(v) => r!($a) = v,
                    None => {
                        save_pc!();
                        match arith_fallback(ctx, ts, $op, vb, vc, [$rb, $rc]) {
                            Ok(Slow::Value(v)) => r!($a) = v,
                            Ok(Slow::Call(f, args)) => {
                                meta_call!(f, &args, ReturnTo::register(base + $a as usize))
                            }
                            Err(e) => return Err(e),
                        }
                    }
                }
            }};
        }

        match insn {
            Insn::Move { a, b } => r!(a) = r!(b),
            Insn::LoadI { a, i } => r!(a) = Value::Integer(i as i64),
            Insn::LoadF { a, i } => r!(a) = Value::Number(i as f64),
            Insn::LoadK { a, k: kk } => r!(a) = k[kk as usize],
            Insn::LoadFalse { a } => r!(a) = Value::Boolean(false),
            Insn::LFalseSkip { a } => {
                r!(a) = Value::Boolean(false);
                pc += 1;
            }
            Insn::LoadTrue { a } => r!(a) = Value::Boolean(true),
            Insn::LoadNil { a, n } => {
                for i in 0..=n as usize {
                    r!(a as usize + i) = Value::Nil;
                }
            }
            Insn::GetUpval { a, b } => r!(a) = upvals[b as usize].read(thread, &ts.stack),
            Insn::SetUpval { a, b } => {
                let v = r!(a);
                upvals[b as usize].write(ctx.mc, thread, &mut ts.stack, v);
            }
            Insn::GetTabUp { a, b, k: kk } => {
                let t = upvals[b as usize].read(thread, &ts.stack);
                let key = k[kk as usize];
                if let (Value::Table(tab), Value::String(s)) = (t, key) {
                    let v = tab.get_str(s);
                    if !v.is_nil() || tab.metatable().is_none() {
                        r!(a) = v;
                        return Ok(Flow::Next(pc));
                    }
                }
                get_slow!(t, key, a, debug::upvalue_info(&proto.info, b as usize));
            }
            Insn::GetTable { a, b, c } => {
                let (t, key) = (r!(b), r!(c));
                if let Value::Table(tab) = t {
                    let v = tab.get(key);
                    if !v.is_nil() || tab.metatable().is_none() {
                        r!(a) = v;
                        return Ok(Flow::Next(pc));
                    }
                }
                get_slow!(t, key, a, varinfo!(b));
            }
            Insn::GetI { a, b, c } => {
                let t = r!(b);
                if let Value::Table(tab) = t {
                    let v = tab.get_int(c as i64);
                    if !v.is_nil() || tab.metatable().is_none() {
                        r!(a) = v;
                        return Ok(Flow::Next(pc));
                    }
                }
                get_slow!(t, Value::Integer(c as i64), a, varinfo!(b));
            }
            Insn::GetField { a, b, k: kk } => {
                let t = r!(b);
                let key = k[kk as usize];
                if let (Value::Table(tab), Value::String(s)) = (t, key) {
                    let st = tab.borrow();
                    let v = st.get_str(s);
                    if !v.is_nil() || st.metatable().is_none() {
                        drop(st);
                        r!(a) = v;
                        return Ok(Flow::Next(pc));
                    }
                }
                get_slow!(t, key, a, varinfo!(b));
            }
            Insn::SetTabUp { a, b, c, k: isk } => {
                let t = upvals[a as usize].read(thread, &ts.stack);
                let key = k[b as usize];
                let v = if isk { k[c as usize] } else { r!(c) };
                if let (Value::Table(tab), Value::String(s)) = (t, key)
                    && tab.metatable().is_none()
                {
                    tab.set_str(ctx.mc, s, v);
                    return Ok(Flow::Next(pc));
                }
                set_slow!(t, key, v, debug::upvalue_info(&proto.info, a as usize));
            }
            Insn::SetTable { a, b, c, k: isk } => {
                let (t, key) = (r!(a), r!(b));
                let v = if isk { k[c as usize] } else { r!(c) };
                if let Value::Table(tab) = t
                    && tab.metatable().is_none()
                {
                    if let Err(e) = tab.set(ctx.mc, key, v) {
                        throw!(key_error(e).to_string());
                    }
                    return Ok(Flow::Next(pc));
                }
                set_slow!(t, key, v, varinfo!(a));
            }
            Insn::SetI { a, b, c, k: isk } => {
                let t = r!(a);
                let v = if isk { k[c as usize] } else { r!(c) };
                if let Value::Table(tab) = t
                    && tab.metatable().is_none()
                {
                    tab.set_int(ctx.mc, b as i64, v);
                    return Ok(Flow::Next(pc));
                }
                set_slow!(t, Value::Integer(b as i64), v, varinfo!(a));
            }
            Insn::SetField { a, b, c, k: isk } => {
                let t = r!(a);
                let key = k[b as usize];
                let v = if isk { k[c as usize] } else { r!(c) };
                if let (Value::Table(tab), Value::String(s)) = (t, key)
                    && tab.metatable().is_none()
                {
                    tab.set_str(ctx.mc, s, v);
                    return Ok(Flow::Next(pc));
                }
                set_slow!(t, key, v, varinfo!(a));
            }
            Insn::NewTable { a, b, c } => {
                r!(a) = Value::Table(Table::with_capacity(ctx.mc, c as usize, b as usize));
            }
            Insn::SelfOp { a, b, c, k: isk } => {
                let t = r!(b);
                let key = if isk { k[c as usize] } else { r!(c) };
                r!(a as usize + 1) = t;
                if let (Value::Table(tab), Value::String(s)) = (t, key) {
                    let st = tab.borrow();
                    let v = st.get_str(s);
                    if !v.is_nil() || st.metatable().is_none() {
                        drop(st);
                        r!(a) = v;
                        return Ok(Flow::Next(pc));
                    }
                }
                get_slow!(t, key, a, varinfo!(b));
            }
            Insn::AddI { a, b, sc } => {
                let vb = r!(b);
                match vb {
                    Value::Integer(x) => r!(a) = Value::Integer(x.wrapping_add(sc as i64)),
                    Value::Number(x) => r!(a) = Value::Number(x + sc as f64),
                    _ => arith!(
                        ArithOp::Add,
                        a,
                        vb,
                        Value::Integer(sc as i64),
                        Some(b),
                        None
                    ),
                }
            }
            Insn::AddK { a, b, k: kk } => {
                arith!(ArithOp::Add, a, r!(b), k[kk as usize], Some(b), None)
            }
            Insn::SubK { a, b, k: kk } => {
                arith!(ArithOp::Sub, a, r!(b), k[kk as usize], Some(b), None)
            }
            Insn::MulK { a, b, k: kk } => {
                arith!(ArithOp::Mul, a, r!(b), k[kk as usize], Some(b), None)
            }
            Insn::ModK { a, b, k: kk } => {
                arith!(ArithOp::Mod, a, r!(b), k[kk as usize], Some(b), None)
            }
            Insn::PowK { a, b, k: kk } => {
                arith!(ArithOp::Pow, a, r!(b), k[kk as usize], Some(b), None)
            }
            Insn::DivK { a, b, k: kk } => {
                arith!(ArithOp::Div, a, r!(b), k[kk as usize], Some(b), None)
            }
            Insn::IDivK { a, b, k: kk } => {
                arith!(ArithOp::IDiv, a, r!(b), k[kk as usize], Some(b), None)
            }
            Insn::BAndK { a, b, k: kk } => {
                arith!(ArithOp::BAnd, a, r!(b), k[kk as usize], Some(b), None)
            }
            Insn::BOrK { a, b, k: kk } => {
                arith!(ArithOp::BOr, a, r!(b), k[kk as usize], Some(b), None)
            }
            Insn::BXorK { a, b, k: kk } => {
                arith!(ArithOp::BXor, a, r!(b), k[kk as usize], Some(b), None)
            }
            Insn::ShrI { a, b, sc } => arith!(
                ArithOp::Shr,
                a,
                r!(b),
                Value::Integer(sc as i64),
                Some(b),
                None
            ),
            Insn::ShlI { a, b, sc } => arith!(
                ArithOp::Shl,
                a,
                Value::Integer(sc as i64),
                r!(b),
                None,
                Some(b)
            ),
            Insn::Add { a, b, c } => {
                arith!(ArithOp::Add, a, r!(b), r!(c), Some(b), Some(c))
            }
            Insn::Sub { a, b, c } => {
                arith!(ArithOp::Sub, a, r!(b), r!(c), Some(b), Some(c))
            }
            Insn::Mul { a, b, c } => {
                arith!(ArithOp::Mul, a, r!(b), r!(c), Some(b), Some(c))
            }
            Insn::Mod { a, b, c } => {
                arith!(ArithOp::Mod, a, r!(b), r!(c), Some(b), Some(c))
            }
            Insn::Pow { a, b, c } => {
                arith!(ArithOp::Pow, a, r!(b), r!(c), Some(b), Some(c))
            }
            Insn::Div { a, b, c } => {
                arith!(ArithOp::Div, a, r!(b), r!(c), Some(b), Some(c))
            }
            Insn::IDiv { a, b, c } => {
                arith!(ArithOp::IDiv, a, r!(b), r!(c), Some(b), Some(c))
            }
            Insn::BAnd { a, b, c } => {
                arith!(ArithOp::BAnd, a, r!(b), r!(c), Some(b), Some(c))
            }
            Insn::BOr { a, b, c } => {
                arith!(ArithOp::BOr, a, r!(b), r!(c), Some(b), Some(c))
            }
            Insn::BXor { a, b, c } => {
                arith!(ArithOp::BXor, a, r!(b), r!(c), Some(b), Some(c))
            }
            Insn::Shl { a, b, c } => {
                arith!(ArithOp::Shl, a, r!(b), r!(c), Some(b), Some(c))
            }
            Insn::Shr { a, b, c } => {
                arith!(ArithOp::Shr, a, r!(b), r!(c), Some(b), Some(c))
            }
            Insn::Unm { a, b } => {
                let vb = r!(b);
                match vb {
                    Value::Integer(x) => r!(a) = Value::Integer(x.wrapping_neg()),
                    Value::Number(x) => r!(a) = Value::Number(-x),
                    _ => arith!(ArithOp::Unm, a, vb, vb, Some(b), Some(b)),
                }
            }
            Insn::BNot { a, b } => {
                let vb = r!(b);
                match vb {
                    Value::Integer(x) => r!(a) = Value::Integer(!x),
                    _ => arith!(ArithOp::BNot, a, vb, vb, Some(b), Some(b)),
                }
            }
            Insn::Not { a, b } => r!(a) = Value::Boolean(!r!(b).to_bool()),
            Insn::Len { a, b } => {
                let vb = r!(b);
                match vb {
                    Value::String(s) => r!(a) = Value::Integer(s.len() as i64),
                    Value::Table(t) => {
                        let tm = match t.metatable() {
                            Some(mt) => meta::lookup(ctx, mt, MetaEvent::Len),
                            None => Value::Nil,
                        };
                        if tm.is_nil() {
                            r!(a) = Value::Integer(t.length());
                        } else {
                            meta_call!(tm, &[vb, vb], ReturnTo::register(base + a as usize));
                        }
                    }
                    _ => {
                        let tm = meta::metamethod(ctx, vb, MetaEvent::Len);
                        if tm.is_nil() {
                            throw!(format!(
                                "attempt to get length of a {} value{}",
                                meta::type_name_for_error(ctx, vb),
                                varinfo!(b)
                            ));
                        }
                        meta_call!(tm, &[vb, vb], ReturnTo::register(base + a as usize));
                    }
                }
            }
            Insn::Concat { a, n } => {
                let mut n = if concat_rem > 0 {
                    concat_rem as usize
                } else {
                    n as usize
                };
                let first = base + a as usize;
                while n > 1 {
                    let top = first + n;
                    let (x, y) = (ts.stack[top - 2], ts.stack[top - 1]);
                    let is_strnum = |v: Value<'gc>| {
                        matches!(v, Value::String(_) | Value::Integer(_) | Value::Number(_))
                    };
                    if is_strnum(x) && is_strnum(y) {
                        // Concatenate as many string/number operands as possible at once.
                        let mut m = 2;
                        while m < n && is_strnum(ts.stack[top - m - 1]) {
                            m += 1;
                        }
                        // Numbers format to at most 44 bytes (`%.14g`, integers).
                        let size: usize = ts.stack[top - m..top]
                            .iter()
                            .map(|v| match v {
                                Value::String(s) => s.as_bytes().len(),
                                _ => 44,
                            })
                            .sum();
                        if let Err(e) = ctx.reserve_memory(size) {
                            save_pc!();
                            return Err(e);
                        }
                        let mut buf: Vec<u8> = Vec::with_capacity(size);
                        for i in top - m..top {
                            match ts.stack[i] {
                                Value::String(s) => buf.extend_from_slice(s.as_bytes()),
                                Value::Integer(v) => number::fmt_int(v, &mut buf),
                                Value::Number(v) => number::fmt_float(v, &mut buf),
                                _ => unreachable!(),
                            }
                        }
                        ts.stack[top - m] = Value::String(LuaString::from_vec(ctx.mc, buf));
                        n -= m - 1;
                    } else {
                        let mut tm = meta::metamethod(ctx, x, MetaEvent::Concat);
                        if tm.is_nil() {
                            tm = meta::metamethod(ctx, y, MetaEvent::Concat);
                        }
                        if tm.is_nil() {
                            let (bad, reg) = if is_strnum(x) {
                                (y, top - 1)
                            } else {
                                (x, top - 2)
                            };
                            let vi = varinfo!(reg - base);
                            throw!(format!(
                                "attempt to concatenate a {} value{}",
                                meta::type_name_for_error(ctx, bad),
                                vi
                            ));
                        }
                        meta_call!(tm, &[x, y], ReturnTo::concat(top - 2));
                    }
                }
            }
            Insn::Close { a } => {
                let level = base + a as usize;
                ts.close_upvalues(ctx.mc, level);
                if let Some(&slot) = ts.tbc.last()
                    && slot >= level
                {
                    // Call one `__close`, then run this instruction again for the next.
                    ts.tbc.pop();
                    let v = ts.stack[slot];
                    let tm = meta::metamethod(ctx, v, MetaEvent::Close);
                    pc -= 1;
                    meta_call!(tm, &[v, Value::Nil], ReturnTo::Discard);
                }
            }
            Insn::Tbc { a } => {
                let v = r!(a);
                if v.to_bool() {
                    if meta::metamethod(ctx, v, MetaEvent::Close).is_nil() {
                        let name =
                            debug::local_name(&proto.info, pc, a as usize).unwrap_or("?".into());
                        throw!(format!("variable '{name}' got a non-closable value"));
                    }
                    ts.tbc.push(base + a as usize);
                }
            }
            Insn::Jmp { sj } => pc = (pc as i64 + sj as i64) as usize,
            Insn::Eq { a, b, k: kk } => {
                let (va, vb) = (r!(a), r!(b));
                if va.raw_eq(vb) {
                    if !kk {
                        pc += 1;
                    }
                } else if let Some(tm) = eq_metamethod(ctx, va, vb) {
                    meta_call!(tm, &[va, vb], ReturnTo::Compare { k: kk });
                } else if kk {
                    pc += 1;
                }
            }
            Insn::Lt { a, b, k: kk } => {
                let (va, vb) = (r!(a), r!(b));
                let res = match (va, vb) {
                    (Value::Integer(x), Value::Integer(y)) => Some(x < y),
                    (Value::Number(x), Value::Number(y)) => Some(x < y),
                    _ => less_than(va, vb),
                };
                match res {
                    Some(res) => {
                        if res != kk {
                            pc += 1;
                        }
                    }
                    None => match order_slow(ctx, va, vb, false) {
                        Ok(tm) => meta_call!(tm, &[va, vb], ReturnTo::Compare { k: kk }),
                        Err(m) => throw!(m),
                    },
                }
            }
            Insn::Le { a, b, k: kk } => {
                let (va, vb) = (r!(a), r!(b));
                let res = match (va, vb) {
                    (Value::Integer(x), Value::Integer(y)) => Some(x <= y),
                    (Value::Number(x), Value::Number(y)) => Some(x <= y),
                    _ => less_equal(va, vb),
                };
                match res {
                    Some(res) => {
                        if res != kk {
                            pc += 1;
                        }
                    }
                    None => match order_slow(ctx, va, vb, true) {
                        Ok(tm) => meta_call!(tm, &[va, vb], ReturnTo::Compare { k: kk }),
                        Err(m) => throw!(m),
                    },
                }
            }
            Insn::EqK { a, b, k: kk } => {
                if r!(a).raw_eq(k[b as usize]) != kk {
                    pc += 1;
                }
            }
            Insn::EqI { a, sb, k: kk, .. } => {
                let res = match r!(a) {
                    Value::Integer(x) => x == sb as i64,
                    Value::Number(x) => x == sb as f64,
                    _ => false,
                };
                if res != kk {
                    pc += 1;
                }
            }
            Insn::LtI { a, sb, k: kk, .. }
            | Insn::LeI { a, sb, k: kk, .. }
            | Insn::GtI { a, sb, k: kk, .. }
            | Insn::GeI { a, sb, k: kk, .. }
                if matches!(r!(a), Value::Integer(_) | Value::Number(_)) =>
            {
                // Numbers only: the immediate's float flag matters only to metamethods.
                let res = match (insn, r!(a)) {
                    (Insn::LtI { .. }, Value::Integer(x)) => x < sb as i64,
                    (Insn::LeI { .. }, Value::Integer(x)) => x <= sb as i64,
                    (Insn::GtI { .. }, Value::Integer(x)) => x > sb as i64,
                    (_, Value::Integer(x)) => x >= sb as i64,
                    (Insn::LtI { .. }, Value::Number(x)) => x < sb as f64,
                    (Insn::LeI { .. }, Value::Number(x)) => x <= sb as f64,
                    (Insn::GtI { .. }, Value::Number(x)) => x > sb as f64,
                    (_, Value::Number(x)) => x >= sb as f64,
                    _ => unreachable!(),
                };
                if res != kk {
                    pc += 1;
                }
            }
            Insn::LtI {
                a,
                sb,
                k: kk,
                float,
            }
            | Insn::LeI {
                a,
                sb,
                k: kk,
                float,
            }
            | Insn::GtI {
                a,
                sb,
                k: kk,
                float,
            }
            | Insn::GeI {
                a,
                sb,
                k: kk,
                float,
            } => {
                let va = r!(a);
                let imm = if float {
                    Value::Number(sb as f64)
                } else {
                    Value::Integer(sb as i64)
                };
                // GtI/GeI are `imm < a` / `imm <= a`.
                let (x, y, le) = match insn {
                    Insn::LtI { .. } => (va, imm, false),
                    Insn::LeI { .. } => (va, imm, true),
                    Insn::GtI { .. } => (imm, va, false),
                    _ => (imm, va, true),
                };
                let res = if le {
                    less_equal(x, y)
                } else {
                    less_than(x, y)
                };
                match res {
                    Some(res) => {
                        if res != kk {
                            pc += 1;
                        }
                    }
                    None => match order_slow(ctx, x, y, le) {
                        Ok(tm) => meta_call!(tm, &[x, y], ReturnTo::Compare { k: kk }),
                        Err(m) => throw!(m),
                    },
                }
            }
            Insn::Test { a, k: kk } => {
                if r!(a).to_bool() != kk {
                    pc += 1;
                }
            }
            Insn::TestSet { a, b, k: kk } => {
                let vb = r!(b);
                if vb.to_bool() != kk {
                    pc += 1;
                } else {
                    r!(a) = vb;
                }
            }
            Insn::Call { a, b, c } => {
                let func = base + a as usize;
                let nargs = if b == 0 {
                    ts.top - func - 1
                } else {
                    b as usize - 1
                };
                save_pc!();
                if let Value::Function(Function::Lua(callee)) = ts.stack[func] {
                    let ret = ReturnTo::Results(c as i32 - 1);
                    match push_lua_frame(ctx, ts, callee, func, nargs, ret) {
                        Ok(()) => return Ok(Flow::NewFrame),
                        Err(e) => return Err(e),
                    }
                }
                let start = call_value(
                    ctx,
                    thread,
                    ts,
                    func,
                    nargs,
                    ReturnTo::Results(c as i32 - 1),
                );
                match start {
                    Ok(CallStart::Lua) => return Ok(Flow::NewFrame),
                    Ok(CallStart::Done) => {}
                    Ok(CallStart::Action(a)) => return Ok(Flow::Exit(RunExit::Action(a))),
                    Err(Error::Runtime(m)) if m.starts_with("attempt to call") => {
                        throw!(format!("{}{}", m, varinfo!(a)))
                    }
                    Err(e) => return Err(e),
                }
            }
            Insn::TailCall { a, b } => {
                let func = base + a as usize;
                let nargs = if b == 0 {
                    ts.top - func - 1
                } else {
                    b as usize - 1
                };
                save_pc!();
                // Only a Lua callee replaces this frame; a native one runs as a normal call
                // whose results this frame then returns.
                if let Value::Function(Function::Lua(_)) = ts.stack[func] {
                    ts.close_upvalues(ctx.mc, base);
                    let Some(Frame::Lua(f)) = ts.frames.pop() else {
                        unreachable!()
                    };
                    let dest = f.func;
                    ts.stack.copy_within(func..func + 1 + nargs, dest);
                    after_call!(call_value(ctx, thread, ts, dest, nargs, f.ret));
                    return Ok(Flow::NewFrame);
                }
                let start = call_value(ctx, thread, ts, func, nargs, ReturnTo::Results(-1));
                match start {
                    Ok(CallStart::Lua) => return Ok(Flow::NewFrame),
                    Ok(CallStart::Done) => {
                        // Fall into the following `Return { a, b: 0 }`.
                    }
                    Ok(CallStart::Action(a)) => return Ok(Flow::Exit(RunExit::Action(a))),
                    Err(Error::Runtime(m)) if m.starts_with("attempt to call") => {
                        throw!(format!("{}{}", m, varinfo!(a)))
                    }
                    Err(e) => return Err(e),
                }
            }
            Insn::Return0 | Insn::Return1 { .. } if return_fast(ts, insn, base) => {
                return Ok(Flow::NewFrame);
            }
            Insn::Return { .. } | Insn::Return0 | Insn::Return1 { .. } => {
                let (from, n) = match insn {
                    Insn::Return { a, b } => {
                        let from = base + a as usize;
                        let top = match ts.frames.last() {
                            Some(Frame::Lua(f)) if f.saved_top != 0 => f.saved_top,
                            _ => ts.top,
                        };
                        (from, if b == 0 { top - from } else { b as usize - 1 })
                    }
                    Insn::Return1 { a } => (base + a as usize, 1),
                    _ => (base, 0),
                };
                if let Some(&slot) = ts.tbc.last()
                    && slot >= base
                {
                    // Close the frame's to-be-closed variables one call at a time, keeping
                    // the return values (above them) in place; then return again.
                    ts.close_upvalues(ctx.mc, base);
                    ts.tbc.pop();
                    if let Some(Frame::Lua(f)) = ts.frames.last_mut() {
                        f.saved_top = from + n;
                    }
                    let v = ts.stack[slot];
                    let tm = meta::metamethod(ctx, v, MetaEvent::Close);
                    pc -= 1;
                    meta_call!(tm, &[v, Value::Nil], ReturnTo::Discard, from + n);
                }
                do_return(ctx, ts, from, n);
                return Ok(Flow::NewFrame);
            }
            Insn::ForPrep { a, bx } => {
                let (init, limit, step) = (r!(a), r!(a + 1), r!(a + 2));
                if let (Value::Integer(i), Value::Integer(s)) = (init, step) {
                    let lim = match limit {
                        Value::Integer(l) => Number::Int(l),
                        Value::Number(f) => Number::Float(f),
                        other => match to_number(other) {
                            Some(n) => n,
                            None => throw!(for_error(ctx, other, "limit")),
                        },
                    };
                    match number::for_prep_int(i, lim, s) {
                        Err(m) => throw!(m.to_string()),
                        Ok(None) => pc += bx as usize + 1,
                        Ok(Some(count)) => {
                            r!(a + 1) = Value::Integer(count as i64);
                            r!(a + 3) = Value::Integer(i);
                        }
                    }
                } else {
                    let Some(l) = to_number(limit) else {
                        throw!(for_error(ctx, limit, "limit"))
                    };
                    let Some(s) = to_number(step) else {
                        throw!(for_error(ctx, step, "step"))
                    };
                    let Some(i) = to_number(init) else {
                        throw!(for_error(ctx, init, "initial value"))
                    };
                    let (i, l, s) = (i.to_f64(), l.to_f64(), s.to_f64());
                    match number::for_prep_float(i, l, s) {
                        Err(m) => throw!(m.to_string()),
                        Ok(false) => pc += bx as usize + 1,
                        Ok(true) => {
                            r!(a) = Value::Number(i);
                            r!(a + 1) = Value::Number(l);
                            r!(a + 2) = Value::Number(s);
                            r!(a + 3) = Value::Number(i);
                        }
                    }
                }
            }
            Insn::ForLoop { a, bx } => {
                if let Value::Integer(step) = r!(a + 2) {
                    if let Value::Integer(count) = r!(a + 1)
                        && count as u64 > 0
                    {
                        r!(a + 1) = Value::Integer((count as u64 - 1) as i64);
                        let Value::Integer(i) = r!(a) else {
                            unreachable!()
                        };
                        let i = i.wrapping_add(step);
                        r!(a) = Value::Integer(i);
                        r!(a + 3) = Value::Integer(i);
                        pc -= bx as usize;
                    }
                } else if let (Value::Number(i), Value::Number(l), Value::Number(s)) =
                    (r!(a), r!(a + 1), r!(a + 2))
                    && let Some(next) = number::for_loop_float(i, l, s)
                {
                    r!(a) = Value::Number(next);
                    r!(a + 3) = Value::Number(next);
                    pc -= bx as usize;
                }
            }
            Insn::TForPrep { a, bx } => {
                let v = r!(a + 3);
                if v.to_bool() {
                    if meta::metamethod(ctx, v, MetaEvent::Close).is_nil() {
                        throw!("variable '(for state)' got a non-closable value".to_string());
                    }
                    ts.tbc.push(base + a as usize + 3);
                }
                pc += bx as usize;
            }
            Insn::TForCall { a, c } => {
                let ra = base + a as usize;
                ts.stack.copy_within(ra..ra + 3, ra + 4);
                save_pc!();
                let start = call_value(ctx, thread, ts, ra + 4, 2, ReturnTo::Results(c as i32));
                match start {
                    Ok(CallStart::Lua) => return Ok(Flow::NewFrame),
                    Ok(CallStart::Done) => {}
                    Ok(CallStart::Action(a)) => return Ok(Flow::Exit(RunExit::Action(a))),
                    Err(Error::Runtime(m)) if m.starts_with("attempt to call") => {
                        throw!(format!("{m} (for iterator 'for iterator')"))
                    }
                    Err(e) => return Err(e),
                }
            }
            Insn::TForLoop { a, bx } => {
                let v = r!(a + 4);
                if !v.is_nil() {
                    r!(a + 2) = v;
                    pc -= bx as usize;
                }
            }
            Insn::SetList { a, n, c } => {
                let ra = base + a as usize;
                let n = if n == 0 { ts.top - ra - 1 } else { n as usize };
                if let Value::Table(t) = r!(a) {
                    let mut st = t.borrow_mut(ctx.mc);
                    st.ensure_array(c as usize + n);
                    for i in 1..=n {
                        let v = ts.stack[ra + i];
                        st.set_int(c as i64 + i as i64, v);
                    }
                }
                restore_frame_stack(ts);
            }
            Insn::Closure { a, bx } => {
                let p = proto.protos[bx as usize];
                let ups = p
                    .info
                    .upvalues
                    .iter()
                    .map(|d| {
                        if d.in_stack {
                            ts.find_upvalue(ctx.mc, thread, base + d.index as usize)
                        } else {
                            upvals[d.index as usize]
                        }
                    })
                    .collect();
                r!(a) = Value::Function(Function::Lua(Closure::new(ctx.mc, p, ups)));
            }
            Insn::Vararg { a, c } => {
                let (at, nv) = match ts.frames.last() {
                    Some(Frame::Lua(f)) => (f.varargs_at, f.nvarargs),
                    _ => unreachable!(),
                };
                let ra = base + a as usize;
                if c == 0 {
                    let end = ra + nv;
                    if end > MAX_STACK {
                        throw!("stack overflow".to_string());
                    }
                    if ts.stack.len() < end {
                        ts.stack.resize(end, Value::Nil);
                    }
                    for i in 0..nv {
                        ts.stack[ra + i] = ts.stack[at + i];
                    }
                    ts.top = end;
                } else {
                    for i in 0..(c as usize - 1) {
                        ts.stack[ra + i] = if i < nv { ts.stack[at + i] } else { Value::Nil };
                    }
                }
            }
            Insn::VarargPrep { .. } => {}
        }
        Ok(Flow::Next(pc))
    }
}

fn for_error<'gc>(ctx: Ctx<'gc>, v: Value<'gc>, what: &str) -> String {
    format!(
        "bad 'for' {what} (number expected, got {})",
        meta::type_name_for_error(ctx, v)
    )
}

/// The common return: at most one value, from a frame without pending to-be-closed variables or
/// open upvalues, called by a Lua frame for its results. Does nothing and says `false` when the
/// general path is needed.
#[inline(always)]
fn return_fast<'gc>(ts: &mut ThreadState<'gc>, insn: Insn, base: usize) -> bool {
    if ts.tbc.last().is_some_and(|&slot| slot >= base) {
        return false;
    }
    let n = ts.frames.len();
    let (Some(Frame::Lua(callee)), Some(caller)) = (
        ts.frames.get(n.wrapping_sub(1)),
        ts.frames.get(n.wrapping_sub(2)),
    ) else {
        return false;
    };
    // A native caller is a continuation that called this function (`resume_native`): it
    // takes all the results, the stack's top marking their end.
    let to_native = matches!(caller, Frame::Native(_));
    // Open upvalues of the caller's frames (a recursive local function's own name) do not
    // matter; one of this frame's has to be closed by the general path.
    if let Some(u) = ts.open_upvalues.last()
        && let UpValueState::Open { index, .. } = u.get()
        && index >= callee.func
    {
        return false;
    }
    let ReturnTo::Results(want) = callee.ret else {
        return false;
    };
    if to_native && want >= 0 {
        return false;
    }
    let func = callee.func;
    let v = match insn {
        Insn::Return1 { a } => ts.stack[base + a as usize],
        _ => Value::Nil,
    };
    let got = matches!(insn, Insn::Return1 { .. }) as usize;
    // Pops the callee's frame without `pop`'s drop glue (which checks for a native frame's
    // continuation): a Lua frame owns nothing to drop.
    const _: () = assert!(!std::mem::needs_drop::<LuaFrame<'static>>());
    // SAFETY: the last frame is a `Frame::Lua` (matched above), which needs no drop.
    unsafe { ts.frames.set_len(n - 1) };
    // The results land in the caller's registers, which exist (the caller's frame check in
    // `run` restores them if a native call shrank the stack).
    if to_native {
        ts.stack[func] = v;
        ts.stack.truncate(func + got);
        ts.top = func + got;
        if let Some(Frame::Native(nf)) = ts.frames.last_mut() {
            nf.ready = true;
        }
    } else if want < 0 {
        ts.stack[func] = v;
        ts.top = func + got;
    } else {
        let end = func + want as usize;
        if ts.stack.len() < end {
            ts.stack.resize(end, Value::Nil);
        }
        if want > 0 {
            // `v` is nil for `Return0`.
            ts.stack[func] = v;
            for slot in &mut ts.stack[func + 1..end] {
                *slot = Value::Nil;
            }
        }
        ts.top = end;
    }
    true
}

/// Returns `n` values at `stack[from..]` from the Lua frame on top.
fn do_return<'gc>(ctx: Ctx<'gc>, ts: &mut ThreadState<'gc>, from: usize, n: usize) {
    let Some(Frame::Lua(f)) = ts.frames.pop() else {
        unreachable!()
    };
    if !ts.open_upvalues.is_empty() {
        ts.close_upvalues(ctx.mc, f.func);
    }
    post_call(ts, f.func, from, n, f.ret);
}
