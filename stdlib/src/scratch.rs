//! A per-thread byte buffer reused by library functions that build one string (`format`,
//! `gsub`, `pack`): the result is copied once into its Lua string, so the common case allocates
//! only that string instead of growing a fresh vector every call.

use std::cell::RefCell;

thread_local! {
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Buffers grown beyond this are released after use rather than kept per thread.
const KEEP: usize = 64 * 1024;

/// Runs `f` with an empty buffer. Reentrant: a nested use gets a fresh vector.
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            let r = f(&mut buf);
            if buf.capacity() > KEEP {
                *buf = Vec::new();
            }
            r
        }
        Err(_) => f(&mut Vec::new()),
    })
}
