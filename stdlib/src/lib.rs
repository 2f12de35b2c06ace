//! halo-stdlib: the Lua 5.4 standard library on halo-vm's public API.
//!
//! `open_all` opens everything available; the base library and `coroutine` come from
//! `halo_vm::baselib` (they are intimate with the VM). The pure engines below (patterns, pack
//! formats, strftime) are independent of the VM and tested on their own; the library modules
//! wire them to Lua (see docs/COMPAT.md for what is open today).

use halo_vm::Ctx;

mod bytestrings;
mod format;
pub mod pack;
pub mod pattern;
mod scratch;
pub mod strftime;
pub mod strlib;
mod strmatch;
pub mod utf8lib;

/// Opens the standard library into the state's globals.
pub fn open_all(ctx: Ctx<'_>) {
    halo_vm::baselib::open(ctx);
    strlib::open(ctx);
    utf8lib::open(ctx);
}
