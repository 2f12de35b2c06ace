//! Lua strings as HAProxy's C code reads them: `luaL_checkstring` then C string functions, so
//! everything from the first NUL on is ignored.

/// The bytes before the first NUL.
pub fn c_str(b: &[u8]) -> &[u8] {
    &b[..b.iter().position(|&c| c == 0).unwrap_or(b.len())]
}
