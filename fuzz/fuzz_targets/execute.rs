//! Arbitrary source that compiles runs in a sandboxed state (no files, no processes) under an
//! instruction budget, a memory limit and the VM's depth limits: it returns, raises a Lua error
//! or hits a limit; never a panic, abort, hang or unbounded memory.
#![no_main]

use halo_fuzz::sandbox::{self, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    sandbox::run_source(data, Limits::default());
});
