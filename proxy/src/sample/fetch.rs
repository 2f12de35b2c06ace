//! The built-in sample fetches: one table entry per fetch (name, arguments, output type,
//! function). Adding a fetch is adding an entry; expressions, ACLs and Lua's `txn.f` find it
//! by name.
//!
//! A fetch returns every value it has (`Vec`): ACLs try each occurrence of a multi-valued
//! fetch (`hdr(x)` without an occurrence), expressions use the one `FetchMode::Single` asks for.

use bytes::Bytes;

use super::arg::{Arg, ArgSpec, ArgType};
use super::fetch_http as fh;
use super::fetch_internal as fi;
use super::source::{Dir, SampleSource};
use super::value::{Sample, SampleType, read_int64};
use super::vars::VarName;

/// Whether the caller wants the single value a sample expression uses or every value (ACLs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FetchMode {
    Single,
    All,
}

pub type FetchFn = fn(&[Arg], &mut dyn SampleSource, FetchMode) -> Vec<Sample>;
pub type ValidateFn = fn(&mut [Arg]) -> Result<(), String>;

/// One built-in fetch.
pub struct FetchDef {
    pub name: &'static str,
    pub args: ArgSpec,
    /// HAProxy's `val_args`: checks or rewrites the parsed arguments.
    pub validate: Option<ValidateFn>,
    /// The declared output type (what parse-time cast checks use).
    pub out: SampleType,
    pub run: FetchFn,
}

impl std::fmt::Debug for FetchDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "FetchDef({})", self.name)
    }
}

use ArgType as A;

const NAME_OCC: ArgSpec = ArgSpec::new(0, &[A::Str, A::Sint]);
const NAME: ArgSpec = ArgSpec::new(0, &[A::Str]);
const NAME_DELIM: ArgSpec = ArgSpec::new(0, &[A::Str, A::Str]);

macro_rules! fetch {
    ($name:expr, $args:expr, $out:ident, $run:expr) => {
        FetchDef {
            name: $name,
            args: $args,
            validate: None,
            out: SampleType::$out,
            run: $run,
        }
    };
    ($name:expr, $args:expr, $val:expr, $out:ident, $run:expr) => {
        FetchDef {
            name: $name,
            args: $args,
            validate: Some($val),
            out: SampleType::$out,
            run: $run,
        }
    };
}

/// Every built-in fetch, in no particular order (lookups are by name).
pub static FETCHES: &[FetchDef] = &[
    fetch!("src", ArgSpec::NONE, Ipv4, |_, s, _| one(s
        .client_addr()
        .map(|a| Sample::addr(a.ip())))),
    fetch!("src_port", ArgSpec::NONE, Sint, |_, s, _| one(s
        .client_addr()
        .map(|a| Sample::Sint(a.port() as i64)))),
    fetch!("dst", ArgSpec::NONE, Ipv4, |_, s, _| one(s
        .frontend_addr()
        .map(|a| Sample::addr(a.ip())))),
    fetch!("dst_port", ArgSpec::NONE, Sint, |_, s, _| one(s
        .frontend_addr()
        .map(|a| Sample::Sint(a.port() as i64)))),
    fetch!("path", ArgSpec::NONE, Str, |_, s, _| one(s
        .uri()
        .and_then(|u| uri_path(&u))
        .map(Sample::Str))),
    fetch!("pathq", ArgSpec::NONE, Str, |_, s, _| one(s
        .uri()
        .and_then(|u| uri_pathq(&u))
        .map(Sample::Str))),
    fetch!("query", ArgSpec::NONE, Str, |_, s, _| one(s
        .uri()
        .and_then(|u| uri_query(&u))
        .map(Sample::Str))),
    fetch!("url", ArgSpec::NONE, Str, |_, s, _| one(s
        .uri()
        .map(Sample::Str))),
    fetch!("method", ArgSpec::NONE, Meth, |_, s, _| one(s
        .method()
        .map(Sample::Meth))),
    fetch!("req.ver", ArgSpec::NONE, Str, |_, s, _| one(s
        .req_version()
        .map(Sample::Str))),
    fetch!("req_ver", ArgSpec::NONE, Str, |_, s, _| one(s
        .req_version()
        .map(Sample::Str))),
    fetch!("req.proto_http", ArgSpec::NONE, Bool, |_, s, _| one(Some(
        Sample::Bool(s.method().is_some())
    ))),
    fetch!("req.len", ArgSpec::NONE, Sint, |_, s, _| one(s
        .req_len()
        .map(Sample::Sint))),
    fetch!("req.body", ArgSpec::NONE, Bin, |_, s, _| one(s
        .req_body()
        .map(Sample::Bin))),
    fetch!("req.hdr", NAME_OCC, Str, |a, s, m| hdr(
        a,
        s,
        m,
        Dir::Req,
        false
    )),
    fetch!("hdr", NAME_OCC, Str, |a, s, m| {
        let dir = s.direction();
        hdr(a, s, m, dir, false)
    }),
    fetch!("req.fhdr", NAME_OCC, Str, |a, s, m| hdr(
        a,
        s,
        m,
        Dir::Req,
        true
    )),
    fetch!("fhdr", NAME_OCC, Str, |a, s, m| hdr(
        a,
        s,
        m,
        Dir::Req,
        true
    )),
    fetch!("req.hdr_cnt", NAME, Sint, |a, s, _| hdr_cnt(
        a,
        s,
        Dir::Req,
        false
    )),
    fetch!("hdr_cnt", NAME, Sint, |a, s, _| hdr_cnt(
        a,
        s,
        Dir::Req,
        false
    )),
    fetch!("req.fhdr_cnt", NAME, Sint, |a, s, _| hdr_cnt(
        a,
        s,
        Dir::Req,
        true
    )),
    fetch!("req.hdr_val", NAME_OCC, Sint, |a, s, m| hdr_val(
        a,
        s,
        m,
        Dir::Req
    )),
    fetch!("hdr_val", NAME_OCC, Sint, |a, s, m| hdr_val(
        a,
        s,
        m,
        Dir::Req
    )),
    fetch!("res.hdr", NAME_OCC, Str, |a, s, m| hdr(
        a,
        s,
        m,
        Dir::Res,
        false
    )),
    fetch!("shdr", NAME_OCC, Str, |a, s, m| hdr(
        a,
        s,
        m,
        Dir::Res,
        false
    )),
    fetch!("res.fhdr", NAME_OCC, Str, |a, s, m| hdr(
        a,
        s,
        m,
        Dir::Res,
        true
    )),
    fetch!("res.hdr_cnt", NAME, Sint, |a, s, _| hdr_cnt(
        a,
        s,
        Dir::Res,
        false
    )),
    fetch!("res.fhdr_cnt", NAME, Sint, |a, s, _| hdr_cnt(
        a,
        s,
        Dir::Res,
        true
    )),
    fetch!("res.hdr_val", NAME_OCC, Sint, |a, s, m| hdr_val(
        a,
        s,
        m,
        Dir::Res
    )),
    fetch!("status", ArgSpec::NONE, Sint, |_, s, _| one(s
        .status()
        .map(|c| Sample::Sint(c as i64)))),
    fetch!("be_name", ArgSpec::NONE, Str, |_, s, _| one(s
        .backend_name()
        .map(Sample::str))),
    fetch!("fe_name", ArgSpec::NONE, Str, |_, s, _| one(s
        .frontend_name()
        .map(Sample::str))),
    fetch!("srv_name", ArgSpec::NONE, Str, |_, s, _| one(s
        .server_name()
        .map(Sample::str))),
    fetch!(
        "var",
        ArgSpec::new(1, &[A::Str, A::Str]),
        check_var_arg,
        Any,
        |a, s, _| {
            let found = match a.first() {
                Some(Arg::Var(v)) => s.get_var(v),
                _ => None,
            };
            one(found.or_else(|| match a.get(1) {
                Some(Arg::Str(d)) => Some(Sample::Str(d.clone())),
                _ => None,
            }))
        }
    ),
    fetch!("always_true", ArgSpec::NONE, Bool, |_, _, _| vec![
        Sample::Bool(true)
    ]),
    fetch!("always_false", ArgSpec::NONE, Bool, |_, _, _| vec![
        Sample::Bool(false)
    ]),
    fetch!("int", ArgSpec::new(1, &[A::Sint]), Sint, |a, _, _| one(a
        .first()
        .and_then(Arg::as_sint)
        .map(Sample::Sint))),
    fetch!("str", ArgSpec::new(1, &[A::Str]), Str, |a, _, _| one(
        match a.first() {
            Some(Arg::Str(s)) => Some(Sample::Str(s.clone())),
            _ => None,
        }
    )),
    fetch!(
        "bool",
        ArgSpec::new(1, &[A::Str]),
        check_const_bool,
        Bool,
        |a, _, _| one(a
            .first()
            .and_then(Arg::as_sint)
            .map(|i| Sample::Bool(i != 0)))
    ),
    fetch!("fe_id", ArgSpec::NONE, Sint, |_, s, _| one(s
        .frontend_id()
        .map(Sample::Sint))),
    fetch!("be_id", ArgSpec::NONE, Sint, |_, s, _| one(s
        .backend_id()
        .map(Sample::Sint))),
    fetch!("base", ArgSpec::NONE, Str, |_, s, _| one(
        fh::base(s).map(Sample::Str)
    )),
    fetch!("baseq", ArgSpec::NONE, Str, |_, s, _| one(
        fh::baseq(s).map(Sample::Str)
    )),
    fetch!("base32", ArgSpec::NONE, Sint, |_, s, _| one(
        fh::base32(s).map(|h| Sample::Sint(h.into()))
    )),
    fetch!("base32+src", ArgSpec::NONE, Bin, |_, s, _| one(fh::base32(
        s
    )
    .and_then(|h| fh::hash_plus_src(h, s)))),
    fetch!("url32", ArgSpec::NONE, Sint, |_, s, _| one(
        fh::url32(s).map(|h| Sample::Sint(h.into()))
    )),
    fetch!("url32+src", ArgSpec::NONE, Bin, |_, s, _| one(
        fh::url32(s).and_then(|h| fh::hash_plus_src(h, s))
    )),
    fetch!("url_ip", ArgSpec::NONE, Ipv4, |_, s, _| one(s
        .uri()
        .and_then(|u| fh::url_ipv4_port(&u))
        .map(|(ip, _)| Sample::Ipv4(ip)))),
    fetch!("url_port", ArgSpec::NONE, Sint, |_, s, _| one(s
        .uri()
        .and_then(|u| fh::url_ipv4_port(&u))
        .map(|(_, p)| Sample::Sint(p.into())))),
    fetch!("url_param", NAME_DELIM, Str, |a, s, m| url_param(
        a, s, m, false
    )),
    fetch!("urlp", NAME_DELIM, Str, |a, s, m| url_param(a, s, m, false)),
    fetch!("urlp_val", NAME_DELIM, Sint, |a, s, m| url_param(
        a, s, m, true
    )),
    fetch!("req.hdrs", ArgSpec::NONE, Str, |_, s, _| one(
        fh::header_block(s, Dir::Req).map(Sample::Str)
    )),
    fetch!("req.cook", NAME, Str, |a, s, m| cookie(
        a,
        s,
        m,
        Dir::Req,
        Cook::Value
    )),
    fetch!("cook", NAME, Str, |a, s, m| cookie(
        a,
        s,
        m,
        Dir::Req,
        Cook::Value
    )),
    fetch!("req.cook_cnt", NAME, Sint, |a, s, m| cookie(
        a,
        s,
        m,
        Dir::Req,
        Cook::Count
    )),
    fetch!("cook_cnt", NAME, Sint, |a, s, m| cookie(
        a,
        s,
        m,
        Dir::Req,
        Cook::Count
    )),
    fetch!("req.cook_val", NAME, Sint, |a, s, m| cookie(
        a,
        s,
        m,
        Dir::Req,
        Cook::Int
    )),
    fetch!("cook_val", NAME, Sint, |a, s, m| cookie(
        a,
        s,
        m,
        Dir::Req,
        Cook::Int
    )),
    fetch!("res.cook", NAME, Str, |a, s, m| cookie(
        a,
        s,
        m,
        Dir::Res,
        Cook::Value
    )),
    fetch!("scook", NAME, Str, |a, s, m| cookie(
        a,
        s,
        m,
        Dir::Res,
        Cook::Value
    )),
    fetch!("res.cook_cnt", NAME, Sint, |a, s, m| cookie(
        a,
        s,
        m,
        Dir::Res,
        Cook::Count
    )),
    fetch!("scook_cnt", NAME, Sint, |a, s, m| cookie(
        a,
        s,
        m,
        Dir::Res,
        Cook::Count
    )),
    fetch!("res.cook_val", NAME, Sint, |a, s, m| cookie(
        a,
        s,
        m,
        Dir::Res,
        Cook::Int
    )),
    fetch!("scook_val", NAME, Sint, |a, s, m| cookie(
        a,
        s,
        m,
        Dir::Res,
        Cook::Int
    )),
    fetch!("hdr_ip", NAME_OCC, Ipv4, |a, s, m| {
        let dir = s.direction();
        hdr_ip(a, s, m, dir)
    }),
    fetch!("req.hdr_ip", NAME_OCC, Ipv4, |a, s, m| hdr_ip(
        a,
        s,
        m,
        Dir::Req
    )),
    fetch!("res.hdr_ip", NAME_OCC, Ipv4, |a, s, m| hdr_ip(
        a,
        s,
        m,
        Dir::Res
    )),
    fetch!("shdr_ip", NAME_OCC, Ipv4, |a, s, m| hdr_ip(
        a,
        s,
        m,
        Dir::Res
    )),
    fetch!("res.ver", ArgSpec::NONE, Str, |_, s, _| one(s
        .res_version()
        .map(Sample::Str))),
    fetch!("req.body_len", ArgSpec::NONE, Sint, |_, s, _| {
        // Like HAProxy: the length of the body buffered so far, 0 when none is.
        if s.method().is_none() {
            return Vec::new();
        }
        vec![Sample::Sint(s.req_body().map_or(0, |b| b.len() as i64))]
    }),
    fetch!("http_first_req", ArgSpec::NONE, Bool, |_, s, _| one(s
        .first_request()
        .map(Sample::Bool))),
    fetch!("txn.status", ArgSpec::NONE, Sint, |_, s, _| one(s
        .status()
        .map(|c| Sample::Sint(c as i64)))),
    fetch!("env", ArgSpec::new(1, &[A::Str]), Str, |a, _, _| one(a
        .first()
        .and_then(|n| fi::env(n.as_bytes()))
        .map(|v| Sample::Str(Bytes::from(v))))),
    fetch!("hostname", ArgSpec::NONE, Str, |_, _, _| one(fi::hostname(
    )
    .map(Sample::str))),
    fetch!(
        "date",
        ArgSpec::new(0, &[A::Sint, A::Str]),
        fi::check_date_unit,
        Sint,
        |a, _, _| vec![Sample::Sint(fi::date(a))]
    ),
    fetch!("rand", ArgSpec::new(0, &[A::Sint]), Sint, |a, _, _| vec![
        Sample::Sint(fi::rand(a))
    ]),
    fetch!(
        "uuid",
        ArgSpec::new(0, &[A::Sint]),
        fi::check_uuid,
        Str,
        |_, _, _| vec![Sample::str(fi::uuid_v4())]
    ),
    fetch!("unique-id", ArgSpec::NONE, Str, |_, s, _| one(s
        .unique_id()
        .map(Sample::Str))),
    fetch!("ipv4", ArgSpec::new(1, &[A::Ipv4]), Ipv4, |a, _, _| one(
        match a.first() {
            Some(Arg::Ipv4(ip)) => Some(Sample::Ipv4(*ip)),
            _ => None,
        }
    )),
    fetch!("ipv6", ArgSpec::new(1, &[A::Ipv6]), Ipv6, |a, _, _| one(
        match a.first() {
            Some(Arg::Ipv6(ip)) => Some(Sample::Ipv6(*ip)),
            _ => None,
        }
    )),
    fetch!("req.rdp_cookie", NAME, Str, |a, s, _| one(
        rdp_cookie(a, s).map(Sample::Str)
    )),
    fetch!("rdp_cookie", NAME, Str, |a, s, _| one(
        rdp_cookie(a, s).map(Sample::Str)
    )),
    fetch!("req.rdp_cookie_cnt", NAME, Sint, |a, s, _| {
        rdp_cookie_cnt(a, s)
    }),
    fetch!("rdp_cookie_cnt", NAME, Sint, |a, s, _| rdp_cookie_cnt(a, s)),
    fetch!("req.hdr_names", NAME, Str, |a, s, _| one(hdr_names(
        a,
        s,
        Dir::Req
    ))),
    fetch!("res.hdr_names", NAME, Str, |a, s, _| one(hdr_names(
        a,
        s,
        Dir::Res
    ))),
    fetch!("capture.req.method", ArgSpec::NONE, Str, |_, s, _| one(s
        .method()
        .map(|m| Sample::Str(Bytes::copy_from_slice(m.as_bytes()))))),
    fetch!("capture.req.uri", ArgSpec::NONE, Str, |_, s, _| one(s
        .uri()
        .and_then(|u| {
            // The path and query; empty for an absolute URI without a path (as haproxy).
            let start = u.len() - uri_pathq_len(&u)?;
            Some(Sample::Str(u.slice(start..)))
        }))),
    fetch!("capture.req.ver", ArgSpec::NONE, Str, |_, s, _| one(s
        .req_version()
        .map(|v| Sample::Str(Bytes::from(
            [&b"HTTP/"[..], &v].concat()
        ))))),
    fetch!("capture.res.ver", ArgSpec::NONE, Str, |_, s, _| one(s
        .res_version()
        .map(|v| Sample::Str(Bytes::from(
            [&b"HTTP/"[..], &v].concat()
        ))))),
    // Rules run once their data is complete (HTTP) or the inspect delay allows (TCP content
    // rules are evaluated once in Halo), so the end of content analysis has been reached.
    fetch!("wait_end", ArgSpec::NONE, Bool, |_, _, _| vec![
        Sample::Bool(true)
    ]),
    // Halo's listeners never speak TLS (`bind ... ssl` is refused): these say what haproxy
    // says for a plain connection (`false`, or nothing for the certificate ones).
    fetch!("ssl_fc", ArgSpec::NONE, Bool, |_, _, _| vec![Sample::Bool(
        false
    )]),
    fetch!("ssl_fc_has_sni", ArgSpec::NONE, Bool, |_, _, _| vec![
        Sample::Bool(false)
    ]),
    fetch!("ssl_c_used", ArgSpec::NONE, Bool, |_, _, _| Vec::new()),
    fetch!("ssl_fc_has_crt", ArgSpec::NONE, Bool, |_, _, _| Vec::new()),
    // One process, never stopping while rules run (Halo's workers are threads).
    fetch!("nbproc", ArgSpec::NONE, Sint, |_, _, _| vec![Sample::Sint(
        1
    )]),
    fetch!("proc", ArgSpec::NONE, Sint, |_, _, _| vec![Sample::Sint(1)]),
    fetch!("stopping", ArgSpec::NONE, Bool, |_, _, _| vec![
        Sample::Bool(false)
    ]),
    fetch!("nbsrv", NAME, Sint, |a, s, _| one(s
        .backend_nbsrv(named(a))
        .map(Sample::Sint))),
    fetch!("be_conn", NAME, Sint, |a, s, _| one(s
        .backend_conns(named(a))
        .map(Sample::Sint))),
    fetch!("fe_conn", NAME, Sint, |a, s, _| one(s
        .frontend_conns(named(a))
        .map(Sample::Sint))),
];

/// Looks a fetch up by its configuration name.
pub fn find_fetch(name: &str) -> Option<&'static FetchDef> {
    FETCHES.iter().find(|f| f.name == name)
}

fn one(s: Option<Sample>) -> Vec<Sample> {
    s.into_iter().collect()
}

/// `var()`'s first argument must be a scoped variable name (`vars_check_arg`).
pub fn check_var_arg(args: &mut [Arg]) -> Result<(), String> {
    if let Some(Arg::Str(s)) = args.first() {
        let name = VarName::parse(&String::from_utf8_lossy(s))?;
        args[0] = Arg::Var(name);
    }
    Ok(())
}

/// `smp_check_const_bool`: `true`/`1` or `false`/`0`.
fn check_const_bool(args: &mut [Arg]) -> Result<(), String> {
    let v = match args.first() {
        Some(Arg::Str(s)) => match &s[..] {
            b"true" | b"1" => 1,
            b"false" | b"0" => 0,
            _ => return Err("Expects 'true', 'false', '0' or '1'".into()),
        },
        _ => return Err("Expects 'true', 'false', '0' or '1'".into()),
    };
    args[0] = Arg::Sint(v);
    Ok(())
}

/// The start of the path in a request target: origin form starts with it; absolute form
/// (`scheme://authority/path`) has it after the authority; `*` has none.
fn path_start(uri: &[u8]) -> Option<usize> {
    if uri.first() == Some(&b'/') {
        return Some(0);
    }
    let scheme_end = uri.windows(3).position(|w| w == b"://")?;
    let auth = scheme_end + 3;
    Some(
        uri[auth..]
            .iter()
            .position(|&c| c == b'/' || c == b'?')
            .map_or(uri.len(), |p| auth + p),
    )
}

/// `path`: from the path start up to `?`; fails when empty (HAProxy's `http_get_path`).
pub fn uri_path(uri: &Bytes) -> Option<Bytes> {
    let start = path_start(uri)?;
    let end = uri[start..]
        .iter()
        .position(|&c| c == b'?')
        .map_or(uri.len(), |p| start + p);
    (end > start).then(|| uri.slice(start..end))
}

/// The length of the path-and-query part of a request target (from the path start).
pub fn uri_pathq_len(uri: &[u8]) -> Option<usize> {
    let start = path_start(uri)?;
    Some(uri.len() - start)
}

pub fn uri_pathq(uri: &Bytes) -> Option<Bytes> {
    let start = path_start(uri)?;
    (start < uri.len()).then(|| uri.slice(start..))
}

/// `query`: what follows the first `?`, possibly empty; fails without a `?`.
pub fn uri_query(uri: &Bytes) -> Option<Bytes> {
    let q = uri.iter().position(|&c| c == b'?')?;
    Some(uri.slice(q + 1..))
}

/// The values of header `name` in order: whole lines (`full`) or comma-separated values
/// (commas inside double quotes do not split), blanks around each value removed.
pub fn header_values(src: &dyn SampleSource, dir: Dir, name: &[u8], full: bool) -> Vec<Bytes> {
    let mut out = Vec::new();
    src.for_each_header(dir, &mut |n, v| {
        if n.eq_ignore_ascii_case(name) {
            out.extend(split_values(v, full));
        }
    });
    out
}

/// One header line's values.
fn split_values(v: &[u8], full: bool) -> Vec<Bytes> {
    if full {
        return vec![Bytes::copy_from_slice(trim(v))];
    }
    let mut out = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, &c) in v.iter().enumerate() {
        match c {
            b'"' => quoted = !quoted,
            b',' if !quoted => {
                out.push(Bytes::copy_from_slice(trim(&v[start..i])));
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(Bytes::copy_from_slice(trim(&v[start..])));
    out
}

fn trim(v: &[u8]) -> &[u8] {
    let s = v
        .iter()
        .position(|c| !matches!(c, b' ' | b'\t'))
        .unwrap_or(v.len());
    let e = v
        .iter()
        .rposition(|c| !matches!(c, b' ' | b'\t'))
        .map_or(s, |p| p + 1);
    &v[s..e]
}

/// Picks occurrence `occ` (1-based from the first; negative from the last; 0 = the last in a
/// sample expression, every one in an ACL).
fn pick<T: Clone>(vals: Vec<T>, occ: i64, mode: FetchMode) -> Vec<T> {
    let n = vals.len() as i64;
    let idx = if occ > 0 {
        occ - 1
    } else if occ < 0 {
        n + occ
    } else if mode == FetchMode::All {
        return vals;
    } else {
        n - 1
    };
    if idx < 0 || idx >= n {
        return Vec::new();
    }
    vec![vals[idx as usize].clone()]
}

fn hdr(a: &[Arg], s: &mut dyn SampleSource, m: FetchMode, dir: Dir, full: bool) -> Vec<Sample> {
    // Without arguments HAProxy's header fetches fail; an empty name means every header.
    let Some(name) = a.first().map(Arg::as_bytes) else {
        return Vec::new();
    };
    let occ = a.get(1).and_then(Arg::as_sint).unwrap_or(0);
    let vals = if name.is_empty() {
        all_header_values(s, dir, full)
    } else {
        header_values(s, dir, name, full)
    };
    pick(vals, occ, m).into_iter().map(Sample::Str).collect()
}

/// Every value of every header, in order (an empty header name).
fn all_header_values(s: &dyn SampleSource, dir: Dir, full: bool) -> Vec<Bytes> {
    let mut vals = Vec::new();
    s.for_each_header(dir, &mut |_, v| vals.extend(split_values(v, full)));
    vals
}

fn hdr_cnt(a: &[Arg], s: &mut dyn SampleSource, dir: Dir, full: bool) -> Vec<Sample> {
    let mut lines = 0;
    if !s.for_each_header(dir, &mut |_, _| lines += 1) {
        return Vec::new();
    }
    let n = match a.first().map(Arg::as_bytes) {
        Some(name) if !name.is_empty() => header_values(s, dir, name, full).len(),
        // No name: every value of every header (HAProxy counts values, not lines).
        _ if full => lines,
        _ => all_header_values(s, dir, false).len(),
    };
    vec![Sample::Sint(n as i64)]
}

fn hdr_val(a: &[Arg], s: &mut dyn SampleSource, m: FetchMode, dir: Dir) -> Vec<Sample> {
    hdr(a, s, m, dir, false)
        .into_iter()
        .filter_map(|v| match v {
            Sample::Str(b) => Some(Sample::Sint(read_int64(&b).0)),
            _ => None,
        })
        .collect()
}

/// `req.rdp_cookie([name])`: the `Cookie: name=value\r\n` line of an RDP connection request
/// (after its 11-byte TPKT and X.224 headers) in a TCP stream's buffered data; the cookie
/// name is matched case-insensitively; without a name any `name=`. HAProxy waits for more
/// data when the buffer is too short; Halo's single evaluation sees no cookie.
fn rdp_cookie(a: &[Arg], s: &mut dyn SampleSource) -> Option<Bytes> {
    if s.method().is_some() {
        return None;
    }
    let buf = s.req_body()?;
    let mut d = buf.get(11..)?;
    if d.len() <= 7 || !d[..7].eq_ignore_ascii_case(b"Cookie:") {
        return None;
    }
    d = &d[7..];
    while d.first() == Some(&b' ') {
        d = &d[1..];
    }
    match a.first().map(Arg::as_bytes).filter(|n| !n.is_empty()) {
        Some(name) => {
            if d.len() <= name.len()
                || d[name.len()] != b'='
                || !d[..name.len()].eq_ignore_ascii_case(name)
            {
                return None;
            }
            d = &d[name.len() + 1..];
        }
        None => {
            let eq = d.iter().position(|&c| matches!(c, b'=' | b'\r' | b'\n'))?;
            if d[eq] != b'=' {
                return None;
            }
            d = &d[eq + 1..];
        }
    }
    let end = d.iter().position(|&c| c == b'\r')?;
    (d.get(end + 1) == Some(&b'\n')).then(|| Bytes::copy_from_slice(&d[..end]))
}

fn rdp_cookie_cnt(a: &[Arg], s: &mut dyn SampleSource) -> Vec<Sample> {
    if s.method().is_some() || s.req_body().is_none() {
        return Vec::new();
    }
    vec![Sample::Sint(rdp_cookie(a, s).is_some() as i64)]
}

/// `req.hdr_names([delim])`: the header names in order (lowercase, as haproxy stores
/// them), joined by the delimiter's first character (`,` by default).
fn hdr_names(a: &[Arg], s: &mut dyn SampleSource, dir: Dir) -> Option<Sample> {
    let delim = a
        .first()
        .and_then(|d| d.as_bytes().first().copied())
        .unwrap_or(b',');
    let mut out = Vec::new();
    let exists = s.for_each_header(dir, &mut |n, _| {
        if !out.is_empty() {
            out.push(delim);
        }
        out.extend(n.iter().map(u8::to_ascii_lowercase));
    });
    exists.then(|| Sample::Str(Bytes::from(out)))
}

/// An optional proxy-name argument: `None` when absent or empty (the current proxy).
fn named(a: &[Arg]) -> Option<&[u8]> {
    a.first().map(Arg::as_bytes).filter(|n| !n.is_empty())
}

/// `url_param([name[,delim]])`: the first value in a sample expression, every value in an
/// ACL; `as_int` for `urlp_val` (the value's leading integer).
fn url_param(a: &[Arg], s: &mut dyn SampleSource, m: FetchMode, as_int: bool) -> Vec<Sample> {
    let Some(uri) = s.uri() else {
        return Vec::new();
    };
    let name = a.first().map(Arg::as_bytes).unwrap_or(b"");
    let delim = a
        .get(1)
        .and_then(|d| d.as_bytes().first().copied())
        .unwrap_or(b'?');
    let mut vals = fh::url_params(&uri, name, delim);
    if m == FetchMode::Single {
        vals.truncate(1);
    }
    vals.into_iter()
        .map(|v| {
            if as_int {
                Sample::Sint(read_int64(&v).0)
            } else {
                Sample::Str(v)
            }
        })
        .collect()
}

/// What a cookie fetch returns.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cook {
    Value,
    Count,
    Int,
}

/// `req.cook`, `res.cook` and their `_cnt`/`_val` forms. A sample expression takes the
/// last occurrence of a named cookie and the first cookie when no name is given; ACLs try
/// every one. Counting needs only the HTTP message.
fn cookie(a: &[Arg], s: &mut dyn SampleSource, m: FetchMode, dir: Dir, what: Cook) -> Vec<Sample> {
    let name = a.first().map(Arg::as_bytes).unwrap_or(b"");
    let Some(mut vals) = fh::cookie_values(s, dir, name) else {
        return Vec::new();
    };
    if what == Cook::Count {
        return vec![Sample::Sint(vals.len() as i64)];
    }
    if m == FetchMode::Single {
        let v = if name.is_empty() {
            vals.into_iter().next()
        } else {
            vals.pop()
        };
        vals = v.into_iter().collect();
    }
    vals.into_iter()
        .map(|v| match what {
            Cook::Int => Sample::Sint(read_int64(&v).0),
            _ => Sample::Str(v),
        })
        .collect()
}

/// `hdr_ip`: the header occurrence(s) read as an address (`a.b.c.d[:port]` or IPv6); a
/// value that is not one is skipped (an ACL tries the next occurrence).
fn hdr_ip(a: &[Arg], s: &mut dyn SampleSource, m: FetchMode, dir: Dir) -> Vec<Sample> {
    hdr(a, s, m, dir, false)
        .into_iter()
        .filter_map(|v| match v {
            Sample::Str(b) => fh::header_ip(&b),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lua_names::LuaNames;
    use crate::sample::expr::{ExprCtx, SampleExpr};
    use crate::sample::testsrc::{TestSource, block_on};

    /// Evaluates `text` (single value, as `%[...]`) and every value (as an ACL).
    fn ev(src: &mut TestSource, text: &str) -> (Option<String>, Vec<String>) {
        let (e, _) = SampleExpr::parse(text, &LuaNames::default(), ExprCtx::Word).unwrap();
        let show = |v: Sample| String::from_utf8_lossy(&v.to_str_form().unwrap()).into_owned();
        let one = e.eval_sync(src).map(show);
        let all = block_on(e.eval_all(src)).into_iter().map(show).collect();
        (one, all)
    }

    fn rich() -> TestSource {
        let mut s = TestSource::http(
            "/p/a?q&x=1&y=&x=2;n=42",
            &[
                ("Host", "example.org"),
                ("Cookie", "a=1; b = two ; a=3, c=4"),
                ("cookie", "n=12x; a=last"),
                ("X-IP", "10.0.0.1:80"),
                ("X-IP", "junk"),
            ],
        );
        s.res_headers = Some(vec![
            ("Set-Cookie".into(), "sid=abc; Path=/".into()),
            ("Set-Cookie".into(), "n=7".into()),
        ]);
        s
    }

    #[test]
    fn rdp_cookies() {
        let mut s = TestSource {
            body: Some(Bytes::from_static(
                b"\x03\x00\x00\x2c\x27\xe0\x00\x00\x00\x00\x00Cookie: mstshash=bob\r\nrest",
            )),
            ..TestSource::default()
        };
        assert_eq!(ev(&mut s, "req.rdp_cookie").0.unwrap(), "bob");
        assert_eq!(ev(&mut s, "rdp_cookie(MSTSHASH)").0.unwrap(), "bob");
        assert_eq!(ev(&mut s, "req.rdp_cookie(other)").0, None);
        assert_eq!(ev(&mut s, "req.rdp_cookie_cnt").0.unwrap(), "1");
        assert_eq!(ev(&mut s, "rdp_cookie_cnt(other)").0.unwrap(), "0");
        s.body = Some(Bytes::from_static(b"short"));
        assert_eq!(ev(&mut s, "req.rdp_cookie_cnt").0.unwrap(), "0");
    }

    #[test]
    fn catalogue_fetches() {
        let mut s = rich();
        let one = |s: &mut TestSource, t: &str| ev(s, t).0;
        let all = |s: &mut TestSource, t: &str| ev(s, t).1;
        assert_eq!(one(&mut s, "base").unwrap(), "example.org/p/a");
        assert_eq!(
            one(&mut s, "baseq").unwrap(),
            "example.org/p/a?q&x=1&y=&x=2;n=42"
        );
        assert_eq!(one(&mut s, "url_param(x)").unwrap(), "1");
        assert_eq!(all(&mut s, "url_param(x)"), ["1", "2"]);
        assert_eq!(all(&mut s, "urlp"), ["1", "", "2", "42"]);
        assert_eq!(one(&mut s, "urlp_val(n)").unwrap(), "42");
        assert_eq!(one(&mut s, "url_param(nope)"), None);
        // Named cookies: the last in an expression; unnamed: the first; ACLs see each.
        assert_eq!(one(&mut s, "req.cook(a)").unwrap(), "last");
        assert_eq!(one(&mut s, "cook").unwrap(), "1");
        assert_eq!(all(&mut s, "cook(a)"), ["1", "3", "last"]);
        assert_eq!(one(&mut s, "req.cook_cnt").unwrap(), "6");
        assert_eq!(one(&mut s, "cook_val(n)").unwrap(), "12");
        assert_eq!(one(&mut s, "res.cook(sid)").unwrap(), "abc");
        assert_eq!(one(&mut s, "scook_cnt").unwrap(), "2");
        assert_eq!(one(&mut s, "res.cook_val(n)").unwrap(), "7");
        // hdr_ip: the last occurrence in an expression, the valid ones in an ACL.
        assert_eq!(one(&mut s, "hdr_ip(x-ip)"), None);
        assert_eq!(all(&mut s, "hdr_ip(x-ip)"), ["10.0.0.1"]);
        assert_eq!(one(&mut s, "hdr_ip(x-ip,1)").unwrap(), "10.0.0.1");
        assert_eq!(one(&mut s, "url_ip"), None);
        assert_eq!(one(&mut s, "req.body_len").unwrap(), "0");
        assert!(
            one(&mut s, "req.hdrs")
                .unwrap()
                .starts_with("host: example.org\r\n")
        );
        assert_eq!(one(&mut s, "ipv4(1.2.3.4)").unwrap(), "1.2.3.4");
        assert_eq!(one(&mut s, "ipv6(::1)").unwrap(), "::1");
        assert!(one(&mut s, "env(PATH)").is_some());
        assert_eq!(one(&mut s, "uuid").map(|u| u.len()), Some(36));
        assert_eq!(one(&mut s, "rand(1)").unwrap(), "0");
        assert!(one(&mut s, "hostname").is_some());
        assert_eq!(
            one(&mut s, "req.hdr_names(|)").unwrap(),
            "host|cookie|cookie|x-ip|x-ip"
        );
        assert_eq!(
            one(&mut s, "capture.req.uri").unwrap(),
            "/p/a?q&x=1&y=&x=2;n=42"
        );
        assert_eq!(one(&mut s, "capture.req.ver").unwrap(), "HTTP/1.1");
        assert_eq!(one(&mut s, "capture.req.method").unwrap(), "GET");
        assert_eq!(one(&mut s, "txn.status"), None);
        s.status = Some(404);
        assert_eq!(one(&mut s, "txn.status").unwrap(), "404");
        // Engine-only data: absent from a source that does not provide it.
        for f in [
            "fe_id",
            "be_id",
            "nbsrv",
            "be_conn",
            "fe_conn",
            "unique-id",
            "res.ver",
        ] {
            assert_eq!(one(&mut s, f), None, "{f}");
        }
        let mut absolute = TestSource::http("http://10.1.2.3:81/x", &[]);
        assert_eq!(one(&mut absolute, "url_ip").unwrap(), "10.1.2.3");
        assert_eq!(one(&mut absolute, "url_port").unwrap(), "81");
        // Outside HTTP, HTTP fetches fail.
        let mut tcp = TestSource::default();
        for f in [
            "base",
            "url_param",
            "req.cook",
            "req.cook_cnt",
            "req.body_len",
            "req.hdrs",
        ] {
            assert_eq!(one(&mut tcp, f), None, "{f}");
        }
    }

    #[test]
    fn uri_parts() {
        let u = Bytes::from("http://h:80/a/b?x=1");
        assert_eq!(uri_path(&u), Some(Bytes::from("/a/b")));
        assert_eq!(uri_query(&u), Some(Bytes::from("x=1")));
        assert_eq!(uri_path(&Bytes::from("/p?")), Some(Bytes::from("/p")));
        assert_eq!(uri_query(&Bytes::from("/p?")), Some(Bytes::new()));
        assert_eq!(uri_query(&Bytes::from("/p")), None);
        assert_eq!(uri_path(&Bytes::from("*")), None);
        assert_eq!(uri_path(&Bytes::from("http://h")), None);
        assert_eq!(
            uri_pathq(&Bytes::from("http://h/x?y")),
            Some(Bytes::from("/x?y"))
        );
    }

    #[test]
    fn occurrences() {
        let v = vec![1, 2, 3];
        assert_eq!(pick(v.clone(), 0, FetchMode::Single), vec![3]);
        assert_eq!(pick(v.clone(), 0, FetchMode::All), vec![1, 2, 3]);
        assert_eq!(pick(v.clone(), 1, FetchMode::Single), vec![1]);
        assert_eq!(pick(v.clone(), -1, FetchMode::Single), vec![3]);
        assert_eq!(pick(v.clone(), -3, FetchMode::Single), vec![1]);
        assert!(pick(v.clone(), 4, FetchMode::Single).is_empty());
        assert!(pick(v, -4, FetchMode::Single).is_empty());
    }

    #[test]
    fn names_are_unique() {
        for (i, f) in FETCHES.iter().enumerate() {
            assert!(FETCHES[..i].iter().all(|g| g.name != f.name), "{}", f.name);
        }
    }
}
