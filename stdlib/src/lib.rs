//! halo-stdlib: the Lua 5.4 standard library on halo-vm's public API.

pub mod pack;
pub mod pattern;
pub mod strftime;
