//! The parsing behind the HTTP fetches that read inside the request line and headers: `base`
//! and its hashes, URL parameters (`url_param`/`urlp`), cookies (`req.cook`, `res.cook`),
//! `url_ip`/`url_port` and `hdr_ip` (HAProxy's http_fetch.c and http.c, checked against
//! haproxy 2.6).

use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::{BufMut, Bytes, BytesMut};

use super::conv_hash::{full_hash, sdbm_from};
use super::fetch::{header_values, uri_path, uri_pathq};
use super::source::{Dir, SampleSource};
use super::value::{Sample, buf2ip};

/// The first value of the first `Host` header (comma-split, trimmed), if not empty.
fn first_host(src: &dyn SampleSource) -> Option<Bytes> {
    header_values(src, Dir::Req, b"host", false)
        .into_iter()
        .next()
        .filter(|h| !h.is_empty())
}

/// `base`: the Host header then the path (without the query); only the path without a Host
/// (and then it fails like `path` when there is none).
pub fn base(src: &dyn SampleSource) -> Option<Bytes> {
    let uri = src.uri()?;
    let Some(host) = first_host(src) else {
        return uri_path(&uri);
    };
    let mut out = BytesMut::from(&host[..]);
    if let Some(p) = uri_path(&uri) {
        out.put_slice(&p);
    }
    Some(out.freeze())
}

/// `baseq`: like `base` with the query string.
pub fn baseq(src: &dyn SampleSource) -> Option<Bytes> {
    let uri = src.uri()?;
    let Some(host) = first_host(src) else {
        return uri_pathq(&uri);
    };
    let mut out = BytesMut::from(&host[..]);
    if let Some(p) = uri_pathq(&uri) {
        out.put_slice(&p);
    }
    Some(out.freeze())
}

/// `base32`: the full-avalanche SDBM hash of the Host header and the path.
pub fn base32(src: &dyn SampleSource) -> Option<u32> {
    let uri = src.uri()?;
    let h = first_host(src).map_or(0, |h| sdbm_from(0, &h));
    let h = uri_path(&uri).map_or(h, |p| sdbm_from(h, &p));
    Some(full_hash(h))
}

/// `url32`: the same hash over the Host header and the path with its query (the authority of
/// an absolute URI left out).
pub fn url32(src: &dyn SampleSource) -> Option<u32> {
    let uri = src.uri()?;
    let h = first_host(src).map_or(0, |h| sdbm_from(0, &h));
    let h = uri_pathq(&uri).map_or(h, |p| sdbm_from(h, &p));
    Some(full_hash(h))
}

/// `base32+src` / `url32+src`: the hash as 4 big-endian bytes then the client address (4
/// or 16 bytes).
pub fn hash_plus_src(hash: u32, src: &dyn SampleSource) -> Option<Sample> {
    let ip = src.client_addr()?.ip();
    let mut out = BytesMut::with_capacity(20);
    out.put_u32(hash);
    match ip {
        std::net::IpAddr::V4(a) => out.put_slice(&a.octets()),
        std::net::IpAddr::V6(a) => out.put_slice(&a.octets()),
    }
    Some(Sample::Bin(out.freeze()))
}

/// The values of URL parameter `name` (every parameter with an `=` when `name` is empty), in
/// order. The list starts after the first `delim` (`?` by default) of the request target;
/// parameters end at `&`, `;` or `delim`; names are case-sensitive; values are not decoded.
pub fn url_params(uri: &Bytes, name: &[u8], delim: u8) -> Vec<Bytes> {
    let Some(start) = uri.iter().position(|&c| c == delim) else {
        return Vec::new();
    };
    let is_delim = |c: u8| c == b'&' || c == b';' || c == delim;
    let mut out = Vec::new();
    let mut pos = start + 1;
    while pos <= uri.len() {
        let end = uri[pos..]
            .iter()
            .position(|&c| is_delim(c))
            .map_or(uri.len(), |p| pos + p);
        let param = &uri[pos..end];
        let value_at = if name.is_empty() {
            param.iter().position(|&c| c == b'=').map(|p| p + 1)
        } else if param.len() > name.len() && param.starts_with(name) && param[name.len()] == b'=' {
            Some(name.len() + 1)
        } else {
            None
        };
        if let Some(v) = value_at {
            out.push(uri.slice(pos + v..end));
        }
        pos = end + 1;
    }
    out
}

/// `http_find_cookie_value_end`: a value ends at `,` or `;` outside double quotes.
fn cookie_value_end(s: &[u8]) -> usize {
    let (mut quoted, mut pair) = (false, false);
    for (i, &c) in s.iter().enumerate() {
        if pair {
            pair = false;
        } else if quoted {
            match c {
                b'\\' => pair = true,
                b'"' => quoted = false,
                _ => {}
            }
        } else if c == b'"' {
            quoted = true;
        } else if c == b',' || c == b';' {
            return i;
        }
    }
    s.len()
}

fn is_spht(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// `http_extract_cookie_value` over one header line: every `(name, value)` cookie in order.
/// `list` (request `Cookie` headers) means every cookie of the line; a `Set-Cookie` line has
/// only its first `name=value`. Attributes starting with `$` and words without `=` are
/// skipped; blanks around names and values are removed. As in HAProxy, scanning stops
/// when fewer than `name_len + 2` bytes remain (the name looked for, `=` and one more).
pub fn cookies_of_line(line: &Bytes, list: bool, name_len: usize) -> Vec<(Bytes, Bytes)> {
    let e = line.len();
    let mut out = Vec::new();
    let mut att_beg = 0;
    while att_beg + name_len + 1 < e {
        while att_beg < e && is_spht(line[att_beg]) {
            att_beg += 1;
        }
        let mut equal = att_beg;
        let mut att_end = att_beg;
        while equal < e {
            let c = line[equal];
            if c == b'=' || c == b';' || (list && c == b',') {
                break;
            }
            equal += 1;
            if !is_spht(c) {
                att_end = equal;
            }
        }
        let (val_beg, val_end, next) = if equal < e && line[equal] == b'=' {
            let mut vb = equal + 1;
            while vb < e && is_spht(line[vb]) {
                vb += 1;
            }
            let next = vb + cookie_value_end(&line[vb..]);
            let mut ve = next;
            while ve > vb && is_spht(line[ve - 1]) {
                ve -= 1;
            }
            (vb, ve, next)
        } else {
            (equal, equal, equal)
        };
        let skip = line.get(att_beg) == Some(&b'$') || equal == next;
        if !skip {
            out.push((line.slice(att_beg..att_end), line.slice(val_beg..val_end)));
        }
        if !list && !skip {
            break;
        }
        att_beg = next + 1;
    }
    out
}

/// Every value of cookie `name` (of every cookie when `name` is empty) in the request's
/// `Cookie` headers or the response's `Set-Cookie` headers, in order.
pub fn cookie_values(src: &dyn SampleSource, dir: Dir, name: &[u8]) -> Option<Vec<Bytes>> {
    let (hname, list): (&[u8], bool) = match dir {
        Dir::Req => (b"cookie", true),
        Dir::Res => (b"set-cookie", false),
    };
    let mut lines = Vec::new();
    let exists = src.for_each_header(dir, &mut |n, v| {
        if n.eq_ignore_ascii_case(hname) {
            lines.push(Bytes::copy_from_slice(v));
        }
    });
    if !exists {
        return None;
    }
    let mut out = Vec::new();
    for l in &lines {
        // HAProxy skips lines too short to hold the name and its `=`.
        if l.len() < name.len() + 1 {
            continue;
        }
        for (n, v) in cookies_of_line(l, list, name.len()) {
            if name.is_empty() || n == name {
                out.push(v);
            }
        }
    }
    Some(out)
}

/// `url2sa` on an absolute request target: `http://` or `https://` (any case) then a
/// numeric IPv4 host and an optional port (default 80 or 443). Host names and IPv6 literals
/// give nothing (HAProxy resolves neither here).
pub fn url_ipv4_port(uri: &[u8]) -> Option<(Ipv4Addr, u16)> {
    let lower = |n: usize| uri.get(..n).map(|p| p.to_ascii_lowercase());
    let (rest, default) = if lower(7).as_deref() == Some(b"http://") {
        (&uri[7..], 80)
    } else if lower(8).as_deref() == Some(b"https://") {
        (&uri[8..], 443)
    } else {
        return None;
    };
    let auth_end = rest
        .iter()
        .position(|&c| c == b'/' || c == b'?')
        .unwrap_or(rest.len());
    let auth = &rest[..auth_end];
    let (host, port) = match auth.iter().position(|&c| c == b':') {
        Some(p) => (&auth[..p], Some(&auth[p + 1..])),
        None => (auth, None),
    };
    let ip: Ipv4Addr = std::str::from_utf8(host).ok()?.parse().ok()?;
    let port = match port {
        None => default,
        Some(p) => {
            let digits = p.iter().take_while(|c| c.is_ascii_digit()).count();
            std::str::from_utf8(&p[..digits]).ok()?.parse().unwrap_or(0)
        }
    };
    Some((ip, port))
}

/// `hdr_ip`'s reading of a header value: an IPv4 address, optionally followed by `:port`
/// (1-65535), or an IPv6 address.
pub fn header_ip(v: &[u8]) -> Option<Sample> {
    if let Some((a, n)) = buf2ip(v) {
        if n == v.len() {
            return Some(Sample::Ipv4(a));
        }
        let port = &v[n + 1..];
        if v[n] == b':'
            && !port.is_empty()
            && port.iter().all(u8::is_ascii_digit)
            && std::str::from_utf8(port)
                .ok()
                .and_then(|p| p.parse::<u32>().ok())
                .is_some_and(|p| (1..65536).contains(&p))
        {
            return Some(Sample::Ipv4(a));
        }
    }
    std::str::from_utf8(v)
        .ok()?
        .parse::<Ipv6Addr>()
        .ok()
        .map(Sample::Ipv6)
}

/// `req.hdrs`: the request's header block as HTTP/1 text (lowercase names, `name: value`,
/// CRLF each, then the empty line).
pub fn header_block(src: &dyn SampleSource, dir: Dir) -> Option<Bytes> {
    let mut out = BytesMut::new();
    let exists = src.for_each_header(dir, &mut |n, v| {
        out.put_slice(&n.to_ascii_lowercase());
        out.put_slice(b": ");
        out.put_slice(v);
        out.put_slice(b"\r\n");
    });
    if !exists {
        return None;
    }
    out.put_slice(b"\r\n");
    Some(out.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::testsrc::TestSource;

    fn b(s: &str) -> Bytes {
        Bytes::from(s.to_string())
    }

    fn strs(v: Vec<Bytes>) -> Vec<String> {
        v.iter()
            .map(|x| String::from_utf8_lossy(x).into_owned())
            .collect()
    }

    #[test]
    fn params() {
        // Checked against haproxy 2.6.
        let u = b("/a;z=5?q&x=1&y=&x=2;n=42&w=3|w=4");
        assert_eq!(strs(url_params(&u, b"x", b'?')), ["1", "2"]);
        assert_eq!(strs(url_params(&u, b"", b'?'))[0], "1");
        assert_eq!(strs(url_params(&u, b"y", b'?')), [""]);
        assert_eq!(strs(url_params(&u, b"z", b';')), ["5?q"]);
        assert_eq!(strs(url_params(&u, b"w", b'|')), ["4"]);
        assert!(url_params(&b("/p?x=1;y=2"), b"x", b';').is_empty());
        assert!(url_params(&b("/p?b&c"), b"b", b'?').is_empty());
        assert_eq!(strs(url_params(&b("/p?c=1=2"), b"c", b'?')), ["1=2"]);
        assert!(url_params(&b("/p"), b"", b'?').is_empty());
    }

    #[test]
    fn cookies() {
        let l = b("a=1; b = two ; a=3, c=4");
        let c: Vec<(String, String)> = cookies_of_line(&l, true, 0)
            .into_iter()
            .map(|(n, v)| {
                (
                    String::from_utf8_lossy(&n).into(),
                    String::from_utf8_lossy(&v).into(),
                )
            })
            .collect();
        let want = [("a", "1"), ("b", "two"), ("a", "3"), ("c", "4")];
        assert_eq!(
            c,
            want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec()
        );
        let l = b("z=; e; f=, $v=1; q=\"a;b\" ; q2=x");
        let names: Vec<String> = cookies_of_line(&l, true, 0)
            .into_iter()
            .map(|(n, v)| {
                format!(
                    "{}={}",
                    String::from_utf8_lossy(&n),
                    String::from_utf8_lossy(&v)
                )
            })
            .collect();
        assert_eq!(names, ["z=", "f=", "q=\"a;b\"", "q2=x"]);
        let set = b("sid=abc; Path=/; HttpOnly");
        assert_eq!(cookies_of_line(&set, false, 0).len(), 1);
        let src = TestSource::http("/", &[("Cookie", "a=1; a=2"), ("cookie", "a=3")]);
        assert_eq!(
            strs(cookie_values(&src, Dir::Req, b"a").unwrap()),
            ["1", "2", "3"]
        );
    }

    #[test]
    fn url_addresses() {
        let ip = Ipv4Addr::new(1, 2, 3, 4);
        assert_eq!(url_ipv4_port(b"http://1.2.3.4:8080/p"), Some((ip, 8080)));
        assert_eq!(url_ipv4_port(b"HTTP://1.2.3.4/p"), Some((ip, 80)));
        assert_eq!(url_ipv4_port(b"https://1.2.3.4"), Some((ip, 443)));
        assert_eq!(url_ipv4_port(b"http://name:81/p"), None);
        assert_eq!(url_ipv4_port(b"ftp://1.2.3.4/p"), None);
        assert_eq!(url_ipv4_port(b"/p"), None);
        assert_eq!(
            header_ip(b"10.0.0.1:80"),
            Some(Sample::Ipv4(Ipv4Addr::new(10, 0, 0, 1)))
        );
        assert_eq!(header_ip(b"1.2.3.4:99999"), None);
        assert_eq!(header_ip(b"::1"), Some(Sample::Ipv6(Ipv6Addr::LOCALHOST)));
    }

    #[test]
    fn base_and_hashes() {
        let src = TestSource::http("/7/a;z=5?q", &[("Host", "127.0.0.1:25101")]);
        assert_eq!(base(&src), Some(b("127.0.0.1:25101/7/a;z=5")));
        assert_eq!(baseq(&src), Some(b("127.0.0.1:25101/7/a;z=5?q")));
        let nohost = TestSource::http("/x?y", &[]);
        assert_eq!(base(&nohost), Some(b("/x")));
        let block = header_block(&src, Dir::Req).unwrap();
        assert_eq!(block, b("host: 127.0.0.1:25101\r\n\r\n"));
    }
}
