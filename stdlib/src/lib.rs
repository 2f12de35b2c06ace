//! halo-stdlib: the Lua 5.4 standard library on halo-vm's public API.
//!
//! `open_all` opens everything available; the base library and `coroutine` come from
//! `halo_vm::baselib` (they are intimate with the VM). The pure engines below (patterns, pack
//! formats, strftime) are independent of the VM and tested on their own; the library modules
//! wire them to Lua (see docs/COMPAT.md for what is open today).

use halo_vm::Ctx;

mod bytestrings;
pub mod file;
pub mod fileresult;
mod format;
pub mod iolib;
pub mod loadfile;
pub mod localtime;
pub mod mathlib;
pub mod metaops;
pub mod oslib;
pub mod pack;
pub mod package;
pub mod pattern;
mod scratch;
pub mod sort;
pub mod stream;
pub mod strftime;
pub mod strlib;
mod strmatch;
pub mod tablib;
pub mod utf8lib;

/// Opens the standard library into the state's globals.
pub fn open_all(ctx: Ctx<'_>) {
    halo_vm::baselib::open(ctx);
    halo_vm::debuglib::open(ctx);
    tablib::open(ctx);
    mathlib::open(ctx);
    oslib::open(ctx);
    strlib::open(ctx);
    utf8lib::open(ctx);
    loadfile::open(ctx);
    iolib::open(ctx, true);
    // Last: records every library opened above in package.loaded.
    package::open(ctx);
}
