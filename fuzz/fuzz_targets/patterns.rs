//! Lua patterns through the real library functions: the input is
//! `control NUL pattern NUL replacement NUL subject` (see `halo_fuzz::split`); the control byte
//! picks `init` and `plain` for find, `n` for gsub.
#![no_main]

use halo_fuzz::sandbox::{self, Limits};
use halo_fuzz::split;
use libfuzzer_sys::fuzz_target;

/// Every call is protected: errors (malformed patterns, bad captures) are normal outcomes.
const DRIVER: &str = r#"
local control, p, r, s = ...
local c = control:byte(1) or 0
local init = (c % 16) - 8
local plain = c >= 128
local n = (c // 16) % 8
pcall(string.find, s, p, init, plain)
pcall(string.find, s, p)
pcall(string.match, s, p, init)
pcall(function()
  local k = 0
  for a, b in string.gmatch(s, p, init) do
    k = k + 1
    if k > 100 then break end
  end
end)
pcall(string.gsub, s, p, r)
pcall(string.gsub, s, p, r, n)
pcall(string.gsub, s, p, { a = r, [1] = r }, n)
pcall(string.gsub, s, p, function(a, b) if a == nil then return r end return b end)
"#;

thread_local! {
    static DRIVER_STATE: sandbox::Driver = sandbox::Driver::new(
        DRIVER,
        Limits {
            instructions: 100_000,
            ..Limits::default()
        },
    );
}

fuzz_target!(|data: &[u8]| {
    let parts = split::parts(data, 4);
    DRIVER_STATE.with(|d| d.run(&parts));
});
