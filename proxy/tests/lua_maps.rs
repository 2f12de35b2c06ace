//! The Lua classes `Regex`, `Map`, `Concat` and the `core` functions on addresses, dates,
//! tokens and live pattern/map changes, against haproxy 2.6: a `lua-load` body probing them
//! (run by `-c`, its prints compared with the output recorded from haproxy 2.6, and with a live
//! haproxy when installed), then the `map*` converters, `-f` ACL files, `Map` and
//! `core.set_map`/`add_acl` live in both engines, responses compared.

mod support;

use support::diff::{Compare, Pair};
use support::{Engine, Setup};

const M_MAP: &str = "a 1\n  b   two words  \n#c 3\n\nab 4\nabc 5\na 6\nx\n";
const IP_MAP: &str = "10.0.0.0/8 ten\n10.1.0.0/16 ten-one\n::1 lo6\n127.0.0.1 lo\n";
const INT_MAP: &str = "1 one\n5 five\n10:20 range\n";

const PROBE_CFG: &str = "
global
  lua-load @DIR@/probe.lua
defaults
  mode http
  timeout client 1s
  timeout server 1s
  timeout connect 1s
frontend fe
  bind 127.0.0.1:@FE@
  http-request return status 200
";

/// Prints one line per call: `name: pcall results` (tables as lists of `%q` strings).
const PROBE: &str = r#"local function show(...)
  local t = table.pack(...)
  local o = {}
  for i = 1, t.n do
    local v = t[i]
    if type(v) == "table" then
      local p = {}
      for j = 1, #v do p[#p + 1] = string.format("%q", v[j]) end
      v = "{" .. table.concat(p, ",") .. "}"
    elseif type(v) == "string" then
      v = string.format("%q", v)
    else
      v = tostring(v)
    end
    o[#o + 1] = v
  end
  print(table.concat(o, " "))
end
local function try(name, f, ...)
  local r = table.pack(pcall(f, ...))
  io.write(name, ": ")
  show(table.unpack(r, 1, r.n))
end
local D = "@DIR@/"
-- core.tokenize
try("tok1", core.tokenize, "This function is useful, for tokenizing an entry.", "., ", true)
try("tok2", core.tokenize, "a,,b,", ",")
try("tok3", core.tokenize, "", ",")
try("tok4", core.tokenize, "", ",", true)
try("tok5", core.tokenize, "abc", "")
try("tok6", core.tokenize, "a,b", ",", nil)
try("tok7", core.tokenize, "a\0b,c", ",")
try("tok8", core.tokenize, "a,b", ",", false, 5)
try("tok9", core.tokenize, 12.5, ".")
try("tok10", core.tokenize)
-- dates
try("d1", core.http_date, "Sun, 06 Nov 1994 08:49:37 GMT")
try("d2", core.http_date, "Sunday, 06-Nov-94 08:49:37 GMT")
try("d3", core.http_date, "Sun Nov  6 08:49:37 1994")
try("d4", core.imf_date, "Sunday, 06-Nov-94 08:49:37 GMT")
try("d5", core.rfc850_date, "Sunday, 06-Nov-1994 08:49:37 GMT")
try("d6", core.asctime_date, "Sun Nov 6 08:49:37 1994")
try("d7", core.http_date, "Sun, 31 Feb 1994 25:49:60 GMT and more")
try("d8", core.http_date, "Sun, 06 Nov 2094 08:49:37 GMT")
try("d9", core.http_date, "Sunday, 06-Nov-60 08:49:37 GMT")
try("d10", core.http_date, "Wed, 31 Dec 1969 23:59:59 GMT")
try("d11", core.http_date, "sun, 06 nov 1994 08:49:37 gmt")
try("d12", core.http_date, "Sun, 06 Nov 0000 08:49:37 GMT")
try("d13", core.http_date)
-- parse_addr / match_addr
local function net(s) return core.parse_addr(s) end
try("pa1", function() return type(net("127.0.0.1/8")), type(net("::1/64")), net("nope"), getmetatable(net("10.0.0.1")) end)
for i, s in ipairs({"10.0.0.0/255.0.0.0", "10.0.0.1/33", "10.1", "::1/129", " 10.0.0.1", "::ffff:10.0.0.1", "010.0.0.1", "1.2.3.4.", "0x7f.1", "::1/64x", "5", "10.0.0.1/255.0.255.0", "1.2.3.4/1.2"}) do
  try("pa" .. (i + 1), function() return net(s) ~= nil end)
end
local pairs_ = {
  {"127.0.0.1", "127.0.0.0/8"}, {"128.0.0.1", "127.0.0.0/8"}, {"::1", "127.0.0.1"},
  {"2001:db8::1", "2001:db8::/32"}, {"10.0.0.0/8", "10.1.0.0/16"}, {"10.0.0.1/0", "1.1.1.1"},
  {"10.0.0.1/8", "10.0.0.0"}, {"::2/127", "::3"}, {"010.0.0.1", "8.0.0.1"}, {"::ffff:10.0.0.1", "10.0.0.1"},
}
for i, p in ipairs(pairs_) do try("ma" .. i, core.match_addr, net(p[1]), net(p[2])) end
try("ma11", core.match_addr, "x", net("127.0.0.1"))
try("ma12", core.match_addr)
-- Concat
local c = core.concat()
try("c1", c.add, c, "ab")
try("c2", c.add, c, 12)
try("c3", c.dump, c)
try("c4", c.add, c)
try("c5", c.add, {}, "x")
try("c6", function() return c:add({}) end)
try("c7", function() return tostring(c):sub(1, 15) end)
try("c8", function() local x = core.concat() for i = 1, 3000 do x:add("=====") end return #x:dump() end)
-- Regex
try("r1", function() local ok, r = Regex.new("needle (..) (...)", true) return ok, type(r), tostring(r) end)
try("r2", function() return (Regex.new("(", true)) end)
try("r3", Regex.new, "a")
try("r4", Regex.new, "a", 1)
local ok, r = Regex.new("needle (..) (...)", true)
try("r5", r.exec, r, "Looking for a needle in the haystack")
try("r6", r.exec, r, "Looking for a cat in the haystack")
try("r7", r.match, r, "Looking for a needle in the haystack")
try("r8", r.match, r, "Looking for a cat")
local _, ri = Regex.new("NEEDLE", false)
local _, rs = Regex.new("NEEDLE", true)
try("r9", function() return ri:exec("a needle"), rs:exec("a needle") end)
local _, ro = Regex.new("(a)?(b)(c)?", true)
try("r10", ro.match, ro, "b")
try("r11", ro.match, ro, "abc")
local _, r20 = Regex.new("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)(l)(m)(n)(o)(p)(q)(r)(s)(t)(u)(v)", true)
try("r12", r20.match, r20, "abcdefghijklmnopqrstuv")
try("r13", r.exec, {}, "x")
try("r14", function() return r:exec() end)
try("r15", r.exec, r, string.rep("needle ab cde", 1300))
try("r16", r.match, r, string.rep("needle ab cde", 1200))
try("r17", r.match, r, "needle \0x abc")
try("r18", function() local _, x = Regex.new("^a.c$", true) return x:exec("a\nc"), x:exec("abc") end)
-- Map
for k, v in pairs({"_int", "_ip", "_str", "_beg", "_sub", "_dir", "_dom", "_end", "_reg", "str", "found", "regm"}) do
  io.write(v, "=", tostring(Map[v]), " ")
end
print()
local m = Map.new(D .. "m.map", Map._str)
try("m1", function() return m:lookup("a"), m:lookup("b"), m:lookup("zz"), m:slookup("zz"), m:lookup("x"), m:lookup(12) end)
try("m2", m.lookup, m)
try("m3", Map.new, D .. "none.map", Map._str)
try("m4", Map.new, D .. "m.map", Map._found)
try("m5", Map.new, D .. "m.map", 99)
try("m6", Map.new)
try("m7", function() return tostring(m) end)
try("m8", m.lookup, {}, "a")
try("m9", Map.new, D .. "m.map", Map._int)
local mb = Map.new(D .. "m.map", Map._beg)
try("m10", function() return mb:lookup("abcd"), mb:lookup("abd"), mb:lookup("b   two") end)
local mi = Map.new(D .. "ip.map", Map._ip)
try("m11", function() return mi:lookup("10.1.2.3"), mi:lookup("10.2.2.3"), mi:lookup("::1"), mi:lookup("::ffff:127.0.0.1"), mi:lookup("nope") end)
local mn = Map.new(D .. "int.map", Map._int)
try("m12", function() return mn:lookup(1), mn:lookup("1"), mn:lookup(15) end)
try("m13", mn.lookup, mn, "x")
local ms, me, mg, md, mdir = Map.new(D .. "m.map", Map._sub), Map.new(D .. "m.map", Map._end), Map.new(D .. "m.map", Map._reg), Map.new(D .. "m.map", Map._dom), Map.new(D .. "m.map", Map._dir)
try("m14", function() return ms:lookup("zabcz"), me:lookup("zab"), mg:lookup("zab"), md:lookup("www.ab.com"), mdir:lookup("/x/abc/y") end)
try("m15", function() return Map.new(D .. "m.map"):lookup("a"), Map.new(D .. "m.map", "6"):lookup("a") end)
try("m16", function() return Map.new(D .. "m.map", 6, 7) end)
-- live changes
try("s1", core.set_map, D .. "m.map", "zz", "new")
try("s2", function() return m:lookup("zz"), ms:lookup("-zz-") end)
try("s3", core.set_map, D .. "m.map", "a", "A")
try("s4", function() return m:lookup("a"), mb:lookup("ax") end)
try("s5", core.del_map, D .. "m.map", "a")
try("s6", function() return m:lookup("a"), mb:lookup("ax") end)
try("s7", core.set_map, D .. "nofile", "a", "A")
try("s8", core.del_map, D .. "nofile", "a")
try("s9", core.add_acl, D .. "nofile", "a")
try("s10", core.del_acl, D .. "nofile", "a")
try("s11", core.set_map, D .. "m.map", "a")
try("s12", core.add_acl, D .. "m.map", "q")
try("s13", function() return m:lookup("q"), m:slookup("q") end)
try("s14", core.del_acl, D .. "m.map", "zz")
try("s15", function() return m:lookup("zz") end)
try("s16", core.set_map, D .. "int.map", "n", "5")
try("s17", core.set_map, D .. "int.map", "7", "seven")
try("s18", function() return mn:lookup(7) end)
try("s19", core.set_map, D .. "ip.map", "10.1.2.0/24", "deep")
try("s20", core.set_map, D .. "ip.map", "garbage", "g")
try("s21", function() return mi:lookup("10.1.2.3"), mi:lookup("10.1.9.3") end)
try("s22", core.set_map, "m.map", "a", "b")
try("s23", core.set_map, D .. "m.map", "b", "B", "extra")
try("s24", core.set_map, D .. "m.map", "ab", "AB")
try("s25", function() return mb:lookup("abq"), ms:lookup("zabz") end)
"#;

/// haproxy 2.6.12's output for `PROBE` (`@DIR@` is the test's directory).
const PROBE_OUT: &str = r#"tok1: true {"This","function","is","useful","for","tokenizing","an","entry"}
tok2: true {"a","","b",""}
tok3: true {""}
tok4: true {}
tok5: true {"abc"}
tok6: false "bad argument #3 to '?' (boolean expected)"
tok7: true {"a"}
tok8: true {"a","b"}
tok9: true {"12","5"}
tok10: false "bad argument #1 to '?' (string expected, got no value)"
d1: true 784111777
d2: true 784111777
d3: true 784111777
d4: true nil
d5: true 784111777
d6: true nil
d7: true 762745800
d8: true -355095519
d9: true -1428010719
d10: true -1
d11: true nil
d12: true -2010861279
d13: false "bad argument #1 to '?' (string expected, got no value)"
pa1: true "userdata" "userdata" nil nil
pa2: true true
pa3: true false
pa4: true true
pa5: true false
pa6: true false
pa7: true true
pa8: true true
pa9: true false
pa10: true false
pa11: true false
pa12: true true
pa13: true true
pa14: true false
ma1: true true
ma2: true false
ma3: true false
ma4: true true
ma5: true true
ma6: true false
ma7: true false
ma8: true true
ma9: true true
ma10: true false
ma11: true false
ma12: true false
c1: true
c2: true
c3: true "ab12"
c4: false "bad argument #2 to '?' (string expected, got no value)"
c5: false "bad argument #1 to '?' ((null))"
c6: false "@DIR@/probe.lua:71: bad argument #1 to 'add' (string expected, got table)"
c7: true "Concat object: "
c8: true 15000
r1: true true "table" "HAProxy class Regex"
r2: true false
r3: false "bad argument #2 to '?' ((null))"
r4: false "bad argument #2 to '?' ((null))"
r5: true true
r6: true false
r7: true true {"needle in the","in","the"}
r8: true false {}
r9: true true false
r10: true true {"b"}
r11: true true {"abc","a","b","c"}
r12: true true {"abcdefghijklmnopqrstuv","a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s"}
r13: false "bad argument #1 to '?' ((null))"
r14: false "@DIR@/probe.lua:93: bad argument #1 to 'exec' (string expected, got no value)"
r15: true false
r16: true true {"needle ab cde","ab","cde"}
r17: true true {"needle \0x abc","\0x","abc"}
r18: true false true
_int=2 _ip=3 _str=6 _beg=7 _sub=8 _dir=9 _dom=10 _end=11 _reg=12 str=6 found=0 regm=13 
m1: true "1" "two words" nil "" "" nil
m2: false "'lookup' needs 2 arguments"
m3: false "'new': failed to open pattern file <@DIR@/none.map>."
m4: false "'new' doesn't support this match mode."
m5: false "'new' needs a valid match method."
m6: false "'new' needs at least 1 argument."
m7: true "HAProxy class Map"
m8: false "bad argument #1 to '?' ((null))"
m9: false "'new': 'a' is not a number at line 1 of file '@DIR@/m.map'."
m10: true "5" "4" "two words"
m11: true "ten-one" "ten" "lo6" "lo" nil
m12: true "one" "one" "range"
m13: false "bad argument #2 to '?' (number expected, got string)"
m14: true "1" "two words" "1" "4" "5"
m15: true "1" "1"
m16: false "@DIR@/probe.lua:123: 'new' needs at least 1 argument."
s1: true
s2: true nil nil
s3: true
s4: true "A" "A"
s5: true
s6: true nil nil
s7: false "'set_map': unknown map file '@DIR@/nofile'"
s8: false "'del_map': unknown acl file '@DIR@/nofile'"
s9: false "'add_acl': unknown acl file '@DIR@/nofile'"
s10: false "'del_acl': unknown acl file '@DIR@/nofile'"
s11: false "'set_map' needs 3 arguments"
s12: true
s13: true nil ""
s14: true
s15: true nil
s16: true
s17: true
s18: true "seven"
s19: true
s20: true
s21: true "deep" "ten-one"
s22: false "'set_map': unknown map file 'm.map'"
s23: false "'set_map' needs 3 arguments"
s24: true
s25: true "AB" "two words"
Configuration file is valid
"#;

fn probe_setup() -> Setup {
    Setup::new(PROBE_CFG)
        .file("probe.lua", PROBE)
        .file("m.map", M_MAP)
        .file("ip.map", IP_MAP)
        .file("int.map", INT_MAP)
}

/// `-c`'s standard output with the temporary directory written `@DIR@`.
fn probe_output(engine: Engine) -> String {
    let out = probe_setup().check(engine);
    let dir = out
        .cfg_path
        .parent()
        .expect("a directory")
        .display()
        .to_string();
    assert_eq!(out.code, 0, "{}: {}", engine.name(), out.stderr);
    out.stdout.replace(&dir, "@DIR@")
}

#[test]
fn body_probe_as_haproxy() {
    let halo = probe_output(Engine::Halo);
    // Line by line first: a difference names its probe.
    for (h, r) in halo.lines().zip(PROBE_OUT.lines()) {
        assert_eq!(h, r);
    }
    assert_eq!(halo, PROBE_OUT);
    if support::haproxy_available("body_probe_as_haproxy") {
        assert_eq!(probe_output(Engine::Haproxy), PROBE_OUT);
    }
}

const LIVE_CFG: &str = "
global
  lua-load @DIR@/live.lua
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  acl listed path -f @DIR@/paths.acl
  acl listed_i path_beg -i -f @DIR@/paths.acl
  http-request lua.setmap if { path_beg /set }
  http-request lua.acl if { path_beg /acl }
  http-request use-service lua.look if { path_beg /look }
  http-request return status 200 content-type text/plain lf-string \"str=%[req.hdr(x-k),map(@DIR@/m.map)] beg=%[req.hdr(x-k),map_beg(@DIR@/m.map,none)] int=%[req.hdr(x-k),map_str_int(@DIR@/int.map,-1)] i=%[req.hdr(x-k),map_int(@DIR@/int.map)] ii=%[req.hdr(x-k),map_int_int(@DIR@/int.map,0)] ip=%[req.hdr(x-k),map_ip(@DIR@/ip.map,noip)] ipi=%[req.hdr(x-k),map_ip_int(@DIR@/ipint.map,0)] ipip=%[req.hdr(x-k),map_str_ip(@DIR@/ipip.map,::2)] sub=%[req.hdr(x-k),map_sub(@DIR@/m.map)] end=%[req.hdr(x-k),map_end(@DIR@/m_end.map)] dom=%[req.hdr(x-k),map_dom(@DIR@/m_dom.map)] dir=%[req.hdr(x-k),map_dir(@DIR@/m_dir.map)] reg=%[req.hdr(x-k),map_reg_int(@DIR@/reg.map,7)] regm=%[req.hdr(x-k),map_regm(@DIR@/regm.map,def)]\\n\" if { path_beg /q }
  http-request return status 200 content-type text/plain string listed if listed
  http-request return status 200 content-type text/plain string listed_i if listed_i
  http-request return status 404
";

const LIVE: &str = r#"
local m = Map.new("@DIR@/m.map", Map._str)
local mi = Map.new("@DIR@/ip.map", Map._ip)
core.register_action("setmap", {"http-req"}, function(txn)
  local file = "@DIR@/" .. txn.f:req_hdr("x-file")
  local k = txn.f:req_hdr("x-k")
  local v = txn.f:req_hdr("x-v")
  if v then core.set_map(file, k, v) else core.del_map(file, k) end
end)
core.register_action("acl", {"http-req"}, function(txn)
  local k = txn.f:req_hdr("x-k")
  if txn.f:req_hdr("x-del") then
    core.del_acl("@DIR@/paths.acl", k)
  else
    core.add_acl("@DIR@/paths.acl", k)
  end
end)
core.register_service("look", "http", function(applet)
  local k = applet.qs
  local body = tostring(m:lookup(k)) .. "|" .. m:slookup(k) .. "|" .. tostring(mi:lookup(k)) .. "\n"
  applet:set_status(200)
  applet:add_header("content-length", #body)
  applet:start_response()
  applet:send(body)
end)
"#;

fn live_pair(test: &str) -> Option<Pair> {
    Pair::same(
        test,
        &Setup::new(LIVE_CFG)
            .file("live.lua", LIVE)
            .file("m.map", M_MAP)
            // HAProxy shares one compiled list between `sub`, `end`, `dom` and `dir` on a
            // file and caches results per list and input, so the first method to see an
            // input answers for the others: one file each keeps the comparison meaningful.
            .file("m_end.map", M_MAP)
            .file("m_dom.map", M_MAP)
            .file("m_dir.map", M_MAP)
            .file("ip.map", IP_MAP)
            .file("int.map", "1 100\n5 500\n10:20 1000\n")
            .file("ipint.map", "10.0.0.0/8 10\n127.0.0.1 7\n")
            .file("ipip.map", "a 1.2.3.4\nb ::1\n")
            .file("reg.map", "^a 1\nb$ 2\n")
            .file(
                "regm.map",
                "^/a/(.*)/(x+)$ A:\\2:\\1\n^/b(.*) B\\x41\\\\\\9\\1\n^/c(.*) tail\\\n",
            )
            .file("paths.acl", "/listed\n# comment\n  /Spaced\n/Mixed\n"),
    )
}

fn req(path: &str, headers: &[(&str, &str)]) -> String {
    let mut r = format!("GET {path} HTTP/1.1\r\nHost: a\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    r.push_str("\r\n");
    r
}

const SAME: Compare = Compare {
    unordered_headers: false,
};
/// Lua service responses: see `Compare::unordered_headers`.
const SERVICE: Compare = Compare {
    unordered_headers: true,
};

#[test]
fn map_converters_as_haproxy() {
    let Some(p) = live_pair("map_converters_as_haproxy") else {
        return;
    };
    for k in [
        "a",
        "b",
        "ab",
        "abc",
        "abz",
        "zz",
        "x",
        "10.1.2.3",
        "10.9.9.9",
        "::1",
        "127.0.0.1",
        "1",
        "5",
        "15",
        "www.ab.com",
        "/x/abc/y",
        "zab",
    ] {
        p.check(&req("/q", &[("x-k", k)]), SAME);
    }
    p.check(&req("/q", &[]), SAME);
}

#[test]
fn live_map_changes_as_haproxy() {
    let Some(p) = live_pair("live_map_changes_as_haproxy") else {
        return;
    };
    let q = |k: &str| p.check(&req("/q", &[("x-k", k)]), SAME);
    let look = |k: &str| p.check(&req(&format!("/look?{k}"), &[]), SERVICE);
    let set = |file: &str, k: &str, v: Option<&str>| {
        let mut h = vec![("x-file", file), ("x-k", k)];
        h.extend(v.map(|v| ("x-v", v)));
        p.check(&req("/set", &h), SAME);
    };
    for k in ["a", "zz", "10.1.2.3", "1", "q"] {
        look(k);
    }
    set("m.map", "zz", Some("new"));
    q("zz");
    look("zz");
    set("m.map", "a", Some("A"));
    q("a");
    q("ax");
    set("m.map", "a", None);
    q("a");
    look("a");
    set("ip.map", "10.1.2.0/24", Some("deep"));
    set("ip.map", "garbage", Some("g"));
    q("10.1.2.3");
    look("10.1.2.3");
    set("int.map", "7", Some("700"));
    set("int.map", "word", Some("1"));
    set("int.map", "5", Some("not-a-number"));
    q("7");
    q("5");
    q("word");
    look("7");
}

#[test]
fn live_acl_changes_as_haproxy() {
    let Some(p) = live_pair("live_acl_changes_as_haproxy") else {
        return;
    };
    let acl = |k: &str, del: bool| {
        let mut h = vec![("x-k", k)];
        if del {
            h.push(("x-del", "1"));
        }
        p.check(&req("/acl", &h), SAME);
    };
    for path in [
        "/listed", "/Spaced", "/spaced", "/mixed/x", "/new", "/NEW/x", "/other",
    ] {
        p.check(&req(path, &[]), SAME);
    }
    acl("/new", false);
    acl("/new", false);
    p.check(&req("/new", &[]), SAME);
    p.check(&req("/NEW/x", &[]), SAME);
    acl("/new", true);
    acl("/listed", true);
    p.check(&req("/new", &[]), SAME);
    p.check(&req("/listed", &[]), SAME);
}

// haproxy 2.6 answers "error in arguments" for a `map*` converter called from Lua (it loads
// maps only while starting, and this path always loads); Halo serves the files already loaded
// (here by `Map.new` in the body) and refuses to read a new one at run time.
#[test]
fn map_converters_from_lua() {
    let setup = Setup::new(
        "
global
  lua-load @DIR@/conv.lua
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  http-request use-service lua.conv
",
    )
    .file(
        "conv.lua",
        r#"
for _, f in ipairs({"m.map", "int.map", "ip.map", "ipip.map"}) do Map.new("@DIR@/" .. f) end
core.register_service("conv", "http", function(applet)
  local k = applet.qs
  if k == "set" then core.set_map("@DIR@/m.map", "abq", "live") end
  local out = {
    tostring(applet.c:map_beg("abq", "@DIR@/m.map", "dflt")),
    tostring(applet.c:map_beg("zzz", "@DIR@/m.map", "dflt")),
    tostring(applet.c:map_str_int("5", "@DIR@/int.map")),
    tostring(applet.c:map_ip("10.1.0.9", "@DIR@/ip.map")),
    tostring(applet.c:map_ip_ip("10.1.0.9", "@DIR@/ipip.map")),
    tostring(applet.sc:map("nokey", "@DIR@/m.map")),
    select(2, pcall(function() return applet.c:map("a", "@DIR@/other.map") end)),
    select(2, pcall(function() return Map.new("@DIR@/m.map") end)),
  }
  local body = table.concat(out, "|")
  applet:add_header("content-length", #body)
  applet:start_response()
  applet:send(body)
end)
"#,
    )
    .file("m.map", M_MAP)
    .file("ip.map", IP_MAP)
    .file("ipip.map", "10.0.0.0/8 ::1\n")
    .file("int.map", "5 500\n")
    .file("other.map", "a b\n");
    let p = setup.start(Engine::Halo);
    let body = |path: &str| String::from_utf8(p.get(path).body).unwrap();
    let refused = "|@DIR@/conv.lua:13: 'map': map: cannot load map at runtime\
                   |@DIR@/conv.lua:14: 'new': map: cannot load map at runtime.";
    let dir = p.dir_path().display().to_string();
    let refused = refused.replace("@DIR@", &dir);
    assert_eq!(body("/"), format!("4|dflt|500|ten-one|::1|{refused}"));
    assert_eq!(
        body("/?set"),
        format!("live|dflt|500|ten-one|::1|{refused}")
    );
}

// With `lua-load-per-thread` every worker has its own Lua state, but maps are one per process:
// a change made from any thread is seen by the converters and `Map` objects of every thread.
#[test]
fn maps_shared_by_threads() {
    let setup = Setup::new(
        "
global
  nbthread 4
  lua-load-per-thread @DIR@/t.lua
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  http-request lua.set if { path /set }
  http-request use-service lua.look if { path_beg /look }
  http-request return status 200 content-type text/plain lf-string \"%[path,map_beg(@DIR@/m.map,none)]\"
",
    )
    .file(
        "t.lua",
        r#"
local m = Map.new("@DIR@/m.map", Map._beg)
core.register_action("set", {"http-req"}, function(txn)
  core.set_map("@DIR@/m.map", "/set", "thread " .. core.thread)
end)
core.register_service("look", "http", function(applet)
  local body = m:slookup(applet.qs)
  applet:add_header("content-length", #body)
  applet:start_response()
  applet:send(body)
end)
"#,
    )
    .file("m.map", "/a A\n");
    let p = setup.start(Engine::Halo);
    let body = |path: &str| String::from_utf8(p.get(path).body).unwrap();
    assert_eq!(body("/look?/a"), "A");
    assert_eq!(body("/set/y"), "none");
    let set = body("/set");
    assert!(set.starts_with("thread "), "{set}");
    // New connections spread over the threads; all of them see the value.
    for _ in 0..16 {
        assert_eq!(body("/set/y"), set);
        assert_eq!(body("/look?/set"), set);
    }
}
