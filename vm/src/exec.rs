//! The executor: drives one Lua invocation to completion across any number of fuel slices,
//! coroutine switches and awaits, without ever recursing on the Rust stack.
//!
//! An `Executor` owns a chain of threads: the first is the invocation's own thread, each next
//! one a coroutine resumed by the previous. Only the last one runs. `step` runs until the
//! invocation finishes, fails, runs out of fuel, or needs the host (an async operation or a full
//! garbage collection); each of those returns to the host with everything suspended as data.
//!
//! Invariants:
//! - Between steps no thread is borrowed and no Rust frame holds arena pointers.
//! - Errors unwind a thread's frames down to the nearest frame whose sequence `catches()`
//!   (`pcall`), closing upvalues on the way; a coroutine that does not catch an error dies and
//!   hands it to its resumer.

use gc_arena::{Collect, Gc, RefLock};

use crate::callback::{Action, AsyncOp, AsyncResolve, Error, Stack};
use crate::debug;
use crate::interp::{self, CallStart, RunExit};
use crate::state::Ctx;
use crate::string::LuaString;
use crate::thread::{Frame, ReturnTo, Thread, ThreadState, ThreadStatus};
use crate::value::Value;

/// The most threads in a chain (the invocation's own and the coroutines it resumed, nested):
/// where lua5.4 reports "C stack overflow" for coroutines resuming coroutines (its 200 C calls,
/// less the few the command line and a `pcall` take).
const MAX_RESUME_CHAIN: usize = 197;

#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct Executor<'gc>(Gc<'gc, RefLock<ExecState<'gc>>>);

#[derive(Collect)]
#[collect(no_drop)]
struct ExecState<'gc> {
    threads: Vec<Thread<'gc>>,
    outcome: Option<Outcome<'gc>>,
}

#[derive(Collect)]
#[collect(no_drop)]
enum Outcome<'gc> {
    Finished(Vec<Value<'gc>>),
    Failed(Value<'gc>, #[collect(require_static)] String),
}

/// What a `step` ended with.
pub enum StepResult {
    /// The invocation finished; `Executor::take_result` gives its results.
    Finished,
    /// It failed; `Executor::take_result` gives the error.
    Failed,
    /// The fuel slice was used up; step again (after letting others run).
    Fuel,
    /// Poll this future, then pass its output to `Executor::resolve` and step again.
    Await(AsyncOp),
    /// Run a full garbage collection, then step again.
    CollectGarbage,
}

/// An error that escaped an invocation: the error value and PUC-Rio-style traceback text.
pub struct Failure<'gc> {
    pub value: Value<'gc>,
    pub traceback: String,
}

impl<'gc> Executor<'gc> {
    /// An executor that will call `func` with `args` in a new thread.
    pub fn new(ctx: Ctx<'gc>, func: Value<'gc>, args: &[Value<'gc>]) -> Self {
        let thread = Thread::new(ctx.mc, func);
        {
            let mut ts = thread.borrow_mut(ctx.mc);
            ts.stack.extend_from_slice(args);
            ts.main = true;
        }
        Executor(Gc::new(
            ctx.mc,
            RefLock::new(ExecState {
                threads: vec![thread],
                outcome: None,
            }),
        ))
    }

    /// The results (or the failure) once `step` returned `Finished` or `Failed`.
    pub fn take_result(self, ctx: Ctx<'gc>) -> Option<Result<Vec<Value<'gc>>, Failure<'gc>>> {
        match self.0.borrow_mut(ctx.mc).outcome.take()? {
            Outcome::Finished(v) => Some(Ok(v)),
            Outcome::Failed(value, traceback) => Some(Err(Failure { value, traceback })),
        }
    }

    /// Delivers the output of the future returned by `StepResult::Await`.
    pub fn resolve(self, ctx: Ctx<'gc>, resolve: AsyncResolve) {
        let es = self.0.borrow();
        let thread = *es.threads.last().unwrap();
        drop(es);
        let mut ts = thread.borrow_mut(ctx.mc);
        let Some(Frame::Native(nf)) = ts.frames.last() else {
            return;
        };
        let bottom = nf.func + 1;
        ts.stack.truncate(bottom);
        let r = resolve(ctx, ts.window(bottom, thread));
        match r {
            Ok(()) => {
                if let Some(Frame::Native(nf)) = ts.frames.last_mut() {
                    nf.ready = true;
                }
            }
            Err(e) => {
                // Raise it at the await point on the next step.
                let v = materialize(ctx, &ts, e);
                ts.stack.truncate(bottom);
                ts.stack.push(v);
                if let Some(Frame::Native(nf)) = ts.frames.last_mut() {
                    nf.ready = true;
                    nf.seq = Some(Box::new(RaiseSeq));
                }
            }
        }
    }

    /// Raises `value` as an error in the running code where it stands between two steps (the
    /// host's "not enough memory"): `pcall` can catch it like any error.
    pub fn raise(self, ctx: Ctx<'gc>, value: Value<'gc>) {
        let mut es = self.0.borrow_mut(ctx.mc);
        if es.outcome.is_none() {
            let _ = self.handle_error(ctx, &mut es, Error::Value(value));
        }
    }

    /// Runs until finished, failed, out of fuel, or waiting for the host.
    pub fn step(self, ctx: Ctx<'gc>, fuel: &mut i64) -> StepResult {
        let mut es = self.0.borrow_mut(ctx.mc);
        if let Some(o) = &es.outcome {
            return match o {
                Outcome::Finished(_) => StepResult::Finished,
                Outcome::Failed(..) => StepResult::Failed,
            };
        }
        loop {
            let thread = *es.threads.last().unwrap();
            let mut ts = thread.borrow_mut(ctx.mc);
            if ts.status == ThreadStatus::Fresh {
                // The invocation's own thread: start its function.
                ts.status = ThreadStatus::Running;
                let nargs = ts.stack.len() - 1;
                let r = interp::call_value(ctx, thread, &mut ts, 0, nargs, ReturnTo::Results(-1));
                let r = match r {
                    Err(Error::Runtime(m)) => Err(Error::Value(ctx.str_value(&m))),
                    other => other,
                };
                drop(ts);
                if let Some(res) = self.after_start(ctx, &mut es, thread, r) {
                    return res;
                }
                continue;
            }
            let r: Result<Option<Action<'gc>>, Error<'gc>> = match ts.frames.last_mut() {
                None => {
                    drop(ts);
                    if let Some(res) = self.finish_thread(ctx, &mut es, thread) {
                        return res;
                    }
                    continue;
                }
                Some(Frame::Lua(_)) => match interp::run(ctx, thread, &mut ts, fuel) {
                    Ok(RunExit::Fuel) => return StepResult::Fuel,
                    Ok(RunExit::FrameChange) => Ok(None),
                    Ok(RunExit::Action(a)) => Ok(Some(a)),
                    Err(e) => Err(e),
                },
                Some(Frame::Native(nf)) => {
                    if !nf.ready {
                        // Only an unresolved await leaves a native frame waiting here.
                        return StepResult::Fuel;
                    }
                    if nf.seq.is_some() {
                        // The same continuation step as the interpreter loop's.
                        *fuel -= 1;
                        interp::resume_native(ctx, thread, &mut ts)
                    } else {
                        nf.ready = false;
                        let bottom = nf.func + 1;
                        let Some(Frame::Native(nf)) = ts.frames.pop() else {
                            unreachable!()
                        };
                        let n = ts.stack.len() - bottom;
                        interp::post_call(&mut ts, nf.func, bottom, n, nf.ret);
                        Ok(None)
                    }
                }
            };
            let r = match r {
                Ok(Some(action)) => self.handle_action(ctx, &mut es, thread, &mut ts, action),
                other => other.map(|_| None),
            };
            drop(ts);
            match r {
                Ok(Some(StepResult::Fuel)) => {
                    // A pause: the slice counts as used up.
                    *fuel = (*fuel).min(-1);
                    return StepResult::Fuel;
                }
                Ok(Some(res)) => return res,
                Ok(None) => {}
                Err(e) => {
                    if let Some(res) = self.handle_error(ctx, &mut es, e) {
                        return res;
                    }
                }
            }
            if *fuel < 0 {
                return StepResult::Fuel;
            }
        }
    }

    fn after_start(
        self,
        ctx: Ctx<'gc>,
        es: &mut ExecState<'gc>,
        thread: Thread<'gc>,
        r: Result<CallStart<'gc>, Error<'gc>>,
    ) -> Option<StepResult> {
        let r = match r {
            Ok(CallStart::Action(a)) => {
                let mut ts = thread.borrow_mut(ctx.mc);
                let r = self.handle_action(ctx, es, thread, &mut ts, a);
                drop(ts);
                match r {
                    Ok(Some(res)) => return Some(res),
                    Ok(None) => Ok(()),
                    Err(e) => Err(e),
                }
            }
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        match r {
            Ok(()) => None,
            Err(e) => self.handle_error(ctx, es, e),
        }
    }

    /// Carries out `action`, requested by the native frame on top of `ts`.
    fn handle_action(
        self,
        ctx: Ctx<'gc>,
        es: &mut ExecState<'gc>,
        thread: Thread<'gc>,
        ts: &mut ThreadState<'gc>,
        action: Action<'gc>,
    ) -> Result<Option<StepResult>, Error<'gc>> {
        let mut action = action;
        loop {
            let (func_slot, has_seq) = match ts.frames.last() {
                Some(Frame::Native(nf)) => (nf.func, nf.seq.is_some()),
                _ => unreachable!("action without a native frame"),
            };
            let bottom = func_slot + 1;
            let next = match action {
                Action::Return => {
                    let Some(Frame::Native(nf)) = ts.frames.pop() else {
                        unreachable!()
                    };
                    let n = ts.stack.len() - bottom;
                    interp::post_call(ts, nf.func, bottom, n, nf.ret);
                    return Ok(None);
                }
                Action::Call { func, then } => {
                    let nargs = ts.stack.len() - bottom;
                    if then.is_some() || has_seq {
                        if let (Some(t), Some(Frame::Native(nf))) = (then, ts.frames.last_mut()) {
                            nf.seq = Some(t);
                        }
                        ts.stack.insert(bottom, func);
                        interp::call_value(ctx, thread, ts, bottom, nargs, ReturnTo::Results(-1))
                    } else {
                        // A tail call: the callee's results are this native's results.
                        let Some(Frame::Native(nf)) = ts.frames.pop() else {
                            unreachable!()
                        };
                        ts.stack[nf.func] = func;
                        ts.stack.copy_within(bottom..bottom + nargs, nf.func + 1);
                        ts.stack.truncate(nf.func + 1 + nargs);
                        interp::call_value(ctx, thread, ts, nf.func, nargs, nf.ret)
                    }
                }
                Action::Yield { then } => {
                    if es.threads.len() == 1 {
                        return Err(Error::Value(
                            ctx.str_value("attempt to yield from outside a coroutine"),
                        ));
                    }
                    if let (Some(t), Some(Frame::Native(nf))) = (then, ts.frames.last_mut()) {
                        nf.seq = Some(t);
                    }
                    ts.status = ThreadStatus::Suspended;
                    es.threads.pop();
                    let resumer = *es.threads.last().unwrap();
                    // The yielded values go straight from this stack to the resumer's.
                    deliver_to_resumer(ctx, resumer, Ok(&ts.stack[bottom..]));
                    ts.stack.truncate(bottom);
                    return Ok(None);
                }
                Action::Resume { thread: co, wrap } => {
                    if let Some(Frame::Native(nf)) = ts.frames.last_mut() {
                        nf.resume_wrap = Some(wrap);
                    }
                    let status = if co == thread {
                        ThreadStatus::Running
                    } else {
                        co.status()
                    };
                    match status {
                        ThreadStatus::Dead => {
                            let msg = "cannot resume dead coroutine";
                            return self.resume_failed(ctx, ts, bottom, wrap, msg);
                        }
                        ThreadStatus::Running | ThreadStatus::Normal => {
                            let msg = "cannot resume non-suspended coroutine";
                            return self.resume_failed(ctx, ts, bottom, wrap, msg);
                        }
                        ThreadStatus::Fresh | ThreadStatus::Suspended => {}
                    }
                    // PUC-Rio counts a resume as C calls (LUAI_MAXCCALLS): without a bound, a
                    // script resuming coroutines inside coroutines grows the chain forever.
                    if es.threads.len() >= MAX_RESUME_CHAIN {
                        return self.resume_failed(ctx, ts, bottom, wrap, "C stack overflow");
                    }
                    ts.status = ThreadStatus::Normal;
                    es.threads.push(co);
                    let mut cs = co.borrow_mut(ctx.mc);
                    // The arguments go straight from this stack to the coroutine's.
                    let args = &ts.stack[bottom..];
                    let nargs = args.len();
                    let r = if status == ThreadStatus::Fresh {
                        cs.status = ThreadStatus::Running;
                        cs.stack.truncate(1);
                        cs.stack.extend_from_slice(args);
                        ts.stack.truncate(bottom);
                        match interp::call_value(ctx, co, &mut cs, 0, nargs, ReturnTo::Results(-1))
                        {
                            Ok(CallStart::Action(a)) => self.handle_action(ctx, es, co, &mut cs, a),
                            Ok(_) => Ok(None),
                            Err(Error::Runtime(m)) => Err(Error::Value(ctx.str_value(&m))),
                            Err(e) => Err(e),
                        }
                    } else {
                        cs.status = ThreadStatus::Running;
                        if let Some(Frame::Native(nf)) = cs.frames.last_mut() {
                            nf.ready = true;
                            let b = nf.func + 1;
                            cs.stack.truncate(b);
                            cs.stack.extend_from_slice(args);
                        }
                        ts.stack.truncate(bottom);
                        Ok(None)
                    };
                    drop(cs);
                    // Errors of the coroutine are handled (on the coroutine) by the caller.
                    return r;
                }
                Action::Await(op) => {
                    return Ok(Some(StepResult::Await(op)));
                }
                Action::Pause { then } => {
                    if let Some(Frame::Native(nf)) = ts.frames.last_mut() {
                        if let Some(t) = then {
                            nf.seq = Some(t);
                        }
                        nf.ready = true;
                    }
                    return Ok(Some(StepResult::Fuel));
                }
                Action::CollectGarbage => {
                    if let Some(Frame::Native(nf)) = ts.frames.last_mut() {
                        nf.ready = true;
                    }
                    return Ok(Some(StepResult::CollectGarbage));
                }
            };
            match next {
                Ok(CallStart::Action(a)) => action = a,
                Ok(_) => return Ok(None),
                Err(Error::Runtime(m)) => return Err(Error::Value(ctx.str_value(&m))),
                Err(e) => return Err(e),
            }
        }
    }

    fn resume_failed(
        self,
        ctx: Ctx<'gc>,
        ts: &mut ThreadState<'gc>,
        bottom: usize,
        wrap: bool,
        msg: &str,
    ) -> Result<Option<StepResult>, Error<'gc>> {
        if wrap {
            return Err(Error::Runtime(msg.into()));
        }
        ts.stack.truncate(bottom);
        ts.stack.push(Value::Boolean(false));
        ts.stack.push(ctx.str_value(msg));
        if let Some(Frame::Native(nf)) = ts.frames.last_mut() {
            nf.ready = true;
        }
        Ok(None)
    }

    /// The thread on top of the chain has no frames left: it returned.
    fn finish_thread(
        self,
        ctx: Ctx<'gc>,
        es: &mut ExecState<'gc>,
        thread: Thread<'gc>,
    ) -> Option<StepResult> {
        let mut ts = thread.borrow_mut(ctx.mc);
        ts.status = ThreadStatus::Dead;
        let values: Vec<Value<'gc>> = std::mem::take(&mut ts.stack);
        drop(ts);
        if es.threads.len() == 1 {
            es.outcome = Some(Outcome::Finished(values));
            return Some(StepResult::Finished);
        }
        es.threads.pop();
        let resumer = *es.threads.last().unwrap();
        deliver_to_resumer(ctx, resumer, Ok(&values));
        None
    }

    /// Unwinds `err` to a catching frame, or out of the coroutine, or out of the invocation.
    fn handle_error(
        self,
        ctx: Ctx<'gc>,
        es: &mut ExecState<'gc>,
        err: Error<'gc>,
    ) -> Option<StepResult> {
        let mut err = err;
        loop {
            let thread = *es.threads.last().unwrap();
            let mut ts = thread.borrow_mut(ctx.mc);
            let value = materialize(ctx, &ts, err);
            // `os.exit(code, true)`: nothing catches it.
            let exiting = crate::callback::exit_code(value).is_some();
            let catcher = if exiting {
                None
            } else {
                ts.frames.iter().rposition(|f| match f {
                    Frame::Native(nf) => nf.seq.as_ref().is_some_and(|s| s.catches()),
                    _ => false,
                })
            };
            if let Some(i) = catcher {
                let Frame::Native(cf) = &ts.frames[i] else {
                    unreachable!()
                };
                if let Some(h) = cf.seq.as_ref().and_then(|s| s.handler())
                    && !cf.error_handled
                {
                    // xpcall: the message handler runs at the error point, above the frames
                    // that failed (so a traceback it takes shows them), before any unwinding.
                    let is_result = |f: &Frame<'gc>| {
                        matches!(f, Frame::Native(nf)
                            if nf.seq.as_ref().is_some_and(|s| s.is_handler_result()))
                    };
                    let returned = ts.frames.last().is_some_and(is_result);
                    let depth = ts.frames[i + 1..].iter().filter(|f| is_result(f)).count();
                    let value = if returned {
                        // The handler returned: `value` is its result.
                        value
                    } else if depth >= MAX_HANDLER_DEPTH {
                        // The handler keeps failing (each failure calls it again, as in
                        // PUC-Rio, until the C stack would overflow).
                        ctx.str_value("error in error handling")
                    } else {
                        let top = ts.stack.len();
                        ts.stack.push(Value::Nil);
                        ts.frames.push(Frame::Native(crate::thread::NativeFrame {
                            func: top,
                            ret: ReturnTo::Discard,
                            seq: Some(Box::new(HandlerResult)),
                            ready: false,
                            resume_wrap: None,
                            error_handled: false,
                        }));
                        ts.stack.extend_from_slice(&[h, value]);
                        let r = match interp::call_value(
                            ctx,
                            thread,
                            &mut ts,
                            top + 1,
                            1,
                            ReturnTo::Results(-1),
                        ) {
                            Ok(CallStart::Action(a)) => {
                                self.handle_action(ctx, es, thread, &mut ts, a)
                            }
                            Ok(_) => Ok(None),
                            Err(Error::Runtime(m)) => Err(Error::Value(ctx.str_value(&m))),
                            Err(e) => Err(e),
                        };
                        drop(ts);
                        match r {
                            Ok(Some(res)) => return Some(res),
                            Ok(None) => return None,
                            Err(e) => {
                                err = e;
                                continue;
                            }
                        }
                    };
                    if let Frame::Native(cf) = &mut ts.frames[i] {
                        cf.error_handled = true;
                    }
                    drop(ts);
                    err = Error::Value(value);
                    continue;
                }
            }
            let close_bottom = match catcher {
                Some(i) => match &ts.frames[i] {
                    Frame::Native(nf) => Some(nf.func + 1),
                    _ => unreachable!(),
                },
                None if es.threads.len() == 1 => Some(0),
                None => None,
            };
            if let Some(cb) = close_bottom
                && let Some(&slot) = ts.tbc.last()
                && slot >= cb
            {
                // Close a pending to-be-closed variable with the error, before unwinding; a
                // marker frame raises the (possibly replaced) error again afterwards.
                ts.tbc.pop();
                let v = ts.stack[slot];
                let tm = crate::meta::metamethod(ctx, v, crate::meta::MetaEvent::Close);
                let top = ts.stack.len();
                ts.stack.push(Value::Nil);
                ts.frames.push(Frame::Native(crate::thread::NativeFrame {
                    func: top,
                    ret: ReturnTo::Discard,
                    seq: Some(Box::new(ReRaise(value))),
                    ready: false,
                    resume_wrap: None,
                    error_handled: false,
                }));
                // Closing for an exit is `lua_close`'s: no error object.
                let errobj = if exiting { Value::Nil } else { value };
                ts.stack.extend_from_slice(&[tm, v, errobj]);
                let r = match interp::call_value(
                    ctx,
                    thread,
                    &mut ts,
                    top + 1,
                    2,
                    ReturnTo::Results(-1),
                ) {
                    Ok(CallStart::Action(a)) => self.handle_action(ctx, es, thread, &mut ts, a),
                    Ok(_) => Ok(None),
                    Err(Error::Runtime(m)) => Err(Error::Value(ctx.str_value(&m))),
                    Err(e) => Err(e),
                };
                drop(ts);
                match r {
                    Ok(Some(res)) => return Some(res),
                    Ok(None) => return None,
                    Err(e) => {
                        err = e;
                        continue;
                    }
                }
            }
            if let Some(i) = catcher {
                let bottom = match &ts.frames[i] {
                    Frame::Native(nf) => nf.func + 1,
                    _ => unreachable!(),
                };
                ts.close_upvalues(ctx.mc, bottom);
                ts.tbc.retain(|&s| s < bottom);
                ts.frames.truncate(i + 1);
                ts.stack.truncate(bottom);
                let Some(Frame::Native(nf)) = ts.frames.last_mut() else {
                    unreachable!()
                };
                let mut seq = nf.seq.take().unwrap();
                nf.ready = false;
                let r = seq.catch(ctx, value, ts.window(bottom, thread));
                if let Some(Frame::Native(nf)) = ts.frames.last_mut() {
                    nf.seq = Some(seq);
                }
                let r = match r {
                    Ok(action) => self.handle_action(ctx, es, thread, &mut ts, action),
                    Err(e) => Err(e),
                };
                drop(ts);
                match r {
                    Ok(Some(res)) => return Some(res),
                    Ok(None) => return None,
                    Err(e) => {
                        err = e;
                        continue;
                    }
                }
            }
            // Nobody catches it in this thread: it dies.
            let traceback = if es.threads.len() == 1 {
                debug::traceback(ctx, &ts, None, 0)
            } else {
                String::new()
            };
            if es.threads.len() > 1 {
                // PUC-Rio leaves a dead coroutine's variables to `coroutine.close`.
                ts.error = Some(value);
                let pending: Vec<Value<'gc>> = ts.tbc.iter().map(|&s| ts.stack[s]).collect();
                ts.to_close = pending;
            }
            ts.close_upvalues(ctx.mc, 0);
            ts.frames.clear();
            ts.stack.clear();
            ts.tbc.clear();
            ts.status = ThreadStatus::Dead;
            drop(ts);
            if es.threads.len() == 1 {
                es.outcome = Some(Outcome::Failed(value, traceback));
                return Some(StepResult::Failed);
            }
            es.threads.pop();
            let resumer = *es.threads.last().unwrap();
            let wrap = {
                let rs = resumer.0.borrow();
                match rs.frames.last() {
                    Some(Frame::Native(nf)) => nf.resume_wrap == Some(true),
                    _ => false,
                }
            };
            if wrap || exiting {
                // coroutine.wrap propagates the error, with the caller's position for strings
                // (and an exit request goes through `resume` too).
                let mut rs = resumer.borrow_mut(ctx.mc);
                rs.status = ThreadStatus::Running;
                let v = match value {
                    Value::String(s) => {
                        let idx = rs.frames.len().wrapping_sub(2);
                        let mut b = debug::where_prefix(&rs, idx).into_bytes();
                        b.extend_from_slice(s.as_bytes());
                        Value::String(LuaString::from_vec(ctx.mc, b))
                    }
                    v => v,
                };
                err = Error::Value(v);
                continue;
            }
            deliver_to_resumer(ctx, resumer, Err(value));
            return None;
        }
    }
}

/// Hands a coroutine's outcome to the `resume`/`wrap` frame waiting on top of `resumer`.
fn deliver_to_resumer<'gc>(
    ctx: Ctx<'gc>,
    resumer: Thread<'gc>,
    r: Result<&[Value<'gc>], Value<'gc>>,
) {
    let mut rs = resumer.borrow_mut(ctx.mc);
    rs.status = ThreadStatus::Running;
    let Some(Frame::Native(nf)) = rs.frames.last_mut() else {
        unreachable!("resumer without a resume frame")
    };
    let wrap = nf.resume_wrap == Some(true);
    nf.ready = true;
    let bottom = nf.func + 1;
    rs.stack.truncate(bottom);
    match r {
        Ok(values) => {
            if !wrap {
                rs.stack.push(Value::Boolean(true));
            }
            rs.stack.extend_from_slice(values);
        }
        Err(v) => {
            rs.stack.push(Value::Boolean(false));
            rs.stack.push(v);
        }
    }
}

/// Turns a native error into the Lua value raised, using the call site on top of `ts`.
pub(crate) fn materialize<'gc>(
    ctx: Ctx<'gc>,
    ts: &ThreadState<'gc>,
    err: Error<'gc>,
) -> Value<'gc> {
    // Level 1 is the Lua function that called the failing native function: below the native's
    // frame when it has one, else the frame on top (natives that just return run frameless).
    let top = ts.frames.len().wrapping_sub(1);
    let level1 = match ts.frames.last() {
        Some(Frame::Native(_)) => top.wrapping_sub(1),
        _ => top,
    };
    match err {
        Error::Value(v) => v,
        Error::Runtime(m) => {
            let p = debug::where_prefix(ts, level1);
            ctx.str_value(&format!("{p}{m}"))
        }
        Error::BadArg(mut n, m) => {
            let name = debug::call_name(&ts.frames, level1.wrapping_add(1));
            let p = debug::where_prefix(ts, level1);
            let msg = match name {
                Some(("method", name)) => {
                    n -= 1;
                    if n == 0 {
                        format!("{p}calling '{name}' on bad self ({m})")
                    } else {
                        format!("{p}bad argument #{n} to '{name}' ({m})")
                    }
                }
                Some((_, name)) => format!("{p}bad argument #{n} to '{name}' ({m})"),
                None => {
                    let name = match ts.frames.get(level1.wrapping_add(1)) {
                        Some(Frame::Native(nf)) => global_func_name(ctx, ts.stack[nf.func]),
                        _ => None,
                    };
                    let name = name.unwrap_or_else(|| "?".into());
                    format!("{p}bad argument #{n} to '{name}' ({m})")
                }
            };
            ctx.str_value(&msg)
        }
        Error::AtLevel(v, level) => {
            let idx = level1.wrapping_sub(level - 1);
            match v {
                Value::String(s) => {
                    let mut b = debug::where_prefix(ts, idx).into_bytes();
                    b.extend_from_slice(s.as_bytes());
                    Value::String(LuaString::from_vec(ctx.mc, b))
                }
                v => v,
            }
        }
    }
}

/// The name under which a function is reachable from the loaded modules (PUC-Rio's
/// `pushglobalfuncname`): `"print"` for a global, `"string.rep"` for a library field.
pub(crate) fn global_func_name<'gc>(ctx: Ctx<'gc>, f: Value<'gc>) -> Option<String> {
    let g = ctx.globals();
    let loaded = match g.get_str(ctx.str("package")) {
        Value::Table(p) => match p.get_str(ctx.str("loaded")) {
            Value::Table(l) => Some(l),
            _ => None,
        },
        _ => None,
    };
    let search = |t: crate::table::Table<'gc>| -> Option<String> {
        let mut k = Value::Nil;
        while let Ok(Some((key, v))) = t.next(k) {
            if v.raw_eq(f)
                && let Value::String(s) = key
            {
                return Some(s.to_str_lossy().into_owned());
            }
            k = key;
        }
        None
    };
    if let Some(n) = search(g) {
        return Some(n);
    }
    let modules = loaded.unwrap_or(g);
    let mut k = Value::Nil;
    while let Ok(Some((key, v))) = modules.next(k) {
        if let (Value::String(name), Value::Table(t)) = (key, v)
            && t != g
            && let Some(n) = search(t)
        {
            return Some(format!("{}.{}", name.to_str_lossy(), n));
        }
        k = key;
    }
    None
}

/// Raises its error again once the `__close` call below it returned (error unwinding).
#[derive(Collect)]
#[collect(no_drop)]
struct ReRaise<'gc>(Value<'gc>);

impl<'gc> crate::callback::Sequence<'gc> for ReRaise<'gc> {
    fn poll(&mut self, _ctx: Ctx<'gc>, _stack: Stack<'gc, '_>) -> Result<Action<'gc>, Error<'gc>> {
        Err(Error::Value(self.0))
    }
    fn is_internal(&self) -> bool {
        true
    }
}

/// Waits for a message handler called at the error point; raises its first result, which
/// `handle_error` then unwinds to the `xpcall` without calling the handler again.
#[derive(Collect)]
#[collect(require_static)]
struct HandlerResult;

/// How many times a failing message handler is called again before "error in error handling"
/// (PUC-Rio reaches its C-stack limit, about 200 levels).
const MAX_HANDLER_DEPTH: usize = 200;

impl<'gc> crate::callback::Sequence<'gc> for HandlerResult {
    fn poll(&mut self, _ctx: Ctx<'gc>, stack: Stack<'gc, '_>) -> Result<Action<'gc>, Error<'gc>> {
        Err(Error::Value(stack.get(0)))
    }
    fn is_internal(&self) -> bool {
        true
    }
    fn is_handler_result(&self) -> bool {
        true
    }
}

/// Re-raises the value in its stack: used to raise an async resolution's error at the await.
#[derive(Collect)]
#[collect(require_static)]
struct RaiseSeq;

impl<'gc> crate::callback::Sequence<'gc> for RaiseSeq {
    fn poll(&mut self, _ctx: Ctx<'gc>, stack: Stack<'gc, '_>) -> Result<Action<'gc>, Error<'gc>> {
        Err(Error::Value(stack.get(0)))
    }
}
