//! halo: the HAProxy-compatible proxy whose Lua runs on halo-vm. See ARCHITECTURE.md.

pub mod cli;
pub mod config;
pub mod daemon;
pub mod engine;
pub mod http;
pub mod log;
pub mod logging;
pub mod lua;
pub mod lua_names;
pub mod process;
pub mod rules;
pub mod sample;
pub mod startup;
