//! Running one case under one engine: every step of its `exchanges.txt` in order, each result
//! compared with the step's expectation for that engine, then the `% log` lines looked for in
//! the engine's stderr.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use super::format::{self, Engine, Expect, HttpExpect, Protocol, Script, Step, StepKind};
use super::process::{EXCHANGES, Running};
use super::wire::{Conn, Response, show};

/// How long the `% log` lines may take to appear.
const LOG_WAIT: Duration = Duration::from_secs(3);

/// What one step gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Got {
    Http(Response),
    Bytes(Vec<u8>),
    Closed,
    Nothing,
}

impl Got {
    pub fn render(&self) -> String {
        match self {
            Got::Http(r) => r.render(),
            Got::Bytes(b) => show(b),
            Got::Closed => "(closed without a byte)".into(),
            Got::Nothing => String::new(),
        }
    }

    /// The result written as an `exchanges.txt` expectation section (for `--show`).
    pub fn as_exchange(&self) -> String {
        match self {
            Got::Http(r) => {
                let mut s = format!("{}\n", r.status_line);
                for (n, v) in &r.headers {
                    s.push_str(&format!("{n}: {v}\n"));
                }
                s.push('\n');
                s.push_str(&content(&r.body));
                s
            }
            Got::Bytes(b) => content(b),
            Got::Closed => "(<<< closed)".into(),
            Got::Nothing => String::new(),
        }
    }
}

/// Bytes as content lines: LF breaks the line, a final LF is written `\n` (trailing empty
/// lines of a section are dropped), other bytes escaped as the format reads them.
fn content(bytes: &[u8]) -> String {
    let (body, final_lf) = match bytes.strip_suffix(b"\n") {
        Some(b) => (b, true),
        None => (bytes, false),
    };
    let mut s = String::new();
    for &b in body {
        match b {
            b'\n' => s.push('\n'),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(b as char),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    if final_lf {
        s.push_str("\\n");
    }
    s
}

#[derive(Debug, Clone)]
pub struct StepResult {
    /// Line of the step's `>>>`.
    pub line: usize,
    pub got: Got,
    /// None: as expected.
    pub failure: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CaseResult {
    /// `% skip` reason for this engine.
    pub skipped: Option<String>,
    pub steps: Vec<StepResult>,
    /// Case-level failures: start-up, missing log lines, a crash.
    pub errors: Vec<String>,
    pub stderr: String,
}

impl CaseResult {
    pub fn passed(&self) -> usize {
        self.steps.iter().filter(|s| s.failure.is_none()).count()
    }

    pub fn ok(&self) -> bool {
        self.errors.is_empty() && self.steps.iter().all(|s| s.failure.is_none())
    }

    /// Every failure, one paragraph each.
    pub fn failures(&self) -> Vec<String> {
        let mut out = self.errors.clone();
        for s in &self.steps {
            if let Some(f) = &s.failure {
                out.push(format!("step at line {}: {f}", s.line));
            }
        }
        out
    }
}

/// Reads and parses a case's `exchanges.txt`.
pub fn load(case_dir: &Path) -> Result<Script, String> {
    let path = case_dir.join(EXCHANGES);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    format::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Runs a case under `engine`.
pub fn run_case(case_dir: &Path, engine: Engine) -> CaseResult {
    let mut result = CaseResult::default();
    let script = match load(case_dir) {
        Ok(s) => s,
        Err(e) => {
            result.errors.push(e);
            return result;
        }
    };
    if let Some(reason) = script.skipped(engine) {
        result.skipped = Some(reason.to_string());
        return result;
    }
    let mut running = match Running::start(case_dir, engine) {
        Ok(r) => r,
        Err(e) => {
            result.errors.push(e);
            return result;
        }
    };
    let mut conns: HashMap<String, Conn> = HashMap::new();
    for step in &script.steps {
        let (got, failure) = match run_step(&running, &mut conns, &script, step, engine) {
            Ok(r) => r,
            Err(e) => (Got::Nothing, Some(e)),
        };
        result.steps.push(StepResult {
            line: step.line,
            got,
            failure,
        });
    }
    for (only, text) in &script.logs {
        if only.is_some_and(|e| e != engine) {
            continue;
        }
        let end = Instant::now() + LOG_WAIT;
        while !running.stderr().contains(text.as_str()) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(20));
        }
        if !running.stderr().contains(text.as_str()) {
            result
                .errors
                .push(format!("% log {text:?} not found in {engine}'s stderr"));
        }
    }
    if let Some(st) = running.exited() {
        result
            .errors
            .push(format!("{engine} exited during the case ({st})"));
    }
    result.stderr = running.stderr();
    let out = running.stdout();
    if !out.is_empty() {
        result.stderr.push_str("\n--- stdout ---\n");
        result.stderr.push_str(&out);
    }
    result
}

fn run_step(
    running: &Running,
    conns: &mut HashMap<String, Conn>,
    script: &Script,
    step: &Step,
    engine: Engine,
) -> Result<(Got, Option<String>), String> {
    let (protocol, port, same, shut, bytes) = match &step.kind {
        StepKind::Wait(ms) => {
            std::thread::sleep(Duration::from_millis(*ms));
            return Ok((Got::Nothing, None));
        }
        StepKind::Send {
            protocol,
            port,
            same,
            shut,
            bytes,
        } => (protocol, port, *same, *shut, bytes),
    };
    let conn = match conns.get_mut(port) {
        Some(c) if same => c,
        _ => {
            let c = Conn::connect(running.port(port)?)?;
            conns.insert(port.clone(), c);
            conns.get_mut(port).ok_or("connection vanished")?
        }
    };
    conn.send(bytes)?;
    if shut {
        conn.shutdown_write();
    }
    let expect = Script::expect_for(step, engine).ok_or("no expectation")?;
    let got = match (expect, protocol) {
        (Expect::Closed, _) => {
            if conn.closed()? {
                Got::Closed
            } else {
                Got::Bytes(conn.read_bytes(0, false)?)
            }
        }
        (_, Protocol::Http) => match conn.read_response(bytes.starts_with(b"HEAD ")) {
            Ok(r) => Got::Http(r),
            Err(e) if conn.pending().is_empty() && e.starts_with("connection closed") => {
                Got::Closed
            }
            Err(e) => return Err(e),
        },
        (Expect::Bytes(want), Protocol::Tcp) => Got::Bytes(conn.read_bytes(want.len(), shut)?),
        (Expect::Http(_), Protocol::Tcp) => return Err("HTTP expectation on a TCP step".into()),
    };
    let mut failure = compare(expect, &got, script);
    // A declared difference must still be one: the engine's own result must not also match
    // the shared expectation.
    let declared = step.expect.iter().any(|(e, _)| *e == Some(engine));
    let shared = step.expect.iter().find(|(e, _)| e.is_none());
    if let Some((_, shared)) = shared
        && failure.is_none()
        && declared
        && compare(shared, &got, script).is_none()
    {
        failure = Some(format!(
            "the `<<< {engine}` difference is gone: {engine} now gives the shared expectation (remove the difference)"
        ));
    }
    Ok((got, failure))
}

/// None when `got` satisfies `expect`, else a message showing both.
pub fn compare(expect: &Expect, got: &Got, script: &Script) -> Option<String> {
    let ok = match (expect, got) {
        (Expect::Closed, Got::Closed) => true,
        (Expect::Bytes(want), Got::Bytes(b)) => want == b,
        (Expect::Http(want), Got::Http(r)) => http_matches(want, r, script),
        _ => false,
    };
    if ok {
        return None;
    }
    let want = match expect {
        Expect::Closed => "(closed without a byte)".to_string(),
        Expect::Bytes(b) => show(b),
        Expect::Http(h) => render_expect(h),
    };
    Some(format!(
        "expected:\n{}\ngot:\n{}",
        indent(&want),
        indent(&got.render())
    ))
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("    | {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn render_expect(h: &HttpExpect) -> String {
    let mut s = format!("{}\n", h.status_line);
    for (n, v) in &h.headers {
        s.push_str(&format!("{n}: {v}\n"));
    }
    s.push('\n');
    match &h.body {
        Some(b) => s.push_str(&show(b)),
        None => s.push_str("..."),
    }
    s
}

fn http_matches(want: &HttpExpect, r: &Response, script: &Script) -> bool {
    let kept = |n: &str| {
        !script
            .ignore_headers
            .iter()
            .any(|i| n.eq_ignore_ascii_case(i))
    };
    let mut got: Vec<&(String, String)> = r.headers.iter().filter(|(n, _)| kept(n)).collect();
    let mut want_h: Vec<&(String, String)> = want.headers.iter().filter(|(n, _)| kept(n)).collect();
    if script.any_header_order {
        // Stable: the values of one name keep their order.
        got.sort_by(|a, b| a.0.cmp(&b.0));
        want_h.sort_by(|a, b| a.0.cmp(&b.0));
    }
    want.status_line == r.status_line
        && got.len() == want_h.len()
        && got
            .iter()
            .zip(&want_h)
            .all(|((gn, gv), (wn, wv))| gn == wn && (wv == "*" || gv == wv))
        && want.body.as_ref().is_none_or(|b| *b == r.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(headers: &[(&str, &str)], body: &str) -> Got {
        Got::Http(Response {
            status_line: "HTTP/1.1 200 OK".into(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: body.as_bytes().to_vec(),
        })
    }

    fn expect(text: &str) -> (Script, Expect) {
        let script = format::parse(text).unwrap();
        let e = script.steps[0].expect[0].1.clone();
        (script, e)
    }

    #[test]
    fn wildcards_ignored_headers_and_order() {
        let (s, e) = expect(
            "% ignore-header date\n>>> http FE\nGET / HTTP/1.1\n<<<\nHTTP/1.1 200 OK\na: 1\nb: *\n\nok\n",
        );
        let got = response(&[("a", "1"), ("date", "now"), ("b", "anything")], "ok");
        assert_eq!(compare(&e, &got, &s), None);
        let swapped = response(&[("b", "x"), ("a", "1")], "ok");
        assert!(compare(&e, &swapped, &s).is_some());
        let (s2, e2) = expect(
            "% any-header-order\n>>> http FE\nGET / HTTP/1.1\n<<<\nHTTP/1.1 200 OK\na: 1\nb: *\n\n...\n",
        );
        assert_eq!(
            compare(&e2, &response(&[("b", "x"), ("a", "1")], "zz"), &s2),
            None
        );
        assert!(compare(&e2, &response(&[("a", "2"), ("b", "x")], ""), &s2).is_some());
    }

    #[test]
    fn closed_and_bytes() {
        let (s, e) = expect(">>> tcp FE\nx\n<<< closed\n");
        assert_eq!(compare(&e, &Got::Closed, &s), None);
        assert!(compare(&e, &Got::Bytes(b"x".to_vec()), &s).is_some());
        assert_eq!(
            Got::Bytes(b"a\nb\\\n".to_vec()).as_exchange(),
            "a\nb\\\\\\n"
        );
    }
}
