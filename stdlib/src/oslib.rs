//! The `os` library (§6.9), after PUC-Rio 5.4's loslib.c on Linux/glibc in the C locale.
//!
//! `date` formats with `strftime.rs` (glibc's C-locale conversions, PUC's list of valid
//! specifiers) on `gmtime` or on `localtime.rs`'s local time; `time` with a table normalises it
//! like `mktime` and writes the normalised fields back. Reading and writing the date table goes
//! through `__index`/`__newindex` as `lua_getfield`/`lua_setfield` do, stacklessly.
//! `setlocale` is that of a C library with only the "C" locale.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use gc_arena::Collect;
use halo_vm::args::{check_integer, check_string, opt_integer, opt_string, type_error};
use halo_vm::interp::to_number;
use halo_vm::number::{self, Number};
use halo_vm::{Action, Ctx, Error, LuaString, NativeFunction, Stack, Table, Value};

use crate::localtime;
use crate::metaops::{self, Flow, Io, Machine};
use crate::ready;
use crate::strftime::{self, Tm};

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

pub fn open(ctx: Ctx<'_>) {
    let t = Table::new(ctx.mc);
    ctx.set_functions(
        t,
        &[
            ("clock", clock),
            ("date", date),
            ("difftime", difftime),
            ("exit", exit),
            ("getenv", getenv),
            ("remove", remove),
            ("rename", rename),
            ("setlocale", setlocale),
            ("time", time),
            ("tmpname", tmpname),
        ],
    );
    ctx.set_global("os", t.into());
}

/// POSIX's `CLOCKS_PER_SEC`.
const CLOCKS_PER_SEC: i64 = 1_000_000;

/// The process's CPU time in `clock()` ticks, computed like glibc's `clock()`.
pub fn cpu_clock_ticks() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    if r != 0 {
        return -1;
    }
    ts.tv_sec * CLOCKS_PER_SEC + ts.tv_nsec / (1_000_000_000 / CLOCKS_PER_SEC)
}

fn clock<'gc>(_ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let secs = cpu_clock_ticks() as f64 / CLOCKS_PER_SEC as f64;
    stack.ret1(Value::Number(secs));
    Ok(Action::Return)
}

fn now() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

// ------------------------------------------------------------------ date

fn date<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let fmt = match opt_string(ctx, &stack, 0)? {
        Some(s) => s.as_bytes(),
        None => b"%c",
    };
    let t = if stack.get(1).is_nil() {
        now()
    } else {
        check_integer(ctx, &stack, 1)?
    };
    let (fmt, tm) = match fmt.strip_prefix(b"!") {
        Some(rest) => (rest, strftime::utc_from_epoch(t)),
        None => (fmt, localtime::local_from_epoch(t)),
    };
    let tm = tm.ok_or_else(|| Error::runtime(strftime::DATE_UNREPRESENTABLE))?;
    // `strcmp(s, "*t")`: the C string ends at a NUL.
    let cfmt = fmt.split(|&b| b == 0).next().unwrap_or_default();
    if cfmt == b"*t" {
        let t = Table::with_capacity(ctx.mc, 0, 9);
        for (k, v) in date_fields(ctx, &tm) {
            if !v.is_nil() {
                t.set_str(ctx.mc, k, v);
            }
        }
        stack.ret1(t.into());
        return Ok(Action::Return);
    }
    let out = strftime::strftime(fmt, &tm).map_err(|e| Error::bad_arg(1, e.to_string()))?;
    stack.ret1(Value::String(LuaString::from_vec(ctx.mc, out)));
    Ok(Action::Return)
}

/// `setallfields`: the date table's fields in PUC-Rio's order (isdst nil when unknown).
fn date_fields<'gc>(ctx: Ctx<'gc>, tm: &Tm) -> [(LuaString<'gc>, Value<'gc>); 9] {
    let int = |i: i32| Value::Integer(i64::from(i));
    [
        (ctx.str("year"), Value::Integer(tm.year)),
        (ctx.str("month"), int(tm.month)),
        (ctx.str("day"), int(tm.day)),
        (ctx.str("hour"), int(tm.hour)),
        (ctx.str("min"), int(tm.min)),
        (ctx.str("sec"), int(tm.sec)),
        (ctx.str("yday"), int(tm.yday)),
        (ctx.str("wday"), int(tm.wday)),
        (ctx.str("isdst"), Value::Boolean(tm.isdst)),
    ]
}

// ------------------------------------------------------------------ time

fn time<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    if stack.get(0).is_nil() {
        stack.ret1(Value::Integer(now()));
        return Ok(Action::Return);
    }
    let Value::Table(t) = stack.get(0) else {
        return Err(type_error(ctx, &stack, 0, "table"));
    };
    let m = TimeM {
        io: Io::default(),
        t: Value::Table(t),
        fields: [0; 6],
        isdst: -1,
        next: 0,
        out: Vec::new(),
        failed: false,
        result: 0,
    };
    metaops::start(ctx, m, &mut stack)
}

/// The fields `os.time` reads: name, default (`None`: required), and what C subtracts.
const TIME_FIELDS: [(&str, Option<i64>, i64); 6] = [
    ("year", None, 1900),
    ("month", None, 1),
    ("day", None, 0),
    ("hour", Some(12), 0),
    ("min", Some(0), 0),
    ("sec", Some(0), 0),
];

/// `getfield`: an integer field that fits a C `int` once `delta` is subtracted.
fn time_field<'gc>(v: Value<'gc>, i: usize) -> Result<i64, Error<'gc>> {
    let (key, default, delta) = TIME_FIELDS[i];
    let n = match to_number(v) {
        Some(Number::Int(n)) => Some(n),
        Some(Number::Float(f)) => number::float_to_int(f),
        None => None,
    };
    match n {
        Some(n) => {
            let fits = if n >= 0 {
                n - delta <= i64::from(i32::MAX)
            } else {
                i64::from(i32::MIN) + delta <= n
            };
            if !fits {
                return Err(Error::runtime(format!("field '{key}' is out-of-bound")));
            }
            Ok(n - delta)
        }
        None if !v.is_nil() => Err(Error::runtime(format!("field '{key}' is not an integer"))),
        None => {
            default.ok_or_else(|| Error::runtime(format!("field '{key}' missing in date table")))
        }
    }
}

/// `os.time(t)`: reads the fields (through `__index`), runs `mktime`, writes the normalised
/// fields back (through `__newindex`), then returns the time or fails.
#[derive(Collect)]
#[collect(no_drop)]
struct TimeM<'gc> {
    io: Io<'gc>,
    t: Value<'gc>,
    /// `tm_year` .. `tm_sec` as C holds them (year - 1900, month - 1).
    #[collect(require_static)]
    fields: [i64; 6],
    isdst: i32,
    /// Fields read so far (0..=7), then fields written (8..).
    next: usize,
    /// The fields to write back.
    out: Vec<(LuaString<'gc>, Value<'gc>)>,
    failed: bool,
    result: i64,
}

impl<'gc> Machine<'gc> for TimeM<'gc> {
    fn io(&mut self) -> &mut Io<'gc> {
        &mut self.io
    }

    fn resume(
        &mut self,
        ctx: Ctx<'gc>,
        stack: &mut Stack<'gc, '_>,
    ) -> Result<Flow<'gc>, Error<'gc>> {
        while self.next < 7 {
            let name = if self.next < 6 {
                TIME_FIELDS[self.next].0
            } else {
                "isdst"
            };
            let v = ready!(self, self.io.get(ctx, stack, self.t, ctx.str_value(name))?);
            if self.next < 6 {
                self.fields[self.next] = time_field(v, self.next)?;
            } else {
                self.isdst = if v.is_nil() {
                    -1
                } else {
                    i32::from(v.to_bool())
                };
            }
            self.next += 1;
        }
        if self.next == 7 {
            let f = self.fields;
            let r = localtime::mktime(f[0] + 1900, f[1] + 1, f[2], f[3], f[4], f[5], self.isdst);
            self.out = match r {
                // PUC-Rio's `t == -1` test cannot tell this time from a failure.
                Some((t, tm)) if t != -1 => {
                    self.result = t;
                    date_fields(ctx, &tm).to_vec()
                }
                _ => {
                    // mktime left the structure alone: the requested fields go back as they
                    // were (C's yday and wday would be garbage; they are left out).
                    self.failed = true;
                    let names = ["year", "month", "day", "hour", "min", "sec"];
                    let mut out: Vec<_> = names
                        .iter()
                        .zip(TIME_FIELDS)
                        .zip(f)
                        .map(|((n, (_, _, delta)), v)| (ctx.str(n), Value::Integer(v + delta)))
                        .collect();
                    if self.isdst >= 0 {
                        out.push((ctx.str("isdst"), Value::Boolean(self.isdst != 0)));
                    }
                    out
                }
            };
            self.next = 8;
        }
        while self.next - 8 < self.out.len() {
            let (k, v) = self.out[self.next - 8];
            ready!(self, self.io.set(ctx, stack, self.t, Value::String(k), v)?);
            self.next += 1;
        }
        if self.failed {
            return Err(Error::runtime(strftime::TIME_UNREPRESENTABLE));
        }
        stack.ret1(Value::Integer(self.result));
        Ok(Flow::Done)
    }
}

fn difftime<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let t1 = check_integer(ctx, &stack, 0)?;
    let t2 = check_integer(ctx, &stack, 1)?;
    stack.ret1(Value::Number(t1 as f64 - t2 as f64));
    Ok(Action::Return)
}

// ------------------------------------------------------------------ process and environment

fn exit<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let code = match stack.get(0) {
        Value::Boolean(b) => {
            if b {
                0
            } else {
                1
            }
        }
        _ => opt_integer(ctx, &stack, 0, 0)?,
    };
    if stack.get(1).to_bool() {
        // `close`: the host closes the state (to-be-closed variables, finalizers), then exits.
        return Err(halo_vm::callback::exit_error(ctx, code as i32));
    }
    // `exit` flushes C's streams; `print` and `io.stdout` share `halo_vm::stdout`.
    let _ = halo_vm::stdout::flush();
    let _ = std::io::stderr().flush();
    std::process::exit(code as i32)
}

fn getenv<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    let name = check_string(ctx, &stack, 0)?;
    let v = os_str(name.as_bytes()).and_then(std::env::var_os);
    let r = match v {
        Some(v) => Value::String(ctx.bytes(&os_bytes(&v))),
        None => Value::Nil,
    };
    stack.ret1(r);
    Ok(Action::Return)
}

/// A Lua string as an OS string (`None` if it holds a NUL, which C would cut at).
fn os_str(b: &[u8]) -> Option<std::ffi::OsString> {
    use std::os::unix::ffi::OsStrExt;
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    Some(std::ffi::OsStr::from_bytes(&b[..end]).to_os_string())
}

fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    s.as_bytes().to_vec()
}

/// C's `strerror` text for an I/O error (Rust appends " (os error N)").
pub fn strerror(e: &std::io::Error) -> (String, i64) {
    match e.raw_os_error() {
        Some(code) => {
            let s = std::io::Error::from_raw_os_error(code).to_string();
            let suffix = format!(" (os error {code})");
            (
                s.strip_suffix(&suffix).unwrap_or(&s).to_string(),
                i64::from(code),
            )
        }
        None => (e.to_string(), 0),
    }
}

/// `luaL_fileresult`: true, or nil plus "name: message" (or just the message) and errno.
fn file_result<'gc>(
    ctx: Ctx<'gc>,
    mut stack: Stack<'gc, '_>,
    r: std::io::Result<()>,
    name: Option<&[u8]>,
) -> NResult<'gc> {
    match r {
        Ok(()) => stack.ret1(Value::Boolean(true)),
        Err(e) => {
            let (msg, code) = strerror(&e);
            let mut m = Vec::new();
            if let Some(n) = name {
                m.extend_from_slice(n);
                m.extend_from_slice(b": ");
            }
            m.extend_from_slice(msg.as_bytes());
            stack.replace(&[
                Value::Nil,
                Value::String(ctx.bytes(&m)),
                Value::Integer(code),
            ]);
        }
    }
    Ok(Action::Return)
}

fn remove<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let name = check_string(ctx, &stack, 0)?;
    let path = os_str(name.as_bytes()).unwrap_or_default();
    // C's `remove` deletes files and empty directories.
    let r = match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => std::fs::remove_dir(&path),
        _ => std::fs::remove_file(&path),
    };
    file_result(ctx, stack, r, Some(name.as_bytes()))
}

fn rename<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, stack: Stack<'gc, '_>) -> NResult<'gc> {
    let from = check_string(ctx, &stack, 0)?;
    let to = check_string(ctx, &stack, 1)?;
    let r = std::fs::rename(
        os_str(from.as_bytes()).unwrap_or_default(),
        os_str(to.as_bytes()).unwrap_or_default(),
    );
    // PUC-Rio reports a failed rename without the file name.
    file_result(ctx, stack, r, None)
}

fn tmpname<'gc>(ctx: Ctx<'gc>, _f: NativeFunction<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
    // `mkstemp("/tmp/lua_XXXXXX")`: create the file, so the name is reserved.
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut seed =
        now() as u64 ^ u64::from(std::process::id()).rotate_left(32) ^ cpu_clock_ticks() as u64;
    for _ in 0..100 {
        let mut name = b"/tmp/lua_".to_vec();
        for _ in 0..6 {
            // xorshift64*: enough to spread names; uniqueness comes from `create_new`.
            seed ^= seed >> 12;
            seed ^= seed << 25;
            seed ^= seed >> 27;
            let r = seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
            name.push(CHARS[(r >> 58) as usize % CHARS.len()]);
        }
        let path = os_str(&name).unwrap_or_default();
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(_) => {
                stack.ret1(Value::String(ctx.bytes(&name)));
                return Ok(Action::Return);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
            }
            Err(_) => break,
        }
    }
    Err(Error::runtime("unable to generate a unique filename"))
}

fn setlocale<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    const CATEGORIES: [&str; 6] = ["all", "collate", "ctype", "monetary", "numeric", "time"];
    let locale = opt_string(ctx, &stack, 0)?;
    let cat = match opt_string(ctx, &stack, 1)? {
        None => "all".to_string(),
        Some(s) => s.to_str_lossy().into_owned(),
    };
    if !CATEGORIES.contains(&cat.as_str()) {
        return Err(Error::bad_arg(2, format!("invalid option '{cat}'")));
    }
    // Only the "C" locale exists ("POSIX" is its other name; "" picks the environment's, which
    // can only be "C" here): anything else fails.
    let r = match locale.map(|l| l.as_bytes()) {
        None | Some(b"C" | b"POSIX" | b"") => ctx.str_value("C"),
        Some(_) => Value::Nil,
    };
    stack.ret1(r);
    Ok(Action::Return)
}
