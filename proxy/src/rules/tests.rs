//! Rule compilation tests. Every expected message was produced by `haproxy -c` (2.6) on the
//! same line in `frontend f` (mode http) with a Lua file registering `act1` (http-req),
//! `act2` (http-req, tcp-req, 2 arguments), services `svc` (http) and `tsvc` (tcp), fetch `ff`
//! and converter `cc`.

use super::*;
use crate::lua_names::{ActionInfo, ActionKind, ServiceMode};
use crate::sample::testsrc::{TestSource, block_on};

fn lua() -> LuaNames {
    let mut l = LuaNames::default();
    l.actions.insert(
        "act1".into(),
        ActionInfo {
            kinds: vec![ActionKind::HttpReq],
            nb_args: 0,
        },
    );
    l.actions.insert(
        "act2".into(),
        ActionInfo {
            kinds: vec![ActionKind::HttpReq, ActionKind::TcpReq],
            nb_args: 2,
        },
    );
    l.services.insert("svc".into(), ServiceMode::Http);
    l.services.insert("tsvc".into(), ServiceMode::Tcp);
    l.fetches.insert("ff".into());
    l.converters.insert("cc".into());
    l
}

fn ctx(kind: ProxyKind) -> ProxyCtx {
    ProxyCtx {
        kind,
        name: if kind == ProxyKind::Backend { "b" } else { "f" }.into(),
        mode: ProxyMode::Http,
    }
}

fn line(text: &str) -> Line {
    Line {
        loc: Loc {
            file: "one.cfg".into(),
            line: 10,
        },
        words: text.split_whitespace().map(String::from).collect(),
    }
}

fn compile(lines: &[&str]) -> Result<ProxyRules, Vec<ConfigError>> {
    let lines: Vec<Line> = lines.iter().map(|l| line(l)).collect();
    ProxyRules::compile(&ctx(ProxyKind::Frontend), &lines, &lua())
}

/// The message of compiling one line (without the `parsing [one.cfg:10] : ` prefix).
fn err(text: &str) -> String {
    err_in(ProxyKind::Frontend, text)
}

fn err_in(kind: ProxyKind, text: &str) -> String {
    let mut rules = ProxyRules::default();
    let e = rules
        .add_line(&ctx(kind), &line(text), &lua())
        .expect_err(text);
    assert_eq!(e.loc.as_ref().unwrap().line, 10);
    e.msg
}

fn ok(text: &str) -> ProxyRules {
    let mut rules = ProxyRules::default();
    rules
        .add_line(&ctx(ProxyKind::Frontend), &line(text), &lua())
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    rules
}

const RULE: &str = "error detected in frontend 'f' while parsing";

#[test]
fn http_request_messages() {
    let cases: &[(&str, String)] = &[
        (
            "http-request set-header X %[path,nosuch]",
            format!("{RULE} 'http-request set-header' rule : failed to parse sample expression <path,nosuch]> : unknown converter 'nosuch'."),
        ),
        (
            "http-request set-header X %[path(1)]",
            format!("{RULE} 'http-request set-header' rule : failed to parse sample expression <path(1)]> : fetch method 'path' : expected ')' before '1)]'."),
        ),
        (
            "http-request set-header X %[path",
            format!("{RULE} 'http-request set-header' rule : missing ']' after 'path'."),
        ),
        (
            "http-request set-header X %[path,lower)]",
            format!("{RULE} 'http-request set-header' rule : expected ']' after 'path,lower', but found ')'."),
        ),
        (
            "http-request set-header X %[var(foo)]",
            format!("{RULE} 'http-request set-header' rule : failed to parse sample expression <var(foo)]> : invalid args in fetch method 'var' : invalid variable name 'foo'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'."),
        ),
        (
            "http-request set-header X %[lua.nope]",
            format!("{RULE} 'http-request set-header' rule : failed to parse sample expression <lua.nope]> : unknown fetch method 'lua.nope'."),
        ),
        ("http-request set-header X %", format!("{RULE} 'http-request set-header' rule : truncated line after '%'.")),
        (
            "http-request set-header X %Z",
            format!("{RULE} 'http-request set-header' rule : no such format variable 'Z'. If you wanted to emit the '%' character verbatim, you need to use '%%'."),
        ),
        ("http-request set-header", format!("{RULE} 'http-request set-header' rule : expects exactly 2 arguments.")),
        ("http-request set-header X", format!("{RULE} 'http-request set-header' rule : expects exactly 2 arguments.")),
        (
            "http-request set-header X a b",
            "'http-request set-header' expects either 'if' or 'unless' followed by a condition but found 'b'.".into(),
        ),
        ("http-request del-header", format!("{RULE} 'http-request del-header' rule : expects at least 1 argument.")),
        ("http-request del-header X -m", format!("{RULE} 'http-request del-header' rule : -m flag expects exactly 1 argument.")),
        (
            "http-request del-header X -m foo",
            format!("{RULE} 'http-request del-header' rule : -m with unsupported matching method 'foo'."),
        ),
        ("http-request set-path", format!("{RULE} 'http-request set-path' rule : expects exactly 1 argument <format>.")),
        ("http-request set-method", format!("{RULE} 'http-request set-method' rule : expects exactly 1 argument <format>.")),
        ("http-request set-var(txn.x)", format!("{RULE} 'http-request set-var(txn.x)' rule : missing fetch method.")),
        (
            "http-request set-var(x) int(1)",
            format!("{RULE} 'http-request set-var(x)' rule : invalid variable name 'x'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'."),
        ),
        ("http-request set-var(txn.x) nosuch", format!("{RULE} 'http-request set-var(txn.x)' rule : unknown fetch method 'nosuch'.")),
        (
            "http-request set-var(txn.x) int(1) ifnotset",
            "'http-request set-var(txn.x)' expects either 'if' or 'unless' followed by a condition but found 'ifnotset'.".into(),
        ),
        ("http-request set-var(txn.x,bogus) int(1)", format!("{RULE} 'http-request set-var(txn.x,bogus)' rule : unknown condition \"bogus\".")),
        ("http-request set-var(txn.a-b) int(1)", format!("{RULE} 'http-request set-var(txn.a-b)' rule : invalid syntax at char '-b)'.")),
        (
            "http-request set-var(txn.x) int(1),add(txn.a-b)",
            format!("{RULE} 'http-request set-var(txn.x)' rule : invalid args in converter 'add' : expects an integer or a variable name."),
        ),
        (
            "http-request set-var(txn.x",
            format!("{RULE} 'http-request set-var(txn.x' rule : incomplete argument after action 'set-var(txn.x'. Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'."),
        ),
        (
            "http-request set-var(txn.x) path)",
            format!("{RULE} 'http-request set-var(txn.x)' rule : missing comma after fetch keyword 'path'."),
        ),
        (
            "http-request set-var(txn.x) path,lower)",
            format!("{RULE} 'http-request set-var(txn.x)' rule : missing comma after converter 'lower'."),
        ),
        (
            "http-request set-var(txn.x) method,add(1)",
            format!("{RULE} 'http-request set-var(txn.x)' rule : converter 'add' cannot be applied."),
        ),
        (
            "http-request set-var(txn.x) path junk",
            "'http-request set-var(txn.x)' expects either 'if' or 'unless' followed by a condition but found 'junk'.".into(),
        ),
        (
            "http-request unset-var(txn.x) path",
            "'http-request unset-var(txn.x)' expects either 'if' or 'unless' followed by a condition but found 'path'.".into(),
        ),
        ("http-request deny if nosuch", "error detected while parsing an 'http-request deny' condition : no such ACL : 'nosuch'.".into()),
        (
            "http-request deny if { nosuch }",
            "error detected while parsing an 'http-request deny' condition : unknown fetch method 'nosuch' in ACL expression 'nosuch'.".into(),
        ),
        (
            "http-request deny if { path_beg /a",
            "error detected while parsing an 'http-request deny' condition : missing closing '}' in condition.".into(),
        ),
        (
            "http-request set-header X %[path] if { path -m foo }",
            "error detected while parsing an 'http-request set-header' condition : unknown matching method 'foo' when parsing ACL expression.".into(),
        ),
        (
            "http-request deny foo",
            "'http-request deny' expects either 'if' or 'unless' followed by a condition but found 'foo'.".into(),
        ),
        ("http-request deny deny_status 999", format!("{RULE} 'http-request deny' rule : Unexpected status code '999'.")),
        ("http-request deny deny_status", format!("{RULE} 'http-request deny' rule : 'status' expects <status_code> as argument.")),
        ("http-request return status 999", format!("{RULE} 'http-request return' rule : Unexpected status code '999'.")),
        ("http-request return status abc", format!("{RULE} 'http-request return' rule : Unexpected status code '0'.")),
        ("http-request return status 200 string", format!("{RULE} 'http-request return' rule : 'string' expects <str> as argument.")),
        (
            "http-request return status 200 string x lf-string y",
            format!("{RULE} 'http-request return' rule : unexpected 'lf-string' argument, 'string' already defined."),
        ),
        ("http-request return status 200 content-type", format!("{RULE} 'http-request return' rule : 'content-type' expects <ctype> as argument.")),
        (
            "http-request return status 200 string x",
            format!("{RULE} 'http-request return' rule : a content type must be defined when non-empty payload is configured."),
        ),
        (
            "http-request return status 200 content-type text/plain hdr X",
            format!("{RULE} 'http-request return' rule : 'hdr' expects <name> and <value> as arguments."),
        ),
        (
            "http-request return status 200 content-type text/plain string x hdr X-A y foo",
            "'http-request return' expects either 'if' or 'unless' followed by a condition but found 'foo'.".into(),
        ),
        (
            "http-request redirect",
            format!("{RULE} 'http-request redirect' rule : redirection type expected ('prefix', 'location', or 'scheme')."),
        ),
        (
            "http-request redirect foo /x",
            format!("{RULE} 'http-request redirect' rule : expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was 'foo')."),
        ),
        ("http-request redirect location", format!("{RULE} 'http-request redirect' rule : missing argument for 'location'.")),
        (
            "http-request redirect location /x code 999",
            format!("{RULE} 'http-request redirect' rule : 'code': unsupported HTTP code '999' (must be one of 301, 302, 303, 307 or 308)."),
        ),
        ("http-request redirect location /x code", format!("{RULE} 'http-request redirect' rule : missing argument for 'code'.")),
        ("http-request redirect location %[path", format!("{RULE} 'http-request redirect' rule : missing ']' after 'path'.")),
        (
            "http-request redirect location /x if nosuch",
            format!("{RULE} 'http-request redirect' rule : error in condition: no such ACL : 'nosuch'."),
        ),
        ("http-request lua.act2", format!("{RULE} 'http-request lua.act2' rule : expect 2 arguments.")),
        (
            "http-request lua.act1 x",
            "'http-request lua.act1' expects either 'if' or 'unless' followed by a condition but found 'x'.".into(),
        ),
        (
            "http-request lua.act2 a b c",
            "'http-request lua.act2' expects either 'if' or 'unless' followed by a condition but found 'c'.".into(),
        ),
        (
            "http-request lua.act2 a if TRUE",
            "'http-request lua.act2' expects either 'if' or 'unless' followed by a condition but found 'TRUE'.".into(),
        ),
        (
            "http-request use-service lua.tsvc",
            format!("{RULE} 'http-request use-service' rule : Lua TCP services cannot be used on HTTP proxies."),
        ),
        ("http-request use-service lua.nosvc", format!("{RULE} 'http-request use-service' rule : 'lua.nosvc' unknown service name..")),
        ("http-request use-service foo", format!("{RULE} 'http-request use-service' rule : 'foo' unknown service name..")),
        ("http-request use-service", format!("{RULE} 'http-request use-service' rule : 'use-service' expects a service name..")),
        (
            "http-response set-status",
            "error detected in frontend 'f' while parsing 'http-response set-status' rule : expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>.".into(),
        ),
        (
            "http-response set-status abc",
            "error detected in frontend 'f' while parsing 'http-response set-status' rule : expects an integer status code between 100 and 999.".into(),
        ),
        (
            "http-response set-status 200 reason",
            "'http-response set-status' expects either 'if' or 'unless' followed by a condition but found 'reason'.".into(),
        ),
        (
            "http-response set-status 200 reason Fine foo",
            "'http-response set-status' expects either 'if' or 'unless' followed by a condition but found 'foo'.".into(),
        ),
        ("http-response deny if nosuch", "error detected while parsing an 'http-response deny' condition : no such ACL : 'nosuch'.".into()),
        (
            "http-after-response set-header X y if nosuch",
            "error detected while parsing an 'http-after-response set-header' condition : no such ACL : 'nosuch'.".into(),
        ),
        ("use_backend b if nosuch", "error detected while parsing switching rule : no such ACL : 'nosuch'.".into()),
        ("use_backend b if TRUE nosuch", "error detected while parsing switching rule : no such ACL : 'nosuch'.".into()),
        ("use_backend b foo", "unexpected keyword 'foo' after switching rule, only 'if' and 'unless' are allowed.".into()),
        ("use_backend", "'use_backend' expects a backend name.".into()),
    ];
    for (text, want) in cases {
        assert_eq!(&err(text), want, "{text}");
    }
}

#[test]
fn tcp_messages() {
    let cases: &[(&str, &str)] = &[
        (
            "tcp-request inspect-delay",
            "'tcp-request inspect-delay' expects a positive delay in milliseconds, in frontend 'f'",
        ),
        (
            "tcp-request inspect-delay 5x",
            "'tcp-request inspect-delay' expects a positive delay in milliseconds, in frontend 'f' (unexpected character 'x')",
        ),
        (
            "tcp-request foo",
            "'tcp-request' expects 'inspect-delay', 'connection', or 'content' in frontend 'f' (got 'foo')",
        ),
        (
            "tcp-request content accept if nosuch",
            "'tcp-request content accept' : error detected in frontend 'f' while parsing 'if' condition : no such ACL : 'nosuch'",
        ),
        (
            "tcp-request connection accept if nosuch",
            "'tcp-request connection accept' : error detected in frontend 'f' while parsing 'if' condition : no such ACL : 'nosuch'",
        ),
        (
            "tcp-request content accept foo",
            "'tcp-request content accept' only accepts 'if' or 'unless', in frontend 'f' (got 'foo')",
        ),
        (
            "tcp-request content lua.act2 a b c",
            "'tcp-request content lua.act2' only accepts 'if' or 'unless', in frontend 'f' (got 'c')",
        ),
        ("tcp-request content lua.act2 a", "expect 2 arguments"),
        (
            "tcp-request content use-service lua.nosvc",
            "'content' unknown service name.",
        ),
        (
            "tcp-request content use-service",
            "'tcp-request' expects a service name.",
        ),
        (
            "tcp-request content use-service lua.tsvc",
            "Lua TCP services cannot be used on HTTP proxies",
        ),
        (
            "tcp-request content use-service lua.svc",
            "HTTP applets are forbidden from 'tcp-request' rulesets",
        ),
        ("tcp-request content set-var(txn.x)", "missing fetch method"),
        (
            "tcp-request content set-var(x) int(1)",
            "invalid variable name 'x'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'",
        ),
        (
            "tcp-request content set-var(txn.x) nosuch",
            "unknown fetch method 'nosuch'",
        ),
        (
            "tcp-request content unset-var(txn.x) foo",
            "'tcp-request content unset-var(txn.x)' only accepts 'if' or 'unless', in frontend 'f' (got 'foo')",
        ),
        (
            "tcp-request connection accept foo",
            "'tcp-request connection accept' only accepts 'if' or 'unless', in frontend 'f' (got 'foo')",
        ),
        (
            "tcp-response content accept",
            "tcp-response content is only allowed in 'backend' sections or 'defaults' section with a name",
        ),
    ];
    for (text, want) in cases {
        assert_eq!(&err(text), want, "{text}");
    }
    assert_eq!(
        err("use_backend %[nosuch]"),
        "failed to parse use_backend rule '%[nosuch]' : failed to parse sample expression <nosuch]> : unknown fetch method 'nosuch'."
    );
    assert_eq!(
        err("use_backend b%[path"),
        "failed to parse use_backend rule 'b%[path' : missing ']' after 'path'."
    );
    // HAProxy's whole keyword list (recorded from haproxy 2.6 -c), not only Halo's.
    let e = err_in(ProxyKind::Backend, "tcp-response content foo");
    assert!(
        e.starts_with("'tcp-response content' expects 'accept', 'close', 'reject', 'ot-group', ")
            && e.ends_with("'set-tos', 'silent-drop' in backend 'b' (got 'foo')."),
        "{e}"
    );
    assert_eq!(
        err_in(ProxyKind::Backend, "tcp-response content close if nosuch"),
        "'tcp-response content close' : error detected in backend 'b' while parsing 'if' condition : no such ACL : 'nosuch'"
    );
    assert_eq!(
        err_in(ProxyKind::Backend, "tcp-response inspect-delay"),
        "'tcp-response inspect-delay' expects a positive delay in milliseconds, in backend 'b'"
    );
    assert_eq!(
        err_in(ProxyKind::Backend, "tcp-response foo"),
        "'tcp-response' expects 'inspect-delay' or 'content' in backend 'b' (got 'foo')"
    );
    assert_eq!(
        err_in(ProxyKind::Backend, "tcp-response content accept foo"),
        "'tcp-response content accept' only accepts 'if' or 'unless', in backend 'b' (got 'foo')"
    );
}

#[test]
fn unsupported_and_unknown_actions() {
    assert_eq!(
        err("http-request tarpit"),
        "'http-request tarpit' is not supported by Halo yet."
    );
    assert_eq!(
        err("http-request track-sc0 src"),
        "'http-request track-sc0' is not supported by Halo yet."
    );
    assert_eq!(
        err("http-request set-var-fmt(txn.x) %[path]"),
        "'http-request set-var-fmt(txn.x)' is not supported by Halo yet."
    );
    assert_eq!(
        err("tcp-request content capture req.len len 8"),
        "'tcp-request content capture' is not supported by Halo yet"
    );
    let e = err("http-request foo");
    assert!(
        e.starts_with("'http-request' expects 'wait-for-handshake', 'ot-group', 'set-log-level', ")
            && e.ends_with("'set-priority-offset', 'lua.act1', 'lua.act2', but got 'foo'."),
        "{e}"
    );
    assert!(
        err("http-request set-heade a b")
            .ends_with("but got 'set-heade'. Did you mean 'set-header' maybe ?")
    );
    // A Lua action registered for another rule set is unknown there, as in HAProxy.
    let e = err("http-response lua.act1");
    assert!(e.starts_with("'http-response' expects 'ot-group'"), "{e}");
    assert!(e.contains("'silent-drop', but got 'lua.act1'."), "{e}");
    let e = err("tcp-request content lua.act1");
    assert!(
        e.starts_with(
            "'tcp-request content' expects 'accept', 'reject', 'capture', 'expect-proxy', \
             'expect-netscaler-cip', 'track-sc0' ... 'track-sc2', 'ot-group', "
        ) && e.ends_with(
            "'set-priority-offset', 'lua.act2' in frontend 'f' (got 'lua.act1'). \
             Did you mean 'lua.act2' maybe ?\n"
        ),
        "{e}"
    );
    let e = err("tcp-request connection lua.act2 a b");
    assert!(
        e.ends_with("'set-tos', 'silent-drop' in frontend 'f' (got 'lua.act2').\n"),
        "{e}"
    );
}

#[test]
fn typed_rules() {
    let r = compile(&[
        "acl api path_beg /api",
        "tcp-request inspect-delay 5s",
        "tcp-request connection reject if { src 10.0.0.0/8 }",
        "tcp-request content lua.act2 a b if TRUE",
        "tcp-request content lua myfunc",
        "tcp-request content use-service lua.svc2 if FALSE",
        "http-request lua.act1",
        "http-request lua act1 if api",
        "http-request lua.act2 x y unless api",
        "http-request use-service lua.svc if api",
        "http-request set-header X-A %[src]:%[path,upper]",
        "http-request add-header X-B lit",
        "http-request del-header X-C -m beg",
        "http-request set-path /new%[path]",
        "http-request set-query a=1",
        "http-request set-uri /u",
        "http-request set-method POST",
        "http-request set-var(txn.a,ifnotset) req.hdr(host) lower",
        "http-request unset-var(txn.a)",
        "http-request redirect scheme https code 301 drop-query if !api",
        "http-request redirect prefix /x append-slash set-cookie A=1 clear-cookie B",
        "http-request deny deny_status 429 if api",
        "http-request deny",
        "http-request return status 404 content-type text/plain lf-string %[path] hdr X-R v",
        "http-request allow",
        "http-response set-status 201 reason Made",
        "http-response deny",
        "http-response lua.nope2",
        "http-after-response set-header X-Z z",
        "use_backend b_%[req.hdr(host)] if api",
        "use_backend static",
    ])
    .unwrap_err();
    // Two errors: the unknown service and the unknown response action; the rest compiled.
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(r[0].msg, "'content' unknown service name.");
    let mut l = lua();
    l.services.insert("svc2".into(), ServiceMode::Tcp);
    l.actions.insert(
        "nope2".into(),
        ActionInfo {
            kinds: vec![ActionKind::HttpRes],
            nb_args: 0,
        },
    );
    let lines: Vec<Line> = [
        "acl api path_beg /api",
        "tcp-request inspect-delay 5s",
        "tcp-request content lua myfunc",
        "http-request lua.act2 x y unless api",
        "http-request deny deny_status 429 if api",
        "http-request return status 404 content-type text/plain lf-string %[path] hdr X-R v",
        "http-request redirect scheme https code 301 drop-query if !api",
        "http-response lua.nope2",
        "http-response deny",
        "use_backend b_%[req.hdr(host)] if api",
        "use_backend static",
    ]
    .iter()
    .map(|s| line(s))
    .collect();
    let tcp_ctx = ProxyCtx {
        mode: ProxyMode::Tcp,
        ..ctx(ProxyKind::Listen)
    };
    let r = ProxyRules::compile(&tcp_ctx, &lines, &l).unwrap();
    assert_eq!(r.inspect_delay, Some(5000));
    match &r.tcp_content[0].action {
        TcpContentAction::Lua(c) => {
            assert_eq!(c.name, "myfunc");
            assert!(c.global_function);
        }
        other => panic!("{other:?}"),
    }
    match &r.http_request[0].action {
        HttpAction::Lua(c) => assert_eq!(c.args, vec!["x", "y"]),
        other => panic!("{other:?}"),
    }
    match &r.http_request[1].action {
        HttpAction::Deny(reply) => assert_eq!(reply.status, 429),
        other => panic!("{other:?}"),
    }
    match &r.http_request[3].action {
        HttpAction::Redirect(rd) => {
            assert_eq!(
                (rd.kind, rd.code, rd.drop_query),
                (RedirectKind::Scheme, 301, true)
            );
        }
        other => panic!("{other:?}"),
    }
    match &r.http_response[1].action {
        HttpAction::Deny(reply) => assert_eq!(reply.status, 502),
        other => panic!("{other:?}"),
    }
    assert!(matches!(r.use_backend[0].action, BackendName::Dynamic(_)));
    assert!(matches!(&r.use_backend[1].action, BackendName::Static(n) if n == "static"));

    // Conditions and formats evaluate over a stream.
    let mut api = TestSource::http("/api/x", &[("Host", "h1")]);
    let mut other = TestSource::http("/x", &[("Host", "h1")]);
    assert!(!block_on(r.http_request[0].applies(&mut api)));
    assert!(block_on(r.http_request[0].applies(&mut other)));
    assert!(block_on(r.http_request[1].applies(&mut api)));
    assert!(block_on(r.use_backend[1].applies(&mut api)));
    if let BackendName::Dynamic(f) = &r.use_backend[0].action {
        let log = crate::sample::logformat::StreamLog::default();
        assert_eq!(block_on(f.render(&mut api, &log)), b"b_h1");
    }
    if let HttpAction::Return(reply) = &r.http_request[2].action {
        assert_eq!(reply.status, 404);
        assert_eq!(reply.content_type.as_deref(), Some("text/plain"));
        assert_eq!(reply.headers.len(), 1);
    } else {
        panic!("return");
    }
}

#[test]
fn later_acl_lines_extend_earlier_conditions() {
    // haproxy 2.6 answers "yes" for /y too: the rule sees the second `acl a` line.
    let r = compile(&["acl a path /x", "http-request deny if a", "acl a path /y"]).unwrap();
    let mut y = TestSource::http("/y", &[]);
    assert!(block_on(r.http_request[0].applies(&mut y)));
}

#[test]
fn del_header_matching() {
    // haproxy 2.6 with "X-Abc" and "x-abd" request headers: which does each rule remove?
    let cases = [
        ("X-AB -m beg", [true, true]),
        ("X-A.* -m reg", [false, false]),
        ("^x-a.* -m reg", [true, true]),
        ("BC -m end", [true, false]),
        ("-AB -m sub", [true, true]),
        ("X-ABC", [true, false]),
    ];
    for (args, want) in cases {
        let r = ok(&format!("http-request del-header {args}"));
        let HttpAction::DelHeader { name, method } = &r.http_request[0].action else {
            panic!()
        };
        let got = [
            method.matches(name, b"X-Abc"),
            method.matches(name, b"x-abd"),
        ];
        assert_eq!(got, want, "{args}");
    }
}

#[test]
fn set_var_rule_runs() {
    let r = ok("http-request set-var(txn.h) req.hdr(host),upper if TRUE");
    let mut s = TestSource::http("/", &[("Host", "abc")]);
    let HttpAction::SetVar(sv) = &r.http_request[0].action else {
        panic!()
    };
    block_on(sv.run(&mut s));
    assert_eq!(
        s.vars.get(&crate::sample::VarName::parse("txn.h").unwrap()),
        Some(crate::sample::Sample::str("ABC"))
    );
    let r = ok("http-request set-var(txn.h,ifnotset) str(x)");
    let HttpAction::SetVar(sv) = &r.http_request[0].action else {
        panic!()
    };
    block_on(sv.run(&mut s));
    assert_eq!(
        s.vars.get(&crate::sample::VarName::parse("txn.h").unwrap()),
        Some(crate::sample::Sample::str("ABC"))
    );
}

#[test]
fn accepted_like_haproxy() {
    for text in [
        "http-request deny if",
        "http-request deny unless ! TRUE",
        "http-request deny if !",
        "use_backend b if TRUE ||",
        "tcp-request content reject if",
        "tcp-request inspect-delay 5s foo",
        "http-request del-header X -m beg",
        "http-request set-var(txn.x) path lower",
        "http-request set-var(txn.x,ifnotset) int(1)",
        "http-request set-header X %[lua.ff(1)]",
        "http-request set-header X %[path,lua.cc(a,b)]",
        "http-request deny content-type text/plain string hi",
        "http-request return status 200 hdr content-length 5",
        "http-request set-header X%[path] y",
        "http-request use-service lua.svc if TRUE",
        "tcp-request content lua.act2 a b",
        "tcp-request content set-var(txn.x) int(1)",
        "http-response deny deny_status 404",
        "http-response set-status 999",
        "use_backend %[path]",
    ] {
        ok(text);
    }
}
