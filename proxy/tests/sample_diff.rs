//! Differential tests of the sample catalogue: fetches, converters and ACLs under `halo` and
//! the real `haproxy` 2.6 (skipped with a note when it is not installed), the same request to
//! both, responses compared byte for byte. Each expression gets its own `http-request return`
//! rule selected by the path prefix `/e<N>/`, so a difference names the expression.
//!
//! Values that depend on the run (random numbers, UUIDs, dates, the host name, ports) get
//! property checks on halo alone instead (`properties_of_run_dependent_fetches`).

mod support;

use support::diff::{Compare, Pair};
use support::{Backend, Client, Received, Reply, Setup};

const ORDERED: Compare = Compare {
    unordered_headers: false,
};

const HEAD: &str = "
global
  nbthread 1
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
";

/// The request every expression is evaluated on: a query string with repeated, empty and
/// `;`/`|`-separated parameters, cookies over two lines, repeated headers, addresses.
fn request(prefix: &str) -> String {
    format!(
        "GET {prefix}a;z=5?q&x=1&y=&x=2;n=42&w=3|w=4&e=a%20b+c HTTP/1.1\r\n\
         Host: example.org:8080\r\n\
         Cookie: a=1; b = two ; a=3, c=4\r\n\
         X-Multi: one, two\r\n\
         cookie: n=12x; a=last; q=\"x;y\"\r\n\
         X-Multi: three\r\n\
         X-IP: 10.0.0.1:80\r\n\
         X-IP2: ::1\r\n\
         X-IP3: 1.2.3.4:99999\r\n\
         X-Num: 42abc\r\n\
         \r\n"
    )
}

/// A frontend answering `/e<N>/...` with the log-format string `exprs[N]`.
fn expr_setup(exprs: &[&str]) -> Setup {
    let mut cfg = format!("{HEAD}frontend fe\n  bind 127.0.0.1:@FE@\n");
    for (i, e) in exprs.iter().enumerate() {
        assert!(!e.contains('"'), "use single quotes in {e}");
        cfg.push_str(&format!(
            "  http-request return status 200 content-type text/plain lf-string \"{e}\" if {{ path_beg /e{i}/ }}\n"
        ));
    }
    cfg.push_str("  http-request return status 404 content-type text/plain string nope\n");
    Setup::new(&cfg)
}

fn check_exprs(test: &str, exprs: &[&str]) {
    let Some(p) = Pair::same(test, &expr_setup(exprs)) else {
        return;
    };
    for (i, e) in exprs.iter().enumerate() {
        let r = p.check(&request(&format!("/e{i}/")), ORDERED);
        assert_eq!(r.status, 200, "{e}");
    }
}

#[test]
fn request_fetches() {
    check_exprs(
        "request_fetches",
        &[
            "%[src]|%[dst]|%[fe_name]|%[fe_id]",
            "%[method]|%[req.ver]",
            "%[path]|%[pathq]|%[query]",
            "%[url]",
            "%[base]|%[baseq]",
            "%[base32]|%[url32]",
            "%[base32+src,hex]|%[url32+src,hex]",
            "%[url_param(x)]|%[url_param]|%[url_param(y)]|%[url_param(nope)]|%[url_param(q)]",
            "%[urlp(z,;)]|%[urlp(w,|)]|%[urlp_val(n)]|%[urlp(e)]",
            "%[req.hdr(x-multi)]|%[req.hdr(x-multi,1)]|%[req.hdr(x-multi,-2)]|%[hdr(host)]",
            "%[req.fhdr(x-multi)]|%[req.fhdr(x-multi,1)]|%[req.hdr_cnt(x-multi)]|%[req.fhdr_cnt(x-multi)]",
            "%[req.hdr_cnt]|%[req.hdr_val(x-num)]|%[req.hdr(nope)]|%[req.hdr_cnt(nope)]",
            "%[req.hdrs]",
            "%[req.cook(a)]|%[req.cook]|%[cook(b)]|%[req.cook(q)]|%[req.cook(nope)]",
            "%[req.cook_cnt(a)]|%[req.cook_cnt]|%[req.cook_val(n)]|%[cook_cnt(c)]|%[cook_val(c)]",
            "%[hdr_ip(x-ip)]|%[hdr_ip(x-ip2)]|%[hdr_ip(x-ip3)]|%[req.hdr_ip(x-ip)]",
            "%[url_ip]|%[url_port]|%[req.body_len]",
            "%[str(abc)]|%[int(-12)]|%[bool(true)]|%[bool(0)]|%[ipv4(10.1.2.3)]|%[ipv6(2001:db8::1)]",
            "%[always_true]|%[always_false]|%[var(txn.nope)]|%[var(txn.nope,dflt)]",
            "%[env(PATH)]|%[env(HALO_SURELY_UNSET_VARIABLE)]|%[unique-id]",
            "%[req.hdr_names]|%[req.hdr_names(|)]|%[nbproc]|%[proc]|%[stopping]",
            "%[capture.req.method]|%[capture.req.uri]|%[capture.req.ver]",
            "%[ssl_fc]|%[ssl_fc_has_sni]|%[ssl_c_used]|%[ssl_fc_has_crt]|%[wait_end]",
        ],
    );
}

#[test]
fn converters() {
    check_exprs(
        "converters",
        &[
            "%[str(hello),sdbm]|%[str(hello),sdbm(1)]|%[str(hello),djb2]|%[str(hello),djb2(1)]",
            "%[str(hello),wt6]|%[str(hello),wt6(1)]|%[str(hello),crc32]|%[str(hello),crc32(1)]",
            "%[str(123456789),crc32c]|%[str(hello),xxh32]|%[str(hello),xxh32(5)]",
            "%[str(hello),xxh64]|%[str(hello),xxh64(-5)]|%[str(hello),xxh3]",
            "%[str(hello),sha1,hex]|%[str(hello),sha2,hex]|%[str(hello),sha2(224),hex]",
            "%[str(hello),sha2(384),base64]|%[str(hello),sha2(512),hex,lower]",
            "%[str(aGVsbG8=),b64dec]|%[str(aGVsbG8),b64dec]|%[str(aGVsbA),ub64dec]|%[str(a),ub64dec]",
            "%[str(a!bc),b64dec]|%[str(hel?>),ub64enc]|%[str(hel?>),base64]|%[str(YWI),ub64dec]",
            "%[str(a%20b+c?d+e),url_dec]|%[str(a%20b+c),url_dec(1)]|%[str(a%2),url_dec]",
            "%[str(a b/c?d=e&f~_.-*),url_enc]|%[str(a b),url_enc(query)]|%[url_param(e),url_dec]",
            "%[str(x),concat(<,txn.nope,>)]|%[str(x),concat(<)]|%[str(x),concat(,,>)]",
            "%[str(v),set-var(txn.c)]|%[str(x),concat(<,txn.c,>)]",
            "%[str(hello),bytes(1,2)]|%[str(hello),bytes(9)]|%[str(hello),bytes(2)]|%[str(hello),bytes(-1)]",
            "%[str(xxhixx),ltrim(x)]|%[str(xxhixx),rtrim(x)]|%[str(xxxx),rtrim(x)]|%[str(ab),ltrim('')]",
            "%[str(1f),hex2i]|%[str(),hex2i]|%[str(1g),hex2i]|%[str(ffffffffffffffffff),hex2i]",
            "%[int(0),http_date]|%[int(1500),http_date(0,ms)]|%[int(1500),http_date(1,s)]",
            "%[int(1500123),http_date(5,us)]|%[int(-1),http_date]|%[int(1001),http_date(0,ms)]",
            "%[int(86400),utime(%Y-%m-%d %H:%M:%S)]|%[int(86400),utime(%Y,3600)]|%[int(-1),utime(%Y)]",
            "%[int(86400),ltime(%Y-%m-%d %H:%M:%S)]|%[int(0),utime(%a %b %e %j %p %s %%)]",
            "%[str(abc),regsub(b,X)]|%[str(abcabc),regsub(b,X,g)]|%[str(abcabc),regsub(B,X,gi)]",
            "%[str(abc),regsub('x*',-,g)]|%[str(abc),regsub('(a)(b)',\\2\\1)]|%[str(abc),regsub('^.',-,g)]",
            "%[str(a.b.c),regsub('\\.',\\x41,g)]|%[str(abc),regsub('b|',-,g)]|%[str(abc),regsub(b,\\n)]",
            "%[str(AbC),lower]|%[str(AbC),upper]|%[str(abc),length]|%[str(ab),hex]|%[str(a\\tb),json]",
            "%[str(a:b:c),field(2,:)]|%[str(a:b:c),field(-1,:,2)]|%[str(/a//b),word(2,/)]",
            "%[int(7),add(3)]|%[int(7),sub(10)]|%[int(7),mul(-2)]|%[int(7),div(2)]|%[int(7),div(0)]",
            "%[int(7),mod(4)]|%[int(6),and(3)]|%[int(6),or(1)]|%[int(6),xor(3)]|%[int(7),neg]|%[int(7),cpl]",
            "%[int(7),not]|%[int(0),not]|%[int(7),bool]|%[int(7),even]|%[int(7),odd]",
            "%[str(5),set-var(txn.n)]|%[int(2),add(txn.n)]|%[int(2),mul(txn.nope)]",
            "%[str(v),set-var(txn.u),unset-var(txn.u)]|%[var(txn.u)]",
            "%[src,ipmask(24)]|%[ipv6(2001:db8::1),ipmask(24,32)]|%[str(10.9.8.7),ipmask(255.255.0.0)]",
            "%[int(5),sdbm]|%[src,crc32]|%[int(3),base64]|%[bool(1),hex]|%[method,djb2]|%[src,hex]",
            "%[str(ab),sha1,base64]|%[method,lower]|%[str(12),add(1),hex]|%[int(258),bytes(6)]",
            "%[str(a%00b),url_dec,length]|%[str(é),json(utf8)]|%[str(é),json(utf8s)]|%[str(é),json]",
            "%[str(5),ltime(%Y)]|%[str(x),utime(%Y)]|%[str(abc),hex2i]|%[int(-1),hex]",
            "%[str(%01%7f%c3%a9%ff%22%5c),url_dec,json]|%[str(%01%7f%c3%a9%ff%22%5c),url_dec,json(utf8)]",
            "%[str(%01%7f%c3%a9%ff%22%5c),url_dec,json(utf8s)]|%[str(%01%7f%c3%a9%ff),url_dec,json(utf8p)]",
            "%[str(%f0%9f%98%80),url_dec,json(utf8s)]|%[str(%c0%81x),url_dec,json(utf8p)]|%[str(%c0%81x),url_dec,json(utf8s)]",
            "%[str(%e0%81%81x),url_dec,json(utf8ps)]|%[str(%ef%bf%bfx),url_dec,json(utf8ps)]|%[str(%ed%a0%80x),url_dec,json(utf8p)]",
            "%[str(%f8%88%80%80%80x),url_dec,json(utf8ps)]|%[str(%e2%82),url_dec,json(utf8s)]|%[str(%80%80z),url_dec,json(utf8s)]",
            "%[int(9223372036854775807),add(1)]|%[int(-9223372036854775808),sub(1)]|%[int(-9223372036854775808),div(-1)]",
            "%[int(-9223372036854775808),mod(-1)]|%[int(7),mod(0)]|%[int(-7),mod(3)]|%[int(-7),div(2)]",
            "%[int(4611686018427387904),mul(4)]|%[int(-9223372036854775808),neg]|%[int(-9223372036854775808),cpl]",
            "%[str(abc),add(1)]|%[str(12abc),mul(2)]|%[str(),add(1)]|%[bool(1),add(1)]|%[ipv4(1.2.3.4),add(1)]",
            "%[str(::a::b::c::),word(1,:,0)]|%[str(::a::b::c::),word(-2,:,0)]|%[str(::a::b::c::),word(2,:,2)]",
            "%[str(::a::b::c::),word(-3,:,5)]|%[str(::a::b::c::),word(3,:,5)]|%[str(::a::b::c::),word(4,:)]",
            "%[str(:a:b:c:),field(-1,:,0)]|%[str(:a:b:c:),field(-2,:,2)]|%[str(:a:b:c:),field(2,:,9)]",
            "%[str(3),set-var(txn.b,ifnotexists)]%[str(4),set-var(txn.b,ifnotexists)]%[var(txn.b)]",
            "%[int(5),set-var(txn.c)]%[int(9),set-var(txn.c,ifgt)]%[int(2),set-var(txn.c,ifgt)]%[var(txn.c)]",
            "%[str(5),set-var(txn.d)]%[str(2),set-var(txn.d,iflt)]%[var(txn.d)]|%[str(),set-var(txn.e,ifnotempty)]%[var(txn.e,unset)]",
        ],
    );
}

/// ACL lines, each selected by `/e<N>/` and answering `yes` when the condition holds.
fn check_acls(test: &str, conds: &[&str]) {
    let mut cfg = format!("{HEAD}frontend fe\n  bind 127.0.0.1:@FE@\n");
    cfg.push_str(
        "  acl tcp_local src 127.0.0.0/8\n  acl api path_sub /api\n  acl api hdr(x-multi) three\n",
    );
    for (i, c) in conds.iter().enumerate() {
        // `@G@` repeats the guard after an `||`, which starts a new AND suite.
        let guard = format!("{{ path_beg /e{i}/ }}");
        let c = c.replace("@G@", &guard);
        cfg.push_str(&format!(
            "  http-request return status 200 content-type text/plain string yes{i} if {guard} {c}\n"
        ));
    }
    cfg.push_str("  http-request return status 200 content-type text/plain string no\n");
    let setup = Setup::new(&cfg)
        .file("paths.lst", "# comment\n/x\n  /E1\n\n/e13/\n/e123/\n")
        .file("hosts.lst", "other.org\nEXAMPLE.ORG:8080\n")
        .file("nets.lst", "10.0.0.0/8\n127.0.0.0/8\n")
        .file("ints.lst", "41:43\n");
    let Some(p) = Pair::same(test, &setup) else {
        return;
    };
    for (i, _) in conds.iter().enumerate() {
        p.check(&request(&format!("/e{i}/")), ORDERED);
    }
}

#[test]
fn acl_criteria() {
    check_acls(
        "acl_criteria",
        &[
            "{ path_beg /e0/ }",
            "{ path_end a;z=5 }",
            "{ path_sub ;z= }",
            "{ path_reg ^/e3/a;z=[0-9]$ }",
            "{ path_dir a;z=5 }",
            "{ path_dom e5 }",
            "{ path_len 8 }",
            "{ path_len gt 5 }",
            "{ url_beg /e8/a }",
            "{ url_end w=4 }",
            "{ url_sub x=2 }",
            "{ url_reg w=[0-9]\\|w }",
            "{ url_dir e12 }",
            "{ url_dom nope }",
            "{ url_len 30:100 }",
            "{ base_beg example.org }",
            "{ base_end z=5 }",
            "{ base_sub org:8080 }",
            "{ base_dom example.org }",
            "{ base_reg ^example }",
            "{ base_len lt 10 }",
            "{ base_dir e21 }",
            "{ hdr_beg(host) example }",
            "{ hdr_end(host) :8080 }",
            "{ hdr_sub(x-multi) hre }",
            "{ hdr_reg(x-multi) ^t.o$ }",
            "{ hdr_dom(host) example.org }",
            "{ hdr_dir(host) org }",
            "{ hdr_len(x-multi) 5 }",
            "{ hdr_ip(x-ip) 10.0.0.0/8 }",
            "{ hdr_ip(x-ip2) ::1 }",
            "{ hdr_cnt(x-multi) eq 3 }",
            "{ hdr_val(x-num) ge 42 }",
            "{ hdr(host) -i EXAMPLE.ORG:8080 }",
            "{ hdr(host) EXAMPLE.ORG:8080 }",
            "{ hdr(x-multi,1) two }",
            "{ req.hdr(x-multi) -m beg th }",
            "{ urlp(x) 2 }",
            "{ urlp(x) 3 }",
            "{ urlp_beg(w) 3 }",
            "{ urlp_len(y) 0 }",
            "{ urlp_val(n) 40:50 }",
            "{ urlp_reg(z,;) ^5 }",
            "{ cook(a) 3 }",
            "{ cook_beg(b) tw }",
            "{ cook_len(a) 4 }",
            "{ cook_sub(q) ; }",
            "{ cook_cnt(a) 3 }",
            "{ cook_val(n) 12 }",
            "{ req.cook(nope) -m found }",
            "{ req.cook(a) -m found }",
            "{ src 127.0.0.1 }",
            "{ src 10.0.0.0/8 }",
            "{ dst 127.0.0.1/32 }",
            "{ method GET }",
            "{ method -i get }",
            "{ method POST PUT }",
            "{ req.ver 1.1 }",
            "{ req_ver 1.0 }",
            "{ query -m sub x=2 }",
            "{ url_param(x) -m int 2 }",
            "{ req.hdr(x-num) -m len 5 }",
            "{ req.hdr(x-num) -m int gt 41 }",
            "{ req.hdr(host) -m dom org }",
            "{ req.hdr(x-ip) -m ip 10.0.0.1 }",
            "{ url_ip -m found }",
            "{ req.body_len 0 }",
            "{ str(abc) -m reg -i ^A }",
            "{ str(abc),upper ABC }",
            "{ int(5) 1:4 6: }",
            "{ int(5) eq 5 } !{ int(5) lt 5 }",
            "{ always_false } || @G@ { always_true }",
            "{ always_false } or @G@ { always_true }",
            "{ always_true } { always_false }",
            "!tcp_local || @G@ api",
            "tcp_local api",
            "!api",
            "TRUE",
            "FALSE",
            "HTTP",
            "HTTP_1.0",
            "HTTP_1.1",
            "HTTP_2.0",
            "HTTP_CONTENT",
            "HTTP_URL_ABS",
            "HTTP_URL_SLASH",
            "HTTP_URL_STAR",
            "LOCALHOST",
            "METH_CONNECT",
            "METH_DELETE",
            "METH_GET",
            "METH_HEAD",
            "METH_OPTIONS",
            "METH_POST",
            "METH_PUT",
            "METH_TRACE",
            "REQ_CONTENT",
            "WAIT_END",
            "RDP_COOKIE",
            "{ urlp -m found }",
            "{ urlp 2 }",
            "{ urlp_sub 5?q }",
            "{ cook b c }",
            "{ cook 4 }",
            "{ cook_beg last }",
            "{ cook_len 0 }",
            "{ hdr_ip(x-ip,1) 10.0.0.1 }",
            "{ hdr(x-multi) -i -m reg ^T[HW] }",
            "{ hdr(x-multi) -m sub -i HRE }",
            "{ req.hdr(x-num) -m bin 3432616263 }",
            "{ always_true -m bool }",
            "{ int(0) -m bool }",
            "{ str(x) -m found }",
            "{ req.hdr(nope) -m found }",
            "!{ req.hdr(nope) -m found }",
            "{ src -n 127.0.0.1 }",
            "{ path_beg -u 7 /e }",
            "{ path_end -- -x }",
            "{ path_beg -f @DIR@/paths.lst }",
            "{ path_beg -i -f @DIR@/paths.lst }",
            "{ hdr(host) -f @DIR@/hosts.lst -i }",
            "{ src -f @DIR@/nets.lst }",
            "{ url_param(n) -f @DIR@/ints.lst }",
            "{ hdr(host),lower -m beg example }",
            "{ hdr(host),upper EXAMPLE.ORG:8080 }",
            "{ path_beg,upper /E }",
            "{ path_beg,upper /E0/A;Z=5 }",
            "{ hdr_beg(host),upper EX }",
            "{ path_len,length 8 }",
            "{ url_param(x),add(1) 2 }",
            "{ urlp(x),add(1) 3 }",
            "{ cook(a),length 4 }",
            "{ req.cook_cnt(a),mul(2) 6 }",
            "{ base32,and(1) 0:1 }",
            "{ hdr_cnt,add(0) gt 5 }",
            "!{ ssl_fc }",
            "{ ssl_c_used -m found }",
            "{ src -m str 127.0.0.1 }",
            "{ src -m beg 127. }",
            "{ method -m str GET }",
            "{ method -m beg G }",
            "{ method -m len 3 }",
            "{ int(5) -m str 5 }",
            "{ int(5) -m sub 5 }",
            "{ req.ver -m int 1 }",
            "{ always_false -m found }",
            "{ str(0) -m bool }",
            "{ str(2) -m bool }",
            "{ str(abc) -m bool }",
            "{ src -m int 2130706433 }",
            "{ str(10.0.0.1:80) -m ip 10.0.0.0/24 }",
            "{ str(::1) -m ip ::/64 }",
            "{ src -m ip ::ffff:127.0.0.1 }",
            "{ src,ipmask(8) 127.0.0.0 }",
            "{ method -m reg ^G.T$ }",
            "{ method -i get head }",
            "{ method GET -i head }",
            "{ int(5) -m bin 0000000000000005 }",
            "{ str(ab) -m bin 6162 }",
        ],
    );
}

/// Response-side fetches and the proxy counters, through a backend.
const RES_CFG: &str = "
global
  nbthread 1
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  http-request set-var(txn.fe) str(%[fe_id]/%[fe_conn]/%[fe_name])
  default_backend be
backend unused
  server s 127.0.0.1:1
listen l
  bind 127.0.0.1:@FE2@
  http-request return status 200 content-type text/plain lf-string \"%[fe_id]/%[be_id]/%[be_name]/%[nbsrv]/%[nbsrv(unused)]/%[be_conn]/%[fe_conn]/%[fe_conn(fe)]/%[be_conn(be)]/%[nbsrv(be)]\"
backend be
  http-request set-header X-Be %[be_id]/%[be_name]/%[nbsrv]/%[be_conn]
  http-response set-header X-1 %[res.hdr(x-a)]|%[res.fhdr(x-a)]|%[res.hdr_cnt(x-a)]|%[res.hdr(x-a,1)]
  http-response set-header X-2 %[status]|%[res.ver]|%[srv_name]|%[be_name]|%[be_id]
  http-response set-header X-3 %[res.cook(sid)]|%[res.cook]|%[res.cook_cnt(sid)]|%[scook(other)]|%[res.cook_val(n)]
  http-response set-header X-4 %[res.hdr_ip(x-ip)]|%[shdr(x-a)]|%[res.hdr_val(x-n)]|%[var(txn.fe)]
  http-response set-header X-7 %[res.hdr_names]|%[capture.res.ver]
  http-response set-header X-5 yes if { res.hdr(x-a) -m sub b } { status 200:299 } { scook(sid) abc }
  http-response set-header X-6 yes if { shdr_beg(x-a) a } || { scook_len(sid) 99 }
  server s1 127.0.0.1:@BE@
  server s2 127.0.0.1:1 backup
  server s3 127.0.0.1:2 disabled
";

fn origin(_: &Received) -> Reply {
    let body = "ok";
    Reply::Send(
        format!(
            "HTTP/1.1 200 OK\r\nX-A: a, b\r\nX-A: c\r\nSet-Cookie: sid=abc; Path=/\r\n\
             Set-Cookie: other=1\r\nset-cookie: n=77\r\nX-IP: 10.1.1.1\r\nX-N: 9z\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

#[test]
fn response_fetches_and_counters() {
    if !support::haproxy_available("response_fetches_and_counters") {
        return;
    }
    let (b1, b2) = (Backend::with(origin), Backend::with(origin));
    let setup = Setup::new(RES_CFG);
    let Some(p) = Pair::start(
        "response_fetches_and_counters",
        &setup.clone().backend(&b1),
        &setup.backend(&b2),
    ) else {
        return;
    };
    // The listen section first: its `fe_conn(fe)` must not race with the other connection.
    let listen = |proxy: &support::Proxy| {
        Client::connect(proxy.port_of("FE2")).request("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
    };
    let (a, b) = (listen(&p.halo), listen(&p.haproxy));
    support::diff::assert_same("listen l", &a, &b, ORDERED);
    p.check("GET /r HTTP/1.1\r\nHost: h\r\n\r\n", ORDERED);
    // The backend saw the same X-Be header from both.
    let seen = |b: &Backend| b.received()[0].header("x-be").map(str::to_string);
    assert_eq!(seen(&b1), seen(&b2));
}

/// Lua's `txn.f`/`txn.c` (nil on failure) and `txn.sf`/`txn.sc` ("" on failure) over the
/// same catalogue, in a Lua 5.3/5.4-neutral script.
const LUA_CFG: &str = "
global
  nbthread 1
  lua-load @DIR@/samples.lua
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  http-request lua.samples
  http-request return status 200 content-type text/plain lf-string \"%[var(txn.out)]\"
";

const LUA: &str = r#"
core.register_action("samples", { "http-req" }, function(txn)
  local out = {}
  local function add(name, v) out[#out + 1] = name .. "=" .. tostring(v) end
  add("path", txn.f:path())
  add("url_param", txn.f:url_param("x"))
  add("urlp_delim", txn.f:urlp("z", ";"))
  add("nope", txn.f:url_param("nope"))
  add("snope", "[" .. txn.sf:url_param("nope") .. "]")
  add("cook", txn.f:req_cook("a"))
  add("cook_cnt", txn.f:req_cook_cnt())
  add("base", txn.f:base())
  add("base32", txn.f:base32())
  add("hdr_ip", txn.sf:hdr_ip("x-ip"))
  add("hdrs_len", string.len(txn.f:req_hdrs()))
  add("int", txn.f:int(5))
  add("sha1", txn.c:hex(txn.c:sha1("abc")))
  add("sha2", txn.c:hex(txn.c:sha2("abc", 224)))
  add("crc32", txn.c:crc32("hello"))
  add("xxh64", txn.c:xxh64("hello", 5))
  add("b64dec", txn.c:b64dec("aGVsbG8="))
  add("b64bad", txn.c:b64dec("!!!!"))
  add("sb64bad", "[" .. txn.sc:b64dec("!!!!") .. "]")
  add("url_dec", txn.c:url_dec("a%20b+c", 1))
  add("url_enc", txn.c:url_enc("a b&c", "query"))
  add("regsub", txn.c:regsub("a.b.c", "\\.", "-", "g"))
  add("http_date", txn.c:http_date(0))
  add("utime", txn.c:utime(86400, "%Y-%m-%d"))
  add("bytes", txn.c:bytes("hello", 1, 3))
  add("ltrim", txn.c:ltrim("xxa", "x"))
  add("concat", txn.c:concat("a", "<", "", ">"))
  add("hex2i", txn.c:hex2i("ff"))
  add("djb2", txn.c:djb2("hello", 1))
  add("field", txn.c:field("a,b,c", 2, ","))
  txn:set_var("txn.out", table.concat(out, "\n"))
end)
"#;

#[test]
fn lua_fetches_and_converters() {
    let setup = Setup::new(LUA_CFG).file("samples.lua", LUA);
    let Some(p) = Pair::same("lua_fetches_and_converters", &setup) else {
        return;
    };
    let r = p.check(&request("/lua/"), ORDERED);
    assert!(r.text().contains("snope=[]"), "{}", r.text());
}

/// Run-dependent fetches (no byte comparison): shapes and ranges, on halo alone.
#[test]
fn properties_of_run_dependent_fetches() {
    let setup = expr_setup(&[
        "%[rand]|%[rand(10)]|%[rand(0)]",
        "%[uuid]|%[uuid(4)]",
        "%[date]|%[date(10)]|%[date(0,ms)]|%[date(0,us)]",
        "%[date,http_date]",
        "%[hostname]",
        "%[src_port]|%[dst_port]",
        "%[txn.status]",
    ]);
    let halo = setup.start(support::Engine::Halo);
    let get = |i: usize| {
        let r = Client::connect(halo.port()).request(request(&format!("/e{i}/")));
        assert_eq!(r.status, 200);
        r.text()
    };
    let nums = |s: &str| -> Vec<i64> { s.split('|').map(|x| x.parse().unwrap()).collect() };
    let r = nums(&get(0));
    assert!((0..1 << 32).contains(&r[0]) && (0..10).contains(&r[1]) && r[2] == 0);
    let u = get(1);
    let (u1, u2) = u.split_once('|').unwrap();
    for id in [u1, u2] {
        assert_eq!(id.len(), 36, "{id}");
        assert_eq!(&id[14..15], "4");
        assert!(
            id.bytes()
                .all(|c| c == b'-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
    assert_ne!(u1, u2);
    let d = nums(&get(2));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((d[0] - now).abs() <= 2 && d[1] == d[0] + 10);
    assert!((d[2] / 1000 - now).abs() <= 2 && (d[3] / 1_000_000 - now).abs() <= 2);
    let h = get(3);
    assert!(h.ends_with(" GMT") && h.len() == 29, "{h}");
    assert!(!get(4).is_empty());
    let ports = nums(&get(5));
    assert!(ports[0] > 0 && ports[1] == i64::from(halo.port()));
    // Before any response, txn.status has nothing.
    assert_eq!(get(6), "");
}

/// The first `-c` alert of a configuration with one bad line, pid and path normalized.
fn first_alert(engine: support::Engine, line: &str) -> String {
    let cfg = format!("{HEAD}frontend f\n  bind 127.0.0.1:@FE@\n  {line}\n");
    let c = Setup::new(&cfg).check(engine);
    let path = c.cfg_path.display().to_string();
    let alert = c
        .stderr
        .lines()
        .find(|l| l.starts_with("[ALERT]"))
        .unwrap_or_else(|| panic!("{}: no alert for {line}: {}", engine.name(), c.stderr));
    let rest = &alert[alert.find(") :").map_or(0, |p| p + 3)..];
    rest.replace(&path, "CFG")
}

#[test]
fn argument_messages() {
    if !support::haproxy_available("argument_messages") {
        return;
    }
    for line in [
        "http-request set-var(txn.a) date(0,h)",
        "http-request set-var(txn.a) str(a),http_date(0,h)",
        "http-request set-var(txn.a) str(a),sha2(100)",
        "http-request set-var(txn.a) uuid(3)",
        "http-request set-var(txn.a) str(a),regsub(a,b,x)",
        "http-request set-var(txn.a) str(a),regsub(a)",
        "http-request set-var(txn.a) str(a),bytes(a)",
        "http-request set-var(txn.a) str(a),concat(a,b.c)",
        "http-request set-var(txn.a) str(a),concat(a,txn.b,c,d)",
        "http-request set-var(txn.a) str(a),url_enc(x)",
        "http-request set-var(txn.a) ipv4(1.2.3)",
        "http-request set-var(txn.a) ipv6(zz)",
        "http-request set-var(txn.a) str(a),field(1,)",
        "http-request set-var(txn.a) str(a),utime(%Y,x)",
        "http-request set-var(txn.a) str(a),xxh32(a)",
        "http-request set-var(txn.a) rand(x)",
        "http-request set-var(txn.a) url_param(a,b,c)",
        "http-request set-var(txn.a) str(a),ltrim(a,b)",
        "http-request set-var(txn.a) int",
        "http-request set-var(txn.a) str(a),ltrim(x",
        "http-request set-var(txn.a) str(a),bytes(1",
        "http-request set-var(txn.a) str(a),concat(a",
        "http-request set-var(txn.a) str(a),bytes(1,2,3)",
        "http-request set-var(txn.a) str(a),sha2(1,2)",
        "http-request set-var(txn.a) str(a),lower(a)",
        "http-request set-var(txn.a) str(a),set-var(txn.y,ifset,ifset,ifset,ifset,ifset)",
        "acl a status foo",
        "acl a status -m int foo",
        "acl a status gt foo",
        "acl a status gt 5 eq foo",
        "acl a path -m len foo",
        "acl a path -f /dev/null -m beg",
        "acl a path -f /nonexistent/x",
        "acl a1 req.cook_beg(x) y",
        "acl a1 res.hdr_beg(x) y",
        "acl a1 urlp_val(n) -m int x",
        "acl a1 url_ip 1.2.3.4/99",
        "http-request deny if HTTP_3.0",
    ] {
        let (h, p) = (
            first_alert(support::Engine::Halo, line),
            first_alert(support::Engine::Haproxy, line),
        );
        assert_eq!(h, p, "{line}");
    }
}

/// Layer-4 payload fetches in a TCP frontend: `req.rdp_cookie`, `RDP_COOKIE`, `req.len`.
const TCP_CFG: &str = "
global
  nbthread 1
defaults
  mode tcp
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  tcp-request inspect-delay 2s
  tcp-request content reject if { req.rdp_cookie(mstshash) -m str bob }
  tcp-request content reject if RDP_COOKIE { req.len gt 60 }
  tcp-request content accept
  default_backend be
backend be
  server s1 127.0.0.1:@BE@
";

#[test]
fn tcp_payload_fetches() {
    if !support::haproxy_available("tcp_payload_fetches") {
        return;
    }
    let setup = Setup::new(TCP_CFG).var("BE", support::backend::tcp_echo());
    let Some(p) = Pair::same("tcp_payload_fetches", &setup) else {
        return;
    };
    let rdp = |cookie: &str| {
        let mut v = b"\x03\x00\x00\x2c\x27\xe0\x00\x00\x00\x00\x00".to_vec();
        v.extend_from_slice(format!("Cookie: mstshash={cookie}\r\n").as_bytes());
        v
    };
    let exchange = |port: u16, data: &[u8]| -> Vec<u8> {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(3)))
            .unwrap();
        s.write_all(data).unwrap();
        let mut out = vec![0u8; 256];
        let n = s.read(&mut out).unwrap_or(0);
        out.truncate(n);
        out
    };
    let long = [rdp("someone"), vec![b'x'; 40]].concat();
    for (data, echoed) in [
        (rdp("bob"), false),
        (rdp("alice"), true),
        (long, false),
        (b"hello".to_vec(), true),
    ] {
        let (a, b) = (
            exchange(p.halo.port(), &data),
            exchange(p.haproxy.port(), &data),
        );
        assert_eq!(a, b, "{data:?}");
        assert_eq!(a == data, echoed, "{data:?}");
    }
}

/// URL fetches on absolute and `*` request targets (the rules select by a header here, since
/// `path_beg` cannot see a prefix in those).
#[test]
fn url_fetches_on_other_targets() {
    let exprs = [
        "%[path]|%[pathq]|%[query]|%[url]|%[base]|%[baseq]",
        "%[base32]|%[url32]|%[url_param(a)]|%[capture.req.uri]",
        "%[url_ip]|%[url_port]|%[req.hdr(x-a,-4)]|%[req.fhdr(x-a,-2)]|%[hdr(,1)]",
    ];
    let mut cfg = format!("{HEAD}frontend fe\n  bind 127.0.0.1:@FE@\n");
    for (i, e) in exprs.iter().enumerate() {
        cfg.push_str(&format!(
            "  http-request return status 200 content-type text/plain lf-string \"{e}\" if {{ req.hdr(x-n) {i} }}\n"
        ));
    }
    let Some(p) = Pair::same("url_fetches_on_other_targets", &Setup::new(&cfg)) else {
        return;
    };
    for (target, host) in [
        ("http://1.2.3.4:81/p?a=2", "1.2.3.4:81"),
        ("HTTPS://5.6.7.8/p", "5.6.7.8"),
        ("http://h", "h"),
        ("http://name:82/x", "name:82"),
        ("*", "x"),
        ("/p?a=1", "x"),
    ] {
        for i in 0..exprs.len() {
            p.check(
                &format!(
                    "OPTIONS {target} HTTP/1.1\r\nHost: {host}\r\nx-n: {i}\r\n\
                     X-A: 1, \"2,3\", 4\r\nx-a: 5\r\n\r\n"
                ),
                ORDERED,
            );
        }
    }
}

/// `http_first_req` over a kept-alive connection, and `fe_conn` while it is open.
#[test]
fn first_request_of_a_connection() {
    let setup = expr_setup(&["%[http_first_req]|%[fe_conn]"]);
    let Some(p) = Pair::same("first_request_of_a_connection", &setup) else {
        return;
    };
    let run = |proxy: &support::Proxy| {
        let mut c = Client::connect(proxy.port());
        let a = c.request(request("/e0/"));
        let b = c.request(request("/e0/"));
        (a, b)
    };
    let ((a1, a2), (b1, b2)) = (run(&p.halo), run(&p.haproxy));
    support::diff::assert_same("first", &a1, &b1, ORDERED);
    support::diff::assert_same("second", &a2, &b2, ORDERED);
    assert_eq!(a1.text(), "1|1");
    assert_eq!(a2.text(), "0|1");
}
