//! The built-in converters: one table entry per converter (name, arguments, input and output
//! types, function). The input is cast to `input` before the function runs (by the
//! expression evaluator), so each function sees the type it declares.

use bytes::Bytes;

use super::arg::{Arg, ArgRegex, ArgSpec, ArgType};
use super::conv_hash as ch;
use super::conv_text as ct;
use super::conv_time::{self as cti, TimeUnit};
use super::fetch::ValidateFn;
use super::fetch_internal as fi;
use super::source::SampleSource;
use super::value::{Sample, SampleType};
use super::vars::VarName;

pub type ConvFn = fn(&[Arg], Sample, &mut dyn SampleSource) -> Option<Sample>;

/// One built-in converter.
pub struct ConvDef {
    pub name: &'static str,
    pub args: ArgSpec,
    pub validate: Option<ValidateFn>,
    pub input: SampleType,
    pub out: SampleType,
    pub run: ConvFn,
}

impl std::fmt::Debug for ConvDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ConvDef({})", self.name)
    }
}

use ArgType as A;

macro_rules! conv {
    ($name:expr, $args:expr, $val:expr, $in:ident => $out:ident, $run:expr) => {
        ConvDef {
            name: $name,
            args: $args,
            validate: $val,
            input: SampleType::$in,
            out: SampleType::$out,
            run: $run,
        }
    };
}

const AVALANCHE: ArgSpec = ArgSpec::new(0, &[A::Sint]);
const SEED: ArgSpec = ArgSpec::new(0, &[A::Sint]);
const TIME_FMT: ArgSpec = ArgSpec::new(1, &[A::Str, A::Sint]);
const INT_OR_VAR: ArgSpec = ArgSpec::new(1, &[A::Str]);
const FIELD: ArgSpec = ArgSpec::new(2, &[A::Sint, A::Str, A::Sint]);
/// `set-var(name[,cond...])`: haproxy 2.6 takes up to four conditions.
const SETVAR: ArgSpec = ArgSpec::new(1, &[A::Str, A::Str, A::Str, A::Str, A::Str]);

/// Every built-in converter.
pub static CONVERTERS: &[ConvDef] = &[
    conv!("lower", ArgSpec::NONE, None, Str => Str, |_, s, _| map_str(s, |b| b.to_ascii_lowercase())),
    conv!("upper", ArgSpec::NONE, None, Str => Str, |_, s, _| map_str(s, |b| b.to_ascii_uppercase())),
    conv!("length", ArgSpec::NONE, None, Str => Sint, |_, s, _| match s {
        Sample::Str(b) => Some(Sample::Sint(b.len() as i64)),
        _ => None,
    }),
    conv!("base64", ArgSpec::NONE, None, Bin => Str, |_, s, _| {
        use base64::Engine;
        let b = bin_of(s)?;
        Some(Sample::str(base64::engine::general_purpose::STANDARD.encode(&b)))
    }),
    conv!("hex", ArgSpec::NONE, None, Bin => Str, |_, s, _| {
        let b = bin_of(s)?;
        let mut out = String::with_capacity(b.len() * 2);
        for c in b.iter() {
            out.push_str(&format!("{c:02X}"));
        }
        Some(Sample::str(out))
    }),
    conv!("json", ArgSpec::new(0, &[A::Str]), Some(check_json), Str => Str, conv_json),
    conv!("field", FIELD, Some(check_field), Str => Str, |a, s, _| split_conv(a, s, false)),
    conv!("word", FIELD, Some(check_field), Str => Str, |a, s, _| split_conv(a, s, true)),
    conv!("add", INT_OR_VAR, Some(check_int_or_var), Sint => Sint, |a, s, src| arith(a, s, src, i64::saturating_add)),
    conv!("sub", INT_OR_VAR, Some(check_int_or_var), Sint => Sint, |a, s, src| arith(a, s, src, i64::saturating_sub)),
    conv!("mul", INT_OR_VAR, Some(check_int_or_var), Sint => Sint, |a, s, src| arith(a, s, src, i64::saturating_mul)),
    conv!("div", INT_OR_VAR, Some(check_int_or_var), Sint => Sint, |a, s, src| arith(a, s, src, |x, y| {
        // HAProxy: division by zero gives the largest integer; LLONG_MIN / -1 saturates.
        if y == 0 { i64::MAX } else { x.checked_div(y).unwrap_or(i64::MAX) }
    })),
    conv!("mod", INT_OR_VAR, Some(check_int_or_var), Sint => Sint, |a, s, src| arith(a, s, src, |x, y| {
        if y == 0 { 0 } else { x.wrapping_rem(y) }
    })),
    conv!("and", INT_OR_VAR, Some(check_int_or_var), Sint => Sint, |a, s, src| arith(a, s, src, |x, y| x & y)),
    conv!("or", INT_OR_VAR, Some(check_int_or_var), Sint => Sint, |a, s, src| arith(a, s, src, |x, y| x | y)),
    conv!("xor", INT_OR_VAR, Some(check_int_or_var), Sint => Sint, |a, s, src| arith(a, s, src, |x, y| x ^ y)),
    conv!("neg", ArgSpec::NONE, None, Sint => Sint, |_, s, _| Some(Sample::Sint(s.as_sint()?.checked_neg().unwrap_or(i64::MAX)))),
    conv!("cpl", ArgSpec::NONE, None, Sint => Sint, |_, s, _| Some(Sample::Sint(!s.as_sint()?))),
    conv!("even", ArgSpec::NONE, None, Sint => Bool, |_, s, _| Some(Sample::Bool(s.as_sint()? & 1 == 0))),
    conv!("odd", ArgSpec::NONE, None, Sint => Bool, |_, s, _| Some(Sample::Bool(s.as_sint()? & 1 == 1))),
    conv!("bool", ArgSpec::NONE, None, Sint => Bool, |_, s, _| Some(Sample::Bool(s.as_sint()? != 0))),
    conv!("not", ArgSpec::NONE, None, Sint => Bool, |_, s, _| Some(Sample::Bool(s.as_sint()? == 0))),
    conv!("set-var", SETVAR, Some(check_set_var), Any => Any, |a, s, src| {
        if let Some(Arg::Var(v)) = a.first() {
            let conds: Vec<&[u8]> = a[1..].iter().map(Arg::as_bytes).collect();
            // The converter fails when a condition does not hold (haproxy 2.6).
            if !set_var_if(src, v, s.clone(), &conds) {
                return None;
            }
        }
        Some(s)
    }),
    conv!("unset-var", ArgSpec::new(1, &[A::Str]), Some(super::fetch::check_var_arg), Any => Any, |a, s, src| {
        if let Some(Arg::Var(v)) = a.first() {
            src.unset_var(v);
        }
        Some(s)
    }),
    conv!("ipmask", ArgSpec::new(1, &[A::Msk4, A::Msk6]), None, Addr => Addr, |a, s, _| match s {
        Sample::Ipv4(ip) => match a.first() {
            Some(Arg::Ipv4(m)) => Some(Sample::Ipv4((u32::from(ip) & u32::from(*m)).into())),
            _ => None,
        },
        Sample::Ipv6(ip) => match a.get(1) {
            Some(Arg::Ipv6(m)) => Some(Sample::Ipv6((u128::from(ip) & u128::from(*m)).into())),
            _ => None,
        },
        _ => None,
    }),
    conv!("b64dec", ArgSpec::NONE, None, Str => Bin, |_, s, _| {
        ct::b64dec(&bin_of(s)?).map(|v| Sample::Bin(Bytes::from(v)))
    }),
    conv!("ub64enc", ArgSpec::NONE, None, Bin => Str, |_, s, _| {
        use base64::Engine;
        let b = bin_of(s)?;
        Some(Sample::str(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&b)))
    }),
    conv!("ub64dec", ArgSpec::NONE, None, Str => Bin, |_, s, _| {
        ct::ub64dec(&bin_of(s)?).map(|v| Sample::Bin(Bytes::from(v)))
    }),
    conv!("hex2i", ArgSpec::NONE, None, Str => Sint, |_, s, _| {
        ct::hex2i(&bin_of(s)?).map(Sample::Sint)
    }),
    conv!("sdbm", AVALANCHE, None, Bin => Sint, |a, s, _| hash32(a, s, ch::sdbm)),
    conv!("djb2", AVALANCHE, None, Bin => Sint, |a, s, _| hash32(a, s, ch::djb2)),
    conv!("wt6", AVALANCHE, None, Bin => Sint, |a, s, _| hash32(a, s, ch::wt6)),
    conv!("crc32", AVALANCHE, None, Bin => Sint, |a, s, _| hash32(a, s, ch::crc32)),
    conv!("crc32c", AVALANCHE, None, Bin => Sint, |a, s, _| hash32(a, s, ch::crc32c)),
    conv!("xxh32", SEED, None, Bin => Sint, |a, s, _| {
        let seed = a.first().and_then(Arg::as_sint).unwrap_or(0);
        Some(Sample::Sint(ch::xxh32(&bin_of(s)?, seed as u32).into()))
    }),
    conv!("xxh64", SEED, None, Bin => Sint, |a, s, _| {
        let seed = a.first().and_then(Arg::as_sint).unwrap_or(0);
        Some(Sample::Sint(ch::xxh64(&bin_of(s)?, seed as u64) as i64))
    }),
    conv!("xxh3", SEED, None, Bin => Sint, |a, s, _| {
        let seed = a.first().and_then(Arg::as_sint).unwrap_or(0);
        Some(Sample::Sint(ch::xxh3(&bin_of(s)?, seed as u64) as i64))
    }),
    conv!("sha1", ArgSpec::NONE, None, Bin => Bin, |_, s, _| {
        Some(Sample::Bin(Bytes::from(ch::sha1(&bin_of(s)?))))
    }),
    conv!("sha2", ArgSpec::new(0, &[A::Sint]), Some(check_sha2), Bin => Bin, |a, s, _| {
        let bits = a.first().and_then(Arg::as_sint).unwrap_or(256);
        ch::sha2(&bin_of(s)?, bits).map(|v| Sample::Bin(Bytes::from(v)))
    }),
    conv!("regsub", ArgSpec::new(2, &[A::Str, A::Str, A::Str]), Some(check_regsub), Str => Str, |a, s, _| {
        let (Some(Arg::Reg(re)), Some(subst)) = (a.first(), a.get(1)) else {
            return None;
        };
        let global = a.get(2).and_then(Arg::as_sint) == Some(1);
        let out = ct::regsub(&re.0, &bin_of(s)?, subst.as_bytes(), global)?;
        Some(Sample::Str(Bytes::from(out)))
    }),
    conv!("url_dec", ArgSpec::new(0, &[A::Sint]), None, Str => Str, |a, s, _| {
        let in_form = a.first().and_then(Arg::as_sint).is_some_and(|i| i != 0);
        ct::url_dec(&bin_of(s)?, in_form).map(|v| Sample::Str(Bytes::from(v)))
    }),
    conv!("url_enc", ArgSpec::new(1, &[A::Str]), Some(check_url_enc), Str => Str, |_, s, _| {
        Some(Sample::str(ct::url_enc(&bin_of(s)?)))
    }),
    conv!("concat", ArgSpec::new(0, &[A::Str, A::Str, A::Str]), Some(check_concat), Str => Str, |a, s, src| {
        let mut out = bin_of(s)?.to_vec();
        if let Some(Arg::Str(b)) = a.first() {
            out.extend_from_slice(b);
        }
        if let Some(Arg::Var(v)) = a.get(1)
            && let Some(val) = src.get_var(v).and_then(Sample::to_str_form)
        {
            out.extend_from_slice(&val);
        }
        if let Some(Arg::Str(b)) = a.get(2) {
            out.extend_from_slice(b);
        }
        Some(Sample::Str(Bytes::from(out)))
    }),
    conv!("bytes", ArgSpec::new(1, &[A::Sint, A::Sint]), None, Bin => Bin, |a, s, _| {
        let b = bin_of(s)?;
        // HAProxy compares the (unsigned) length with the arguments as unsigned: a
        // negative offset is past the end, a negative length is no limit.
        let off = a.first().and_then(Arg::as_sint)? as u64;
        if b.len() as u64 <= off {
            return Some(Sample::Bin(Bytes::new()));
        }
        let rest = b.slice(off as usize..);
        let len = match a.get(1).and_then(Arg::as_sint) {
            Some(l) if (l as u64) < rest.len() as u64 => l as usize,
            _ => rest.len(),
        };
        Some(Sample::Bin(rest.slice(..len)))
    }),
    conv!("ltrim", ArgSpec::new(1, &[A::Str]), None, Str => Str, |a, s, _| {
        let b = bin_of(s)?;
        let set = a.first().map(Arg::as_bytes).unwrap_or(b"");
        let start = b.iter().position(|c| !set.contains(c)).unwrap_or(b.len());
        Some(Sample::Str(b.slice(start..)))
    }),
    conv!("rtrim", ArgSpec::new(1, &[A::Str]), None, Str => Str, |a, s, _| {
        let b = bin_of(s)?;
        let set = a.first().map(Arg::as_bytes).unwrap_or(b"");
        let end = b.iter().rposition(|c| !set.contains(c)).map_or(0, |p| p + 1);
        Some(Sample::Str(b.slice(..end)))
    }),
    conv!("http_date", ArgSpec::new(0, &[A::Sint, A::Str]), Some(fi::check_date_unit), Sint => Str, |a, s, _| {
        let off = a.first().and_then(Arg::as_sint).unwrap_or(0);
        let unit = a.get(1).and_then(Arg::as_sint).map(TimeUnit::from_i64);
        cti::http_date(s.as_sint()?, off, unit).map(Sample::str)
    }),
    conv!("utime", TIME_FMT, None, Sint => Str, |a, s, _| time_conv(a, s, false)),
    conv!("ltime", TIME_FMT, None, Sint => Str, |a, s, _| time_conv(a, s, true)),
];

/// Every converter: this table, then the `map*` family (`conv_map.rs`).
pub fn all_converters() -> impl Iterator<Item = &'static ConvDef> {
    CONVERTERS
        .iter()
        .chain(super::conv_map::MAP_CONVERTERS.iter())
}

/// Looks a converter up by its configuration name.
pub fn find_converter(name: &str) -> Option<&'static ConvDef> {
    all_converters().find(|c| c.name == name)
}

fn map_str(s: Sample, f: impl Fn(&[u8]) -> Vec<u8>) -> Option<Sample> {
    match s {
        Sample::Str(b) => Some(Sample::Str(Bytes::from(f(&b)))),
        _ => None,
    }
}

fn bin_of(s: Sample) -> Option<Bytes> {
    match s {
        Sample::Bin(b) | Sample::Str(b) => Some(b),
        _ => None,
    }
}

/// The arithmetic converters' argument: an integer, else a variable name
/// (`check_operator`).
fn check_int_or_var(args: &mut [Arg]) -> Result<(), String> {
    let Some(Arg::Str(s)) = args.first() else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(s).into_owned();
    let (v, n) = super::value::read_int64(s);
    if n == s.len() && n > 0 {
        args[0] = Arg::Sint(v);
        return Ok(());
    }
    match VarName::parse(&text) {
        Ok(name) if name.name.chars().all(VarName::is_name_char) => {
            args[0] = Arg::Var(name);
            Ok(())
        }
        _ => Err("expects an integer or a variable name".into()),
    }
}

fn arith(
    a: &[Arg],
    s: Sample,
    src: &mut dyn SampleSource,
    f: fn(i64, i64) -> i64,
) -> Option<Sample> {
    let x = s.as_sint()?;
    let y = match a.first()? {
        Arg::Sint(i) => *i,
        // A missing variable (or one that is not a number) makes the converter fail.
        Arg::Var(v) => src.get_var(v)?.as_sint()?,
        _ => return None,
    };
    Some(Sample::Sint(f(x, y)))
}

/// `set-var(name[,cond...])`: the name, then HAProxy 2.6's conditions.
fn check_set_var(args: &mut [Arg]) -> Result<(), String> {
    super::fetch::check_var_arg(args)?;
    for a in &args[1..] {
        let c = String::from_utf8_lossy(a.as_bytes()).into_owned();
        if !SET_VAR_CONDS.contains(&c.as_str()) {
            return Err(format!("unknown condition \"{c}\""));
        }
    }
    Ok(())
}

/// The conditions `set-var` accepts (vars.c `var_set_cond`).
pub const SET_VAR_CONDS: &[&str] = &[
    "ifexists",
    "ifnotexists",
    "ifempty",
    "ifnotempty",
    "ifset",
    "ifnotset",
    "ifgt",
    "iflt",
];

/// Sets a variable if every condition holds (HAProxy 2.6 `var_set` with conditions); returns
/// whether it did. `ifgt`/`iflt` compare the variable with the new value only when both are
/// integers, and hold otherwise.
pub fn set_var_if(src: &mut dyn SampleSource, v: &VarName, value: Sample, conds: &[&[u8]]) -> bool {
    let cur = src.get_var(v);
    let ints = match (&cur, &value) {
        (Some(Sample::Sint(c)), Sample::Sint(n)) => Some((*c, *n)),
        _ => None,
    };
    for c in conds {
        let ok = match *c {
            b"ifexists" | b"ifset" => cur.is_some(),
            b"ifnotexists" | b"ifnotset" => cur.is_none(),
            b"ifempty" => sample_is_empty(&value),
            b"ifnotempty" => !sample_is_empty(&value),
            b"ifgt" => ints.is_none_or(|(c, n)| c > n),
            b"iflt" => ints.is_none_or(|(c, n)| c < n),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    src.set_var(v, value);
    true
}

fn sample_is_empty(s: &Sample) -> bool {
    match s {
        Sample::Str(b) | Sample::Bin(b) => b.is_empty(),
        Sample::Meth(m) => m.as_bytes().is_empty(),
        _ => false,
    }
}

fn check_json(args: &mut [Arg]) -> Result<(), String> {
    match args.first().map(Arg::as_bytes) {
        None | Some(b"" | b"ascii" | b"utf8" | b"utf8s" | b"utf8p" | b"utf8ps") => Ok(()),
        Some(other) => Err(format!(
            "Unexpected input code type at file '{}'. Allowed value are 'ascii', 'utf8', 'utf8s', 'utf8p' and 'utf8ps'",
            String::from_utf8_lossy(other)
        )),
    }
}

/// `json([mode])`: see `conv_text::json`.
fn conv_json(a: &[Arg], s: Sample, _: &mut dyn SampleSource) -> Option<Sample> {
    let Sample::Str(b) = s else { return None };
    let mode = a.first().map(Arg::as_bytes).unwrap_or(b"");
    ct::json(&b, mode).map(Sample::str)
}

/// `field(index,delims[,count])` and `word(...)`: the `count` fields (0: all the rest) from
/// field `index` (negative: counted from the end), original delimiters kept between them.
/// `word` treats runs of delimiters as one and ignores leading/trailing ones.
fn split_conv(a: &[Arg], s: Sample, words: bool) -> Option<Sample> {
    let Sample::Str(b) = s else { return None };
    let index = a.first()?.as_sint()?;
    let delims = a.get(1)?.as_bytes();
    let count = a.get(2).and_then(Arg::as_sint).unwrap_or(1);
    if index == 0 {
        return None;
    }
    // The spans (start, end) of every field or word.
    let mut spans = Vec::new();
    let mut start = 0;
    for (i, c) in b.iter().enumerate() {
        if delims.contains(c) {
            if !words || i > start {
                spans.push((start, i));
            }
            start = i + 1;
        }
    }
    if !words || b.len() > start {
        spans.push((start, b.len()));
    }
    let n = spans.len() as i64;
    // `open`: the range runs out of words/fields (or has no count): haproxy then takes the
    // string up to its end (from its start, counting from the end), delimiters included.
    let (first, last, open) = if index > 0 {
        let f = index - 1;
        let l = if count <= 0 {
            n - 1
        } else {
            f.saturating_add(count - 1)
        };
        (f, l.min(n - 1), count <= 0 || l > n - 1)
    } else {
        let l = n.saturating_add(index);
        let f = if count <= 0 {
            0
        } else {
            l.saturating_sub(count - 1)
        };
        (f.max(0), l, count <= 0 || f < 0)
    };
    if first < 0 || first >= n || last < first {
        return Some(Sample::Str(Bytes::new()));
    }
    let mut start = spans[first as usize].0;
    let mut end = spans[last as usize].1;
    if words && open {
        if index > 0 {
            end = b.len();
        } else {
            start = 0;
        }
    }
    Some(Sample::Str(b.slice(start..end)))
}

/// The 32-bit hash converters: the hash as a non-negative integer, through `full_hash` when
/// the `avalanche` argument is non-zero.
fn hash32(a: &[Arg], s: Sample, f: fn(&[u8]) -> u32) -> Option<Sample> {
    let h = f(&bin_of(s)?);
    let h = if a.first().and_then(Arg::as_sint).is_some_and(|x| x != 0) {
        ch::full_hash(h)
    } else {
        h
    };
    Some(Sample::Sint(h.into()))
}

fn time_conv(a: &[Arg], s: Sample, local: bool) -> Option<Sample> {
    let fmt = a.first().map(Arg::as_bytes).unwrap_or(b"");
    let off = a.get(1).and_then(Arg::as_sint).unwrap_or(0);
    cti::format_time(s.as_sint()?, fmt, off, local).map(|v| Sample::Str(Bytes::from(v)))
}

fn check_sha2(args: &mut [Arg]) -> Result<(), String> {
    match args.first() {
        Some(Arg::Sint(b)) if ![224, 256, 384, 512].contains(b) => {
            Err(format!("Unsupported number of bits: '{b}'"))
        }
        _ => Ok(()),
    }
}

/// `regsub`: the regex compiled with the `i` flag, the flags turned into "global or not".
fn check_regsub(args: &mut [Arg]) -> Result<(), String> {
    let flags = args
        .get(2)
        .map(|a| a.as_bytes().to_vec())
        .unwrap_or_default();
    let (icase, global) = ct::regsub_flags(&flags)?;
    if let Some(Arg::Str(p)) = args.first() {
        let re = ct::compile(&String::from_utf8_lossy(p), icase)?;
        args[0] = Arg::Reg(ArgRegex(std::sync::Arc::new(re)));
    }
    if args.len() > 2 {
        args[2] = Arg::Sint(global as i64);
    }
    Ok(())
}

fn check_url_enc(args: &mut [Arg]) -> Result<(), String> {
    match args.first().map(Arg::as_bytes) {
        // The argument is mandatory, but an empty one (`url_enc` alone) means `query`.
        None | Some(b"" | b"query") => Ok(()),
        Some(_) => Err("Unexpected encode type. Allowed value is 'query'".into()),
    }
}

/// `concat([start],[var],[end])`: the middle argument, when not empty, names a variable.
fn check_concat(args: &mut [Arg]) -> Result<(), String> {
    if let Some(Arg::Str(v)) = args.get(1) {
        if v.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(v).into_owned();
        let name = VarName::parse(&text)
            .map_err(|_| format!("failed to register variable name '{text}'"))?;
        args[1] = Arg::Var(name);
    }
    Ok(())
}

fn check_field(args: &mut [Arg]) -> Result<(), String> {
    match args.get(1) {
        Some(Arg::Str(d)) if d.is_empty() => Err("Empty separators list".into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lua_names::LuaNames;
    use crate::sample::expr::{ExprCtx, SampleExpr};
    use crate::sample::testsrc::TestSource;

    /// `text`'s value as `%[...]` prints it, `None` when the expression fails.
    fn ev(text: &str) -> Option<String> {
        let (e, _) = SampleExpr::parse(text, &LuaNames::default(), ExprCtx::Word).unwrap();
        let mut src = TestSource::http("/", &[]);
        e.eval_sync(&mut src)
            .map(|v| String::from_utf8_lossy(&v.to_str_form().unwrap()).into_owned())
    }

    #[test]
    fn catalogue_converters() {
        // Outputs of haproxy 2.6 for the same expressions.
        for (expr, want) in [
            ("str(hello),sdbm", Some("684824882")),
            ("str(hello),djb2(1)", Some("1119739105")),
            ("str(hello),wt6", Some("3538347703")),
            ("str(hello),crc32", Some("907060870")),
            ("str(hello),xxh64(-5)", Some("-3341626973624974851")),
            ("str(hello),xxh3", Some("-7685981735718036227")),
            (
                "str(hello),sha1,hex",
                Some("AAF4C61DDCC5E8A2DABEDE0F3B482CD9AEA9434D"),
            ),
            ("str(aGVsbG8=),b64dec", Some("hello")),
            ("str(aGVsbG8),b64dec", None),
            ("str(hel?>),ub64enc", Some("aGVsPz4")),
            ("str(aGVsbA),ub64dec", Some("hell")),
            ("str(1f),hex2i", Some("31")),
            ("str(1g),hex2i", None),
            ("str(a%20b+c),url_dec(1)", Some("a b c")),
            ("str(a%2),url_dec", None),
            ("str(a=b),url_enc", Some("a%3Db")),
            ("str(x),concat(<,txn.nope,>)", Some("x<>")),
            ("str(hello),bytes(1,2)", Some("el")),
            ("str(hello),bytes(9)", Some("")),
            ("str(hello),bytes(-1)", Some("")),
            ("str(hello),bytes(2,-1)", Some("llo")),
            ("str(xxhixx),ltrim(x)", Some("hixx")),
            ("str(xxhixx),rtrim(x)", Some("xxhi")),
            (
                "int(1500),http_date(0,ms)",
                Some("Thu, 01 Jan 1970 00:00:01.500 GMT"),
            ),
            ("int(86400),utime(%Y-%m-%d)", Some("1970-01-02")),
            ("str(abcabc),regsub(B,X,gi)", Some("aXcaXc")),
            ("int(258),bytes(6),hex", Some("0102")),
            ("int(5),sdbm", Some("5")),
        ] {
            assert_eq!(ev(expr).as_deref(), want, "{expr}");
        }
    }

    fn field(s: &str, idx: i64, d: &str, cnt: Option<i64>, words: bool) -> String {
        let mut a = vec![Arg::Sint(idx), Arg::Str(Bytes::from(d.to_string()))];
        if let Some(c) = cnt {
            a.push(Arg::Sint(c));
        }
        match split_conv(&a, Sample::str(s.to_string()), words) {
            Some(Sample::Str(b)) => String::from_utf8(b.to_vec()).unwrap(),
            _ => "<fail>".into(),
        }
    }

    #[test]
    fn fields_and_words() {
        assert_eq!(field("a:b:c", 2, ":", None, false), "b");
        assert_eq!(field("a:b:c", -1, ":", None, false), "c");
        assert_eq!(field("a:b:c", 2, ":", Some(0), false), "b:c");
        assert_eq!(field("a:b:c", -2, ":", Some(2), false), "a:b");
        assert_eq!(field("a::c", 2, ":", None, false), "");
        assert_eq!(field("a:b:c", 5, ":", None, false), "");
        assert_eq!(field("a:b", 0, ":", None, false), "<fail>");
        assert_eq!(field("/a//b/c", 2, "/", None, true), "b");
        assert_eq!(field("/a//b/c", 1, "/", Some(2), true), "a//b");
        // Running out of words takes the rest of the string (haproxy 2.6).
        let w = "::a::b::c::";
        assert_eq!(field(w, 1, ":", Some(0), true), "a::b::c::");
        assert_eq!(field(w, -2, ":", Some(0), true), "::a::b");
        assert_eq!(field(w, 1, ":", Some(2), true), "a::b");
        assert_eq!(field(w, 2, ":", Some(2), true), "b::c");
        assert_eq!(field(w, -1, ":", Some(2), true), "b::c");
        assert_eq!(field(w, -3, ":", Some(5), true), "::a");
        assert_eq!(field(w, 3, ":", Some(5), true), "c::");
        assert_eq!(field("/a//b/c/", -1, "/", None, true), "c");
        assert_eq!(field("a:b", i64::MAX, ":", Some(i64::MAX), false), "");
        assert_eq!(field("a:b", i64::MIN, ":", Some(i64::MAX), true), "");
        assert_eq!(field("a:b", -1, ":", Some(i64::MAX), false), "a:b");
    }

    #[test]
    fn json_modes() {
        let j = |s: &[u8], m: Option<&str>| {
            let a: Vec<Arg> = m
                .map(|m| Arg::Str(Bytes::from(m.to_string())))
                .into_iter()
                .collect();
            let mut vars = crate::sample::testsrc::TestSource::default();
            conv_json(&a, Sample::Str(Bytes::copy_from_slice(s)), &mut vars)
                .and_then(|s| s.to_str_form())
                .map(|b| String::from_utf8(b.to_vec()).unwrap())
        };
        assert_eq!(
            j("é<\t\"/".as_bytes(), None).unwrap(),
            "\\u00c3\\u00a9<\\t\\\"\\/"
        );
        assert_eq!(j("é€".as_bytes(), Some("utf8")).unwrap(), "\\u00e9\\u20ac");
        assert_eq!(j(b"a\xffb", Some("utf8")), None);
        assert_eq!(j(b"a\xffb", Some("utf8s")).unwrap(), "ab");
    }
}
