//! Debug information derived from bytecode (PUC-Rio's ldebug.c): source positions, the names
//! used in error messages ("local 'x'", "global 'f'", "field 'n'", "method 'm'"), function names
//! for tracebacks, and the traceback itself.
//!
//! Names come from symbolic execution of the bytecode up to the failing instruction, exactly as
//! PUC-Rio does, so messages match `lua5.4`'s.

use crate::bytecode::{Constant, FunctionProto, Insn};
use crate::closure::UpValue;
use crate::parser::chunk_id;
use crate::state::Ctx;
use crate::thread::{Frame, LuaFrame, ThreadState};
use crate::value::{Function, Value};

pub fn short_src(p: &FunctionProto) -> String {
    chunk_id(&p.source)
}

/// The line of the instruction being executed by frame `f` (its `pc` points past it).
pub(crate) fn current_line(f: &LuaFrame<'_>) -> u32 {
    let info = &f.closure.proto().info;
    let pc = f.pc.saturating_sub(1);
    info.lines.get(pc).copied().unwrap_or(info.line_defined)
}

/// `"src:line: "` for the Lua frame at `idx`, or `""` for a native frame (luaL_where).
pub(crate) fn where_prefix(ts: &ThreadState<'_>, idx: usize) -> String {
    match ts.frames.get(idx) {
        Some(Frame::Lua(f)) => {
            format!(
                "{}:{}: ",
                short_src(&f.closure.proto().info),
                current_line(f)
            )
        }
        _ => String::new(),
    }
}

/// Name of the local variable in register `reg` active at `pc`.
pub(crate) fn local_name(p: &FunctionProto, pc: usize, reg: usize) -> Option<String> {
    let mut n = reg + 1;
    for v in &p.local_vars {
        if v.start_pc as usize > pc {
            break;
        }
        if pc < v.end_pc as usize {
            n -= 1;
            if n == 0 {
                return Some(v.name.clone());
            }
        }
    }
    None
}

fn sets_a(insn: &Insn, reg: usize) -> bool {
    match (*insn, insn.target()) {
        (Insn::SelfOp { a, .. }, _) => reg == a as usize || reg == a as usize + 1,
        (Insn::LoadNil { .. }, _) => false,
        (_, Some(a)) => a as usize == reg,
        (_, None) => false,
    }
}

/// The last instruction before `lastpc` that set `reg` unconditionally (findsetreg).
fn find_set_reg(p: &FunctionProto, lastpc: usize, reg: usize) -> Option<usize> {
    let mut setreg = None;
    let mut jmptarget = 0usize;
    for pc in 0..lastpc.min(p.code.len()) {
        let insn = &p.code[pc];
        let change = match *insn {
            Insn::LoadNil { a, n } => (a as usize) <= reg && reg <= a as usize + n as usize,
            Insn::TForCall { a, .. } => reg >= a as usize + 2,
            Insn::Call { a, .. } | Insn::TailCall { a, .. } => reg >= a as usize,
            Insn::Jmp { sj } => {
                let dest = (pc as i64 + 1 + sj as i64) as usize;
                if dest <= lastpc && dest > jmptarget {
                    jmptarget = dest;
                }
                false
            }
            _ => sets_a(insn, reg),
        };
        if change {
            setreg = if pc < jmptarget { None } else { Some(pc) };
        }
    }
    setreg
}

fn kname(p: &FunctionProto, k: usize) -> String {
    match p.constants.get(k) {
        Some(Constant::String(s)) => String::from_utf8_lossy(s).into_owned(),
        _ => "?".into(),
    }
}

fn upvalue_name(p: &FunctionProto, i: usize) -> String {
    p.upvalues.get(i).map_or("?".into(), |u| u.name.clone())
}

/// `("kind", "name")` for register `reg` at `lastpc` (getobjname).
pub(crate) fn obj_name(
    p: &FunctionProto,
    lastpc: usize,
    reg: usize,
) -> Option<(&'static str, String)> {
    if let Some(n) = local_name(p, lastpc, reg) {
        return Some(("local", n));
    }
    let pc = find_set_reg(p, lastpc, reg)?;
    match p.code[pc] {
        Insn::Move { a, b } => {
            if (b as usize) < (a as usize) {
                return obj_name(p, pc, b as usize);
            }
            None
        }
        Insn::GetTabUp { b, k, .. } => {
            let kind = if upvalue_name(p, b as usize) == "_ENV" {
                "global"
            } else {
                "field"
            };
            Some((kind, kname(p, k as usize)))
        }
        Insn::GetTable { b, c, .. } => {
            let name = match obj_name(p, pc, c as usize) {
                Some(("constant", n)) => n,
                _ => "?".into(),
            };
            Some((table_kind(p, pc, b as usize), name))
        }
        Insn::GetI { .. } => Some(("field", "integer index".into())),
        Insn::GetField { b, k, .. } => Some((table_kind(p, pc, b as usize), kname(p, k as usize))),
        Insn::GetUpval { b, .. } => Some(("upvalue", upvalue_name(p, b as usize))),
        Insn::LoadK { k, .. } => match p.constants.get(k as usize) {
            Some(Constant::String(s)) => {
                Some(("constant", String::from_utf8_lossy(s).into_owned()))
            }
            _ => None,
        },
        Insn::SelfOp { c, k, .. } => {
            let name = if k {
                kname(p, c as usize)
            } else {
                match obj_name(p, pc, c as usize) {
                    Some(("constant", n)) => n,
                    _ => "?".into(),
                }
            };
            Some(("method", name))
        }
        _ => None,
    }
}

/// "global" when the indexed table is a local named `_ENV`, else "field" (gxf).
fn table_kind(p: &FunctionProto, pc: usize, t: usize) -> &'static str {
    match local_name(p, pc, t) {
        Some(n) if n == "_ENV" => "global",
        _ => "field",
    }
}

/// `" (kind 'name')"` for register `reg` at instruction `pc`, or `""`.
pub(crate) fn varinfo(p: &FunctionProto, pc: usize, reg: usize, _upvals: &[UpValue<'_>]) -> String {
    match obj_name(p, pc, reg) {
        Some((kind, name)) => format!(" ({kind} '{name}')"),
        None => String::new(),
    }
}

pub(crate) fn upvalue_info(p: &FunctionProto, i: usize) -> String {
    format!(" (upvalue '{}')", upvalue_name(p, i))
}

/// How the function running in frame `idx` was called, from its caller's instruction
/// (funcnamefromcall): `("global", "f")`, `("method", "m")`, `("metamethod", "index")`...
pub(crate) fn call_name(frames: &[Frame<'_>], idx: usize) -> Option<(&'static str, String)> {
    if idx == 0 {
        return None;
    }
    let Frame::Lua(caller) = frames.get(idx - 1)? else {
        return None;
    };
    let p = &caller.closure.proto().info;
    let pc = caller.pc.checked_sub(1)?;
    match p.code.get(pc)? {
        Insn::Call { a, .. } | Insn::TailCall { a, .. } => obj_name(p, pc, *a as usize),
        Insn::TForCall { .. } => Some(("for iterator", "for iterator".into())),
        Insn::SelfOp { .. }
        | Insn::GetTabUp { .. }
        | Insn::GetTable { .. }
        | Insn::GetI { .. }
        | Insn::GetField { .. } => Some(("metamethod", "index".into())),
        Insn::SetTabUp { .. }
        | Insn::SetTable { .. }
        | Insn::SetI { .. }
        | Insn::SetField { .. } => Some(("metamethod", "newindex".into())),
        Insn::Eq { .. } => Some(("metamethod", "eq".into())),
        Insn::Lt { .. } | Insn::LtI { .. } | Insn::GtI { .. } => Some(("metamethod", "lt".into())),
        Insn::Le { .. } | Insn::LeI { .. } | Insn::GeI { .. } => Some(("metamethod", "le".into())),
        Insn::Concat { .. } => Some(("metamethod", "concat".into())),
        Insn::Len { .. } => Some(("metamethod", "len".into())),
        Insn::Unm { .. } => Some(("metamethod", "unm".into())),
        Insn::BNot { .. } => Some(("metamethod", "bnot".into())),
        Insn::Close { .. } | Insn::Return { .. } => Some(("metamethod", "close".into())),
        Insn::AddI { .. } | Insn::AddK { .. } | Insn::Add { .. } => {
            Some(("metamethod", "add".into()))
        }
        Insn::SubK { .. } | Insn::Sub { .. } => Some(("metamethod", "sub".into())),
        Insn::MulK { .. } | Insn::Mul { .. } => Some(("metamethod", "mul".into())),
        Insn::ModK { .. } | Insn::Mod { .. } => Some(("metamethod", "mod".into())),
        Insn::PowK { .. } | Insn::Pow { .. } => Some(("metamethod", "pow".into())),
        Insn::DivK { .. } | Insn::Div { .. } => Some(("metamethod", "div".into())),
        Insn::IDivK { .. } | Insn::IDiv { .. } => Some(("metamethod", "idiv".into())),
        Insn::BAndK { .. } | Insn::BAnd { .. } => Some(("metamethod", "band".into())),
        Insn::BOrK { .. } | Insn::BOr { .. } => Some(("metamethod", "bor".into())),
        Insn::BXorK { .. } | Insn::BXor { .. } => Some(("metamethod", "bxor".into())),
        Insn::ShlI { .. } | Insn::Shl { .. } => Some(("metamethod", "shl".into())),
        Insn::ShrI { .. } | Insn::Shr { .. } => Some(("metamethod", "shr".into())),
        _ => None,
    }
}

/// PUC-Rio's traceback of a thread's frames, innermost first (`luaL_traceback`), after `msg`,
/// leaving out the `skip_top` innermost levels.
pub(crate) fn traceback<'gc>(
    ctx: Ctx<'gc>,
    ts: &ThreadState<'gc>,
    msg: Option<&str>,
    skip_top: usize,
) -> String {
    traceback_levels(ctx, &ts.frames, &ts.stack, None, ts.main, msg, skip_top)
}

/// One level of a thread's stack as `debug` and tracebacks count them.
#[derive(Copy, Clone)]
pub(crate) enum Level<'gc> {
    /// A frame of the thread, by index.
    Frame(usize),
    /// The native function running right now (called inline: it has no frame), with its value.
    Running(Value<'gc>),
    /// The host's entry point below an invocation's own thread (`lua.c`'s `[C]: in ?`).
    Entry,
}

/// The levels of a thread, innermost first: the running native (if any), the frames that are
/// not executor bookkeeping, and the host entry for an invocation's own thread.
pub(crate) fn levels<'gc>(
    frames: &[Frame<'gc>],
    running: Option<Value<'gc>>,
    main: bool,
) -> Vec<Level<'gc>> {
    let mut out: Vec<Level<'gc>> = running.map(Level::Running).into_iter().collect();
    out.extend(
        (0..frames.len())
            .rev()
            .filter(|&i| !is_internal(&frames[i]))
            .map(Level::Frame),
    );
    if main {
        out.push(Level::Entry);
    }
    out
}

/// The function a level runs.
pub(crate) fn level_function<'gc>(
    frames: &[Frame<'gc>],
    stack: &[Value<'gc>],
    level: Level<'gc>,
) -> Option<Value<'gc>> {
    match level {
        Level::Frame(i) => match &frames[i] {
            Frame::Lua(f) => Some(Value::Function(Function::Lua(f.closure))),
            Frame::Native(nf) => stack.get(nf.func).copied(),
        },
        Level::Running(f) => Some(f),
        Level::Entry => None,
    }
}

/// How a level's function was called (`namewhat`, `name`), from its caller's code.
pub(crate) fn level_call_name(
    frames: &[Frame<'_>],
    level: Level<'_>,
) -> Option<(&'static str, String)> {
    match level {
        Level::Frame(i) => call_name(frames, i),
        // Called inline by the frame on top.
        Level::Running(_) => call_name(frames, frames.len()),
        Level::Entry => None,
    }
}

/// `luaL_traceback` over `levels(...)`, skipping the `skip` innermost.
pub(crate) fn traceback_levels<'gc>(
    ctx: Ctx<'gc>,
    frames: &[Frame<'gc>],
    stack: &[Value<'gc>],
    running: Option<Value<'gc>>,
    main: bool,
    msg: Option<&str>,
    skip: usize,
) -> String {
    let mut out = String::new();
    if let Some(m) = msg {
        out.push_str(m);
        out.push('\n');
    }
    out.push_str("stack traceback:");
    let levels: Vec<Level<'gc>> = levels(frames, running, main)
        .into_iter()
        .skip(skip)
        .collect();
    let total = levels.len();
    for (shown, &level) in levels.iter().enumerate() {
        // Like PUC-Rio, keep the first 10 and the last 11 levels of a deep stack.
        if total > 22 && shown == 10 {
            out.push_str(&format!("\n\t...\t(skipping {} levels)", total - 21));
        }
        if total > 22 && shown >= 10 && shown < total - 11 {
            continue;
        }
        out.push_str("\n\t");
        let lua = match level {
            Level::Frame(i) => match &frames[i] {
                Frame::Lua(f) => Some(f),
                _ => None,
            },
            _ => None,
        };
        match lua {
            Some(f) => {
                let info = &f.closure.proto().info;
                out.push_str(&format!("{}:{}: in ", short_src(info), current_line(f)));
            }
            None => out.push_str("[C]: in "),
        }
        let func = level_function(frames, stack, level);
        if let Some(name) = func.and_then(|f| crate::exec::global_func_name(ctx, f)) {
            out.push_str(&format!("function '{name}'"));
        } else if let Some((kind, name)) = level_call_name(frames, level) {
            out.push_str(&format!("{kind} '{name}'"));
        } else if let Some(f) = lua {
            let info = &f.closure.proto().info;
            if info.line_defined == 0 {
                out.push_str("main chunk");
            } else {
                out.push_str(&format!(
                    "function <{}:{}>",
                    short_src(info),
                    info.line_defined
                ));
            }
        } else {
            out.push('?');
        }
    }
    out
}

/// Frames the executor adds for its own bookkeeping (re-raising after `__close`, message
/// handler results): not levels of the Lua program.
pub(crate) fn is_internal(f: &Frame<'_>) -> bool {
    matches!(f, Frame::Native(nf) if nf.seq.as_ref().is_some_and(|s| s.is_internal()))
}
