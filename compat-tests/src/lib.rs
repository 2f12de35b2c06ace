//! halo-compat: the Lua compatibility suite runner and the benchmark runner.
