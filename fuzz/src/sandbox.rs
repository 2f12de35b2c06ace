//! A Lua state for untrusted code: the standard library without what reaches the file system,
//! the process or the terminal, and one invocation run under an instruction budget, a memory
//! limit and a wall-clock deadline (the VM's own stack and C-call limits bound the depth).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use halo_vm::callback::Error;
use halo_vm::{Action, Ctx, Lua, LuaTask, NativeFunction, RunError, Stack, StaticValue, Value};

/// The budgets one invocation gets.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub instructions: u64,
    pub memory: usize,
    pub wall: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            instructions: 200_000,
            memory: 32 << 20,
            wall: Duration::from_secs(2),
        }
    }
}

/// How an invocation ended. Every variant is an acceptable end for fuzzed input; what the
/// targets look for is a panic, an abort, a hang or unbounded memory instead.
#[derive(Debug)]
pub enum End {
    Returned(Vec<StaticValue>),
    Error(RunError),
    /// The wall-clock deadline passed between two fuel slices.
    Deadline,
}

/// Globals (and fields of library tables) removed from the sandbox: everything that reads or
/// writes files, runs or ends processes, reads the terminal, or changes process-wide state.
const REMOVED: &[(&str, &[&str])] = &[
    ("_G", &["dofile", "loadfile", "io"]),
    (
        "os",
        &[
            "execute",
            "exit",
            "remove",
            "rename",
            "tmpname",
            "setlocale",
            "getenv",
        ],
    ),
    ("package", &["loadlib", "searchpath"]),
    // debug.debug reads commands from standard input.
    ("debug", &["debug"]),
];

/// `print` replacement: accepts anything, writes nothing (fuzzed scripts print a lot, and the
/// output would only slow the fuzzer and flood its log).
fn discard<'gc>(
    _ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> Result<Action<'gc>, Error<'gc>> {
    stack.clear();
    Ok(Action::Return)
}

/// Branches one pattern matcher may take (`halo_stdlib::pattern::set_work_limit`): the
/// instruction budget does not reach inside a library call, and Lua patterns can backtrack
/// exponentially (lua5.4 hangs on them just the same).
pub const PATTERN_WORK: u64 = 200_000;

/// A fresh state with the sandboxed standard library and the given memory limit.
pub fn new_state(memory: usize) -> Lua {
    halo_stdlib::pattern::set_work_limit(Some(PATTERN_WORK));
    let lua = Lua::new();
    lua.enter(|ctx| {
        halo_stdlib::open_all(ctx);
        let g = ctx.globals();
        for (lib, names) in REMOVED {
            let table = if *lib == "_G" {
                Some(g)
            } else {
                match ctx.get_global(lib) {
                    Value::Table(t) => Some(t),
                    _ => None,
                }
            };
            if let Some(t) = table {
                for name in *names {
                    t.set_str(ctx.mc, ctx.str(name), Value::Nil);
                }
            }
        }
        ctx.set_functions(g, &[("print", discard)]);
        // `require` keeps its preload searcher only: empty paths make the file searchers look
        // nowhere.
        if let Value::Table(package) = ctx.get_global("package") {
            package.set_str(ctx.mc, ctx.str("path"), ctx.str_value(""));
            package.set_str(ctx.mc, ctx.str("cpath"), ctx.str_value(""));
        }
    });
    lua.set_memory_limit(Some(memory));
    lua
}

/// Runs the function `setup` returns under `limits`, polling the task on this thread.
pub fn run<F>(lua: &Rc<RefCell<Lua>>, limits: Limits, setup: F) -> End
where
    F: for<'gc> FnOnce(Ctx<'gc>) -> Result<(Value<'gc>, Vec<Value<'gc>>), String>,
{
    let task = match LuaTask::new(lua.clone(), setup) {
        Ok(t) => t,
        Err(e) => return End::Error(e),
    };
    let mut task = task
        .with_instruction_limit(limits.instructions)
        .with_slice(1_000);
    let deadline = Instant::now() + limits.wall;
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        match Pin::new(&mut task).poll(&mut cx) {
            Poll::Ready(Ok(v)) => return End::Returned(v),
            Poll::Ready(Err(e)) => return End::Error(e),
            // Pending after every fuel slice (the task wakes itself); nothing in the sandboxed
            // library awaits, so polling again is all there is to do.
            Poll::Pending if Instant::now() >= deadline => return End::Deadline,
            Poll::Pending => {}
        }
    }
}

/// Compiles `source` as a chunk named `=fuzz` in a fresh sandboxed state and runs it.
pub fn run_source(source: &[u8], limits: Limits) -> End {
    let lua = Rc::new(RefCell::new(new_state(limits.memory)));
    run(&lua, limits, |ctx| {
        let f = halo_vm::baselib::load_chunk(ctx, source, b"=fuzz", None)?;
        Ok((f.into(), Vec::new()))
    })
}

/// A fixed driver chunk in a state kept from one input to the next (creating a state costs
/// more than most runs): only the driver's arguments change, and a driver must leave the
/// globals alone so that an input gives the same run whatever ran before it.
pub struct Driver {
    lua: Rc<RefCell<Lua>>,
    limits: Limits,
}

/// Where the compiled driver waits between runs.
const DRIVER_GLOBAL: &str = "__fuzz_driver";

impl Driver {
    pub fn new(source: &str, limits: Limits) -> Driver {
        let lua = new_state(limits.memory);
        lua.enter(|ctx| {
            let f = halo_vm::baselib::load_chunk(ctx, source.as_bytes(), b"=driver", None)
                .expect("driver compiles");
            ctx.set_global(DRIVER_GLOBAL, f.into());
        });
        Driver {
            lua: Rc::new(RefCell::new(lua)),
            limits,
        }
    }

    /// Runs the driver with byte-string arguments (the fuzzed parts).
    pub fn run(&self, args: &[&[u8]]) -> End {
        let end = run(&self.lua, self.limits, |ctx| {
            let args = args.iter().map(|a| Value::String(ctx.bytes(a))).collect();
            Ok((ctx.get_global(DRIVER_GLOBAL), args))
        });
        // Each input starts from the same heap: nothing of the previous run survives.
        self.lua.borrow_mut().gc_full();
        end
    }
}
