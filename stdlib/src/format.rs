//! `string.format` (PUC-Rio's `str_format`): C `printf` conversions with lstrlib's checks and
//! messages, implemented directly (no C library): integers here, floats through
//! `halo_vm::number::format_float` (glibc's rendering), `%q` as lstrlib's `addliteral`.
//!
//! `%s` converts its argument like `tostring`; when that needs a `__tostring` metamethod the
//! rest of the formatting continues in `FormatSeq` after a stackless call, so the metamethod may
//! yield or await.

use gc_arena::Collect;
use halo_vm::baselib::tostring_basic;
use halo_vm::interp::to_number;
use halo_vm::meta::{self, MetaEvent};
use halo_vm::number::{self, Number};
use halo_vm::{Action, Ctx, Error, LuaString, NativeFunction, Sequence, Stack, Value};

use crate::scratch::with_scratch;
use crate::strlib::NResult;

/// lstrlib's `MAX_FORMAT`: a conversion spec of 22 bytes or more is "too long".
const MAX_FORMAT: usize = 32;

/// Valid flags per conversion (lstrlib's `L_FMTFLAGS*`).
const FLAGS_F: &[u8] = b"-+#0 ";
const FLAGS_X: &[u8] = b"-#0";
const FLAGS_I: &[u8] = b"-+0 ";
const FLAGS_U: &[u8] = b"-0";
const FLAGS_C: &[u8] = b"-";

/// The text of one conversion spec, `%` included, for parsing and for messages.
#[derive(Clone, Copy)]
struct Form {
    bytes: [u8; MAX_FORMAT],
    len: usize,
}

impl Form {
    fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
    /// Whether the spec has anything between `%` and the conversion.
    fn has_modifiers(&self) -> bool {
        self.len > 2
    }
    /// The spec as C's `%s` would print it: up to a NUL (a format ending in `%` has one).
    fn display(&self) -> String {
        let b = self.as_bytes();
        let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
        String::from_utf8_lossy(&b[..end]).into_owned()
    }
}

/// A parsed, validated conversion spec.
#[derive(Clone, Copy, Default)]
struct Spec {
    minus: bool,
    plus: bool,
    space: bool,
    alt: bool,
    zero: bool,
    width: usize,
    precision: Option<usize>,
}

/// lstrlib's `checkformat`: the flags must be among `flags`, the width and precision at most
/// two digits (a precision only if `precision`); returns the parsed spec.
fn check_format<'gc>(form: &Form, flags: &[u8], precision: bool) -> Result<Spec, Error<'gc>> {
    let b = form.as_bytes();
    let mut spec = Spec::default();
    let mut i = 1;
    while i < b.len() && flags.contains(&b[i]) {
        match b[i] {
            b'-' => spec.minus = true,
            b'+' => spec.plus = true,
            b' ' => spec.space = true,
            b'#' => spec.alt = true,
            _ => spec.zero = true,
        }
        i += 1;
    }
    let digits = |i: &mut usize| {
        let mut n = 0;
        for _ in 0..2 {
            match b.get(*i) {
                Some(c) if c.is_ascii_digit() => {
                    n = n * 10 + (c - b'0') as usize;
                    *i += 1;
                }
                _ => break,
            }
        }
        n
    };
    if b.get(i) != Some(&b'0') {
        spec.width = digits(&mut i);
        if b.get(i) == Some(&b'.') && precision {
            i += 1;
            spec.precision = Some(digits(&mut i));
        }
    }
    if !b.get(i).is_some_and(|c| c.is_ascii_alphabetic()) {
        return Err(Error::runtime(format!(
            "invalid conversion specification: '{}'",
            form.display()
        )));
    }
    Ok(spec)
}

/// Pads the item written at `out[start..]` to the spec's width: spaces on the right with `-`,
/// zeros after the first `zero_at` bytes (sign, `0x`) when `zero_at` is given, else spaces
/// on the left.
fn pad(out: &mut Vec<u8>, start: usize, spec: &Spec, zero_at: Option<usize>) {
    let len = out.len() - start;
    if len >= spec.width {
        return;
    }
    let n = spec.width - len;
    if spec.minus {
        out.resize(out.len() + n, b' ');
    } else {
        let (at, fill) = match zero_at {
            Some(k) => (start + k, b'0'),
            None => (start, b' '),
        };
        out.splice(at..at, std::iter::repeat_n(fill, n));
    }
}

/// `%d %i %u %o %x %X` of `n` as C `printf` does for a `long long`.
fn format_int(out: &mut Vec<u8>, n: i64, conv: u8, spec: &Spec) {
    let start = out.len();
    let neg = n < 0 && matches!(conv, b'd' | b'i');
    if neg {
        out.push(b'-');
    } else if matches!(conv, b'd' | b'i') && spec.plus {
        out.push(b'+');
    } else if matches!(conv, b'd' | b'i') && spec.space {
        out.push(b' ');
    }
    let u = if matches!(conv, b'd' | b'i') {
        n.unsigned_abs()
    } else {
        n as u64
    };
    if spec.alt && u != 0 && matches!(conv, b'x' | b'X') {
        out.push(b'0');
        out.push(conv);
    }
    let prefix_len = out.len() - start;
    let mut buf = [0u8; 24];
    let mut k = buf.len();
    let (base, digits): (u64, &[u8; 16]) = match conv {
        b'o' => (8, b"0123456789abcdef"),
        b'x' => (16, b"0123456789abcdef"),
        b'X' => (16, b"0123456789ABCDEF"),
        _ => (10, b"0123456789abcdef"),
    };
    // C prints no digit for a zero value with precision 0.
    if !(u == 0 && spec.precision == Some(0)) {
        let mut v = u;
        loop {
            k -= 1;
            buf[k] = digits[(v % base) as usize];
            v /= base;
            if v == 0 {
                break;
            }
        }
    }
    let ndigits = buf.len() - k;
    let mut zeros = spec.precision.unwrap_or(0).saturating_sub(ndigits);
    if conv == b'o' && spec.alt && zeros == 0 && (ndigits == 0 || buf[k] != b'0') {
        zeros = 1;
    }
    out.resize(out.len() + zeros, b'0');
    out.extend_from_slice(&buf[k..]);
    // The 0 flag is ignored when a precision is given.
    let zero_at = (spec.zero && spec.precision.is_none()).then_some(prefix_len);
    pad(out, start, spec, zero_at);
}

/// `%e %E %f %F %g %G %a %A` of `f`.
fn format_num(out: &mut Vec<u8>, f: f64, conv: u8, spec: &Spec) {
    let start = out.len();
    number::format_float(
        out,
        f,
        conv,
        spec.precision,
        spec.alt,
        spec.plus,
        spec.space,
    );
    // Zero padding goes after the sign and a hex prefix; infinities and NaNs get spaces.
    let zero_at = (spec.zero && f.is_finite()).then(|| {
        let sign = usize::from(matches!(out[start], b'-' | b'+' | b' '));
        sign + if matches!(conv, b'a' | b'A') { 2 } else { 0 }
    });
    pad(out, start, spec, zero_at);
}

/// lstrlib's `addquoted`: a string as a Lua literal that reads back as the same bytes.
fn add_quoted(out: &mut Vec<u8>, s: &[u8]) {
    out.push(b'"');
    for (i, &c) in s.iter().enumerate() {
        match c {
            b'"' | b'\\' | b'\n' => {
                out.push(b'\\');
                out.push(c);
            }
            0..=31 | 127 => {
                out.push(b'\\');
                // Three digits when a digit follows, so the escape does not absorb it.
                if s.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    out.extend_from_slice(&[b'0' + c / 100, b'0' + c / 10 % 10, b'0' + c % 10]);
                } else {
                    number::fmt_int(c as i64, out);
                }
            }
            _ => out.push(c),
        }
    }
    out.push(b'"');
}

/// lstrlib's `addliteral` (`%q`).
fn add_literal<'gc>(
    ctx: Ctx<'gc>,
    out: &mut Vec<u8>,
    v: Value<'gc>,
    argn: usize,
) -> Result<(), Error<'gc>> {
    match v {
        Value::String(s) => add_quoted(out, s.as_bytes()),
        Value::Number(f) => {
            if f == f64::INFINITY {
                out.extend_from_slice(b"1e9999");
            } else if f == f64::NEG_INFINITY {
                out.extend_from_slice(b"-1e9999");
            } else if f.is_nan() {
                out.extend_from_slice(b"(0/0)");
            } else {
                // Hexadecimal keeps every bit.
                number::format_float(out, f, b'a', None, false, false, false);
            }
        }
        Value::Integer(i) => {
            if i == i64::MIN {
                // "-9223372036854775808" would read back as a float.
                out.extend_from_slice(b"0x8000000000000000");
            } else {
                number::fmt_int(i, out);
            }
        }
        Value::Nil => out.extend_from_slice(b"nil"),
        Value::Boolean(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        _ => return Err(Error::bad_arg(argn, "value has no literal form")),
    }
    let _ = ctx;
    Ok(())
}

/// `%s` of the string `s` with the spec `form`.
fn add_string<'gc>(
    out: &mut Vec<u8>,
    s: &[u8],
    form: &Form,
    argn: usize,
) -> Result<(), Error<'gc>> {
    if !form.has_modifiers() {
        out.extend_from_slice(s);
        return Ok(());
    }
    if s.contains(&0) {
        return Err(Error::bad_arg(argn, "string contains zeros"));
    }
    let spec = check_format(form, FLAGS_C, true)?;
    // lstrlib keeps a long string whole when there is no precision (C would too).
    let s = match spec.precision {
        Some(p) if p < s.len() => &s[..p],
        _ => s,
    };
    let start = out.len();
    out.extend_from_slice(s);
    pad(out, start, &spec, None);
    Ok(())
}

/// The Lua type name of a bad argument (`luaL_typeerror`).
fn type_error<'gc>(ctx: Ctx<'gc>, v: Value<'gc>, argn: usize, expected: &str) -> Error<'gc> {
    Error::bad_arg(
        argn,
        format!(
            "{expected} expected, got {}",
            meta::type_name_for_error(ctx, v)
        ),
    )
}

fn check_integer<'gc>(ctx: Ctx<'gc>, v: Value<'gc>, argn: usize) -> Result<i64, Error<'gc>> {
    match v {
        Value::Integer(i) => Ok(i),
        _ => match to_number(v) {
            Some(Number::Int(i)) => Ok(i),
            Some(Number::Float(f)) => number::float_to_int(f)
                .ok_or_else(|| Error::bad_arg(argn, "number has no integer representation")),
            None => Err(type_error(ctx, v, argn, "number")),
        },
    }
}

fn check_number<'gc>(ctx: Ctx<'gc>, v: Value<'gc>, argn: usize) -> Result<f64, Error<'gc>> {
    match to_number(v) {
        Some(n) => Ok(n.to_f64()),
        None => Err(type_error(ctx, v, argn, "number")),
    }
}

/// Where formatting stands: the next byte of the format and the last argument used
/// (`args[0]` is the format itself, so `arg` is also the Lua argument number minus one).
#[derive(Clone, Copy)]
struct Cursor {
    pos: usize,
    arg: usize,
}

/// Why formatting stopped before the end.
enum Pause<'gc> {
    /// `%s` of `value` needs its `__tostring` metamethod `tm`; the spec is `form`.
    ToString {
        value: Value<'gc>,
        tm: Value<'gc>,
        form: Form,
    },
}

/// Formats from `cur` to the end of `fmt` into `out`, or until a `%s` needs a metamethod call.
fn run<'gc>(
    ctx: Ctx<'gc>,
    fmt: &[u8],
    args: &[Value<'gc>],
    cur: &mut Cursor,
    out: &mut Vec<u8>,
) -> Result<Option<Pause<'gc>>, Error<'gc>> {
    let end = fmt.len();
    while cur.pos < end {
        // The result so far must fit under the memory limit (a short format can repeat a big
        // argument many times).
        ctx.reserve_memory(out.len())?;
        // Copy the literal run up to the next '%'.
        let rest = &fmt[cur.pos..];
        let k = memchr::memchr(b'%', rest).unwrap_or(rest.len());
        out.extend_from_slice(&rest[..k]);
        cur.pos += k;
        if cur.pos >= end {
            break;
        }
        cur.pos += 1; // the '%'
        if fmt.get(cur.pos) == Some(&b'%') {
            out.push(b'%');
            cur.pos += 1;
            continue;
        }
        cur.arg += 1;
        let argn = cur.arg + 1;
        if cur.arg >= args.len() {
            return Err(Error::bad_arg(argn, "no value"));
        }
        let v = args[cur.arg];
        // lstrlib's `getformat`: flags, digits and '.', then the conversion (a NUL past the end,
        // as C reads the string's terminator).
        let span = fmt[cur.pos..]
            .iter()
            .take_while(|c| b"-+#0 123456789.".contains(c))
            .count();
        let len = span + 1;
        if len >= MAX_FORMAT - 10 {
            return Err(Error::runtime("invalid format (too long)"));
        }
        let mut form = Form {
            bytes: [0; MAX_FORMAT],
            len: len + 1,
        };
        form.bytes[0] = b'%';
        let conv = fmt.get(cur.pos + span).copied().unwrap_or(0);
        form.bytes[1..=span].copy_from_slice(&fmt[cur.pos..cur.pos + span]);
        form.bytes[len] = conv;
        cur.pos += len;
        match conv {
            b'c' => {
                let spec = check_format(&form, FLAGS_C, false)?;
                let c = check_integer(ctx, v, argn)?;
                let start = out.len();
                out.push(c as u8);
                pad(out, start, &spec, None);
            }
            b'd' | b'i' | b'u' | b'o' | b'x' | b'X' => {
                let n = check_integer(ctx, v, argn)?;
                let flags = match conv {
                    b'd' | b'i' => FLAGS_I,
                    b'u' => FLAGS_U,
                    _ => FLAGS_X,
                };
                let spec = check_format(&form, flags, true)?;
                if !form.has_modifiers() && conv == b'd' {
                    number::fmt_int(n, out);
                } else {
                    format_int(out, n, conv, &spec);
                }
            }
            b'a' | b'A' => {
                let spec = check_format(&form, FLAGS_F, true)?;
                let f = check_number(ctx, v, argn)?;
                format_num(out, f, conv, &spec);
            }
            b'e' | b'E' | b'f' | b'g' | b'G' => {
                let f = check_number(ctx, v, argn)?;
                let spec = check_format(&form, FLAGS_F, true)?;
                format_num(out, f, conv, &spec);
            }
            b'p' => {
                let spec = check_format(&form, FLAGS_C, false)?;
                let start = out.len();
                match v {
                    Value::Table(_)
                    | Value::Function(_)
                    | Value::Thread(_)
                    | Value::UserData(_)
                    | Value::String(_) => {
                        let p = v.gc_ptr().unwrap_or(std::ptr::null());
                        out.extend_from_slice(format!("{p:p}").as_bytes());
                    }
                    _ => out.extend_from_slice(b"(null)"),
                }
                pad(out, start, &spec, None);
            }
            b'q' => {
                if form.has_modifiers() {
                    return Err(Error::runtime("specifier '%q' cannot have modifiers"));
                }
                add_literal(ctx, out, v, argn)?;
            }
            b's' => {
                let tm = meta::metamethod(ctx, v, MetaEvent::ToString);
                if !tm.is_nil() {
                    return Ok(Some(Pause::ToString { value: v, tm, form }));
                }
                match v {
                    Value::String(s) => add_string(out, s.as_bytes(), &form, argn)?,
                    Value::Integer(i) if !form.has_modifiers() => number::fmt_int(i, out),
                    Value::Number(f) if !form.has_modifiers() => number::fmt_float(f, out),
                    _ => {
                        let s = tostring_basic(ctx, v).expect("no __tostring");
                        add_string(out, s.as_bytes(), &form, argn)?;
                    }
                }
            }
            _ => {
                return Err(Error::runtime(format!(
                    "invalid conversion '{}' to 'format'",
                    form.display()
                )));
            }
        }
    }
    Ok(None)
}

pub(crate) fn format<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let fmt = halo_vm::args::check_string(ctx, &stack, 0)?;
    let mut cur = Cursor { pos: 0, arg: 0 };
    with_scratch(
        |out| match run(ctx, fmt.as_bytes(), stack.as_slice(), &mut cur, out)? {
            None => {
                stack.ret1(Value::String(LuaString::new(ctx.mc, out)));
                Ok(Action::Return)
            }
            Some(Pause::ToString { value, tm, form }) => {
                let seq = FormatSeq {
                    fmt,
                    args: stack.as_slice().to_vec(),
                    cur,
                    out: out.clone(),
                    form,
                };
                stack.ret1(value);
                Ok(Action::Call {
                    func: tm,
                    then: Some(Box::new(seq)),
                })
            }
        },
    )
}

/// A `format` waiting for a `%s` argument's `__tostring`.
#[derive(Collect)]
#[collect(no_drop)]
struct FormatSeq<'gc> {
    fmt: LuaString<'gc>,
    args: Vec<Value<'gc>>,
    #[collect(require_static)]
    cur: Cursor,
    #[collect(require_static)]
    out: Vec<u8>,
    /// The `%s` spec the metamethod's result goes into.
    #[collect(require_static)]
    form: Form,
}

impl<'gc> Sequence<'gc> for FormatSeq<'gc> {
    fn poll(&mut self, ctx: Ctx<'gc>, mut stack: Stack<'gc, '_>) -> NResult<'gc> {
        let argn = self.cur.arg + 1;
        // luaL_tolstring accepts a number from `__tostring` (lua_isstring) and converts it.
        let mut tmp = Vec::new();
        let s: &[u8] = match stack.get(0) {
            Value::String(s) => s.as_bytes(),
            Value::Integer(i) => {
                number::fmt_int(i, &mut tmp);
                &tmp
            }
            Value::Number(f) => {
                number::fmt_float(f, &mut tmp);
                &tmp
            }
            _ => return Err(Error::runtime("'__tostring' must return a string")),
        };
        add_string(&mut self.out, s, &self.form, argn)?;
        match run(
            ctx,
            self.fmt.as_bytes(),
            &self.args,
            &mut self.cur,
            &mut self.out,
        )? {
            None => {
                let out = std::mem::take(&mut self.out);
                stack.ret1(Value::String(LuaString::from_vec(ctx.mc, out)));
                Ok(Action::Return)
            }
            Some(Pause::ToString { value, tm, form }) => {
                self.form = form;
                stack.ret1(value);
                // The executor keeps this sequence and hands it the call's result.
                Ok(Action::Call {
                    func: tm,
                    then: None,
                })
            }
        }
    }
}
