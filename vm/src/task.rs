//! Running Lua from a Rust host: `Lua::execute` (blocking, for `halo-lua`) and `LuaTask`, the
//! future a tokio task awaits to run one Lua invocation (DESIGN.md §3).
//!
//! Invariants:
//! - A `LuaTask` poll runs at most one fuel slice, then yields to tokio (waking itself), so a busy
//!   script never stalls the other tasks of its thread.
//! - While an async native function's future is pending, the task is `Pending` with that
//!   future's own waker registered; nothing spins.
//! - Garbage collection runs between slices, never inside one.
//! - Dropping a `LuaTask` drops its executor root and its pending future: the invocation is
//!   cancelled and its objects become garbage.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Instant;

use gc_arena::{DynamicRoot, Rootable};

use crate::callback::AsyncOp;
use crate::exec::{Executor, StepResult};
use crate::state::{Ctx, Lua};
use crate::value::Value;

pub(crate) type ExecRoot = Rootable![Executor<'_>];

/// Default fuel slice: `tune.lua.forced-yield`'s default.
pub const DEFAULT_SLICE: i64 = 10_000;

/// An error that ended an invocation, in host terms.
#[derive(Debug, Clone, PartialEq)]
pub struct RunError {
    /// The error value as text (PUC-Rio's `lua.c` conventions for non-string values).
    pub message: String,
    /// `stack traceback:` and its lines.
    pub traceback: String,
    pub kind: ErrorKind,
}

/// Why an invocation ended in error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// An error raised by the code (including "not enough memory") that nothing caught, or a
    /// function that could not be set up.
    Lua,
    /// The task's instruction budget ran out (not catchable by the script).
    InstructionLimit,
    /// The task's wall-clock deadline passed (not catchable by the script).
    Deadline,
    /// `os.exit(code, true)`: the host should close the state and exit with `code`.
    Exit(i32),
}

impl RunError {
    pub(crate) fn new(message: impl Into<String>, kind: ErrorKind) -> Self {
        RunError {
            message: message.into(),
            traceback: String::new(),
            kind,
        }
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A Lua value copied out of the arena.
#[derive(Debug, Clone, PartialEq)]
pub enum StaticValue {
    Nil,
    Boolean(bool),
    Integer(i64),
    Number(f64),
    String(Vec<u8>),
    /// Any other type, by name.
    Other(&'static str),
}

impl StaticValue {
    pub fn from_value(v: Value<'_>) -> Self {
        match v {
            Value::Nil => StaticValue::Nil,
            Value::Boolean(b) => StaticValue::Boolean(b),
            Value::Integer(i) => StaticValue::Integer(i),
            Value::Number(f) => StaticValue::Number(f),
            Value::String(s) => StaticValue::String(s.as_bytes().to_vec()),
            other => StaticValue::Other(other.type_name()),
        }
    }
}

/// How a failed invocation's error value reads (like `lua.c`'s message handler).
pub fn error_message<'gc>(ctx: Ctx<'gc>, v: Value<'gc>) -> String {
    match v {
        Value::String(s) => s.to_str_lossy().into_owned(),
        Value::Integer(_) | Value::Number(_) => crate::interp::number_to_string(ctx, v)
            .unwrap()
            .to_str_lossy()
            .into_owned(),
        other => match crate::baselib::tostring_basic(ctx, other) {
            Some(s) if crate::meta::metatable(ctx, other).is_some() => {
                s.to_str_lossy().into_owned()
            }
            _ => format!("(error object is a {} value)", other.type_name()),
        },
    }
}

enum Step {
    /// Out of fuel, with the instructions the slice ran.
    Fuel(i64),
    Await(AsyncOp),
    Collect,
    Done(Result<Vec<StaticValue>, RunError>),
}

fn step(lua: &Lua, root: &DynamicRoot<ExecRoot>, fuel: i64) -> Step {
    lua.enter(|ctx| {
        let ex = *ctx.state.roots.fetch(root);
        let mut left = fuel;
        match ex.step(ctx, &mut left) {
            StepResult::Fuel => Step::Fuel(fuel - left),
            StepResult::Await(op) => Step::Await(op),
            StepResult::CollectGarbage => Step::Collect,
            StepResult::Finished | StepResult::Failed => match ex.take_result(ctx) {
                Some(Ok(vals)) => {
                    Step::Done(Ok(vals.into_iter().map(StaticValue::from_value).collect()))
                }
                Some(Err(f)) => Step::Done(Err(match crate::callback::exit_code(f.value) {
                    Some(code) => RunError::new("exit", ErrorKind::Exit(code)),
                    None => RunError {
                        message: error_message(ctx, f.value),
                        traceback: f.traceback,
                        kind: ErrorKind::Lua,
                    },
                })),
                None => Step::Done(Err(RunError::new(
                    "invocation already finished",
                    ErrorKind::Lua,
                ))),
            },
        }
    })
}

/// After a slice: a state over its memory limit gets a full collection, and if that does not
/// bring it back under, the running code gets "not enough memory" (catchable, like PUC-Rio's).
fn enforce_memory_limit(lua: &mut Lua, root: &DynamicRoot<ExecRoot>) {
    if !lua.over_memory_limit() {
        return;
    }
    lua.gc_full();
    if lua.over_memory_limit() {
        lua.enter(|ctx| {
            let ex = *ctx.state.roots.fetch(root);
            ex.raise(ctx, ctx.str_value(crate::memory::MEMORY_ERROR));
        });
    }
}

fn resolve(lua: &Lua, root: &DynamicRoot<ExecRoot>, out: crate::callback::AsyncResolve) {
    lua.enter(|ctx| {
        let ex = *ctx.state.roots.fetch(root);
        ex.resolve(ctx, out);
    })
}

impl Wake for ThreadWakerArc {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

/// Wakes a thread blocked in `Lua::execute` on an async operation.
struct ThreadWakerArc(std::thread::Thread);

impl Lua {
    /// Prepares an invocation: `setup` returns the function and arguments (or a message).
    fn stash_executor<F>(&self, setup: F) -> Result<DynamicRoot<ExecRoot>, RunError>
    where
        F: for<'gc> FnOnce(Ctx<'gc>) -> Result<(Value<'gc>, Vec<Value<'gc>>), String>,
    {
        self.enter(|ctx| {
            let (f, args) = setup(ctx).map_err(|m| RunError::new(m, ErrorKind::Lua))?;
            let ex = Executor::new(ctx, f, &args);
            Ok(ctx
                .state
                .roots
                .stash::<ExecRoot>(ctx.mc, gc_arena::Gc::new(ctx.mc, ex)))
        })
    }

    /// Runs an invocation to completion on this thread, blocking on any async operation.
    pub fn execute<F>(&mut self, setup: F) -> Result<Vec<StaticValue>, RunError>
    where
        F: for<'gc> FnOnce(Ctx<'gc>) -> Result<(Value<'gc>, Vec<Value<'gc>>), String>,
    {
        let root = self.stash_executor(setup)?;
        loop {
            match step(self, &root, DEFAULT_SLICE * 10) {
                Step::Fuel(_) => {
                    self.gc_step();
                    enforce_memory_limit(self, &root);
                }
                Step::Collect => {
                    self.gc_full();
                    enforce_memory_limit(self, &root);
                }
                Step::Done(r) => return r,
                Step::Await(mut op) => {
                    let waker =
                        Waker::from(std::sync::Arc::new(ThreadWakerArc(std::thread::current())));
                    let mut cx = Context::from_waker(&waker);
                    let out = loop {
                        match op.as_mut().poll(&mut cx) {
                            Poll::Ready(out) => break out,
                            Poll::Pending => std::thread::park(),
                        }
                    };
                    resolve(self, &root, out);
                }
            }
        }
    }
}

/// One Lua invocation as a future (DESIGN.md §3): poll it from a tokio task on the state's thread.
pub struct LuaTask {
    lua: Rc<RefCell<Lua>>,
    root: Option<DynamicRoot<ExecRoot>>,
    pending: Option<AsyncOp>,
    slice: i64,
    /// Instructions run so far, and the budget (`with_instruction_limit`).
    spent: u64,
    instruction_limit: Option<u64>,
    /// `with_deadline`: the instant and a timer that wakes the task when it passes.
    deadline: Option<(Instant, Pin<Box<tokio::time::Sleep>>)>,
}

impl LuaTask {
    /// A task calling the function `setup` returns, with its arguments.
    pub fn new<F>(lua: Rc<RefCell<Lua>>, setup: F) -> Result<Self, RunError>
    where
        F: for<'gc> FnOnce(Ctx<'gc>) -> Result<(Value<'gc>, Vec<Value<'gc>>), String>,
    {
        let root = lua.borrow().stash_executor(setup)?;
        Ok(LuaTask {
            lua,
            root: Some(root),
            pending: None,
            slice: DEFAULT_SLICE,
            spent: 0,
            instruction_limit: None,
            deadline: None,
        })
    }

    /// Stops the invocation (with `ErrorKind::InstructionLimit`) once it has run `n`
    /// instructions in all. Checked at every slice, so it may run up to one slice more.
    pub fn with_instruction_limit(mut self, n: u64) -> Self {
        self.instruction_limit = Some(n);
        self
    }

    /// Stops the invocation (with `ErrorKind::Deadline`) when `deadline` passes, even while it
    /// awaits (needs a tokio runtime with the time driver). Checked at every slice too.
    pub fn with_deadline(mut self, deadline: Instant) -> Self {
        let sleep = Box::pin(tokio::time::sleep_until(deadline.into()));
        self.deadline = Some((deadline, sleep));
        self
    }

    /// Ends the task with a limit error; its executor becomes garbage.
    fn stop(&mut self, kind: ErrorKind) -> Poll<Result<Vec<StaticValue>, RunError>> {
        self.root = None;
        self.pending = None;
        let message = match kind {
            ErrorKind::InstructionLimit => "instruction limit exceeded",
            _ => "execution deadline exceeded",
        };
        Poll::Ready(Err(RunError::new(message, kind)))
    }

    /// Sets the fuel slice (instructions between two returns to the scheduler).
    pub fn with_slice(mut self, slice: i64) -> Self {
        self.slice = slice.max(1);
        self
    }
}

impl Future for LuaTask {
    type Output = Result<Vec<StaticValue>, RunError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.root.is_none() {
            return Poll::Ready(Err(RunError::new(
                "task polled after completion",
                ErrorKind::Lua,
            )));
        }
        if let Some((_, sleep)) = this.deadline.as_mut()
            && sleep.as_mut().poll(cx).is_ready()
        {
            return this.stop(ErrorKind::Deadline);
        }
        let root = this.root.as_ref().unwrap();
        loop {
            if let Some(op) = this.pending.as_mut() {
                match op.as_mut().poll(cx) {
                    // The deadline's timer, polled above, also holds this waker.
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(out) => {
                        this.pending = None;
                        resolve(&this.lua.borrow(), root, out);
                    }
                }
            }
            let r = step(&this.lua.borrow(), root, this.slice);
            match r {
                Step::Fuel(ran) => {
                    this.spent += ran as u64;
                    {
                        let mut lua = this.lua.borrow_mut();
                        lua.gc_step();
                        enforce_memory_limit(&mut lua, root);
                    }
                    if this.instruction_limit.is_some_and(|n| this.spent > n) {
                        return this.stop(ErrorKind::InstructionLimit);
                    }
                    if this
                        .deadline
                        .as_ref()
                        .is_some_and(|(d, _)| Instant::now() >= *d)
                    {
                        return this.stop(ErrorKind::Deadline);
                    }
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Step::Await(op) => this.pending = Some(op),
                Step::Collect => {
                    let mut lua = this.lua.borrow_mut();
                    lua.gc_full();
                    enforce_memory_limit(&mut lua, root);
                }
                Step::Done(r) => {
                    this.root = None;
                    this.lua.borrow_mut().gc_step();
                    return Poll::Ready(r);
                }
            }
        }
    }
}
