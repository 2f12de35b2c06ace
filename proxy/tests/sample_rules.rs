//! The sample/rules API as the engine uses it: a `SampleSource` over a stream, Lua hooks that
//! really wait (a task that is pending before it answers), rules compiled from raw lines, and
//! conditions, set-var actions, header formats and log lines evaluated over the stream.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use halo::config::{Line, Loc};
use halo::lua_names::{ActionInfo, ActionKind, LuaNames};
use halo::rules::{BackendName, HttpAction, ProxyCtx, ProxyKind, ProxyMode, ProxyRules};
use halo::sample::logformat::{LogFormat, StreamLog};
use halo::sample::{Dir, LuaSamples, Method, Sample, SampleSource, VarName, Vars};

/// A request as the engine would expose it.
struct Stream {
    uri: &'static str,
    headers: Vec<(&'static str, &'static str)>,
    vars: Vars,
    lua_calls: usize,
}

impl SampleSource for Stream {
    fn client_addr(&self) -> Option<SocketAddr> {
        Some("192.0.2.7:5000".parse().unwrap())
    }
    fn frontend_addr(&self) -> Option<SocketAddr> {
        Some("127.0.0.1:80".parse().unwrap())
    }
    fn frontend_name(&self) -> Option<String> {
        Some("web".into())
    }
    fn backend_name(&self) -> Option<String> {
        Some("app".into())
    }
    fn server_name(&self) -> Option<String> {
        Some("s1".into())
    }
    fn method(&self) -> Option<Method> {
        Some(Method::Get)
    }
    fn uri(&self) -> Option<Bytes> {
        Some(Bytes::from_static(self.uri.as_bytes()))
    }
    fn req_version(&self) -> Option<Bytes> {
        Some(Bytes::from_static(b"1.1"))
    }
    fn for_each_header(&self, dir: Dir, f: &mut dyn FnMut(&[u8], &[u8])) -> bool {
        if dir == Dir::Res {
            return false;
        }
        for (n, v) in &self.headers {
            f(n.as_bytes(), v.as_bytes());
        }
        true
    }
    fn req_body(&self) -> Option<Bytes> {
        None
    }
    fn req_len(&self) -> Option<i64> {
        Some(0)
    }
    fn status(&self) -> Option<u16> {
        None
    }
    fn get_var(&self, name: &VarName) -> Option<Sample> {
        self.vars.get(name)
    }
    fn set_var(&mut self, name: &VarName, value: Sample) {
        self.vars.set(name, value)
    }
    fn unset_var(&mut self, name: &VarName) {
        self.vars.unset(name)
    }
}

/// Pending once, then ready: what awaiting a Lua task looks like to the evaluator.
struct YieldOnce<T>(Option<T>, bool);

impl<T: Unpin> Future for YieldOnce<T> {
    type Output = T;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        if !self.1 {
            self.1 = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(self.0.take().expect("polled after completion"))
    }
}

impl LuaSamples for Stream {
    fn lua_fetch(&mut self, name: &str, args: &[Sample]) -> impl Future<Output = Option<Sample>> {
        self.lua_calls += 1;
        let r = (name == "tenant").then(|| {
            let a = args
                .first()
                .and_then(|a| a.clone().to_str_form())
                .unwrap_or_default();
            Sample::str(format!("t-{}", String::from_utf8_lossy(&a)))
        });
        YieldOnce(Some(r), false)
    }
    fn lua_convert(
        &mut self,
        _name: &str,
        input: Sample,
        _args: &[Sample],
    ) -> impl Future<Output = Option<Sample>> {
        self.lua_calls += 1;
        let s = input.to_str_form().unwrap_or_default();
        let rev: Vec<u8> = s.iter().rev().copied().collect();
        YieldOnce(Some(Some(Sample::str(rev))), false)
    }
}

fn lines(text: &str) -> Vec<Line> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| Line {
            loc: Loc {
                file: "test.cfg".into(),
                line: i + 1,
            },
            words: l.split_whitespace().map(String::from).collect(),
        })
        .collect()
}

fn lua() -> LuaNames {
    let mut l = LuaNames::default();
    l.fetches.insert("tenant".into());
    l.converters.insert("rev".into());
    l.actions.insert(
        "auth".into(),
        ActionInfo {
            kinds: vec![ActionKind::HttpReq],
            nb_args: 1,
        },
    );
    l
}

fn ctx() -> ProxyCtx {
    ProxyCtx {
        kind: ProxyKind::Frontend,
        name: "web".into(),
        mode: ProxyMode::Http,
    }
}

#[tokio::test]
async fn rules_over_a_stream_with_waiting_lua() {
    let cfg = lines(
        "
        acl is_api path_beg /api
        acl from_lua lua.tenant(x),lua.rev -m str x-t
        http-request set-var(txn.tenant) lua.tenant(acme)
        http-request lua.auth admin if is_api
        http-request set-header X-Tenant %[var(txn.tenant)]/%[req.hdr(host),lower]
        http-request deny deny_status 401 if is_api !{ req.hdr(authorization) -m found }
        use_backend api_%[var(txn.tenant)] if is_api from_lua
        use_backend static
        ",
    );
    let rules = ProxyRules::compile(&ctx(), &cfg, &lua()).unwrap();
    let mut s = Stream {
        uri: "/api/v1?q=1",
        headers: vec![("Host", "Example.COM")],
        vars: Vars::default(),
        lua_calls: 0,
    };

    // The engine walks the http-request rules in order.
    for rule in &rules.http_request {
        if !rule.applies(&mut s).await {
            continue;
        }
        match &rule.action {
            HttpAction::SetVar(sv) => sv.run(&mut s).await,
            HttpAction::Lua(call) => {
                assert_eq!(
                    (call.name.as_str(), call.args.as_slice()),
                    ("auth", &["admin".to_string()][..])
                );
            }
            HttpAction::SetHeader { name, value } => {
                let v = value.render(&mut s, &StreamLog::default()).await;
                assert_eq!(
                    (name.as_str(), v.as_slice()),
                    ("X-Tenant", &b"t-acme/example.com"[..])
                );
            }
            HttpAction::Deny(reply) => assert_eq!(reply.status, 401),
            other => panic!("unexpected {other:?}"),
        }
    }
    // Switching rules: the first that applies names the backend.
    let mut chosen = None;
    for rule in &rules.use_backend {
        if rule.applies(&mut s).await {
            chosen = Some(match &rule.action {
                BackendName::Static(n) => n.clone(),
                BackendName::Dynamic(f) => {
                    String::from_utf8(f.render(&mut s, &StreamLog::default()).await).unwrap()
                }
            });
            break;
        }
    }
    assert_eq!(chosen.as_deref(), Some("api_t-acme"));
    assert!(s.lua_calls >= 3);

    // A log line in the 2.6 httplog format.
    let log = StreamLog {
        status: 401,
        term: *b"PR",
        request_line: Some(Bytes::from_static(b"GET /api/v1?q=1 HTTP/1.1")),
        ..StreamLog::default()
    };
    let line = String::from_utf8(LogFormat::httplog().render(&mut s, &log).await).unwrap();
    assert!(line.starts_with("192.0.2.7:5000 ["), "{line}");
    assert!(
        line.ends_with(
            "] web app/s1 -1/-1/-1/-1/-1 401 0 - - PR-- 0/0/0/0/0 0/0 \"GET /api/v1?q=1 HTTP/1.1\""
        ),
        "{line}"
    );
}

#[test]
fn compile_collects_every_error() {
    let errs = ProxyRules::compile(
        &ctx(),
        &lines(
            "
            acl ok path /
            http-request lua.auth
            http-request deny if nope
            http-request tarpit
            ",
        ),
        &lua(),
    )
    .unwrap_err();
    let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        msgs,
        [
            "parsing [test.cfg:2] : error detected in frontend 'web' while parsing 'http-request lua.auth' rule : expect 1 arguments.",
            "parsing [test.cfg:3] : error detected while parsing an 'http-request deny' condition : no such ACL : 'nope'.",
            "parsing [test.cfg:4] : 'http-request tarpit' is not supported by Halo yet.",
        ]
    );
}
