//! Sample values: HAProxy's sample types and the casts between them (`sample_casts` in
//! sample.c), plus the string form used by `txn.sf`, log formats and header values.
//!
//! Invariant: a cast never fails silently into a wrong type: it gives `Some` of the requested
//! type or `None` exactly where HAProxy's cast table has no function or its function fails.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use bytes::Bytes;

/// HAProxy's sample types (`SMP_T_*`), in the cast table's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SampleType {
    /// Declared by fetches whose output depends on the data (`var`) and converters taking
    /// anything (`set-var`); never the type of an actual value.
    Any,
    Bool,
    Sint,
    /// "an IPv4 or IPv6 address": only a declared input type.
    Addr,
    Ipv4,
    Ipv6,
    Str,
    Bin,
    Meth,
}

impl SampleType {
    /// The name HAProxy prints for the type (`smp_to_type`).
    pub fn name(self) -> &'static str {
        match self {
            SampleType::Any => "any",
            SampleType::Bool => "bool",
            SampleType::Sint => "sint",
            SampleType::Addr => "addr",
            SampleType::Ipv4 => "ipv4",
            SampleType::Ipv6 => "ipv6",
            SampleType::Str => "str",
            SampleType::Bin => "bin",
            SampleType::Meth => "meth",
        }
    }

    /// Whether HAProxy's cast table has a function from `self` to `to` (checked when an
    /// expression is parsed: "converter 'x' cannot be applied").
    pub fn can_cast(self, to: SampleType) -> bool {
        use SampleType::*;
        match (self, to) {
            (Any, _) | (_, Any) => true,
            (Bool, Bool | Sint | Str | Bin) => true,
            (Sint, Bool | Sint | Addr | Ipv4 | Ipv6 | Str | Bin) => true,
            (Addr, _) => false,
            (Ipv4, Sint | Addr | Ipv4 | Ipv6 | Str | Bin) => true,
            (Ipv6, Addr | Ipv4 | Ipv6 | Str | Bin) => true,
            (Str, _) => true,
            (Bin, Str | Bin | Meth) => true,
            (Meth, Str | Bin | Meth) => true,
            _ => false,
        }
    }
}

/// An HTTP method as HAProxy classifies it (`enum http_meth_t`); unknown ones keep their text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    Options,
    Get,
    Head,
    Post,
    Put,
    Delete,
    Trace,
    Connect,
    Other(Bytes),
}

impl Method {
    /// `find_http_meth`: the well-known methods are matched case-sensitively.
    pub fn from_bytes(b: &[u8]) -> Method {
        match b {
            b"OPTIONS" => Method::Options,
            b"GET" => Method::Get,
            b"HEAD" => Method::Head,
            b"POST" => Method::Post,
            b"PUT" => Method::Put,
            b"DELETE" => Method::Delete,
            b"TRACE" => Method::Trace,
            b"CONNECT" => Method::Connect,
            other => Method::Other(Bytes::copy_from_slice(other)),
        }
    }

    pub fn as_bytes(&self) -> &[u8] {
        match self {
            Method::Options => b"OPTIONS",
            Method::Get => b"GET",
            Method::Head => b"HEAD",
            Method::Post => b"POST",
            Method::Put => b"PUT",
            Method::Delete => b"DELETE",
            Method::Trace => b"TRACE",
            Method::Connect => b"CONNECT",
            Method::Other(b) => b,
        }
    }
}

/// One sample: a typed value produced by a fetch or a converter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sample {
    Bool(bool),
    Sint(i64),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    Str(Bytes),
    Bin(Bytes),
    Meth(Method),
}

impl Sample {
    pub fn str(s: impl Into<Bytes>) -> Sample {
        Sample::Str(s.into())
    }

    pub fn addr(a: IpAddr) -> Sample {
        match a {
            IpAddr::V4(a) => Sample::Ipv4(a),
            IpAddr::V6(a) => Sample::Ipv6(a),
        }
    }

    pub fn smp_type(&self) -> SampleType {
        match self {
            Sample::Bool(_) => SampleType::Bool,
            Sample::Sint(_) => SampleType::Sint,
            Sample::Ipv4(_) => SampleType::Ipv4,
            Sample::Ipv6(_) => SampleType::Ipv6,
            Sample::Str(_) => SampleType::Str,
            Sample::Bin(_) => SampleType::Bin,
            Sample::Meth(_) => SampleType::Meth,
        }
    }

    /// `sample_convert`: the value as type `to`, or `None` where HAProxy's cast fails.
    pub fn cast(self, to: SampleType) -> Option<Sample> {
        use SampleType as T;
        if to == T::Any || self.smp_type() == to {
            return Some(self);
        }
        match (self, to) {
            (Sample::Bool(b), T::Sint) => Some(Sample::Sint(b as i64)),
            (Sample::Bool(b), T::Str) => Some(Sample::Str(Bytes::from(if b { "1" } else { "0" }))),
            (Sample::Bool(b), T::Bin) => Some(int2bin(b as i64)),
            (Sample::Sint(i), T::Bool) => Some(Sample::Bool(i != 0)),
            (Sample::Sint(i), T::Addr | T::Ipv4) => Some(Sample::Ipv4(Ipv4Addr::from(i as u32))),
            (Sample::Sint(i), T::Ipv6) => {
                Some(Sample::Ipv6(Ipv4Addr::from(i as u32).to_ipv6_mapped()))
            }
            (Sample::Sint(i), T::Str) => Some(Sample::Str(Bytes::from(i.to_string()))),
            (Sample::Sint(i), T::Bin) => Some(int2bin(i)),
            (Sample::Ipv4(a), T::Sint) => Some(Sample::Sint(u32::from(a) as i64)),
            (Sample::Ipv4(a), T::Addr) => Some(Sample::Ipv4(a)),
            (Sample::Ipv4(a), T::Ipv6) => Some(Sample::Ipv6(a.to_ipv6_mapped())),
            (Sample::Ipv4(a), T::Str) => Some(Sample::Str(Bytes::from(a.to_string()))),
            (Sample::Ipv4(a), T::Bin) => Some(Sample::Bin(Bytes::copy_from_slice(&a.octets()))),
            (Sample::Ipv6(a), T::Addr) => Some(Sample::Ipv6(a)),
            (Sample::Ipv6(a), T::Ipv4) => v6tov4(&a).map(Sample::Ipv4),
            (Sample::Ipv6(a), T::Str) => Some(Sample::Str(Bytes::from(a.to_string()))),
            (Sample::Ipv6(a), T::Bin) => Some(Sample::Bin(Bytes::copy_from_slice(&a.octets()))),
            (Sample::Str(s), T::Bool | T::Sint) => {
                // c_str2int: an empty string fails, otherwise the leading integer (0 if none).
                if s.is_empty() {
                    return None;
                }
                let i = read_int64(&s).0;
                Some(if to == T::Bool {
                    Sample::Bool(i != 0)
                } else {
                    Sample::Sint(i)
                })
            }
            (Sample::Str(s), T::Addr) => {
                if let Some(a) = parse_ipv4_loose(&s) {
                    Some(Sample::Ipv4(a))
                } else {
                    let t = std::str::from_utf8(&s).ok()?;
                    t.parse::<Ipv6Addr>().ok().map(Sample::Ipv6)
                }
            }
            (Sample::Str(s), T::Ipv4) => parse_ipv4_loose(&s).map(Sample::Ipv4),
            (Sample::Str(s), T::Ipv6) => std::str::from_utf8(&s)
                .ok()?
                .parse::<Ipv6Addr>()
                .ok()
                .map(Sample::Ipv6),
            (Sample::Str(s), T::Bin) => Some(Sample::Bin(s)),
            (Sample::Str(s) | Sample::Bin(s), T::Meth) => {
                Some(Sample::Meth(Method::from_bytes(&s)))
            }
            (Sample::Bin(b), T::Str) => {
                // c_bin2str stops at the first NUL byte.
                let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
                Some(Sample::Str(b.slice(..end)))
            }
            (Sample::Meth(m), T::Str) => Some(Sample::Str(meth_bytes(m))),
            (Sample::Meth(m), T::Bin) => Some(Sample::Bin(meth_bytes(m))),
            _ => None,
        }
    }

    /// The string form (`txn.sf`, log formats, header values): the sample cast to a string.
    pub fn to_str_form(self) -> Option<Bytes> {
        match self.cast(SampleType::Str)? {
            Sample::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value as a boolean the way ACLs without a match method read it (`-m bool`).
    pub fn as_bool(&self) -> Option<bool> {
        match self.clone().cast(SampleType::Bool)? {
            Sample::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_sint(&self) -> Option<i64> {
        match self.clone().cast(SampleType::Sint)? {
            Sample::Sint(i) => Some(i),
            _ => None,
        }
    }
}

fn meth_bytes(m: Method) -> Bytes {
    match m {
        Method::Other(b) => b,
        m => Bytes::from_static(match m {
            Method::Options => b"OPTIONS",
            Method::Get => b"GET",
            Method::Head => b"HEAD",
            Method::Post => b"POST",
            Method::Put => b"PUT",
            Method::Delete => b"DELETE",
            Method::Trace => b"TRACE",
            _ => b"CONNECT",
        }),
    }
}

/// c_int2bin: the integer as 8 big-endian bytes.
fn int2bin(i: i64) -> Sample {
    Sample::Bin(Bytes::copy_from_slice(&i.to_be_bytes()))
}

/// HAProxy's `v6tov4`: IPv4-mapped (`::ffff:a.b.c.d`) and 6to4 (`2002:AABB:CCDD::/48`)
/// addresses have an IPv4 equivalent.
fn v6tov4(a: &Ipv6Addr) -> Option<Ipv4Addr> {
    let o = a.octets();
    if o[..12] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] {
        Some(Ipv4Addr::new(o[12], o[13], o[14], o[15]))
    } else if o[0] == 0x20 && o[1] == 0x02 {
        Some(Ipv4Addr::new(o[2], o[3], o[4], o[5]))
    } else {
        None
    }
}

/// `buf2ip`: a dotted quad of decimal octets (leading zeros allowed), read up to the first
/// byte that is neither a digit nor a dot; trailing bytes are ignored (`1.2.3.4:80` and
/// `1.2.3.4abc` give 1.2.3.4) but fewer or more than four octets fail. Returns the address
/// and the bytes consumed.
pub fn buf2ip(s: &[u8]) -> Option<(Ipv4Addr, usize)> {
    let mut oct = [0u32; 4];
    let (mut n, mut saw_digit) = (0usize, false);
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if c.is_ascii_digit() {
            if !saw_digit {
                n += 1;
                if n > 4 {
                    return None;
                }
                saw_digit = true;
            }
            let v = oct[n - 1] * 10 + u32::from(c - b'0');
            if v > 255 {
                return None;
            }
            oct[n - 1] = v;
        } else if c == b'.' {
            if !saw_digit || n == 4 {
                return None;
            }
            saw_digit = false;
        } else {
            break;
        }
        i += 1;
    }
    (n == 4).then(|| {
        let o = oct.map(|v| v as u8);
        (Ipv4Addr::new(o[0], o[1], o[2], o[3]), i)
    })
}

/// The string-to-IPv4 cast (`c_str2ip`).
pub fn parse_ipv4_loose(s: &[u8]) -> Option<Ipv4Addr> {
    buf2ip(s).map(|(a, _)| a)
}

/// HAProxy's `read_int64`: an optional sign then decimal digits, stopping at the first other
/// byte; returns the value (saturating like strtoll) and the number of bytes consumed.
pub fn read_int64(s: &[u8]) -> (i64, usize) {
    let mut i = 0;
    let neg = match s.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    while let Some(&c) = s.get(i) {
        if !c.is_ascii_digit() {
            break;
        }
        let d = (c - b'0') as i64;
        v = if neg {
            v.saturating_mul(10).saturating_sub(d)
        } else {
            v.saturating_mul(10).saturating_add(d)
        };
        i += 1;
    }
    (v, i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> Sample {
        Sample::str(x.to_string())
    }

    #[test]
    fn casts_follow_haproxy_table() {
        assert_eq!(Sample::Bool(true).cast(SampleType::Str), Some(s("1")));
        assert_eq!(
            Sample::Bool(true).cast(SampleType::Bin),
            Some(Sample::Bin(Bytes::from_static(&[0, 0, 0, 0, 0, 0, 0, 1])))
        );
        assert_eq!(Sample::Bool(true).cast(SampleType::Ipv4), None);
        assert_eq!(Sample::Sint(-5).cast(SampleType::Str), Some(s("-5")));
        assert_eq!(
            Sample::Sint(0).cast(SampleType::Bool),
            Some(Sample::Bool(false))
        );
        assert_eq!(
            Sample::Sint(0x7f000001).cast(SampleType::Ipv4),
            Some(Sample::Ipv4(Ipv4Addr::LOCALHOST))
        );
        assert_eq!(
            Sample::Sint(0x7f000001).cast(SampleType::Ipv6),
            Some(Sample::Ipv6("::ffff:127.0.0.1".parse().unwrap()))
        );
        assert_eq!(s("12ab").cast(SampleType::Sint), Some(Sample::Sint(12)));
        assert_eq!(s("abc").cast(SampleType::Sint), Some(Sample::Sint(0)));
        assert_eq!(s("-3").cast(SampleType::Sint), Some(Sample::Sint(-3)));
        assert_eq!(s("").cast(SampleType::Sint), None);
        assert_eq!(
            s("1.2.3.4").cast(SampleType::Ipv4),
            Some(Sample::Ipv4(Ipv4Addr::new(1, 2, 3, 4)))
        );
        // haproxy 2.6's buf2ip: four decimal octets, trailing bytes ignored.
        assert_eq!(s("10.1").cast(SampleType::Ipv4), None);
        for ok in ["1.2.3.4abc", "1.2.3.4:80", "01.2.3.4"] {
            assert_eq!(
                s(ok).cast(SampleType::Addr),
                Some(Sample::Ipv4(Ipv4Addr::new(1, 2, 3, 4)))
            );
        }
        for bad in [
            "0x1.2.3.4",
            "1.2.3.256",
            "1.2.3.4.5",
            "1.2.3",
            "12",
            ".1.2.3",
        ] {
            assert_eq!(s(bad).cast(SampleType::Ipv4), None, "{bad}");
        }
        assert_eq!(s("x").cast(SampleType::Ipv4), None);
        assert_eq!(
            s("::1").cast(SampleType::Addr),
            Some(Sample::Ipv6(Ipv6Addr::LOCALHOST))
        );
        assert_eq!(
            s("GET").cast(SampleType::Meth),
            Some(Sample::Meth(Method::Get))
        );
        assert_eq!(
            Sample::Bin(Bytes::from_static(b"ab\0cd")).cast(SampleType::Str),
            Some(s("ab"))
        );
        assert_eq!(
            Sample::Meth(Method::Post).to_str_form(),
            Some(Bytes::from("POST"))
        );
        let v4: Ipv6Addr = "::ffff:1.2.3.4".parse().unwrap();
        assert_eq!(
            Sample::Ipv6(v4).cast(SampleType::Ipv4),
            Some(Sample::Ipv4(Ipv4Addr::new(1, 2, 3, 4)))
        );
        assert_eq!(
            Sample::Ipv6(Ipv6Addr::LOCALHOST).cast(SampleType::Ipv4),
            None
        );
        assert_eq!(
            Sample::Ipv6(Ipv6Addr::LOCALHOST).cast(SampleType::Sint),
            None
        );
        assert_eq!(
            Sample::Ipv4(Ipv4Addr::new(0, 0, 1, 2)).cast(SampleType::Sint),
            Some(Sample::Sint(258))
        );
        assert!(!SampleType::Ipv6.can_cast(SampleType::Sint));
        assert!(SampleType::Str.can_cast(SampleType::Meth));
        assert!(!SampleType::Meth.can_cast(SampleType::Sint));
    }

    #[test]
    fn read_int64_saturates() {
        assert_eq!(read_int64(b"99999999999999999999x"), (i64::MAX, 20));
        assert_eq!(read_int64(b"-12-"), (-12, 3));
        assert_eq!(read_int64(b"+"), (0, 1));
    }
}
