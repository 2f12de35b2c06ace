//! The numeric core: Lua 5.4 number semantics as pure functions over
//! `i64` / `f64` / `&[u8]`, with no VM types.
//!
//! Everything here mirrors PUC-Rio Lua 5.4 (`lobject.c`, `lvm.c`,
//! `lstrlib.c`, `lbaselib.c`) on x86-64 glibc, which is the reference
//! implementation the compat tests are checked against. Where C leaves a
//! behaviour to the platform (the sign of a NaN produced by an invalid
//! operation), we pick what x86-64 does so results are identical everywhere.
//!
//! Conversions:
//! - [`str_to_number`] is `luaO_str2num` (string coercion, `tonumber(s)`).
//! - [`str_to_int_base`] is `tonumber(s, base)`.
//! - [`fmt_float`] / [`fmt_int`] are `tostring` / concatenation.
//! - [`format_float`] is glibc's printf for `%e %f %g %a` (for `string.format`).
//!
//! Arithmetic: [`int_idiv`], [`int_mod`], [`float_idiv`], [`float_mod`],
//! [`shift_left`], [`shift_right`]; float→int: [`float_to_int`],
//! [`float_floor_to_int`], [`float_ceil_to_int`], [`number_to_int_lossless`];
//! comparisons: [`lt_num`], [`le_num`], [`eq_num`]; numeric `for`:
//! [`for_prep_int`], [`for_prep_float`], [`for_loop_float`].

use std::io::Write as _;

/// A Lua number: the two subtypes of Lua 5.4.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    /// The value as a float (`cast_num`; large integers round to nearest).
    #[inline]
    pub fn to_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

/// The NaN an invalid float operation produces on x86-64 (sign bit set,
/// which glibc prints as "-nan"). Used where we must manufacture a NaN so the
/// result does not depend on the host CPU or on LLVM constant folding.
const DEFAULT_NAN: f64 = f64::from_bits(0xFFF8_0000_0000_0000);

/// 2^63 as a float: the first float above `i64::MAX`.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

// ---------------------------------------------------------------------------
// String → number
// ---------------------------------------------------------------------------

/// C `isspace` in the "C" locale (Lua's `lisspace`).
#[inline]
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

#[inline]
fn hex_value(c: u8) -> Option<u32> {
    (c as char).to_digit(16)
}

/// Strips C-`isspace` bytes from both ends.
fn trim_space(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| !is_space(c)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&c| !is_space(c))
        .map_or(start, |e| e + 1);
    &s[start..end]
}

/// Converts a Lua numeral string exactly like PUC's `luaO_str2num`: first as
/// an integer (decimal, or hex wrapping modulo 2^64), and if that fails
/// (including decimal overflow) as a float. Surrounding whitespace is
/// allowed; `inf`/`nan` and embedded NULs are rejected.
pub fn str_to_number(s: &[u8]) -> Option<Number> {
    if let Some(i) = str_to_int(s) {
        return Some(Number::Int(i));
    }
    str_to_float(s).map(Number::Float)
}

/// PUC's `l_str2int`.
fn str_to_int(s: &[u8]) -> Option<i64> {
    let s = trim_space(s);
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut a: u64 = 0;
    if s.len() >= 2 && s[0] == b'0' && (s[1] | 0x20) == b'x' {
        let digits = &s[2..];
        if digits.is_empty() {
            return None;
        }
        for &c in digits {
            // Hex integers wrap around instead of overflowing (manual §3.1).
            a = a.wrapping_mul(16).wrapping_add(u64::from(hex_value(c)?));
        }
    } else {
        if s.is_empty() {
            return None;
        }
        const MAXBY10: u64 = (i64::MAX / 10) as u64;
        const MAXLASTD: u64 = (i64::MAX % 10) as u64;
        for &c in s {
            if !c.is_ascii_digit() {
                return None;
            }
            let d = u64::from(c - b'0');
            // Decimal overflow is not an integer: the caller retries as a
            // float. `-9223372036854775808` is accepted (last digit 8).
            if a >= MAXBY10 && (a > MAXBY10 || d > MAXLASTD + u64::from(neg)) {
                return None;
            }
            a = a * 10 + d;
        }
    }
    Some(if neg { 0u64.wrapping_sub(a) } else { a } as i64)
}

/// PUC's `l_str2d`: C `strtod` on the whole (trimmed) string, except that
/// anything containing `n`/`N` ("inf", "nan", "infinity") is rejected.
fn str_to_float(s: &[u8]) -> Option<f64> {
    let s = trim_space(s);
    if s.iter().any(|&c| c == b'n' || c == b'N') {
        return None;
    }
    let (neg, body) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.len() >= 2 && body[0] == b'0' && (body[1] | 0x20) == b'x' {
        let v = parse_hex_float(&body[2..])?;
        return Some(if neg { -v } else { v });
    }
    // Rust's parser is correctly rounded like glibc's strtod, and on this
    // byte set accepts exactly strtod's full-match decimal grammar
    // ("5.", ".5", "1e+5"; not ".", "1e", "e5", "1e5."). Its extra words
    // (inf/nan) were excluded above and `_`/hex never reach it.
    if !s
        .iter()
        .all(|&c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse::<f64>().ok()
}

/// C99 `strtod` hex-float body (after "0x"): hex digits with an optional
/// point, at least one digit, optional `p[sign]digits` binary exponent.
/// Correctly rounded (nearest-even) including subnormals; overflow → inf.
fn parse_hex_float(s: &[u8]) -> Option<f64> {
    let mut mant: u64 = 0; // first ~60 significant bits
    let mut sticky = false; // any nonzero bit dropped from `mant`
    let mut exp: i64 = 0; // value = mant * 2^exp
    let mut any_digit = false;
    let mut seen_point = false;
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c == b'.' {
            if seen_point {
                break;
            }
            seen_point = true;
        } else if let Some(d) = hex_value(c) {
            any_digit = true;
            if mant >> 60 == 0 {
                mant = mant * 16 + u64::from(d);
                if seen_point {
                    exp -= 4;
                }
            } else {
                // No room: the digit only matters for rounding.
                sticky |= d != 0;
                if !seen_point {
                    exp += 4;
                }
            }
        } else {
            break;
        }
        i += 1;
    }
    if !any_digit {
        return None;
    }
    if i < s.len() && (s[i] | 0x20) == b'p' {
        i += 1;
        let neg = match s.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let start = i;
        let mut e: i64 = 0;
        while i < s.len() && s[i].is_ascii_digit() {
            // Saturate: anything this large is already 0 or inf.
            e = (e * 10 + i64::from(s[i] - b'0')).min(1 << 40);
            i += 1;
        }
        if i == start {
            return None; // "0x1p" — strtod stops before 'p', trailing junk
        }
        exp += if neg { -e } else { e };
    }
    if i != s.len() {
        return None;
    }
    Some(compose_binary(mant, sticky, exp))
}

/// Rounds `mant * 2^exp` (+ a sticky fraction below `mant`'s last bit) to
/// the nearest double, ties to even.
fn compose_binary(mant: u64, sticky: bool, exp: i64) -> f64 {
    if mant == 0 {
        return 0.0;
    }
    let bits = 64 - i64::from(mant.leading_zeros());
    let lead = exp + bits - 1; // exponent of the leading bit
    if lead > 1023 {
        return f64::INFINITY;
    }
    // Exponent of the last kept bit: 53 significant bits, or fewer once the
    // result is subnormal (last bit pinned at 2^-1074).
    let mut lsb = (lead - 52).max(-1074);
    let shift = lsb - exp;
    let mut m: u64 = if shift <= 0 {
        mant << (-shift) // exact: at most 53 bits
    } else if shift > 64 {
        0 // below half of the last bit: rounds to zero
    } else {
        let kept = if shift == 64 { 0 } else { mant >> shift };
        let rem = if shift == 64 {
            mant
        } else {
            mant & ((1u64 << shift) - 1)
        };
        let half = 1u64 << (shift - 1);
        let up = rem > half || (rem == half && (sticky || kept & 1 == 1));
        kept + u64::from(up)
    };
    if m == 1 << 53 {
        m >>= 1;
        lsb += 1;
    }
    if m >= 1 << 52 {
        let biased = lsb + 52 + 1023;
        if biased > 2046 {
            return f64::INFINITY;
        }
        f64::from_bits(((biased as u64) << 52) | (m & ((1 << 52) - 1)))
    } else {
        f64::from_bits(m) // subnormal (lsb == -1074) or zero
    }
}

/// `tonumber(s, base)` (PUC's `b_str2int`): optional surrounding whitespace
/// and sign, alphanumeric digits valid in `base` (2..=36, case-insensitive),
/// wrapping modulo 2^64 on overflow. `None` means `tonumber` returns fail.
pub fn str_to_int_base(s: &[u8], base: u32) -> Option<i64> {
    debug_assert!(
        (2..=36).contains(&base),
        "caller checks 'base out of range'"
    );
    let s = trim_space(s);
    let (neg, s) = match s.first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &c in s {
        let d = (c as char).to_digit(36)?;
        if d >= base {
            return None;
        }
        n = n.wrapping_mul(u64::from(base)).wrapping_add(u64::from(d));
    }
    Some(if neg { 0u64.wrapping_sub(n) } else { n } as i64)
}

// ---------------------------------------------------------------------------
// Number → string
// ---------------------------------------------------------------------------

const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Appends the decimal form of `i` (`tostring` of an integer, `%d`).
pub fn fmt_int(i: i64, out: &mut Vec<u8>) {
    // Hot path (concatenation): two digits per division, no allocation.
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    let mut n = i.unsigned_abs();
    while n >= 100 {
        let r = (n % 100) as usize * 2;
        n /= 100;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[r..r + 2]);
    }
    if n >= 10 {
        let r = n as usize * 2;
        pos -= 2;
        buf[pos..pos + 2].copy_from_slice(&DIGIT_PAIRS[r..r + 2]);
    } else {
        pos -= 1;
        buf[pos] = b'0' + n as u8;
    }
    if i < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[pos..]);
}

/// Appends `tostring` of a float: C `%.14g`, plus ".0" when the result
/// would otherwise read as an integer (`1e15` → "1e+15", `3.0` → "3.0",
/// `-0.0` → "-0.0", NaN → "nan"/"-nan" by sign bit, `inf`/`-inf`).
pub fn fmt_float(f: f64, out: &mut Vec<u8>) {
    // Fast path: integral values below 1e14 have at most 14 digits, so %.14g
    // prints them exactly as the integer they are.
    if f.abs() < 1e14 && f.fract() == 0.0 {
        if f == 0.0 && f.is_sign_negative() {
            out.extend_from_slice(b"-0.0");
        } else {
            fmt_int(f as i64, out);
            out.extend_from_slice(b".0");
        }
        return;
    }
    let start = out.len();
    format_float(out, f, b'g', Some(14), false, false, false);
    if out[start..]
        .iter()
        .all(|&c| c.is_ascii_digit() || c == b'-')
    {
        out.extend_from_slice(b".0");
    }
}

/// Appends glibc's `printf` rendering of `f` for `conv` in `e E f F g G a A`
/// with the given precision (`None` = default: 6, or shortest exact for
/// `%a`) and the `#`, `+`, ` ` flags. Width, `-` and `0` padding are the
/// caller's job. Output is exact (correctly rounded, ties to even) for any
/// value and precision, and reproduces glibc's `%#g` carry quirk (see
/// `format_g`). An unknown `conv` is treated as `g`. The output grows with
/// the precision, so the caller bounds it (Lua's `string.format` allows at
/// most 99).
pub fn format_float(
    out: &mut Vec<u8>,
    f: f64,
    conv: u8,
    precision: Option<usize>,
    alt: bool,
    plus: bool,
    space: bool,
) {
    let upper = conv.is_ascii_uppercase();
    if f.is_sign_negative() {
        out.push(b'-'); // also for -0.0 and NaNs with the sign bit
    } else if plus {
        out.push(b'+');
    } else if space {
        out.push(b' ');
    }
    if !f.is_finite() {
        let word: &[u8] = match (f.is_nan(), upper) {
            (true, false) => b"nan",
            (true, true) => b"NAN",
            (false, false) => b"inf",
            (false, true) => b"INF",
        };
        out.extend_from_slice(word);
        return;
    }
    let a = f.abs();
    match conv.to_ascii_lowercase() {
        b'e' => {
            let p = precision.unwrap_or(6);
            let exp = push_sci_mantissa(out, a, p);
            if p == 0 && alt {
                out.push(b'.');
            }
            push_exponent(out, if upper { b'E' } else { b'e' }, exp);
        }
        b'f' => {
            let p = precision.unwrap_or(6);
            let _ = write!(out, "{a:.p$}"); // io::Write on Vec cannot fail
            if p == 0 && alt {
                out.push(b'.');
            }
        }
        b'a' => format_hex(out, a, precision, alt, upper),
        _ => format_g(out, a, precision, alt, upper),
    }
}

/// Appends `a` (finite, non-negative) as Rust's `{:.pe}` mantissa ("d" or
/// "d.ddd", correctly rounded) and returns the decimal exponent.
fn push_sci_mantissa(out: &mut Vec<u8>, a: f64, p: usize) -> i32 {
    let start = out.len();
    let _ = write!(out, "{a:.p$e}");
    let e = match out[start..].iter().rposition(|&c| c == b'e') {
        Some(e) => start + e,
        None => return 0, // unreachable: Rust always writes an exponent
    };
    let (neg, digits) = match out.get(e + 1) {
        Some(b'-') => (true, &out[e + 2..]),
        _ => (false, &out[e + 1..]),
    };
    let mag = digits
        .iter()
        .fold(0i32, |acc, &c| acc * 10 + i32::from(c - b'0'));
    out.truncate(e);
    if neg { -mag } else { mag }
}

/// C's exponent suffix: marker, sign, at least two digits.
fn push_exponent(out: &mut Vec<u8>, marker: u8, exp: i32) {
    out.push(marker);
    out.push(if exp < 0 { b'-' } else { b'+' });
    let m = exp.unsigned_abs();
    if m < 10 {
        out.push(b'0');
    }
    fmt_int(i64::from(m), out);
}

/// 10^0..=10^22, all exactly representable.
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `%g`: P significant digits (default 6, 0 means 1); scientific style if
/// the exponent X < -4 or X >= P, else fixed with P-1-X decimals; trailing
/// zeros (and a bare point) removed unless `#`.
fn format_g(out: &mut Vec<u8>, a: f64, precision: Option<usize>, alt: bool, upper: bool) {
    let p = match precision {
        None => 6,
        Some(0) => 1,
        Some(p) => p,
    };
    let start = out.len();
    // Rounding to P significant digits fixes X; the fixed style then rounds
    // at the same decimal position, so these digits serve both styles.
    let x = push_sci_mantissa(out, a, p - 1);
    if p > 1 {
        out.remove(start + 1); // drop the point: out[start..] = P digits
    }
    let x_big = i64::from(x);
    if x_big < -4 || x_big >= p as i64 {
        let mut n = p;
        if alt && x_big == p as i64 && p < EXACT_POW10.len() && a < EXACT_POW10[p] {
            // glibc quirk (2.36): when rounding carries a value below 10^P up
            // to 10^P, glibc has already chosen fixed style with no decimals
            // and, switching to exponent style, keeps zero fraction digits:
            // `%#g` of 999999.5 is "1.e+06", not "1.00000e+06".
            n = 1;
        }
        if !alt {
            while n > 1 && out[start + n - 1] == b'0' {
                n -= 1;
            }
        }
        out.truncate(start + n);
        if n > 1 || alt {
            out.insert(start + 1, b'.');
        }
        push_exponent(out, if upper { b'E' } else { b'e' }, x);
    } else if x >= 0 {
        let int_len = x as usize + 1;
        let mut n = p;
        if !alt {
            while n > int_len && out[start + n - 1] == b'0' {
                n -= 1;
            }
        }
        out.truncate(start + n);
        if n > int_len || alt {
            out.insert(start + int_len, b'.');
        }
    } else {
        // -4 <= X < 0: "0." then -X-1 zeros then the digits.
        let mut n = p;
        if !alt {
            while n > 1 && out[start + n - 1] == b'0' {
                n -= 1;
            }
        }
        out.truncate(start + n);
        let pad = (1 - x) as usize;
        out.resize(start + n + pad, b'0');
        out.copy_within(start..start + n, start + pad);
        out[start..start + pad].fill(b'0');
        out[start + 1] = b'.';
    }
}

/// `%a` as glibc prints doubles: leading digit 1 (0 for zero/subnormals,
/// whose exponent is fixed at -1022), shortest exact fraction by default;
/// with a precision, round-half-even on the hex digits, where a carry may
/// turn the leading digit into 2 (`%.0a` of 1.5 is "0x2p+0") — glibc does
/// not renormalise.
fn format_hex(out: &mut Vec<u8>, a: f64, precision: Option<usize>, alt: bool, upper: bool) {
    let bits = a.to_bits();
    let field = (bits >> 52) as i32;
    let mut frac = bits & ((1 << 52) - 1);
    let (mut lead, exp) = match (field, frac) {
        (0, 0) => (0u64, 0),
        (0, _) => (0, -1022),
        _ => (1, field - 1023),
    };
    let ndigits = match precision {
        None => {
            if frac == 0 {
                0
            } else {
                13 - (frac.trailing_zeros() / 4) as usize
            }
        }
        Some(p) if p < 13 => {
            let shift = 52 - 4 * p as u32;
            let v = (lead << 52 | frac) >> shift;
            let rem = frac & ((1u64 << shift) - 1);
            let half = 1u64 << (shift - 1);
            let v = v + u64::from(rem > half || (rem == half && v & 1 == 1));
            lead = v >> (4 * p);
            frac = (v & ((1u64 << (4 * p)) - 1)) << shift;
            p
        }
        Some(p) => p,
    };
    out.push(b'0');
    out.push(if upper { b'X' } else { b'x' });
    out.push(b'0' + lead as u8);
    if ndigits > 0 || alt {
        out.push(b'.');
    }
    let table: &[u8; 16] = if upper {
        b"0123456789ABCDEF"
    } else {
        b"0123456789abcdef"
    };
    for k in 0..ndigits.min(13) {
        out.push(table[((frac >> (48 - 4 * k)) & 0xf) as usize]);
    }
    out.resize(out.len() + ndigits.saturating_sub(13), b'0');
    out.push(if upper { b'P' } else { b'p' });
    out.push(if exp < 0 { b'-' } else { b'+' });
    fmt_int(i64::from(exp.unsigned_abs()), out);
}

// ---------------------------------------------------------------------------
// Arithmetic
// ---------------------------------------------------------------------------

/// Integer floor division `a // b` (`luaV_idiv`). `None` when `b == 0`
/// (caller raises "attempt to perform 'n//0'"); `i64::MIN // -1` wraps to
/// `i64::MIN`.
#[inline]
pub fn int_idiv(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    if b == -1 {
        return Some(a.wrapping_neg()); // avoids the MIN / -1 overflow trap
    }
    let q = a / b;
    // C division truncates; step down when the signs differ and it's inexact.
    Some(if (a ^ b) < 0 && a % b != 0 { q - 1 } else { q })
}

/// Integer floor modulo `a % b` (`luaV_mod`): the result has the sign of
/// `b`. `None` when `b == 0` (caller raises "attempt to perform 'n%%0'");
/// `x % -1 == 0` for every `x`, including `i64::MIN`.
#[inline]
pub fn int_mod(a: i64, b: i64) -> Option<i64> {
    if b == 0 {
        return None;
    }
    if b == -1 {
        return Some(0); // avoids the MIN % -1 overflow trap
    }
    let r = a % b;
    Some(if r != 0 && (r ^ b) < 0 { r + b } else { r })
}

/// Float floor division `a // b`: `floor(a / b)`.
#[inline]
pub fn float_idiv(a: f64, b: f64) -> f64 {
    (a / b).floor()
}

/// Float modulo `a % b` (`luai_nummod`): C `fmod`, then moved into `b`'s
/// sign when the signs differ. So `5.0 % inf == 5.0`, `-5.0 % inf == inf`,
/// `5 % -inf == -inf`, `-5 % -inf == -5.0`, and `x % 0.0`, `inf % x` are NaN (with the sign bit
/// set, printed "-nan", as on x86-64).
#[inline]
pub fn float_mod(a: f64, b: f64) -> f64 {
    if b == 0.0 || a.is_infinite() {
        // fmod's invalid cases: produce the x86 default NaN regardless of
        // host or constant folding. NaN inputs fall through and propagate.
        if !a.is_nan() && !b.is_nan() {
            return DEFAULT_NAN;
        }
    }
    let m = a % b; // Rust's float `%` is exactly C `fmod`
    // fmod's result has a's sign; move it to b's sign when they differ.
    if if m > 0.0 { b < 0.0 } else { m < 0.0 && b > 0.0 } {
        m + b
    } else {
        m
    }
}

/// Logical shift `a << b` (`luaV_shiftl`): a negative `b` shifts right;
/// `|b| >= 64` gives 0.
#[inline]
pub fn shift_left(a: i64, b: i64) -> i64 {
    if b < 0 {
        if b <= -64 {
            0
        } else {
            ((a as u64) >> (-b)) as i64
        }
    } else if b >= 64 {
        0
    } else {
        ((a as u64) << b) as i64
    }
}

/// Logical shift `a >> b`: `shift_left(a, -b)` (with `-i64::MIN` wrapping to
/// itself, still giving 0, as in PUC).
#[inline]
pub fn shift_right(a: i64, b: i64) -> i64 {
    shift_left(a, b.wrapping_neg())
}

// ---------------------------------------------------------------------------
// Float → integer
// ---------------------------------------------------------------------------

/// `f` as an integer if it is integral and in range; note `2^63` is out of
/// range while `-2^63` is in. NaN and infinities give `None`.
#[inline]
fn float_in_range_to_int(f: f64) -> Option<i64> {
    // NaN is in no range; 2^63 itself is excluded, -2^63 included.
    if (-TWO_POW_63..TWO_POW_63).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

/// Exact float → integer (`F2Ieq`): `None` unless `f` has an integral value
/// representable as `i64`. `-0.0` gives `Some(0)`.
#[inline]
pub fn float_to_int(f: f64) -> Option<i64> {
    if f.floor() == f {
        float_in_range_to_int(f)
    } else {
        None
    }
}

/// `floor(f)` as an integer (`F2Ifloor`), `None` if out of `i64` range or NaN.
#[inline]
pub fn float_floor_to_int(f: f64) -> Option<i64> {
    float_in_range_to_int(f.floor())
}

/// `ceil(f)` as an integer (`F2Iceil`), `None` if out of `i64` range or NaN.
#[inline]
pub fn float_ceil_to_int(f: f64) -> Option<i64> {
    float_in_range_to_int(f.ceil())
}

/// Integer value of a number without loss (table-key normalisation, bitwise
/// operands): floats convert only when integral and in range; otherwise
/// `None` → "number has no integer representation".
#[inline]
pub fn number_to_int_lossless(n: Number) -> Option<i64> {
    match n {
        Number::Int(i) => Some(i),
        Number::Float(f) => float_to_int(f),
    }
}

// ---------------------------------------------------------------------------
// Comparisons
// ---------------------------------------------------------------------------

/// Whether `i` converts to a float exactly (|i| <= 2^53), PUC's `l_intfitsf`.
#[inline]
fn int_fits_float(i: i64) -> bool {
    const LIM: u64 = 1 << 53;
    (i as u64).wrapping_add(LIM) <= 2 * LIM
}

/// `i < f`, exact (`LTintfloat`).
#[inline]
fn lt_int_float(i: i64, f: f64) -> bool {
    if int_fits_float(i) {
        (i as f64) < f
    } else {
        // i < f <=> i < ceil(f); out of range: f is huge (or NaN → false).
        match float_ceil_to_int(f) {
            Some(fi) => i < fi,
            None => f > 0.0,
        }
    }
}

/// `i <= f`, exact (`LEintfloat`).
#[inline]
fn le_int_float(i: i64, f: f64) -> bool {
    if int_fits_float(i) {
        (i as f64) <= f
    } else {
        match float_floor_to_int(f) {
            Some(fi) => i <= fi,
            None => f > 0.0,
        }
    }
}

/// `f < i`, exact (`LTfloatint`).
#[inline]
fn lt_float_int(f: f64, i: i64) -> bool {
    if int_fits_float(i) {
        f < (i as f64)
    } else {
        match float_floor_to_int(f) {
            Some(fi) => fi < i,
            None => f < 0.0,
        }
    }
}

/// `f <= i`, exact (`LEfloatint`).
#[inline]
fn le_float_int(f: f64, i: i64) -> bool {
    if int_fits_float(i) {
        f <= (i as f64)
    } else {
        match float_ceil_to_int(f) {
            Some(fi) => fi <= i,
            None => f < 0.0,
        }
    }
}

/// `a < b` on mathematical values (no rounding of mixed int/float); any NaN
/// gives false.
#[inline]
pub fn lt_num(a: Number, b: Number) -> bool {
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => x < y,
        (Number::Float(x), Number::Float(y)) => x < y,
        (Number::Int(x), Number::Float(y)) => lt_int_float(x, y),
        (Number::Float(x), Number::Int(y)) => lt_float_int(x, y),
    }
}

/// `a <= b` on mathematical values; any NaN gives false.
#[inline]
pub fn le_num(a: Number, b: Number) -> bool {
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => x <= y,
        (Number::Float(x), Number::Float(y)) => x <= y,
        (Number::Int(x), Number::Float(y)) => le_int_float(x, y),
        (Number::Float(x), Number::Int(y)) => le_float_int(x, y),
    }
}

/// `a == b` on mathematical values (`1 == 1.0`, `2^53 ~= 2^53 + 1` as
/// integer, NaN never equal).
#[inline]
pub fn eq_num(a: Number, b: Number) -> bool {
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => x == y,
        (Number::Float(x), Number::Float(y)) => x == y,
        (Number::Int(i), Number::Float(f)) | (Number::Float(f), Number::Int(i)) => {
            float_to_int(f) == Some(i)
        }
    }
}

// ---------------------------------------------------------------------------
// Numeric for loop
// ---------------------------------------------------------------------------

/// The error for a zero step, in both integer and float loops.
pub const FOR_STEP_ZERO: &str = "'for' step is zero";

/// Prepares an integer `for` loop (init and step are integers), like PUC
/// 5.4's `forprep`/`forlimit`.
///
/// Returns `Err(FOR_STEP_ZERO)` when `step == 0`, `Ok(None)` when the body
/// must not run at all, and `Ok(Some(count))` when it runs `count + 1`
/// times (the count of *remaining* iterations after the first, as PUC
/// stores it: `count + 1` can be 2^64). The loop then runs
/// `i = init; body; while count > 0 { count -= 1; i = i.wrapping_add(step); body }`.
///
/// A float `limit` is floored (step > 0) or ceiled (step < 0), and clipped to
/// the integer range when beyond it. Quirk kept from PUC: a NaN limit never
/// runs an ascending loop but runs a descending one down to `i64::MIN`.
pub fn for_prep_int(init: i64, limit: Number, step: i64) -> Result<Option<u64>, &'static str> {
    if step == 0 {
        return Err(FOR_STEP_ZERO);
    }
    let limit = match limit {
        Number::Int(l) => l,
        Number::Float(f) => {
            let conv = if step < 0 {
                float_ceil_to_int(f)
            } else {
                float_floor_to_int(f)
            };
            match conv {
                Some(l) => l,
                // Out of range (or NaN): clip, or skip when init can't reach it.
                None if 0.0 < f => {
                    if step < 0 {
                        return Ok(None);
                    }
                    i64::MAX
                }
                None => {
                    if step > 0 {
                        return Ok(None);
                    }
                    i64::MIN
                }
            }
        }
    };
    if if step > 0 { init > limit } else { init < limit } {
        return Ok(None);
    }
    // Unsigned arithmetic: the distance can exceed i64::MAX.
    let count = if step > 0 {
        let c = (limit as u64).wrapping_sub(init as u64);
        if step == 1 { c } else { c / step as u64 }
    } else {
        let c = (init as u64).wrapping_sub(limit as u64);
        // -(step + 1) + 1 avoids negating i64::MIN.
        c / ((-(step + 1)) as u64 + 1)
    };
    Ok(Some(count))
}

/// Prepares a float `for` loop (any of init/limit/step not integers, all
/// converted to floats by the caller). `Err(FOR_STEP_ZERO)` for a zero
/// step, else whether the body runs its first time (with `i = init`).
/// NaNs make the comparison false, so a NaN limit still runs the body once.
#[inline]
pub fn for_prep_float(init: f64, limit: f64, step: f64) -> Result<bool, &'static str> {
    if step == 0.0 {
        return Err(FOR_STEP_ZERO);
    }
    Ok(!if 0.0 < step {
        limit < init
    } else {
        init < limit
    })
}

/// One float `for` loop step (PUC `forloop`): the next control value if the
/// loop continues, `None` when it ends.
#[inline]
pub fn for_loop_float(idx: f64, limit: f64, step: f64) -> Option<f64> {
    let idx = idx + step;
    if if 0.0 < step {
        idx <= limit
    } else {
        limit <= idx
    } {
        Some(idx)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    //! Expectations are real `lua5.4` (5.4, x86-64 glibc) outputs; the large
    //! tables in `vm/testdata/` were generated by running it.
    use super::Number::{Float, Int};
    use super::*;

    /// Bitwise comparison, so -0.0 vs 0.0 and NaN signs are checked.
    fn same(a: Option<Number>, b: Option<Number>) -> bool {
        match (a, b) {
            (Some(Float(x)), Some(Float(y))) => x.to_bits() == y.to_bits(),
            _ => a == b,
        }
    }

    fn tostr(f: f64) -> String {
        let mut v = Vec::new();
        fmt_float(f, &mut v);
        String::from_utf8(v).unwrap()
    }

    /// Parses a printf spec like "%#+.3g" and formats `f` with it.
    fn printf(spec: &str, f: f64) -> String {
        let b = spec.as_bytes();
        assert_eq!(b[0], b'%');
        let (mut alt, mut plus, mut space) = (false, false, false);
        let mut i = 1;
        loop {
            match b[i] {
                b'#' => alt = true,
                b'+' => plus = true,
                b' ' => space = true,
                _ => break,
            }
            i += 1;
        }
        let mut precision = None;
        if b[i] == b'.' {
            i += 1;
            let start = i;
            while b[i].is_ascii_digit() {
                i += 1;
            }
            precision = Some(spec[start..i].parse().unwrap_or(0));
        }
        assert_eq!(i, b.len() - 1, "unsupported spec {spec}");
        let mut out = Vec::new();
        format_float(&mut out, f, b[i], precision, alt, plus, space);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn str_to_number_cases() {
        let cases: &[(&[u8], Option<Number>)] = &[
            (b"0", Some(Int(0))),
            (b"-0", Some(Int(0))),
            (b"+0", Some(Int(0))),
            (b"10", Some(Int(10))),
            (b"  10  ", Some(Int(10))),
            (
                b" \x09\x0a\x0b\x0c\x0d10 \x09\x0a\x0b\x0c\x0d",
                Some(Int(10)),
            ),
            (b"-10", Some(Int(-10))),
            (b"- 5", None),
            (b"+5", Some(Int(5))),
            (b"--1", None),
            (b"1 0", None),
            (b"1\x00", None),
            (b"", None),
            (b"  ", None),
            (b"0x", None),
            (b"0X1f", Some(Int(31))),
            (b"0xffffffffffffffff", Some(Int(-1))),
            (b"0x10000000000000000", Some(Int(0))),
            (b"-0x1", Some(Int(-1))),
            (b"0x7fffffffffffffff1", Some(Int(-15))),
            (b"9223372036854775807", Some(Int(9223372036854775807))),
            (
                b"9223372036854775808",
                Some(Float(f64::from_bits(0x43e0000000000000))),
            ),
            (b"-9223372036854775808", Some(Int(i64::MIN))),
            (
                b"-9223372036854775809",
                Some(Float(f64::from_bits(0xc3e0000000000000))),
            ),
            (
                b"18446744073709551616",
                Some(Float(f64::from_bits(0x43f0000000000000))),
            ),
            (b"1e", None),
            (b"1e+", None),
            (b"1e5", Some(Float(f64::from_bits(0x40f86a0000000000)))),
            (b"1E-2", Some(Float(f64::from_bits(0x3f847ae147ae147b)))),
            (b"1.e5", Some(Float(f64::from_bits(0x40f86a0000000000)))),
            (b".5", Some(Float(f64::from_bits(0x3fe0000000000000)))),
            (b"5.", Some(Float(f64::from_bits(0x4014000000000000)))),
            (b".", None),
            (b"-.5", Some(Float(f64::from_bits(0xbfe0000000000000)))),
            (b"+.5e1", Some(Float(f64::from_bits(0x4014000000000000)))),
            (b"1.5e", None),
            (b"inf", None),
            (b"-inf", None),
            (b"nan", None),
            (b"Infinity", None),
            (b"1e400", Some(Float(f64::from_bits(0x7ff0000000000000)))),
            (b"-1e400", Some(Float(f64::from_bits(0xfff0000000000000)))),
            (b"1e-400", Some(Float(f64::from_bits(0x0000000000000000)))),
            (b"0x1p4", Some(Float(f64::from_bits(0x4030000000000000)))),
            (b"0x.1", Some(Float(f64::from_bits(0x3fb0000000000000)))),
            (b"0xA.8P-1", Some(Float(f64::from_bits(0x4015000000000000)))),
            (b"0x1.8", Some(Float(f64::from_bits(0x3ff8000000000000)))),
            (b"0x.p1", None),
            (b"0x1p", None),
            (b"0X1P+4", Some(Float(f64::from_bits(0x4030000000000000)))),
            (
                b"0x1P-1074",
                Some(Float(f64::from_bits(0x0000000000000001))),
            ),
            (
                b"0x1P-1075",
                Some(Float(f64::from_bits(0x0000000000000000))),
            ),
            (
                b"0x1.8P-1075",
                Some(Float(f64::from_bits(0x0000000000000001))),
            ),
            (
                b"0x1.00000000000008p0",
                Some(Float(f64::from_bits(0x3ff0000000000000))),
            ),
            (
                b"0x1.00000000000018p0",
                Some(Float(f64::from_bits(0x3ff0000000000002))),
            ),
            (
                b"0x1.000000000000080000000001p0",
                Some(Float(f64::from_bits(0x3ff0000000000001))),
            ),
            (
                b"0x1fffffffffffff.8p0",
                Some(Float(f64::from_bits(0x4340000000000000))),
            ),
            (
                b"0x1fffffffffffff.80000000001p0",
                Some(Float(f64::from_bits(0x4340000000000000))),
            ),
            (
                b"0x10000000000000000000000000000000000000p0",
                Some(Float(f64::from_bits(0x4930000000000000))),
            ),
            (b"0x1p1023", Some(Float(f64::from_bits(0x7fe0000000000000)))),
            (b"0x1p1024", Some(Float(f64::from_bits(0x7ff0000000000000)))),
            (
                b"0x1.fffffffffffff8p1023",
                Some(Float(f64::from_bits(0x7ff0000000000000))),
            ),
            (
                b"0x1.fffffffffffff7ffp1023",
                Some(Float(f64::from_bits(0x7fefffffffffffff))),
            ),
            (
                b"0x0.0000000000001p-1022",
                Some(Float(f64::from_bits(0x0000000000000001))),
            ),
            (
                b"0x.00000000000008p-1022",
                Some(Float(f64::from_bits(0x0000000000000000))),
            ),
            (
                b"-0x1p-2000",
                Some(Float(f64::from_bits(0x8000000000000000))),
            ),
            (
                b"0x1p-1022",
                Some(Float(f64::from_bits(0x0010000000000000))),
            ),
            (
                b"0x0.fffffffffffff8p-1022",
                Some(Float(f64::from_bits(0x0010000000000000))),
            ),
            (
                b"0x1p99999999999999999999",
                Some(Float(f64::from_bits(0x7ff0000000000000))),
            ),
            (b"0x1 p4", None),
            (b"0x1.8p1 ", Some(Float(f64::from_bits(0x4008000000000000)))),
            (b"1e5n", None),
            (b"0x1n", None),
            (b"0x", None),
            (b"1x", None),
            (b"0x1g", None),
            (b"1.5.2", None),
            (b"1e5.", None),
            (b"e5", None),
            (b"E5", None),
            (b"0.1", Some(Float(f64::from_bits(0x3fb999999999999a)))),
            (b"1e-5", Some(Float(f64::from_bits(0x3ee4f8b588e368f1)))),
            (
                b"123456789012345678901234567890",
                Some(Float(f64::from_bits(0x45f8ee90ff6c373e))),
            ),
            (
                b"0.30000000000000004",
                Some(Float(f64::from_bits(0x3fd3333333333334))),
            ),
            (
                b"4.9406564584124654e-324",
                Some(Float(f64::from_bits(0x0000000000000001))),
            ),
            (
                b"2.4703282292062328e-324",
                Some(Float(f64::from_bits(0x0000000000000001))),
            ),
            (
                b"2.4703282292062327e-324",
                Some(Float(f64::from_bits(0x0000000000000000))),
            ),
            (
                b"1.7976931348623157e308",
                Some(Float(f64::from_bits(0x7fefffffffffffff))),
            ),
            (
                b"1.7976931348623159e308",
                Some(Float(f64::from_bits(0x7ff0000000000000))),
            ),
            (b"00000000000000000000000000001", Some(Int(1))),
            (b"0x00000000000000000000000000001", Some(Int(1))),
            (b"1_000", None),
            (b"0b101", None),
            (b"\xd9\xa1", None),
            (b"1e0x1", None),
        ];
        for &(s, want) in cases {
            let got = str_to_number(s);
            assert!(
                same(got, want),
                "{:?}: got {got:?}, want {want:?}",
                s.escape_ascii().to_string()
            );
        }
    }

    /// Random numerals (hex/decimal, long digit runs, extreme exponents,
    /// stray junk) with lua5.4's `tonumber` results; strings hex-encoded.
    #[test]
    fn str_to_number_table() {
        for line in include_str!("../testdata/number_str2num.tsv").lines() {
            let (hex, want) = line.split_once('\t').unwrap();
            let s: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|k| u8::from_str_radix(&hex[k..k + 2], 16).unwrap())
                .collect();
            let want = match want.as_bytes()[0] {
                b'n' => None,
                b'i' => Some(Int(want[1..].parse().unwrap())),
                _ => Some(Float(f64::from_bits(
                    want[1..].parse::<i64>().unwrap() as u64
                ))),
            };
            let got = str_to_number(&s);
            assert!(
                same(got, want),
                "{:?}: got {got:?}, want {want:?}",
                s.escape_ascii().to_string()
            );
        }
    }

    #[test]
    fn str_to_int_base_cases() {
        let cases: &[(&[u8], u32, Option<i64>)] = &[
            (b"10", 2, Some(2)),
            (b"  ff  ", 16, Some(255)),
            (b"-ff", 16, Some(-255)),
            (b"+ff", 16, Some(255)),
            (b"zz", 36, Some(1295)),
            (b"ZZ", 36, Some(1295)),
            (b"8", 8, None),
            (b"", 10, None),
            (b" ", 10, None),
            (b"-", 10, None),
            (b"ffffffffffffffffff", 16, Some(-1)),
            (b"1.0", 10, None),
            (b"- 1", 10, None),
            (b"7fffffffffffffff", 16, Some(9223372036854775807)),
            (b"8000000000000000", 16, Some(i64::MIN)),
            (b"-8000000000000000", 16, Some(i64::MIN)),
            (b"1\x00", 10, None),
            (b"11", 3, Some(4)),
            (b"z", 35, None),
            (b"1 1", 10, None),
            (b"\x09101\x0a", 2, Some(5)),
            (b"2", 2, None),
            (b"9223372036854775808", 10, Some(i64::MIN)),
            (b"0x10", 16, None),
        ];
        for &(s, base, want) in cases {
            assert_eq!(
                str_to_int_base(s, base),
                want,
                "{:?} base {base}",
                s.escape_ascii().to_string()
            );
        }
    }

    #[test]
    fn fmt_int_cases() {
        for (i, want) in [
            (0, "0"),
            (7, "7"),
            (-7, "-7"),
            (10, "10"),
            (99, "99"),
            (100, "100"),
            (-1000, "-1000"),
            (123456789, "123456789"),
            (i64::MAX, "9223372036854775807"),
            (i64::MIN, "-9223372036854775808"),
        ] {
            let mut v = b"x".to_vec();
            fmt_int(i, &mut v);
            assert_eq!(std::str::from_utf8(&v[1..]).unwrap(), want);
        }
    }

    #[test]
    fn fmt_float_named_cases() {
        for (f, want) in [
            (1e15, "1e+15"),
            (2f64.powi(53), "9.007199254741e+15"),
            (3.0, "3.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (0.1, "0.1"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (DEFAULT_NAN, "-nan"),
            (-DEFAULT_NAN, "nan"),
            (1e100, "1e+100"),
            (123456789012.0, "123456789012.0"),
            (1e14, "1e+14"),
            (99999999999999.0, "99999999999999.0"),
            (12345678901234.4, "12345678901234.0"),
            (1e-5, "1e-05"),
            (2f64.powi(63), "9.2233720368548e+18"),
            (1e308 * 10.0, "inf"),
            (0.1 + 0.2, "0.3"),
            (100000.0, "100000.0"),
            (1e-310, "1e-310"),
        ] {
            assert_eq!(tostr(f), want, "{f:e}");
        }
        // Appends rather than overwrites.
        let mut v = b"a".to_vec();
        fmt_float(2.5, &mut v);
        assert_eq!(v, b"a2.5");
    }

    #[test]
    fn fmt_float_table() {
        for line in include_str!("../testdata/number_tostring.tsv").lines() {
            let (bits, want) = line.split_once('\t').unwrap();
            let f = f64::from_bits(bits.parse::<i64>().unwrap() as u64);
            assert_eq!(tostr(f), want, "bits {bits}");
        }
    }

    #[test]
    fn format_float_named_cases() {
        for (spec, f, want) in [
            ("%.2f", 1.23456, "1.23"),
            ("%.3f", 2.0 / 3.0, "0.667"),
            ("%.10f", 1.0 / 3.0, "0.3333333333"),
            ("%.0f", 0.5, "0"),
            ("%.0f", 1.5, "2"),
            ("%.0f", 2.5, "2"),
            ("%.1f", 0.25, "0.2"),
            ("%.2f", 0.125, "0.12"),
            ("%.1f", 0.35, "0.3"),
            ("%g", 100000.0, "100000"),
            ("%g", 1e-5, "1e-05"),
            ("%g", 1e15, "1e+15"),
            ("%g", 123456789012.0, "1.23457e+11"),
            ("%g", 1e6, "1e+06"),
            ("%g", 0.0001, "0.0001"),
            ("%g", 999999.5, "1e+06"),
            ("%g", 0.0, "0"),
            ("%g", -0.0, "-0"),
            ("%#g", 0.0, "0.00000"),
            ("%#g", 1.0, "1.00000"),
            ("%#g", 100000.0, "100000."),
            ("%#.0g", 1.0, "1."),
            ("%.0g", 15.0, "2e+01"),
            ("%#.0e", 1.0, "1.e+00"),
            ("%#.0f", 1.0, "1."),
            ("%.0e", 0.0, "0e+00"),
            ("%e", 5e-324, "4.940656e-324"),
            ("%.20e", 0.1, "1.00000000000000005551e-01"),
            ("%a", 1.0, "0x1p+0"),
            ("%a", 3.0, "0x1.8p+1"),
            ("%A", 3.0, "0X1.8P+1"),
            ("%a", 0.0, "0x0p+0"),
            ("%a", -0.0, "-0x0p+0"),
            ("%a", 5e-324, "0x0.0000000000001p-1022"),
            ("%a", 0.1, "0x1.999999999999ap-4"),
            ("%.0a", 1.5, "0x2p+0"),
            ("%.0a", 2.5, "0x1p+1"),
            ("%.1a", 1.03125, "0x1.0p+0"),
            ("%.1a", 1.09375, "0x1.2p+0"),
            ("%.1a", 1.96875, "0x2.0p+0"),
            ("%.1a", 2.225073858507201e-308, "0x1.0p-1022"),
            ("%.3a", 0.0, "0x0.000p+0"),
            ("%#a", 0.0, "0x0.p+0"),
            ("%#.0a", 1.0, "0x1.p+0"),
            ("%.20a", 1.0, "0x1.00000000000000000000p+0"),
            ("%+f", 1.0, "+1.000000"),
            ("% f", 1.0, " 1.000000"),
            ("%+f", DEFAULT_NAN, "-nan"),
            ("% f", -DEFAULT_NAN, " nan"),
            ("%+f", -DEFAULT_NAN, "+nan"),
            ("%f", f64::INFINITY, "inf"),
            ("%E", f64::NEG_INFINITY, "-INF"),
            ("%G", DEFAULT_NAN, "-NAN"),
            ("%F", f64::INFINITY, "INF"),
            ("%F", 1.5, "1.500000"),
            ("%+a", 1.0, "+0x1p+0"),
            // glibc's %#g carry quirk (verified with lua5.4 and C printf).
            ("%#g", 999999.5, "1.e+06"),
            ("%#.2g", 99.5, "1.e+02"),
            ("%#.3g", 999.96, "1.e+03"),
            ("%#.15g", 999999999999999.5, "1.e+15"),
            ("%#g", 1e6, "1.00000e+06"),
            ("%#.2g", 999.5, "1.0e+03"),
            ("%#.3g", 99.96, "100."),
            ("%#g", 9.9999996, "10.0000"),
            ("%#g", 0.000099999995, "0.000100000"),
            ("%#.2g", 0.995, "0.99"),
        ] {
            assert_eq!(printf(spec, f), want, "{spec} {f:e}");
        }
    }

    #[test]
    fn format_float_table() {
        for line in include_str!("../testdata/number_format.tsv").lines() {
            let mut parts = line.splitn(3, '\t');
            let bits = parts.next().unwrap();
            let spec = parts.next().unwrap();
            let want = parts.next().unwrap();
            let f = f64::from_bits(bits.parse::<i64>().unwrap() as u64);
            assert_eq!(printf(spec, f), want, "{spec} bits {bits}");
        }
    }

    #[test]
    fn integer_division_and_modulo() {
        assert_eq!(int_idiv(i64::MIN, -1), Some(i64::MIN));
        assert_eq!(int_mod(i64::MIN, -1), Some(0));
        assert_eq!(int_idiv(7, -2), Some(-4));
        assert_eq!(int_idiv(-7, 2), Some(-4));
        assert_eq!(int_idiv(7, 2), Some(3));
        assert_eq!(int_idiv(-7, -2), Some(3));
        assert_eq!(int_idiv(6, -2), Some(-3));
        assert_eq!(int_idiv(i64::MIN, 3), Some(-3074457345618258603));
        assert_eq!(int_idiv(5, 0), None);
        assert_eq!(int_mod(7, -2), Some(-1));
        assert_eq!(int_mod(-7, 2), Some(1));
        assert_eq!(int_mod(7, 2), Some(1));
        assert_eq!(int_mod(-6, 3), Some(0));
        assert_eq!(int_mod(3, i64::MIN), Some(-9223372036854775805));
        assert_eq!(int_mod(i64::MIN, 3), Some(1));
        assert_eq!(int_mod(i64::MAX, -1), Some(0));
        assert_eq!(int_mod(5, 0), None);
    }

    #[test]
    fn float_division_and_modulo() {
        let inf = f64::INFINITY;
        let b = |f: f64| f.to_bits();
        assert_eq!(float_idiv(7.5, 2.0), 3.0);
        assert_eq!(float_idiv(-7.5, 2.0), -4.0);
        assert_eq!(b(float_idiv(-0.0, 1.0)), b(-0.0));
        assert_eq!(b(float_idiv(0.0, -1.0)), b(-0.0));
        assert_eq!(float_idiv(1.0, 0.0), inf);
        assert_eq!(b(float_mod(5.0, inf)), b(5.0));
        assert_eq!(float_mod(-5.0, inf), inf);
        assert_eq!(float_mod(5.0, -inf), -inf);
        assert_eq!(b(float_mod(-5.0, -inf)), b(-5.0));
        // lua5.4 prints all of these as "-nan".
        assert_eq!(b(float_mod(5.0, 0.0)), b(DEFAULT_NAN));
        assert_eq!(b(float_mod(-5.0, 0.0)), b(DEFAULT_NAN));
        assert_eq!(b(float_mod(inf, 2.0)), b(DEFAULT_NAN));
        assert_eq!(b(float_mod(0.0, 0.0)), b(DEFAULT_NAN));
        assert!(float_mod(f64::NAN, 2.0).is_nan());
        assert_eq!(b(float_mod(-0.0, 1.0)), b(-0.0));
        assert_eq!(b(float_mod(0.0, -1.0)), b(0.0));
        assert_eq!(float_mod(1.0, inf), 1.0);
        assert_eq!(float_mod(-6.0, 4.0), 2.0);
        // 5.3 % 2 etc. print as 1.3, 0.7, -0.7 under %.14g.
        assert_eq!(tostr(float_mod(5.3, 2.0)), "1.3");
        assert_eq!(tostr(float_mod(-5.3, 2.0)), "0.7");
        assert_eq!(tostr(float_mod(5.3, -2.0)), "-0.7");
    }

    #[test]
    fn shifts() {
        assert_eq!(shift_left(1, 64), 0);
        assert_eq!(shift_left(1, 63), i64::MIN);
        assert_eq!(shift_left(1, -1), 0);
        assert_eq!(shift_left(2, -1), 1);
        assert_eq!(shift_right(-1, 1), i64::MAX);
        assert_eq!(shift_right(-1, 63), 1);
        assert_eq!(shift_right(-1, 64), 0);
        assert_eq!(shift_left(1, i64::MIN), 0);
        assert_eq!(shift_right(1, i64::MIN), 0);
        assert_eq!(shift_right(2, -1), 4);
        assert_eq!(shift_left(-1, -64), 0);
        assert_eq!(shift_right(i64::MIN, 63), 1);
    }

    #[test]
    fn float_to_int_conversions() {
        let two63 = 2f64.powi(63);
        assert_eq!(float_to_int(two63), None);
        assert_eq!(float_to_int(-two63), Some(i64::MIN));
        assert_eq!(float_to_int(3.5), None);
        assert_eq!(float_to_int(-0.0), Some(0));
        assert_eq!(float_to_int(f64::NAN), None);
        assert_eq!(float_to_int(f64::INFINITY), None);
        assert_eq!(float_to_int(TWO_POW_63 - 1024.0), Some(9223372036854774784));
        assert_eq!(float_floor_to_int(-3.5), Some(-4));
        assert_eq!(float_ceil_to_int(-3.5), Some(-3));
        assert_eq!(float_floor_to_int(-0.0), Some(0));
        assert_eq!(float_floor_to_int(2f64.powi(70)), None);
        assert_eq!(float_ceil_to_int(-two63 - 2048.0), None);
        assert_eq!(float_floor_to_int(-two63 + 0.0), Some(i64::MIN));
        assert_eq!(float_floor_to_int(f64::NAN), None);
        assert_eq!(number_to_int_lossless(Int(5)), Some(5));
        assert_eq!(number_to_int_lossless(Float(5.0)), Some(5));
        assert_eq!(number_to_int_lossless(Float(5.5)), None);
        assert_eq!(number_to_int_lossless(Float(two63)), None);
    }

    #[test]
    fn mixed_comparisons_table() {
        for line in include_str!("../testdata/number_compare.tsv").lines() {
            let cols: Vec<&str> = line.split('\t').collect();
            let i: i64 = cols[0].parse().unwrap();
            let f = f64::from_bits(cols[1].parse::<i64>().unwrap() as u64);
            let want: Vec<bool> = cols[2..].iter().map(|c| *c == "true").collect();
            let got = [
                lt_num(Int(i), Float(f)),
                le_num(Int(i), Float(f)),
                lt_num(Float(f), Int(i)),
                le_num(Float(f), Int(i)),
                eq_num(Int(i), Float(f)),
            ];
            assert_eq!(got[..], want[..], "{i} vs {f:e}");
            assert_eq!(eq_num(Float(f), Int(i)), want[4]);
        }
    }

    #[test]
    fn same_type_comparisons() {
        assert!(lt_num(Int(1), Int(2)));
        assert!(!lt_num(Int(2), Int(2)));
        assert!(le_num(Int(2), Int(2)));
        assert!(eq_num(Float(0.0), Float(-0.0)));
        assert!(!eq_num(Float(f64::NAN), Float(f64::NAN)));
        assert!(!lt_num(Float(f64::NAN), Float(1.0)));
        assert!(!le_num(Float(1.0), Float(f64::NAN)));
        // 2^53 == 2^53+1 in float arithmetic, but not against the integer.
        let two53 = 2f64.powi(53);
        assert!(eq_num(Float(two53), Float(two53 + 1.0)));
        assert!(!eq_num(Int((1 << 53) + 1), Float(two53)));
        assert!(lt_num(Int(i64::MAX), Float(2f64.powi(63))));
        assert!(!eq_num(Float(i64::MAX as f64), Int(i64::MAX)));
    }

    /// Runs an integer loop the way the VM will and counts iterations,
    /// stopping at `cap` (for loops lua5.4 would run practically forever).
    fn run_int(init: i64, limit: Number, step: i64, cap: u64) -> u64 {
        match for_prep_int(init, limit, step).unwrap() {
            None => 0,
            Some(count) => count.saturating_add(1).min(cap),
        }
    }

    #[test]
    fn integer_for_loops() {
        let max = i64::MAX;
        let min = i64::MIN;
        assert_eq!(for_prep_int(1, Int(10), 0), Err("'for' step is zero"));
        assert_eq!(run_int(1, Int(10), 1, 100), 10);
        assert_eq!(run_int(1, Int(10), 3, 100), 4);
        assert_eq!(run_int(10, Int(1), -3, 100), 4);
        assert_eq!(run_int(1, Int(0), 1, 100), 0);
        assert_eq!(run_int(0, Int(1), -1, 100), 0);
        assert_eq!(run_int(1, Float(3.5), 1, 100), 3);
        assert_eq!(run_int(-1, Float(-3.5), -1, 100), 3);
        assert_eq!(run_int(max - 2, Float(1e100), 1, 100), 3);
        assert_eq!(run_int(min + 2, Float(-1e100), -1, 100), 3);
        assert_eq!(run_int(1, Float(-1e100), 1, 100), 0);
        assert_eq!(run_int(1, Float(1e100), -1, 100), 0);
        assert_eq!(run_int(min, Int(min + 10), 3, 100), 4);
        assert_eq!(run_int(max, Int(max - 10), min, 100), 1);
        // lua5.4: an ascending loop to NaN never runs, a descending one does.
        assert_eq!(run_int(1, Float(f64::NAN), 1, 100), 0);
        assert_eq!(run_int(1, Float(f64::NAN), -1, 100), 100);
        assert_eq!(
            for_prep_int(1, Float(f64::NAN), -1),
            Ok(Some(1u64.wrapping_sub(min as u64)))
        );
        // The full range: 2^64 iterations, count = 2^64 - 1.
        assert_eq!(for_prep_int(min, Int(max), 1), Ok(Some(u64::MAX)));
        assert_eq!(for_prep_int(max, Int(min), -1), Ok(Some(u64::MAX)));
        assert_eq!(for_prep_int(0, Int(max), max), Ok(Some(1)));
        assert_eq!(for_prep_int(5, Int(5), min), Ok(Some(0)));
    }

    fn run_float(init: f64, limit: f64, step: f64) -> u32 {
        let mut n = 0;
        if for_prep_float(init, limit, step).unwrap() {
            let mut i = init;
            loop {
                n += 1;
                match for_loop_float(i, limit, step) {
                    Some(next) => i = next,
                    None => break,
                }
            }
        }
        n
    }

    #[test]
    fn float_for_loops() {
        assert_eq!(for_prep_float(1.0, 10.0, 0.0), Err(FOR_STEP_ZERO));
        assert_eq!(for_prep_float(1.0, 10.0, -0.0), Err(FOR_STEP_ZERO));
        assert_eq!(run_float(1.0, 3.0, 1.0), 3);
        assert_eq!(run_float(0.1, 0.35, 0.1), 3);
        assert_eq!(run_float(3.0, 1.0, -0.5), 5);
        assert_eq!(run_float(1.0, 0.0, 1.0), 0);
        // lua5.4: `for i = 1.0, 0/0` runs its body once.
        assert_eq!(run_float(1.0, f64::NAN, 1.0), 1);
    }
}
