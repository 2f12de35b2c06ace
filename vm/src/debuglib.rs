//! The `debug` library (§6.10): what the VM can honestly offer. Levels are counted like
//! PUC-Rio's: level 0 is the running function (`getinfo` itself), 1 its caller, and so on,
//! executor bookkeeping frames excluded (see `debug::levels`).
//!
//! Not offered (they raise an error naming themselves, listed in docs/COMPAT.md): hooks
//! (`sethook` with a function; clearing hooks is accepted), `debug.debug` (the VM does no I/O),
//! `upvaluejoin`, and `setupvalue` on builtin functions (their captured values are immutable).

use crate::args::*;
use crate::callback::{Action, Error, Stack};
use crate::closure::NativeFunction;
use crate::debug::{self, Level};
use crate::state::Ctx;
use crate::table::Table;
use crate::thread::{Frame, Thread, ThreadState};
use crate::userdata::UserData;
use crate::value::{Function, Value};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub fn open(ctx: Ctx<'_>) {
    let t = Table::new(ctx.mc);
    ctx.set_functions(
        t,
        &[
            ("traceback", traceback),
            ("getinfo", getinfo),
            ("getlocal", getlocal),
            ("setlocal", setlocal),
            ("getupvalue", getupvalue),
            ("setupvalue", setupvalue),
            ("upvalueid", upvalueid),
            ("upvaluejoin", upvaluejoin),
            ("getmetatable", getmetatable),
            ("setmetatable", setmetatable),
            ("getregistry", getregistry),
            ("getuservalue", getuservalue),
            ("setuservalue", setuservalue),
            ("sethook", sethook),
            ("gethook", gethook),
            ("debug", debug_debug),
            ("setcstacklimit", setcstacklimit),
        ],
    );
    ctx.set_global("debug", Value::Table(t));
}

/// The optional leading thread argument: the thread and the index of the next argument.
fn thread_arg<'gc>(stack: &Stack<'gc, '_>) -> (Option<Thread<'gc>>, usize) {
    match stack.get(0) {
        Value::Thread(t) if t != stack.thread() => (Some(t), 1),
        Value::Thread(_) => (None, 1),
        _ => (None, 0),
    }
}

/// Another thread's state, for reading. The running thread is never borrowed (its frames are
/// in the `Stack`), and no other thread is borrowed while a native function runs.
fn borrow_other<'gc>(t: Thread<'gc>) -> Result<std::cell::Ref<'gc, ThreadState<'gc>>, Error<'gc>> {
    t.0.try_borrow()
        .map_err(|_| Error::runtime("cannot inspect a running coroutine"))
}

fn traceback<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let (other, arg) = thread_arg(&stack);
    let msg_v = stack.get(arg);
    let msg = match msg_v {
        Value::String(s) => Some(s.to_str_lossy().into_owned()),
        Value::Integer(_) | Value::Number(_) => Some(
            crate::interp::number_to_string(ctx, msg_v)
                .unwrap()
                .to_str_lossy()
                .into_owned(),
        ),
        Value::Nil => None,
        // A message that is not a string is returned untouched.
        other_v => {
            stack.ret1(other_v);
            return Ok(Action::Return);
        }
    };
    let default_level = if other.is_some() { 0 } else { 1 };
    let level = opt_integer(ctx, &stack, arg + 1, default_level)?;
    let level = level.max(0) as usize;
    let text = match other {
        None => debug::traceback_levels(
            ctx,
            stack.frames,
            stack.values,
            Some(Value::Function(Function::Native(f))),
            stack.is_main_thread(),
            msg.as_deref(),
            level,
        ),
        Some(t) => {
            let ts = borrow_other(t)?;
            debug::traceback_levels(
                ctx,
                &ts.frames,
                &ts.stack,
                None,
                ts.main,
                msg.as_deref(),
                level,
            )
        }
    };
    stack.ret1(ctx.str_value(&text));
    Ok(Action::Return)
}

/// What `getinfo` describes: a level of a thread, or a function value.
struct Subject<'gc> {
    func: Value<'gc>,
    /// The frame's current line, when it is a running Lua level.
    current_line: Option<u32>,
    call_name: Option<(&'static str, String)>,
}

/// The subject at `level` among `frames` (of the running thread when `running` is given).
fn level_subject<'gc>(
    frames: &[Frame<'gc>],
    stack: &[Value<'gc>],
    running: Option<Value<'gc>>,
    main: bool,
    level: usize,
) -> Option<Subject<'gc>> {
    let lv = *debug::levels(frames, running, main).get(level)?;
    let current_line = match lv {
        Level::Frame(i) => match &frames[i] {
            Frame::Lua(f) => Some(debug::current_line(f)),
            _ => None,
        },
        _ => None,
    };
    Some(Subject {
        // The host entry has no function value: describe it as a C function (PUC-Rio's
        // `lua.c` calls through one).
        func: debug::level_function(frames, stack, lv).unwrap_or(Value::Nil),
        current_line,
        call_name: debug::level_call_name(frames, lv),
    })
}

fn getinfo<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let (other, arg) = thread_arg(&stack);
    let what = match opt_string(ctx, &stack, arg + 1)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"flnSrtu".to_vec(),
    };
    if what.first() == Some(&b'>') {
        return Err(Error::bad_arg(arg + 2, "invalid option '>'"));
    }
    if what.iter().any(|c| !b"SlnrutLf".contains(c)) {
        return Err(Error::bad_arg(arg + 2, "invalid option"));
    }
    let subject = match stack.get(arg) {
        Value::Function(func) => Subject {
            func: Value::Function(func),
            current_line: None,
            call_name: None,
        },
        _ => {
            let level = check_integer(ctx, &stack, arg)?;
            let found = if level < 0 {
                None
            } else {
                match other {
                    None => level_subject(
                        stack.frames,
                        stack.values,
                        Some(Value::Function(Function::Native(f))),
                        stack.is_main_thread(),
                        level as usize,
                    ),
                    Some(t) => {
                        let ts = borrow_other(t)?;
                        level_subject(&ts.frames, &ts.stack, None, ts.main, level as usize)
                    }
                }
            };
            match found {
                Some(s) => s,
                None => {
                    // Out of range: fail.
                    stack.ret1(Value::Nil);
                    return Ok(Action::Return);
                }
            }
        }
    };
    let t = info_table(ctx, &subject, &what);
    stack.ret1(Value::Table(t));
    Ok(Action::Return)
}

fn info_table<'gc>(ctx: Ctx<'gc>, s: &Subject<'gc>, what: &[u8]) -> Table<'gc> {
    let t = Table::new(ctx.mc);
    let set = |k: &str, v: Value<'gc>| t.set_str(ctx.mc, ctx.str(k), v);
    let proto = match s.func {
        Value::Function(Function::Lua(c)) => Some(c.proto()),
        _ => None,
    };
    for &c in what {
        match c {
            b'S' => match &proto {
                Some(p) => {
                    let info = &p.info;
                    set("source", Value::String(ctx.bytes(&info.source)));
                    set("short_src", ctx.str_value(&debug::short_src(info)));
                    set("linedefined", Value::Integer(info.line_defined as i64));
                    set(
                        "lastlinedefined",
                        Value::Integer(info.last_line_defined as i64),
                    );
                    let w = if info.line_defined == 0 {
                        "main"
                    } else {
                        "Lua"
                    };
                    set("what", ctx.str_value(w));
                }
                None => {
                    set("source", ctx.str_value("=[C]"));
                    set("short_src", ctx.str_value("[C]"));
                    set("linedefined", Value::Integer(-1));
                    set("lastlinedefined", Value::Integer(-1));
                    set("what", ctx.str_value("C"));
                }
            },
            b'l' => set(
                "currentline",
                Value::Integer(s.current_line.map_or(-1, |l| l as i64)),
            ),
            b'u' => match &proto {
                Some(p) => {
                    set("nups", Value::Integer(p.info.upvalues.len() as i64));
                    set("nparams", Value::Integer(p.info.num_params as i64));
                    set("isvararg", Value::Boolean(p.info.is_vararg));
                }
                None => {
                    let nups = match s.func {
                        Value::Function(Function::Native(n)) => n.0.upvalues.len(),
                        _ => 0,
                    };
                    set("nups", Value::Integer(nups as i64));
                    set("nparams", Value::Integer(0));
                    set("isvararg", Value::Boolean(true));
                }
            },
            b'n' => match &s.call_name {
                Some((kind, name)) => {
                    set("name", ctx.str_value(name));
                    set("namewhat", ctx.str_value(kind));
                }
                None => set("namewhat", ctx.str_value("")),
            },
            // Halo does not mark tail calls (their frames are reused like PUC-Rio's, but
            // without the flag).
            b't' => set("istailcall", Value::Boolean(false)),
            b'r' => {
                set("ftransfer", Value::Integer(0));
                set("ntransfer", Value::Integer(0));
            }
            b'L' => {
                if let Some(p) = &proto {
                    let lines = Table::new(ctx.mc);
                    for &l in &p.info.lines {
                        lines.set_int(ctx.mc, l as i64, Value::Boolean(true));
                    }
                    set("activelines", Value::Table(lines));
                }
            }
            b'f' => set("func", s.func),
            _ => {}
        }
    }
    t
}

/// A local of a level: its name and the stack slot holding it.
fn find_local(
    frames: &[Frame<'_>],
    levels: &[Level<'_>],
    level: usize,
    n: i64,
    stack_len: usize,
) -> Option<(String, usize)> {
    let Level::Frame(i) = *levels.get(level)? else {
        return None;
    };
    let Frame::Lua(f) = &frames[i] else {
        return None;
    };
    if n < 0 {
        // Extra arguments of a vararg function.
        let k = (-n) as usize;
        return (k <= f.nvarargs).then(|| ("(vararg)".to_string(), f.varargs_at + k - 1));
    }
    if n == 0 {
        return None;
    }
    let info = &f.closure.proto().info;
    let pc = f.pc.saturating_sub(1);
    let slot = f.base + n as usize - 1;
    if let Some(name) = debug::local_name(info, pc, n as usize - 1) {
        return Some((name, slot));
    }
    // A live register without a name: PUC-Rio reports it as a temporary.
    let limit = frames
        .get(i + 1)
        .map(|next| match next {
            Frame::Lua(nf) => nf.func,
            Frame::Native(nf) => nf.func,
        })
        .unwrap_or(stack_len);
    (slot < limit && slot < f.base + info.max_stack as usize)
        .then(|| ("(temporary)".to_string(), slot))
}

fn getlocal<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let (other, arg) = thread_arg(&stack);
    let n = check_integer(ctx, &stack, arg + 1)?;
    if let Value::Function(func) = stack.get(arg) {
        // A function (not a level): only its parameters' names.
        let name = match func {
            Function::Lua(c) if n > 0 => debug::local_name(&c.proto().info, 0, n as usize - 1)
                .filter(|_| n as usize <= c.proto().info.num_params as usize),
            _ => None,
        };
        stack.ret1(name.map_or(Value::Nil, |s| ctx.str_value(&s)));
        return Ok(Action::Return);
    }
    let level = check_integer(ctx, &stack, arg)?;
    let found = match other {
        None => {
            let levels = debug::levels(
                stack.frames,
                Some(Value::Function(Function::Native(f))),
                false,
            );
            if level < 0 || level as usize >= levels.len() {
                return Err(Error::bad_arg(arg + 1, "level out of range"));
            }
            find_local(stack.frames, &levels, level as usize, n, stack.values.len())
                .map(|(name, slot)| (name, stack.values[slot]))
        }
        Some(t) => {
            let ts = borrow_other(t)?;
            let levels = debug::levels(&ts.frames, None, false);
            if level < 0 || level as usize >= levels.len() {
                return Err(Error::bad_arg(arg + 1, "level out of range"));
            }
            find_local(&ts.frames, &levels, level as usize, n, ts.stack.len())
                .map(|(name, slot)| (name, ts.stack[slot]))
        }
    };
    match found {
        Some((name, v)) => stack.replace(&[ctx.str_value(&name), v]),
        None => stack.ret1(Value::Nil),
    }
    Ok(Action::Return)
}

fn setlocal<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let (other, arg) = thread_arg(&stack);
    let level = check_integer(ctx, &stack, arg)?;
    let n = check_integer(ctx, &stack, arg + 1)?;
    let v = check_any(ctx, &stack, arg + 2)?;
    let name = match other {
        None => {
            let levels = debug::levels(
                stack.frames,
                Some(Value::Function(Function::Native(f))),
                false,
            );
            if level < 0 || level as usize >= levels.len() {
                return Err(Error::bad_arg(arg + 1, "level out of range"));
            }
            let found = find_local(stack.frames, &levels, level as usize, n, stack.values.len());
            if let Some((_, slot)) = &found {
                stack.values[*slot] = v;
            }
            found.map(|(name, _)| name)
        }
        Some(t) => {
            let found = {
                let ts = borrow_other(t)?;
                let levels = debug::levels(&ts.frames, None, false);
                if level < 0 || level as usize >= levels.len() {
                    return Err(Error::bad_arg(arg + 1, "level out of range"));
                }
                find_local(&ts.frames, &levels, level as usize, n, ts.stack.len())
            };
            if let Some((_, slot)) = &found {
                t.0.borrow_mut(ctx.mc).stack[*slot] = v;
            }
            found.map(|(name, _)| name)
        }
    };
    stack.ret1(name.map_or(Value::Nil, |s| ctx.str_value(&s)));
    Ok(Action::Return)
}

fn getupvalue<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let func = check_function(ctx, &stack, 0)?;
    let n = check_integer(ctx, &stack, 1)?;
    let r = match func {
        Function::Lua(c) => {
            let info = &c.proto().info;
            match (n >= 1).then(|| c.upvalues().get(n as usize - 1)).flatten() {
                Some(uv) => {
                    let name = &info.upvalues[n as usize - 1].name;
                    // Stripped names read "(no name)" in PUC-Rio; ours always have names.
                    let name = if name.is_empty() { "(no name)" } else { name };
                    Some((ctx.str_value(name), uv.read(stack.thread(), stack.values)))
                }
                None => None,
            }
        }
        Function::Native(nf) => (n >= 1 && (n as usize) <= nf.0.upvalues.len())
            .then(|| (ctx.str_value(""), nf.upvalue(n as usize - 1))),
    };
    match r {
        Some((name, v)) => stack.replace(&[name, v]),
        None => stack.clear(),
    }
    Ok(Action::Return)
}

fn setupvalue<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    check_any(ctx, &stack, 2)?;
    let func = check_function(ctx, &stack, 0)?;
    let n = check_integer(ctx, &stack, 1)?;
    let v = stack.get(2);
    match func {
        Function::Lua(c) => {
            let Some(uv) = (n >= 1).then(|| c.upvalues().get(n as usize - 1)).flatten() else {
                stack.clear();
                return Ok(Action::Return);
            };
            uv.write(ctx.mc, stack.thread(), stack.values, v);
            let name = c.proto().info.upvalues[n as usize - 1].name.clone();
            stack.ret1(ctx.str_value(&name));
            Ok(Action::Return)
        }
        Function::Native(nf) => {
            if n >= 1 && (n as usize) <= nf.0.upvalues.len() {
                Err(Error::runtime(
                    "debug.setupvalue cannot change a builtin function's upvalues in Halo",
                ))
            } else {
                stack.clear();
                Ok(Action::Return)
            }
        }
    }
}

/// Upvalue identities are userdata (PUC-Rio: light userdata), interned per upvalue cell in a
/// weak registry table so that shared upvalues compare equal.
fn upvalueid<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let func = check_function(ctx, &stack, 0)?;
    let n = check_integer(ctx, &stack, 1)?;
    let key = match func {
        Function::Lua(c) => (n >= 1)
            .then(|| c.upvalues().get(n as usize - 1))
            .flatten()
            .map(|uv| uv.as_ptr() as usize),
        Function::Native(nf) => (n >= 1 && (n as usize) <= nf.0.upvalues.len())
            .then(|| nf.as_ptr() as usize + n as usize),
    };
    let Some(key) = key else {
        stack.ret1(Value::Nil);
        return Ok(Action::Return);
    };
    let reg = ctx.state.registry;
    let name = ctx.str("halo.upvalueids");
    let ids = match reg.get_str(name) {
        Value::Table(t) => t,
        _ => {
            let t = Table::new(ctx.mc);
            let mt = Table::new(ctx.mc);
            mt.set_str(ctx.mc, ctx.str("__mode"), ctx.str_value("v"));
            crate::gc::set_metatable(ctx, t, Some(mt));
            reg.set_str(ctx.mc, name, Value::Table(t));
            t
        }
    };
    let id = match ids.get_int(key as i64) {
        v @ Value::UserData(_) => v,
        _ => {
            let u = Value::UserData(UserData::new(ctx.mc, key, None));
            ids.set_int(ctx.mc, key as i64, u);
            u
        }
    };
    stack.ret1(id);
    Ok(Action::Return)
}

fn upvaluejoin<'gc>(
    _ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    _stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    Err(Error::runtime("debug.upvaluejoin is not supported by Halo"))
}

fn getmetatable<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let v = check_any(ctx, &stack, 0)?;
    let mt = crate::meta::metatable(ctx, v);
    stack.ret1(mt.map_or(Value::Nil, Value::Table));
    Ok(Action::Return)
}

fn setmetatable<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let v = stack.get(0);
    let mt = match stack.get(1) {
        Value::Nil => None,
        Value::Table(t) => Some(t),
        _ => return Err(type_error(ctx, &stack, 1, "nil or table")),
    };
    match v {
        Value::Table(t) => crate::gc::set_metatable(ctx, t, mt),
        Value::UserData(u) => crate::gc::set_userdata_metatable(ctx, u, mt),
        other => ctx.state.set_type_metatable(ctx.mc, other.type_of(), mt),
    }
    stack.ret1(v);
    Ok(Action::Return)
}

fn getregistry<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    stack.ret1(Value::Table(ctx.state.registry));
    Ok(Action::Return)
}

fn getuservalue<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let n = opt_integer(ctx, &stack, 1, 1)?;
    match stack.get(0) {
        Value::UserData(u) => {
            // Halo's userdata carry one user value.
            if n == 1 {
                stack.replace(&[u.user_value(), Value::Boolean(true)]);
            } else {
                stack.replace(&[Value::Nil, Value::Boolean(false)]);
            }
        }
        _ => stack.ret1(Value::Nil),
    }
    Ok(Action::Return)
}

fn setuservalue<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let Value::UserData(u) = stack.get(0) else {
        return Err(type_error(ctx, &stack, 0, "userdata"));
    };
    let v = check_any(ctx, &stack, 1)?;
    let n = opt_integer(ctx, &stack, 2, 1)?;
    if n == 1 {
        u.set_user_value(ctx.mc, v);
        stack.ret1(Value::UserData(u));
    } else {
        stack.ret1(Value::Nil);
    }
    Ok(Action::Return)
}

fn sethook<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let (_, arg) = thread_arg(&stack);
    match stack.get(arg) {
        // Turning hooks off: there are none.
        Value::Nil => {
            let _ = ctx;
            stack.clear();
            Ok(Action::Return)
        }
        _ => Err(Error::runtime("debug.sethook is not supported by Halo")),
    }
}

fn gethook<'gc>(
    _ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    // No hook can be set.
    stack.ret1(Value::Nil);
    Ok(Action::Return)
}

fn debug_debug<'gc>(
    _ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    _stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    Err(Error::runtime("debug.debug is not supported by Halo"))
}

/// Deprecated in 5.4 (always returns 0 there too).
fn setcstacklimit<'gc>(
    _ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    stack.ret1(Value::Integer(0));
    Ok(Action::Return)
}
