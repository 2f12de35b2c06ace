//! Memory accounting per Lua state, for `collectgarbage("count")` and the optional memory limit
//! (HAProxy's `tune.lua.maxmem`; a catchable "not enough memory" error, like PUC-Rio's).
//!
//! Objects charge their size when created or grown and give it back when dropped. Arena objects
//! cannot reach their state from `Drop`, so the state being worked on is a thread-local set by
//! `Lua` around every `enter` and every collection (`Lua::scope`); outside such a scope nothing
//! is counted (dropping a whole arena with its state needs no accounting).
//!
//! The limit is enforced where memory can grow without bound: big single allocations ask
//! `Ctx::reserve_memory` first (concatenation, and library functions like `string.rep`), and the
//! host checks `Lua::over_memory_limit` after every fuel slice, runs a full collection, and raises
//! the error in the running code if the state is still over (`task.rs`). Between two checks a
//! slice can only grow memory by a bounded amount (it runs a bounded number of instructions, each
//! small allocation is bounded and each big one is pre-checked).
//!
//! Never: allocate, or touch the arena.

use std::cell::Cell;

/// One state's byte counter and limit.
#[derive(Debug)]
pub struct MemoryAccount {
    used: Cell<usize>,
    limit: Cell<usize>,
}

impl Default for MemoryAccount {
    fn default() -> Self {
        MemoryAccount {
            used: Cell::new(0),
            limit: Cell::new(usize::MAX),
        }
    }
}

impl MemoryAccount {
    pub fn used(&self) -> usize {
        self.used.get()
    }

    pub fn limit(&self) -> Option<usize> {
        match self.limit.get() {
            usize::MAX => None,
            l => Some(l),
        }
    }

    pub fn set_limit(&self, limit: Option<usize>) {
        self.limit.set(limit.unwrap_or(usize::MAX));
    }

    pub fn over_limit(&self) -> bool {
        self.used.get() > self.limit.get()
    }

    /// Whether `n` more bytes fit under the limit.
    pub fn fits(&self, n: usize) -> bool {
        self.used.get().saturating_add(n) <= self.limit.get()
    }
}

thread_local! {
    static CURRENT: Cell<*const MemoryAccount> = const { Cell::new(std::ptr::null()) };
}

/// Makes `account` the one charged until the guard is dropped (scopes nest).
pub(crate) struct Scope {
    previous: *const MemoryAccount,
}

impl Scope {
    /// # Safety
    /// `account` must outlive the returned guard.
    pub(crate) unsafe fn enter(account: *const MemoryAccount) -> Scope {
        Scope {
            previous: CURRENT.with(|c| c.replace(account)),
        }
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
    }
}

#[inline]
fn with_current(f: impl FnOnce(&MemoryAccount)) {
    CURRENT.with(|c| {
        // SAFETY: `Scope` only installs accounts that outlive it (the `Lua` owning them).
        if let Some(acc) = unsafe { c.get().as_ref() } {
            f(acc)
        }
    })
}

/// Records `n` bytes allocated by the current state.
#[inline]
pub(crate) fn charge(n: usize) {
    with_current(|a| a.used.set(a.used.get().wrapping_add(n)));
}

/// Records `n` bytes given back by the current state.
#[inline]
pub(crate) fn uncharge(n: usize) {
    with_current(|a| a.used.set(a.used.get().saturating_sub(n)));
}

/// Whether the current state can take `n` more bytes (true outside any state).
#[inline]
pub(crate) fn fits(n: usize) -> bool {
    let mut ok = true;
    with_current(|a| ok = a.fits(n));
    ok
}

/// Bytes used by the current state (0 outside any state).
pub fn current_used() -> usize {
    let mut used = 0;
    with_current(|a| used = a.used());
    used
}

/// A field that charges a fixed or changing size for the object holding it and gives it back
/// when the object is dropped.
#[derive(Debug)]
pub(crate) struct Charge(Cell<usize>);

impl Charge {
    pub(crate) fn new(bytes: usize) -> Charge {
        charge(bytes);
        Charge(Cell::new(bytes))
    }

    /// Changes the charged size to `bytes`.
    #[inline]
    pub(crate) fn set(&self, bytes: usize) {
        let old = self.0.replace(bytes);
        if bytes > old {
            charge(bytes - old);
        } else if old > bytes {
            uncharge(old - bytes);
        }
    }
}

impl Default for Charge {
    /// Nothing charged yet (no need to touch the account for zero bytes).
    fn default() -> Self {
        Charge(Cell::new(0))
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        uncharge(self.0.get());
    }
}

/// The message of a memory error (PUC-Rio's `LUA_ERRMEM`).
pub const MEMORY_ERROR: &str = "not enough memory";
