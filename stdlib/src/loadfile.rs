//! Loading chunks from files (§6.1 `loadfile`, `dofile`; lauxlib's `luaL_loadfilex`), shared
//! with `require`'s Lua searcher and `halo-lua`.
//!
//! A file is read whole, then: a UTF-8 byte-order mark is skipped, a first line starting with
//! `#` is skipped but its newline kept (line numbers stay right), and a chunk starting with ESC
//! is binary. The chunk is named `@filename`, standard input `=stdin`.

use halo_vm::args::opt_string;
use halo_vm::{Action, Closure, Ctx, Error, NativeFunction, Stack, Value};

use crate::fileresult::{os_path, strerror_of};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

/// The first byte of a binary chunk (`LUA_SIGNATURE[0]`).
const BINARY_MARK: u8 = 0x1b;

/// Reads `filename` (standard input when `None`) and compiles it with `mode` ("b", "t", "bt")
/// and `env` as its `_ENV` (the globals when `None`). The error is `luaL_loadfilex`'s message:
/// "cannot open NAME: reason", "cannot read NAME: reason", or the syntax error.
pub fn load_file<'gc>(
    ctx: Ctx<'gc>,
    filename: Option<&[u8]>,
    mode: &[u8],
    env: Option<Value<'gc>>,
) -> Result<Closure<'gc>, Vec<u8>> {
    let (source, chunkname) = match filename {
        None => {
            let mut buf = Vec::new();
            let mut s = crate::stream::stdin();
            s.clear_flags();
            s.read_all(&mut buf);
            if let Some(e) = s.take_error() {
                return Err(format!("cannot read stdin: {}", strerror_of(&e)).into_bytes());
            }
            (buf, b"=stdin".to_vec())
        }
        Some(name) => {
            let name = crate::fileresult::c_str(name);
            let fail = |what: &str, e: &std::io::Error| {
                let mut m = format!("cannot {what} ").into_bytes();
                m.extend_from_slice(name);
                m.extend_from_slice(b": ");
                m.extend_from_slice(strerror_of(e).as_bytes());
                m
            };
            let mut f = std::fs::File::open(os_path(name)).map_err(|e| fail("open", &e))?;
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut buf).map_err(|e| fail("read", &e))?;
            let mut chunkname = b"@".to_vec();
            chunkname.extend_from_slice(name);
            (buf, chunkname)
        }
    };
    load_source(ctx, &source, &chunkname, mode, env)
}

/// Compiles file contents: BOM and `#` line skipped, mode checked like `lua_load`.
pub fn load_source<'gc>(
    ctx: Ctx<'gc>,
    source: &[u8],
    chunkname: &[u8],
    mode: &[u8],
    env: Option<Value<'gc>>,
) -> Result<Closure<'gc>, Vec<u8>> {
    let mut src = source.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(source);
    if src.first() == Some(&b'#') {
        // Keep the newline so line numbers stay right.
        src = match src.iter().position(|&b| b == b'\n') {
            Some(i) => &src[i..],
            None => &[],
        };
        // A binary chunk after the comment line starts right after it.
        if src.get(1) == Some(&BINARY_MARK) {
            src = &src[1..];
        }
    }
    let binary = src.first() == Some(&BINARY_MARK);
    let wanted: &[u8] = if binary { b"b" } else { b"t" };
    if !mode.contains(&wanted[0]) {
        let mut m = format!(
            "attempt to load a {} chunk (mode is '",
            if binary { "binary" } else { "text" }
        )
        .into_bytes();
        m.extend_from_slice(mode);
        m.extend_from_slice(b"')");
        return Err(m);
    }
    if binary {
        return Err(
            b"binary chunks are not supported by Halo (string.dump is unavailable)".to_vec(),
        );
    }
    halo_vm::baselib::load_chunk(ctx, src, chunkname, env).map_err(String::into_bytes)
}

pub fn open(ctx: Ctx<'_>) {
    let g = ctx.globals();
    g.set_str(
        ctx.mc,
        ctx.str("loadfile"),
        NativeFunction::new(ctx.mc, loadfile).into(),
    );
    g.set_str(
        ctx.mc,
        ctx.str("dofile"),
        NativeFunction::new(ctx.mc, dofile).into(),
    );
}

fn loadfile<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let name = opt_string(ctx, &stack, 0)?;
    let mode = opt_string(ctx, &stack, 1)?;
    let env = (stack.len() >= 3).then(|| stack.get(2));
    let mode = mode.map_or(&b"bt"[..], |m| crate::fileresult::c_str(m.as_bytes()));
    match load_file(ctx, name.map(|n| n.as_bytes()), mode, env) {
        Ok(c) => stack.ret1(c.into()),
        Err(m) => stack.replace(&[Value::Nil, Value::String(ctx.bytes(&m))]),
    }
    Ok(Action::Return)
}

fn dofile<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let name = opt_string(ctx, &stack, 0)?;
    match load_file(ctx, name.map(|n| n.as_bytes()), b"bt", None) {
        Ok(c) => {
            // The chunk's results are dofile's: a tail call, so the chunk may yield.
            stack.clear();
            Ok(Action::Call {
                func: c.into(),
                then: None,
            })
        }
        Err(m) => Err(Error::Value(Value::String(ctx.bytes(&m)))),
    }
}
