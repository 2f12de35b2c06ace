//! halo-compat: the Lua compatibility suite runner, the proxy scenarios and the benchmark runner.

pub mod bench_programs;
pub mod output_compare;
pub mod scenario;
