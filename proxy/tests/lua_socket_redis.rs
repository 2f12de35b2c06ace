//! The pure-Lua redis client (nrk/redis-lua, vendored in `tests/fixtures/redis-lua/`) over
//! Halo's `core.tcp()` sockets, against a real `redis-server`, used as HAProxy's Lua API
//! documentation shows it: `redis.connect({socket = tcp})` from a Lua HTTP service.
//! Skipped (with a note) when `redis-server` is not installed.

mod support;

use support::sockets::{self, Redis};
use support::{Engine, Setup};

const CFG: &str = "
global
  lua-prepend-path @LIB@/?.lua
  lua-load @DIR@/redis_svc.lua
defaults
  mode http
  timeout client 10s
  timeout server 10s
  timeout connect 5s
frontend fe
  bind 127.0.0.1:@FE@
  http-request use-service lua.redis
";

const SVC: &str = r#"
local redis = require("redis")

local function client()
  local tcp = core.tcp()
  tcp:settimeout(2)
  assert(tcp:connect("127.0.0.1", REDIS_PORT))
  return redis.connect({socket = tcp}), tcp
end

core.register_service("redis", "http", function(applet)
  local out = {}
  local function add(k, v) out[#out + 1] = k .. "=" .. tostring(v) end
  local c, tcp = client()
  add("ping", c:ping())
  add("set", c:set("halo:key", "value with spaces\r\nand a CRLF"))
  add("get", c:get("halo:key"))
  add("missing", c:get("halo:missing"))
  add("incr", c:incr("halo:counter"))
  add("incr", c:incr("halo:counter"))
  add("incrby", c:incrby("halo:counter", 40))
  c:del("halo:list")
  add("rpush", c:rpush("halo:list", "a", "b", "c"))
  add("lrange", table.concat(c:lrange("halo:list", 0, -1), ","))
  local big = string.rep("0123456789", 10000)
  add("big set", c:set("halo:big", big))
  add("big get", c:get("halo:big") == big)
  -- redis-lua's pipeline() records reply parsers with table.insert(t, pos, nil), which Lua
  -- 5.3+ rejects once a command without a parser follows another one (the same under
  -- HAProxy): pipeline commands that all have one.
  local replies, count = c:pipeline(function(p)
    p:setnx("halo:p1", "one")
    p:exists("halo:p1")
    p:ping()
    p:hset("halo:h", "f", "v")
  end)
  add("pipelined", count)
  add("p.setnx", replies[1])
  add("p.exists", replies[2])
  add("p.ping", replies[3])
  add("p.hset", replies[4])
  -- Raw pipelining on the same socket: three commands in one send, three replies read back.
  assert(tcp:send("SET halo:raw 7\r\nINCR halo:raw\r\nGET halo:raw\r\n"))
  add("raw1", tcp:receive("*l"))
  add("raw2", tcp:receive("*l"))
  add("raw3", tcp:receive("*l") .. "/" .. tcp:receive("*l"))
  local ok, err = pcall(c.incr, c, "halo:key")
  add("redis error", (tostring(err):match("redis error: (ERR [%w ]+)")))
  add("quit", c:quit())
  tcp:close()
  local body = table.concat(out, "\n") .. "\n"
  applet:set_status(200)
  applet:add_header("content-length", #body)
  applet:start_response()
  applet:send(body)
end)
"#;

#[test]
fn redis_lua_client_against_redis_server() {
    let Some(redis) = Redis::start("redis_lua_client_against_redis_server") else {
        return;
    };
    let lib = sockets::fixture("redis-lua");
    let p = Setup::new(CFG)
        .var("LIB", lib.display())
        .file(
            "redis_svc.lua",
            &format!("REDIS_PORT = {}\n{SVC}", redis.port),
        )
        .start(Engine::Halo);
    let r = p.get("/");
    assert_eq!(r.status, 200, "stderr:\n{}", p.stderr());
    assert_eq!(
        r.text(),
        "ping=true
set=true
get=value with spaces\r\nand a CRLF
missing=nil
incr=1
incr=2
incrby=42
rpush=3
lrange=a,b,c
big set=true
big get=true
pipelined=4
p.setnx=true
p.exists=true
p.ping=true
p.hset=true
raw1=+OK
raw2=:8
raw3=$1/8
redis error=ERR value is not an integer or out of range
quit=true
"
    );
    // The writes really reached the server.
    assert_eq!(redis.command("GET halo:counter"), "$2");
    // A second request sees the state the first one left.
    let again = p.get("/");
    assert!(again.text().contains("incr=43\n"), "{}", again.text());
    assert!(again.text().contains("p.setnx=false\n"), "{}", again.text());
}

/// The same client session under haproxy 2.6 gives the same answers (without `quit`, which
/// calls LuaSocket's `shutdown`, a method HAProxy's sockets lack, and with a 10 kB value:
/// haproxy 2.6.12 never completes the `receive` of the 100 kB reply).
#[test]
fn redis_lua_same_as_haproxy() {
    let Some(redis) = Redis::start("redis_lua_same_as_haproxy") else {
        return;
    };
    let lib = sockets::fixture("redis-lua");
    let svc = SVC.replace("  add(\"quit\", c:quit())\n", "").replace(
        "string.rep(\"0123456789\", 10000)",
        "string.rep(\"0123456789\", 1000)",
    );
    assert_ne!(svc, SVC);
    let setup = Setup::new(CFG).var("LIB", lib.display()).file(
        "redis_svc.lua",
        &format!("REDIS_PORT = {}\n{svc}", redis.port),
    );
    let Some(pair) = support::diff::Pair::same("redis_lua_same_as_haproxy", &setup) else {
        return;
    };
    let halo = pair.halo.get("/");
    assert_eq!(redis.command("FLUSHALL"), "+OK");
    let haproxy = pair.haproxy.get("/");
    assert_eq!(halo.status, 200, "{}", pair.halo.stderr());
    assert_eq!(halo.text(), haproxy.text());
    assert!(halo.text().contains("p.hset=true\n"), "{}", halo.text());
}
