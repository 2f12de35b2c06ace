//! The C library's way of reporting a failed OS call to Lua (lauxlib's `luaL_fileresult` and
//! `luaL_execresult`): `nil, "name: strerror text", errno`, or `true` on success.

use std::io;
use std::process::ExitStatus;

use halo_vm::{Ctx, Stack, Value};

/// The text `strerror` gives for an OS error (Rust's message without its " (os error N)").
pub fn strerror_of(e: &io::Error) -> String {
    let text = e.to_string();
    match e.raw_os_error() {
        Some(code) => {
            let suffix = format!(" (os error {code})");
            text.strip_suffix(&suffix).unwrap_or(&text).to_string()
        }
        None => text,
    }
}

/// `luaL_fileresult(L, 0, fname)`: nil, message (prefixed with `fname: ` when given), errno.
pub fn push_error<'gc>(
    ctx: Ctx<'gc>,
    stack: &mut Stack<'gc, '_>,
    e: &io::Error,
    fname: Option<&[u8]>,
) {
    let mut msg = Vec::new();
    if let Some(name) = fname {
        msg.extend_from_slice(name);
        msg.extend_from_slice(b": ");
    }
    let code = e.raw_os_error().unwrap_or(0);
    msg.extend_from_slice(strerror_of(e).as_bytes());
    stack.replace(&[
        Value::Nil,
        Value::String(ctx.bytes(&msg)),
        Value::Integer(i64::from(code)),
    ]);
}

/// `luaL_fileresult` for a whole result: `true`, or the error triple.
pub fn push_result<'gc>(
    ctx: Ctx<'gc>,
    stack: &mut Stack<'gc, '_>,
    r: io::Result<()>,
    fname: Option<&[u8]>,
) {
    match r {
        Ok(()) => stack.ret1(Value::Boolean(true)),
        Err(e) => push_error(ctx, stack, &e, fname),
    }
}

/// `luaL_execresult` for a finished child: `true|nil, "exit"|"signal", code`.
pub fn push_exit_status<'gc>(ctx: Ctx<'gc>, stack: &mut Stack<'gc, '_>, status: ExitStatus) {
    use std::os::unix::process::ExitStatusExt;
    let (what, code) = match (status.code(), status.signal()) {
        (Some(c), _) => ("exit", c),
        (None, Some(sig)) => ("signal", sig),
        (None, None) => ("exit", status.into_raw()),
    };
    let ok = what == "exit" && code == 0;
    stack.replace(&[
        if ok { Value::Boolean(true) } else { Value::Nil },
        ctx.str_value(what),
        Value::Integer(i64::from(code)),
    ]);
}

/// A C string's view of Lua bytes: file names stop at the first NUL, as `fopen` reads them.
pub fn c_str(bytes: &[u8]) -> &[u8] {
    match bytes.iter().position(|&b| b == 0) {
        Some(i) => &bytes[..i],
        None => bytes,
    }
}

/// A path for the OS from Lua bytes (up to the first NUL).
pub fn os_path(bytes: &[u8]) -> &std::path::Path {
    use std::os::unix::ffi::OsStrExt;
    std::path::Path::new(std::ffi::OsStr::from_bytes(c_str(bytes)))
}
