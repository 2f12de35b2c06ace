//! halo-compat: the Lua compatibility suite runner and the benchmark runner.

pub mod bench_programs;
pub mod output_compare;
