//! halo-stdlib: the Lua 5.4 standard library on halo-vm's public API.
//!
//! `open_all` opens everything available; the base library and `coroutine` come from
//! `halo_vm::baselib` (they are intimate with the VM). The pure engines below (patterns, pack
//! formats, strftime) are independent of the VM and tested on their own; the library functions
//! that use them are wired in by the stdlib work (see docs/COMPAT.md for what is open today).

use halo_vm::Ctx;

pub mod file;
pub mod fileresult;
pub mod iolib;
pub mod loadfile;
pub mod pack;
pub mod package;
pub mod pattern;
pub mod stream;
pub mod strftime;
pub mod warn;

/// Opens the standard library into the state's globals.
pub fn open_all(ctx: Ctx<'_>) {
    halo_vm::baselib::open(ctx);
    loadfile::open(ctx);
    warn::open(ctx);
    iolib::open(ctx, true);
    // Last: records every library opened above in package.loaded.
    package::open(ctx);
}
