//! The `exchanges.txt` format of a proxy scenario (documented in `compat-tests/README.md`):
//! a preamble of `#` comments and `%` directives, then `>>>` sections (what the client does)
//! each followed by `<<<` sections (what it must get back), parsed into a `Script`.
//!
//! Content lines take the escapes `\\ \r \n \t \xHH`. An HTTP request's head lines are sent
//! CRLF-terminated and its head is closed by an empty line; every other content (request and
//! response bodies, TCP payloads) is its lines joined by LF with no final line end, so
//! `content-length: 5` goes with the body line `hello`.

use std::fmt;

/// Which engine an expectation or a difference is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    Halo,
    Haproxy,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Halo => "halo",
            Engine::Haproxy => "haproxy",
        }
    }

    fn parse(word: &str) -> Option<Engine> {
        match word {
            "halo" => Some(Engine::Halo),
            "haproxy" => Some(Engine::Haproxy),
            _ => None,
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a step reaches the proxy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Protocol {
    Http,
    Tcp,
}

/// One `>>>` section and the expectations under it.
#[derive(Debug, Clone)]
pub struct Step {
    /// 1-based line of the `>>>` line, for messages.
    pub line: usize,
    pub kind: StepKind,
    /// `<<<` sections: the shared one (engine None) and per-engine ones.
    pub expect: Vec<(Option<Engine>, Expect)>,
}

#[derive(Debug, Clone)]
pub enum StepKind {
    /// Send bytes to the port named `port` (a placeholder name such as `FE`).
    Send {
        protocol: Protocol,
        port: String,
        /// Reuse the connection of the previous step on that port instead of opening one.
        same: bool,
        /// Half-close the sending side after the bytes (TCP: the service sees end of input).
        shut: bool,
        bytes: Vec<u8>,
    },
    /// Pause this many milliseconds (lets a task or a timer run).
    Wait(u64),
}

/// What one step must produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// An HTTP response.
    Http(HttpExpect),
    /// These bytes exactly (TCP).
    Bytes(Vec<u8>),
    /// The connection is closed without a byte.
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpExpect {
    pub status_line: String,
    /// Every header, in order; a value `*` accepts any value.
    pub headers: Vec<(String, String)>,
    /// None: any body (the body line `...`).
    pub body: Option<Vec<u8>>,
}

/// A parsed `exchanges.txt`.
#[derive(Debug, Clone, Default)]
pub struct Script {
    /// Header names (lowercase) dropped from responses before comparing.
    pub ignore_headers: Vec<String>,
    /// `% any-header-order`: headers compare sorted by name (values of one name keep their
    /// order). HAProxy emits an AppletHTTP's headers in its Lua table's hash order.
    pub any_header_order: bool,
    /// `% difference <engine>: <reason>` lines.
    pub differences: Vec<(Engine, String)>,
    /// `% skip <engine>: <reason>`: the case does not run there at all.
    pub skip: Vec<(Engine, String)>,
    /// `% log <text>`: the engine's stderr must contain it by the end of the case.
    pub logs: Vec<(Option<Engine>, String)>,
    pub steps: Vec<Step>,
}

impl Script {
    pub fn skipped(&self, engine: Engine) -> Option<&str> {
        self.skip
            .iter()
            .find(|(e, _)| *e == engine)
            .map(|(_, r)| r.as_str())
    }

    /// The expectation of step `i` for `engine`: its own section, else the shared one.
    pub fn expect_for(step: &Step, engine: Engine) -> Option<&Expect> {
        step.expect
            .iter()
            .find(|(e, _)| *e == Some(engine))
            .or_else(|| step.expect.iter().find(|(e, _)| e.is_none()))
            .map(|(_, x)| x)
    }
}

/// A parse error with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError {
    pub line: usize,
    pub msg: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.msg)
    }
}

fn err<T>(line: usize, msg: impl Into<String>) -> Result<T, FormatError> {
    Err(FormatError {
        line,
        msg: msg.into(),
    })
}

/// Decodes the escapes of one content line.
pub fn unescape(s: &str, line: usize) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::with_capacity(s.len());
    let mut it = s.bytes();
    while let Some(b) = it.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match it.next() {
            Some(b'\\') => out.push(b'\\'),
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'x') => {
                let hex: Vec<u8> = it.by_ref().take(2).collect();
                let v = std::str::from_utf8(&hex)
                    .ok()
                    .filter(|h| h.len() == 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match v {
                    Some(v) => out.push(v),
                    None => return err(line, "\\x needs two hex digits"),
                }
            }
            Some(c) => return err(line, format!("unknown escape \\{}", c as char)),
            None => return err(line, "a lone \\ at the end of the line"),
        }
    }
    Ok(out)
}

/// Lines joined by LF, escapes decoded, no final line end.
fn joined(lines: &[(usize, &str)]) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::new();
    for (i, (n, l)) in lines.iter().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend(unescape(l, *n)?);
    }
    Ok(out)
}

/// A request: head lines CRLF-terminated, the empty line, then the body lines.
fn http_request(lines: &[(usize, &str)]) -> Result<Vec<u8>, FormatError> {
    let split = lines.iter().position(|(_, l)| l.is_empty());
    let (head, body) = match split {
        Some(i) => (&lines[..i], &lines[i + 1..]),
        None => (lines, &[][..]),
    };
    let mut out = Vec::new();
    for (n, l) in head {
        out.extend(unescape(l, *n)?);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend(joined(body)?);
    Ok(out)
}

fn http_expect(line: usize, lines: &[(usize, &str)]) -> Result<HttpExpect, FormatError> {
    let Some(((_, status), rest)) = lines.split_first() else {
        return err(line, "an HTTP expectation needs a status line");
    };
    let split = rest.iter().position(|(_, l)| l.is_empty());
    let (head, body) = match split {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let mut headers = Vec::new();
    for (n, l) in head {
        let Some((name, value)) = l.split_once(':') else {
            return err(*n, format!("not a header line: {l:?}"));
        };
        let value = String::from_utf8_lossy(&unescape(value.trim(), *n)?).into_owned();
        headers.push((name.to_string(), value));
    }
    let body = if body.len() == 1 && body[0].1 == "..." {
        None
    } else {
        Some(joined(body)?)
    };
    Ok(HttpExpect {
        status_line: status.to_string(),
        headers,
        body,
    })
}

/// Drops the empty lines that end a section (they separate sections for the eye).
fn trim_end<'a>(mut lines: &'a [(usize, &'a str)]) -> &'a [(usize, &'a str)] {
    while let Some(((_, l), rest)) = lines.split_last() {
        if !l.is_empty() {
            break;
        }
        lines = rest;
    }
    lines
}

fn parse_engine_reason(line: usize, rest: &str) -> Result<(Engine, String), FormatError> {
    let Some((e, reason)) = rest.split_once(':') else {
        return err(line, "expected `<engine>: <reason>`");
    };
    let Some(engine) = Engine::parse(e.trim()) else {
        return err(line, format!("unknown engine {:?}", e.trim()));
    };
    let reason = reason.trim();
    if reason.is_empty() {
        return err(line, "a reason is required");
    }
    Ok((engine, reason.to_string()))
}

fn directive(script: &mut Script, line: usize, text: &str) -> Result<(), FormatError> {
    let (word, rest) = text.split_once(' ').unwrap_or((text, ""));
    let rest = rest.trim();
    match word {
        "ignore-header" => script
            .ignore_headers
            .extend(rest.split_whitespace().map(str::to_ascii_lowercase)),
        "any-header-order" => script.any_header_order = true,
        "difference" => script.differences.push(parse_engine_reason(line, rest)?),
        "skip" => script.skip.push(parse_engine_reason(line, rest)?),
        "log" => script.logs.push((None, rest.to_string())),
        "log-halo" => script.logs.push((Some(Engine::Halo), rest.to_string())),
        "log-haproxy" => script.logs.push((Some(Engine::Haproxy), rest.to_string())),
        _ => return err(line, format!("unknown directive %{word}")),
    }
    Ok(())
}

fn step_kind(line: usize, words: &[&str], body: &[(usize, &str)]) -> Result<StepKind, FormatError> {
    match words {
        ["wait", ms] => match ms.parse() {
            Ok(ms) if body.is_empty() => Ok(StepKind::Wait(ms)),
            Ok(_) => err(line, "`>>> wait` takes no content"),
            Err(_) => err(line, format!("bad milliseconds {ms:?}")),
        },
        [proto, port, flags @ ..] => {
            let protocol = match *proto {
                "http" => Protocol::Http,
                "tcp" => Protocol::Tcp,
                _ => return err(line, format!("unknown step {proto:?} (http, tcp, wait)")),
            };
            let (mut same, mut shut) = (false, false);
            for f in flags {
                match *f {
                    "same" => same = true,
                    "shut" => shut = true,
                    _ => return err(line, format!("unknown flag {f:?} (same, shut)")),
                }
            }
            let bytes = match protocol {
                Protocol::Http => http_request(body)?,
                Protocol::Tcp => joined(body)?,
            };
            Ok(StepKind::Send {
                protocol,
                port: port.to_string(),
                same,
                shut,
                bytes,
            })
        }
        _ => err(
            line,
            "expected `>>> http|tcp <PORT> [same] [shut]` or `>>> wait <ms>`",
        ),
    }
}

fn expectation(
    line: usize,
    words: &[&str],
    protocol: Option<&Protocol>,
    body: &[(usize, &str)],
) -> Result<(Option<Engine>, Expect), FormatError> {
    let mut engine = None;
    let mut closed = false;
    for w in words {
        match (*w, Engine::parse(w)) {
            (_, Some(e)) => engine = Some(e),
            ("closed", None) => closed = true,
            _ => {
                return err(
                    line,
                    format!("unknown word {w:?} after <<< (halo, haproxy, closed)"),
                );
            }
        }
    }
    let expect = if closed {
        if !body.is_empty() {
            return err(line, "`<<< closed` takes no content");
        }
        Expect::Closed
    } else {
        match protocol {
            Some(Protocol::Http) => Expect::Http(http_expect(line, body)?),
            Some(Protocol::Tcp) => Expect::Bytes(joined(body)?),
            None => return err(line, "<<< must follow an http or tcp step"),
        }
    };
    Ok((engine, expect))
}

/// Parses the text of an `exchanges.txt`.
pub fn parse(text: &str) -> Result<Script, FormatError> {
    let mut script = Script::default();
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .collect();
    // Section starts.
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, (_, l))| l.starts_with(">>>") || l.starts_with("<<<"))
        .map(|(i, _)| i)
        .collect();
    let preamble_end = starts.first().copied().unwrap_or(lines.len());
    for (n, l) in &lines[..preamble_end] {
        let l = l.trim();
        if let Some(d) = l.strip_prefix('%') {
            directive(&mut script, *n, d.trim())?;
        } else if !l.is_empty() && !l.starts_with('#') {
            return err(*n, "before the first >>>, only # comments and % directives");
        }
    }
    for (k, &start) in starts.iter().enumerate() {
        let end = starts.get(k + 1).copied().unwrap_or(lines.len());
        let (n, head) = lines[start];
        let content = trim_end(&lines[start + 1..end]);
        let words: Vec<&str> = head[3..].split_whitespace().collect();
        if head.starts_with(">>>") {
            let kind = step_kind(n, &words, content)?;
            script.steps.push(Step {
                line: n,
                kind,
                expect: Vec::new(),
            });
        } else {
            let Some(step) = script.steps.last_mut() else {
                return err(n, "<<< before any >>>");
            };
            let protocol = match &step.kind {
                StepKind::Send { protocol, .. } => Some(protocol),
                StepKind::Wait(_) => None,
            };
            let (engine, expect) = expectation(n, &words, protocol, content)?;
            if step.expect.iter().any(|(e, _)| *e == engine) {
                return err(n, "a second <<< for the same engine");
            }
            step.expect.push((engine, expect));
        }
    }
    for step in &script.steps {
        if matches!(step.kind, StepKind::Send { .. }) && step.expect.is_empty() {
            return err(step.line, "this step has no <<< expectation");
        }
        for (engine, _) in &step.expect {
            if let Some(e) = engine
                && !script.differences.iter().any(|(d, _)| d == e)
            {
                return err(
                    step.line,
                    format!("a <<< {e} expectation needs a `% difference {e}: reason`"),
                );
            }
        }
    }
    Ok(script)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_steps_and_expectations() {
        let s = parse(
            "# a comment\n% ignore-header Date\n\n>>> http FE\nPOST /x HTTP/1.1\nhost: a\ncontent-length: 2\n\nok\n\n<<<\nHTTP/1.1 200 OK\ncontent-length: 5\ndate: *\n\nhello\n",
        )
        .unwrap();
        assert_eq!(s.ignore_headers, vec!["date"]);
        let step = &s.steps[0];
        match &step.kind {
            StepKind::Send { bytes, port, .. } => {
                assert_eq!(port, "FE");
                assert_eq!(
                    bytes,
                    b"POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\n\r\nok"
                );
            }
            _ => panic!(),
        }
        let Expect::Http(h) = Script::expect_for(step, Engine::Halo).unwrap() else {
            panic!()
        };
        assert_eq!(h.status_line, "HTTP/1.1 200 OK");
        assert_eq!(h.headers.len(), 2);
        assert_eq!(h.body.as_deref(), Some(&b"hello"[..]));
    }

    #[test]
    fn tcp_escapes_and_engine_sections() {
        let s = parse(
            "% difference haproxy: it says no\n>>> tcp FE shut\nping\\n\\x41\n<<<\npong\n<<< haproxy closed\n>>> wait 10\n",
        )
        .unwrap();
        match &s.steps[0].kind {
            StepKind::Send { bytes, shut, .. } => {
                assert_eq!(bytes, b"ping\nA");
                assert!(shut);
            }
            _ => panic!(),
        }
        assert_eq!(
            Script::expect_for(&s.steps[0], Engine::Haproxy),
            Some(&Expect::Closed)
        );
        assert_eq!(
            Script::expect_for(&s.steps[0], Engine::Halo),
            Some(&Expect::Bytes(b"pong".to_vec()))
        );
        assert!(matches!(s.steps[1].kind, StepKind::Wait(10)));
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse(">>> http FE\nGET / HTTP/1.1\n").unwrap_err();
        assert_eq!(e.line, 1);
        let e = parse(">>> tcp FE\nx\n<<< halo\ny\n").unwrap_err();
        assert!(e.msg.contains("difference"), "{e}");
        let e = parse("stray\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert!(parse(">>> tcp FE\n\\q\n<<<\n").is_err());
    }
}
