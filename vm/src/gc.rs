//! The collector driver: Lua's weak tables (`__mode`), ephemerons and finalizers (`__gc`) on top
//! of gc-arena's incremental mark-and-sweep (§2.5).
//!
//! gc-arena marks and sweeps; what Lua adds happens in the window between "fully marked" and
//! "sweeping", where gc-arena lets us ask which objects are about to die and resurrect some:
//! 1. ephemerons: a value stored under a weak key is marked only once its key is known to live,
//!    repeated to a fixpoint (marking a value may make more keys live);
//! 2. weak values that are dead are cleared (before finalizers resurrect anything, so a
//!    finalizer never sees an object it resurrected through a weak value, as in PUC-Rio);
//! 3. dead objects marked for finalization are resurrected and queued; marking resumes so
//!    everything they reach survives this cycle too; then ephemerons again;
//! 4. weak keys and values that are still dead are cleared in every live weak table.
//!
//! Invariants (memory safety rests on them):
//! - A table with weak bits is always in `weak_tables` (`set_metatable` does both together),
//!   so step 4 reaches every untraced pointer before the sweep frees its object.
//! - The collector never sweeps without going through `finish_marked`: `gc_step` and
//!   `gc_full` only use gc-arena's marking entry points and `start_sweeping`; gc-arena's
//!   `collect_debt` (which would sweep on its own) is never called.
//! - Finalizers run outside any `enter` call, one invocation each, after the cycle; an error in
//!   one becomes a warning ("error in __gc (...)"), never an error of the running code.

use std::collections::VecDeque;

use gc_arena::arena::CollectionPhase;
use gc_arena::{Collect, Finalization, Gc, GcWeak, RefLock};

use crate::exec::{Executor, StepResult};
use crate::meta::{self, MetaEvent};
use crate::state::{Ctx, Lua, State};
use crate::table::{Table, TableState, WEAK_KEYS, WEAK_REGISTERED, WEAK_VALUES};
use crate::task::ExecRoot;
use crate::userdata::{UserData, UserDataState};
use crate::value::Value;

/// Instructions one finalizer may run before it is stopped with an error (a `__gc` that never
/// ends must not hang the host).
const FINALIZER_FUEL: i64 = 100_000_000;

#[derive(Collect, Default)]
#[collect(no_drop)]
pub struct GcState<'gc> {
    /// Every table with weak keys or values (dead ones are pruned each cycle).
    weak_tables: Vec<GcWeak<'gc, RefLock<TableState<'gc>>>>,
    /// Objects marked for finalization, oldest first.
    finalizable: Vec<Finalizable<'gc>>,
    /// Dead objects resurrected for their finalizer, in call order.
    pending: VecDeque<Value<'gc>>,
}

#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
enum Finalizable<'gc> {
    Table(GcWeak<'gc, RefLock<TableState<'gc>>>),
    UserData(GcWeak<'gc, UserDataState<'gc>>),
}

impl<'gc> Finalizable<'gc> {
    fn is_dead(self, fc: &Finalization<'gc>) -> bool {
        match self {
            Finalizable::Table(w) => w.is_dead(fc),
            Finalizable::UserData(w) => w.is_dead(fc),
        }
    }

    fn resurrect(self, fc: &Finalization<'gc>) -> Option<Value<'gc>> {
        match self {
            Finalizable::Table(w) => w.resurrect(fc).map(|g| Value::Table(Table(g))),
            Finalizable::UserData(w) => w.resurrect(fc).map(|g| Value::UserData(UserData(g))),
        }
    }

    fn upgrade(self, mc: &gc_arena::Mutation<'gc>) -> Option<Value<'gc>> {
        match self {
            Finalizable::Table(w) => w.upgrade(mc).map(|g| Value::Table(Table(g))),
            Finalizable::UserData(w) => w.upgrade(mc).map(|g| Value::UserData(UserData(g))),
        }
    }
}

/// `setmetatable` for tables: sets the metatable and applies what the collector must know at
/// this moment (§2.5.3, §2.5.4): the weak mode from `__mode`, and marking the table for
/// finalization when the metatable has a `__gc` field (a `__gc` added later does not count).
pub fn set_metatable<'gc>(ctx: Ctx<'gc>, t: Table<'gc>, mt: Option<Table<'gc>>) {
    t.set_metatable(ctx.mc, mt);
    let mut bits = 0;
    if let Some(mt) = mt
        && let Value::String(mode) = mt.get_str(ctx.state.event_name(MetaEvent::Mode))
    {
        if mode.as_bytes().contains(&b'k') {
            bits |= WEAK_KEYS;
        }
        if mode.as_bytes().contains(&b'v') {
            bits |= WEAK_VALUES;
        }
    }
    let st = t.0.borrow();
    let old = st.weak.get();
    let mut new = bits | (old & !(WEAK_KEYS | WEAK_VALUES));
    if bits != 0 && old & WEAK_REGISTERED == 0 {
        ctx.state
            .gc
            .borrow_mut(ctx.mc)
            .weak_tables
            .push(Gc::downgrade(t.0));
        new |= WEAK_REGISTERED;
    }
    let finalize = mt.is_some_and(|mt| has_gc_field(ctx, mt)) && old & FINALIZER_REGISTERED == 0;
    if finalize {
        new |= FINALIZER_REGISTERED;
    }
    drop(st);
    if new != old {
        // Through `borrow_mut` so the write barrier re-traces the table with its new mode.
        t.0.borrow_mut(ctx.mc).weak.set(new);
    }
    if finalize {
        ctx.state
            .gc
            .borrow_mut(ctx.mc)
            .finalizable
            .push(Finalizable::Table(Gc::downgrade(t.0)));
    }
}

/// `debug.setmetatable` / host code for userdata: marks it for finalization like tables.
pub fn set_userdata_metatable<'gc>(ctx: Ctx<'gc>, u: UserData<'gc>, mt: Option<Table<'gc>>) {
    u.set_metatable(ctx.mc, mt);
    register_userdata(ctx, u);
}

/// Marks a userdata for finalization if its metatable has `__gc` (once). Host code that builds
/// userdata with `UserData::new(.., Some(mt))` calls this when the type has a finalizer.
pub fn register_userdata<'gc>(ctx: Ctx<'gc>, u: UserData<'gc>) {
    if let Some(mt) = u.metatable()
        && has_gc_field(ctx, mt)
        && !u.0.finalizer_registered.replace(true)
    {
        ctx.state
            .gc
            .borrow_mut(ctx.mc)
            .finalizable
            .push(Finalizable::UserData(Gc::downgrade(u.0)));
    }
}

/// Set in `TableState::weak` once the table is in the finalization list.
pub(crate) const FINALIZER_REGISTERED: u8 = 8;

fn has_gc_field<'gc>(ctx: Ctx<'gc>, mt: Table<'gc>) -> bool {
    !mt.get_str(ctx.state.event_name(MetaEvent::Gc)).is_nil()
}

impl<'gc> GcState<'gc> {
    /// Marks the values of ephemerons whose key lives; returns how many were marked.
    fn mark_ephemerons(&self, fc: &Finalization<'gc>) -> usize {
        let mut marked = Vec::new();
        for w in &self.weak_tables {
            if w.is_dead(fc) {
                continue;
            }
            let Some(t) = w.upgrade(fc) else { continue };
            let st = t.borrow();
            if st.weak.get() & WEAK_KEYS != 0 {
                st.ephemeron_values(|g| Gc::is_dead(fc, g), &mut marked);
            }
        }
        for g in &marked {
            Gc::resurrect(fc, *g);
        }
        marked.len()
    }

    /// Clears dead weak entries (values only, or keys and values) in every live weak table,
    /// and forgets the weak tables that are themselves dead.
    fn clear_weak(&mut self, fc: &Finalization<'gc>, keys_too: bool) {
        self.weak_tables.retain(|w| !w.is_dead(fc));
        for w in &self.weak_tables {
            let Some(t) = w.upgrade(fc) else { continue };
            let weak = t.borrow().weak.get();
            let clears = if keys_too {
                weak & (WEAK_KEYS | WEAK_VALUES) != 0
            } else {
                weak & WEAK_VALUES != 0
            };
            if clears {
                let mut st = t.borrow_mut(fc);
                if keys_too {
                    st.clear_dead(|g| Gc::is_dead(fc, g));
                } else {
                    st.clear_dead_values(|g| Gc::is_dead(fc, g));
                }
            }
        }
    }

    /// Resurrects the dead objects marked for finalization and queues them, newest first
    /// (PUC-Rio calls finalizers in the reverse order of marking). Returns whether any was.
    fn separate_finalizable(&mut self, fc: &Finalization<'gc>) -> bool {
        let mut any = false;
        let mut i = self.finalizable.len();
        while i > 0 {
            i -= 1;
            let f = self.finalizable[i];
            if f.is_dead(fc) {
                self.finalizable.remove(i);
                if let Some(v) = f.resurrect(fc) {
                    self.pending.push_back(v);
                    any = true;
                }
            }
        }
        any
    }
}

impl Lua {
    /// Pays the collector's allocation debt (an incremental step), then runs any finalizers
    /// that became due.
    pub fn gc_step(&mut self) {
        // `collectgarbage("stop")`: no automatic collection until "restart".
        if !self.gc_control.get().running {
            return;
        }
        let scope = self.memory_scope();
        match self.arena.collection_phase() {
            CollectionPhase::Sweeping => self.arena.cycle_debt(),
            _ => {
                if self.arena.mark_debt().is_some() {
                    self.finish_marked();
                }
            }
        }
        drop(scope);
        self.run_finalizers();
    }

    /// A full collection cycle (`collectgarbage()`): every unreachable object is collected or
    /// finalized, then the due finalizers run.
    pub fn gc_full(&mut self) {
        let scope = self.memory_scope();
        // Objects marked by a cycle already in progress could survive it: finish that cycle,
        // then run a complete one.
        if self.arena.collection_phase() != CollectionPhase::Sleeping {
            self.finish_cycle();
        }
        self.finish_cycle();
        drop(scope);
        self.run_finalizers();
    }

    fn finish_cycle(&mut self) {
        if self.arena.collection_phase() != CollectionPhase::Sweeping {
            self.arena.finish_marking();
            self.finish_marked();
        }
        self.arena.finish_cycle();
    }

    /// The Lua-specific work between "fully marked" and the sweep (module docs, steps 1–4).
    fn finish_marked(&mut self) {
        self.ephemeron_fixpoint();
        let resurrected = self.marked().finalize(|fc, root: &State<'_>| {
            let mut gc = root.gc.borrow_mut(fc);
            gc.clear_weak(fc, false);
            gc.separate_finalizable(fc)
        });
        if resurrected {
            self.ephemeron_fixpoint();
        }
        self.marked().finalize(|fc, root: &State<'_>| {
            root.gc.borrow_mut(fc).clear_weak(fc, true);
        });
        self.marked().start_sweeping();
    }

    fn marked(&mut self) -> gc_arena::arena::MarkedArena<'_, crate::state::StateRoot> {
        self.arena
            .finish_marking()
            .expect("the collector is between marking and sweeping")
    }

    fn ephemeron_fixpoint(&mut self) {
        while self
            .marked()
            .finalize(|fc, root: &State<'_>| root.gc.borrow().mark_ephemerons(fc))
            > 0
        {}
    }

    /// Calls the queued finalizers, each as its own invocation. Re-entrant calls (a finalizer
    /// that collects) return at once, like PUC-Rio, which does not run finalizers while one runs.
    pub(crate) fn run_finalizers(&mut self) {
        if self.finalizing {
            return;
        }
        self.finalizing = true;
        loop {
            let next = self.enter(|ctx| {
                let v = ctx.state.gc.borrow_mut(ctx.mc).pending.pop_front()?;
                Some(match meta::metamethod(ctx, v, MetaEvent::Gc) {
                    f @ Value::Function(_) => {
                        let ex = Executor::new(ctx, f, &[v]);
                        Some(
                            ctx.state
                                .roots
                                .stash::<ExecRoot>(ctx.mc, Gc::new(ctx.mc, ex)),
                        )
                    }
                    // A `__gc` that is not a function is silently ignored (§2.5.3).
                    _ => None,
                })
            });
            match next {
                None => break,
                Some(None) => {}
                Some(Some(root)) => self.run_finalizer(&root),
            }
        }
        self.finalizing = false;
    }

    /// Runs one finalizer to its end; its error becomes a warning. A finalizer cannot wait
    /// (it runs outside any task) nor collect (the request is ignored, as in PUC-Rio).
    fn run_finalizer(&mut self, root: &gc_arena::DynamicRoot<ExecRoot>) {
        let mut spent = 0;
        loop {
            let mut fuel = crate::task::DEFAULT_SLICE * 10;
            let budget = fuel;
            let outcome = self.enter(|ctx| {
                let ex = *ctx.state.roots.fetch(root);
                let r = ex.step(ctx, &mut fuel);
                let msg = |v: Value<'_>| match v {
                    Value::String(s) => s.to_str_lossy().into_owned(),
                    _ => "error object is not a string".to_string(),
                };
                match r {
                    StepResult::Fuel | StepResult::CollectGarbage => None,
                    StepResult::Await(_) => Some(Some(
                        "attempt to yield across a C-call boundary".to_string(),
                    )),
                    StepResult::Finished | StepResult::Failed => match ex.take_result(ctx) {
                        Some(Err(f)) => Some(Some(msg(f.value))),
                        _ => Some(None),
                    },
                }
            });
            spent += budget - fuel;
            let error = match outcome {
                Some(e) => e,
                None if spent > FINALIZER_FUEL => {
                    Some("finalizer exceeded its instruction budget".to_string())
                }
                None => continue,
            };
            if let Some(e) = error {
                self.enter(|ctx| ctx.warning(format!("error in __gc ({e})").as_bytes(), false));
            }
            return;
        }
    }

    /// Closes the state like `lua_close`: every object still marked for finalization has its
    /// finalizer called (newest first), then the state can be dropped.
    pub fn close(&mut self) {
        self.enter(|ctx| {
            let mut gc = ctx.state.gc.borrow_mut(ctx.mc);
            let objs: Vec<_> = gc.finalizable.drain(..).rev().collect();
            for f in objs {
                if let Some(v) = f.upgrade(ctx.mc) {
                    gc.pending.push_back(v);
                }
            }
        });
        self.run_finalizers();
    }
}
