//! Lua threads (coroutines): a value stack, a list of activation frames, and the open upvalues
//! pointing into the stack.
//!
//! Invariants:
//! - A thread is suspended as plain data: its frames say everything needed to continue (the
//!   executor holds no Rust stack frame for it). That is what lets any frame await.
//! - `open_upvalues` is sorted by stack index, ascending, and holds at most one upvalue per slot.
//! - While a Lua frame runs, `stack.len() >= base + max_stack` of that frame.

use std::cell::RefMut;

use gc_arena::{Collect, Gc, Mutation, RefLock};

use crate::callback::Sequence;
use crate::closure::{Closure, UpValue, UpValueState};
use crate::value::{Value, gc_identity};

#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct Thread<'gc>(pub(crate) Gc<'gc, RefLock<ThreadState<'gc>>>);

gc_identity!(Thread);

#[derive(Copy, Clone, Debug, PartialEq, Eq, Collect)]
#[collect(require_static)]
pub enum ThreadStatus {
    /// Created, not started: the function is at stack slot 0.
    Fresh,
    /// Yielded.
    Suspended,
    Running,
    /// Resumed another coroutine and waits for it.
    Normal,
    Dead,
}

/// Where a finished call's results go (PUC-Rio finishes interrupted instructions the same way:
/// `luaV_finishOp`).
#[derive(Copy, Clone, Debug, PartialEq, Collect)]
#[collect(require_static)]
pub enum ReturnTo {
    /// To the function's slot, adjusted to `want` values (-1: all of them, setting `top`).
    Results(i32),
    /// The first result into this absolute stack slot (metamethods with a value). Slots are
    /// `u32` (the stack never passes `MAX_STACK`) so that the whole enum is 8 bytes, passed
    /// and stored in one register.
    Register(u32),
    /// The first result decides a conditional jump of the frame below (`__eq`, `__lt`, `__le`):
    /// the jump is skipped when its truth differs from `k`.
    Compare { k: bool },
    /// Results ignored (`__newindex`, `__close`).
    Discard,
    /// `__concat`: the result goes to `slot`, then the interrupted `Concat` continues.
    Concat { slot: u32 },
}

const _: () = assert!(std::mem::size_of::<ReturnTo>() == 8);

impl ReturnTo {
    /// `Register` for an absolute stack slot (below `MAX_STACK`, so it fits).
    pub(crate) fn register(slot: usize) -> ReturnTo {
        ReturnTo::Register(slot as u32)
    }

    /// `Concat` for an absolute stack slot.
    pub(crate) fn concat(slot: usize) -> ReturnTo {
        ReturnTo::Concat { slot: slot as u32 }
    }
}

#[derive(Collect)]
#[collect(no_drop)]
pub(crate) struct LuaFrame<'gc> {
    pub closure: Closure<'gc>,
    /// Absolute index of register 0.
    pub base: usize,
    /// Absolute index of the function slot: where results go.
    pub func: usize,
    pub pc: usize,
    /// Extra arguments of a vararg function: `stack[varargs_at .. varargs_at + nvarargs]`.
    pub varargs_at: usize,
    pub nvarargs: usize,
    pub ret: ReturnTo,
    /// When non-zero, a `Concat` at `pc` resumes with this many operands left.
    pub concat_rem: u8,
    /// When non-zero, the end of the values a `Return` interrupted by `__close` calls returns.
    pub saved_top: usize,
}

#[derive(Collect)]
#[collect(no_drop)]
pub(crate) struct NativeFrame<'gc> {
    /// Absolute index of the function slot; its arguments and results start at `func + 1`.
    pub func: usize,
    pub ret: ReturnTo,
    /// The continuation waiting for the results of a call, a resumption or an await.
    pub seq: Option<Box<dyn Sequence<'gc> + 'gc>>,
    /// Results (from a callee, a resumption, a future) are in place and the frame can proceed.
    pub ready: bool,
    /// `coroutine.wrap` / `resume` waiting on a coroutine (how to deliver its outcome).
    pub resume_wrap: Option<bool>,
    /// For a catching frame with a message handler (`xpcall`): the error being unwound to it
    /// already went through the handler.
    pub error_handled: bool,
}

#[derive(Collect)]
#[collect(no_drop)]
pub(crate) enum Frame<'gc> {
    Lua(LuaFrame<'gc>),
    Native(NativeFrame<'gc>),
}

#[derive(Collect)]
#[collect(no_drop)]
pub struct ThreadState<'gc> {
    pub(crate) stack: Vec<Value<'gc>>,
    pub(crate) frames: Vec<Frame<'gc>>,
    pub(crate) open_upvalues: Vec<UpValue<'gc>>,
    /// Stack slots of pending to-be-closed variables, ascending.
    pub(crate) tbc: Vec<usize>,
    pub(crate) status: ThreadStatus,
    /// End of the values produced by the last multi-result operation.
    pub(crate) top: usize,
    /// An invocation's own thread (not a coroutine): `coroutine.running` reports it as main.
    pub(crate) main: bool,
    /// The error a dead coroutine died with, reported once by `coroutine.close`.
    pub(crate) error: Option<Value<'gc>>,
    /// Values of to-be-closed variables still pending when the coroutine died (innermost last):
    /// `coroutine.close` closes them.
    pub(crate) to_close: Vec<Value<'gc>>,
    /// The thread's bytes (mostly its stack) in the state's memory account.
    #[collect(require_static)]
    charge: crate::memory::Charge,
}

const THREAD_BASE: usize = 16 + std::mem::size_of::<ThreadState<'static>>();

impl<'gc> ThreadState<'gc> {
    /// Updates the memory account after the stack or frame list grew.
    pub(crate) fn sync_charge(&self) {
        self.charge.set(
            THREAD_BASE
                + self.stack.capacity() * std::mem::size_of::<Value<'static>>()
                + self.frames.capacity() * std::mem::size_of::<Frame<'static>>(),
        );
    }
}

impl<'gc> Thread<'gc> {
    pub fn new(mc: &Mutation<'gc>, func: Value<'gc>) -> Self {
        Thread(Gc::new(
            mc,
            RefLock::new(ThreadState {
                stack: vec![func],
                frames: Vec::new(),
                open_upvalues: Vec::new(),
                tbc: Vec::new(),
                status: ThreadStatus::Fresh,
                top: 0,
                main: false,
                error: None,
                to_close: Vec::new(),
                charge: crate::memory::Charge::new(THREAD_BASE),
            }),
        ))
    }

    pub fn status(self) -> ThreadStatus {
        match self.0.try_borrow() {
            Ok(s) => s.status,
            // Borrowed means it is the one running right now.
            Err(_) => ThreadStatus::Running,
        }
    }

    /// Kills a suspended coroutine (`coroutine.close`): its upvalues are closed and its frames
    /// dropped.
    /// Returns the error it had died with (once), and the values of its pending to-be-closed
    /// variables, innermost last, whose `__close` the caller must call.
    pub fn close(self, mc: &Mutation<'gc>) -> (Option<Value<'gc>>, Vec<Value<'gc>>) {
        let mut ts = self.0.borrow_mut(mc);
        let mut pending = std::mem::take(&mut ts.to_close);
        let tbc = std::mem::take(&mut ts.tbc);
        pending.extend(tbc.iter().map(|&s| ts.stack[s]));
        ts.close_upvalues(mc, 0);
        ts.frames.clear();
        ts.stack.clear();
        ts.status = ThreadStatus::Dead;
        (ts.error.take(), pending)
    }

    pub(crate) fn borrow_mut(self, mc: &Mutation<'gc>) -> RefMut<'gc, ThreadState<'gc>> {
        self.0.borrow_mut(mc)
    }
}

impl<'gc> ThreadState<'gc> {
    /// The upvalue for stack slot `index`, creating it if needed.
    pub(crate) fn find_upvalue(
        &mut self,
        mc: &Mutation<'gc>,
        me: Thread<'gc>,
        index: usize,
    ) -> UpValue<'gc> {
        let pos = self.open_upvalues.partition_point(|u| match u.get() {
            UpValueState::Open { index: i, .. } => i < index,
            UpValueState::Closed(_) => true,
        });
        if let Some(u) = self.open_upvalues.get(pos)
            && let UpValueState::Open { index: i, .. } = u.get()
            && i == index
        {
            return *u;
        }
        let u = UpValue::open(mc, me, index);
        self.open_upvalues.insert(pos, u);
        u
    }

    /// The native-function window on this stack starting at `bottom` (`me` is this thread).
    pub(crate) fn window<'a>(
        &'a mut self,
        bottom: usize,
        me: Thread<'gc>,
    ) -> crate::callback::Stack<'gc, 'a> {
        crate::callback::Stack {
            main: self.main,
            frames: &self.frames,
            values: &mut self.stack,
            bottom,
            thread: me,
        }
    }

    /// Closes every open upvalue at or above `level`.
    pub(crate) fn close_upvalues(&mut self, mc: &Mutation<'gc>, level: usize) {
        while let Some(u) = self.open_upvalues.last() {
            match u.get() {
                UpValueState::Open { index, .. } if index >= level => {
                    let v = self.stack[index];
                    u.set(mc, UpValueState::Closed(v));
                    self.open_upvalues.pop();
                }
                _ => break,
            }
        }
    }
}
