//! `string.find`, `match`, `gmatch` and `gsub`: the Lua side of the pattern engine in
//! `pattern.rs` (PUC-Rio's `str_find_aux`, `gmatch`, `str_gsub`).
//!
//! `gsub` with a function or a table with `__index` calls Lua between two matches; it does so
//! stacklessly (`GsubSeq`, a `Sequence` resumed with each call's result), so a replacement
//! function may yield or await like any other Lua code.

use std::cell::Cell;

use gc_arena::Collect;
use halo_vm::args::{check_string, opt_integer};
use halo_vm::meta::{self, MetaEvent};
use halo_vm::number;
use halo_vm::{Action, Ctx, Error, LuaString, NativeFunction, Sequence, Stack, UserData, Value};

use crate::bytestrings;
use crate::pattern::{self, Capture, GmatchState, GsubState, Match, Matcher, PatternError};
use crate::scratch::with_scratch;
use crate::strlib::{NResult, posrelat_start};

impl From<PatternError> for Error<'_> {
    fn from(e: PatternError) -> Self {
        Error::runtime(e.to_string())
    }
}

/// Capture `i` of `m` as a Lua value (PUC `push_onecapture`).
fn capture_value<'gc>(
    ctx: Ctx<'gc>,
    bytes: Value<'gc>,
    s: LuaString<'gc>,
    m: &Match,
    i: usize,
) -> Result<Value<'gc>, Error<'gc>> {
    Ok(match m.capture(i)? {
        Capture::Range(a, b) => bytestrings::substring(ctx, bytes, s, a, b),
        Capture::Position(p) => Value::Integer(p as i64),
    })
}

/// Pushes captures `0..n` of `m` (PUC `push_captures`).
fn push_captures<'gc>(
    ctx: Ctx<'gc>,
    bytes: Value<'gc>,
    stack: &mut Stack<'gc, '_>,
    s: LuaString<'gc>,
    m: &Match,
    n: usize,
) -> Result<(), Error<'gc>> {
    for i in 0..n {
        let v = capture_value(ctx, bytes, s, m, i)?;
        stack.push(v);
    }
    Ok(())
}

/// `string.find` (`find == true`) and `string.match`.
fn find_aux<'gc>(
    ctx: Ctx<'gc>,
    bytes: Value<'gc>,
    mut stack: Stack<'gc, '_>,
    find: bool,
) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?;
    let p = check_string(ctx, &stack, 1)?;
    let (sb, pb) = (s.as_bytes(), p.as_bytes());
    let init = posrelat_start(opt_integer(ctx, &stack, 2, 1)?, sb.len()) - 1;
    if init > sb.len() {
        stack.ret1(Value::Nil);
        return Ok(Action::Return);
    }
    if find && (stack.get(3).to_bool() || !pattern::has_specials(pb)) {
        match pattern::find_plain(sb, pb, init) {
            Some(at) => {
                stack.clear();
                stack.push(Value::Integer(at as i64 + 1));
                stack.push(Value::Integer((at + pb.len()) as i64));
            }
            None => stack.ret1(Value::Nil),
        }
        return Ok(Action::Return);
    }
    let mut matcher = Matcher::new(sb, pb);
    let m = matcher.find(init)?;
    stack.clear();
    match m {
        None => stack.push(Value::Nil),
        Some(m) if find => {
            stack.push(Value::Integer(m.start as i64 + 1));
            stack.push(Value::Integer(m.end as i64));
            push_captures(ctx, bytes, &mut stack, s, &m, m.capture_count())?;
        }
        Some(m) => push_captures(ctx, bytes, &mut stack, s, &m, m.push_count())?,
    }
    Ok(Action::Return)
}

pub(crate) fn find<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    find_aux(ctx, f.upvalue(0), stack, true)
}

pub(crate) fn match_<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    find_aux(ctx, f.upvalue(0), stack, false)
}

// ------------------------------------------------------------------ gmatch

/// `string.gmatch(s, p [, init])`: an iterator closure over the subject, the pattern and the
/// matcher's position (kept in a userdata cell, the iterator's only mutable state).
pub(crate) fn gmatch<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?;
    let p = check_string(ctx, &stack, 1)?;
    let init = posrelat_start(opt_integer(ctx, &stack, 2, 1)?, s.len()) - 1;
    let state = UserData::new(ctx.mc, Cell::new(GmatchState::new(s.len(), init)), None);
    let iter = NativeFunction::with_upvalues(
        ctx.mc,
        gmatch_aux,
        Box::new([
            Value::String(s),
            Value::String(p),
            Value::UserData(state),
            f.upvalue(0),
        ]),
    );
    stack.ret1(iter.into());
    Ok(Action::Return)
}

fn gmatch_aux<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let (Value::String(s), Value::String(p), Value::UserData(ud)) =
        (f.upvalue(0), f.upvalue(1), f.upvalue(2))
    else {
        unreachable!("gmatch iterator built by gmatch")
    };
    let cell = ud
        .downcast::<Cell<GmatchState>>()
        .expect("gmatch iterator state");
    let mut st = cell.get();
    let mut matcher = Matcher::unanchored(s.as_bytes(), p.as_bytes());
    let m = matcher.gmatch_next(&mut st);
    cell.set(st);
    stack.clear();
    if let Some(m) = m? {
        push_captures(ctx, f.upvalue(3), &mut stack, s, &m, m.push_count())?;
    }
    Ok(Action::Return)
}

// ------------------------------------------------------------------ gsub

/// Appends the Lua string form of a string or number (`lua_tolstring`); `false` for others.
fn append_string_value(v: Value<'_>, out: &mut Vec<u8>) -> bool {
    match v {
        Value::String(s) => out.extend_from_slice(s.as_bytes()),
        Value::Integer(i) => number::fmt_int(i, out),
        Value::Number(f) => number::fmt_float(f, out),
        _ => return false,
    }
    true
}

pub(crate) fn gsub<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?;
    let p = check_string(ctx, &stack, 1)?;
    let repl = stack.get(2);
    let max_s = opt_integer(ctx, &stack, 3, s.len() as i64 + 1)?;
    let max_n = max_s.max(0) as u64 as usize;
    let (sb, pb) = (s.as_bytes(), p.as_bytes());
    match repl {
        Value::String(_) | Value::Integer(_) | Value::Number(_) => {
            let r = check_string(ctx, &stack, 2)?;
            let rb = r.as_bytes();
            let (result, n) = with_scratch(|out| {
                let mut matcher = Matcher::new(sb, pb);
                // Each replacement may multiply the subject's size: the result so far must fit
                // under the memory limit.
                let n = if memchr::memchr(b'%', rb).is_none() {
                    matcher.gsub::<Error<'gc>>(max_n, out, |_, o| {
                        o.extend_from_slice(rb);
                        ctx.reserve_memory(o.len())
                    })?
                } else {
                    matcher.gsub::<Error<'gc>>(max_n, out, |m, o| {
                        pattern::expand_replacement(rb, sb, m, o)?;
                        ctx.reserve_memory(o.len())
                    })?
                };
                // No substitution: the subject itself, without a copy.
                let result = if n == 0 {
                    s
                } else {
                    LuaString::new(ctx.mc, out)
                };
                Ok::<_, Error<'gc>>((result, n))
            })?;
            stack.clear();
            stack.push(Value::String(result));
            stack.push(Value::Integer(n as i64));
            Ok(Action::Return)
        }
        Value::Table(_) | Value::Function(_) => {
            let mut seq = GsubSeq {
                bytes: f.upvalue(0),
                s,
                p,
                repl,
                st: GsubState::new(max_n),
                out: Vec::new(),
                cur: (0, 0),
                changed: false,
            };
            match seq.drive(ctx, &mut stack)? {
                None => Ok(Action::Return),
                Some(func) => Ok(Action::Call {
                    func,
                    then: Some(Box::new(seq)),
                }),
            }
        }
        _ => Err(halo_vm::args::type_error(
            ctx,
            &stack,
            2,
            "string/function/table",
        )),
    }
}

/// A `gsub` whose replacement may call Lua: the loop's state between two calls.
#[derive(Collect)]
#[collect(no_drop)]
struct GsubSeq<'gc> {
    /// The one-byte strings (bytestrings.rs).
    bytes: Value<'gc>,
    s: LuaString<'gc>,
    p: LuaString<'gc>,
    repl: Value<'gc>,
    #[collect(require_static)]
    st: GsubState,
    #[collect(require_static)]
    out: Vec<u8>,
    /// The match being replaced, kept as is when the replacement is nil or false.
    #[collect(require_static)]
    cur: (usize, usize),
    /// Whether any replacement changed the subject (else the subject itself is returned).
    changed: bool,
}

/// What looking a key up through `__index` needs next.
enum Lookup<'gc> {
    Value(Value<'gc>),
    /// Call this `__index` function with these arguments.
    Call(Value<'gc>, [Value<'gc>; 2]),
}

/// `lua_gettable` without recursion: raw lookups along the `__index` chain until a value or a
/// function to call. Its errors are raised without position, as luaV_finishget does from C.
fn get_table<'gc>(
    ctx: Ctx<'gc>,
    mut t: Value<'gc>,
    key: Value<'gc>,
) -> Result<Lookup<'gc>, Error<'gc>> {
    // PUC's MAXTAGLOOP.
    for _ in 0..2000 {
        let tm = match t {
            Value::Table(tab) => {
                let v = tab.get(key);
                if !v.is_nil() {
                    return Ok(Lookup::Value(v));
                }
                match tab.metatable() {
                    None => return Ok(Lookup::Value(Value::Nil)),
                    Some(mt) => meta::lookup(ctx, mt, MetaEvent::Index),
                }
            }
            _ => {
                let tm = meta::metamethod(ctx, t, MetaEvent::Index);
                if tm.is_nil() {
                    let msg = format!(
                        "attempt to index a {} value",
                        meta::type_name_for_error(ctx, t)
                    );
                    return Err(Error::Value(ctx.str_value(&msg)));
                }
                tm
            }
        };
        match tm {
            Value::Nil => return Ok(Lookup::Value(Value::Nil)),
            Value::Function(_) => return Ok(Lookup::Call(tm, [t, key])),
            next => t = next,
        }
    }
    Err(Error::Value(
        ctx.str_value("'__index' chain too long; possible loop"),
    ))
}

impl<'gc> GsubSeq<'gc> {
    /// Runs the loop until it needs a Lua call (`Some(function)`, arguments on the stack) or is
    /// done (`None`, results on the stack).
    fn drive(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<Option<Value<'gc>>, Error<'gc>> {
        let (sb, pb) = (self.s.as_bytes(), self.p.as_bytes());
        let mut matcher = Matcher::new(sb, pb);
        loop {
            let Some(m) = matcher.gsub_next(&mut self.st, &mut self.out)? else {
                let result = if self.changed {
                    Value::String(LuaString::from_vec(ctx.mc, std::mem::take(&mut self.out)))
                } else {
                    Value::String(self.s)
                };
                stack.replace(&[result, Value::Integer(self.st.count() as i64)]);
                return Ok(None);
            };
            self.cur = (m.start, m.end);
            stack.clear();
            let v = match self.repl {
                Value::Table(_) => {
                    let key = capture_value(ctx, self.bytes, self.s, &m, 0)?;
                    match get_table(ctx, self.repl, key)? {
                        Lookup::Value(v) => v,
                        Lookup::Call(f, args) => {
                            stack.extend(args);
                            return Ok(Some(f));
                        }
                    }
                }
                f => {
                    push_captures(ctx, self.bytes, stack, self.s, &m, m.push_count())?;
                    return Ok(Some(f));
                }
            };
            self.add_value(ctx, v)?;
        }
    }

    /// PUC `add_value` for a call's or lookup's result.
    fn add_value(&mut self, ctx: Ctx<'gc>, v: Value<'gc>) -> Result<(), Error<'gc>> {
        if !v.to_bool() {
            let (a, b) = self.cur;
            self.out.extend_from_slice(&self.s.as_bytes()[a..b]);
        } else if append_string_value(v, &mut self.out) {
            self.changed = true;
        } else {
            return Err(Error::runtime(format!(
                "invalid replacement value (a {})",
                v.type_name()
            )));
        }
        ctx.reserve_memory(self.out.len())
    }
}

impl<'gc> Sequence<'gc> for GsubSeq<'gc> {
    fn poll(&mut self, ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
        self.add_value(ctx, stack.get(0))?;
        match self.drive(ctx, &mut stack)? {
            None => Ok(Action::Return),
            // The executor keeps this sequence and hands it the call's results.
            Some(func) => Ok(Action::Call { func, then: None }),
        }
    }
}
