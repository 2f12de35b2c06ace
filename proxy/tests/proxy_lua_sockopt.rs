//! `TXN.set_tos` / `TXN.set_mark` on the client connection: the argument checks compared with
//! haproxy 2.6, and the options seen on the socket by `ss` (when installed).

mod support;

use std::time::Duration;

use support::diff::{Compare, Pair};
use support::{Client, Engine, Setup};

const CFG: &str = "
global
  lua-load @DIR@/opt.lua
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:@FE@
  http-request lua.probe if { path /probe }
  http-request lua.set if { path /set }
  http-request return status 200 content-type text/plain lf-string \"%[var(txn.r)]\\n\"
";

// No probe of a non-TXN receiver: haproxy words it "bad argument #1 to '?' ((null))".
const SCRIPT: &str = r#"
core.register_action("probe", {"http-req"}, function(txn)
  local r = {}
  local function try(f, ...) local ok, e = pcall(f, ...) r[#r + 1] = tostring(ok) .. ":" .. tostring(e) end
  try(txn.set_tos, txn)
  try(txn.set_tos, txn, "x")
  try(txn.set_tos, txn, 1, 2)
  try(txn.set_tos, txn, 1.5)
  try(txn.set_tos, txn, 16)
  try(txn.set_tos, txn, "16")
  try(txn.set_tos, txn, 1 << 40)
  try(txn.set_tos, txn, -5)
  try(txn.set_mark, txn)
  try(txn.set_mark, txn, "x")
  try(txn.set_mark, txn, 7, 8)
  try(txn.set_mark, txn, 7)
  txn:set_var("txn.r", table.concat(r, "|"))
end)

core.register_action("set", {"http-req"}, function(txn)
  txn:set_tos(0x10)
  txn:set_mark(7)
  core.msleep(1500)
  txn:set_var("txn.r", "set")
end)
"#;

fn setup() -> Setup {
    Setup::new(CFG).file("opt.lua", SCRIPT)
}

#[test]
fn argument_checks_like_haproxy() {
    let Some(pair) = Pair::same("argument_checks_like_haproxy", &setup()) else {
        return;
    };
    let r = pair.check("GET /probe HTTP/1.1\r\nHost: x\r\n\r\n", Compare::default());
    assert!(
        r.text().contains("false:'set_tos' needs 2 arguments"),
        "{}",
        r.text()
    );
}

/// The connection's line in `ss -tn --tos -e` while the action sleeps.
fn ss_line(port: u16) -> Option<String> {
    let out = std::process::Command::new("ss")
        .args(["-tn", "--tos", "-e", "state", "established"])
        .arg(format!("( sport = :{port} )"))
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines().nth(1).map(str::to_string)
}

#[test]
fn options_reach_the_client_socket() {
    if std::process::Command::new("ss").arg("-V").output().is_err() {
        eprintln!("note: options_reach_the_client_socket: skipped, no `ss`");
        return;
    }
    let p = setup().start(Engine::Halo);
    let port = p.port();
    let mut c = Client::connect(port).with_timeout(Duration::from_secs(5));
    c.send("GET /set HTTP/1.1\r\nHost: x\r\n\r\n");
    std::thread::sleep(Duration::from_millis(600));
    let line = ss_line(port).unwrap_or_default();
    assert!(line.contains("tos:0x10"), "{line}");
    // SO_MARK needs CAP_NET_ADMIN (ss prints no fwmark when it is 0).
    let root = std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false);
    if root {
        assert!(line.contains("fwmark:0x7"), "{line}");
    }
    let r = c.read_response(false);
    assert_eq!(r.text(), "set\n");
}
