//! Lua tables: an array part for the keys `1..=n` and an open-addressing hash part.
//!
//! Invariants:
//! - Keys are normalised: a float key with an integral value is stored as an integer; `nil` and
//!   NaN are never keys (`set` rejects them, `get` finds nothing).
//! - The hash part never moves a node except when it is rebuilt, and a key whose value is set to
//!   `nil` stays in its node as a *dead key* until then. This is what makes `next` valid while a
//!   traversal assigns `nil` to existing fields (§6.1 `next`), exactly as in PUC-Rio.
//! - The hash part is rebuilt only when a *new* key is inserted into a full part (inserting new
//!   keys during traversal is undefined behaviour in Lua too).
//! - `absent_meta` caches, for a table used as a metatable, which metamethods it lacks; any raw
//!   write to the table clears the cache (see `meta.rs`).
//!
//! Never: call metamethods (that is the interpreter's job; this is the raw table).

use std::cell::Cell;

use std::cell::RefMut;

use gc_arena::{Collect, Gc, Mutation, RefLock};

use crate::memory::Charge;
use crate::string::LuaString;
use crate::value::{Value, gc_identity};

#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct Table<'gc>(pub(crate) Gc<'gc, RefLock<TableState<'gc>>>);

gc_identity!(Table);

#[derive(Default)]
pub struct TableState<'gc> {
    pub(crate) array: Vec<Value<'gc>>,
    hash: HashPart<'gc>,
    pub(crate) metatable: Option<Table<'gc>>,
    pub(crate) absent_meta: Cell<u32>,
    /// `WEAK_KEYS | WEAK_VALUES` as set by `gc::set_metatable` from `__mode`, plus
    /// `WEAK_REGISTERED` once the table is in the collector's list of weak tables. Only
    /// `gc.rs` sets the weak bits, and only together with registering the table: a weak table
    /// the collector does not know about would keep pointers to freed objects.
    pub(crate) weak: Cell<u8>,
    /// This table's bytes in the state's memory account (`memory.rs`).
    charge: Charge,
}

pub(crate) const WEAK_KEYS: u8 = 1;
pub(crate) const WEAK_VALUES: u8 = 2;
pub(crate) const WEAK_REGISTERED: u8 = 4;

/// The key left in a node whose weak key was collected: a NaN can never be looked up or
/// inserted (`normalize_key` rejects it), and the node must keep a non-nil key so probe chains
/// through it stay intact until the next rebuild drops it.
const COLLECTED_KEY: f64 = f64::NAN;

// SAFETY: traces every pointer except those a weak mode makes weak. Weak references are never
// left dangling: the collector (`gc.rs`) clears every entry whose object is dead from every
// registered weak table before sweeping, and resurrects ephemeron values whose key lives.
unsafe impl<'gc> Collect<'gc> for TableState<'gc> {
    fn trace<T: gc_arena::collect::Trace<'gc>>(&self, cc: &mut T) {
        cc.trace(&self.metatable);
        let weak = self.weak.get();
        let (wk, wv) = (weak & WEAK_KEYS != 0, weak & WEAK_VALUES != 0);
        if !wk && !wv {
            for v in &self.array {
                cc.trace(v);
            }
            for n in &self.hash.nodes {
                cc.trace(&n.key);
                cc.trace(&n.value);
            }
            return;
        }
        for v in &self.array {
            if !(wv && v.weak_object().is_some()) {
                cc.trace(v);
            }
        }
        for n in &self.hash.nodes {
            let key_weak = wk && n.key.weak_object().is_some();
            if !key_weak {
                cc.trace(&n.key);
            }
            // A value under a weak key is an ephemeron: the collector marks it only once the
            // key is known to live (`gc.rs`).
            if !(key_weak || (wv && n.value.weak_object().is_some())) {
                cc.trace(&n.value);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    Nil,
    NaN,
}

/// `next` was given a key that is not in the table ("invalid key to 'next'").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidKey;

impl KeyError {
    pub fn message(self) -> &'static str {
        match self {
            KeyError::Nil => "index is nil",
            KeyError::NaN => "index is NaN",
        }
    }
}

#[derive(Copy, Clone, Collect, Default)]
#[collect(no_drop)]
struct Node<'gc> {
    key: Value<'gc>,
    value: Value<'gc>,
}

#[derive(Collect, Default)]
#[collect(no_drop)]
struct HashPart<'gc> {
    /// Power-of-two length, or empty.
    nodes: Vec<Node<'gc>>,
    /// Nodes whose key is not nil (live or dead).
    used: usize,
}

const MIX: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline]
fn hash_key(key: Value<'_>) -> u64 {
    let h = match key {
        Value::Integer(i) => i as u64,
        Value::Number(f) => f.to_bits(),
        Value::Boolean(b) => b as u64 + 1,
        Value::String(s) => s.hash_value(),
        other => other.gc_ptr().map_or(0, |p| p as u64 >> 4),
    };
    h.wrapping_mul(MIX)
}

#[inline]
fn key_eq<'gc>(a: Value<'gc>, b: Value<'gc>) -> bool {
    match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x.to_bits() == y.to_bits(),
        (Value::Boolean(x), Value::Boolean(y)) => x == y,
        (Value::Nil, _) | (_, Value::Nil) => false,
        (x, y) => x.gc_ptr() == y.gc_ptr() && x.type_of() == y.type_of(),
    }
}

/// Normalises a key for lookup: integral floats become integers. `None` for nil and NaN.
#[inline]
pub fn normalize_key(key: Value<'_>) -> Result<Value<'_>, KeyError> {
    match key {
        Value::Nil => Err(KeyError::Nil),
        Value::Number(f) => {
            if f.is_nan() {
                Err(KeyError::NaN)
            } else if let Some(i) = crate::number::float_to_int(f) {
                Ok(Value::Integer(i))
            } else {
                Ok(key)
            }
        }
        _ => Ok(key),
    }
}

impl<'gc> HashPart<'gc> {
    #[inline]
    fn slot(&self, h: u64) -> usize {
        // The multiplicative mix puts the good bits at the top.
        (h >> (64 - self.nodes.len().trailing_zeros())) as usize
    }

    #[inline]
    fn find(&self, key: Value<'gc>) -> Option<usize> {
        if self.nodes.is_empty() {
            return None;
        }
        let mask = self.nodes.len() - 1;
        let mut i = if self.nodes.len() == 1 {
            0
        } else {
            self.slot(hash_key(key))
        };
        loop {
            let node = &self.nodes[i];
            if node.key.is_nil() {
                return None;
            }
            if key_eq(node.key, key) {
                return Some(i);
            }
            i = (i + 1) & mask;
        }
    }

    /// `find` for a string key, the most common lookup (fields, methods, globals): equal
    /// strings are usually the same object (constants of one chunk are shared), so pointer
    /// equality settles most probes.
    #[inline(always)]
    fn find_str(&self, key: LuaString<'gc>) -> Option<usize> {
        if self.nodes.is_empty() {
            return None;
        }
        let mask = self.nodes.len() - 1;
        let mut i = if self.nodes.len() == 1 {
            0
        } else {
            self.slot(key.hash_value().wrapping_mul(MIX))
        };
        loop {
            match self.nodes[i].key {
                Value::Nil => return None,
                Value::String(s) if s == key => return Some(i),
                _ => {}
            }
            i = (i + 1) & mask;
        }
    }

    #[inline]
    fn get_str(&self, key: LuaString<'gc>) -> Value<'gc> {
        match self.find_str(key) {
            Some(i) => self.nodes[i].value,
            None => Value::Nil,
        }
    }

    #[inline]
    fn get(&self, key: Value<'gc>) -> Value<'gc> {
        match self.find(key) {
            Some(i) => self.nodes[i].value,
            None => Value::Nil,
        }
    }

    /// Sets `key` (already normalised, not nil/NaN). Returns whether a new node was taken.
    fn set(&mut self, key: Value<'gc>, value: Value<'gc>) -> bool {
        let found = match key {
            Value::String(s) => self.find_str(s),
            _ => self.find(key),
        };
        if let Some(i) = found {
            self.nodes[i].value = value;
            return false;
        }
        if value.is_nil() {
            return false;
        }
        // Keep the load (live and dead nodes) at most 3/4 so probes stay short and always end.
        if (self.used + 1) * 4 > self.nodes.len() * 3 {
            self.rebuild(self.live() + 1);
        }
        self.insert_new(key, value);
        true
    }

    fn insert_new(&mut self, key: Value<'gc>, value: Value<'gc>) {
        let mask = self.nodes.len() - 1;
        let mut i = if self.nodes.len() == 1 {
            0
        } else {
            self.slot(hash_key(key))
        };
        while !self.nodes[i].key.is_nil() {
            i = (i + 1) & mask;
        }
        self.nodes[i] = Node { key, value };
        self.used += 1;
    }

    fn live(&self) -> usize {
        self.nodes.iter().filter(|n| !n.value.is_nil()).count()
    }

    /// Rebuilds the part for at least `want` live keys, dropping dead keys.
    fn rebuild(&mut self, want: usize) {
        let cap = (want * 4).div_ceil(3).next_power_of_two().max(4);
        let old = std::mem::replace(&mut self.nodes, vec![Node::default(); cap]);
        self.used = 0;
        for n in old {
            if !n.value.is_nil() {
                self.insert_new(n.key, n.value);
            }
        }
    }

    fn reserve(&mut self, n: usize) {
        if n > 0 && (self.used + n) * 4 > self.nodes.len() * 3 {
            self.rebuild(self.live() + n);
        }
    }
}

impl<'gc> Table<'gc> {
    pub fn new(mc: &Mutation<'gc>) -> Self {
        let st = TableState::default();
        st.sync_charge();
        Table(Gc::new(mc, RefLock::new(st)))
    }

    /// A table presized like `NEWTABLE` does: `narray` array slots (nil) and room for `nhash` keys.
    pub fn with_capacity(mc: &Mutation<'gc>, narray: usize, nhash: usize) -> Self {
        let mut st = TableState {
            array: Vec::with_capacity(narray),
            ..Default::default()
        };
        st.hash.reserve(nhash);
        st.sync_charge();
        Table(Gc::new(mc, RefLock::new(st)))
    }

    /// The table's state for the interpreter's fast paths, without the borrow flag's upkeep.
    ///
    /// # Safety
    /// No `RefMut` of this table may be alive, and the reference must be dropped before
    /// anything that could borrow the table mutably runs (the interpreter only calls
    /// `TableState` reads with it; no code holds a table borrow across an interpreter step).
    #[inline(always)]
    pub(crate) unsafe fn peek(self) -> &'gc TableState<'gc> {
        // SAFETY: see above.
        unsafe { &*self.0.as_ptr() }
    }

    /// Mutable state for the interpreter's fast paths: the write barrier, without the borrow
    /// flag's upkeep.
    ///
    /// # Safety
    /// No other borrow of this table may be alive, and the reference must be dropped before
    /// anything else can reach the table (the interpreter only calls one `TableState` write).
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn poke(self, mc: &Mutation<'gc>) -> &'gc mut TableState<'gc> {
        let _ = Gc::write(mc, self.0);
        // SAFETY: see above; the barrier is what `borrow_mut` would do besides the flag.
        unsafe { &mut *self.0.as_ptr() }
    }

    #[inline]
    pub fn borrow(self) -> std::cell::Ref<'gc, TableState<'gc>> {
        self.0.borrow()
    }

    #[inline]
    pub fn borrow_mut(self, mc: &Mutation<'gc>) -> RefMut<'gc, TableState<'gc>> {
        self.0.borrow_mut(mc)
    }

    #[inline]
    pub fn get(self, key: Value<'gc>) -> Value<'gc> {
        self.0.borrow().get(key)
    }

    #[inline]
    pub fn get_int(self, i: i64) -> Value<'gc> {
        self.0.borrow().get_int(i)
    }

    #[inline]
    pub fn get_str(self, key: LuaString<'gc>) -> Value<'gc> {
        self.0.borrow().hash.get_str(key)
    }

    #[inline]
    pub fn set(
        self,
        mc: &Mutation<'gc>,
        key: Value<'gc>,
        value: Value<'gc>,
    ) -> Result<(), KeyError> {
        self.0.borrow_mut(mc).set(key, value)
    }

    #[inline]
    pub fn set_int(self, mc: &Mutation<'gc>, i: i64, value: Value<'gc>) {
        self.0.borrow_mut(mc).set_int(i, value)
    }

    #[inline]
    pub fn set_str(self, mc: &Mutation<'gc>, key: LuaString<'gc>, value: Value<'gc>) {
        self.0.borrow_mut(mc).set_str(key, value)
    }

    #[inline]
    pub fn metatable(self) -> Option<Table<'gc>> {
        self.0.borrow().metatable
    }

    pub fn set_metatable(self, mc: &Mutation<'gc>, mt: Option<Table<'gc>>) {
        self.0.borrow_mut(mc).metatable = mt;
    }

    /// The border `#t` returns without `__len` (§3.4.7).
    pub fn length(self) -> i64 {
        self.0.borrow().length()
    }

    /// `next(t, key)`: `Ok(None)` at the end, `Err` if `key` is not in the table.
    pub fn next(self, key: Value<'gc>) -> Result<Option<(Value<'gc>, Value<'gc>)>, InvalidKey> {
        self.0.borrow().next(key)
    }
}

impl<'gc> TableState<'gc> {
    /// Brings the memory account up to date with the parts' capacities (after growth).
    fn sync_charge(&self) {
        const BASE: usize = 16 + std::mem::size_of::<TableState<'static>>();
        self.charge.set(
            BASE + self.array.capacity() * std::mem::size_of::<Value<'static>>()
                + self.hash.nodes.capacity() * std::mem::size_of::<Node<'static>>(),
        );
    }

    #[inline]
    pub fn get(&self, key: Value<'gc>) -> Value<'gc> {
        match key {
            Value::Integer(i) => self.get_int(i),
            Value::String(s) => self.hash.get_str(s),
            Value::Nil => Value::Nil,
            Value::Number(f) => match crate::number::float_to_int(f) {
                Some(i) => self.get_int(i),
                None if f.is_nan() => Value::Nil,
                None => self.hash.get(key),
            },
            _ => self.hash.get(key),
        }
    }

    #[inline(always)]
    pub fn get_int(&self, i: i64) -> Value<'gc> {
        let idx = (i as u64).wrapping_sub(1);
        if idx < self.array.len() as u64 {
            self.array[idx as usize]
        } else {
            self.get_int_hashed(i)
        }
    }

    #[inline(never)]
    fn get_int_hashed(&self, i: i64) -> Value<'gc> {
        self.hash.get(Value::Integer(i))
    }

    #[inline]
    pub fn get_str(&self, key: LuaString<'gc>) -> Value<'gc> {
        self.hash.get_str(key)
    }

    pub fn set(&mut self, key: Value<'gc>, value: Value<'gc>) -> Result<(), KeyError> {
        match normalize_key(key)? {
            Value::Integer(i) => self.set_int(i, value),
            k => {
                if self.hash.set(k, value) {
                    self.sync_charge();
                }
                // Metamethod names are string keys; a write may add one (even by reviving a dead
                // key), so the absence cache cannot be trusted any more.
                self.absent_meta.set(0);
            }
        }
        Ok(())
    }

    #[inline]
    pub fn set_str(&mut self, key: LuaString<'gc>, value: Value<'gc>) {
        if self.hash.set(Value::String(key), value) {
            self.sync_charge();
        }
        self.absent_meta.set(0);
    }

    #[inline]
    pub fn set_int(&mut self, i: i64, value: Value<'gc>) {
        let idx = (i as u64).wrapping_sub(1);
        if idx < self.array.len() as u64 {
            self.array[idx as usize] = value;
        } else {
            self.set_int_outside(i, value);
        }
    }

    /// `set_int` for a key outside the array part: append, or the hash part.
    fn set_int_outside(&mut self, i: i64, value: Value<'gc>) {
        let idx = (i as u64).wrapping_sub(1);
        let len = self.array.len() as u64;
        if idx == len && !value.is_nil() && self.hash.find(Value::Integer(i)).is_none() {
            let cap = self.array.capacity();
            self.array.push(value);
            self.migrate_from_hash();
            if self.array.capacity() != cap {
                self.sync_charge();
            }
        } else if self.hash.set(Value::Integer(i), value) {
            self.sync_charge();
        }
    }

    /// After the array part grew, pulls the following integer keys out of the hash part so that
    /// sequences built out of order still end up in the array.
    fn migrate_from_hash(&mut self) {
        if self.hash.used == 0 {
            return;
        }
        loop {
            let next = Value::Integer(self.array.len() as i64 + 1);
            match self.hash.find(next) {
                Some(slot) if !self.hash.nodes[slot].value.is_nil() => {
                    let v = self.hash.nodes[slot].value;
                    // Leave a dead key behind: a traversal in progress may still be at it.
                    self.hash.nodes[slot].value = Value::Nil;
                    self.array.push(v);
                }
                _ => break,
            }
        }
    }

    /// Presizes the array part to at least `n` slots (for `SETLIST` / table constructors).
    pub fn ensure_array(&mut self, n: usize) {
        if self.array.len() < n {
            self.array.resize(n, Value::Nil);
            self.sync_charge();
        }
    }

    #[inline]
    pub fn length(&self) -> i64 {
        let n = self.array.len();
        // The common case: a sequence entirely in the array part.
        if (n == 0 || !self.array[n - 1].is_nil()) && self.hash.used == 0 {
            return n as i64;
        }
        self.length_search()
    }

    #[inline(never)]
    fn length_search(&self) -> i64 {
        let n = self.array.len();
        if n > 0 && self.array[n - 1].is_nil() {
            // Binary search for a border inside the array part, as PUC-Rio does.
            let (mut lo, mut hi) = (0usize, n);
            while hi - lo > 1 {
                let m = (lo + hi) / 2;
                if self.array[m - 1].is_nil() {
                    hi = m;
                } else {
                    lo = m;
                }
            }
            return lo as i64;
        }
        if self.hash.used == 0 || self.hash.get(Value::Integer(n as i64 + 1)).is_nil() {
            return n as i64;
        }
        // Unbounded search in the hash part.
        let mut i = n as u64 + 1;
        let mut j = i * 2;
        while !self.get_int(j as i64).is_nil() {
            i = j;
            if j > (i64::MAX as u64) / 2 {
                // Pathological table: fall back to a linear search like PUC-Rio.
                let mut k = 1i64;
                while !self.get_int(k).is_nil() {
                    k += 1;
                }
                return k - 1;
            }
            j *= 2;
        }
        while j - i > 1 {
            let m = (i + j) / 2;
            if self.get_int(m as i64).is_nil() {
                j = m;
            } else {
                i = m;
            }
        }
        i as i64
    }

    pub fn next(&self, key: Value<'gc>) -> Result<Option<(Value<'gc>, Value<'gc>)>, InvalidKey> {
        let start = match key {
            Value::Nil => 0,
            _ => {
                let key = normalize_key(key).map_err(|_| InvalidKey)?;
                match key {
                    Value::Integer(i) if i >= 1 && (i as u64) <= self.array.len() as u64 => {
                        i as usize
                    }
                    _ => {
                        let slot = self.hash.find(key).ok_or(InvalidKey)?;
                        self.array.len() + slot + 1
                    }
                }
            }
        };
        for i in start..self.array.len() {
            if !self.array[i].is_nil() {
                return Ok(Some((Value::Integer(i as i64 + 1), self.array[i])));
            }
        }
        let hstart = start.saturating_sub(self.array.len());
        for n in self.hash.nodes.iter().skip(hstart) {
            if !n.value.is_nil() {
                return Ok(Some((n.key, n.value)));
            }
        }
        Ok(None)
    }

    pub fn metatable(&self) -> Option<Table<'gc>> {
        self.metatable
    }

    pub fn array_len(&self) -> usize {
        self.array.len()
    }

    /// Ephemeron step: the values (any arena object) of entries whose weak key is alive
    /// (`dead` says it is not) — the collector must mark them.
    pub(crate) fn ephemeron_values(
        &self,
        dead: impl Fn(Gc<'gc, ()>) -> bool,
        out: &mut Vec<Gc<'gc, ()>>,
    ) {
        for n in &self.hash.nodes {
            if let Some(k) = n.key.weak_object()
                && !dead(k)
                && let Some(v) = n.value.any_object()
                && dead(v)
            {
                out.push(v);
            }
        }
    }

    /// Removes the entries whose weak value `dead` reports as about to be freed.
    pub(crate) fn clear_dead_values(&mut self, dead: impl Fn(Gc<'gc, ()>) -> bool) {
        self.clear_weak_entries(false, dead)
    }

    /// Removes the entries whose weak key or weak value `dead` reports as about to be freed.
    pub(crate) fn clear_dead(&mut self, dead: impl Fn(Gc<'gc, ()>) -> bool) {
        self.clear_weak_entries(true, dead)
    }

    fn clear_weak_entries(&mut self, keys: bool, dead: impl Fn(Gc<'gc, ()>) -> bool) {
        let weak = self.weak.get();
        let (wk, wv) = (keys && weak & WEAK_KEYS != 0, weak & WEAK_VALUES != 0);
        if wv {
            for v in &mut self.array {
                if v.weak_object().is_some_and(&dead) {
                    *v = Value::Nil;
                }
            }
        }
        for n in &mut self.hash.nodes {
            if wk && n.key.weak_object().is_some_and(&dead) {
                n.key = Value::Number(COLLECTED_KEY);
                n.value = Value::Nil;
            } else if wv && n.value.weak_object().is_some_and(&dead) {
                n.value = Value::Nil;
            }
        }
    }
}
