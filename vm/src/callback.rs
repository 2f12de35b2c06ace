//! The interface between Rust functions and the executor.
//!
//! A native function receives its arguments in a `Stack` and leaves its results there (no
//! allocation per call). Instead of calling back into Lua itself (which would need a Rust stack
//! frame that cannot be suspended), it returns an `Action` describing what the executor should do
//! next: return, call a Lua value and then continue with a `Sequence`, yield, resume a coroutine,
//! or await a Rust future. This is what keeps the whole VM stackless: every suspension point is
//! plain data in a thread's frame list.
//!
//! Invariant: a native function never holds a borrow of the running thread; everything it needs
//! about its caller (positions, names) it asks for through `Error` variants the executor resolves.

use std::future::Future;
use std::pin::Pin;

use gc_arena::collect::DynCollect;

use crate::closure::NativeFunction;
use crate::state::Ctx;
use crate::thread::Thread;
use crate::value::Value;

pub type NativeFn =
    for<'gc> fn(Ctx<'gc>, NativeFunction<'gc>, Stack<'gc, '_>) -> Result<Action<'gc>, Error<'gc>>;

/// What a native function or sequence asks the executor to do after it returns.
pub enum Action<'gc> {
    /// The stack holds the results.
    Return,
    /// Call `func` with the stack's values as arguments. With `then`, the call's results are
    /// handed to that sequence; without it, they are this function's results (a tail call).
    Call {
        func: Value<'gc>,
        then: Option<Box<dyn Sequence<'gc> + 'gc>>,
    },
    /// Yield the stack's values from the current coroutine. The values it is resumed with
    /// become the results (or are handed to `then`).
    Yield {
        then: Option<Box<dyn Sequence<'gc> + 'gc>>,
    },
    /// Resume `thread` with the stack's values. `wrap` selects `coroutine.wrap` semantics
    /// (errors propagate, no leading boolean) over `coroutine.resume`'s.
    Resume { thread: Thread<'gc>, wrap: bool },
    /// Suspend until the future completes; its output then writes the results.
    Await(AsyncOp),
    /// Run a full garbage collection cycle (with finalizers) before continuing.
    CollectGarbage,
    /// End the current fuel slice here (charged as a whole slice), then poll `then` (or the
    /// current continuation): how a library function doing long work without calling Lua
    /// (`table.move` over a huge range) stays interruptible by the host's limits.
    Pause {
        then: Option<Box<dyn Sequence<'gc> + 'gc>>,
    },
}

/// Writes an async function's results into its stack once the future is done.
pub type AsyncResolve =
    Box<dyn for<'gc> FnOnce(Ctx<'gc>, Stack<'gc, '_>) -> Result<(), Error<'gc>>>;
pub type AsyncOp = Pin<Box<dyn Future<Output = AsyncResolve>>>;

/// The continuation of a native function that called back into Lua.
pub trait Sequence<'gc>: DynCollect<'gc> {
    /// Called with the results of the requested call (or of the resumption) in `stack`.
    fn poll(&mut self, ctx: Ctx<'gc>, stack: Stack<'gc, '_>) -> Result<Action<'gc>, Error<'gc>>;

    /// Whether an error raised below this frame stops here (`pcall`, `xpcall`).
    fn catches(&self) -> bool {
        false
    }

    /// The message handler to run at the error point before unwinding (`xpcall`).
    fn handler(&self) -> Option<Value<'gc>> {
        None
    }

    /// Whether this is an executor-internal frame, not shown in tracebacks or counted as a level.
    #[doc(hidden)]
    fn is_internal(&self) -> bool {
        false
    }

    /// Whether this frame waits for a message handler's result (see `exec.rs`).
    #[doc(hidden)]
    fn is_handler_result(&self) -> bool {
        false
    }

    /// Called, when `catches()`, with the error value in an emptied stack.
    fn catch(
        &mut self,
        _ctx: Ctx<'gc>,
        err: Value<'gc>,
        _stack: Stack<'gc, '_>,
    ) -> Result<Action<'gc>, Error<'gc>> {
        Err(Error::Value(err))
    }
}

gc_arena::collect::dyn_collect!(dyn Sequence<'gc> + 'gc);

/// An error raised by native code, completed by the executor (which knows the call site).
pub enum Error<'gc> {
    /// A Lua value, raised as is.
    Value(Value<'gc>),
    /// A message to prefix with the position of the calling Lua code (PUC-Rio's `luaL_error`).
    Runtime(String),
    /// `bad argument #n to 'name' (msg)`, the name taken from the call site (`luaL_argerror`).
    BadArg(usize, String),
    /// `error(msg, level)` with a string message: position of the function at `level`.
    AtLevel(Value<'gc>, usize),
}

impl<'gc> Error<'gc> {
    pub fn runtime(msg: impl Into<String>) -> Self {
        Error::Runtime(msg.into())
    }
    pub fn bad_arg(n: usize, msg: impl Into<String>) -> Self {
        Error::BadArg(n, msg.into())
    }
}

impl<'gc> From<Value<'gc>> for Error<'gc> {
    fn from(v: Value<'gc>) -> Self {
        Error::Value(v)
    }
}

/// A native function's window on its thread's value stack: its arguments on entry, its results
/// on return. Index 0 is the first argument.
pub struct Stack<'gc, 'a> {
    pub(crate) values: &'a mut Vec<Value<'gc>>,
    pub(crate) bottom: usize,
    /// The thread running the function (never borrow it: it is the running thread).
    pub(crate) thread: Thread<'gc>,
    /// Whether that thread is an invocation's own thread rather than a coroutine.
    pub(crate) main: bool,
    /// The thread's frames below the running function (for `debug` and positions).
    pub(crate) frames: &'a [crate::thread::Frame<'gc>],
}

impl<'gc, 'a> Stack<'gc, 'a> {
    #[inline]
    pub fn len(&self) -> usize {
        self.values.len() - self.bottom
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Argument `i` (0-based), nil when absent.
    #[inline]
    pub fn get(&self, i: usize) -> Value<'gc> {
        self.values
            .get(self.bottom + i)
            .copied()
            .unwrap_or_default()
    }
    pub fn set(&mut self, i: usize, v: Value<'gc>) {
        if i >= self.len() {
            self.values.resize(self.bottom + i + 1, Value::Nil);
        }
        self.values[self.bottom + i] = v;
    }
    #[inline]
    pub fn push(&mut self, v: Value<'gc>) {
        self.values.push(v);
    }
    pub fn pop(&mut self) -> Option<Value<'gc>> {
        if !self.is_empty() {
            self.values.pop()
        } else {
            None
        }
    }
    pub fn clear(&mut self) {
        self.values.truncate(self.bottom);
    }
    pub fn truncate(&mut self, n: usize) {
        self.values.truncate(self.bottom + n);
    }
    pub fn resize(&mut self, n: usize) {
        self.values.resize(self.bottom + n, Value::Nil);
    }
    pub fn insert(&mut self, i: usize, v: Value<'gc>) {
        self.values.insert(self.bottom + i, v);
    }
    pub fn remove(&mut self, i: usize) -> Value<'gc> {
        if i < self.len() {
            self.values.remove(self.bottom + i)
        } else {
            Value::Nil
        }
    }
    pub fn as_slice(&self) -> &[Value<'gc>] {
        &self.values[self.bottom..]
    }
    /// Replaces the whole content by `vals`.
    pub fn replace(&mut self, vals: &[Value<'gc>]) {
        self.values.truncate(self.bottom);
        self.values.extend_from_slice(vals);
    }
    /// Sets the results to the single value `v`.
    pub fn ret1(&mut self, v: Value<'gc>) {
        self.values.truncate(self.bottom);
        self.values.push(v);
    }
    pub fn extend(&mut self, vals: impl IntoIterator<Item = Value<'gc>>) {
        self.values.extend(vals);
    }
    pub fn thread(&self) -> Thread<'gc> {
        self.thread
    }
    /// Whether the running thread is an invocation's own thread (not a coroutine).
    pub fn is_main_thread(&self) -> bool {
        self.main
    }
    /// A sub-window starting at argument `from` (for functions that forward part of their
    /// arguments).
    pub fn sub(&mut self, from: usize) -> Stack<'gc, '_> {
        let bottom = (self.bottom + from).min(self.values.len());
        Stack {
            values: self.values,
            bottom,
            thread: self.thread,
            main: self.main,
            frames: self.frames,
        }
    }
}

/// The payload of the error `os.exit(code, true)` raises: nothing catches it (not `pcall`, not
/// `coroutine.resume`); unwinding closes the main thread's pending to-be-closed variables (with
/// a nil error, as `lua_close`), and the host sees `ErrorKind::Exit(code)`, closes the state
/// (finalizers) and exits.
pub struct ExitRequest(pub i32);

/// The error that asks the host to close the state and exit with `code`.
pub fn exit_error<'gc>(ctx: Ctx<'gc>, code: i32) -> Error<'gc> {
    Error::Value(Value::UserData(crate::userdata::UserData::new(
        ctx.mc,
        ExitRequest(code),
        None,
    )))
}

/// The exit code when `v` is an exit request.
pub fn exit_code(v: Value<'_>) -> Option<i32> {
    match v {
        Value::UserData(u) => u.downcast::<ExitRequest>().map(|e| e.0),
        _ => None,
    }
}
