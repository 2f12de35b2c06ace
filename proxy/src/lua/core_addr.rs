//! `core.parse_addr(s)` and `core.match_addr(a, b)`: a network (`a.b.c.d[/len|/mask]`,
//! `v6[/len]`) as a plain userdata without metatable, or nil; and HAProxy's match of two of
//! them, `(a & mask_b) == (b & mask_a)` on the addresses as written (not truncated to their
//! networks), false for anything that is not two networks of one family.
//!
//! IPv4 parsing is `str2net`'s: `inet_pton`, then the numeric forms glibc's resolver takes
//! from a name made of digits and dots (`inet_aton`: `10.1`, `010.0.0.1`, `3232235777`).
//! HAProxy also resolves other names there, blocking; Halo does not (docs/COMPAT.md).
//! Allowed in every context.

use std::net::{Ipv4Addr, Ipv6Addr};

use halo_vm::args::check_string;
use halo_vm::{Action, Ctx, Error, NativeFunction, Stack, UserData, Value};

use super::cstr::c_str;

type NResult<'gc> = Result<Action<'gc>, Error<'gc>>;

/// HAProxy's `struct net_addr`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetAddr {
    V4 { ip: u32, mask: u32 },
    V6 { ip: u128, mask: u128 },
}

/// C's `strtol` on a whole string (leading blanks, a sign, decimal digits, nothing after).
fn strtol_all(s: &str) -> Option<i64> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let v = digits.parse::<i64>().unwrap_or(i64::MAX);
    Some(if neg { -v } else { v })
}

/// `str2mask`: a dotted mask (any bits) or a length up to 32.
fn mask4(m: &str) -> Option<u32> {
    if m.contains('.') {
        return m.parse::<Ipv4Addr>().ok().map(u32::from);
    }
    let len = strtol_all(m)? as u32;
    if len > 32 {
        return None;
    }
    Some(if len == 0 { 0 } else { u32::MAX << (32 - len) })
}

/// An IPv4 address as `inet_pton` or, for names of digits and dots, glibc's resolver reads it.
fn addr4(a: &str) -> Option<u32> {
    if let Ok(ip) = a.parse::<Ipv4Addr>() {
        return Some(u32::from(ip));
    }
    let b = a.as_bytes();
    let numeric = b.first().is_some_and(u8::is_ascii_digit)
        && b.iter().all(|&c| c.is_ascii_digit() || c == b'.')
        && b.last() != Some(&b'.');
    if !numeric {
        return None;
    }
    inet_aton(a)
}

/// glibc's `inet_aton` forms: one to four parts, each decimal, octal (`0` prefix) or hex
/// (`0x`), the last filling the remaining bytes (`10.1` is 10.0.0.1, `999` is 0.0.3.231).
/// (The sample casts read addresses with `buf2ip`, which is stricter.)
fn inet_aton(t: &str) -> Option<u32> {
    let parts: Vec<&str> = t.split('.').collect();
    if parts.is_empty() || parts.len() > 4 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let mut nums = Vec::with_capacity(parts.len());
    for p in &parts {
        let v = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
            u32::from_str_radix(h, 16).ok()?
        } else if p.len() > 1 && p.starts_with('0') {
            u32::from_str_radix(&p[1..], 8).ok()?
        } else {
            p.parse::<u32>().ok()?
        };
        nums.push(v);
    }
    let last = *nums.last()?;
    let head = &nums[..nums.len() - 1];
    if head.iter().any(|&v| v > 255) {
        return None;
    }
    let shift = 8 * (4 - head.len() as u32);
    if shift < 32 && last >> shift != 0 {
        return None;
    }
    let mut v: u32 = 0;
    for (i, &h) in head.iter().enumerate() {
        v |= h << (24 - 8 * i as u32);
    }
    Some(v | last)
}

/// `str2net` (IPv4) then `str62net` (IPv6).
pub fn parse(s: &str) -> Option<NetAddr> {
    let v4 = match s.rsplit_once('/') {
        Some((a, m)) => mask4(m).and_then(|mask| Some((addr4(a)?, mask))),
        None => addr4(s).map(|ip| (ip, u32::MAX)),
    };
    if let Some((ip, mask)) = v4 {
        return Some(NetAddr::V4 { ip, mask });
    }
    let (a, len) = match s.rsplit_once('/') {
        Some((a, m)) => {
            // strtoul: a '-' wraps to a huge value, which is then too long.
            let len = strtol_all(m)?;
            if !(0..=128).contains(&len) {
                return None;
            }
            (a, len as u32)
        }
        None => (s, 128),
    };
    let ip = u128::from(a.parse::<Ipv6Addr>().ok()?);
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    };
    Some(NetAddr::V6 { ip, mask })
}

/// `hlua_match_addr`.
pub fn matches(a: &NetAddr, b: &NetAddr) -> bool {
    match (a, b) {
        (NetAddr::V4 { ip: i1, mask: m1 }, NetAddr::V4 { ip: i2, mask: m2 }) => i1 & m2 == i2 & m1,
        (NetAddr::V6 { ip: i1, mask: m1 }, NetAddr::V6 { ip: i2, mask: m2 }) => i1 & m2 == i2 & m1,
        _ => false,
    }
}

pub fn parse_addr<'gc>(
    ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let s = check_string(ctx, &stack, 0)?;
    let text = String::from_utf8_lossy(c_str(s.as_bytes())).into_owned();
    let v = match parse(&text) {
        Some(a) => Value::UserData(UserData::new(ctx.mc, a, None)),
        None => Value::Nil,
    };
    stack.replace(&[v]);
    Ok(Action::Return)
}

pub fn match_addr<'gc>(
    _ctx: Ctx<'gc>,
    _f: NativeFunction<'gc>,
    mut stack: Stack<'gc, '_>,
) -> NResult<'gc> {
    let net = |v: Value<'gc>| match v {
        Value::UserData(u) => u.downcast::<NetAddr>(),
        _ => None,
    };
    let ok = match (net(stack.get(0)), net(stack.get(1))) {
        (Some(a), Some(b)) => matches(a, b),
        _ => false,
    };
    stack.replace(&[Value::Boolean(ok)]);
    Ok(Action::Return)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(a: &str, b: &str) -> bool {
        matches(&parse(a).unwrap(), &parse(b).unwrap())
    }

    // Checked against haproxy 2.6.
    #[test]
    fn forms_and_matches() {
        for ok in [
            "127.0.0.1/8",
            "::1/64",
            "10.0.0.0/255.0.0.0",
            "10.1",
            "::ffff:10.0.0.1",
            "10.0.0.1/255.0.255.0",
            "10.0.0.1/08",
            "5",
            "1.2.3.04",
            "4294967295",
        ] {
            assert!(parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "nope",
            "10.0.0.1/33",
            "::1/129",
            " 10.0.0.1",
            "10.0.0.1 ",
            "10.0.0.1/",
            "",
            "1.2.3.4.5",
            "[::1]",
            "::1/",
            "256.1.1.1",
            "0x7f.1",
            "*",
            "::1/-1",
            "::1/64x",
            "1.2.3.4.",
            "1..2",
            "08.0.0.1",
            "1.2.3.4/1.2",
        ] {
            assert!(parse(bad).is_none(), "{bad}");
        }
        assert!(m("127.0.0.1", "127.0.0.0/8") && m("127.0.0.0/8", "127.0.0.1"));
        assert!(!m("128.0.0.1", "127.0.0.0/8") && !m("::1", "127.0.0.1"));
        assert!(m("2001:db8::1", "2001:db8::/32") && !m("2001:db9::1", "2001:db8::/32"));
        assert!(m("10.0.0.0/8", "10.1.0.0/16") && !m("10.0.0.1/0", "1.1.1.1"));
        assert!(!m("10.0.0.1/8", "10.0.0.0") && !m("::1/64", "::2") && m("::2/127", "::3"));
        assert!(m("10.1", "10.0.0.1") && m("010.0.0.1", "8.0.0.1") && m("999", "0.0.3.231"));
        assert!(m("10.0.0.1/255.255.0.255", "10.0.1.1"));
    }
}
