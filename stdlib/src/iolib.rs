//! The `io` library (§6.8): `io.open`/`popen`/`tmpfile`, the default input and output files
//! (`io.input`, `io.output`, and `io.read`/`write`/`lines`/`close`/`flush` on them), `io.type`,
//! and the standard files. File handles themselves are in `file.rs`.
//!
//! Every function shares one private state table (upvalue 1): the file metatable and the
//! current default files (what liolib keeps in the registry as `FILE*`, `_IO_input`,
//! `_IO_output`).

use std::process::{Command, Stdio};

use halo_vm::args::{check_any, check_string, opt_string};
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Table, Value};

use crate::file::{self, Kind, LuaFile, aux_close, check_open_file, g_read, g_write};
use crate::fileresult::{os_path, push_error, push_result};
use crate::stream::{Inner, Stream};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

/// Keys of the private state table.
const MT: i64 = 1;
const INPUT: i64 = 2;
const OUTPUT: i64 = 3;

/// Opens `io` into the globals and returns its table. `allow_popen: false` makes `io.popen`
/// raise "'popen' not supported" (PUC-Rio's message where popen is unavailable), for hosts
/// that must not start processes.
pub fn open<'gc>(ctx: Ctx<'gc>, allow_popen: bool) -> Table<'gc> {
    let state = Table::new(ctx.mc);
    let mt = file::metatable(ctx);
    state.set_int(ctx.mc, MT, Value::Table(mt));
    let io = Table::new(ctx.mc);
    let fns: [(&str, halo_vm::NativeFn); 11] = [
        ("close", io_close),
        ("flush", io_flush),
        ("input", io_input),
        ("lines", io_lines),
        ("open", io_open),
        ("output", io_output),
        (
            "popen",
            if allow_popen {
                io_popen
            } else {
                io_popen_forbidden
            },
        ),
        ("read", io_read),
        ("tmpfile", io_tmpfile),
        ("type", io_type),
        ("write", io_write),
    ];
    for (name, f) in fns {
        let nf = NativeFunction::with_upvalues(ctx.mc, f, Box::new([Value::Table(state)]));
        io.set_str(ctx.mc, ctx.str(name), nf.into());
    }
    let stdin = file::new_file(ctx, mt, LuaFile::stdin());
    let stdout = file::new_file(
        ctx,
        mt,
        LuaFile::new(Stream::new(Inner::Stdout, false, true), Kind::Standard),
    );
    let stderr = file::new_file(
        ctx,
        mt,
        LuaFile::new(Stream::new(Inner::Stderr, false, true), Kind::Standard),
    );
    io.set_str(ctx.mc, ctx.str("stdin"), stdin);
    io.set_str(ctx.mc, ctx.str("stdout"), stdout);
    io.set_str(ctx.mc, ctx.str("stderr"), stderr);
    state.set_int(ctx.mc, INPUT, stdin);
    state.set_int(ctx.mc, OUTPUT, stdout);
    ctx.set_global("io", Value::Table(io));
    io
}

fn state<'gc>(f: NativeFunction<'gc>) -> Table<'gc> {
    match f.upvalue(0) {
        Value::Table(t) => t,
        _ => unreachable!("io functions carry their state table"),
    }
}

fn metatable<'gc>(st: Table<'gc>) -> Table<'gc> {
    match st.get_int(MT) {
        Value::Table(t) => t,
        _ => unreachable!("io state holds the file metatable"),
    }
}

/// Opens `name` with a C `fopen` mode already checked; the OS error on failure.
fn fopen(name: &[u8], mode: &[u8]) -> std::io::Result<Stream> {
    let plus = mode.contains(&b'+');
    let mut o = std::fs::OpenOptions::new();
    let (readable, writable) = match mode[0] {
        b'r' => {
            o.read(true).write(plus);
            (true, plus)
        }
        b'w' => {
            o.write(true).create(true).truncate(true).read(plus);
            (plus, true)
        }
        _ => {
            o.append(true).create(true).read(plus);
            (plus, true)
        }
    };
    let f = o.open(os_path(name))?;
    Ok(Stream::new(Inner::File(f), readable, writable))
}

/// liolib's `l_checkmode`: `[rwa]%+?b*`.
fn valid_mode(mode: &[u8]) -> bool {
    let Some((first, mut rest)) = mode.split_first() else {
        return false;
    };
    if !b"rwa".contains(first) {
        return false;
    }
    if rest.first() == Some(&b'+') {
        rest = &rest[1..];
    }
    rest.iter().all(|&c| c == b'b')
}

fn io_open<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let name = check_string(ctx, &stack, 0)?;
    let mode = match opt_string(ctx, &stack, 1)? {
        Some(m) => m.as_bytes(),
        None => b"r",
    };
    // C reads the mode as a C string.
    let mode = crate::fileresult::c_str(mode);
    if !valid_mode(mode) {
        return Err(Error::bad_arg(2, "invalid mode"));
    }
    match fopen(name.as_bytes(), mode) {
        Ok(s) => {
            let v = file::new_file(ctx, metatable(state(f)), LuaFile::new(s, Kind::Regular));
            stack.ret1(v);
        }
        Err(e) => push_error(
            ctx,
            &mut stack,
            &e,
            Some(crate::fileresult::c_str(name.as_bytes())),
        ),
    }
    Ok(Action::Return)
}

fn popen_args<'gc>(ctx: Ctx<'gc>, stack: &Stack<'gc, '_>) -> Result<(Vec<u8>, bool), Error<'gc>> {
    let prog = check_string(ctx, stack, 0)?.as_bytes().to_vec();
    let mode = match opt_string(ctx, stack, 1)? {
        Some(m) => m.as_bytes(),
        None => b"r",
    };
    if mode != b"r" && mode != b"w" {
        return Err(Error::bad_arg(2, "invalid mode"));
    }
    Ok((prog, mode == b"r"))
}

fn io_popen<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let (prog, read) = popen_args(ctx, &stack)?;
    use std::os::unix::ffi::OsStrExt;
    // popen(3): `/bin/sh -c prog`, the other standard streams inherited.
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(std::ffi::OsStr::from_bytes(crate::fileresult::c_str(&prog)));
    if read {
        cmd.stdout(Stdio::piped());
    } else {
        cmd.stdin(Stdio::piped());
    }
    match cmd.spawn() {
        Ok(mut child) => {
            let stream = if read {
                let out = child.stdout.take().expect("piped stdout");
                Stream::new(Inner::PipeRead(out), true, false)
            } else {
                let inp = child.stdin.take().expect("piped stdin");
                Stream::new(Inner::PipeWrite(inp), false, true)
            };
            let v = file::new_file(
                ctx,
                metatable(state(f)),
                LuaFile::new(stream, Kind::Pipe(child)),
            );
            stack.ret1(v);
        }
        Err(e) => push_error(ctx, &mut stack, &e, Some(crate::fileresult::c_str(&prog))),
    }
    Ok(Action::Return)
}

fn io_popen_forbidden<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    popen_args(ctx, &stack)?;
    Err(Error::runtime("'popen' not supported"))
}

/// A new anonymous file opened "w+b", removed from the directory at once (C's `tmpfile`).
fn tmpfile() -> std::io::Result<std::fs::File> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let mut last = None;
    for _ in 0..100 {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!("halo_tmp_{}_{nanos}_{n}", std::process::id()));
        match std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(f) => {
                std::fs::remove_file(&path)?;
                return Ok(f);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::from_raw_os_error(17)))
}

fn io_tmpfile<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    match tmpfile() {
        Ok(file) => {
            let s = Stream::new(Inner::File(file), true, true);
            let v = file::new_file(ctx, metatable(state(f)), LuaFile::new(s, Kind::Regular));
            stack.ret1(v);
        }
        Err(e) => push_error(ctx, &mut stack, &e, None),
    }
    Ok(Action::Return)
}

fn io_type<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let v = check_any(ctx, &stack, 0)?;
    let r = match file::as_file(v) {
        None => Value::Nil,
        Some(f) if f.is_closed() => ctx.str_value("closed file"),
        Some(_) => ctx.str_value("file"),
    };
    stack.ret1(r);
    Ok(Action::Return)
}

/// liolib's `opencheckfile`: a new file handle, or an error naming the file.
fn open_check_file<'gc>(
    ctx: Ctx<'gc>,
    st: Table<'gc>,
    name: &[u8],
    mode: &[u8],
) -> Result<Value<'gc>, Error<'gc>> {
    match fopen(name, mode) {
        Ok(s) => Ok(file::new_file(
            ctx,
            metatable(st),
            LuaFile::new(s, Kind::Regular),
        )),
        Err(e) => Err(Error::runtime(format!(
            "cannot open file '{}' ({})",
            String::from_utf8_lossy(crate::fileresult::c_str(name)),
            crate::fileresult::strerror_of(&e)
        ))),
    }
}

/// liolib's `g_iofile`: sets (by name or handle) and returns the default file at `key`.
fn g_iofile<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
    key: i64,
    mode: &[u8],
) -> NResult<'gc> {
    let st = state(f);
    match stack.get(0) {
        Value::Nil => {}
        Value::String(_) | Value::Integer(_) | Value::Number(_) => {
            let name = check_string(ctx, &stack, 0)?;
            let v = open_check_file(ctx, st, name.as_bytes(), mode)?;
            st.set_int(ctx.mc, key, v);
        }
        v => {
            check_open_file(ctx, &stack, 0)?;
            st.set_int(ctx.mc, key, v);
        }
    }
    stack.ret1(st.get_int(key));
    Ok(Action::Return)
}

fn io_input<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    g_iofile(ctx, f, stack, INPUT, b"r")
}

fn io_output<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    g_iofile(ctx, f, stack, OUTPUT, b"w")
}

/// liolib's `getiofile`: the default file, which must be open.
fn default_file<'gc>(
    f: NativeFunction<'gc>,
    key: i64,
) -> Result<(Value<'gc>, &'gc LuaFile), Error<'gc>> {
    let v = state(f).get_int(key);
    match file::as_file(v) {
        Some(file) if !file.is_closed() => Ok((v, file)),
        _ => Err(Error::runtime(format!(
            "default {} file is closed",
            if key == INPUT { "input" } else { "output" }
        ))),
    }
}

fn io_read<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let (_, file) = default_file(f, INPUT)?;
    let formats = file::Formats::copy(stack.as_slice());
    g_read(ctx, file, formats.as_slice(), 1, &mut stack)?;
    Ok(Action::Return)
}

fn io_write<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let (fv, file) = default_file(f, OUTPUT)?;
    match g_write(ctx, file, stack.as_slice(), 1)? {
        Ok(()) => stack.ret1(fv),
        Err(e) => push_error(ctx, &mut stack, &e, None),
    }
    Ok(Action::Return)
}

fn io_flush<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let (_, file) = default_file(f, OUTPUT)?;
    let r = file.with_stream(|s| s.flush()).unwrap_or(Ok(()));
    push_result(ctx, &mut stack, r, None);
    Ok(Action::Return)
}

fn io_close<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    if stack.is_empty() {
        stack.push(state(f).get_int(OUTPUT));
    }
    let file = check_open_file(ctx, &stack, 0)?;
    aux_close(ctx, file, &mut stack);
    Ok(Action::Return)
}

fn io_lines<'gc>(ctx: Ctx<'gc>, f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    if stack.is_empty() {
        stack.push(Value::Nil);
    }
    let st = state(f);
    if stack.get(0).is_nil() {
        // The default input, left open at the end.
        stack.set(0, st.get_int(INPUT));
        check_open_file(ctx, &stack, 0)?;
        let it = file::aux_lines(ctx, stack.get(0), &stack.as_slice()[1..], false)?;
        stack.ret1(it);
        return Ok(Action::Return);
    }
    let name = check_string(ctx, &stack, 0)?;
    let fv = open_check_file(ctx, st, name.as_bytes(), b"r")?;
    let it = file::aux_lines(ctx, fv, &stack.as_slice()[1..], true)?;
    // The file is also the loop's to-be-closed value, so breaking out closes it.
    stack.replace(&[it, Value::Nil, Value::Nil, fv]);
    Ok(Action::Return)
}
