//! The `core` table (HAProxy's `core` class): log levels and logging, time and sleeping,
//! `core.done`, and the `register_*` functions through which `lua-load` files tell the proxy
//! what they provide.
//!
//! Registrations are kept in the state's registry (integer slots, see `registrations`) so the
//! functions stay ordinary GC-traced values; `runtime.rs` reads the names back after loading.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use halo_vm::args::{check_function, check_integer, check_string, check_table};
use halo_vm::callback::AsyncResolve;
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, StaticValue, Table, Value};

use super::invocation::{self, ExecContext};
use crate::log::Level;

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

/// Opens `core` into the globals. `thread` is `core.thread` (0 for the shared state).
pub fn open(ctx: Ctx<'_>, thread: i64) {
    let core = Table::new(ctx.mc);
    for level in Level::ALL {
        core.set_str(ctx.mc, ctx.str(level.name()), Value::Integer(level as i64));
    }
    ctx.set_functions(
        core,
        &[
            ("log", log),
            ("Debug", log_debug),
            ("Info", log_info),
            ("Warning", log_warning),
            ("Alert", log_alert),
            ("now", now),
            ("msleep", msleep),
            ("sleep", sleep),
            ("yield", yield_),
            ("done", done),
            ("set_nice", set_nice),
            ("get_info", get_info),
            ("register_action", register_action),
            ("register_fetches", register_fetches),
            ("register_converters", register_converters),
            ("register_service", register_service),
            ("register_init", register_init),
            ("register_task", register_task),
            ("concat", super::concat::new),
            ("http_date", super::core_date::http_date),
            ("imf_date", super::core_date::imf_date),
            ("rfc850_date", super::core_date::rfc850_date),
            ("asctime_date", super::core_date::asctime_date),
            ("parse_addr", super::core_addr::parse_addr),
            ("match_addr", super::core_addr::match_addr),
            ("tokenize", super::core_tokenize::core_tokenize),
            ("add_acl", super::core_maps::add_acl),
            ("del_acl", super::core_maps::del_acl),
            ("set_map", super::core_maps::set_map),
            ("del_map", super::core_maps::del_map),
        ],
    );
    core.set_str(ctx.mc, ctx.str("thread"), Value::Integer(thread));
    ctx.set_global("core", Value::Table(core));
    // Integer registry slots: the per-request lookups allocate no string.
    for i in 0..PARTS.len() {
        ctx.state.registry.set_int(
            ctx.mc,
            REGISTRY_SLOT + i as i64,
            Value::Table(Table::new(ctx.mc)),
        );
    }
}

/// The registration tables, in their registry slot order.
const PARTS: [&str; 6] = [
    "actions",
    "fetches",
    "converters",
    "services",
    "inits",
    "tasks",
];

/// First registry integer slot of the registration tables (class metatables use
/// `class::REGISTRY_SLOT`).
const REGISTRY_SLOT: i64 = 1_000_000;

/// A registration table by name (one of `PARTS`).
pub fn registrations<'gc>(ctx: Ctx<'gc>, part: &str) -> Table<'gc> {
    let i = PARTS
        .iter()
        .position(|p| *p == part)
        .expect("a registration table name");
    match ctx.state.registry.get_int(REGISTRY_SLOT + i as i64) {
        Value::Table(t) => t,
        _ => unreachable!("core::open creates every registration table"),
    }
}

/// Sends a Lua log line where HAProxy sends it: stderr (unless `-q`) and the loggers.
pub fn send_log(level: Level, msg: &[u8]) {
    crate::logging::lua::core_log(level, msg);
}

fn log<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let n = check_integer(ctx, &stack, 0)?;
    let msg = check_string(ctx, &stack, 1)?;
    let Some(level) = Level::from_number(n) else {
        return Err(Error::bad_arg(1, "Invalid loglevel."));
    };
    send_log(level, msg.as_bytes());
    stack.clear();
    Ok(Action::Return)
}

fn log_at<'gc>(ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>, level: Level) -> NResult<'gc> {
    let msg = check_string(ctx, &stack, 0)?;
    send_log(level, msg.as_bytes());
    stack.clear();
    Ok(Action::Return)
}

fn log_debug<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    log_at(ctx, stack, Level::Debug)
}
fn log_info<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    log_at(ctx, stack, Level::Info)
}
fn log_warning<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    log_at(ctx, stack, Level::Warning)
}
fn log_alert<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    log_at(ctx, stack, Level::Alert)
}

/// `core.now()`: `{sec = ..., usec = ...}`.
fn now<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let t = Table::with_capacity(ctx.mc, 0, 2);
    t.set_str(ctx.mc, ctx.str("sec"), Value::Integer(d.as_secs() as i64));
    t.set_str(
        ctx.mc,
        ctx.str("usec"),
        Value::Integer(i64::from(d.subsec_micros())),
    );
    stack.replace(&[Value::Table(t)]);
    Ok(Action::Return)
}

/// Suspends the calling Lua code for `d` (a real tokio timer: nothing else is held up).
fn sleep_for<'gc>(mut stack: Stack<'gc, '_>, d: Duration) -> NResult<'gc> {
    stack.clear();
    Ok(Action::Await(Box::pin(async move {
        tokio::time::sleep(d).await;
        let resolve: AsyncResolve = Box::new(|_ctx, _stack| Ok(()));
        resolve
    })))
}

fn msleep<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let ms = check_integer(ctx, &stack, 0)?.max(0) as u64;
    sleep_for(stack, Duration::from_millis(ms))
}

fn sleep<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let s = check_integer(ctx, &stack, 0)?.max(0) as u64;
    sleep_for(stack, Duration::from_secs(s))
}

/// `core.yield()`: back to the scheduler once, like a forced yield.
fn yield_<'gc>(_ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    stack.clear();
    Ok(Action::Await(Box::pin(async {
        tokio::task::yield_now().await;
        let resolve: AsyncResolve = Box::new(|_ctx, _stack| Ok(()));
        resolve
    })))
}

/// `core.done([data])`: ends the whole invocation at once (a multi-level return that `pcall`
/// cannot catch); `data` becomes its result (a fetch's or converter's value).
fn done<'gc>(_ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let Some(inv) = invocation::current() else {
        return Err(Error::runtime("core.done: no Lua execution to stop"));
    };
    inv.finish(
        stack
            .as_slice()
            .iter()
            .take(1)
            .map(|v| StaticValue::from_value(*v))
            .collect(),
    );
    // Never completes: `Run` sees the flag when this poll returns and drops the task.
    Ok(Action::Await(Box::pin(std::future::pending())))
}

/// `core.set_nice(n)`: checked like HAProxy (-1024..1024). Halo's scheduler has no priorities,
/// so the value has no effect (docs/COMPAT.md).
fn set_nice<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let n = check_integer(ctx, &stack, 0)?;
    if !(-1024..=1024).contains(&n) {
        return Err(Error::runtime(format!(
            "set_nice: nice value {n} out of range [-1024, 1024]"
        )));
    }
    stack.clear();
    Ok(Action::Return)
}

/// `core.get_info()`: the fields of HAProxy's `show info` that Halo knows.
fn get_info<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let t = Table::new(ctx.mc);
    let info = crate::process::info();
    for (k, v) in info {
        let v = match v {
            crate::process::InfoValue::Str(s) => ctx.str_value(&s),
            crate::process::InfoValue::Int(i) => Value::Integer(i),
        };
        t.set_str(ctx.mc, ctx.str(k), v);
    }
    stack.replace(&[Value::Table(t)]);
    Ok(Action::Return)
}

/// `core.register_*` may only run while a `lua-load` file's body runs.
fn body_only<'gc>(what: &str) -> Result<(), Error<'gc>> {
    if invocation::current_context() == ExecContext::Body {
        Ok(())
    } else {
        Err(Error::runtime(format!(
            "{what}: not available outside of body context"
        )))
    }
}

fn register_action<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    body_only("register_action")?;
    let name = check_string(ctx, &stack, 0)?;
    let kinds = check_table(ctx, &stack, 1)?;
    let func = check_function(ctx, &stack, 2)?;
    let nb_args = if stack.get(3).is_nil() {
        0
    } else {
        check_integer(ctx, &stack, 3)?
    };
    let list = Table::new(ctx.mc);
    let mut i = 1;
    loop {
        match kinds.get_int(i) {
            Value::Nil => break,
            Value::String(s)
                if crate::lua_names::ActionKind::from_name(&s.to_str_lossy()).is_some() =>
            {
                list.set_int(ctx.mc, i, Value::String(s));
            }
            Value::String(s) => {
                return Err(Error::runtime(format!(
                    "Lua action '{}': unknown action kind '{}' (expected 'tcp-req', 'tcp-res', 'http-req', 'http-res' or 'http-after-res')",
                    name.to_str_lossy(),
                    s.to_str_lossy()
                )));
            }
            _ => {
                return Err(Error::bad_arg(2, "table of strings expected"));
            }
        }
        i += 1;
    }
    let actions = registrations(ctx, "actions");
    // The registration rank (HAProxy lists actions in that order; registering a name again
    // keeps its place).
    let seq = match actions.get_str(name) {
        Value::Table(old) => old.get_str(ctx.str("seq")),
        _ => {
            let mut n = 0;
            let mut key = Value::Nil;
            while let Ok(Some((k, _))) = actions.next(key) {
                n += 1;
                key = k;
            }
            Value::Integer(n + 1)
        }
    };
    let entry = Table::new(ctx.mc);
    entry.set_str(ctx.mc, ctx.str("func"), Value::Function(func));
    entry.set_str(ctx.mc, ctx.str("kinds"), Value::Table(list));
    entry.set_str(ctx.mc, ctx.str("nb_args"), Value::Integer(nb_args.max(0)));
    entry.set_str(ctx.mc, ctx.str("seq"), seq);
    actions.set_str(ctx.mc, name, Value::Table(entry));
    stack.clear();
    Ok(Action::Return)
}

fn register_named<'gc>(
    ctx: Ctx<'gc>,
    mut stack: Stack<'gc, '_>,
    what: &str,
    part: &str,
) -> NResult<'gc> {
    body_only(what)?;
    let name = check_string(ctx, &stack, 0)?;
    let func = check_function(ctx, &stack, 1)?;
    registrations(ctx, part).set_str(ctx.mc, name, Value::Function(func));
    stack.clear();
    Ok(Action::Return)
}

fn register_fetches<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    register_named(ctx, stack, "register_fetches", "fetches")
}

fn register_converters<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    register_named(ctx, stack, "register_converters", "converters")
}

fn register_service<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    body_only("register_service")?;
    let name = check_string(ctx, &stack, 0)?;
    let mode = check_string(ctx, &stack, 1)?;
    let func = check_function(ctx, &stack, 2)?;
    if !matches!(mode.as_bytes(), b"tcp" | b"http") {
        return Err(Error::runtime(format!(
            "Lua service '{}': mode must be 'tcp' or 'http', not '{}'",
            name.to_str_lossy(),
            mode.to_str_lossy()
        )));
    }
    let entry = Table::new(ctx.mc);
    entry.set_str(ctx.mc, ctx.str("func"), Value::Function(func));
    entry.set_str(ctx.mc, ctx.str("mode"), Value::String(mode));
    registrations(ctx, "services").set_str(ctx.mc, name, Value::Table(entry));
    stack.clear();
    Ok(Action::Return)
}

fn register_init<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    body_only("register_init")?;
    let func = check_function(ctx, &stack, 0)?;
    let inits = registrations(ctx, "inits");
    inits.set_int(ctx.mc, inits.length() + 1, Value::Function(func));
    stack.clear();
    Ok(Action::Return)
}

/// `core.register_task(func[, arg1..arg4])`: from the body or init context the task starts with
/// the scheduler; from anywhere else at once. Either way the runtime's task pump starts it.
fn register_task<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let func = check_function(ctx, &stack, 0)?;
    if stack.len() > 5 {
        return Err(Error::runtime(
            "register_task: too many arguments (at most 4 for the task)",
        ));
    }
    let entry = Table::new(ctx.mc);
    entry.set_int(ctx.mc, 1, Value::Function(func));
    for i in 1..stack.len() {
        entry.set_int(ctx.mc, i as i64 + 1, stack.get(i));
    }
    entry.set_str(ctx.mc, ctx.str("n"), Value::Integer(stack.len() as i64));
    let tasks = registrations(ctx, "tasks");
    tasks.set_int(ctx.mc, tasks.length() + 1, Value::Table(entry));
    super::runtime::notify_task_pump();
    stack.clear();
    Ok(Action::Return)
}
