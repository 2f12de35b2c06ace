//! halo: the HAProxy-compatible proxy whose Lua runs on halo-vm. See ARCHITECTURE.md.

pub mod config;
pub mod http;
pub mod lua_names;
