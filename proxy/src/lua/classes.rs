//! Defines every HAProxy class metatable in a new state (see `class.rs` for the object model).

use halo_vm::Ctx;

pub fn open(_ctx: Ctx<'_>) {}
