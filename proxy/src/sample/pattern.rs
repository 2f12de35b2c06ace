//! ACL patterns: the match methods (`-m str|beg|end|sub|reg|dir|dom|len|int|ip|bin|found|
//! bool`, plus the method matcher of `method`), parsing one pattern per method with HAProxy's
//! messages (pattern.c `pat_parse_*`), and matching a sample against a pattern list.

use std::net::IpAddr;
use std::sync::Arc;

use bytes::Bytes;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use regex::bytes::{Regex, RegexBuilder};

use super::arg::parse_mask4;
use super::patfile::{ExprKind, PatExpr, PatStore};
use super::value::{Method, Sample, SampleType, read_int64};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MatchMethod {
    Found,
    Bool,
    Int,
    Ip,
    Bin,
    Len,
    Str,
    Beg,
    End,
    Sub,
    Reg,
    Dir,
    Dom,
    /// HTTP methods (the `method` criterion's own matcher).
    Meth,
}

impl MatchMethod {
    /// The names `-m` accepts.
    pub fn from_name(name: &str) -> Option<MatchMethod> {
        Some(match name {
            "found" => MatchMethod::Found,
            "bool" => MatchMethod::Bool,
            "int" => MatchMethod::Int,
            "ip" => MatchMethod::Ip,
            "bin" => MatchMethod::Bin,
            "len" => MatchMethod::Len,
            "str" => MatchMethod::Str,
            "beg" => MatchMethod::Beg,
            "end" => MatchMethod::End,
            "sub" => MatchMethod::Sub,
            "reg" => MatchMethod::Reg,
            "dir" => MatchMethod::Dir,
            "dom" => MatchMethod::Dom,
            _ => return None,
        })
    }

    /// The sample type the matcher works on; the sample is cast to it before matching.
    pub fn expect_type(self) -> SampleType {
        match self {
            MatchMethod::Found => SampleType::Any,
            MatchMethod::Bool | MatchMethod::Int => SampleType::Sint,
            MatchMethod::Ip => SampleType::Addr,
            MatchMethod::Bin => SampleType::Bin,
            MatchMethod::Meth => SampleType::Meth,
            _ => SampleType::Str,
        }
    }

    /// Whether patterns are integers (with HAProxy's `eq ge gt le lt` operators).
    pub fn int_patterns(self) -> bool {
        matches!(self, MatchMethod::Int | MatchMethod::Len)
    }
}

/// One pattern, parsed for its match method.
#[derive(Clone, Debug)]
pub enum Pattern {
    /// An inclusive integer range; `None` bounds are open.
    Range(Option<i64>, Option<i64>),
    Net(IpNet),
    Str(Bytes),
    Reg(Regex),
    Bin(Bytes),
    Meth(Method),
}

/// A parsed pattern list with its method. `ignore_case` (`-i`) applies to the patterns
/// added after it is set: HAProxy reads flags in order, so `-f file -i` loads the file
/// case-sensitively.
#[derive(Clone, Debug)]
pub struct PatternSet {
    pub method: MatchMethod,
    pub ignore_case: bool,
    pub patterns: Vec<Entry>,
    /// `-f` files: shared with every user of the same file (`patfile`), live-updated by
    /// `core.add_acl`/`del_acl`.
    pub files: Vec<Arc<PatExpr>>,
}

/// One pattern and whether it was added under `-i`.
#[derive(Clone, Debug)]
pub struct Entry {
    pub pat: Pattern,
    pub icase: bool,
}

/// `eq ge gt le lt` before integer patterns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntOp {
    Eq,
    Ge,
    Gt,
    Le,
    Lt,
}

impl IntOp {
    pub fn from_word(w: &str) -> Option<IntOp> {
        Some(match w {
            "eq" => IntOp::Eq,
            "ge" => IntOp::Ge,
            "gt" => IntOp::Gt,
            "le" => IntOp::Le,
            "lt" => IntOp::Lt,
            _ => return None,
        })
    }
}

impl PatternSet {
    pub fn new(method: MatchMethod, ignore_case: bool) -> PatternSet {
        PatternSet {
            method,
            ignore_case,
            patterns: Vec::new(),
            files: Vec::new(),
        }
    }

    /// Parses the pattern words of an ACL (operators included for integer methods).
    pub fn add_words(&mut self, words: &[String]) -> Result<(), String> {
        let mut op = IntOp::Eq;
        for w in words {
            if self.method.int_patterns() {
                if let Some(o) = IntOp::from_word(w) {
                    op = o;
                    continue;
                }
                if w.contains(':') || w.contains('-') {
                    self.push(parse_int_range(w)?);
                    continue;
                }
                let (v, n) = read_int64(w.as_bytes());
                if n != w.len() || w.is_empty() {
                    // After `ge gt le lt` HAProxy checks the word itself; otherwise the
                    // integer pattern parser complains.
                    return Err(if op == IntOp::Eq {
                        format!("'{w}' is not a number")
                    } else {
                        format!("'{w}' is neither a number nor a supported operator")
                    });
                }
                self.push(match op {
                    IntOp::Eq => Pattern::Range(Some(v), Some(v)),
                    IntOp::Ge => Pattern::Range(Some(v), None),
                    IntOp::Gt => Pattern::Range(Some(v.saturating_add(1)), None),
                    IntOp::Le => Pattern::Range(None, Some(v)),
                    IntOp::Lt => Pattern::Range(None, Some(v.saturating_sub(1))),
                });
                continue;
            }
            let p = self.parse_one(w)?;
            self.push(p);
        }
        Ok(())
    }

    /// `-f <file>`: one pattern per line (`pat_ref_read_from_file`), loaded once per file name
    /// for the whole process (see `patfile`).
    pub fn add_file(&mut self, file: &str) -> Result<(), String> {
        let kind = ExprKind {
            method: self.method,
            ignore_case: self.ignore_case,
            out: None,
        };
        self.files.push(PatStore::global().expr(file, kind)?);
        Ok(())
    }

    pub(crate) fn parse_one(&self, w: &str) -> Result<Pattern, String> {
        Ok(match self.method {
            MatchMethod::Found | MatchMethod::Bool => Pattern::Str(Bytes::from(w.to_string())),
            MatchMethod::Int | MatchMethod::Len => parse_int_range(w)?,
            MatchMethod::Ip => Pattern::Net(
                parse_net(w).ok_or_else(|| format!("'{w}' is not a valid IPv4 or IPv6 address"))?,
            ),
            MatchMethod::Bin => Pattern::Bin(parse_hex(w)?),
            MatchMethod::Reg => Pattern::Reg(
                RegexBuilder::new(w)
                    .case_insensitive(self.ignore_case)
                    .build()
                    .map_err(|e| {
                        let msg = e.to_string();
                        let last = msg.lines().last().unwrap_or("").trim().to_string();
                        format!("regex '{w}' is invalid (error={last})")
                    })?,
            ),
            MatchMethod::Meth => Pattern::Meth(Method::from_bytes(w.as_bytes())),
            _ => Pattern::Str(Bytes::from(w.to_string())),
        })
    }

    /// Whether the sample matches one of the patterns (always false for an empty list,
    /// except `found` and `bool`, which need no pattern).
    pub fn matches(&self, smp: &Sample) -> bool {
        let m = self.method;
        if m == MatchMethod::Found {
            return true;
        }
        let Some(v) = smp.clone().cast(m.expect_type()) else {
            return false;
        };
        if m == MatchMethod::Bool {
            return v.as_sint().is_some_and(|i| i != 0);
        }
        self.patterns
            .iter()
            .any(|e| self.match_with(&v, &e.pat, e.icase))
            || self.files.iter().any(|f| f.matches_cast(&v))
    }

    fn push(&mut self, pat: Pattern) {
        self.patterns.push(Entry {
            pat,
            icase: self.ignore_case,
        });
    }

    /// `p` against `v` with the set's current `-i` (the shared files' matcher).
    pub(crate) fn match_one(&self, v: &Sample, p: &Pattern) -> bool {
        self.match_with(v, p, self.ignore_case)
    }

    fn match_with(&self, v: &Sample, p: &Pattern, ic: bool) -> bool {
        let eq = |a: &[u8], b: &[u8]| {
            if ic {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        match (self.method, v, p) {
            (MatchMethod::Int, Sample::Sint(i), Pattern::Range(lo, hi)) => in_range(*i, *lo, *hi),
            (MatchMethod::Len, Sample::Str(s), Pattern::Range(lo, hi)) => {
                in_range(s.len() as i64, *lo, *hi)
            }
            (MatchMethod::Ip, Sample::Ipv4(a), Pattern::Net(n)) => match n {
                IpNet::V4(n) => n.contains(a),
                IpNet::V6(n) => n.contains(&a.to_ipv6_mapped()),
            },
            (MatchMethod::Ip, Sample::Ipv6(a), Pattern::Net(n)) => match n {
                IpNet::V6(n) => n.contains(a),
                IpNet::V4(n) => a.to_ipv4_mapped().is_some_and(|a4| n.contains(&a4)),
            },
            (MatchMethod::Bin, Sample::Bin(s), Pattern::Bin(b)) => s == b,
            (MatchMethod::Meth, Sample::Meth(a), Pattern::Meth(b)) => match (a, b) {
                (Method::Other(x), Method::Other(y)) => eq(x, y),
                (a, b) => a == b,
            },
            (_, Sample::Str(s), Pattern::Reg(r)) => r.is_match(s),
            (method, Sample::Str(s), Pattern::Str(b)) => match method {
                MatchMethod::Str => eq(s, b),
                MatchMethod::Beg => s.len() >= b.len() && eq(&s[..b.len()], b),
                MatchMethod::End => s.len() >= b.len() && eq(&s[s.len() - b.len()..], b),
                MatchMethod::Sub => b.is_empty() || s.windows(b.len()).any(|w| eq(w, b)),
                MatchMethod::Dir => match_word(s, b, ic, b"/?"),
                MatchMethod::Dom => match_word(s, b, ic, b"/?.:"),
                _ => false,
            },
            _ => false,
        }
    }
}

fn in_range(i: i64, lo: Option<i64>, hi: Option<i64>) -> bool {
    lo.is_none_or(|lo| i >= lo) && hi.is_none_or(|hi| i <= hi)
}

/// `pat_parse_int`: `N`, `N:M`, `:M`, `N:` (`-` works as the separator too).
fn parse_int_range(w: &str) -> Result<Pattern, String> {
    let bad = || format!("'{w}' is not a valid number range");
    let num = |s: &str| {
        let (v, n) = read_int64(s.as_bytes());
        (n == s.len() && !s.is_empty()).then_some(v)
    };
    if w.is_empty() {
        return Err(bad());
    }
    let Some(sep) = w.find([':', '-']) else {
        let v = num(w).ok_or_else(|| format!("'{w}' is not a number"))?;
        return Ok(Pattern::Range(Some(v), Some(v)));
    };
    let (a, b) = (&w[..sep], &w[sep + 1..]);
    if a.is_empty() && !b.is_empty() {
        return Ok(Pattern::Range(None, Some(num(b).ok_or_else(bad)?)));
    }
    if b.is_empty() {
        return Ok(Pattern::Range(Some(num(a).ok_or_else(bad)?), None));
    }
    let (lo, hi) = (num(a).ok_or_else(bad)?, num(b).ok_or_else(bad)?);
    if lo > hi {
        return Err(bad());
    }
    Ok(Pattern::Range(Some(lo), Some(hi)))
}

/// `pat_parse_ip`: an address with an optional `/len` or `/dotted-mask`.
pub fn parse_net(w: &str) -> Option<IpNet> {
    let (addr, mask) = match w.split_once('/') {
        Some((a, m)) => (a, Some(m)),
        None => (w, None),
    };
    match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) => {
            let m = match mask {
                None => 32,
                Some(m) => u32::from(parse_mask4(m)?).leading_ones() as u8,
            };
            Ipv4Net::new(a, m).ok().map(|n| IpNet::V4(n.trunc()))
        }
        IpAddr::V6(a) => {
            let m = match mask {
                None => 128,
                Some(m) => m.parse::<u8>().ok()?,
            };
            Ipv6Net::new(a, m).ok().map(|n| IpNet::V6(n.trunc()))
        }
    }
}

fn parse_hex(w: &str) -> Result<Bytes, String> {
    let b = w.as_bytes();
    if !b.len().is_multiple_of(2) {
        return Err("an even number of hex digit is expected".into());
    }
    let mut out = Vec::with_capacity(b.len() / 2);
    for pair in b.chunks(2) {
        let mut v = 0u8;
        for &c in pair {
            let d = (c as char)
                .to_digit(16)
                .ok_or_else(|| format!("an hex digit is expected (found '{}')", c as char))?;
            v = v * 16 + d as u8;
        }
        out.push(v);
    }
    Ok(Bytes::from(out))
}

/// `match_word`: the pattern (stripped of delimiters at both ends) appears in the sample
/// between delimiters or the sample's ends.
fn match_word(s: &[u8], pat: &[u8], ic: bool, delims: &[u8]) -> bool {
    let mut p = pat;
    while let Some((c, rest)) = p.split_first() {
        if !delims.contains(c) {
            break;
        }
        p = rest;
    }
    while let Some((c, rest)) = p.split_last() {
        if !delims.contains(c) {
            break;
        }
        p = rest;
    }
    let pl = p.len();
    if pl > s.len() {
        return false;
    }
    let eq = |a: &[u8], b: &[u8]| {
        if ic {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    let mut may_match = true;
    for i in 0..=s.len() - pl {
        if delims.contains(&s[i]) {
            may_match = true;
            continue;
        }
        if !may_match {
            continue;
        }
        if eq(&s[i..i + pl], p) && (i + pl == s.len() || delims.contains(&s[i + pl])) {
            return true;
        }
        may_match = false;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(m: MatchMethod, ic: bool, words: &[&str]) -> PatternSet {
        let mut p = PatternSet::new(m, ic);
        p.add_words(&words.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
        p
    }

    fn err(m: MatchMethod, w: &str) -> String {
        PatternSet::new(m, false)
            .add_words(&[w.to_string()])
            .unwrap_err()
    }

    fn s(x: &str) -> Sample {
        Sample::str(x.to_string())
    }

    #[test]
    fn string_methods() {
        assert!(set(MatchMethod::Str, false, &["/a"]).matches(&s("/a")));
        assert!(!set(MatchMethod::Str, false, &["/a"]).matches(&s("/A")));
        assert!(set(MatchMethod::Str, true, &["/a"]).matches(&s("/A")));
        assert!(set(MatchMethod::Beg, false, &["/x", "/ap"]).matches(&s("/api/v1")));
        assert!(set(MatchMethod::End, false, &[".jpg"]).matches(&s("/a.jpg")));
        assert!(set(MatchMethod::Sub, true, &["PI"]).matches(&s("/api")));
        assert!(set(MatchMethod::Len, false, &["4"]).matches(&s("/api")));
        assert!(set(MatchMethod::Len, false, &["gt", "3"]).matches(&s("/api")));
        assert!(!set(MatchMethod::Len, false, &["gt", "4"]).matches(&s("/api")));
        assert!(set(MatchMethod::Reg, false, &["^/a.i$"]).matches(&s("/api")));
        assert!(set(MatchMethod::Reg, true, &["^/A"]).matches(&s("/api")));
        assert!(set(MatchMethod::Dir, false, &["api"]).matches(&s("/v1/api/x?y")));
        assert!(!set(MatchMethod::Dir, false, &["api"]).matches(&s("/v1/apix")));
        assert!(set(MatchMethod::Dom, false, &["example.com"]).matches(&s("www.example.com:80")));
        assert!(!set(MatchMethod::Dom, false, &["ample.com"]).matches(&s("www.example.com")));
        assert!(set(MatchMethod::Found, false, &[]).matches(&s("")));
        assert!(set(MatchMethod::Bool, false, &[]).matches(&Sample::Sint(2)));
        assert!(!set(MatchMethod::Bool, false, &[]).matches(&Sample::Bool(false)));
        assert!(!set(MatchMethod::Str, false, &[]).matches(&s("")));
        assert!(set(MatchMethod::Bin, false, &["4142"]).matches(&s("AB")));
    }

    #[test]
    fn ints_and_ips() {
        let st = set(MatchMethod::Int, false, &["200:299", "404"]);
        assert!(st.matches(&Sample::Sint(204)) && st.matches(&Sample::Sint(404)));
        assert!(!st.matches(&Sample::Sint(403)));
        let st = set(MatchMethod::Int, false, &["lt", "3", "ge", "10"]);
        assert!(st.matches(&Sample::Sint(2)) && st.matches(&Sample::Sint(10)));
        assert!(!st.matches(&Sample::Sint(3)));
        assert!(set(MatchMethod::Int, false, &[":5"]).matches(&Sample::Sint(-8)));
        assert!(set(MatchMethod::Int, false, &["5:"]).matches(&Sample::Sint(8)));
        assert!(set(MatchMethod::Int, false, &["12"]).matches(&s("12")));
        let ip = set(
            MatchMethod::Ip,
            false,
            &["127.0.0.1/8", "::1", "10.0.0.0/255.255.0.0"],
        );
        assert!(ip.matches(&Sample::Ipv4("127.3.0.1".parse().unwrap())));
        assert!(ip.matches(&Sample::Ipv6("::1".parse().unwrap())));
        assert!(ip.matches(&Sample::Ipv6("::ffff:10.0.3.4".parse().unwrap())));
        assert!(!ip.matches(&Sample::Ipv4("10.1.0.1".parse().unwrap())));
        assert!(ip.matches(&s("10.0.9.9")));
        let m = set(MatchMethod::Meth, false, &["GET", "PURGE"]);
        assert!(m.matches(&Sample::Meth(Method::Get)));
        assert!(m.matches(&Sample::Meth(Method::from_bytes(b"PURGE"))));
        assert!(!m.matches(&Sample::Meth(Method::Head)));
    }

    #[test]
    fn pattern_files() {
        let dir = std::env::temp_dir().join(format!("halo-pat-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let paths = dir.join("paths.txt");
        std::fs::write(&paths, "/a\n  /b  \n#/c\n\n /d\r\n").unwrap();
        let ints = dir.join("ints.txt");
        std::fs::write(&ints, "x\n").unwrap();
        let mut p = PatternSet::new(MatchMethod::Str, false);
        p.add_file(paths.to_str().unwrap()).unwrap();
        // Checked with haproxy: /a and /d match; "/b  " keeps its trailing blanks; # skips.
        assert!(p.matches(&s("/a")) && p.matches(&s("/d")));
        assert!(!p.matches(&s("/b")) && p.matches(&s("/b  ")) && !p.matches(&s("/c")));
        let mut i = PatternSet::new(MatchMethod::Int, false);
        assert_eq!(
            i.add_file(ints.to_str().unwrap()).unwrap_err(),
            format!("'x' is not a number at line 1 of file '{}'", ints.display())
        );
        assert_eq!(
            i.add_file("").unwrap_err(),
            "failed to open pattern file <>"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn messages() {
        assert_eq!(err(MatchMethod::Int, "foo"), "'foo' is not a number");
        let mut p = PatternSet::new(MatchMethod::Int, false);
        assert_eq!(
            p.add_words(&["gt".into(), "foo".into()]).unwrap_err(),
            "'foo' is neither a number nor a supported operator"
        );
        let mut p = PatternSet::new(MatchMethod::Int, false);
        assert_eq!(
            p.add_words(&["gt".into(), "5".into(), "eq".into(), "foo".into()])
                .unwrap_err(),
            "'foo' is not a number"
        );
        assert_eq!(
            err(MatchMethod::Int, "1:2:3"),
            "'1:2:3' is not a valid number range"
        );
        assert_eq!(
            err(MatchMethod::Ip, "1.2.3.4/40"),
            "'1.2.3.4/40' is not a valid IPv4 or IPv6 address"
        );
        assert_eq!(
            err(MatchMethod::Bin, "zz"),
            "an hex digit is expected (found 'z')"
        );
        assert!(err(MatchMethod::Reg, "(").starts_with("regex '(' is invalid (error="));
    }
}
