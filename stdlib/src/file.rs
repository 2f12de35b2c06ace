//! Lua file handles (liolib's `LStream`): a userdata whose payload is a `LuaFile`, with one
//! metatable per state (`__name` "FILE*", methods in `__index`, `__gc`/`__close` closing the
//! file, `__tostring`), and the reading/writing machinery `io.read`/`io.write`/`io.lines` share
//! with the methods (`g_read`, `g_write`, `aux_lines`).
//!
//! A file is open until `close` (or collection): closing a standard file is refused ("cannot
//! close standard file", it stays open), closing a `popen` file waits for the child and reports
//! its exit like `pclose`.

use std::cell::RefCell;
use std::io;
use std::process::{Child, ExitStatus};

use halo_vm::args::{check_integer, check_string, opt_integer, opt_string};
use halo_vm::meta::type_name_for_error;
use halo_vm::number::{self, Number};
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, Table, UserData, Value};

use crate::fileresult::{push_error, push_exit_status, push_result};
use crate::stream::{self, BufMode, Stream, Whence};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

/// The `__name` of file handles, also the type named in "FILE* expected" messages.
pub const TYPE_NAME: &str = "FILE*";

/// liolib's MAXARGLINE: most formats `lines` accepts.
const MAX_LINES_FORMATS: usize = 250;

/// How a file is closed.
pub enum Kind {
    /// `fclose`.
    Regular,
    /// stdin/stdout/stderr: never closed ("cannot close standard file").
    Standard,
    /// `pclose`: the pipe is closed, then the child waited for.
    Pipe(Child),
}

enum Source {
    Own(Box<Stream>),
    /// The process-wide standard input stream (`stream::stdin()`).
    SharedStdin,
}

struct Open {
    source: Source,
    kind: Kind,
}

/// The payload of a Lua file handle.
pub struct LuaFile {
    state: RefCell<Option<Open>>,
}

/// What closing a file gave.
pub enum Closed {
    /// A regular file: the result of writing out its buffer.
    File(io::Result<()>),
    /// A pipe: the child's end.
    Exit(io::Result<ExitStatus>),
    /// A standard file, which stays open.
    Refused,
}

impl LuaFile {
    pub fn new(stream: Stream, kind: Kind) -> Self {
        LuaFile {
            state: RefCell::new(Some(Open {
                source: Source::Own(Box::new(stream)),
                kind,
            })),
        }
    }

    /// A handle on the process's standard input.
    pub fn stdin() -> Self {
        LuaFile {
            state: RefCell::new(Some(Open {
                source: Source::SharedStdin,
                kind: Kind::Standard,
            })),
        }
    }

    pub fn is_closed(&self) -> bool {
        self.state.borrow().is_none()
    }

    /// Runs `f` on the stream; `None` when the file is closed.
    pub fn with_stream<R>(&self, f: impl FnOnce(&mut Stream) -> R) -> Option<R> {
        let mut st = self.state.borrow_mut();
        match &mut st.as_mut()?.source {
            Source::Own(s) => Some(f(s)),
            Source::SharedStdin => Some(f(&mut stream::stdin())),
        }
    }

    /// liolib's `aux_close` (the file is known to be open).
    pub fn close(&self) -> Closed {
        let mut st = self.state.borrow_mut();
        if matches!(st.as_ref().map(|o| &o.kind), Some(Kind::Standard) | None) {
            return Closed::Refused;
        }
        let open = st.take().expect("checked open");
        drop(st);
        let flushed = match open.source {
            Source::Own(s) => s.close(),
            Source::SharedStdin => Ok(()),
        };
        match open.kind {
            Kind::Pipe(mut child) => Closed::Exit(child.wait()),
            _ => Closed::File(flushed),
        }
    }
}

impl Drop for LuaFile {
    /// A file collected (or left open when the state goes away) is closed like `__gc` does:
    /// output written, a child waited for.
    fn drop(&mut self) {
        if let Some(open) = self.state.get_mut().take() {
            drop(open.source);
            if let Kind::Pipe(mut child) = open.kind {
                let _ = child.wait();
            }
        }
    }
}

// ------------------------------------------------------------------ the userdata

/// Builds the metatable file handles share (`luaL_newmetatable(L, "FILE*")` + methods).
pub fn metatable<'gc>(ctx: Ctx<'gc>) -> Table<'gc> {
    let mt = Table::new(ctx.mc);
    let methods = Table::new(ctx.mc);
    let fns: [(&str, halo_vm::NativeFn); 7] = [
        ("close", f_close),
        ("flush", f_flush),
        ("lines", f_lines),
        ("read", f_read),
        ("seek", f_seek),
        ("setvbuf", f_setvbuf),
        ("write", f_write),
    ];
    ctx.set_functions(methods, &fns);
    let set = |k: &str, v: Value<'gc>| mt.set_str(ctx.mc, ctx.str(k), v);
    set("__name", ctx.str_value(TYPE_NAME));
    set("__index", Value::Table(methods));
    set("__gc", NativeFunction::new(ctx.mc, f_gc).into());
    set("__close", NativeFunction::new(ctx.mc, f_gc).into());
    set("__tostring", NativeFunction::new(ctx.mc, f_tostring).into());
    mt
}

/// A new file handle value.
pub fn new_file<'gc>(ctx: Ctx<'gc>, mt: Table<'gc>, file: LuaFile) -> Value<'gc> {
    Value::UserData(UserData::new(ctx.mc, file, Some(mt)))
}

/// The file behind a value, if it is one (`luaL_testudata`).
pub fn as_file<'gc>(v: Value<'gc>) -> Option<&'gc LuaFile> {
    match v {
        Value::UserData(u) => u.downcast::<LuaFile>(),
        _ => None,
    }
}

/// `luaL_checkudata(L, i, "FILE*")`.
pub fn check_file<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
) -> Result<&'gc LuaFile, Error<'gc>> {
    as_file(stack.get(i)).ok_or_else(|| halo_vm::args::type_error(ctx, stack, i, TYPE_NAME))
}

/// liolib's `tofile`: a file handle that is open.
pub fn check_open_file<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
) -> Result<&'gc LuaFile, Error<'gc>> {
    let f = check_file(ctx, stack, i)?;
    if f.is_closed() {
        return Err(Error::runtime("attempt to use a closed file"));
    }
    Ok(f)
}

/// Closes `file` and leaves `close`'s results on the stack.
pub fn aux_close<'gc>(ctx: Ctx<'gc>, file: &LuaFile, stack: &mut Stack<'gc, '_>) {
    match file.close() {
        Closed::Refused => {
            stack.replace(&[Value::Nil, ctx.str_value("cannot close standard file")])
        }
        Closed::File(r) => push_result(ctx, stack, r, None),
        Closed::Exit(Ok(status)) => push_exit_status(ctx, stack, status),
        Closed::Exit(Err(e)) => push_error(ctx, stack, &e, None),
    }
}

// ------------------------------------------------------------------ reading

/// A copy of a read's formats (the results overwrite the arguments), kept inline when there
/// are few: reading is hot and should not allocate for its arguments.
pub enum Formats<'gc> {
    Inline([Value<'gc>; 4], usize),
    Heap(Vec<Value<'gc>>),
}

impl<'gc> Formats<'gc> {
    pub fn from_fn(n: usize, f: impl Fn(usize) -> Value<'gc>) -> Self {
        if n <= 4 {
            let mut a = [Value::Nil; 4];
            for (i, slot) in a.iter_mut().enumerate().take(n) {
                *slot = f(i);
            }
            Formats::Inline(a, n)
        } else {
            Formats::Heap((0..n).map(f).collect())
        }
    }

    pub fn copy(src: &[Value<'gc>]) -> Self {
        Self::from_fn(src.len(), |i| src[i])
    }

    pub fn as_slice(&self) -> &[Value<'gc>] {
        match self {
            Formats::Inline(a, n) => &a[..*n],
            Formats::Heap(v) => v,
        }
    }
}

/// liolib's `g_read`: reads `formats` (argument numbers from `argbase` in messages) and leaves
/// the results on the (cleared) stack: a failing format ends the list with nil; a read error
/// gives `nil, message, errno` instead.
pub fn g_read<'gc>(
    ctx: Ctx<'gc>,
    file: &LuaFile,
    formats: &[Value<'gc>],
    argbase: usize,
    stack: &mut Stack<'gc, '_>,
) -> Result<(), Error<'gc>> {
    stack.clear();
    let r = file.with_stream(|s| -> Result<(), Error<'gc>> {
        s.clear_flags();
        if formats.is_empty() {
            let v = read_line(ctx, s, false);
            stack.push(v);
        }
        for (k, fmt) in formats.iter().enumerate() {
            let v = match *fmt {
                Value::Integer(n) => read_count(ctx, s, n),
                Value::Number(f) => match number::float_to_int(f) {
                    Some(n) => read_count(ctx, s, n),
                    None => {
                        return Err(Error::bad_arg(
                            argbase + k,
                            "number has no integer representation",
                        ));
                    }
                },
                Value::String(p) => {
                    let p = p.as_bytes();
                    let p = p.strip_prefix(b"*").unwrap_or(p);
                    match p.first() {
                        Some(b'n') => read_number(s),
                        Some(b'l') => read_line(ctx, s, false),
                        Some(b'L') => read_line(ctx, s, true),
                        Some(b'a') => {
                            let mut out = Vec::new();
                            s.read_all(&mut out);
                            Value::String(halo_vm::LuaString::from_vec(ctx.mc, out))
                        }
                        _ => return Err(Error::bad_arg(argbase + k, "invalid format")),
                    }
                }
                other => {
                    return Err(Error::bad_arg(
                        argbase + k,
                        format!("string expected, got {}", type_name_for_error(ctx, other)),
                    ));
                }
            };
            let failed = v.is_nil();
            stack.push(v);
            if failed {
                break;
            }
        }
        if let Some(e) = s.take_error() {
            push_error(ctx, stack, &e, None);
        }
        Ok(())
    });
    match r {
        Some(r) => r,
        None => Err(Error::runtime("attempt to use a closed file")),
    }
}

fn read_line<'gc>(ctx: Ctx<'gc>, s: &mut Stream, keep_newline: bool) -> Value<'gc> {
    if let Some(line) = s.buffered_line(keep_newline) {
        return Value::String(ctx.bytes(line));
    }
    let mut out = Vec::new();
    let newline = s.read_line(&mut out, keep_newline);
    if newline || !out.is_empty() {
        Value::String(halo_vm::LuaString::from_vec(ctx.mc, out))
    } else {
        Value::Nil
    }
}

/// A count: `read(0)` tests for end of file; others read up to `n` bytes, failing on none.
fn read_count<'gc>(ctx: Ctx<'gc>, s: &mut Stream, n: i64) -> Value<'gc> {
    if n == 0 {
        return if s.has_input() {
            ctx.str_value("")
        } else {
            Value::Nil
        };
    }
    // A negative count is a huge `size_t` in C; here it reads to end of file.
    if let Some(bytes) = s.buffered_chars(n as u64) {
        return Value::String(ctx.bytes(bytes));
    }
    let mut out = Vec::new();
    if s.read_chars(&mut out, n as u64) > 0 {
        Value::String(halo_vm::LuaString::from_vec(ctx.mc, out))
    } else {
        Value::Nil
    }
}

/// liolib's `L_MAXLENNUM`: longest numeral `read("n")` accepts.
const MAX_NUMERAL: usize = 200;

/// liolib's `read_number`: reads the longest prefix that looks like a numeral (at most 200
/// characters, one character of look-ahead left unread) and converts it like `tonumber`.
fn read_number<'gc>(s: &mut Stream) -> Value<'gc> {
    struct Rn<'a> {
        s: &'a mut Stream,
        buf: [u8; MAX_NUMERAL],
        len: usize,
        c: Option<u8>,
        overflow: bool,
    }
    impl Rn<'_> {
        fn next(&mut self) -> bool {
            if self.len >= MAX_NUMERAL {
                self.overflow = true;
                return false;
            }
            if let Some(c) = self.c {
                self.buf[self.len] = c;
                self.len += 1;
                self.s.bump();
            }
            self.c = self.s.peek();
            true
        }
        fn test2(&mut self, set: &[u8; 2]) -> bool {
            match self.c {
                Some(c) if c == set[0] || c == set[1] => self.next(),
                _ => false,
            }
        }
        fn digits(&mut self, hex: bool) -> usize {
            let mut count = 0;
            while let Some(c) = self.c {
                let ok = if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                };
                if !ok || !self.next() {
                    break;
                }
                count += 1;
            }
            count
        }
    }
    // C's isspace in the C locale.
    while let Some(c) = s.peek() {
        if matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
            s.bump();
        } else {
            break;
        }
    }
    let c = s.peek();
    let mut rn = Rn {
        s,
        buf: [0; MAX_NUMERAL],
        len: 0,
        c,
        overflow: false,
    };
    let mut count = 0;
    let mut hex = false;
    rn.test2(b"-+");
    if rn.test2(b"00") {
        if rn.test2(b"xX") {
            hex = true;
        } else {
            count = 1;
        }
    }
    count += rn.digits(hex);
    if rn.test2(b"..") {
        count += rn.digits(hex);
    }
    if count > 0 && rn.test2(if hex { b"pP" } else { b"eE" }) {
        rn.test2(b"-+");
        rn.digits(false);
    }
    if rn.overflow {
        return Value::Nil;
    }
    match number::str_to_number(&rn.buf[..rn.len]) {
        Some(Number::Int(i)) => Value::Integer(i),
        Some(Number::Float(f)) => Value::Number(f),
        None => Value::Nil,
    }
}

// ------------------------------------------------------------------ writing

/// liolib's `g_write`: writes `args` (numbers as `%d`/`%.14g`); `Ok(Err(e))` when the OS
/// refused (the remaining arguments are still checked, as in C).
pub fn g_write<'gc>(
    ctx: Ctx<'gc>,
    file: &LuaFile,
    args: &[Value<'gc>],
    argbase: usize,
) -> Result<io::Result<()>, Error<'gc>> {
    let r = file.with_stream(|s| {
        let mut status = Ok(());
        let mut num = Vec::new();
        for (k, v) in args.iter().enumerate() {
            let bytes: &[u8] = match *v {
                Value::String(st) => st.as_bytes(),
                Value::Integer(i) => {
                    num.clear();
                    number::fmt_int(i, &mut num);
                    &num
                }
                Value::Number(f) => {
                    num.clear();
                    number::format_float(&mut num, f, b'g', Some(14), false, false, false);
                    &num
                }
                other => {
                    return Err(Error::bad_arg(
                        argbase + k,
                        format!("string expected, got {}", type_name_for_error(ctx, other)),
                    ));
                }
            };
            if status.is_ok() {
                status = s.write(bytes);
            }
        }
        Ok(status)
    });
    r.unwrap_or_else(|| Err(Error::runtime("attempt to use a closed file")))
}

// ------------------------------------------------------------------ lines

/// liolib's `aux_lines`: the iteration function reading `formats` from `file` each call,
/// closing the file at the end when `toclose`.
pub fn aux_lines<'gc>(
    ctx: Ctx<'gc>,
    file: Value<'gc>,
    formats: &[Value<'gc>],
    toclose: bool,
) -> Result<Value<'gc>, Error<'gc>> {
    if formats.len() > MAX_LINES_FORMATS {
        return Err(Error::bad_arg(MAX_LINES_FORMATS + 2, "too many arguments"));
    }
    let mut up = Vec::with_capacity(3 + formats.len());
    up.push(file);
    up.push(Value::Integer(formats.len() as i64));
    up.push(Value::Boolean(toclose));
    up.extend_from_slice(formats);
    Ok(NativeFunction::with_upvalues(ctx.mc, io_readline, up.into_boxed_slice()).into())
}

fn io_readline<'gc>(
    ctx: Ctx<'gc>,
    f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let file = as_file(f.upvalue(0)).expect("lines upvalue is a file");
    if file.is_closed() {
        return Err(Error::runtime("file is already closed"));
    }
    let n = match f.upvalue(1) {
        Value::Integer(n) => n as usize,
        _ => 0,
    };
    let formats = Formats::from_fn(n, |i| f.upvalue(3 + i));
    // The formats count as arguments 2.. of the iterator, as in C (its own argument is 1).
    g_read(ctx, file, formats.as_slice(), 2, &mut stack)?;
    if stack.get(0).to_bool() {
        return Ok(Action::Return);
    }
    if stack.len() > 1 {
        // nil, message, errno: a read error.
        let msg = match stack.get(1) {
            Value::String(s) => s.to_str_lossy().into_owned(),
            _ => String::new(),
        };
        return Err(Error::runtime(msg));
    }
    if f.upvalue(2).to_bool() {
        // End of the file `io.lines` opened: close it.
        aux_close(ctx, file, &mut stack);
    }
    stack.clear();
    Ok(Action::Return)
}

// ------------------------------------------------------------------ methods

fn f_close<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let file = check_open_file(ctx, &stack, 0)?;
    aux_close(ctx, file, &mut stack);
    Ok(Action::Return)
}

fn f_flush<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let file = check_open_file(ctx, &stack, 0)?;
    let r = file.with_stream(|s| s.flush()).unwrap_or(Ok(()));
    push_result(ctx, &mut stack, r, None);
    Ok(Action::Return)
}

fn f_lines<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    check_open_file(ctx, &stack, 0)?;
    let it = aux_lines(ctx, stack.get(0), &stack.as_slice()[1..], false)?;
    stack.ret1(it);
    Ok(Action::Return)
}

fn f_read<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let file = check_open_file(ctx, &stack, 0)?;
    let formats = Formats::copy(&stack.as_slice()[1..]);
    g_read(ctx, file, formats.as_slice(), 2, &mut stack)?;
    Ok(Action::Return)
}

fn f_write<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let file = check_open_file(ctx, &stack, 0)?;
    let fv = stack.get(0);
    match g_write(ctx, file, &stack.as_slice()[1..], 2)? {
        Ok(()) => stack.ret1(fv),
        Err(e) => push_error(ctx, &mut stack, &e, None),
    }
    Ok(Action::Return)
}

/// `luaL_checkoption` with an optional default.
fn check_option<'gc>(
    ctx: Ctx<'gc>,
    stack: &Stack<'gc, '_>,
    i: usize,
    default: Option<&str>,
    options: &[&str],
) -> Result<usize, Error<'gc>> {
    let name = match default {
        Some(d) => match opt_string(ctx, stack, i)? {
            Some(s) => s.as_bytes().to_vec(),
            None => d.as_bytes().to_vec(),
        },
        None => check_string(ctx, stack, i)?.as_bytes().to_vec(),
    };
    options
        .iter()
        .position(|o| o.as_bytes() == name.as_slice())
        .ok_or_else(|| {
            Error::bad_arg(
                i + 1,
                format!("invalid option '{}'", String::from_utf8_lossy(&name)),
            )
        })
}

fn f_seek<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let file = check_open_file(ctx, &stack, 0)?;
    let whence = [Whence::Set, Whence::Cur, Whence::End]
        [check_option(ctx, &stack, 1, Some("cur"), &["set", "cur", "end"])?];
    let offset = opt_integer(ctx, &stack, 2, 0)?;
    match file.with_stream(|s| s.seek(whence, offset)) {
        Some(Ok(pos)) => stack.ret1(Value::Integer(pos as i64)),
        Some(Err(e)) => push_error(ctx, &mut stack, &e, None),
        None => return Err(Error::runtime("attempt to use a closed file")),
    }
    Ok(Action::Return)
}

fn f_setvbuf<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let file = check_open_file(ctx, &stack, 0)?;
    let mode = [BufMode::No, BufMode::Full, BufMode::Line]
        [check_option(ctx, &stack, 1, None, &["no", "full", "line"])?];
    // Without a size the current buffer size stays (glibc ignores the size anyway when it
    // allocates the buffer itself).
    let size = if stack.get(2).is_nil() {
        0
    } else {
        check_integer(ctx, &stack, 2)?
    };
    let r = file
        .with_stream(|s| s.set_buffering(mode, size))
        .unwrap_or(Ok(()));
    push_result(ctx, &mut stack, r, None);
    Ok(Action::Return)
}

/// `__gc` and `__close`: closes the file unless it is already closed.
fn f_gc<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let file = check_file(ctx, &stack, 0)?;
    if !file.is_closed() {
        aux_close(ctx, file, &mut stack);
    }
    stack.clear();
    Ok(Action::Return)
}

fn f_tostring<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let file = check_file(ctx, &stack, 0)?;
    let s = if file.is_closed() {
        "file (closed)".to_string()
    } else {
        let p = stack.get(0).gc_ptr().unwrap_or(std::ptr::null());
        format!("file ({p:p})")
    };
    stack.ret1(ctx.str_value(&s));
    Ok(Action::Return)
}
