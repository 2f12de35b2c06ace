//! `string.pack` / `string.unpack` / `string.packsize` (manual §6.4.2),
//! ported from PUC-Rio's lstrlib.c for the x86_64 Linux ABI: `int` 4 bytes,
//! `short` 2, `long`/`size_t`/`lua_Integer` 8, `lua_Number` = f64, native
//! little-endian, and `!` without a number meaning 8 (`LUAI_MAXALIGN`).
//!
//! The engine knows nothing about Lua values. [`pack`] asks the caller for
//! each argument in the shape PUC's `luaL_check*` would (see [`ArgKind`]), so
//! coercion and the "number expected, got string" style errors stay in the
//! VM wiring. Errors come back as [`PackError`], which records whether PUC
//! raises them as `luaL_argerror` (and for which argument) or as a plain
//! `luaL_error`.
//!
//! Like PUC (which reads the format as a C string), a format stops at its
//! first NUL byte.

use std::fmt;

/// `MAXINTSIZE`: the widest integer option, `i16`/`I16`.
const MAX_INT_SIZE: usize = 16;
/// `SZINT`: `sizeof(lua_Integer)`.
const SZINT: usize = 8;
/// `MAXSIZE` in lstrlib.c on an LP64 platform: `INT_MAX`.
const MAXSIZE: usize = i32::MAX as usize;
/// Native maximum alignment (`offsetof(struct cD, u)` on x86_64).
const NATIVE_MAXALIGN: usize = 8;

/// A pack/unpack failure with PUC's exact message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackError {
    /// `Some(n)`: PUC raises `luaL_argerror(L, n, msg)`, i.e. the caller
    /// must report `bad argument #n to 'pack' (msg)`. `None`: a plain
    /// `luaL_error(L, msg)`.
    pub arg: Option<usize>,
    pub msg: String,
}

impl PackError {
    fn arg(n: usize, msg: impl Into<String>) -> Self {
        PackError {
            arg: Some(n),
            msg: msg.into(),
        }
    }
    fn plain(msg: impl Into<String>) -> Self {
        PackError {
            arg: None,
            msg: msg.into(),
        }
    }
    /// The full message as `lua5.4` prints it for function name `fname`
    /// (e.g. `"string.pack"`).
    pub fn lua_message(&self, fname: &str) -> String {
        match self.arg {
            Some(n) => format!("bad argument #{n} to '{fname}' ({})", self.msg),
            None => self.msg.clone(),
        }
    }
}

/// Displays only the bare message (without the `bad argument` wrapper).
impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for PackError {}

/// PUC's `KOption`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KOption {
    Int,
    Uint,
    Float,
    Number,
    Double,
    Char,
    String,
    Zstr,
    Padding,
    PaddAlign,
    Nop,
}

/// How the caller must convert an argument before handing it to [`pack`]:
/// the `luaL_check*` PUC applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgKind {
    /// `luaL_checkinteger`: answer with [`PackArg::Int`].
    Integer,
    /// `luaL_checknumber`: answer with [`PackArg::Float`].
    Number,
    /// `luaL_checklstring`: answer with [`PackArg::Str`].
    String,
}

/// An argument value after the caller's coercion.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PackArg<'a> {
    Int(i64),
    Float(f64),
    Str(&'a [u8]),
}

/// One value produced by [`unpack`]; strings borrow from the data.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Unpacked<'a> {
    Int(i64),
    Float(f64),
    Str(&'a [u8]),
}

/// The format reader (PUC's `Header` plus the format cursor).
struct Reader<'f> {
    fmt: &'f [u8],
    pos: usize,
    little: bool,
    maxalign: usize,
}

impl<'f> Reader<'f> {
    fn new(fmt: &'f [u8]) -> Self {
        // The C code sees the format as a NUL-terminated string.
        let end = fmt.iter().position(|&c| c == 0).unwrap_or(fmt.len());
        Reader {
            fmt: &fmt[..end],
            pos: 0,
            little: cfg!(target_endian = "little"),
            maxalign: 1,
        }
    }

    fn done(&self) -> bool {
        self.pos >= self.fmt.len()
    }

    fn peek(&self) -> Option<u8> {
        self.fmt.get(self.pos).copied()
    }

    /// `getnum`: an optional decimal size. PUC stops reading digits once
    /// the value exceeds `(MAXSIZE - 9) / 10`, so the rest become options
    /// (hence "invalid format option '7'" for `c2147483647`).
    fn getnum(&mut self, df: usize) -> usize {
        if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
            return df;
        }
        let mut a = 0usize;
        loop {
            a = a * 10 + (self.fmt[self.pos] - b'0') as usize;
            self.pos += 1;
            if !(self.peek().is_some_and(|c| c.is_ascii_digit()) && a <= (MAXSIZE - 9) / 10) {
                return a;
            }
        }
    }

    fn getnumlimit(&mut self, df: usize) -> Result<usize, PackError> {
        let sz = self.getnum(df);
        if sz > MAX_INT_SIZE || sz == 0 {
            return Err(PackError::plain(format!(
                "integral size ({sz}) out of limits [1,{MAX_INT_SIZE}]"
            )));
        }
        Ok(sz)
    }

    /// `getoption`: reads one option, returning it and its size.
    fn getoption(&mut self) -> Result<(KOption, usize), PackError> {
        let opt = self.fmt[self.pos];
        self.pos += 1;
        Ok(match opt {
            b'b' => (KOption::Int, 1),
            b'B' => (KOption::Uint, 1),
            b'h' => (KOption::Int, 2),
            b'H' => (KOption::Uint, 2),
            b'l' | b'j' => (KOption::Int, 8),
            b'L' | b'J' | b'T' => (KOption::Uint, 8),
            b'f' => (KOption::Float, 4),
            b'n' => (KOption::Number, 8),
            b'd' => (KOption::Double, 8),
            b'i' => (KOption::Int, self.getnumlimit(4)?),
            b'I' => (KOption::Uint, self.getnumlimit(4)?),
            b's' => (KOption::String, self.getnumlimit(8)?),
            b'c' => {
                if !self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    return Err(PackError::plain("missing size for format option 'c'"));
                }
                (KOption::Char, self.getnum(0))
            }
            b'z' => (KOption::Zstr, 0),
            b'x' => (KOption::Padding, 1),
            b'X' => (KOption::PaddAlign, 0),
            b' ' => (KOption::Nop, 0),
            b'<' => {
                self.little = true;
                (KOption::Nop, 0)
            }
            b'>' => {
                self.little = false;
                (KOption::Nop, 0)
            }
            b'=' => {
                self.little = cfg!(target_endian = "little");
                (KOption::Nop, 0)
            }
            b'!' => {
                self.maxalign = self.getnumlimit(NATIVE_MAXALIGN)?;
                (KOption::Nop, 0)
            }
            c => {
                return Err(PackError::plain(format!(
                    "invalid format option '{}'",
                    c as char
                )));
            }
        })
    }

    /// `getdetails`: option, size and the padding needed to align it at
    /// offset `total`.
    fn getdetails(&mut self, total: usize) -> Result<(KOption, usize, usize), PackError> {
        let (opt, size) = self.getoption()?;
        let mut align = size;
        if opt == KOption::PaddAlign {
            // 'X' takes its alignment from (and consumes) the next option.
            let bad = || PackError::arg(1, "invalid next option for option 'X'");
            if self.done() {
                return Err(bad());
            }
            let (next, nsize) = self.getoption()?;
            if next == KOption::Char || nsize == 0 {
                return Err(bad());
            }
            align = nsize;
        }
        if align <= 1 || opt == KOption::Char {
            return Ok((opt, size, 0));
        }
        let align = align.min(self.maxalign);
        if !align.is_power_of_two() {
            return Err(PackError::arg(
                1,
                "format asks for alignment not power of 2",
            ));
        }
        Ok((opt, size, (align - (total & (align - 1))) & (align - 1)))
    }
}

/// `packint`: `size` bytes of `n`, sign-extending past 8 bytes if `neg`.
fn pack_int(out: &mut Vec<u8>, n: u64, little: bool, size: usize, neg: bool) {
    let start = out.len();
    out.resize(start + size, 0);
    let buf = &mut out[start..];
    for i in 0..size {
        let byte = if i < SZINT {
            (n >> (8 * i)) as u8
        } else if neg {
            0xff
        } else {
            0
        };
        buf[if little { i } else { size - 1 - i }] = byte;
    }
}

fn pack_bytes(out: &mut Vec<u8>, bytes: &[u8], little: bool) {
    // `bytes` is in native (little-endian) order.
    if little == cfg!(target_endian = "little") {
        out.extend_from_slice(bytes);
    } else {
        out.extend(bytes.iter().rev());
    }
}

/// `string.pack(fmt, ...)`: appends the packed bytes to `out`. `arg(n,
/// kind)` must return Lua argument number `n` (1-based, so the first value
/// after the format is 2) converted as `kind` says, or the caller's own
/// error (e.g. "number expected, got nil"). PUC errors are converted into
/// `E` with `From<PackError>`.
pub fn pack<'a, E: From<PackError>>(
    fmt: &[u8],
    out: &mut Vec<u8>,
    arg: impl FnMut(usize, ArgKind) -> Result<PackArg<'a>, E>,
) -> Result<(), E> {
    pack_checked(fmt, out, arg, |_| Ok(()))
}

/// [`pack`], asking `grow(len)` before `out` grows to `len` bytes for an item of unbounded size
/// (a string, or `cn`'s padding, whose `n` comes from the format): a host with a memory limit
/// fails there, after the item's own argument checks, as PUC-Rio's buffer would.
pub fn pack_checked<'a, E: From<PackError>>(
    fmt: &[u8],
    out: &mut Vec<u8>,
    mut arg: impl FnMut(usize, ArgKind) -> Result<PackArg<'a>, E>,
    mut grow: impl FnMut(usize) -> Result<(), E>,
) -> Result<(), E> {
    let mut r = Reader::new(fmt);
    let mut argn = 1usize;
    let mut total = 0usize;
    while !r.done() {
        let (opt, size, ntoalign) = r.getdetails(total)?;
        total += ntoalign + size;
        out.resize(out.len() + ntoalign, 0);
        argn += 1;
        match opt {
            KOption::Int => {
                let n = get_int(&mut arg, argn)?;
                if size < SZINT {
                    let lim = 1i64 << (size * 8 - 1);
                    if !(-lim <= n && n < lim) {
                        return Err(PackError::arg(argn, "integer overflow").into());
                    }
                }
                pack_int(out, n as u64, r.little, size, n < 0);
            }
            KOption::Uint => {
                let n = get_int(&mut arg, argn)?;
                if size < SZINT && (n as u64) >= (1u64 << (size * 8)) {
                    return Err(PackError::arg(argn, "unsigned overflow").into());
                }
                pack_int(out, n as u64, r.little, size, false);
            }
            KOption::Float => {
                let f = get_num(&mut arg, argn)? as f32;
                pack_bytes(out, &f.to_le_bytes(), r.little);
            }
            KOption::Number | KOption::Double => {
                let f = get_num(&mut arg, argn)?;
                pack_bytes(out, &f.to_le_bytes(), r.little);
            }
            KOption::Char => {
                let s = get_str(&mut arg, argn)?;
                if s.len() > size {
                    return Err(PackError::arg(argn, "string longer than given size").into());
                }
                grow(out.len() + size)?;
                out.extend_from_slice(s);
                out.resize(out.len() + (size - s.len()), 0);
            }
            KOption::String => {
                let s = get_str(&mut arg, argn)?;
                if size < 8 && (s.len() as u64) >= (1u64 << (size * 8)) {
                    return Err(
                        PackError::arg(argn, "string length does not fit in given size").into(),
                    );
                }
                grow(out.len() + size + s.len())?;
                pack_int(out, s.len() as u64, r.little, size, false);
                out.extend_from_slice(s);
                total += s.len();
            }
            KOption::Zstr => {
                let s = get_str(&mut arg, argn)?;
                if s.contains(&0) {
                    return Err(PackError::arg(argn, "string contains zeros").into());
                }
                grow(out.len() + s.len() + 1)?;
                out.extend_from_slice(s);
                out.push(0);
                total += s.len() + 1;
            }
            KOption::Padding => {
                out.push(0);
                argn -= 1;
            }
            KOption::PaddAlign | KOption::Nop => argn -= 1,
        }
    }
    Ok(())
}

fn get_int<'a, E>(
    arg: &mut impl FnMut(usize, ArgKind) -> Result<PackArg<'a>, E>,
    n: usize,
) -> Result<i64, E> {
    Ok(match arg(n, ArgKind::Integer)? {
        PackArg::Int(i) => i,
        // A sloppy caller: accept exact floats rather than panic.
        PackArg::Float(f) => f as i64,
        PackArg::Str(_) => 0,
    })
}

fn get_num<'a, E>(
    arg: &mut impl FnMut(usize, ArgKind) -> Result<PackArg<'a>, E>,
    n: usize,
) -> Result<f64, E> {
    Ok(match arg(n, ArgKind::Number)? {
        PackArg::Float(f) => f,
        PackArg::Int(i) => i as f64,
        PackArg::Str(_) => 0.0,
    })
}

fn get_str<'a, E>(
    arg: &mut impl FnMut(usize, ArgKind) -> Result<PackArg<'a>, E>,
    n: usize,
) -> Result<&'a [u8], E> {
    Ok(match arg(n, ArgKind::String)? {
        PackArg::Str(s) => s,
        _ => b"",
    })
}

/// `string.packsize(fmt)`. Variable-length options (`s`, `z`) are
/// "variable-length format" errors on argument 1.
pub fn packsize(fmt: &[u8]) -> Result<usize, PackError> {
    let mut r = Reader::new(fmt);
    let mut total = 0usize;
    while !r.done() {
        let (opt, size, ntoalign) = r.getdetails(total)?;
        if matches!(opt, KOption::String | KOption::Zstr) {
            return Err(PackError::arg(1, "variable-length format"));
        }
        let size = size + ntoalign;
        if total > MAXSIZE - size.min(MAXSIZE) || size > MAXSIZE {
            return Err(PackError::arg(1, "format result too large"));
        }
        total += size;
    }
    Ok(total)
}

/// `unpackint`: reads `size` bytes; wider-than-8 values must be plain sign
/// (or zero) extensions of an i64.
fn unpack_int(data: &[u8], little: bool, size: usize, signed: bool) -> Result<i64, PackError> {
    let at = |i: usize| data[if little { i } else { size - 1 - i }];
    let limit = size.min(SZINT);
    let mut res = 0u64;
    for i in (0..limit).rev() {
        res = (res << 8) | at(i) as u64;
    }
    if size < SZINT {
        if signed {
            let mask = 1u64 << (size * 8 - 1);
            res = (res ^ mask).wrapping_sub(mask);
        }
    } else if size > SZINT {
        let mask = if !signed || (res as i64) >= 0 {
            0
        } else {
            0xff
        };
        if (limit..size).any(|i| at(i) != mask) {
            return Err(PackError::plain(format!(
                "{size}-byte integer does not fit into Lua Integer"
            )));
        }
    }
    Ok(res as i64)
}

/// `string.unpack(fmt, data, pos)`: `pos` is the 0-based start
/// (`posrelatI(init) - 1`, computed by the caller). Returns the values and
/// the 0-based position after the last item (Lua returns that plus 1).
pub fn unpack<'d>(
    fmt: &[u8],
    data: &'d [u8],
    pos: usize,
) -> Result<(Vec<Unpacked<'d>>, usize), PackError> {
    let mut vals = Vec::new();
    let next = unpack_each(fmt, data, pos, |v| vals.push(v))?;
    Ok((vals, next))
}

/// [`unpack`] handing each value to `emit` as it is read (no intermediate
/// vector); returns the 0-based position after the last item.
pub fn unpack_each<'d>(
    fmt: &[u8],
    data: &'d [u8],
    pos: usize,
    mut emit: impl FnMut(Unpacked<'d>),
) -> Result<usize, PackError> {
    if pos > data.len() {
        return Err(PackError::arg(3, "initial position out of string"));
    }
    let ld = data.len();
    let mut pos = pos;
    let mut r = Reader::new(fmt);
    let too_short = || PackError::arg(2, "data string too short");
    while !r.done() {
        let (opt, size, ntoalign) = r.getdetails(pos)?;
        if ntoalign + size > ld - pos {
            return Err(too_short());
        }
        pos += ntoalign;
        let item = &data[pos..pos + size];
        match opt {
            KOption::Int | KOption::Uint => {
                emit(Unpacked::Int(unpack_int(
                    item,
                    r.little,
                    size,
                    opt == KOption::Int,
                )?));
            }
            KOption::Float => {
                let mut b: [u8; 4] = item.try_into().unwrap();
                if !r.little {
                    b.reverse();
                }
                emit(Unpacked::Float(f32::from_le_bytes(b) as f64));
            }
            KOption::Number | KOption::Double => {
                let mut b: [u8; 8] = item.try_into().unwrap();
                if !r.little {
                    b.reverse();
                }
                emit(Unpacked::Float(f64::from_le_bytes(b)));
            }
            KOption::Char => emit(Unpacked::Str(item)),
            KOption::String => {
                let len = unpack_int(item, r.little, size, false)? as u64;
                if len > (ld - pos - size) as u64 {
                    return Err(too_short());
                }
                let len = len as usize;
                emit(Unpacked::Str(&data[pos + size..pos + size + len]));
                pos += len;
            }
            KOption::Zstr => {
                let Some(len) = data[pos..].iter().position(|&c| c == 0) else {
                    return Err(PackError::arg(2, "unfinished string for format 'z'"));
                };
                emit(Unpacked::Str(&data[pos..pos + len]));
                pos += len + 1;
            }
            KOption::Padding | KOption::PaddAlign | KOption::Nop => {}
        }
        pos += size;
    }
    Ok(pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Lua value as the test cases write it.
    #[derive(Clone, Copy, Debug)]
    enum V {
        I(i64),
        F(f64),
        S(&'static [u8]),
    }
    use V::{F, I, S};

    fn hex(b: &[u8]) -> String {
        b.iter().map(|c| format!("{c:02x}")).collect()
    }

    /// What the VM wiring will do: `luaL_checkinteger` and friends.
    fn lua_pack(fmt: &[u8], args: &[V]) -> String {
        let mut out = Vec::new();
        let r = pack(fmt, &mut out, |n, kind| {
            let v = args.get(n - 2).copied();
            match (kind, v) {
                (ArgKind::Integer, Some(I(i))) => Ok(PackArg::Int(i)),
                (ArgKind::Integer, Some(F(f))) if f.fract() == 0.0 => Ok(PackArg::Int(f as i64)),
                (ArgKind::Integer, Some(F(_))) => {
                    Err(PackError::arg(n, "number has no integer representation"))
                }
                (ArgKind::Number, Some(I(i))) => Ok(PackArg::Float(i as f64)),
                (ArgKind::Number, Some(F(f))) => Ok(PackArg::Float(f)),
                (ArgKind::String, Some(S(s))) => Ok(PackArg::Str(s)),
                _ => Err(PackError::arg(n, "wrong type in test")),
            }
        });
        match r {
            Ok(()) => format!("OK {}", hex(&out)),
            Err(e) => e.lua_message("string.pack"),
        }
    }

    fn lua_unpack(fmt: &[u8], data: &[u8], init: i64) -> String {
        let len = data.len() as i64;
        let p = if init > 0 {
            init
        } else if init == 0 || init < -len {
            1
        } else {
            len + init + 1
        };
        match unpack(fmt, data, (p - 1) as usize) {
            Ok((vals, next)) => {
                let mut o: Vec<String> = vals
                    .iter()
                    .map(|v| match v {
                        Unpacked::Int(i) => format!("i:{i}"),
                        Unpacked::Float(f) => format!("f:{}", lua_g17(*f)),
                        Unpacked::Str(s) => format!("s:{}", hex(s)),
                    })
                    .collect();
                o.push(format!("i:{}", next + 1));
                format!("OK {}", o.join(" "))
            }
            Err(e) => e.lua_message("string.unpack"),
        }
    }

    /// C's `%.17g` for the handful of values the cases use.
    fn lua_g17(f: f64) -> String {
        match f {
            1.5 => "1.5".into(),
            2.5 => "2.5".into(),
            -2.25 => "-2.25".into(),
            _ if f == 1.0 / 3.0 => "0.33333333333333331".into(),
            _ if f == 0.1f32 as f64 => "0.10000000149011612".into(),
            _ => format!("{f:?}"),
        }
    }

    // Expectations below were produced by running the same calls in lua5.4.
    const PACKS: &[(&[u8], &[V], &str)] = &[
    (b"b", &[I(127)], "OK 7f"),
    (b"b", &[I(-128)], "OK 80"),
    (b"b", &[I(128)], "bad argument #2 to 'string.pack' (integer overflow)"),
    (b"b", &[I(-129)], "bad argument #2 to 'string.pack' (integer overflow)"),
    (b"B", &[I(255)], "OK ff"),
    (b"B", &[I(256)], "bad argument #2 to 'string.pack' (unsigned overflow)"),
    (b"B", &[I(-1)], "bad argument #2 to 'string.pack' (unsigned overflow)"),
    (b"h", &[I(-2)], "OK feff"),
    (b"H", &[I(65535)], "OK ffff"),
    (b"H", &[I(65536)], "bad argument #2 to 'string.pack' (unsigned overflow)"),
    (b"h", &[I(32768)], "bad argument #2 to 'string.pack' (integer overflow)"),
    (b"i3", &[I(8388608)], "bad argument #2 to 'string.pack' (integer overflow)"),
    (b"i3", &[I(-8388608)], "OK 000080"),
    (b"i3", &[I(8388607)], "OK ffff7f"),
    (b"I3", &[I(16777216)], "bad argument #2 to 'string.pack' (unsigned overflow)"),
    (b"I3", &[I(16777215)], "OK ffffff"),
    (b"y", &[I(1)], "invalid format option 'y'"),
    (b"i17", &[I(1)], "integral size (17) out of limits [1,16]"),
    (b"i0", &[I(1)], "integral size (0) out of limits [1,16]"),
    (b"!3 i4", &[I(1)], "bad argument #1 to 'string.pack' (format asks for alignment not power of 2)"),
    (b"!17", &[I(1)], "integral size (17) out of limits [1,16]"),
    (b"s1", &[S(b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")], "bad argument #2 to 'string.pack' (string length does not fit in given size)"),
    (b"s1", &[S(b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")], "OK ff787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878787878"),
    (b"c", &[S(b"a")], "missing size for format option 'c'"),
    (b"c2", &[S(b"abc")], "bad argument #2 to 'string.pack' (string longer than given size)"),
    (b"c5", &[S(b"abc")], "OK 6162630000"),
    (b"z", &[S(b"a\x00b")], "bad argument #2 to 'string.pack' (string contains zeros)"),
    (b"X", &[I(1)], "bad argument #1 to 'string.pack' (invalid next option for option 'X')"),
    (b"Xc1", &[I(1)], "bad argument #1 to 'string.pack' (invalid next option for option 'X')"),
    (b"X<", &[I(1)], "bad argument #1 to 'string.pack' (invalid next option for option 'X')"),
    (b"i4Xi8", &[I(1)], "OK 01000000"),
    (b"i4", &[F(1.5_f64)], "bad argument #2 to 'string.pack' (number has no integer representation)"),
    (b"i4", &[F(3_f64)], "OK 03000000"),
    (b"i16", &[I(-2)], "OK feffffffffffffffffffffffffffffff"),
    (b">i16", &[I(-2)], "OK fffffffffffffffffffffffffffffffe"),
    (b"<I16", &[I(-2)], "OK feffffffffffffff0000000000000000"),
    (b">I9", &[I(1)], "OK 000000000000000001"),
    (b"i2 i8", &[I(1), I(2)], "OK 01000200000000000000"),
    (b"!i2 i8", &[I(1), I(2)], "OK 01000000000000000200000000000000"),
    (b"!4 i2 i8", &[I(1), I(2)], "OK 010000000200000000000000"),
    (b"!2 i2 i8", &[I(1), I(2)], "OK 01000200000000000000"),
    (b"<!i3 i8", &[I(1), I(2)], "bad argument #1 to 'string.pack' (format asks for alignment not power of 2)"),
    (b"b Xi4 b", &[I(1), I(2)], "OK 0102"),
    (b"b !4 Xi8 b", &[I(1), I(2)], "OK 0100000002"),
    (b"b x x b", &[I(1), I(2)], "OK 01000002"),
    (b">i4", &[I(16909060)], "OK 01020304"),
    (b"=i4", &[I(16909060)], "OK 04030201"),
    (b"<h>h=H", &[I(1), I(2), I(65535)], "OK 01000002ffff"),
    (b"lLjJT", &[I(-1), I(-1), I(-1), I(-1), I(1)], "OK ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff0100000000000000"),
    (b"fdn", &[F(1.5_f64), F(-2.25_f64), F(1.0 / 3.0)], "OK 0000c03f00000000000002c0555555555555d53f"),
    (b">fdn", &[F(1.5_f64), F(-2.25_f64), F(1.0 / 3.0)], "OK 3fc00000c0020000000000003fd5555555555555"),
    (b"f", &[F(1e300)], "OK 0000807f"),
    (b"s", &[S(b"ab")], "OK 02000000000000006162"),
    (b">s2z c3", &[S(b"ab"), S(b"cd"), S(b"ef")], "OK 00026162636400656600"),
    (b"i4 ", &[I(3)], "OK 03000000"),
    (b"!16 d", &[F(1_f64)], "OK 000000000000f03f"),
    (b"I", &[I(-1)], "bad argument #2 to 'string.pack' (unsigned overflow)"),
    (b"j", &[I(i64::MIN)], "OK 0000000000000080"),
    (b"c0", &[S(b"")], "OK "),
    (b"s0", &[S(b"")], "integral size (0) out of limits [1,16]"),
    (b"Xc0", &[I(1)], "bad argument #1 to 'string.pack' (invalid next option for option 'X')"),
    (b"i4\x00i4", &[I(1), I(2)], "OK 01000000"),
    (b"i1X", &[I(1)], "bad argument #1 to 'string.pack' (invalid next option for option 'X')"),
    (b"i12", &[I(i64::MIN)], "OK 0000000000000080ffffffff"),
    (b"s9", &[S(b"x")], "OK 01000000000000000078"),
    (b"!8 b d", &[I(1), F(2.5_f64)], "OK 01000000000000000000000000000440"),
    (b"i9", &[I(-1)], "OK ffffffffffffffffff"),
    (b"I9", &[I(-1)], "OK ffffffffffffffff00"),
    (b">I16", &[I(9223372036854775807)], "OK 00000000000000007fffffffffffffff"),
    (b"i7", &[I(-36028797018963968)], "OK 00000000000080"),
    (b"i7", &[I(36028797018963968)], "bad argument #2 to 'string.pack' (integer overflow)"),
    (b"!xXi2", &[], "OK 0000"),
    (b"< i2 > i2 = i2 ! i2", &[I(1), I(2), I(3), I(4)], "OK 0100000203000400"),
    (b"B4", &[I(1)], "invalid format option '4'"),
    (b"d", &[F(-f64::NAN)], "OK 000000000000f8ff"),
    (b"n", &[F(f64::INFINITY)], "OK 000000000000f07f"),
    (b"!1 b i8", &[I(1), I(2)], "OK 010200000000000000"),
    (b" ", &[], "OK "),
    (b"", &[], "OK "),
    (b"x", &[], "OK 00"),
    (b"s", &[S(b"a\x00b")], "OK 0300000000000000610062"),
    ];
    const UNPACKS: &[(&[u8], &[u8], i64, &str)] = &[
        (
            b"i4",
            b"abc",
            1,
            "bad argument #2 to 'string.unpack' (data string too short)",
        ),
        (
            b"z",
            b"abc",
            1,
            "bad argument #2 to 'string.unpack' (unfinished string for format 'z')",
        ),
        (
            b"i16",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
            1,
            "OK i:-1 i:17",
        ),
        (
            b"i16",
            b"\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00",
            1,
            "16-byte integer does not fit into Lua Integer",
        ),
        (
            b"i9",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\x7f",
            1,
            "9-byte integer does not fit into Lua Integer",
        ),
        (
            b"I9",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\x00",
            1,
            "OK i:-1 i:10",
        ),
        (
            b"i4",
            b"abcd",
            6,
            "bad argument #3 to 'string.unpack' (initial position out of string)",
        ),
        (
            b"i4",
            b"abcd",
            5,
            "bad argument #2 to 'string.unpack' (data string too short)",
        ),
        (b"i4", b"abcdabcd", -4, "OK i:1684234849 i:9"),
        (
            b"s1",
            b"\x05abc",
            1,
            "bad argument #2 to 'string.unpack' (data string too short)",
        ),
        (
            b"<i4 z s1 c2 x B",
            b"\xfb\xff\xff\xffhi\x00\x02yoab\x00\xff",
            1,
            "OK i:-5 s:6869 s:796f s:6162 i:255 i:15",
        ),
        (
            b"!8 b d",
            b"\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x04@",
            1,
            "OK i:1 f:2.5 i:17",
        ),
        (
            b"i3 I3",
            b"\x00\x00\x80\xff\xff\xff",
            1,
            "OK i:-8388608 i:16777215 i:7",
        ),
        (
            b">j",
            b"\x80\x00\x00\x00\x00\x00\x00\x00",
            1,
            "OK i:-9223372036854775808 i:9",
        ),
        (b"", b"abc", 4, "OK i:4"),
        (b"z", b"abc\x00", 1, "OK s:616263 i:5"),
        (
            b"i99999999999",
            b"",
            1,
            "integral size (999999999) out of limits [1,16]",
        ),
        (b"f", b"\xcd\xcc\xcc=", 1, "OK f:0.10000000149011612 i:5"),
        (
            b"i12",
            b"\x00\x00\x00\x00\x00\x00\x00\x80\xff\xff\xff\xff",
            1,
            "OK i:-9223372036854775808 i:13",
        ),
        (
            b"I12",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
            1,
            "12-byte integer does not fit into Lua Integer",
        ),
        (
            b"<s2",
            b"\xff\xff",
            1,
            "bad argument #2 to 'string.unpack' (data string too short)",
        ),
        (b">s2", b"\x00\x03abcd", 1, "OK s:616263 i:6"),
        (
            b">fdn",
            b"?\xc0\x00\x00\xc0\x02\x00\x00\x00\x00\x00\x00?\xd5UUUUUU",
            1,
            "OK f:1.5 f:-2.25 f:0.33333333333333331 i:21",
        ),
        (
            b"b B h H",
            b"\xff\xff\xd4\xfe`\xea",
            1,
            "OK i:-1 i:255 i:-300 i:60000 i:7",
        ),
        (b"c3 c0", b"abc", 1, "OK s:616263 s: i:4"),
        (
            b"c4",
            b"abc",
            1,
            "bad argument #2 to 'string.unpack' (data string too short)",
        ),
        (
            b"!4 b i4",
            b"\x01\x00\x00\x00\x02\x00\x00\x00",
            1,
            "OK i:1 i:2 i:9",
        ),
        (
            b"!4 b i4",
            b"\x01\x00\x00\x00\x02\x00\x00",
            1,
            "bad argument #2 to 'string.unpack' (data string too short)",
        ),
        (b"z z", b"a\x00\x00", 1, "OK s:61 s: i:4"),
        (b"Xi4 b", b"\x07", 1, "OK i:7 i:2"),
        (
            b"x",
            b"",
            1,
            "bad argument #2 to 'string.unpack' (data string too short)",
        ),
        (
            b"i16",
            b"\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00",
            1,
            "OK i:0 i:17",
        ),
        (
            b">i9",
            b"\xff\x80\x80\x80\x80\x80\x80\x80\x80",
            1,
            "OK i:-9187201950435737472 i:10",
        ),
        (
            b">i9",
            b"\x00\x80\x80\x80\x80\x80\x80\x80\x80",
            1,
            "9-byte integer does not fit into Lua Integer",
        ),
        (b"j", b"12345678", 1, "OK i:4050765991979987505 i:9"),
        (
            b"bb",
            b"\x01\x02",
            2,
            "bad argument #2 to 'string.unpack' (data string too short)",
        ),
    ];
    const SIZES: &[(&[u8], &str)] = &[
    (b"!8 b d i3 Xi8", "bad argument #1 to 'string.packsize' (format asks for alignment not power of 2)"),
    (b"c2147483647", "invalid format option '7'"),
    (b"i4 i4 c3 x", "OK 12"),
    (b"", "OK 0"),
    (b"s", "bad argument #1 to 'string.packsize' (variable-length format)"),
    (b"z", "bad argument #1 to 'string.packsize' (variable-length format)"),
    (b"bXs", "OK 1"),
    (b"!8 b d", "OK 16"),
    (b"Xz", "bad argument #1 to 'string.packsize' (invalid next option for option 'X')"),
    (b"i1X", "bad argument #1 to 'string.packsize' (invalid next option for option 'X')"),
    (b"c214748364c214748364c214748364c214748364c214748364c214748364c214748364c214748364c214748364c214748364c214748364", "bad argument #1 to 'string.packsize' (format result too large)"),
    (b"c214748364c214748364c214748364c214748364c214748364c214748364c214748364c214748364c214748364c214748364", "OK 2147483640"),
    (b"!4 b Xi8 b", "OK 5"),
    (b"i17", "integral size (17) out of limits [1,16]"),
    (b"y", "invalid format option 'y'"),
    (b"bhilj", "OK 23"),
    (b"!bhilj", "OK 24"),
    (b"fdnT", "OK 28"),
    (b"!fb d", "OK 16"),
    ];

    #[test]
    fn pack_matches_lua() {
        for &(fmt, args, want) in PACKS {
            assert_eq!(
                lua_pack(fmt, args),
                want,
                "pack({:?})",
                String::from_utf8_lossy(fmt)
            );
        }
    }

    #[test]
    fn unpack_matches_lua() {
        for &(fmt, data, init, want) in UNPACKS {
            assert_eq!(
                lua_unpack(fmt, data, init),
                want,
                "unpack({:?})",
                String::from_utf8_lossy(fmt)
            );
        }
    }

    #[test]
    fn packsize_matches_lua() {
        for &(fmt, want) in SIZES {
            let got = match packsize(fmt) {
                Ok(n) => format!("OK {n}"),
                Err(e) => e.lua_message("string.packsize"),
            };
            assert_eq!(got, want, "packsize({:?})", String::from_utf8_lossy(fmt));
        }
    }

    #[test]
    fn round_trip_all_int_widths() {
        for size in 1..=16usize {
            for little in [true, false] {
                let fmt = format!("{}i{size}I{size}", if little { '<' } else { '>' });
                let bits = (size * 8).min(64) as u32;
                let (lo, hi) = if bits == 64 {
                    (i64::MIN, i64::MAX)
                } else {
                    (-(1i64 << (bits - 1)), (1i64 << (bits - 1)) - 1)
                };
                let umax = if bits == 64 { -1 } else { (1i64 << bits) - 1 };
                for (a, b) in [(lo, 0), (hi, umax), (-1, 1), (0, umax / 2)] {
                    let mut out = Vec::new();
                    pack::<PackError>(fmt.as_bytes(), &mut out, |n, _| {
                        Ok(PackArg::Int(if n == 2 { a } else { b }))
                    })
                    .unwrap();
                    assert_eq!(out.len(), 2 * size);
                    let (vals, next) = unpack(fmt.as_bytes(), &out, 0).unwrap();
                    assert_eq!(vals, vec![Unpacked::Int(a), Unpacked::Int(b)], "{fmt}");
                    assert_eq!(next, 2 * size);
                }
            }
        }
    }

    #[test]
    fn caller_errors_pass_through() {
        #[derive(Debug, PartialEq)]
        enum MyErr {
            Pack(PackError),
            Type,
        }
        impl From<PackError> for MyErr {
            fn from(e: PackError) -> Self {
                MyErr::Pack(e)
            }
        }
        let r = pack(b"i4 i4", &mut Vec::new(), |n, _| {
            if n == 3 {
                Err(MyErr::Type)
            } else {
                Ok(PackArg::Int(1))
            }
        });
        assert_eq!(r, Err(MyErr::Type));
    }
}
