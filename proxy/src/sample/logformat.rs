//! Log formats (`log-format`, `option httplog|tcplog`, and the log-format strings of rules:
//! `set-header` values, `redirect` locations, `return lf-string`...): parsing `%[expr]`,
//! `%xx` aliases and `%{+Q,...}` options with HAProxy 2.6's `parse_logformat_string` rules and
//! messages, and rendering over a `SampleSource` plus the stream's timers and counters.
//!
//! Two modes, as in HAProxy: `Log` (the `log-format` directive: runs of spaces merge, missing
//! values print `-`) and `Http` (rule arguments: spaces kept, missing values are empty, and
//! sample results have control characters `%XX`-encoded so a header stays valid).

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use crate::lua_names::LuaNames;

use super::expr::{ExprCtx, SampleExpr};
use super::placement::{self, Places};
use super::source::{LuaSamples, SampleSource};
use super::value::Sample;

/// HAProxy 2.6's `option httplog` format.
pub const HTTPLOG_FORMAT: &str = "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r";
/// HAProxy 2.6's `option tcplog` format.
pub const TCPLOG_FORMAT: &str =
    "%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LfMode {
    Log,
    Http,
}

/// Per-item options (`%{+Q}`: quote, `+X`: hexadecimal, `+E`: escape, `+M`: mandatory).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LfOpts {
    pub quote: bool,
    pub hex: bool,
    pub escape: bool,
    pub mandatory: bool,
}

/// The `%xx` aliases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogVar {
    ClientIp,
    ClientPort,
    FrontendIp,
    FrontendPort,
    FrontendTransport,
    Frontend,
    Backend,
    Server,
    ServerIp,
    ServerPort,
    BackendSrcIp,
    BackendSrcPort,
    Status,
    BytesOut,
    BytesIn,
    Th,
    Ti,
    TR,
    Tq,
    Tw,
    Tc,
    Tr,
    Ta,
    Tt,
    Td,
    Tu,
    Request,
    Method,
    Uri,
    UriPath,
    PathOnly,
    Query,
    Version,
    ReqCaptures,
    ReqCapturesClf,
    ResCaptures,
    ResCapturesClf,
    ReqCookie,
    ResCookie,
    Term,
    TermCookie,
    ActConn,
    FeConn,
    BeConn,
    SrvConn,
    Retries,
    SrvQueue,
    BeQueue,
    AcceptDate,
    AcceptDateGmt,
    AcceptDateLocal,
    AcceptTs,
    AcceptMs,
    RequestDate,
    RequestDateGmt,
    RequestDateLocal,
    Pid,
    Hostname,
    UniqueId,
    RequestCounter,
    LogCounter,
    SslCipher,
    SslVersion,
}

static VARS: &[(&str, LogVar)] = &[
    ("ci", LogVar::ClientIp),
    ("cp", LogVar::ClientPort),
    ("fi", LogVar::FrontendIp),
    ("fp", LogVar::FrontendPort),
    ("ft", LogVar::FrontendTransport),
    ("f", LogVar::Frontend),
    ("b", LogVar::Backend),
    ("s", LogVar::Server),
    ("si", LogVar::ServerIp),
    ("sp", LogVar::ServerPort),
    ("bi", LogVar::BackendSrcIp),
    ("bp", LogVar::BackendSrcPort),
    ("ST", LogVar::Status),
    ("B", LogVar::BytesOut),
    ("U", LogVar::BytesIn),
    ("Th", LogVar::Th),
    ("Ti", LogVar::Ti),
    ("TR", LogVar::TR),
    ("Tq", LogVar::Tq),
    ("Tw", LogVar::Tw),
    ("Tc", LogVar::Tc),
    ("Tr", LogVar::Tr),
    ("Ta", LogVar::Ta),
    ("Tt", LogVar::Tt),
    ("Td", LogVar::Td),
    ("Tu", LogVar::Tu),
    ("r", LogVar::Request),
    ("HM", LogVar::Method),
    ("HU", LogVar::Uri),
    ("HP", LogVar::UriPath),
    ("HPO", LogVar::PathOnly),
    ("HQ", LogVar::Query),
    ("HV", LogVar::Version),
    ("hr", LogVar::ReqCaptures),
    ("hrl", LogVar::ReqCapturesClf),
    ("hs", LogVar::ResCaptures),
    ("hsl", LogVar::ResCapturesClf),
    ("CC", LogVar::ReqCookie),
    ("CS", LogVar::ResCookie),
    ("ts", LogVar::Term),
    ("tsc", LogVar::TermCookie),
    ("ac", LogVar::ActConn),
    ("fc", LogVar::FeConn),
    ("bc", LogVar::BeConn),
    ("sc", LogVar::SrvConn),
    ("rc", LogVar::Retries),
    ("sq", LogVar::SrvQueue),
    ("bq", LogVar::BeQueue),
    ("t", LogVar::AcceptDate),
    ("T", LogVar::AcceptDateGmt),
    ("Tl", LogVar::AcceptDateLocal),
    ("Ts", LogVar::AcceptTs),
    ("ms", LogVar::AcceptMs),
    ("tr", LogVar::RequestDate),
    ("trg", LogVar::RequestDateGmt),
    ("trl", LogVar::RequestDateLocal),
    ("pid", LogVar::Pid),
    ("H", LogVar::Hostname),
    ("ID", LogVar::UniqueId),
    ("rt", LogVar::RequestCounter),
    ("lc", LogVar::LogCounter),
    ("sslc", LogVar::SslCipher),
    ("sslv", LogVar::SslVersion),
];

#[derive(Clone, Debug)]
pub enum LfNode {
    Text(String),
    /// A run of spaces in `Log` mode: one space unless the output already ends in one.
    Separator,
    Var(LogVar, LfOpts),
    Expr(SampleExpr, LfOpts),
}

/// A parsed log format.
#[derive(Clone, Debug)]
pub struct LogFormat {
    pub mode: LfMode,
    pub nodes: Vec<LfNode>,
}

/// What a log line knows beyond the sample source: the stream's dates, timers (ms; `None`
/// prints -1), byte counts, counters and states. The engine fills it as the stream goes.
#[derive(Clone, Debug)]
pub struct StreamLog {
    pub accept_date: SystemTime,
    /// When the request's first byte arrived (`%tr`); the accept date when `None`.
    pub request_date: Option<SystemTime>,
    /// The frontend connection is TLS (`%ft` gets a `~`).
    pub ssl: bool,
    pub th: Option<i64>,
    pub ti: Option<i64>,
    /// `%TR`: receiving the request headers.
    pub t_req: Option<i64>,
    pub tw: Option<i64>,
    pub tc: Option<i64>,
    /// `%Tr`: the server's response time.
    pub tr: Option<i64>,
    pub ta: Option<i64>,
    pub tt: Option<i64>,
    /// `%U`, from the client.
    pub bytes_in: u64,
    /// `%B`, to the client.
    pub bytes_out: u64,
    /// `%ST`: -1 until a status is known.
    pub status: i32,
    /// `%ts`: session state at disconnection, two characters ("--", "CD", "sC"...).
    pub term: [u8; 2],
    /// The persistence cookie states `%tsc` appends ("--" without cookies).
    pub cookie: [u8; 2],
    pub actconn: i64,
    pub feconn: i64,
    pub beconn: i64,
    pub srv_conn: i64,
    pub retries: i64,
    /// Printed as `+N` in `%rc` when the request was redispatched.
    pub redispatched: bool,
    pub srv_queue: i64,
    pub backend_queue: i64,
    /// The request line as received (`%r`, `%HM`...).
    pub request_line: Option<Bytes>,
    /// Captured request/response headers; `None` when the proxy captures none.
    pub req_captures: Option<Vec<Option<Bytes>>>,
    pub res_captures: Option<Vec<Option<Bytes>>>,
    pub unique_id: Option<Bytes>,
    pub server_addr: Option<SocketAddr>,
    pub backend_src: Option<SocketAddr>,
    pub hostname: String,
    pub pid: u32,
    pub log_counter: u64,
    pub request_counter: u64,
}

impl Default for StreamLog {
    fn default() -> Self {
        StreamLog {
            accept_date: UNIX_EPOCH,
            request_date: None,
            ssl: false,
            th: None,
            ti: None,
            t_req: None,
            tw: None,
            tc: None,
            tr: None,
            ta: None,
            tt: None,
            bytes_in: 0,
            bytes_out: 0,
            status: -1,
            term: *b"--",
            cookie: *b"--",
            actconn: 0,
            feconn: 0,
            beconn: 0,
            srv_conn: 0,
            retries: 0,
            redispatched: false,
            srv_queue: 0,
            backend_queue: 0,
            request_line: None,
            req_captures: None,
            res_captures: None,
            unique_id: None,
            server_addr: None,
            backend_src: None,
            hostname: String::new(),
            pid: 0,
            log_counter: 0,
            request_counter: 0,
        }
    }
}

fn parse_opts(arg: &str, opts: &mut LfOpts) {
    for item in arg.split(',') {
        let (on, name) = match item.as_bytes().first() {
            Some(b'+') => (true, &item[1..]),
            Some(b'-') => (false, &item[1..]),
            _ => continue,
        };
        match name {
            "Q" => opts.quote = on,
            "X" => opts.hex = on,
            "E" => opts.escape = on,
            "M" => opts.mandatory = on,
            _ => {}
        }
    }
}

impl LogFormat {
    /// A rule argument (`set-header` value, `redirect` location, `lf-string`...).
    pub fn parse(fmt: &str, lua: &LuaNames) -> Result<LogFormat, String> {
        Self::parse_mode(fmt, lua, LfMode::Http, None)
    }

    /// A rule argument evaluated at `places` (`sample::placement`): a fetch usable in none of
    /// them is refused with HAProxy's message.
    pub fn parse_placed(fmt: &str, lua: &LuaNames, places: Places) -> Result<LogFormat, String> {
        Self::parse_mode(fmt, lua, LfMode::Http, Some(places))
    }

    /// A `log-format` directive (and the `option httplog|tcplog` formats).
    pub fn parse_log(fmt: &str, lua: &LuaNames) -> Result<LogFormat, String> {
        Self::parse_mode(fmt, lua, LfMode::Log, None)
    }

    pub fn httplog() -> LogFormat {
        Self::parse_log(HTTPLOG_FORMAT, &LuaNames::default()).expect("built-in format")
    }

    pub fn tcplog() -> LogFormat {
        Self::parse_log(TCPLOG_FORMAT, &LuaNames::default()).expect("built-in format")
    }

    fn parse_mode(
        fmt: &str,
        lua: &LuaNames,
        mode: LfMode,
        places: Option<Places>,
    ) -> Result<LogFormat, String> {
        let b = fmt.as_bytes();
        let mut nodes = Vec::new();
        let mut defopts = LfOpts {
            mandatory: mode == LfMode::Log,
            ..LfOpts::default()
        };
        let mut text = String::new();
        let flush = |text: &mut String, nodes: &mut Vec<LfNode>| {
            if !text.is_empty() {
                nodes.push(LfNode::Text(std::mem::take(text)));
            }
        };
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c == b' ' && mode == LfMode::Log {
                flush(&mut text, &mut nodes);
                while i < b.len() && b[i] == b' ' {
                    i += 1;
                }
                nodes.push(LfNode::Separator);
                continue;
            }
            if c != b'%' {
                let n = fmt[i..].find(['%', ' ']).unwrap_or(fmt.len() - i).max(1);
                text.push_str(&fmt[i..i + n]);
                i += n;
                continue;
            }
            // '%'
            i += 1;
            let Some(&next) = b.get(i) else {
                return Err("truncated line after '%'".into());
            };
            let mut opts = defopts;
            match next {
                b'%' => {
                    text.push('%');
                    i += 1;
                    continue;
                }
                b'{' => {
                    let start = i + 1;
                    let Some(end) = fmt[start..].find('}') else {
                        return Err(format!("truncated line after '{}'", &fmt[start..]));
                    };
                    let a = &fmt[start..start + end];
                    parse_opts(a, &mut opts);
                    i = start + end + 1;
                    match b.get(i) {
                        Some(b'[') => {}
                        Some(c) if c.is_ascii_alphanumeric() => {}
                        _ => {
                            return Err(format!(
                                "parse argument modifier without variable name near '%{{{a}}}'"
                            ));
                        }
                    }
                }
                c if c.is_ascii_digit() || c == b' ' || c == b'\t' => {
                    return Err(format!(
                        "unexpected variable name near '{}' at position {} line : '{fmt}'. Maybe you want to write a single '%', use the syntax '%%'",
                        c as char,
                        i + 1
                    ));
                }
                c if c == b'[' || c.is_ascii_alphabetic() => {}
                _ => {
                    // Anything else after '%' is literal text, the '%' included.
                    text.push('%');
                    continue;
                }
            }
            flush(&mut text, &mut nodes);
            if b.get(i) == Some(&b'[') {
                let start = i + 1;
                let rest = &fmt[start..];
                let (expr, used) = SampleExpr::parse(rest, lua, ExprCtx::Embedded)
                    .map_err(|e| format!("failed to parse sample expression <{rest}> : {e}"))?;
                let after = start + used;
                match b.get(after) {
                    Some(b']') => {}
                    Some(&c) if (0x20..0x7f).contains(&c) => {
                        return Err(format!(
                            "expected ']' after '{}', but found '{}'",
                            &fmt[start..after],
                            c as char
                        ));
                    }
                    _ => return Err(format!("missing ']' after '{}'", &fmt[start..after])),
                }
                if let Some(places) = places {
                    let p = placement::of_fetch(&expr.fetch_name());
                    if !p.usable_in(places) {
                        return Err(format!(
                            "sample fetch <{rest}> may not be reliably used here because it needs '{}' which is not available here",
                            p.src_name()
                        ));
                    }
                }
                nodes.push(LfNode::Expr(expr, opts));
                i = after + 1;
                continue;
            }
            let n = b[i..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric())
                .count();
            let name = &fmt[i..i + n];
            i += n;
            if name == "o" {
                defopts = opts;
                continue;
            }
            let Some((_, var)) = VARS.iter().find(|(v, _)| *v == name) else {
                return Err(format!(
                    "no such format variable '{name}'. If you wanted to emit the '%' character verbatim, you need to use '%%'"
                ));
            };
            nodes.push(LfNode::Var(*var, opts));
        }
        flush(&mut text, &mut nodes);
        Ok(LogFormat { mode, nodes })
    }

    /// Whether rendering may run Lua (an expression with `lua.*`).
    pub fn uses_lua(&self) -> bool {
        self.nodes
            .iter()
            .any(|n| matches!(n, LfNode::Expr(e, _) if e.uses_lua()))
    }

    /// Renders the format. Expressions are evaluated first (they may await Lua), then the
    /// line is built.
    pub async fn render<S: LuaSamples>(&self, src: &mut S, log: &StreamLog) -> Vec<u8> {
        let mut values = Vec::new();
        for n in &self.nodes {
            if let LfNode::Expr(e, _) = n {
                values.push(e.eval(src).await.and_then(Sample::to_str_form));
            }
        }
        self.build(src, log, values)
    }

    /// Rendering without Lua (`lua.*` expressions render as missing values).
    pub fn render_sync(&self, src: &mut dyn SampleSource, log: &StreamLog) -> Vec<u8> {
        let mut values = Vec::new();
        for n in &self.nodes {
            if let LfNode::Expr(e, _) = n {
                values.push(e.eval_sync(src).and_then(Sample::to_str_form));
            }
        }
        self.build(src, log, values)
    }

    fn build(
        &self,
        src: &dyn SampleSource,
        log: &StreamLog,
        values: Vec<Option<Bytes>>,
    ) -> Vec<u8> {
        let mut out = Vec::with_capacity(128);
        let mut last_space = true;
        let mut values = values.into_iter();
        for n in &self.nodes {
            match n {
                LfNode::Separator => {
                    if !last_space {
                        out.push(b' ');
                        last_space = true;
                    }
                }
                LfNode::Text(t) => {
                    out.extend_from_slice(t.as_bytes());
                    last_space = false;
                }
                LfNode::Expr(_, opts) => {
                    let v = values.next().flatten();
                    if self.mode == LfMode::Http {
                        http_encode(&mut out, v.as_deref().unwrap_or(b""), opts.escape);
                    } else {
                        lf_text(&mut out, v.as_deref(), opts);
                    }
                    last_space = false;
                }
                LfNode::Var(var, opts) => {
                    if render_var(&mut out, *var, opts, src, log) {
                        last_space = false;
                    }
                }
            }
        }
        out
    }
}

/// `lf_encode_chunk` with `http_encode_map`: control characters other than HTAB become
/// `%XX`; with `+E`, `"`, `\` and `]` are backslash-escaped.
fn http_encode(out: &mut Vec<u8>, v: &[u8], escape: bool) {
    for &c in v {
        if escape && matches!(c, b'"' | b'\\' | b']') {
            out.push(b'\\');
            out.push(c);
        } else if (c <= 0x08) || (0x0a..=0x1f).contains(&c) || c == 0x7f {
            out.extend_from_slice(format!("%{c:02X}").as_bytes());
        } else {
            out.push(c);
        }
    }
}

/// `lf_text_len`: quotes and escapes per options; a missing or empty value prints `-` when
/// mandatory and not quoted.
fn lf_text(out: &mut Vec<u8>, v: Option<&[u8]>, o: &LfOpts) {
    if o.quote {
        out.push(b'"');
    }
    match v {
        Some(v) if !v.is_empty() => {
            for &c in v {
                if o.escape && matches!(c, b'"' | b'\\' | b']') {
                    out.push(b'\\');
                }
                out.push(c);
            }
        }
        _ if o.mandatory && !o.quote => out.push(b'-'),
        _ => {}
    }
    if o.quote {
        out.push(b'"');
    }
}

fn lf_int(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(v.to_string().as_bytes());
}

fn lf_ip(out: &mut Vec<u8>, a: Option<SocketAddr>, o: &LfOpts) {
    match a {
        Some(a) if o.hex => {
            let s = match a.ip() {
                std::net::IpAddr::V4(ip) => {
                    ip.octets().iter().map(|b| format!("{b:02X}")).collect()
                }
                std::net::IpAddr::V6(ip) => ip
                    .segments()
                    .iter()
                    .map(|s| format!("{s:04X}"))
                    .collect::<String>(),
            };
            lf_text(out, Some(s.as_bytes()), o)
        }
        Some(a) => lf_text(out, Some(a.ip().to_string().as_bytes()), o),
        None => lf_text(out, None, o),
    }
}

fn lf_port(out: &mut Vec<u8>, a: Option<SocketAddr>, o: &LfOpts) {
    match a {
        Some(a) if o.hex => out.extend_from_slice(format!("{:04X}", a.port()).as_bytes()),
        Some(a) => lf_int(out, a.port() as i64),
        None => lf_text(out, None, o),
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn epoch(t: SystemTime) -> (i64, u32) {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_millis()),
        Err(_) => (0, 0),
    }
}

/// `dd/Mon/yyyy:HH:MM:SS` then `.mmm` (`with_ms`) or ` +zzzz` (`with_zone`), local or UTC.
fn date(out: &mut Vec<u8>, t: SystemTime, local: bool, with_ms: bool, with_zone: bool) {
    let (secs, ms) = epoch(t);
    let tm = if local {
        halo_stdlib::localtime::local_from_epoch(secs)
    } else {
        halo_stdlib::strftime::utc_from_epoch(secs)
    };
    let Some(tm) = tm else {
        out.push(b'-');
        return;
    };
    let mut s = format!(
        "{:02}/{}/{:04}:{:02}:{:02}:{:02}",
        tm.day,
        MONTHS[(tm.month.clamp(1, 12) - 1) as usize],
        tm.year,
        tm.hour,
        tm.min,
        tm.sec
    );
    if with_ms {
        s.push_str(&format!(".{ms:03}"));
    }
    if with_zone {
        let off = if local { tm.gmtoff } else { 0 };
        let sign = if off < 0 { '-' } else { '+' };
        let off = off.abs();
        s.push_str(&format!(" {sign}{:02}{:02}", off / 3600, (off % 3600) / 60));
    }
    out.extend_from_slice(s.as_bytes());
}

fn timer(out: &mut Vec<u8>, t: Option<i64>) {
    lf_int(out, t.unwrap_or(-1));
}

fn sum(ts: &[Option<i64>]) -> Option<i64> {
    ts.iter().try_fold(0i64, |acc, t| t.map(|t| acc + t))
}

/// The request line's three parts.
fn request_parts(line: &Option<Bytes>) -> [Option<&[u8]>; 3] {
    let Some(l) = line else {
        return [None, None, None];
    };
    let mut it = l.splitn(3, |&c| c == b' ');
    [it.next(), it.next(), it.next()]
}

fn captures(out: &mut Vec<u8>, caps: &Option<Vec<Option<Bytes>>>, clf: bool, o: &LfOpts) -> bool {
    let Some(caps) = caps else { return false };
    if caps.is_empty() {
        return false;
    }
    if !clf {
        out.push(b'{');
    }
    for (i, c) in caps.iter().enumerate() {
        if i > 0 {
            out.push(if clf { b' ' } else { b'|' });
        }
        match c {
            Some(c) => lf_text(
                out,
                Some(c),
                &LfOpts {
                    mandatory: clf,
                    ..*o
                },
            ),
            None if clf => lf_text(
                out,
                None,
                &LfOpts {
                    mandatory: true,
                    ..*o
                },
            ),
            None => {}
        }
    }
    if !clf {
        out.push(b'}');
    }
    true
}

/// Writes one alias; returns false when it wrote nothing (spaces around it may merge).
fn render_var(
    out: &mut Vec<u8>,
    var: LogVar,
    o: &LfOpts,
    src: &dyn SampleSource,
    log: &StreamLog,
) -> bool {
    use LogVar::*;
    let text = |out: &mut Vec<u8>, v: Option<&[u8]>| lf_text(out, v, o);
    match var {
        ClientIp => lf_ip(out, src.client_addr(), o),
        ClientPort => lf_port(out, src.client_addr(), o),
        FrontendIp => lf_ip(out, src.frontend_addr(), o),
        FrontendPort => lf_port(out, src.frontend_addr(), o),
        ServerIp => lf_ip(out, log.server_addr, o),
        ServerPort => lf_port(out, log.server_addr, o),
        BackendSrcIp => lf_ip(out, log.backend_src, o),
        BackendSrcPort => lf_port(out, log.backend_src, o),
        Frontend => text(out, src.frontend_name().as_deref().map(str::as_bytes)),
        FrontendTransport => {
            let mut n = src.frontend_name().unwrap_or_default();
            if log.ssl {
                n.push('~');
            }
            text(out, Some(n.as_bytes()))
        }
        Backend => text(
            out,
            src.backend_name()
                .or_else(|| src.frontend_name())
                .as_deref()
                .map(str::as_bytes),
        ),
        Server => text(
            out,
            Some(
                src.server_name()
                    .unwrap_or_else(|| "<NOSRV>".into())
                    .as_bytes(),
            ),
        ),
        Status => lf_int(out, log.status as i64),
        BytesOut => lf_int(out, log.bytes_out as i64),
        BytesIn => lf_int(out, log.bytes_in as i64),
        Th => timer(out, log.th),
        Ti => timer(out, log.ti),
        TR => timer(out, log.t_req),
        Tq => timer(out, sum(&[log.th, log.ti, log.t_req])),
        Tw => timer(out, log.tw),
        Tc => timer(out, log.tc),
        Tr => timer(out, log.tr),
        Ta => timer(out, log.ta),
        Tt => timer(out, log.tt),
        Td => timer(
            out,
            match (
                log.tt,
                sum(&[log.th, log.ti, log.t_req, log.tw, log.tc, log.tr]),
            ) {
                (Some(tt), Some(s)) => Some(tt - s),
                _ => None,
            },
        ),
        Tu => timer(
            out,
            match (log.tt, log.ti) {
                (Some(tt), Some(ti)) => Some(tt - ti),
                (Some(tt), None) => Some(tt),
                _ => None,
            },
        ),
        Request => text(out, log.request_line.as_deref()),
        Method => text(out, request_parts(&log.request_line)[0]),
        Uri => text(out, request_parts(&log.request_line)[1]),
        UriPath => {
            let u = request_parts(&log.request_line)[1];
            text(out, u.map(|u| u.split(|&c| c == b'?').next().unwrap_or(u)))
        }
        PathOnly => {
            let u = request_parts(&log.request_line)[1].map(Bytes::copy_from_slice);
            text(out, u.and_then(|u| super::fetch::uri_path(&u)).as_deref())
        }
        Query => {
            let u = request_parts(&log.request_line)[1];
            let q = u.and_then(|u| u.iter().position(|&c| c == b'?').map(|p| &u[p..]));
            text(out, Some(q.unwrap_or(b"")))
        }
        Version => text(out, request_parts(&log.request_line)[2]),
        ReqCaptures => return captures(out, &log.req_captures, false, o),
        ReqCapturesClf => return captures(out, &log.req_captures, true, o),
        ResCaptures => return captures(out, &log.res_captures, false, o),
        ResCapturesClf => return captures(out, &log.res_captures, true, o),
        ReqCookie | ResCookie => text(out, None),
        Term => text(out, Some(&log.term)),
        TermCookie => {
            let mut v = log.term.to_vec();
            v.extend_from_slice(&log.cookie);
            text(out, Some(&v))
        }
        ActConn => lf_int(out, log.actconn),
        FeConn => lf_int(out, log.feconn),
        BeConn => lf_int(out, log.beconn),
        SrvConn => lf_int(out, log.srv_conn),
        Retries => {
            if log.redispatched {
                out.push(b'+');
            }
            lf_int(out, log.retries)
        }
        SrvQueue => lf_int(out, log.srv_queue),
        BeQueue => lf_int(out, log.backend_queue),
        AcceptDate => date(out, log.accept_date, true, true, false),
        AcceptDateGmt => date(out, log.accept_date, false, false, true),
        AcceptDateLocal => date(out, log.accept_date, true, false, true),
        AcceptTs => {
            let s = epoch(log.accept_date).0;
            if o.hex {
                out.extend_from_slice(format!("{s:08X}").as_bytes())
            } else {
                lf_int(out, s)
            }
        }
        AcceptMs => out.extend_from_slice(format!("{:03}", epoch(log.accept_date).1).as_bytes()),
        RequestDate => date(out, req_date(log), true, true, false),
        RequestDateGmt => date(out, req_date(log), false, false, true),
        RequestDateLocal => date(out, req_date(log), true, false, true),
        // With `+X`, HAProxy prints these counters as `%04X`.
        Pid if o.hex => out.extend_from_slice(format!("{:04X}", log.pid).as_bytes()),
        Pid => lf_int(out, log.pid as i64),
        Hostname => text(out, Some(log.hostname.as_bytes())),
        UniqueId => text(out, log.unique_id.as_deref()),
        RequestCounter if o.hex => {
            out.extend_from_slice(format!("{:04X}", log.request_counter).as_bytes())
        }
        RequestCounter => lf_int(out, log.request_counter as i64),
        LogCounter if o.hex => out.extend_from_slice(format!("{:04X}", log.log_counter).as_bytes()),
        LogCounter => lf_int(out, log.log_counter as i64),
        SslCipher | SslVersion => text(out, None),
    }
    true
}

fn req_date(log: &StreamLog) -> SystemTime {
    log.request_date.unwrap_or_else(|| {
        // HAProxy derives it from the accept date plus the handshake and idle times.
        let extra = log
            .th
            .unwrap_or(0)
            .max(0)
            .saturating_add(log.ti.unwrap_or(0).max(0));
        log.accept_date
            .checked_add(Duration::from_millis(extra as u64))
            .unwrap_or(log.accept_date)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::testsrc::{TestSource, block_on};

    fn render(fmt: &str, log: &StreamLog, mode: LfMode) -> String {
        let mut l = LuaNames::default();
        l.fetches.insert("ff".into());
        let f = match mode {
            LfMode::Http => LogFormat::parse(fmt, &l),
            LfMode::Log => LogFormat::parse_log(fmt, &l),
        }
        .unwrap();
        let mut src = TestSource::http("/p/a?x=1", &[("Host", "h")]);
        src.client = Some("127.0.0.1:36756".parse().unwrap());
        src.be_name = None;
        src.srv_name = None;
        src.fe_name = Some("f".into());
        let out = block_on(f.render(&mut src, log));
        String::from_utf8(out).unwrap()
    }

    fn http_log() -> StreamLog {
        StreamLog {
            status: 200,
            request_line: Some(Bytes::from_static(b"GET /p/a?x=1 HTTP/1.1")),
            ..StreamLog::default()
        }
    }

    fn err(fmt: &str) -> String {
        LogFormat::parse(fmt, &LuaNames::default()).unwrap_err()
    }

    #[test]
    fn parse_messages() {
        assert_eq!(err("%"), "truncated line after '%'");
        assert_eq!(err("%[path]%"), "truncated line after '%'");
        assert_eq!(err("%{+Q"), "truncated line after '+Q'");
        assert_eq!(
            err("%{+Q}Z"),
            "no such format variable 'Z'. If you wanted to emit the '%' character verbatim, you need to use '%%'"
        );
        assert_eq!(
            err("%Z"),
            "no such format variable 'Z'. If you wanted to emit the '%' character verbatim, you need to use '%%'"
        );
        assert_eq!(err("%[path"), "missing ']' after 'path'");
        assert_eq!(
            err("%[path,lower)]"),
            "expected ']' after 'path,lower', but found ')'"
        );
        assert_eq!(
            err("%[nosuch]"),
            "failed to parse sample expression <nosuch]> : unknown fetch method 'nosuch'"
        );
        assert_eq!(
            err("%[path,nosuch]x"),
            "failed to parse sample expression <path,nosuch]x> : unknown converter 'nosuch'"
        );
        for ok in [
            "%{+Q}r",
            "%{+Q,bogus}r",
            "a%[path]b%%c",
            "%{+Q}o %r",
            "%HPO",
        ] {
            LogFormat::parse(ok, &LuaNames::default()).unwrap();
        }
    }

    #[test]
    fn http_mode_matches_haproxy() {
        // Checked against haproxy 2.6's `http-request return ... lf-string`.
        let fmt = "  a  b %[req.hdr(nope)]|%{+Q}[req.hdr(nope)]|%[str(x\\r\\ty)]|%{+Q}ci|%{+Q}cp|%{+E}[str(a\\\"b)]|%{+X}ci|%{+Q}HM|%{+Q}r|%%|%s|%b|%ST|%ts|%tsc|%CC|%hr|%f|%ID|%HP|%HQ|%HV|%{+Q}o%ci %[path] %cp x";
        assert_eq!(
            render(fmt, &http_log(), LfMode::Http),
            "  a  b ||x%0D\ty|\"127.0.0.1\"|36756|a\\\"b|7F000001|\"GET\"|\"GET /p/a?x=1 HTTP/1.1\"|%|<NOSRV>|f|200|--|----|||f||/p/a|?x=1|HTTP/1.1|\"127.0.0.1\" /p/a 36756 x"
        );
    }

    #[test]
    fn log_mode_matches_haproxy() {
        // Checked against haproxy 2.6's `log-format` output.
        let fmt = "  A  %{+Q}[var(txn.nope)] B %[var(txn.nope)] %{+Q}[str(p)] %s %hr  %b %{+Q}r %[str(x\ty)] %ID %HQ %CC %{+Q}CC end ";
        assert_eq!(
            render(fmt, &http_log(), LfMode::Log),
            "A \"\" B - \"p\" <NOSRV> f \"GET /p/a?x=1 HTTP/1.1\" x\ty - ?x=1 - \"\" end "
        );
    }

    #[test]
    fn default_formats() {
        let accept = UNIX_EPOCH + Duration::from_millis(1_700_000_000_959);
        let log = StreamLog {
            accept_date: accept,
            t_req: Some(0),
            ta: Some(0),
            tt: Some(1),
            bytes_out: 223,
            term: *b"LR",
            actconn: 1,
            feconn: 1,
            ..http_log()
        };
        let f = LogFormat::httplog();
        let mut src = TestSource::http("/p/a?x=1", &[]);
        src.client = Some("127.0.0.1:36756".parse().unwrap());
        src.fe_name = Some("f".into());
        src.be_name = Some("f".into());
        src.srv_name = None;
        let line = String::from_utf8(f.render_sync(&mut src, &log)).unwrap();
        // The date is local time; check everything around it.
        let (head, rest) = line.split_once(" [").unwrap();
        assert_eq!(head, "127.0.0.1:36756");
        let (date, tail) = rest.split_once("] ").unwrap();
        assert_eq!(date.len(), "14/Nov/2023:22:13:20.959".len());
        assert!(date.ends_with(".959"));
        assert_eq!(
            tail,
            "f f/<NOSRV> 0/-1/-1/-1/0 200 223 - - LR-- 1/1/0/0/0 0/0 \"GET /p/a?x=1 HTTP/1.1\""
        );
        let t = LogFormat::tcplog();
        let line = String::from_utf8(t.render_sync(&mut src, &log)).unwrap();
        assert!(
            line.ends_with("] f f/<NOSRV> -1/-1/1 223 LR 1/1/0/0/0 0/0"),
            "{line}"
        );
        let g = LogFormat::parse_log("%T %Ts %ms %{+X}Ts", &LuaNames::default()).unwrap();
        let line = String::from_utf8(g.render_sync(&mut src, &log)).unwrap();
        assert_eq!(line, "14/Nov/2023:22:13:20 +0000 1700000000 959 6553F100");
    }

    #[test]
    fn lua_and_counters() {
        let log = StreamLog {
            retries: 2,
            redispatched: true,
            req_captures: Some(vec![Some(Bytes::from_static(b"h")), None]),
            th: Some(1),
            ti: Some(2),
            t_req: Some(3),
            ..http_log()
        };
        assert_eq!(
            render("%[lua.ff(a)] %rc %hr %hrl %Tq", &log, LfMode::Http),
            "lua:ff(a) +2 {h|} h - 6"
        );
        assert!(
            LogFormat::parse("%[lua.ff]", &{
                let mut l = LuaNames::default();
                l.fetches.insert("ff".into());
                l
            })
            .unwrap()
            .uses_lua()
        );
    }
}
