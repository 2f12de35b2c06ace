//! One Lua invocation as the engine awaits it: a `LuaTask` plus what the natives it calls need
//! to know about it (its execution context, `core.done`), and HAProxy's execution-time limit.
//!
//! Natives reach their invocation through `current()`: `Run::poll` installs it for exactly the
//! duration of one poll of the task, which is the only time Lua code of that invocation runs.
//! Invocations nest on one thread (a stack), though the engine never polls one inside another.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll};
use std::time::{Duration, Instant};

use halo_vm::{ErrorKind, LuaTask, RunError, StaticValue};

/// HAProxy's execution contexts (the Lua API reference says which functions each may call).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecContext {
    Body,
    Init,
    Task,
    Action,
    SampleFetch,
    Converter,
    Service,
}

/// What natives may ask of the invocation running them.
pub struct Invocation {
    pub context: ExecContext,
    /// Set by `core.done()`: the invocation ends as soon as control is back in `Run`.
    done: Cell<bool>,
    done_values: RefCell<Vec<StaticValue>>,
}

impl Invocation {
    pub fn new(context: ExecContext) -> Rc<Self> {
        Rc::new(Invocation {
            context,
            done: Cell::new(false),
            done_values: RefCell::new(Vec::new()),
        })
    }

    /// `core.done(data)`: finish with `values` as the invocation's results.
    pub fn finish(&self, values: Vec<StaticValue>) {
        self.done.set(true);
        *self.done_values.borrow_mut() = values;
    }
}

thread_local! {
    static CURRENT: RefCell<Vec<Rc<Invocation>>> = const { RefCell::new(Vec::new()) };
}

/// The invocation whose Lua code is running now on this thread, if any.
pub fn current() -> Option<Rc<Invocation>> {
    CURRENT.with(|c| c.borrow().last().cloned())
}

/// The execution context of the running Lua code (`Body` while no invocation runs: loading a
/// file outside `Run` is only done for `lua-load`).
pub fn current_context() -> ExecContext {
    current().map(|i| i.context).unwrap_or(ExecContext::Body)
}

/// Pops the invocation even if polling the task panics.
struct CurrentGuard;

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.borrow_mut().pop());
    }
}

/// A Lua invocation the engine awaits.
pub struct Run {
    task: Option<LuaTask>,
    inv: Rc<Invocation>,
    /// HAProxy's `tune.lua.*-timeout`: Lua execution time, time spent awaiting excluded.
    timeout: Option<Duration>,
    /// `tune.lua.burst-timeout`: the longest single run between two yields.
    burst: Option<Duration>,
    spent: Duration,
}

impl Run {
    pub fn new(task: LuaTask, context: ExecContext) -> Self {
        Run {
            task: Some(task),
            inv: Invocation::new(context),
            timeout: None,
            burst: None,
            spent: Duration::ZERO,
        }
    }

    pub fn with_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn with_burst(mut self, burst: Option<Duration>) -> Self {
        self.burst = burst;
        self
    }

    pub fn invocation(&self) -> &Rc<Invocation> {
        &self.inv
    }
}

impl Future for Run {
    type Output = Result<Vec<StaticValue>, RunError>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(task) = this.task.as_mut() else {
            return Poll::Ready(Err(RunError {
                message: "invocation polled after completion".into(),
                traceback: String::new(),
                kind: ErrorKind::Lua,
            }));
        };
        let started = Instant::now();
        let result = {
            CURRENT.with(|c| c.borrow_mut().push(this.inv.clone()));
            let _guard = CurrentGuard;
            Pin::new(task).poll(cx)
        };
        let burst = started.elapsed();
        this.spent += burst;
        match result {
            Poll::Ready(Err(e)) if matches!(e.kind, ErrorKind::Exit(_)) => {
                // `os.exit(code, true)` ends the process, as in HAProxy (whose `os.exit` is
                // Lua's: C's `exit` after closing the state).
                let ErrorKind::Exit(code) = e.kind else {
                    unreachable!()
                };
                let _ = halo_vm::stdout::flush();
                std::process::exit(code)
            }
            Poll::Ready(r) => {
                this.task = None;
                Poll::Ready(r)
            }
            Poll::Pending if this.inv.done.get() => {
                // Dropping the task drops its executor and whatever it awaited.
                this.task = None;
                Poll::Ready(Ok(std::mem::take(&mut *this.inv.done_values.borrow_mut())))
            }
            Poll::Pending => {
                // One poll is one run between yields (a fuel slice at most, unless a library
                // call was long): the burst limit applies to it, the timeout to their sum.
                if this.timeout.is_some_and(|t| this.spent > t)
                    || this.burst.is_some_and(|b| burst > b)
                {
                    this.task = None;
                    return Poll::Ready(Err(RunError {
                        message: "execution timeout".into(),
                        traceback: String::new(),
                        kind: ErrorKind::Deadline,
                    }));
                }
                Poll::Pending
            }
        }
    }
}
