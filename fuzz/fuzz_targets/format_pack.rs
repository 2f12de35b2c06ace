//! `string.format`, `string.pack`, `string.packsize` and `string.unpack` with arbitrary formats
//! and arguments: the input is `control NUL format NUL argument-bytes`. The arguments are the
//! bytes themselves, numbers cut from them (integers and floats, including the extremes) and a
//! table with `__tostring`.
#![no_main]

use halo_fuzz::sandbox::{self, Limits};
use halo_fuzz::split;
use libfuzzer_sys::fuzz_target;

const DRIVER: &str = r#"
local control, fmt, bytes = ...
local c = control:byte(1) or 0
local args = {}
local i = 1
while i <= #bytes and #args < 12 do
  local kind = bytes:byte(i) % 6
  if kind == 0 and i + 8 <= #bytes then
    args[#args + 1] = string.unpack("<i8", bytes, i + 1); i = i + 9
  elseif kind == 1 and i + 8 <= #bytes then
    args[#args + 1] = string.unpack("<d", bytes, i + 1); i = i + 9
  elseif kind == 2 then
    local len = (bytes:byte(i + 1) or 0) % 32
    args[#args + 1] = bytes:sub(i + 2, i + 1 + len); i = i + 2 + len
  elseif kind == 3 then
    args[#args + 1] = ({ math.maxinteger, math.mininteger, 0, -1, 1 / 0, -1 / 0, 0 / 0, -0.0,
      2 ^ 63, 1e308, 5e-324 })[(bytes:byte(i + 1) or 0) % 11 + 1]; i = i + 2
  elseif kind == 4 then
    args[#args + 1] = setmetatable({}, { __tostring = function() return bytes end }); i = i + 1
  else
    args[#args + 1] = (bytes:byte(i + 1) or 0) - 128; i = i + 2
  end
end
local n = #args
pcall(string.format, fmt, table.unpack(args, 1, n))
pcall(string.format, "%q", args[1])
local ok, packed = pcall(string.pack, fmt, table.unpack(args, 1, n))
pcall(string.packsize, fmt)
if ok then pcall(string.unpack, fmt, packed) end
pcall(string.unpack, fmt, bytes, (c % 16) - 4)
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
    let parts = split::parts(data, 3);
    DRIVER_STATE.with(|d| d.run(&parts));
});
