//! The per-arena root (`State`), the context handed to all arena code (`Ctx`), and `Lua`, the
//! Rust host's handle on one Lua state.
//!
//! Invariants: one `Lua` per OS thread at most touches a given arena (arenas are `!Send`); all
//! arena access goes through `Lua::enter`, and garbage collection only runs between two `enter`
//! calls (never while Rust code holds `Gc` pointers).

use std::cell::Cell;
use std::collections::HashMap;
use std::io::Write;

use gc_arena::{Arena, Collect, DynamicRootSet, Gc, Mutation, RefLock, Rootable};

use crate::gc::GcState;
use crate::memory::{self, MemoryAccount};

use crate::meta::{EVENT_COUNT, MetaEvent};
use crate::string::LuaString;
use crate::table::Table;
use crate::value::{LuaType, Value};

#[derive(Collect)]
#[collect(no_drop)]
pub struct State<'gc> {
    pub globals: Table<'gc>,
    pub registry: Table<'gc>,
    /// Metatables shared by all values of a basic type (index: `LuaType as usize`).
    type_metas: Gc<'gc, RefLock<[Option<Table<'gc>>; 8]>>,
    event_names: Box<[LuaString<'gc>]>,
    /// The names the host gives things (library functions and tables, globals it sets, event
    /// names), one string object each. A chunk's equal constants are loaded as these very
    /// objects, so `string.len` or `t:insert` find their key by pointer, without comparing
    /// bytes (PUC-Rio gets the same by interning every short string). Only hosts add names,
    /// from their code: the map stays small.
    names: Gc<'gc, RefLock<HashMap<Box<[u8]>, LuaString<'gc>>>>,
    pub roots: DynamicRootSet<'gc>,
    /// Weak tables and objects awaiting finalization (see `gc.rs`).
    pub(crate) gc: Gc<'gc, RefLock<GcState<'gc>>>,
    #[collect(require_static)]
    warnings: Cell<WarnMode>,
    /// `collectgarbage`'s settings, shared with the host handle (`Lua::gc_step` reads them).
    #[collect(require_static)]
    pub(crate) gc_control: std::rc::Rc<Cell<GcControl>>,
}

/// What `collectgarbage` sets: whether automatic collection runs ("stop"/"restart"), the mode
/// it reports, and the pause/step multiplier, which tune gc-arena's pacing.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct GcControl {
    pub running: bool,
    pub generational: bool,
    pub pause: i64,
    pub stepmul: i64,
}

impl Default for GcControl {
    fn default() -> Self {
        GcControl {
            running: true,
            generational: false,
            pause: 200,
            stepmul: 100,
        }
    }
}

/// The warning system's state (§4.6 `lua_warning`, as `lua.c` configures it).
#[derive(Copy, Clone, PartialEq, Eq)]
enum WarnMode {
    Off,
    On,
    /// The previous piece said more pieces follow.
    Continued,
}

impl<'gc> State<'gc> {
    fn new(mc: &Mutation<'gc>) -> Self {
        let event_names: Box<[LuaString<'gc>]> = MetaEvent::ALL
            .iter()
            .map(|e| LuaString::new(mc, e.name().as_bytes()))
            .collect();
        let names = event_names
            .iter()
            .map(|s| (Box::from(s.as_bytes()), *s))
            .collect();
        State {
            globals: Table::new(mc),
            registry: Table::new(mc),
            type_metas: Gc::new(mc, RefLock::new(Default::default())),
            event_names,
            names: Gc::new(mc, RefLock::new(names)),
            roots: DynamicRootSet::new(mc),
            gc: Gc::new(mc, RefLock::new(GcState::default())),
            // Like `lua5.4`: warnings start off (`-W` or `warn("@on")` turns them on).
            warnings: Cell::new(WarnMode::Off),
            gc_control: Default::default(),
        }
    }

    #[inline]
    pub fn type_metatable(&self, t: LuaType) -> Option<Table<'gc>> {
        self.type_metas.borrow()[t as usize]
    }

    pub fn set_type_metatable(&self, mc: &Mutation<'gc>, t: LuaType, mt: Option<Table<'gc>>) {
        self.type_metas.borrow_mut(mc)[t as usize] = mt;
    }

    /// The host's string for `name` (see `names`), if it has named something so.
    #[inline]
    pub fn known_name(&self, name: &[u8]) -> Option<LuaString<'gc>> {
        self.names.borrow().get(name).copied()
    }

    #[inline]
    pub fn event_name(&self, e: MetaEvent) -> LuaString<'gc> {
        debug_assert_eq!(self.event_names.len(), EVENT_COUNT);
        self.event_names[e as usize]
    }
}

/// Everything arena code needs: the mutation context and the state root.
#[derive(Copy, Clone)]
pub struct Ctx<'gc> {
    pub mc: &'gc Mutation<'gc>,
    pub state: &'gc State<'gc>,
}

impl<'gc> Ctx<'gc> {
    pub fn str(self, s: &str) -> LuaString<'gc> {
        LuaString::new(self.mc, s.as_bytes())
    }
    pub fn bytes(self, s: &[u8]) -> LuaString<'gc> {
        LuaString::new(self.mc, s)
    }
    pub fn str_value(self, s: &str) -> Value<'gc> {
        Value::String(self.str(s))
    }
    pub fn globals(self) -> Table<'gc> {
        self.state.globals
    }
    /// The one string object for a name the host gives something (a library function, a
    /// table field, a global): chunks loaded later use this object for their equal constants.
    /// For names written in the host's code, never for data (the names are kept for the
    /// state's life).
    pub fn name(self, name: &str) -> LuaString<'gc> {
        if let Some(s) = self.state.known_name(name.as_bytes()) {
            return s;
        }
        let s = self.str(name);
        self.state
            .names
            .borrow_mut(self.mc)
            .insert(Box::from(name.as_bytes()), s);
        s
    }

    /// Sets a global variable.
    pub fn set_global(self, name: &str, v: Value<'gc>) {
        self.state.globals.set_str(self.mc, self.name(name), v);
    }
    pub fn get_global(self, name: &str) -> Value<'gc> {
        let key = self
            .state
            .known_name(name.as_bytes())
            .unwrap_or_else(|| self.str(name));
        self.state.globals.get_str(key)
    }

    /// Stores each `(name, function)` in `t` (`luaL_setfuncs`): how libraries fill their tables.
    pub fn set_functions(self, t: Table<'gc>, funcs: &[(&str, crate::callback::NativeFn)]) {
        for &(name, f) in funcs {
            let f = crate::closure::NativeFunction::new(self.mc, f);
            t.set_str(
                self.mc,
                self.name(name),
                Value::Function(crate::value::Function::Native(f)),
            );
        }
    }

    /// Checks that `n` more bytes fit under the state's memory limit, before a big allocation
    /// (a concatenation, `string.rep`...): "not enough memory" otherwise.
    #[inline]
    pub fn reserve_memory(self, n: usize) -> Result<(), crate::callback::Error<'gc>> {
        if memory::fits(n) {
            Ok(())
        } else {
            Err(crate::callback::Error::Value(
                self.str_value(memory::MEMORY_ERROR),
            ))
        }
    }

    /// Emits a warning piece (`lua_warning`): `tocont` says more pieces follow. A lone piece
    /// `@on` / `@off` turns warnings on or off; other `@...` control messages are ignored.
    /// Warnings go to stderr as `Lua warning: ...`, like `lua5.4`.
    pub fn warning(self, msg: &[u8], tocont: bool) {
        let cell = &self.state.warnings;
        let mode = cell.get();
        if mode != WarnMode::Continued && !tocont && msg.first() == Some(&b'@') {
            match &msg[1..] {
                b"on" => cell.set(WarnMode::On),
                b"off" => cell.set(WarnMode::Off),
                _ => {}
            }
            return;
        }
        if mode == WarnMode::Off {
            return;
        }
        let mut err = std::io::stderr().lock();
        if mode == WarnMode::On {
            let _ = err.write_all(b"Lua warning: ");
        }
        let _ = err.write_all(msg);
        if tocont {
            cell.set(WarnMode::Continued);
        } else {
            let _ = err.write_all(b"\n");
            cell.set(WarnMode::On);
        }
    }
}

pub type StateRoot = Rootable![State<'_>];

/// A Lua state owned by the Rust host.
pub struct Lua {
    /// Dropped by hand in `Drop`, outside any memory scope.
    pub(crate) arena: std::mem::ManuallyDrop<Arena<StateRoot>>,
    /// Boxed so its address, installed in the thread-local scope, is stable.
    account: Box<MemoryAccount>,
    /// Set while finalizers run (they do not nest).
    pub(crate) finalizing: bool,
    /// The state's `collectgarbage` settings (the same cell as `State::gc_control`).
    pub(crate) gc_control: std::rc::Rc<Cell<GcControl>>,
}

impl Drop for Lua {
    fn drop(&mut self) {
        // Dropping the whole arena needs no accounting: make sure it charges no other state.
        let _scope = unsafe { memory::Scope::enter(std::ptr::null()) };
        // SAFETY: the arena is never used again.
        unsafe { std::mem::ManuallyDrop::drop(&mut self.arena) };
    }
}

impl Default for Lua {
    fn default() -> Self {
        Self::new()
    }
}

impl Lua {
    /// A bare state: globals empty but for `_G` and `_VERSION`. Libraries are opened by
    /// `crate::baselib::open` and by halo-stdlib.
    pub fn new() -> Self {
        // The closure (not `State::new` itself) gives the higher-ranked lifetime the arena needs.
        #[allow(clippy::redundant_closure)]
        let arena = Arena::<StateRoot>::new(|mc| State::new(mc));
        let gc_control = arena.mutate(|_, state| state.gc_control.clone());
        let lua = Lua {
            arena: std::mem::ManuallyDrop::new(arena),
            account: Box::default(),
            finalizing: false,
            gc_control,
        };
        lua.enter(|ctx| {
            ctx.set_global("_G", Value::Table(ctx.globals()));
            ctx.set_global("_VERSION", ctx.str_value("Lua 5.4"));
        });
        lua
    }

    /// `collectgarbage`'s settings (a host such as `lua.c` may preset the reported mode).
    pub fn gc_control(&self) -> GcControl {
        self.gc_control.get()
    }

    pub fn set_gc_control(&self, c: GcControl) {
        self.gc_control.set(c);
    }

    /// Runs `f` inside the arena.
    pub fn enter<R>(&self, f: impl for<'gc> FnOnce(Ctx<'gc>) -> R) -> R {
        let _scope = self.memory_scope();
        self.arena.mutate(|mc, state| f(Ctx { mc, state }))
    }

    /// Charges this state for what is allocated and freed until the guard drops.
    pub(crate) fn memory_scope(&self) -> memory::Scope {
        // SAFETY: the account lives as long as `self`, which outlives the borrow-bound guard's
        // uses (every caller drops it before returning).
        unsafe { memory::Scope::enter(&*self.account) }
    }

    /// Bytes the state's objects use (an accounting of tables, strings, closures, threads and
    /// userdata, close to what PUC-Rio's allocator would see).
    pub fn memory_used(&self) -> usize {
        self.account.used()
    }

    /// Sets or removes the memory limit (bytes). Over it, code gets "not enough memory".
    pub fn set_memory_limit(&self, limit: Option<usize>) {
        self.account.set_limit(limit);
    }

    pub fn memory_limit(&self) -> Option<usize> {
        self.account.limit()
    }

    /// Whether the state uses more memory than its limit allows.
    pub fn over_memory_limit(&self) -> bool {
        self.account.over_limit()
    }

    /// Number of live arena objects (collectgarbage("count") estimates bytes from it).
    pub fn gc_object_count(&self) -> usize {
        self.arena.metrics().total_gc_count()
    }
}
