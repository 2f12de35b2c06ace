//! The text converters that need more than a line: base64 decoding as HAProxy's base64.c
//! does it (its padding rules, not the crate's), URL decoding and encoding, `regsub`, and
//! `hex2i`. Checked against haproxy 2.6's outputs.

use regex::bytes::{Regex, RegexBuilder};

/// The value of a base64 character (`+/` or, for the URL alphabet, `-_`).
fn b64_value(c: u8, url: bool) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' if !url => 62,
        b'/' if !url => 63,
        b'-' if url => 62,
        b'_' if url => 63,
        _ => return None,
    })
}

fn push_quad(out: &mut Vec<u8>, t: [u8; 4], n: usize) {
    let bytes = [
        (t[0] << 2).wrapping_add(t[1] >> 4),
        (t[1] << 4).wrapping_add(t[2] >> 2),
        (t[2] << 6).wrapping_add(t[3]),
    ];
    out.extend_from_slice(&bytes[..n]);
}

/// `base64dec`: a length that is a multiple of 4; `=` only at the end of a quad (one or
/// two), each quad decoded on its own (HAProxy accepts `aa==aaaa`); extra bits ignored.
pub fn b64dec(input: &[u8]) -> Option<Vec<u8>> {
    if !input.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    for quad in input.chunks(4) {
        let mut t = [0u8; 4];
        let mut pad = 0;
        for (i, &c) in quad.iter().enumerate() {
            if c == b'=' {
                pad += 1;
                if pad > 2 {
                    return None;
                }
            } else if pad > 0 {
                return None;
            } else {
                t[i] = b64_value(c, false)?;
            }
        }
        push_quad(&mut out, t, 3 - pad);
    }
    Some(out)
}

/// `base64urldec`: the URL alphabet, padding optional (a length of 1 modulo 4 fails). An
/// `=` is not padding there: HAProxy's table gives it the value 63, and so does Halo.
pub fn ub64dec(input: &[u8]) -> Option<Vec<u8>> {
    let padlen = match input.len() % 4 {
        0 => 0,
        2 => 2,
        3 => 1,
        _ => return None,
    };
    let mut out = Vec::with_capacity(input.len() / 4 * 3 + 3);
    let mut t = [0u8; 4];
    let mut i = 0;
    for c in input
        .iter()
        .map(|&c| Some(c))
        .chain(std::iter::repeat_n(None, padlen))
    {
        t[i] = match c {
            Some(b'=') => 63,
            Some(c) => b64_value(c, true)?,
            None => 0,
        };
        i += 1;
        if i == 4 {
            push_quad(&mut out, t, 3);
            i = 0;
        }
    }
    out.truncate(out.len() - padlen);
    Some(out)
}

/// `url_decode`: `%XX` decoded (a bad escape fails), `+` a space when `in_form` or after
/// the first `?`. The input stops at a NUL byte (HAProxy works on a C string).
pub fn url_dec(input: &[u8], mut in_form: bool) -> Option<Vec<u8>> {
    let end = input.iter().position(|&c| c == 0).unwrap_or(input.len());
    let s = &input[..end];
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(if in_form { b' ' } else { b'+' }),
            b'%' => {
                let h = |j: usize| s.get(j).and_then(|&c| (c as char).to_digit(16));
                let (a, b) = (h(i + 1)?, h(i + 2)?);
                out.push((a * 16 + b) as u8);
                i += 2;
            }
            b'?' => {
                in_form = true;
                out.push(b'?');
            }
            c => out.push(c),
        }
        i += 1;
    }
    Some(out)
}

/// `url_enc(query)`: every byte but RFC 3986's unreserved characters as `%XX` (uppercase).
pub fn url_enc(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len());
    for &c in input {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~') {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// `hex2i`: hexadecimal digits to an integer (wrapping like HAProxy's shifts); any other
/// character fails; an empty string is 0.
pub fn hex2i(input: &[u8]) -> Option<i64> {
    let mut n: i64 = 0;
    for &c in input {
        let d = (c as char).to_digit(16)?;
        n = (n << 4).wrapping_add(i64::from(d));
    }
    Some(n)
}

/// What HAProxy's `utf8_next` found.
struct Utf8 {
    c: u32,
    len: usize,
    badseq: bool,
    overlong: bool,
    invrange: bool,
}

/// `utf8_next`: one sequence of up to 6 bytes (the old UTF-8 forms included), decoded
/// without rejecting overlong forms or prohibited ranges, which are flagged instead. A bad or
/// missing continuation byte ends the sequence there.
fn utf8_next(b: &[u8]) -> Utf8 {
    let first = b[0];
    let bad = |c, len| Utf8 {
        c,
        len,
        badseq: true,
        overlong: false,
        invrange: false,
    };
    let (mut c, dec) = match first {
        0x00..=0x7f => {
            return Utf8 {
                badseq: false,
                ..bad(u32::from(first), 1)
            };
        }
        0x80..=0xbf | 0xfe..=0xff => return bad(u32::from(first), 1),
        0xc0..=0xdf => (u32::from(first & 0x1f), 1),
        0xe0..=0xef => (u32::from(first & 0x0f), 2),
        0xf0..=0xf7 => (u32::from(first & 0x07), 3),
        0xf8..=0xfb => (u32::from(first & 0x03), 4),
        _ => (u32::from(first & 0x01), 5),
    };
    for i in 1..=dec {
        match b.get(i) {
            Some(&x) if x & 0xc0 == 0x80 => c = (c << 6) | u32::from(x & 0x3f),
            _ => return bad(c, i),
        }
    }
    let n = dec + 1;
    let overlong = (c <= 0x7f && n > 1)
        || ((0x80..=0x7ff).contains(&c) && n > 2)
        || ((0x800..=0xffff).contains(&c) && n > 3)
        || ((0x10000..=0x1f_ffff).contains(&c) && n > 4);
    let invrange =
        (0xd800..=0xdfff).contains(&c) || (0xfffe..=0xffff).contains(&c) || c > 0x10_ffff;
    Utf8 {
        c,
        len: n,
        badseq: false,
        overlong,
        invrange,
    }
}

/// `json([mode])`: the input escaped for a JSON string. `ascii` (the default) escapes each
/// byte >= 0x80 as `\u00XX`; the UTF-8 modes decode code points: `utf8` fails on any error,
/// `utf8s` drops the faulty sequences, `utf8p` accepts overlong forms but fails on other
/// errors, `utf8ps` accepts overlong forms and drops the rest. A code point above U+FFFF
/// fails in every mode (JSON's `\u` has four digits), as in HAProxy.
pub fn json(b: &[u8], mode: &[u8]) -> Option<String> {
    let utf8 = mode.starts_with(b"utf8");
    let skip = mode == b"utf8s" || mode == b"utf8ps";
    let permissive = mode == b"utf8p" || mode == b"utf8ps";
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let (cp, len) = if utf8 && b[i] >= 0x80 {
            let u = utf8_next(&b[i..]);
            if u.badseq || u.invrange || (u.overlong && !permissive) {
                if !skip {
                    return None;
                }
                i += u.len;
                continue;
            }
            (u.c, u.len)
        } else {
            (u32::from(b[i]), 1)
        };
        match cp {
            0x22 => out.push_str("\\\""),
            0x5c => out.push_str("\\\\"),
            0x2f => out.push_str("\\/"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            0x0d => out.push_str("\\r"),
            0x0a => out.push_str("\\n"),
            0x09 => out.push_str("\\t"),
            c if c > 0xffff => return None,
            // Control characters and everything beyond ASCII (bytes in `ascii` mode, code
            // points in the UTF-8 modes).
            c if !(0x20..0x7f).contains(&c) => out.push_str(&format!("\\u{c:04x}")),
            c => out.push(c as u8 as char),
        }
        i += len;
    }
    Some(out)
}

/// `regsub`'s flags (`i`, `g`) with HAProxy's message for anything else.
pub fn regsub_flags(flags: &[u8]) -> Result<(bool, bool), String> {
    let (mut icase, mut global) = (false, false);
    for &f in flags {
        match f {
            b'i' => icase = true,
            b'g' => global = true,
            other => {
                return Err(format!(
                    "invalid regex flag '{}', only 'i' and 'g' are supported",
                    other as char
                ));
            }
        }
    }
    Ok((icase, global))
}

/// Compiles a `regsub` pattern. PCRE without UTF mode matches bytes: the `regex` crate's
/// non-Unicode mode is the nearest; patterns that need Unicode mode get it.
pub fn compile(pattern: &str, icase: bool) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .case_insensitive(icase)
        .unicode(false)
        .build()
        .or_else(|_| RegexBuilder::new(pattern).case_insensitive(icase).build())
        .map_err(|e| {
            let msg = e.to_string();
            let last = msg.lines().last().unwrap_or("").trim().to_string();
            format!("regex '{pattern}' is invalid (error={last})")
        })
}

/// `exp_replace`: the replacement with `\0`-`\9` (groups), `\xHH` and `\c` (the character);
/// `None` for a trailing backslash or a truncated `\x` (HAProxy fails the rule there).
fn expand(
    subst: &[u8],
    hay: &[u8],
    caps: &regex::bytes::Captures<'_>,
    out: &mut Vec<u8>,
) -> Option<()> {
    let mut i = 0;
    while i < subst.len() {
        let c = subst[i];
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let e = *subst.get(i)?;
        i += 1;
        if e.is_ascii_digit() {
            if let Some(m) = caps.get(usize::from(e - b'0')) {
                out.extend_from_slice(&hay[m.start()..m.end()]);
            }
        } else if e == b'x' {
            let h = |c: u8| {
                // HAProxy's arithmetic: no check that the digits are hexadecimal.
                let v = c.to_ascii_uppercase().wrapping_sub(b'0');
                if v > 9 {
                    v.wrapping_sub(b'A' - b'9' - 1)
                } else {
                    v
                }
            };
            let (a, b) = (*subst.get(i)?, *subst.get(i + 1)?);
            i += 2;
            out.push((h(a) << 4).wrapping_add(h(b)));
        } else {
            out.push(e);
        }
    }
    Some(())
}

/// `regsub(regex,subst[,flags])`: HAProxy's loop: each round matches from the current
/// position (where `^` no longer matches after the first round), copies what precedes the
/// match and the expanded replacement; an empty match at the position copies one character.
/// Without `g`, one round. A round runs at the very end too, so `x*` and `$` replace there.
pub fn regsub(re: &Regex, hay: &[u8], subst: &[u8], global: bool) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(hay.len());
    let mut start = 0;
    while let Some(caps) = re.captures_at(hay, start) {
        let m = caps.get(0).expect("group 0 always exists");
        out.extend_from_slice(&hay[start..m.start()]);
        expand(subst, hay, &caps, &mut out)?;
        if start >= hay.len() {
            return Some(out);
        }
        let mut next = m.end();
        if m.end() == start {
            out.push(hay[start]);
            next += 1;
        }
        start = next;
        if !global {
            break;
        }
    }
    out.extend_from_slice(&hay[start.min(hay.len())..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rs(pat: &str, hay: &str, subst: &str, g: bool) -> String {
        let re = compile(pat, false).unwrap();
        String::from_utf8(regsub(&re, hay.as_bytes(), subst.as_bytes(), g).unwrap()).unwrap()
    }

    #[test]
    fn regsub_like_haproxy() {
        // Outputs of haproxy 2.6.
        assert_eq!(rs("b", "abc", "X", false), "aXc");
        assert_eq!(rs("b", "abcabc", "X", true), "aXcaXc");
        assert_eq!(rs("b", "abcabc", "X", false), "aXcabc");
        assert_eq!(rs("x*", "abc", "-", true), "-a-b-c-");
        assert_eq!(rs("(a)(b)", "abc", "\\2\\1", false), "bac");
        assert_eq!(rs("$", "abc", "-", true), "abc--");
        assert_eq!(rs("^.", "abc", "-", true), "-bc");
        assert_eq!(rs("\\.", "a.b.c", "\\x41", true), "aAbAc");
        assert_eq!(rs("b|", "abc", "-", true), "-a--c-");
        assert_eq!(rs("z", "abc", "-", true), "abc");
        let re = compile("x", true).unwrap();
        assert_eq!(regsub(&re, b"aXbXc", b"-", true).unwrap(), b"a-b-c");
        assert_eq!(regsub(&re, b"aXb", b"\\", true), None);
        assert!(
            compile("(", false)
                .unwrap_err()
                .starts_with("regex '(' is invalid")
        );
        assert_eq!(
            regsub_flags(b"x").unwrap_err(),
            "invalid regex flag 'x', only 'i' and 'g' are supported"
        );
    }

    #[test]
    fn base64_like_haproxy() {
        assert_eq!(b64dec(b"aGVsbG8=").unwrap(), b"hello");
        assert_eq!(b64dec(b"aGVsbG9=").unwrap(), b"hello");
        assert_eq!(b64dec(b"aGVsbG8"), None);
        assert_eq!(b64dec(b"a!bc"), None);
        assert_eq!(b64dec(b"aa==aaaa").unwrap(), b"ii\xa6\x9a");
        assert_eq!(b64dec(b"a==="), None);
        assert_eq!(ub64dec(b"aGVsbA").unwrap(), b"hell");
        assert_eq!(ub64dec(b"YQ").unwrap(), b"a");
        assert_eq!(ub64dec(b"YWI").unwrap(), b"ab");
        assert_eq!(ub64dec(b"a"), None);
        assert_eq!(ub64dec(b"-_-_").unwrap(), b"\xfb\xff\xbf");
        assert_eq!(ub64dec(b"aGVsbA==").unwrap(), b"hell\x0f\xff");
    }

    #[test]
    fn json_like_haproxy() {
        let j = |s: &[u8], m: &str| json(s, m.as_bytes());
        let all = b"\x01\x7f\xc3\xa9\xff\"\\";
        assert_eq!(
            j(all, "").unwrap(),
            "\\u0001\\u007f\\u00c3\\u00a9\\u00ff\\\"\\\\"
        );
        assert_eq!(j(all, "utf8"), None);
        assert_eq!(j(all, "utf8p"), None);
        assert_eq!(j(all, "utf8s").unwrap(), "\\u0001\\u007f\\u00e9\\\"\\\\");
        assert_eq!(j("😀".as_bytes(), "utf8s"), None);
        assert_eq!(j(b"\xc3a\xc3", "utf8s").unwrap(), "a");
        assert_eq!(j(b"\xc0\x81x", "utf8p").unwrap(), "\\u0001x");
        assert_eq!(j(b"\xc0\x81x", "utf8s").unwrap(), "x");
        assert_eq!(j(b"\xe0\x81\x81x", "utf8ps").unwrap(), "Ax");
        assert_eq!(j(b"\xef\xbf\xbfx", "utf8ps").unwrap(), "x");
        assert_eq!(j(b"\xed\xa0\x80x", "utf8p"), None);
        assert_eq!(j(b"\xf8\x88\x80\x80\x80x", "utf8ps").unwrap(), "x");
        assert_eq!(j(b"\xe2\x82", "utf8s").unwrap(), "");
        assert_eq!(j(b"\x08\x0c\n\r\t/", "").unwrap(), "\\b\\f\\n\\r\\t\\/");
    }

    #[test]
    fn url_coding() {
        let d = |s: &str, f| url_dec(s.as_bytes(), f).map(|v| String::from_utf8(v).unwrap());
        assert_eq!(d("a%20b+c?d+e", false).unwrap(), "a b+c?d e");
        assert_eq!(d("a%20b+c", true).unwrap(), "a b c");
        assert_eq!(d("a%2", false), None);
        assert_eq!(d("a%zzb", false), None);
        assert_eq!(
            url_enc("a b/c?d=e&f~_.-*".as_bytes()),
            "a%20b%2Fc%3Fd%3De%26f~_.-%2A"
        );
        assert_eq!(url_enc("é".as_bytes()), "%C3%A9");
        assert_eq!(hex2i(b"1f"), Some(31));
        assert_eq!(hex2i(b""), Some(0));
        assert_eq!(hex2i(b"1g"), None);
        assert_eq!(hex2i(b"ffffffffffffffffff"), Some(-1));
    }
}
