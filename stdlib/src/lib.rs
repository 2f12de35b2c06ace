//! halo-stdlib: the Lua 5.4 standard library on halo-vm's public API.
//!
//! `open_all` opens everything available; the base library and `coroutine` come from
//! `halo_vm::baselib` (they are intimate with the VM).

use halo_vm::Ctx;

/// Opens the standard library into the state's globals.
pub fn open_all(ctx: Ctx<'_>) {
    halo_vm::baselib::open(ctx);
}
