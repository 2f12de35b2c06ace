//! The typed model the configuration module builds: values, inheritance, rule lines, files.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use halo::config::{
    Balance, BindAddr, Config, Env, EnvOp, Facility, HttpConnMode, LogDest, LogFormat, LogLevel,
    LuaPathKind, Mode, Outcome, ProxyKind, ServerAddr, load_paths, load_texts,
};

fn load(text: &str) -> Outcome {
    load_texts(
        &[("t.cfg".to_string(), text.as_bytes().to_vec())],
        Env::from_pairs([("HOME", "/home/test")]),
    )
}

fn ok(text: &str) -> Config {
    let o = load(text);
    assert!(!o.fatal(), "{:?}", o.errors());
    o.config
}

fn errors(text: &str) -> Vec<String> {
    load(text).errors().iter().map(|e| e.to_string()).collect()
}

const FULL: &str = include_str!("config_cases/halo/valid_full.cfg");

#[test]
fn global_section() {
    let c = ok(FULL);
    let g = &c.global;
    assert!(g.daemon);
    assert_eq!(g.maxconn, Some(1000));
    assert_eq!(g.nbthread, Some(2));
    assert_eq!(g.pidfile.as_deref(), Some("/run/halo.pid"));
    assert_eq!(g.logs.len(), 2);
    assert_eq!(g.logs[0].dest, LogDest::Stdout);
    assert_eq!(g.logs[0].format, LogFormat::Raw);
    assert_eq!(g.logs[0].facility, Facility(16));
    let l = &g.logs[1];
    assert_eq!(
        l.dest,
        LogDest::Udp("127.0.0.1:514".parse::<SocketAddr>().unwrap())
    );
    assert_eq!(l.max_len, Some(1024));
    assert_eq!(l.format, LogFormat::Rfc5424);
    assert_eq!(l.facility, Facility(17));
    assert_eq!(l.level, Some(LogLevel::Info));
    assert_eq!(l.min_level, Some(LogLevel::Notice));
    assert_eq!(g.lua_loads.len(), 1);
    assert_eq!(g.lua_loads[0].file, "/etc/halo/service.lua");
    assert_eq!(g.lua_loads[0].loc.to_string(), "t.cfg:8");
}

#[test]
fn proxies_and_inheritance() {
    let c = ok(FULL);
    assert_eq!(c.defaults.len(), 1);
    let www = c.proxy("www").unwrap();
    assert_eq!(www.kind, ProxyKind::Frontend);
    assert!(www.caps.frontend && !www.caps.backend);
    assert_eq!(www.mode, Mode::Http);
    assert_eq!(www.defaults_index, Some(0));
    assert!(www.options.httplog && www.options.dontlognull);
    let ff = www.options.forwardfor.as_ref().unwrap();
    assert_eq!(ff.header, "X-Forwarded-For");
    assert_eq!(ff.except, Some(("127.0.0.0".parse().unwrap(), 8)));
    // `log global` in defaults copied the global targets into the proxies.
    assert!(www.log_global);
    assert_eq!(www.logs.len(), 2);
    assert_eq!(www.timeouts.client, Some(30_000));
    assert_eq!(www.timeouts.http_request, Some(10_000));
    // Backend-side timeouts are not taken by a frontend.
    assert_eq!(www.timeouts.server, None);
    assert_eq!(www.binds.len(), 3);
    assert_eq!(
        www.binds[0].addrs,
        vec![
            BindAddr::Inet {
                addr: IpAddr::from([0, 0, 0, 0]),
                ports: 22130..=22130
            },
            BindAddr::Inet {
                addr: "::1".parse().unwrap(),
                ports: 22131..=22131
            },
        ]
    );
    assert_eq!(
        www.binds[2].addrs,
        vec![BindAddr::Unix(PathBuf::from("/tmp/halo-test.sock"))]
    );
    assert_eq!(www.default_backend.as_ref().unwrap().0, "web");
    assert_eq!(www.rules.acl.len(), 1);
    assert_eq!(
        www.rules.http_request[0].words,
        ["http-request", "set-header", "X-Test", "hello world"]
    );
    assert_eq!(www.rules.use_backend.len(), 2);
    assert_eq!(www.rules.use_backend[0].loc.line, 27);

    let web = c.backend("web").unwrap();
    assert_eq!(web.balance, Balance::LeastConn);
    assert_eq!(web.retries, 2);
    assert_eq!(web.timeouts.connect, Some(5_000));
    assert_eq!(web.timeouts.tunnel, Some(3_600_000));
    assert_eq!(web.timeouts.client, None);
    assert_eq!(web.servers.len(), 2);
    let w1 = &web.servers[0];
    assert_eq!(
        w1.addr,
        ServerAddr::Inet {
            host: "127.0.0.1".into(),
            ip: Some("127.0.0.1".parse().unwrap()),
            port: Some(22140)
        }
    );
    assert_eq!((w1.weight, w1.maxconn, w1.backup), (10, Some(100), false));
    assert!(web.servers[1].backup);
    assert!(c.backend("api").unwrap().servers[0].disabled);

    let tcp = c.proxy("tcpfwd").unwrap();
    assert_eq!(tcp.kind, ProxyKind::Listen);
    assert!(tcp.caps.frontend && tcp.caps.backend);
    assert_eq!(tcp.mode, Mode::Tcp);
    assert!(tcp.options.tcplog && !tcp.options.httplog);
    assert_eq!(tcp.rules.tcp_request.len(), 2);
    assert_eq!(
        tcp.rules.tcp_request[1].words,
        [
            "tcp-request",
            "content",
            "accept",
            "if",
            "{",
            "req.len",
            "gt",
            "0",
            "}"
        ]
    );
}

#[test]
fn last_defaults_and_from() {
    let c = ok(
        "defaults\n  mode http\n  timeout client 1s\ndefaults base\n  mode tcp\n  retries 7\n  option http-server-close\ndefaults\n  timeout server 2s\nbackend a\nbackend b from base\n",
    );
    assert_eq!(c.defaults.len(), 3);
    let a = c.backend("a").unwrap();
    assert_eq!(a.defaults_index, Some(2));
    assert_eq!(a.mode, Mode::Tcp);
    assert_eq!(a.timeouts.server, Some(2000));
    let b = c.backend("b").unwrap();
    assert_eq!(b.defaults_index, Some(1));
    assert_eq!(b.retries, 7);
    assert_eq!(b.options.http_conn_mode, HttpConnMode::ServerClose);
    assert_eq!(b.timeouts.server, None);
}

#[test]
fn named_defaults_keep_their_rules() {
    let c = ok(
        "defaults rules\n  mode http\n  http-request set-header X-A 1\n  acl x path /\nfrontend f from rules\n  bind :22200\n  http-request set-header X-B 2\n",
    );
    let d = &c.defaults[0];
    assert_eq!(d.name, "rules");
    assert_eq!(d.rules.http_request.len(), 1);
    assert_eq!(d.rules.acl.len(), 1);
    let f = c.proxy("f").unwrap();
    assert_eq!(f.rules.http_request.len(), 1);
    assert_eq!(f.rules.http_request[0].words[2], "X-B");
    assert_eq!(f.defaults_index, Some(0));
    assert_eq!(c.defaults_of(f).unwrap().rules.http_request.len(), 1);
}

#[test]
fn options_negation() {
    let c = ok(
        "defaults\n  option httpclose\n  option dontlognull\nfrontend f\n  bind :1\n  no option httpclose\n  no option dontlognull\n",
    );
    let f = c.proxy("f").unwrap();
    assert_eq!(f.options.http_conn_mode, HttpConnMode::KeepAlive);
    assert!(!f.options.dontlognull);
}

#[test]
fn log_fd_aliases() {
    let c = ok("global\n  log fd@1 local0\n  log fd@2 local1\n");
    assert_eq!(c.global.logs[0].dest, LogDest::Stdout);
    assert_eq!(c.global.logs[1].dest, LogDest::Stderr);
}

#[test]
fn no_log_clears_inherited_targets() {
    let c = ok(
        "global\n  log stderr local0\ndefaults\n  log global\nfrontend f\n  bind :1\n  no log\n",
    );
    assert!(c.proxy("f").unwrap().logs.is_empty());
}

#[test]
fn environment_changes_apply_to_later_lines() {
    let o = load(
        "global\n  setenv A \"x y\"\n  presetenv A z\n  presetenv B \"${A}\"\n  unsetenv HOME\n  pidfile \"/run/${B}-${HOME}\"\n",
    );
    let c = o.usable().unwrap();
    assert_eq!(c.global.pidfile.as_deref(), Some("/run/x y-"));
    assert_eq!(o.env.get("B"), Some("x y"));
    assert_eq!(o.env.get("HOME"), None);
    assert_eq!(
        c.global.env_ops[0],
        EnvOp::Set {
            name: "A".into(),
            value: "x y".into(),
            overwrite: true
        }
    );
    assert_eq!(c.global.env_ops.len(), 4);
}

#[test]
fn lua_directives() {
    let c = ok(
        "global\n  tune.lua.maxmem 64\n  tune.lua.forced-yield 500\n  tune.lua.session-timeout 2s\n  tune.lua.burst-timeout 100ms\n  tune.lua.log.loggers off\n  tune.lua.openlibs string,math\n  lua-prepend-path /a/?.lua cpath\n  lua-load a.lua x y\n  lua-load-per-thread b.lua\n",
    );
    let g = &c.global;
    let t = &g.tune_lua;
    assert_eq!(t.maxmem_mb, Some(64));
    assert_eq!(t.forced_yield, Some(500));
    assert_eq!(t.session_timeout_ms, Some(2000));
    assert_eq!(t.burst_timeout_ms, Some(100));
    assert_eq!(t.log_loggers, Some(false));
    assert_eq!(t.openlibs.as_ref().unwrap().len(), 2);
    assert_eq!(g.lua_prepend_paths[0].kind, LuaPathKind::Cpath);
    assert_eq!(g.lua_loads[0].args, ["x", "y"]);
    assert!(!g.lua_loads[0].per_thread);
    assert!(g.lua_loads[1].per_thread);
}

#[test]
fn errors_carry_locations() {
    let o = load("global\n  chroot /x\n");
    let e = &o.errors()[0];
    assert_eq!(e.loc.as_ref().unwrap().line, 2);
    assert_eq!(e.msg, "'chroot' is not supported by Halo");
    assert_eq!(
        errors("frontend f\n  bind :1\n  server s 1.2.3.4:80 check\n"),
        [
            "parsing [t.cfg:3] : 'server' not allowed because frontend 'f' has no backend capability."
        ]
    );
}

#[test]
fn warnings_are_separate() {
    let o = load("frontend f\n  bind :1\n");
    assert!(!o.fatal());
    assert!(o.errors().is_empty());
    assert_eq!(o.warnings().len(), 1);
    assert!(
        o.warnings()[0]
            .msg
            .starts_with("missing timeouts for frontend 'f'.")
    );
}

#[test]
fn hostile_input_does_not_panic() {
    let inputs: [&[u8]; 6] = [
        b"\xff\xfe\x00garbage\n",
        b"global\n  setenv \"${\n",
        b"frontend \"\"\n",
        b"backend b\n  server s [::1\n  server t [\n  server u :\n",
        b"frontend f\n  bind ,,,\n  bind :65535-0\n  bind [\n",
        b"defaults\n  timeout client 4294967296000d\n",
    ];
    for text in inputs {
        let _ = load_texts(&[("x".into(), text.to_vec())], Env::default());
    }
}

#[test]
fn files_and_directories() {
    let dir = std::env::temp_dir().join(format!("halo-config-test-{}", std::process::id()));
    let sub = dir.join("conf.d");
    std::fs::create_dir_all(sub.join("nested.cfg")).unwrap();
    std::fs::write(sub.join("b.cfg"), "frontend b\n  bind :2\n").unwrap();
    std::fs::write(sub.join("a.cfg"), "frontend a\n  bind :1\n").unwrap();
    std::fs::write(sub.join(".hidden.cfg"), "bogus\n").unwrap();
    std::fs::write(sub.join("x.cfg.cfg"), "bogus\n").unwrap();
    std::fs::write(sub.join("notes.txt"), "bogus\n").unwrap();
    std::fs::write(dir.join("main.cfg"), "global\n  daemon\n").unwrap();
    let o = load_paths(&[dir.join("main.cfg"), sub.clone()], Env::default());
    assert!(!o.fatal(), "{:?}", o.errors());
    let c = o.config;
    let names: Vec<&str> = c.proxies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(
        c.proxies[0].loc.file.as_ref(),
        format!("{}/a.cfg", sub.display())
    );
    let missing = load_paths(&[dir.join("nope.cfg")], Env::default());
    assert!(missing.aborted);
    assert_eq!(
        missing.errors()[0].msg,
        format!(
            "Cannot open configuration file/directory {} : No such file or directory",
            dir.join("nope.cfg").display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn rule_diagnostics_merge_in_line_order() {
    use halo::config::{Banner, Diagnostic, Form, parse_texts};
    let text = "frontend f\n  bind :1\n  bogus1\n  http-request nonsense\n  bogus2\n";
    let mut o = parse_texts(
        &[("r.cfg".into(), text.as_bytes().to_vec())],
        Env::default(),
    );
    // What a rules compiler would report for line 4, after reading.
    let line4 = o.config.proxies[0].rules.http_request[0].loc.clone();
    o.add(Diagnostic::alert(&line4, Form::ParsingTight, "bad rule"));
    o.check();
    let banner = Banner {
        pid: 7,
        version_line: "v".into(),
        path_line: "p".into(),
    };
    assert_eq!(
        o.render_check(&banner).stderr,
        "[NOTICE]   (7) : v\n[NOTICE]   (7) : p\n\
         [ALERT]    (7) : config : parsing [r.cfg:3] : unknown keyword 'bogus1' in 'frontend' section\n\
         [ALERT]    (7) : config : parsing [r.cfg:4]: bad rule\n\
         [ALERT]    (7) : config : parsing [r.cfg:5] : unknown keyword 'bogus2' in 'frontend' section\n\
         [ALERT]    (7) : config : Error(s) found in configuration file : r.cfg\n\
         [ALERT]    (7) : config : Fatal errors found in configuration.\n"
    );
    // A rule error alone also makes the file fatal and skips the checks.
    let mut o = parse_texts(
        &[("r.cfg".into(), b"frontend f\n  http-request x\n".to_vec())],
        Env::default(),
    );
    let loc = o.config.proxies[0].rules.http_request[0].loc.clone();
    o.add(Diagnostic::alert(&loc, Form::Parsing, "bad rule"));
    o.check();
    assert!(o.checks.is_empty());
    assert!(o.fatal());
    assert_eq!(o.render_check(&banner).exit_code, 1);
}

#[test]
fn nonfatal_alert_keeps_the_configuration() {
    let o = load("defaults\n  timeout client 1s\nfrontend f extra\nfrontend g\n  bind :1\n");
    assert!(!o.fatal());
    assert_eq!(o.errors().len(), 1);
    assert!(o.usable().unwrap().proxy("f").is_none());
}

/// Random mutations of every recorded case must never panic (or loop): errors are values.
#[test]
fn mutated_configurations_never_panic() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/config_cases");
    let mut corpus: Vec<Vec<u8>> = Vec::new();
    for sub in ["same", "halo"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "cfg") {
                corpus.push(std::fs::read(path).unwrap());
            }
        }
    }
    // xorshift64*: deterministic, no dependency.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let pieces: [&[u8]; 16] = [
        b"\"",
        b"'",
        b"\\",
        b"$",
        b"${",
        b"}",
        b"[*]",
        b"(",
        b")",
        b",",
        b":",
        b"\n",
        b"#",
        "é".as_bytes(),
        b"\x00",
        b"%[",
    ];
    for round in 0..800 {
        let mut text = corpus[round % corpus.len()].clone();
        for _ in 0..(1 + next() % 6) {
            let at = if text.is_empty() {
                0
            } else {
                (next() as usize) % text.len()
            };
            match next() % 3 {
                0 => {
                    let p = pieces[(next() as usize) % pieces.len()];
                    text.splice(at..at, p.iter().copied());
                }
                1 => {
                    let end = (at + (next() as usize) % 8).min(text.len());
                    text.drain(at..end);
                }
                _ => text.insert(at, next() as u8),
            }
        }
        let o = load_texts(&[("m.cfg".into(), text)], Env::from_pairs([("A", "x y")]));
        let _ = o.render_check(&halo::config::Banner {
            pid: 1,
            version_line: String::new(),
            path_line: String::new(),
        });
    }
}

#[test]
fn rule_abort_drops_what_follows() {
    use halo::config::{Banner, Diagnostic, Form, parse_texts};
    let mut o = parse_texts(
        &[
            (
                "a.cfg".into(),
                b"frontend f\n  bind :1\n  http-request\n  bogus\n".to_vec(),
            ),
            ("b.cfg".into(), b"bogus2\n".to_vec()),
        ],
        Env::default(),
    );
    let loc = o.config.proxies[0].rules.http_request[0].loc.clone();
    o.add_abort(Diagnostic::alert(
        &loc,
        Form::ParsingTight,
        "'http-request' expects ...",
    ));
    o.check();
    let out = o.render_check(&Banner {
        pid: 1,
        version_line: "v".into(),
        path_line: "p".into(),
    });
    assert_eq!(
        out.stderr,
        "[NOTICE]   (1) : v\n[NOTICE]   (1) : p\n\
         [ALERT]    (1) : config : parsing [a.cfg:3]: 'http-request' expects ...\n\
         [ALERT]    (1) : config : Error(s) found in configuration file : a.cfg\n"
    );
    assert_eq!(out.exit_code, 1);
}

#[test]
fn server_names_resolve_through_the_callers_resolver() {
    use halo::config::Banner;
    let text = "frontend f\n  bind :1\n  timeout client 1s\n  default_backend b\nbackend b\n  timeout connect 1s\n  timeout server 1s\n  server s1 db.example:5432\n  server s2 nowhere.invalid:80\n  server s3 10.0.0.1:80\n";
    let mut o = load(text);
    let mut asked = Vec::new();
    o.resolve_servers(&mut |host| {
        asked.push(host.to_string());
        (host == "db.example").then(|| "192.0.2.7".parse().unwrap())
    });
    assert_eq!(asked, ["db.example", "nowhere.invalid"]);
    assert!(o.fatal());
    assert_eq!(
        o.config.backend("b").unwrap().servers[0].addr,
        ServerAddr::Inet {
            host: "db.example".into(),
            ip: Some("192.0.2.7".parse().unwrap()),
            port: Some(5432)
        }
    );
    let out = o.render_check(&Banner {
        pid: 3,
        version_line: "v".into(),
        path_line: "p".into(),
    });
    assert_eq!(out.exit_code, 1);
    assert!(out.stderr.ends_with(
        "[ALERT]    (3) : config : [t.cfg:9] : 'server b/s2' : could not resolve address 'nowhere.invalid'.\n\
         [ALERT]    (3) : config : Failed to initialize server(s) addr.\n"
    ));
}
