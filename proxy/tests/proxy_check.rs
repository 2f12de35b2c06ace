//! `halo -c` as a process: exit codes and messages for good and bad configurations, including
//! the Lua files `lua-load` runs during the check; compared with `haproxy -c` where it is
//! installed. (The configuration module's own messages are compared case by case in
//! `config_check.rs`; here it is the whole binary, with Lua.)

mod support;

use support::{Engine, Setup};

const GOOD: &str = "
global
  lua-load @DIR@/svc.lua
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  http-request lua.tag blue
  http-request use-service lua.hello if { path /hello }
  default_backend be
backend be
  server s1 127.0.0.1:1
";

const SVC: &str = r#"
core.register_service("hello", "http", function(applet) applet:send("x") end)
core.register_action("tag", { "http-req" }, function(txn, c) end, 1)
"#;

/// `-c` output without what legitimately differs: the `[NOTICE]` banner lines (program name,
/// version, path), the pid, and the temporary directory.
fn normalized(engine: Engine, s: &Setup) -> (i32, String, String) {
    let out = s.check(engine);
    let dir = out
        .cfg_path
        .parent()
        .expect("in a directory")
        .display()
        .to_string();
    let err = out
        .stderr
        .lines()
        .filter(|l| !l.starts_with("[NOTICE]"))
        .map(|l| {
            let l = l.replace(&dir, "@DIR@");
            match (l.find('('), l.find(") :")) {
                (Some(a), Some(b)) if a < b && l[a + 1..b].bytes().all(|c| c.is_ascii_digit()) => {
                    format!("{}(PID{}", &l[..a], &l[b..])
                }
                _ => l,
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    (out.code, out.stdout, err)
}

fn same_as_haproxy(test: &str, s: &Setup) {
    if !support::haproxy_available(test) {
        return;
    }
    assert_eq!(normalized(Engine::Halo, s), normalized(Engine::Haproxy, s));
}

fn good() -> Setup {
    Setup::new(GOOD).file("svc.lua", SVC)
}

#[test]
fn valid_configuration() {
    let (code, out, err) = normalized(Engine::Halo, &good());
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (0, "Configuration file is valid\n", "")
    );
    same_as_haproxy("valid_configuration", &good());
}

#[test]
fn unknown_keyword_and_missing_backend() {
    let s = Setup::new(
        "defaults\n  mode http\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\n\
         frontend fe\n  bind 127.0.0.1:@FE@\n  bogus-keyword 1\n  default_backend nope\n",
    );
    let (code, out, err) = normalized(Engine::Halo, &s);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert!(
        err.contains(
            "parsing [@DIR@/test.cfg:8] : unknown keyword 'bogus-keyword' in 'frontend' section"
        ),
        "{err}"
    );
    same_as_haproxy("unknown_keyword_and_missing_backend", &s);
}

#[test]
fn missing_backend() {
    let s = Setup::new(
        "defaults\n  mode http\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\n\
         frontend fe\n  bind 127.0.0.1:@FE@\n  default_backend nope\n",
    );
    let (code, _, err) = normalized(Engine::Halo, &s);
    assert_eq!(code, 1);
    assert!(
        err.contains("unable to find required default_backend: 'nope'"),
        "{err}"
    );
    same_as_haproxy("missing_backend", &s);
}

#[test]
fn lua_runtime_error_while_loading() {
    // No rule names a Lua action here: those would be further (differently worded) errors.
    let cfg = GOOD.replace("  http-request lua.tag blue\n", "").replace(
        "  http-request use-service lua.hello if { path /hello }\n",
        "",
    );
    let s = Setup::new(&cfg).file("svc.lua", "error(\"load failed\")\n");
    let (code, _, err) = normalized(Engine::Halo, &s);
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "parsing [@DIR@/test.cfg:3] : Lua runtime error: @DIR@/svc.lua:1: load failed"
        ),
        "{err}"
    );
    same_as_haproxy("lua_runtime_error_while_loading", &s);
}

#[test]
fn lua_syntax_error_and_missing_file() {
    let s = Setup::new(GOOD).file("svc.lua", "local x = = 1\n");
    let (code, _, err) = normalized(Engine::Halo, &s);
    assert_eq!(code, 1);
    assert!(err.contains("parsing [@DIR@/test.cfg:3] : "), "{err}");
    assert!(
        err.contains("@DIR@/svc.lua:1: unexpected symbol near '='"),
        "{err}"
    );
    let s = Setup::new(GOOD);
    let (code, _, err) = normalized(Engine::Halo, &s);
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot open @DIR@/svc.lua: No such file or directory"),
        "{err}"
    );
}

// haproxy 2.6 (`hlua_load_state`) words a file that cannot be loaded (syntax error or missing
// file) "error in Lua file '<path>': <message>"; Halo says "Lua syntax error: <message>" and
// "Lua runtime error: cannot open ...".
#[test]
fn lua_load_errors_like_haproxy() {
    same_as_haproxy(
        "lua_load_errors_like_haproxy",
        &Setup::new(GOOD).file("svc.lua", "local x = = 1\n"),
    );
    same_as_haproxy("lua_load_errors_like_haproxy", &Setup::new(GOOD));
}

#[test]
fn lua_rule_errors() {
    // An action with a wrong argument count, then an unknown service.
    let s = Setup::new(&GOOD.replace("lua.tag blue", "lua.tag")).file("svc.lua", SVC);
    let (code, _, err) = normalized(Engine::Halo, &s);
    assert_eq!(code, 1);
    let first = "parsing [@DIR@/test.cfg:11] : error detected in frontend 'fe' while parsing \
                 'http-request lua.tag' rule : expect 1 arguments.";
    assert!(err.contains(first), "{err}");
    if support::haproxy_available("lua_rule_errors") {
        let (hcode, _, herr) = normalized(Engine::Haproxy, &s);
        assert_eq!(hcode, 1);
        assert!(herr.contains(first), "{herr}");
    }
}

// In haproxy 2.6 a bad `http-request` rule is ERR_ABORT: parsing stops at that line (later
// errors are not reported) and "Fatal errors found in configuration." is not printed.
#[test]
fn bad_rule_aborts_like_haproxy() {
    let s = Setup::new(
        &GOOD
            .replace("lua.tag blue", "lua.tag")
            .replace("lua.hello", "lua.nosvc"),
    )
    .file("svc.lua", SVC);
    same_as_haproxy("bad_rule_aborts_like_haproxy", &s);
}

// haproxy 2.6 checks where a fetch may be used: `%[path]` in an `http-response` rule is refused
// ("sample fetch <path]> may not be reliably used here because it needs 'HTTP request headers'
// which is not available here.").
#[test]
fn request_fetch_in_response_rule_refused() {
    let s = Setup::new(
        "defaults\n  mode http\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\n\
         frontend fe\n  bind 127.0.0.1:@FE@\n  http-response set-header X-P %[path]\n\
         default_backend be\nbackend be\n  server s1 127.0.0.1:1\n",
    );
    same_as_haproxy("request_fetch_in_response_rule_refused", &s);
}

const DEFAULTS: &str = "defaults\n  mode http\n  timeout client 5s\n  timeout server 5s\n  \
                        timeout connect 2s\n";

/// Bad rule lines of every kind, `-c` output compared with haproxy 2.6 byte for byte: which
/// errors stop the load (http-* rules) and which do not (tcp-*, acl, use_backend), HAProxy's
/// whole keyword lists with the scripts' actions, "Did you mean", and no misplaced-rule warning
/// for a rule that failed.
#[test]
fn rule_errors_like_haproxy() {
    let lua = "global\n  lua-load @DIR@/svc.lua\n";
    let svc = "core.register_action(\"tag\", { \"http-req\" }, function(txn, c) end, 1)\n\
               core.register_action(\"all\", { \"http-req\", \"http-res\", \"tcp-req\", \
               \"tcp-res\" }, function(txn) end)\n";
    let cases = [
        // Abort at the first bad http-request: the backend's error is never read.
        "frontend fe\n  bind 127.0.0.1:@FE@\n  http-request lua.tag\n  bogus-kw\n  \
         default_backend be\nbackend be\n  http-request bogus\n  server s1 127.0.0.1:1\n",
        // Unknown actions per rule set, suggestions.
        "frontend fe\n  bind 127.0.0.1:@FE@\n  tcp-request content acept\n  \
         tcp-request connection bogus\n  http-response set-stat 200\n  default_backend be\n\
         backend be\n  server s1 127.0.0.1:1\n",
        "frontend fe\n  bind 127.0.0.1:@FE@\n  default_backend be\nbackend be\n  \
         tcp-response content rejec\n  http-after-response luatag\n  server s1 127.0.0.1:1\n",
        "frontend fe\n  bind 127.0.0.1:@FE@\n  http-request set-heade x y\n  \
         default_backend be\nbackend be\n  server s1 127.0.0.1:1\n",
        // Non-aborting errors, then an aborting condition error.
        "frontend fe\n  bind 127.0.0.1:@FE@\n  http-request deny if FALSE\n  \
         tcp-request content bogus\n  tcp-request content accept if FALSE\n  \
         acl a path_xx /\n  use_backend be if nope\n  http-request deny if nope\n  \
         http-request deny if also_nope\n  default_backend be\nbackend be\n  \
         server s1 127.0.0.1:1\n",
        // In a named defaults section.
        "defaults named\n  mode http\n  http-request set-heade x y\n  \
         tcp-request content bogus\nfrontend fe from named\n  bind 127.0.0.1:@FE@\n  \
         default_backend be\nbackend be\n  server s1 127.0.0.1:1\n",
        // Argument errors, checked in HAProxy's order.
        "frontend fe\n  bind 127.0.0.1:@FE@\n  http-response set-status abc\n  \
         default_backend be\nbackend be\n  timeout server\n  server s1 127.0.0.1:1\n",
        "frontend fe\n  bind 127.0.0.1:@FE@\n  \
         http-request return status 200 lf-string %[nosuchfetch]\n  default_backend be\n\
         backend be\n  server s1 127.0.0.1:1\n",
        "frontend fe\n  bind 127.0.0.1:@FE@\n  http-after-response set-header\n  \
         default_backend nope\n",
    ];
    for (i, body) in cases.iter().enumerate() {
        let s = Setup::new(&format!("{lua}{DEFAULTS}{body}")).file("svc.lua", svc);
        if !support::haproxy_available("rule_errors_like_haproxy") {
            return;
        }
        assert_eq!(
            normalized(Engine::Halo, &s),
            normalized(Engine::Haproxy, &s),
            "case {i}"
        );
    }
}

/// Fetch placement (`sample::placement`): expressions and log formats refused where their
/// fetch cannot run, conditions warned about, in every kind of section, byte for byte.
#[test]
fn fetch_placement_like_haproxy() {
    let cases = [
        // Log formats in every HTTP rule set, a listen section (proxy 'l').
        "frontend fe\n  bind 127.0.0.1:@FE@\n  http-response set-header X a%[path]b%[src]\n  \
         default_backend be\nbackend be\n  server s1 127.0.0.1:1\n",
        "listen l\n  bind 127.0.0.1:@FE@\n  http-request set-header X %[status]\n  \
         server s1 127.0.0.1:1\n",
        "frontend fe\n  bind 127.0.0.1:@FE@\n  \
         http-request return status 200 content-type x lf-string %[status]\n  \
         default_backend be\nbackend be\n  server s1 127.0.0.1:1\n",
        "frontend fe\n  bind 127.0.0.1:@FE@\n  http-request redirect location /%[res.hdr(x)]\n  \
         default_backend be\nbackend be\n  server s1 127.0.0.1:1\n",
        "frontend fe\n  bind 127.0.0.1:@FE@\n  http-after-response set-header X %[path]\n  \
         default_backend be\nbackend be\n  server s1 127.0.0.1:1\n",
        // Conditions: never matching ACLs, named or not, and partly unusable ones; tcp rules'
        // wording; set-var expressions; a failed rule's misplaced-rule warning.
        "frontend fe\n  bind 127.0.0.1:@FE@\n  http-after-response allow if { path /x }\n  \
         tcp-request content set-var(txn.z) status\n  \
         tcp-request connection reject if { path /x } || { src 1.2.3.4 }\n  \
         tcp-request connection reject if { src 1.2.3.4 } { path /x }\n  \
         acl mix path /x\n  acl mix src 1.2.3.4\n  tcp-request connection reject if mix\n  \
         http-request deny if mix\n  http-response deny if mix\n  http-request deny if !mix\n  \
         http-request deny if TRUE { status 200 }\n  http-request deny if HTTP_1.0 METH_GET\n  \
         acl p path_beg /x\n  acl q status 200\n  http-response deny if p\n  \
         http-request deny if q\n  http-request deny if p q\n  default_backend be\n\
         backend be\n  http-after-response allow if { path /x }\n  \
         tcp-response content reject if { path /x }\n  \
         tcp-response content set-var(txn.a) path\n  server s1 127.0.0.1:1\n",
        "listen l\n  bind 127.0.0.1:@FE@\n  use_backend be if { status 200 }\n  \
         http-response allow if { path /x }\n  http-request allow if { status 200 }\n  \
         http-request set-var(txn.x) status\n  server s1 127.0.0.1:1\nbackend be\n  \
         server s1 127.0.0.1:1\n",
        // A named defaults section reports its own rules, once.
        "defaults named\n  mode http\n  http-request allow if { status 200 }\n  \
         http-response allow if { path /x }\n  http-request set-header x %[status]\n\
         frontend fe from named\n  bind 127.0.0.1:@FE@\n  default_backend be\n\
         backend be from named\n  server s1 127.0.0.1:1\n",
        // Dynamic use_backend names are checked after parsing.
        "frontend fe\n  bind 127.0.0.1:@FE@\n  use_backend %[nosuch]\n  \
         use_backend %[res.hdr(x)]\n  use_backend be if { status 200 }\n  \
         default_backend be\nbackend be\n  server s1 127.0.0.1:1\n",
    ];
    for (i, body) in cases.iter().enumerate() {
        if !support::haproxy_available("fetch_placement_like_haproxy") {
            return;
        }
        let s = Setup::new(&format!("{DEFAULTS}{body}"));
        assert_eq!(
            normalized(Engine::Halo, &s),
            normalized(Engine::Haproxy, &s),
            "case {i}"
        );
    }
}
