//! The base functions that are intimate with the VM (§6.1) and the coroutine library (§6.2).
//!
//! Every function that may call Lua (`tostring` through `__tostring`, `pcall`, `pairs` through
//! `__pairs`, `load` with a reader function) does so by returning an `Action` with a `Sequence`,
//! so a script may yield or await inside any of them.

use gc_arena::Collect;

use crate::args::*;
use crate::callback::{Action, Error, Sequence, Stack};
use crate::closure::{Closure, NativeFunction, Proto};
use crate::interp;
use crate::meta::{self, MetaEvent};
use crate::number::{self, Number};
use crate::state::Ctx;
use crate::string::LuaString;
use crate::table::Table;
use crate::thread::{Thread, ThreadStatus};
use crate::value::{Function, Value};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub fn open(ctx: Ctx<'_>) {
    let g = ctx.globals();
    ctx.set_functions(
        g,
        &[
            ("print", print),
            ("type", type_),
            ("tostring", tostring),
            ("tonumber", tonumber),
            ("rawequal", rawequal),
            ("rawlen", rawlen),
            ("rawget", rawget),
            ("rawset", rawset),
            ("setmetatable", setmetatable),
            ("getmetatable", getmetatable),
            ("next", next),
            ("pairs", pairs),
            ("ipairs", ipairs),
            ("select", select),
            ("pcall", pcall),
            ("xpcall", xpcall),
            ("error", error),
            ("assert", assert),
            ("collectgarbage", collectgarbage),
            ("load", load),
            ("warn", warn),
        ],
    );

    let co = Table::new(ctx.mc);
    ctx.set_functions(
        co,
        &[
            ("create", co_create),
            ("resume", co_resume),
            ("yield", co_yield),
            ("status", co_status),
            ("wrap", co_wrap),
            ("isyieldable", co_isyieldable),
            ("running", co_running),
            ("close", co_close),
        ],
    );
    g.set_str(ctx.mc, ctx.str("coroutine"), co.into());
}

/// `tostring` without metamethod calls: `None` when `__tostring` must be called.
pub fn tostring_basic<'gc>(ctx: Ctx<'gc>, v: Value<'gc>) -> Option<LuaString<'gc>> {
    if !meta::metamethod(ctx, v, MetaEvent::ToString).is_nil() {
        return None;
    }
    Some(match v {
        Value::Nil => ctx.str("nil"),
        Value::Boolean(b) => ctx.str(if b { "true" } else { "false" }),
        Value::Integer(_) | Value::Number(_) => interp::number_to_string(ctx, v).unwrap(),
        Value::String(s) => s,
        other => {
            let name = meta::type_name_for_error(ctx, other);
            let p = other.gc_ptr().unwrap();
            let name = if matches!(other, Value::Function(Function::Native(_))) {
                "builtin".to_string()
            } else {
                name
            };
            ctx.str(&format!("{name}: {p:p}"))
        }
    })
}

fn print<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let n = stack.len();
    let mut strs = Vec::with_capacity(n);
    for i in 0..n {
        match tostring_basic(ctx, stack.get(i)) {
            Some(s) => strs.push(Value::String(s)),
            None => {
                // Some argument has `__tostring`: continue as a sequence that calls it.
                let args: Vec<Value<'gc>> = stack.as_slice().to_vec();
                let mut seq = PrintSeq {
                    args,
                    strs,
                    next: i,
                };
                stack.clear();
                return seq.call_next(ctx, &mut stack);
            }
        }
    }
    write_print(&strs);
    stack.clear();
    Ok(Action::Return)
}

fn write_print(strs: &[Value<'_>]) {
    let mut pieces: Vec<&[u8]> = Vec::with_capacity(strs.len() * 2 + 1);
    for (i, s) in strs.iter().enumerate() {
        if i > 0 {
            pieces.push(b"\t");
        }
        if let Value::String(s) = s {
            pieces.push(s.as_bytes());
        }
    }
    pieces.push(b"\n");
    let _ = crate::stdout::write_pieces(&pieces);
    // lua.c's `lua_writeline` flushes after every `print` (io.write does not).
    let _ = crate::stdout::flush();
}

#[derive(Collect)]
#[collect(no_drop)]
struct PrintSeq<'gc> {
    args: Vec<Value<'gc>>,
    strs: Vec<Value<'gc>>,
    next: usize,
}

impl<'gc> PrintSeq<'gc> {
    fn call_next(&mut self, ctx: Ctx<'gc>, stack: &mut Stack<'gc, '_>) -> NResult<'gc> {
        while self.next < self.args.len() {
            let v = self.args[self.next];
            match tostring_basic(ctx, v) {
                Some(s) => self.strs.push(Value::String(s)),
                None => {
                    let tm = meta::metamethod(ctx, v, MetaEvent::ToString);
                    stack.clear();
                    stack.push(v);
                    let seq = PrintSeq {
                        args: std::mem::take(&mut self.args),
                        strs: std::mem::take(&mut self.strs),
                        next: self.next,
                    };
                    return Ok(Action::Call {
                        func: tm,
                        then: Some(Box::new(seq)),
                    });
                }
            }
            self.next += 1;
        }
        write_print(&self.strs);
        stack.clear();
        Ok(Action::Return)
    }
}

impl<'gc> Sequence<'gc> for PrintSeq<'gc> {
    fn poll(&mut self, ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
        match tostring_result(ctx, stack.get(0)) {
            Some(s) => self.strs.push(Value::String(s)),
            None => return Err(Error::runtime("'__tostring' must return a string")),
        }
        self.next += 1;
        self.call_next(ctx, &mut stack)
    }
}

fn type_<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let v = check_any(ctx, &stack, 0)?;
    stack.ret1(ctx.str_value(v.type_name()));
    Ok(Action::Return)
}

fn tostring<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let v = check_any(ctx, &stack, 0)?;
    match tostring_basic(ctx, v) {
        Some(s) => {
            stack.ret1(Value::String(s));
            Ok(Action::Return)
        }
        None => {
            let tm = meta::metamethod(ctx, v, MetaEvent::ToString);
            stack.replace(&[v]);
            Ok(Action::Call {
                func: tm,
                then: Some(Box::new(ToStringCheck)),
            })
        }
    }
}

#[derive(Collect)]
#[collect(require_static)]
struct ToStringCheck;

impl<'gc> Sequence<'gc> for ToStringCheck {
    fn poll(&mut self, ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
        match tostring_result(ctx, stack.get(0)) {
            Some(s) => {
                stack.ret1(Value::String(s));
                Ok(Action::Return)
            }
            None => Err(Error::runtime("'__tostring' must return a string")),
        }
    }
}

/// The string a `__tostring` result stands for: luaL_tolstring accepts a number too
/// (`lua_isstring`) and converts it.
fn tostring_result<'gc>(ctx: Ctx<'gc>, v: Value<'gc>) -> Option<LuaString<'gc>> {
    match v {
        Value::String(s) => Some(s),
        Value::Integer(_) | Value::Number(_) => interp::number_to_string(ctx, v),
        _ => None,
    }
}

fn tonumber<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    if stack.get(1).is_nil() {
        let v = check_any(ctx, &stack, 0)?;
        let r = match v {
            Value::Integer(_) | Value::Number(_) => v,
            Value::String(s) => match number::str_to_number(s.as_bytes()) {
                Some(Number::Int(i)) => Value::Integer(i),
                Some(Number::Float(f)) => Value::Number(f),
                None => Value::Nil,
            },
            _ => Value::Nil,
        };
        stack.ret1(r);
    } else {
        let base = check_integer(ctx, &stack, 1)?;
        let s = match stack.get(0) {
            Value::String(s) => s,
            _ => return Err(type_error(ctx, &stack, 0, "string")),
        };
        if !(2..=36).contains(&base) {
            return Err(Error::bad_arg(2, "base out of range"));
        }
        let r =
            number::str_to_int_base(s.as_bytes(), base as u32).map_or(Value::Nil, Value::Integer);
        stack.ret1(r);
    }
    Ok(Action::Return)
}

fn rawequal<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let a = check_any(ctx, &stack, 0)?;
    let b = check_any(ctx, &stack, 1)?;
    stack.ret1(Value::Boolean(a.raw_eq(b)));
    Ok(Action::Return)
}

fn rawlen<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let n = match stack.get(0) {
        Value::Table(t) => t.length(),
        Value::String(s) => s.len() as i64,
        _ => return Err(type_error(ctx, &stack, 0, "table or string")),
    };
    stack.ret1(Value::Integer(n));
    Ok(Action::Return)
}

fn rawget<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let t = check_table(ctx, &stack, 0)?;
    let k = check_any(ctx, &stack, 1)?;
    stack.ret1(t.get(k));
    Ok(Action::Return)
}

fn rawset<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let t = check_table(ctx, &stack, 0)?;
    let k = check_any(ctx, &stack, 1)?;
    let v = check_any(ctx, &stack, 2)?;
    // Raised by the table code itself in PUC-Rio: no position.
    t.set(ctx.mc, k, v)
        .map_err(|e| Error::Value(ctx.str_value(&format!("table {}", e.message()))))?;
    stack.ret1(Value::Table(t));
    Ok(Action::Return)
}

fn setmetatable<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let t = check_table(ctx, &stack, 0)?;
    let mt = match stack.get(1) {
        Value::Nil if stack.len() >= 2 => None,
        Value::Table(m) => Some(m),
        _ => return Err(type_error(ctx, &stack, 1, "nil or table")),
    };
    if let Some(old) = t.metatable()
        && !old
            .get_str(ctx.state.event_name(MetaEvent::Metatable))
            .is_nil()
    {
        return Err(Error::runtime("cannot change a protected metatable"));
    }
    crate::gc::set_metatable(ctx, t, mt);
    stack.ret1(Value::Table(t));
    Ok(Action::Return)
}

fn getmetatable<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let v = check_any(ctx, &stack, 0)?;
    let r = match meta::metatable(ctx, v) {
        None => Value::Nil,
        Some(mt) => {
            let protected = mt.get_str(ctx.state.event_name(MetaEvent::Metatable));
            if protected.is_nil() {
                Value::Table(mt)
            } else {
                protected
            }
        }
    };
    stack.ret1(r);
    Ok(Action::Return)
}

fn next<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let t = check_table(ctx, &stack, 0)?;
    match t.next(stack.get(1)) {
        Ok(Some((k, v))) => stack.replace(&[k, v]),
        Ok(None) => stack.ret1(Value::Nil),
        Err(crate::table::InvalidKey) => {
            return Err(Error::Value(ctx.str_value("invalid key to 'next'")));
        }
    }
    Ok(Action::Return)
}

fn pairs<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let v = check_any(ctx, &stack, 0)?;
    let tm = meta::metamethod(ctx, v, MetaEvent::Pairs);
    if !tm.is_nil() {
        stack.replace(&[v]);
        return Ok(Action::Call {
            func: tm,
            then: Some(Box::new(Truncate(3))),
        });
    }
    // Like PUC-Rio, any value is accepted here: `next` complains when the loop starts.
    let next = NativeFunction::new(ctx.mc, self::next).into();
    stack.replace(&[next, v, Value::Nil]);
    Ok(Action::Return)
}

/// Keeps the first `n` results (nil-padded).
#[derive(Collect)]
#[collect(require_static)]
struct Truncate(usize);

impl<'gc> Sequence<'gc> for Truncate {
    fn poll(&mut self, _ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
        stack.resize(self.0);
        Ok(Action::Return)
    }
}

fn ipairs<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let v = check_any(ctx, &stack, 0)?;
    stack.replace(&[
        NativeFunction::new(ctx.mc, ipairs_aux).into(),
        v,
        Value::Integer(0),
    ]);
    Ok(Action::Return)
}

fn ipairs_aux<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let t = stack.get(0);
    let i = check_integer(ctx, &stack, 1)?.wrapping_add(1);
    let v = match t {
        Value::Table(tab) if tab.metatable().is_none() => tab.get_int(i),
        _ => match interp::index(ctx, t, Value::Integer(i)) {
            Ok(interp::Slow::Value(v)) => v,
            Ok(interp::Slow::Call(f, args)) => {
                stack.replace(&args);
                return Ok(Action::Call {
                    func: f,
                    then: Some(Box::new(IpairsSeq(i))),
                });
            }
            Err(_) => {
                return Err(Error::runtime(format!(
                    "attempt to index a {} value",
                    meta::type_name_for_error(ctx, t)
                )));
            }
        },
    };
    if v.is_nil() {
        stack.ret1(Value::Nil);
    } else {
        stack.replace(&[Value::Integer(i), v]);
    }
    Ok(Action::Return)
}

#[derive(Collect)]
#[collect(require_static)]
struct IpairsSeq(i64);

impl<'gc> Sequence<'gc> for IpairsSeq {
    fn poll(&mut self, _ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
        let v = stack.get(0);
        if v.is_nil() {
            stack.ret1(Value::Nil);
        } else {
            stack.replace(&[Value::Integer(self.0), v]);
        }
        Ok(Action::Return)
    }
}

fn select<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let n = stack.len() as i64 - 1;
    if let Value::String(s) = stack.get(0)
        && s.as_bytes() == b"#"
    {
        stack.ret1(Value::Integer(n));
        return Ok(Action::Return);
    }
    let i = check_integer(ctx, &stack, 0)?;
    let start = if i < 0 {
        if -i > n {
            return Err(Error::bad_arg(1, "index out of range"));
        }
        n + i
    } else if i == 0 {
        return Err(Error::bad_arg(1, "index out of range"));
    } else {
        (i - 1).min(n)
    };
    let rest: Vec<Value<'gc>> = stack.as_slice()[1 + start as usize..].to_vec();
    stack.replace(&rest);
    Ok(Action::Return)
}

/// `pcall`'s continuation: prepends the status.
#[derive(Collect)]
#[collect(no_drop)]
struct PcallSeq<'gc> {
    /// xpcall's message handler: the executor calls it at the error point (`exec.rs`).
    handler: Option<Value<'gc>>,
}

impl<'gc> Sequence<'gc> for PcallSeq<'gc> {
    fn poll(&mut self, _ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
        stack.insert(0, Value::Boolean(true));
        Ok(Action::Return)
    }

    fn catches(&self) -> bool {
        true
    }

    fn handler(&self) -> Option<Value<'gc>> {
        self.handler
    }

    fn catch(
        &mut self,
        _ctx: Ctx<'gc>,
        err: Value<'gc>,
        mut stack: Stack<'gc, '_>,
    ) -> NResult<'gc> {
        // With a handler, `err` is already what the handler returned.
        stack.replace(&[Value::Boolean(false), err]);
        Ok(Action::Return)
    }
}

fn pcall<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let f = check_any(ctx, &stack, 0)?;
    stack.remove(0);
    Ok(Action::Call {
        func: f,
        then: Some(Box::new(PcallSeq { handler: None })),
    })
}

fn xpcall<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let h = check_function(ctx, &stack, 1)?;
    let f = stack.get(0);
    stack.remove(1);
    stack.remove(0);
    Ok(Action::Call {
        func: f,
        then: Some(Box::new(PcallSeq {
            handler: Some(Value::Function(h)),
        })),
    })
}

fn error<'gc>(_ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let v = stack.get(0);
    let level = match stack.get(1) {
        Value::Nil => 1,
        other => match interp::to_number(other) {
            Some(Number::Int(i)) => i,
            Some(Number::Float(f)) => f as i64,
            None => 1,
        },
    };
    if let Value::String(_) = v
        && level > 0
    {
        return Err(Error::AtLevel(v, level as usize));
    }
    Err(Error::Value(v))
}

fn assert<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let v = check_any(ctx, &stack, 0)?;
    if v.to_bool() {
        return Ok(Action::Return);
    }
    // lbaselib's assert ends in `error(message)`: a string gets the position of the caller.
    match stack.get(1) {
        msg @ Value::String(_) => Err(Error::AtLevel(msg, 1)),
        _ if stack.len() < 2 => Err(Error::runtime("assertion failed!")),
        other => Err(Error::Value(other)),
    }
}

fn collectgarbage<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let opt = match opt_string(ctx, &stack, 0)? {
        Some(s) => s.to_str_lossy().into_owned(),
        None => "collect".into(),
    };
    match opt.as_str() {
        "collect" => {
            stack.ret1(Value::Integer(0));
            Ok(Action::CollectGarbage)
        }
        "step" => {
            stack.ret1(Value::Boolean(true));
            Ok(Action::CollectGarbage)
        }
        "count" => {
            stack.ret1(Value::Number(crate::memory::current_used() as f64 / 1024.0));
            Ok(Action::Return)
        }
        "isrunning" => {
            stack.ret1(Value::Boolean(ctx.state.gc_control.get().running));
            Ok(Action::Return)
        }
        "incremental" | "generational" => {
            // One collector serves both modes; the mode is recorded and reported like PUC's
            // (the previous mode is returned).
            let mut c = ctx.state.gc_control.get();
            let previous = if c.generational {
                "generational"
            } else {
                "incremental"
            };
            c.generational = opt == "generational";
            ctx.state.gc_control.set(c);
            stack.ret1(ctx.str_value(previous));
            Ok(Action::Return)
        }
        "stop" | "restart" => {
            let mut c = ctx.state.gc_control.get();
            c.running = opt == "restart";
            ctx.state.gc_control.set(c);
            stack.ret1(Value::Integer(0));
            Ok(Action::Return)
        }
        "setpause" | "setstepmul" => {
            let v = crate::args::opt_integer(ctx, &stack, 1, 0)?;
            let mut c = ctx.state.gc_control.get();
            let previous = if opt == "setpause" {
                std::mem::replace(&mut c.pause, v)
            } else {
                std::mem::replace(&mut c.stepmul, v)
            };
            ctx.state.gc_control.set(c);
            apply_pacing(ctx, c);
            stack.ret1(Value::Integer(previous));
            Ok(Action::Return)
        }
        other => Err(Error::bad_arg(1, format!("invalid option '{other}'"))),
    }
}

/// Maps PUC's pause (percent of live memory to wait for before a cycle; 200 = double) and
/// step multiplier (percent of work per step; 100 = default) onto gc-arena's pacing.
fn apply_pacing(ctx: Ctx<'_>, c: crate::state::GcControl) {
    let base = gc_arena::metrics::Pacing::default();
    let work = (c.stepmul.max(1) as f64) / 100.0;
    ctx.mc.metrics().set_pacing(gc_arena::metrics::Pacing {
        sleep_factor: ((c.pause - 100).max(0) as f64) / 100.0,
        mark_factor: base.mark_factor * work,
        trace_factor: base.trace_factor * work,
        ..base
    });
}

/// `warn(msg1, ...)`: one warning made of the pieces (all strings, at least one).
fn warn<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let n = stack.len().max(1);
    let mut pieces = Vec::with_capacity(n);
    for i in 0..n {
        pieces.push(check_string(ctx, &stack, i)?);
    }
    for (i, p) in pieces.iter().enumerate() {
        ctx.warning(p.as_bytes(), i + 1 < n);
    }
    stack.clear();
    Ok(Action::Return)
}

/// Compiles `source` into a closure whose `_ENV` is `env` (the globals when nil).
pub fn load_chunk<'gc>(
    ctx: Ctx<'gc>,
    source: &[u8],
    chunkname: &[u8],
    env: Option<Value<'gc>>,
) -> Result<Closure<'gc>, String> {
    let name = crate::parser::chunk_id(chunkname);
    let chunk = crate::parser::parse_no_shebang(source, &name).map_err(|e| e.message)?;
    let proto = crate::compiler::compile(&chunk, chunkname.into(), &name).map_err(|e| e.message)?;
    let proto = Proto::load_in(ctx, std::rc::Rc::new(proto));
    let env = env.unwrap_or(Value::Table(ctx.globals()));
    Ok(Closure::main_chunk(ctx.mc, proto, env))
}

fn load<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let chunk = stack.get(0);
    let mode = match opt_string(ctx, &stack, 2)? {
        Some(m) => m.to_str_lossy().into_owned(),
        None => "bt".into(),
    };
    let env = if stack.len() >= 4 {
        Some(stack.get(3))
    } else {
        None
    };
    // Numbers are source text too (lua_tolstring), anything else must be a reader function.
    let chunk = match chunk {
        Value::Integer(_) | Value::Number(_) => Value::String(check_string(ctx, &stack, 0)?),
        other => other,
    };
    match chunk {
        Value::String(s) => {
            let name = match opt_string(ctx, &stack, 1)? {
                Some(n) => n.as_bytes().to_vec(),
                None => s.as_bytes().to_vec(),
            };
            finish_load(ctx, &mut stack, s.as_bytes(), &name, &mode, env)
        }
        Value::Function(_) => {
            let name = match opt_string(ctx, &stack, 1)? {
                Some(n) => n.as_bytes().to_vec(),
                None => b"=(load)".to_vec(),
            };
            let seq = LoadReader {
                reader: chunk,
                buf: Vec::new(),
                name,
                mode,
                env,
            };
            stack.clear();
            Ok(Action::Call {
                func: chunk,
                then: Some(Box::new(seq)),
            })
        }
        _ => Err(type_error(ctx, &stack, 0, "function")),
    }
}

fn finish_load<'gc>(
    ctx: Ctx<'gc>,
    stack: &mut Stack<'gc, '_>,
    src: &[u8],
    name: &[u8],
    mode: &str,
    env: Option<Value<'gc>>,
) -> NResult<'gc> {
    let is_binary = src.first() == Some(&0x1b);
    let r = if is_binary {
        Err(if mode.contains('b') {
            "binary chunks are not supported by Halo (string.dump is unavailable)".to_string()
        } else {
            format!("attempt to load a binary chunk (mode is '{mode}')")
        })
    } else if !mode.contains('t') {
        Err(format!("attempt to load a text chunk (mode is '{mode}')"))
    } else {
        load_chunk(ctx, src, name, env)
    };
    match r {
        Ok(c) => stack.ret1(c.into()),
        Err(m) => stack.replace(&[Value::Nil, ctx.str_value(&m)]),
    }
    Ok(Action::Return)
}

#[derive(Collect)]
#[collect(no_drop)]
struct LoadReader<'gc> {
    reader: Value<'gc>,
    #[collect(require_static)]
    buf: Vec<u8>,
    #[collect(require_static)]
    name: Vec<u8>,
    #[collect(require_static)]
    mode: String,
    env: Option<Value<'gc>>,
}

impl<'gc> Sequence<'gc> for LoadReader<'gc> {
    // An error in the reader makes `load` fail with it, like lua_load's protected parser.
    fn catches(&self) -> bool {
        true
    }

    fn catch(
        &mut self,
        _ctx: Ctx<'gc>,
        err: Value<'gc>,
        mut stack: Stack<'gc, '_>,
    ) -> NResult<'gc> {
        stack.replace(&[Value::Nil, err]);
        Ok(Action::Return)
    }

    fn poll(&mut self, ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
        match stack.get(0) {
            Value::Nil => {}
            Value::String(s) if s.is_empty() => {}
            Value::String(s) => {
                self.buf.extend_from_slice(s.as_bytes());
                stack.clear();
                return Ok(Action::Call {
                    func: self.reader,
                    then: None,
                });
            }
            _ => {
                // Raised with the caller's position, then caught by this same frame (`catch`),
                // so `load` returns it as nil plus message.
                return Err(Error::runtime("reader function must return a string"));
            }
        }
        let buf = std::mem::take(&mut self.buf);
        let name = self.name.clone();
        let mode = self.mode.clone();
        finish_load(ctx, &mut stack, &buf, &name, &mode, self.env)
    }
}

// ------------------------------------------------------------------ coroutine

fn co_create<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let f = check_function(ctx, &stack, 0)?;
    stack.ret1(Value::Thread(Thread::new(ctx.mc, Value::Function(f))));
    Ok(Action::Return)
}

fn check_thread<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
) -> Result<Thread<'gc>, Error<'gc>> {
    match stack.get(i) {
        Value::Thread(t) => Ok(t),
        _ => Err(type_error(ctx, stack, i, "thread")),
    }
}

fn co_resume<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let co = check_thread(ctx, &stack, 0)?;
    stack.remove(0);
    Ok(Action::Resume {
        thread: co,
        wrap: false,
    })
}

fn co_yield<'gc>(_ctx: Ctx<'gc>, _f: NativeFunction<'gc>, _stack: Stack<'gc, '_>) -> NResult<'gc> {
    Ok(Action::Yield { then: None })
}

fn status_name<'gc>(running: Thread<'gc>, co: Thread<'gc>) -> &'static str {
    if co == running {
        return "running";
    }
    match co.status() {
        ThreadStatus::Fresh | ThreadStatus::Suspended => "suspended",
        ThreadStatus::Running => "running",
        ThreadStatus::Normal => "normal",
        ThreadStatus::Dead => "dead",
    }
}

fn co_status<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let co = check_thread(ctx, &stack, 0)?;
    let s = status_name(stack.thread(), co);
    stack.ret1(ctx.str_value(s));
    Ok(Action::Return)
}

fn co_wrap<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let f = check_function(ctx, &stack, 0)?;
    let co = Thread::new(ctx.mc, Value::Function(f));
    let w = NativeFunction::with_upvalues(ctx.mc, wrap_aux, Box::new([Value::Thread(co)]));
    stack.ret1(w.into());
    Ok(Action::Return)
}

fn wrap_aux<'gc>(_ctx: Ctx<'gc>, f: NativeFunction<'gc>, _stack: Stack<'gc, '_>) -> NResult<'gc> {
    let Value::Thread(co) = f.upvalue(0) else {
        unreachable!()
    };
    Ok(Action::Resume {
        thread: co,
        wrap: true,
    })
}

fn co_isyieldable<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let co = match stack.get(0) {
        Value::Thread(t) => t,
        Value::Nil => stack.thread(),
        _ => return Err(type_error(ctx, &stack, 0, "thread")),
    };
    let main = co == stack.thread() && stack.is_main_thread();
    stack.ret1(Value::Boolean(!main));
    Ok(Action::Return)
}

fn co_running<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let t = stack.thread();
    let main = stack.is_main_thread();
    let _ = ctx;
    stack.replace(&[Value::Thread(t), Value::Boolean(main)]);
    Ok(Action::Return)
}

/// Calls the `__close` of a closed coroutine's pending variables (innermost first), each with
/// the current error; an error in one replaces it. Returns `true` or `false, err`.
#[derive(Collect)]
#[collect(no_drop)]
struct CloseSeq<'gc> {
    pending: Vec<Value<'gc>>,
    err: Option<Value<'gc>>,
}

impl<'gc> CloseSeq<'gc> {
    fn next(&mut self, ctx: Ctx<'gc>, stack: &mut Stack<'gc, '_>, first: bool) -> NResult<'gc> {
        stack.clear();
        match self.pending.pop() {
            Some(v) => {
                let tm = meta::metamethod(ctx, v, MetaEvent::Close);
                stack.push(v);
                stack.push(self.err.unwrap_or(Value::Nil));
                let then: Option<Box<dyn Sequence<'gc> + 'gc>> = if first {
                    Some(Box::new(CloseSeq {
                        pending: std::mem::take(&mut self.pending),
                        err: self.err,
                    }))
                } else {
                    None
                };
                Ok(Action::Call { func: tm, then })
            }
            None => {
                match self.err {
                    Some(e) => stack.replace(&[Value::Boolean(false), e]),
                    None => stack.ret1(Value::Boolean(true)),
                }
                Ok(Action::Return)
            }
        }
    }
}

impl<'gc> Sequence<'gc> for CloseSeq<'gc> {
    fn poll(&mut self, ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
        self.next(ctx, &mut stack, false)
    }

    fn catches(&self) -> bool {
        true
    }

    fn catch(&mut self, ctx: Ctx<'gc>, err: Value<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
        self.err = Some(err);
        self.next(ctx, &mut stack, false)
    }
}

fn co_close<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let co = check_thread(ctx, &stack, 0)?;
    match status_name(stack.thread(), co) {
        "suspended" | "dead" => {
            let (err, pending) = co.close(ctx.mc);
            let mut seq = CloseSeq { pending, err };
            stack.clear();
            seq.next(ctx, &mut stack, true)
        }
        s => Err(Error::runtime(format!("cannot close a {s} coroutine"))),
    }
}
