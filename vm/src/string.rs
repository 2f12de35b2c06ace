//! Lua strings: immutable byte strings in the GC arena.
//!
//! Invariants: the bytes never change after creation; equality and hashing are by content, so two
//! strings built separately are the same table key. The hash is computed lazily (most strings,
//! e.g. concatenation temporaries, are never used as keys) and cached.
//!
//! Never: assume UTF-8.

use std::cell::Cell;
use std::hash::{BuildHasher, Hash, Hasher};

use gc_arena::{Collect, Gc, Mutation};

#[derive(Collect)]
#[collect(require_static)]
pub struct StringData {
    /// 0 means "not computed yet"; a computed hash of 0 is stored as 1.
    hash: Cell<u64>,
    bytes: Box<[u8]>,
}

#[derive(Copy, Clone, Collect)]
#[collect(no_drop)]
pub struct LuaString<'gc>(pub(crate) Gc<'gc, StringData>);

/// What a string costs beyond its bytes: the arena header and `StringData`.
const STRING_OVERHEAD: usize = 16 + std::mem::size_of::<StringData>();

impl Drop for StringData {
    fn drop(&mut self) {
        crate::memory::uncharge(self.bytes.len() + STRING_OVERHEAD);
    }
}

/// A fixed seed keeps hashing deterministic within and across runs; iteration order of Lua tables
/// is unspecified anyway, and determinism makes failures reproducible.
const HASH_STATE: foldhash::fast::FixedState =
    foldhash::fast::FixedState::with_seed(0x9e37_79b9_7f4a_7c15);

pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let h = HASH_STATE.hash_one(bytes);
    if h == 0 { 1 } else { h }
}

impl<'gc> LuaString<'gc> {
    pub fn new(mc: &Mutation<'gc>, bytes: &[u8]) -> Self {
        Self::from_box(mc, bytes.into())
    }

    pub fn from_vec(mc: &Mutation<'gc>, bytes: Vec<u8>) -> Self {
        Self::from_box(mc, bytes.into_boxed_slice())
    }

    pub fn from_box(mc: &Mutation<'gc>, bytes: Box<[u8]>) -> Self {
        crate::memory::charge(bytes.len() + STRING_OVERHEAD);
        LuaString(Gc::new(
            mc,
            StringData {
                hash: Cell::new(0),
                bytes,
            },
        ))
    }

    #[inline]
    pub fn as_bytes(self) -> &'gc [u8] {
        &Gc::as_ref(self.0).bytes
    }

    #[inline]
    pub fn len(self) -> usize {
        self.0.bytes.len()
    }

    #[inline]
    pub fn is_empty(self) -> bool {
        self.0.bytes.is_empty()
    }

    #[inline]
    pub fn hash_value(self) -> u64 {
        let h = self.0.hash.get();
        if h != 0 {
            return h;
        }
        let h = hash_bytes(&self.0.bytes);
        self.0.hash.set(h);
        h
    }

    /// Lossy UTF-8 view, for messages shown to Rust hosts.
    pub fn to_str_lossy(self) -> std::borrow::Cow<'gc, str> {
        String::from_utf8_lossy(self.as_bytes())
    }

    pub fn ptr_eq(self, other: LuaString<'gc>) -> bool {
        Gc::ptr_eq(self.0, other.0)
    }
}

impl PartialEq for LuaString<'_> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        if Gc::ptr_eq(self.0, other.0) {
            return true;
        }
        let (a, b) = (&self.0.bytes, &other.0.bytes);
        if a.len() != b.len() {
            return false;
        }
        // Compare cached hashes only when both are known: computing them would cost as much as
        // comparing the bytes.
        let (ha, hb) = (self.0.hash.get(), other.0.hash.get());
        if ha != 0 && hb != 0 && ha != hb {
            return false;
        }
        if a.len() <= 8 {
            // Short keys (most field names): a byte loop beats a call to memcmp.
            return a.iter().zip(b.iter()).all(|(x, y)| x == y);
        }
        a == b
    }
}

impl Eq for LuaString<'_> {}

impl Hash for LuaString<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash_value());
    }
}

impl std::fmt::Debug for LuaString<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_str_lossy())
    }
}
