//! The C API's metamethod-aware operations (`lua_geti`, `lua_seti`, `luaL_len`, `lua_lessthan`,
//! `lua_compare(EQ)`) as single steps that never call Lua themselves.
//!
//! Each operation either completes at once (no metamethod, or a raw hit, or an `__index` chain of
//! tables) or tells its caller which function to call with which arguments. A library function
//! that may need such a call is written as a resumable machine (`Machine`) driven by the executor
//! through `Action::Call`, so metamethods and comparators may yield or await like any Lua code.
//!
//! Errors raised here are raised by the core in PUC-Rio while a C function runs, so they carry no
//! position ("attempt to index a number value"), unlike `luaL_error`'s.

use gc_arena::Collect;
use halo_vm::interp::to_number;
use halo_vm::meta::{self, MetaEvent};
use halo_vm::number::{self, Number};
use halo_vm::{Action, Ctx, Error, Sequence, Stack, Value};

/// PUC-Rio's `MAXTAGLOOP`: the longest `__index`/`__newindex` chain followed.
const MAX_TAG_LOOP: usize = 2000;

/// The outcome of a step: done with a value, or a call (function, arguments) to make first.
pub enum Step<'gc, T> {
    Ready(T),
    Call(Value<'gc>, Vec<Value<'gc>>),
}

/// A Lua error value raised without position (errors of the core, not of `luaL_error`).
pub fn core_error<'gc>(ctx: Ctx<'gc>, msg: &str) -> Error<'gc> {
    Error::Value(ctx.str_value(msg))
}

/// `t[k]` with `__index` (`luaV_finishget`).
pub fn index<'gc>(
    ctx: Ctx<'gc>,
    mut t: Value<'gc>,
    k: Value<'gc>,
) -> Result<Step<'gc, Value<'gc>>, Error<'gc>> {
    for _ in 0..MAX_TAG_LOOP {
        let tm = match t {
            Value::Table(tab) => {
                let v = tab.get(k);
                if !v.is_nil() {
                    return Ok(Step::Ready(v));
                }
                match tab.metatable() {
                    None => return Ok(Step::Ready(Value::Nil)),
                    Some(mt) => {
                        let tm = meta::lookup(ctx, mt, MetaEvent::Index);
                        if tm.is_nil() {
                            return Ok(Step::Ready(Value::Nil));
                        }
                        tm
                    }
                }
            }
            _ => {
                let tm = meta::metamethod(ctx, t, MetaEvent::Index);
                if tm.is_nil() {
                    let name = meta::type_name_for_error(ctx, t);
                    return Err(core_error(ctx, &format!("attempt to index a {name} value")));
                }
                tm
            }
        };
        if let Value::Function(_) = tm {
            return Ok(Step::Call(tm, vec![t, k]));
        }
        t = tm;
    }
    Err(core_error(ctx, "'__index' chain too long; possible loop"))
}

/// `t[k] = v` with `__newindex` (`luaV_finishset`).
pub fn new_index<'gc>(
    ctx: Ctx<'gc>,
    mut t: Value<'gc>,
    k: Value<'gc>,
    v: Value<'gc>,
) -> Result<Step<'gc, ()>, Error<'gc>> {
    for _ in 0..MAX_TAG_LOOP {
        let tm = match t {
            Value::Table(tab) => {
                let tm = match tab.metatable() {
                    Some(mt) if tab.get(k).is_nil() => meta::lookup(ctx, mt, MetaEvent::NewIndex),
                    _ => Value::Nil,
                };
                if tm.is_nil() {
                    tab.set(ctx.mc, k, v).map_err(|e| {
                        core_error(
                            ctx,
                            match e {
                                halo_vm::table::KeyError::Nil => "table index is nil",
                                halo_vm::table::KeyError::NaN => "table index is NaN",
                            },
                        )
                    })?;
                    return Ok(Step::Ready(()));
                }
                tm
            }
            _ => {
                let tm = meta::metamethod(ctx, t, MetaEvent::NewIndex);
                if tm.is_nil() {
                    let name = meta::type_name_for_error(ctx, t);
                    return Err(core_error(ctx, &format!("attempt to index a {name} value")));
                }
                tm
            }
        };
        if let Value::Function(_) = tm {
            return Ok(Step::Call(tm, vec![t, k, v]));
        }
        t = tm;
    }
    Err(core_error(
        ctx,
        "'__newindex' chain too long; possible loop",
    ))
}

/// `#v` with `__len` (`lua_len`); the result of a metamethod is checked by `len_result`.
pub fn len<'gc>(ctx: Ctx<'gc>, v: Value<'gc>) -> Result<Step<'gc, i64>, Error<'gc>> {
    let tm = meta::metamethod(ctx, v, MetaEvent::Len);
    if !tm.is_nil() {
        return Ok(Step::Call(tm, vec![v]));
    }
    match v {
        Value::Table(t) => Ok(Step::Ready(t.length())),
        Value::String(s) => Ok(Step::Ready(s.len() as i64)),
        _ => {
            let name = meta::type_name_for_error(ctx, v);
            Err(core_error(
                ctx,
                &format!("attempt to get length of a {name} value"),
            ))
        }
    }
}

/// `luaL_len`'s check of a `__len` result: an integer (or a string or float convertible to one).
pub fn len_result<'gc>(v: Value<'gc>) -> Result<i64, Error<'gc>> {
    match to_number(v) {
        Some(Number::Int(i)) => Ok(i),
        Some(Number::Float(f)) => {
            number::float_to_int(f).ok_or_else(|| Error::runtime("object length is not an integer"))
        }
        None => Err(Error::runtime("object length is not an integer")),
    }
}

/// `a < b` (`lua_lessthan`): numbers and strings directly, anything else through `__lt`.
pub fn less_than<'gc>(
    ctx: Ctx<'gc>,
    a: Value<'gc>,
    b: Value<'gc>,
) -> Result<Step<'gc, bool>, Error<'gc>> {
    if let Some(r) = raw_less_than(a, b) {
        return Ok(Step::Ready(r));
    }
    let mut tm = meta::metamethod(ctx, a, MetaEvent::Lt);
    if tm.is_nil() {
        tm = meta::metamethod(ctx, b, MetaEvent::Lt);
    }
    if tm.is_nil() {
        return Err(core_error(ctx, &compare_error(ctx, a, b)));
    }
    Ok(Step::Call(tm, vec![a, b]))
}

/// `a < b` for two numbers or two strings; `None` when a metamethod decides (or nothing does).
#[inline]
pub fn raw_less_than(a: Value<'_>, b: Value<'_>) -> Option<bool> {
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => Some(x < y),
        (Value::Number(x), Value::Number(y)) => Some(x < y),
        (Value::Integer(x), Value::Number(y)) => {
            Some(number::lt_num(Number::Int(x), Number::Float(y)))
        }
        (Value::Number(x), Value::Integer(y)) => {
            Some(number::lt_num(Number::Float(x), Number::Int(y)))
        }
        (Value::String(x), Value::String(y)) => Some(x.as_bytes() < y.as_bytes()),
        _ => None,
    }
}

/// `luaG_ordererror`'s message.
pub fn compare_error<'gc>(ctx: Ctx<'gc>, a: Value<'gc>, b: Value<'gc>) -> String {
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

/// `a == b` (`lua_compare` with `LUA_OPEQ`): raw equality, else `__eq` for two tables or two
/// userdata.
pub fn equals<'gc>(ctx: Ctx<'gc>, a: Value<'gc>, b: Value<'gc>) -> Step<'gc, bool> {
    if a.raw_eq(b) {
        return Step::Ready(true);
    }
    match (a, b) {
        (Value::Table(_), Value::Table(_)) | (Value::UserData(_), Value::UserData(_)) => {
            let mut tm = meta::metamethod(ctx, a, MetaEvent::Eq);
            if tm.is_nil() {
                tm = meta::metamethod(ctx, b, MetaEvent::Eq);
            }
            if tm.is_nil() {
                Step::Ready(false)
            } else {
                Step::Call(tm, vec![a, b])
            }
        }
        _ => Step::Ready(false),
    }
}

/// What a machine asks its driver for.
pub enum Flow<'gc> {
    /// Finished: the stack holds the results.
    Done,
    /// Call this function with the stack's values, then resume with its results.
    Call(Value<'gc>),
}

/// A library function written as a resumable state machine. `resume` runs until it finishes or
/// needs a call; it finds the results of the call it asked for through its `Io`.
pub trait Machine<'gc>: Collect<'gc> + 'gc {
    fn resume(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<Flow<'gc>, Error<'gc>>;
    fn io(&mut self) -> &mut Io<'gc>;
}

/// Runs `m` from a native function: returns at once when no call was needed.
pub fn start<'gc, M: Machine<'gc>>(
    ctx: Ctx<'gc>,
    mut m: M,
    stack: &mut Stack<'gc, '_>,
) -> Result<Action<'gc>, Error<'gc>> {
    match m.resume(ctx, stack)? {
        Flow::Done => Ok(Action::Return),
        Flow::Call(_) if m.io().paused => Ok(Action::Pause {
            then: Some(Box::new(Driven(m))),
        }),
        Flow::Call(func) => Ok(Action::Call {
            func,
            then: Some(Box::new(Driven(m))),
        }),
    }
}

/// The `Sequence` running a machine between its calls.
#[derive(Collect)]
#[collect(no_drop)]
struct Driven<M>(M);

impl<'gc, M: Machine<'gc>> Sequence<'gc> for Driven<M> {
    fn poll(
        &mut self,
        ctx: Ctx<'gc>,
        mut stack: Stack<'gc, '_>,
    ) -> Result<Action<'gc>, Error<'gc>> {
        let io = self.0.io();
        if io.paused {
            // Back from a pause: nothing was called, the stack is as the machine left it.
            io.paused = false;
        } else {
            io.got = Some(stack.get(0));
            stack.clear();
        }
        match self.0.resume(ctx, &mut stack)? {
            Flow::Done => Ok(Action::Return),
            Flow::Call(_) if self.0.io().paused => Ok(Action::Pause { then: None }),
            Flow::Call(func) => Ok(Action::Call { func, then: None }),
        }
    }
}

/// A machine's link to its calls: each operation either completes, or sets up a call (arguments
/// on the stack, function in `call`) and returns `None`; the machine then returns
/// `Flow::Call`, and when it is resumed it repeats the same operation, which now takes the
/// call's first result from `got`. So each machine state performs at most one operation that
/// may call, before any other side effect.
#[derive(Collect, Default)]
#[collect(no_drop)]
pub struct Io<'gc> {
    pub got: Option<Value<'gc>>,
    pub call: Value<'gc>,
    /// Operations since the last pause.
    ops: u32,
    /// The machine stopped for a pause (`Action::Pause`), not for a call.
    paused: bool,
}

/// Operations a machine runs between two pauses: a function that never needs to call Lua
/// (`table.move` over a range of a billion nils) still returns to the executor regularly, so
/// the host's instruction and time limits can stop it.
const OPS_PER_PAUSE: u32 = 1 << 14;

impl<'gc> Io<'gc> {
    /// Counts one operation; `true` when the machine must pause first (the operation then runs
    /// when the machine is resumed).
    #[inline]
    fn tick(&mut self) -> bool {
        self.ops += 1;
        if self.ops >= OPS_PER_PAUSE {
            self.ops = 0;
            self.paused = true;
            self.call = Value::Nil;
            return true;
        }
        false
    }

    fn setup<T>(
        &mut self,
        stack: &mut Stack<'gc, '_>,
        f: Value<'gc>,
        args: &[Value<'gc>],
    ) -> Option<T> {
        stack.replace(args);
        self.call = f;
        None
    }

    /// Takes the result of the call made for the current operation, if there was one.
    #[inline]
    pub fn take(&mut self) -> Option<Value<'gc>> {
        self.got.take()
    }

    pub fn get(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
        t: Value<'gc>,
        k: Value<'gc>,
    ) -> Result<Option<Value<'gc>>, Error<'gc>> {
        if let Some(v) = self.take() {
            return Ok(Some(v));
        }
        if self.tick() {
            return Ok(None);
        }
        // The common case (an array slot of a table), without the general key lookup.
        if let (Value::Table(tab), Value::Integer(i)) = (t, k) {
            let v = tab.get_int(i);
            if !v.is_nil() || tab.metatable().is_none() {
                return Ok(Some(v));
            }
        }
        Ok(match index(ctx, t, k)? {
            Step::Ready(v) => Some(v),
            Step::Call(f, args) => self.setup(stack, f, &args),
        })
    }

    pub fn set(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
        t: Value<'gc>,
        k: Value<'gc>,
        v: Value<'gc>,
    ) -> Result<Option<()>, Error<'gc>> {
        if self.take().is_some() {
            return Ok(Some(()));
        }
        if self.tick() {
            return Ok(None);
        }
        if let (Value::Table(tab), Value::Integer(i)) = (t, k)
            && tab.metatable().is_none()
        {
            tab.set_int(ctx.mc, i, v);
            return Ok(Some(()));
        }
        Ok(match new_index(ctx, t, k, v)? {
            Step::Ready(()) => Some(()),
            Step::Call(f, args) => self.setup(stack, f, &args),
        })
    }

    /// `luaL_len`.
    pub fn len(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
        t: Value<'gc>,
    ) -> Result<Option<i64>, Error<'gc>> {
        if let Some(v) = self.take() {
            return len_result(v).map(Some);
        }
        if self.tick() {
            return Ok(None);
        }
        Ok(match len(ctx, t)? {
            Step::Ready(n) => Some(n),
            Step::Call(f, args) => self.setup(stack, f, &args),
        })
    }

    /// `a < b`, through `cmp(a, b)` when a comparator is given (`sort_comp`).
    pub fn less(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
        cmp: Value<'gc>,
        a: Value<'gc>,
        b: Value<'gc>,
    ) -> Result<Option<bool>, Error<'gc>> {
        if let Some(v) = self.take() {
            return Ok(Some(v.to_bool()));
        }
        if self.tick() {
            return Ok(None);
        }
        if !cmp.is_nil() {
            return Ok(self.setup(stack, cmp, &[a, b]));
        }
        Ok(match less_than(ctx, a, b)? {
            Step::Ready(r) => Some(r),
            Step::Call(f, args) => self.setup(stack, f, &args),
        })
    }

    pub fn eq(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
        a: Value<'gc>,
        b: Value<'gc>,
    ) -> Option<bool> {
        if let Some(v) = self.take() {
            return Some(v.to_bool());
        }
        if self.tick() {
            return None;
        }
        match equals(ctx, a, b) {
            Step::Ready(r) => Some(r),
            Step::Call(f, args) => self.setup(stack, f, &args),
        }
    }
}

/// Unwraps an `Io` operation inside `Machine::resume`: on `None` a call was set up, so return it.
#[macro_export]
macro_rules! ready {
    ($self:ident, $e:expr) => {
        match $e {
            Some(v) => v,
            None => return Ok($crate::metaops::Flow::Call($self.io.call)),
        }
    };
}
