//! Arguments of fetches and converters: `make_arg_list` (arg.c) with its quoting rules, typed
//! values and error messages, and the conversion of runtime values (Lua's `txn.f:x(...)`) to
//! the same typed arguments.

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::Bytes;

use super::value::{Sample, read_int64};
use super::vars::VarName;

/// Declared argument types (`ARGT_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgType {
    Sint,
    Str,
    Ipv4,
    /// An IPv4 mask, dotted or as a prefix length; stored as `Arg::Ipv4`.
    Msk4,
    Ipv6,
    /// An IPv6 prefix length; stored as `Arg::Ipv6`.
    Msk6,
    /// A delay with an optional unit (`us ms s m h d`, default ms); stored as ms in `Arg::Sint`.
    Time,
    /// A size with an optional unit (`k m g`); stored in `Arg::Sint`.
    Size,
}

impl ArgType {
    /// `arg_type_names`.
    pub fn name(self) -> &'static str {
        match self {
            ArgType::Sint => "integer",
            ArgType::Str => "string",
            ArgType::Ipv4 => "IPv4 address",
            ArgType::Msk4 => "IPv4 mask",
            ArgType::Ipv6 => "IPv6 address",
            ArgType::Msk6 => "IPv6 mask",
            ArgType::Time => "delay",
            ArgType::Size => "size",
        }
    }
}

/// A parsed argument. Validation functions may turn a `Str` into a `Var` (`var()`, `add()`)
/// or a compiled regex (`regsub`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    Sint(i64),
    Str(Bytes),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    Var(VarName),
    Reg(ArgRegex),
    /// A `map*` converter's file, loaded by its validation (`conv_map.rs`).
    Map(super::conv_map::MapArg),
}

/// A regex compiled once when the argument is validated; equal when the sources are.
#[derive(Clone, Debug)]
pub struct ArgRegex(pub std::sync::Arc<regex::bytes::Regex>);

impl PartialEq for ArgRegex {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Eq for ArgRegex {}

impl Arg {
    pub fn as_sint(&self) -> Option<i64> {
        match self {
            Arg::Sint(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Arg::Str(s) => s,
            _ => b"",
        }
    }
}

/// An argument list's declaration: the types in order and how many are mandatory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgSpec {
    pub types: &'static [ArgType],
    pub min: usize,
}

impl ArgSpec {
    pub const NONE: ArgSpec = ArgSpec { types: &[], min: 0 };

    pub const fn new(min: usize, types: &'static [ArgType]) -> ArgSpec {
        ArgSpec { types, min }
    }
}

/// A failed argument list: `pos` is the 0-based argument HAProxy blames (`err_arg`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ArgError {
    pub pos: usize,
    pub msg: String,
}

/// The result of `make_arg_list`: the arguments, how many were given, and how many bytes of
/// the input were consumed (the opening and closing parentheses included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedArgs {
    pub args: Vec<Arg>,
    pub count: usize,
    pub consumed: usize,
}

/// `make_arg_list`: `input` starts right after the keyword; if it does not start with `(`
/// there are no arguments (an empty list, still checked against mandatory ones).
pub fn make_arg_list(input: &str, spec: &ArgSpec) -> Result<ParsedArgs, ArgError> {
    let b = input.as_bytes();
    let (empty, mut i) = if b.first() == Some(&b'(') {
        (false, 1)
    } else {
        (true, 0)
    };
    let end = if empty { 0 } else { b.len() };
    let nbarg = spec.types.len();
    let mut args = Vec::new();
    let mut pos = 0;
    if nbarg > 0 && !(i >= end && spec.min == 0) {
        loop {
            let mut out: Vec<u8> = Vec::new();
            let (mut squote, mut dquote) = (false, false);
            while i < end {
                let c = b[i];
                if c == b'"' && !squote {
                    dquote = !dquote;
                    i += 1;
                } else if c == b'\'' && !dquote {
                    squote = !squote;
                    i += 1;
                } else if c == b'\\' && !squote && i + 1 < end {
                    match b[i + 1] {
                        e @ (b'\\' | b' ' | b'"' | b'\'') => {
                            out.push(e);
                            i += 1;
                        }
                        b'r' => {
                            out.push(b'\r');
                            i += 1;
                        }
                        b'n' => {
                            out.push(b'\n');
                            i += 1;
                        }
                        b't' => {
                            out.push(b'\t');
                            i += 1;
                        }
                        _ => out.push(b'\\'),
                    }
                    i += 1;
                } else if !squote && !dquote && (c == b',' || c == b')') {
                    break;
                } else {
                    out.push(c);
                    i += 1;
                }
            }
            let ty = spec.types[pos];
            args.push(parse_typed(&out, ty, pos)?);
            pos += 1;
            if i >= end || b[i] == b')' || pos >= nbarg {
                break;
            }
            i += 1; // the comma
        }
    }
    if pos < spec.min {
        return Err(ArgError {
            pos,
            msg: format!(
                "missing arguments (got {pos}/{}), type '{}' expected",
                spec.min,
                spec.types[pos].name()
            ),
        });
    }
    if !empty {
        if i < end && b[i] == b')' {
            i += 1;
        } else {
            let rest = String::from_utf8_lossy(&b[i.min(b.len())..]);
            let msg = if rest.is_empty() {
                "expected ')'".to_string()
            } else {
                format!("expected ')' before '{rest}'")
            };
            // The argument haproxy 2.6 blames (measured): the next one when the text ends
            // early; on extra arguments, the last declared one, but never the first.
            let blamed = if rest.is_empty() || pos == 0 {
                pos
            } else {
                (pos - 1).max(1)
            };
            return Err(ArgError { pos: blamed, msg });
        }
    }
    Ok(ParsedArgs {
        args,
        count: pos,
        consumed: i,
    })
}

fn parse_typed(raw: &[u8], ty: ArgType, pos: usize) -> Result<Arg, ArgError> {
    let text = String::from_utf8_lossy(raw);
    let empty = || ArgError {
        pos,
        msg: format!(
            "expected type '{}' at position {}, but got nothing",
            ty.name(),
            pos + 1
        ),
    };
    let bad = || ArgError {
        pos,
        msg: format!(
            "failed to parse '{text}' as type '{}' at position {}",
            ty.name(),
            pos + 1
        ),
    };
    if raw.is_empty() && ty != ArgType::Str {
        return Err(empty());
    }
    Ok(match ty {
        ArgType::Str => Arg::Str(Bytes::copy_from_slice(raw)),
        ArgType::Sint => {
            let (v, n) = read_int64(raw);
            if n < raw.len() {
                return Err(bad());
            }
            Arg::Sint(v)
        }
        ArgType::Ipv4 => Arg::Ipv4(text.parse().map_err(|_| bad())?),
        ArgType::Ipv6 => Arg::Ipv6(text.parse().map_err(|_| bad())?),
        ArgType::Msk4 => Arg::Ipv4(parse_mask4(&text).ok_or_else(bad)?),
        ArgType::Msk6 => Arg::Ipv6(parse_mask6(&text).ok_or_else(bad)?),
        ArgType::Time => Arg::Sint(parse_time_ms(&text).map_err(|_| bad())? as i64),
        ArgType::Size => Arg::Sint(parse_size(&text).ok_or_else(bad)? as i64),
    })
}

/// `str2mask`: a dotted mask or a prefix length 0..=32.
pub fn parse_mask4(s: &str) -> Option<Ipv4Addr> {
    if s.bytes().all(|c| c.is_ascii_digit()) && !s.is_empty() {
        let n: u32 = s.parse().ok()?;
        if n > 32 {
            return None;
        }
        let m = if n == 0 { 0 } else { u32::MAX << (32 - n) };
        return Some(Ipv4Addr::from(m));
    }
    s.parse().ok()
}

/// `str2mask6`: a prefix length 0..=128 (or an address-form mask).
pub fn parse_mask6(s: &str) -> Option<Ipv6Addr> {
    if s.bytes().all(|c| c.is_ascii_digit()) && !s.is_empty() {
        let n: u32 = s.parse().ok()?;
        if n > 128 {
            return None;
        }
        let m = if n == 0 { 0 } else { u128::MAX << (128 - n) };
        return Some(Ipv6Addr::from(m));
    }
    s.parse().ok()
}

/// `parse_time_err` with milliseconds as the default unit. On error, the unexpected
/// character (HAProxy reports it: "unexpected character 'x'").
pub fn parse_time_ms(s: &str) -> Result<u32, Option<char>> {
    let digits = s.bytes().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return Err(s.chars().next());
    }
    let v: u64 = s[..digits].parse().map_err(|_| None)?;
    let unit = &s[digits..];
    let mult = match unit {
        "" | "ms" => 1,
        "us" => return u32::try_from(v / 1000).map_err(|_| None),
        "s" => 1000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return Err(unit.chars().next()),
    };
    v.checked_mul(mult)
        .and_then(|ms| u32::try_from(ms).ok())
        .ok_or(None)
}

/// `parse_size_err`: a number with an optional `k`, `m` or `g` (powers of 1024).
pub fn parse_size(s: &str) -> Option<u64> {
    let digits = s.bytes().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let v: u64 = s[..digits].parse().ok()?;
    let mult = match &s[digits..] {
        "" => 1,
        "k" | "K" => 1 << 10,
        "m" | "M" => 1 << 20,
        "g" | "G" => 1 << 30,
        _ => return None,
    };
    v.checked_mul(mult)
}

/// Converts runtime values (Lua's `txn.f:name(...)` arguments, already turned into samples
/// by the caller) to a typed argument list, as HAProxy's `hlua_lua2arg_check` does: each
/// value is cast to the declared type; too many or too few values are errors.
pub fn args_from_samples(values: &[Sample], spec: &ArgSpec) -> Result<Vec<Arg>, String> {
    if values.len() < spec.min {
        return Err(format!(
            "expect {} argument(s) at least, got {}",
            spec.min,
            values.len()
        ));
    }
    if values.len() > spec.types.len() {
        return Err(format!(
            "expect {} argument(s) at most, got {}",
            spec.types.len(),
            values.len()
        ));
    }
    let mut out = Vec::with_capacity(values.len());
    for (pos, (v, &ty)) in values.iter().zip(spec.types).enumerate() {
        let arg = match ty {
            ArgType::Sint | ArgType::Time | ArgType::Size => match v {
                Sample::Sint(i) => Arg::Sint(*i),
                other => {
                    let s = other.clone().to_str_form().unwrap_or_default();
                    let text = String::from_utf8_lossy(&s);
                    parse_typed(text.as_bytes(), ty, pos).map_err(|e| e.msg)?
                }
            },
            _ => {
                let s = v.clone().to_str_form().unwrap_or_default();
                parse_typed(&s, ty, pos).map_err(|e| e.msg)?
            }
        };
        out.push(arg);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ArgType::*;

    const HDR: ArgSpec = ArgSpec::new(0, &[Str, Sint]);
    const FIELD: ArgSpec = ArgSpec::new(2, &[Sint, Str, Sint]);
    const INT: ArgSpec = ArgSpec::new(1, &[Sint]);
    const STR: ArgSpec = ArgSpec::new(1, &[Str]);

    fn err(input: &str, spec: &ArgSpec) -> (usize, String) {
        let e = make_arg_list(input, spec).unwrap_err();
        (e.pos, e.msg)
    }

    #[test]
    fn parses_and_consumes() {
        let p = make_arg_list("(host,2)]rest", &HDR).unwrap();
        assert_eq!(p.args, vec![Arg::Str(Bytes::from("host")), Arg::Sint(2)]);
        assert_eq!(p.consumed, 8);
        let p = make_arg_list(",lower", &HDR).unwrap();
        assert_eq!((p.count, p.consumed), (0, 0));
        // "()" holds one empty argument when the first type accepts empty strings.
        let p = make_arg_list("()", &HDR).unwrap();
        assert_eq!(p.args, vec![Arg::Str(Bytes::new())]);
        assert_eq!(make_arg_list("()", &ArgSpec::NONE).unwrap().count, 0);
        assert_eq!(
            make_arg_list("", &STR).unwrap().args,
            vec![Arg::Str(Bytes::new())]
        );
    }

    #[test]
    fn quoting() {
        let p = make_arg_list(r#"("a,b")"#, &STR).unwrap();
        assert_eq!(p.args[0], Arg::Str(Bytes::from("a,b")));
        let p = make_arg_list(r#"('a\n"b')"#, &STR).unwrap();
        assert_eq!(p.args[0], Arg::Str(Bytes::from("a\\n\"b")));
        let p = make_arg_list(r#"(a\tb\)c)"#, &STR).unwrap();
        assert_eq!(p.args[0], Arg::Str(Bytes::from("a\tb\\")));
        assert_eq!(p.consumed, 7);
    }

    #[test]
    fn haproxy_messages() {
        assert_eq!(
            err("(1)]", &ArgSpec::NONE),
            (0, "expected ')' before '1)]'".into())
        );
        assert_eq!(
            err("(a,b,c)]", &HDR),
            (
                1,
                "failed to parse 'b' as type 'integer' at position 2".into()
            )
        );
        assert_eq!(
            err("(a,b)]", &STR),
            (1, "expected ')' before ',b)]'".into())
        );
        assert_eq!(
            err("(x)]", &INT),
            (
                0,
                "failed to parse 'x' as type 'integer' at position 1".into()
            )
        );
        assert_eq!(
            err("()]", &INT),
            (
                0,
                "expected type 'integer' at position 1, but got nothing".into()
            )
        );
        assert_eq!(
            err("(1)]", &FIELD),
            (
                1,
                "missing arguments (got 1/2), type 'string' expected".into()
            )
        );
        assert_eq!(
            err("(1,:,2,3)]", &FIELD),
            (2, "expected ')' before ',3)]'".into())
        );
        assert_eq!(err("(", &STR), (1, "expected ')'".into()));
        assert_eq!(err("(\"a)", &STR), (1, "expected ')'".into()));
        assert_eq!(
            err("(40)", &ArgSpec::new(1, &[Msk4])),
            (
                0,
                "failed to parse '40' as type 'IPv4 mask' at position 1".into()
            )
        );
    }

    #[test]
    fn units_and_masks() {
        assert_eq!(parse_time_ms("5s"), Ok(5000));
        assert_eq!(parse_time_ms("5"), Ok(5));
        assert_eq!(parse_time_ms("2m"), Ok(120_000));
        assert_eq!(parse_time_ms("5x"), Err(Some('x')));
        assert_eq!(parse_time_ms("99999999999999999d"), Err(None));
        assert_eq!(parse_size("2k"), Some(2048));
        assert_eq!(parse_mask4("24"), Some(Ipv4Addr::new(255, 255, 255, 0)));
        assert_eq!(
            parse_mask4("255.255.0.0"),
            Some(Ipv4Addr::new(255, 255, 0, 0))
        );
        assert_eq!(parse_mask6("64").map(u128::from), Some(u128::MAX << 64));
    }

    #[test]
    fn runtime_args() {
        let a = args_from_samples(&[Sample::str("host"), Sample::str("2")], &HDR).unwrap();
        assert_eq!(a, vec![Arg::Str(Bytes::from("host")), Arg::Sint(2)]);
        assert!(args_from_samples(&[], &INT).is_err());
        assert!(args_from_samples(&[Sample::Sint(1), Sample::Sint(1)], &INT).is_err());
    }
}
