//! `warn` (§6.1) and the state's warning system (lauxlib's `warnfoff`/`warnfon`/`warnfcont`):
//! warnings start off, `@on`/`@off` control messages switch them, and a warning is written to
//! stderr as `Lua warning: ` + its pieces + newline.
//!
//! The on/off state lives in a userdata stored in the registry, so the host (`halo-lua -W`)
//! and later the VM (errors in finalizers) can emit warnings through `emit`.

use std::cell::Cell;
use std::io::Write;

use halo_vm::args::check_string;
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, UserData, Value};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

/// Registry key of the warning state.
const REGISTRY_KEY: &str = "halo.warn";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Off,
    On,
    /// On, in the middle of a multi-piece warning.
    Continued,
}

struct WarnState(Cell<Mode>);

pub fn open(ctx: Ctx<'_>) {
    let st = UserData::new(ctx.mc, WarnState(Cell::new(Mode::Off)), None);
    ctx.state
        .registry
        .set_str(ctx.mc, ctx.str(REGISTRY_KEY), Value::UserData(st));
    let f = NativeFunction::with_upvalues(ctx.mc, warn, Box::new([Value::UserData(st)]));
    ctx.set_global("warn", f.into());
}

/// `lua_warning`: emits one piece of a warning (`to_continue` when more pieces follow).
/// Does nothing if the warning library is not open.
pub fn emit(ctx: Ctx<'_>, msg: &[u8], to_continue: bool) {
    if let Value::UserData(u) = ctx.state.registry.get_str(ctx.str(REGISTRY_KEY))
        && let Some(st) = u.downcast::<WarnState>()
    {
        piece(st, msg, to_continue);
    }
}

/// Whether `msg` is a control message (`@on`, `@off`, other `@...` ignored); applies it.
fn control(st: &WarnState, msg: &[u8], to_continue: bool) -> bool {
    if to_continue {
        return false;
    }
    match msg.strip_prefix(b"@") {
        Some(b"on") => {
            st.0.set(Mode::On);
            true
        }
        Some(b"off") => {
            st.0.set(Mode::Off);
            true
        }
        Some(_) => true,
        None => false,
    }
}

fn piece(st: &WarnState, msg: &[u8], to_continue: bool) {
    let mut err = std::io::stderr().lock();
    match st.0.get() {
        Mode::Off => {
            control(st, msg, to_continue);
            return;
        }
        Mode::On => {
            if control(st, msg, to_continue) {
                return;
            }
            let _ = err.write_all(b"Lua warning: ");
        }
        Mode::Continued => {}
    }
    let _ = err.write_all(msg);
    if to_continue {
        st.0.set(Mode::Continued);
    } else {
        let _ = err.write_all(b"\n");
        st.0.set(Mode::On);
    }
    let _ = err.flush();
}

fn warn<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    check_string(ctx, &stack, 0)?;
    let n = stack.len();
    let mut pieces = Vec::with_capacity(n);
    for i in 0..n {
        pieces.push(check_string(ctx, &stack, i)?);
    }
    let Value::UserData(u) = f.upvalue(0) else {
        unreachable!("warn carries its state")
    };
    let st = u.downcast::<WarnState>().expect("warn state");
    for (i, p) in pieces.iter().enumerate() {
        piece(st, p.as_bytes(), i + 1 < n);
    }
    stack.clear();
    Ok(Action::Return)
}
